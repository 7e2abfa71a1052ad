"""Design experiment: can the way the model is run make its landmarks steadier or follow more?

Measured on the precision benchmark's perturbation suite of both portraits (flipped variants
read on the unflipped face), by the geometric mean of SD / target over the 36 cells with a
target (lower is better), and on the sensitivity benchmark's warps:

1. One detection per photo, run three ways: image mode, as import runs it (the face detector
   places the model's crop); MediaPipe's video mode fed the same photo ``TRACK_STEPS`` times
   (from the second frame on, the crop follows the previous landmarks, so it converges on the
   face's own landmarks rather than the detector's box); and a canonical pre-warp: the photo is
   warped by the similarity that takes the first detection's pose landmarks onto the canonical
   face at a fixed size and place (``CANVASES``), detected again, and the landmarks mapped back.
2. Photometric test-time views (blur, gamma, noise, sharpening; each also flipped) added to the
   default 10 geometric views, against 8 more geometric views (rotations +-8, scales 0.75/1.3),
   and the default 10 views taken on the canonical pre-warp instead of the photo.
3. Where a change of the outline is lost: for each warp of the outline (cheeks widened, a cheek
   bulge, the lower face lengthened) at its largest amount, the landmark gain
   of the face-oval points in the canonical frame (after the Procrustes alignment) over the
   points the warp moves most, and its part normal to the outline and along it. A landmark
   that slides along the outline would show a normal gain well above the total one; then
   metrics that ignore which landmark lies where (outline curves) would recover more.

Not part of ``make bench``; not used by facetrack. Run:
``.venv/bin/python benchmarks/experiments/detection.py`` (about 2.5 minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRACK_STEPS = 4
CANVASES = ((512, 16.0), (384, 16.0), (256, 10.0), (512, 20.0))  # (side in px, px per canonical cm)
GEOMETRIC = ((0, 1.0), (-4, 1.0), (4, 1.0), (0, 0.85), (0, 1.15))
MORE_GEOMETRIC = ((-8, 1.0), (8, 1.0), (0, 0.75), (0, 1.3))
PREWARP_TTA = ((384, 16.0), (256, 10.0))


def photometric() -> dict:
    import cv2

    def gamma(im, g):
        return np.clip(255 * (im / 255.0) ** g, 0, 255).astype(np.uint8)

    def noise(im, sigma, seed):
        return np.clip(im + np.random.default_rng(seed).normal(0, sigma, im.shape), 0, 255).astype(np.uint8)

    return {"blur 0.8": lambda im: cv2.GaussianBlur(im, (0, 0), 0.8),
            "blur 0.5": lambda im: cv2.GaussianBlur(im, (0, 0), 0.5),
            "gamma 0.8": lambda im: gamma(im, 0.8), "gamma 1.25": lambda im: gamma(im, 1.25),
            "noise 3": lambda im: noise(im, 3.0, 0), "noise 3 (b)": lambda im: noise(im, 3.0, 1),
            "sharpen": lambda im: cv2.addWeighted(im, 1.6, cv2.GaussianBlur(im, (0, 0), 1.5), -0.6, 0)}


def prewarp(image, points, topology, side: int, px_per_cm: float):
    """``image`` warped so the face sits at a fixed size and place: the similarity that takes the
    pose landmarks of ``points`` onto the canonical face, ``px_per_cm`` pixels per canonical
    centimetre, centred in a ``side`` x ``side`` canvas. Returns the canvas and a function that
    maps landmarks found on it back onto ``image``."""
    import cv2

    from facetrack.metrics.geometry import fit_similarity

    ids = topology.pose_ids
    src = np.column_stack([points[ids, :2], np.zeros(len(ids))])
    dst = np.column_stack([topology.canonical[ids, :2] * (1, -1) * px_per_cm + side / 2, np.zeros(len(ids))])
    sim = fit_similarity(src, dst, topology.pose_weights)  # a rotation about z only: both sets lie in z = 0
    a = sim.scale * sim.rotation[:2, :2]
    canvas = cv2.warpAffine(image, np.column_stack([a, sim.translation[:2]]), (side, side),
                            flags=cv2.INTER_AREA if sim.scale < 1 else cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_REPLICATE)

    def back(found: np.ndarray) -> np.ndarray:
        out = np.array(found, dtype=np.float64)
        out[:, :2] = (out[:, :2] - sim.translation[:2]) @ np.linalg.inv(a).T
        out[:, 2] /= sim.scale
        return out

    return canvas, back


def gm_ratio(rows_by_source: dict[str, list[dict]]) -> tuple[int, float]:
    """Cells above target and the geometric mean of SD / target over the cells with a target."""
    from facetrack.metrics import REGISTRY
    from precision import read_sd, target

    ratios = []
    for rows in rows_by_source.values():
        for mt in REGISTRY:
            unit, goal = target(mt)
            if goal is not None:
                ratios.append(read_sd([r[mt.name] for r in rows], unit) / goal)
    return sum(r > 1 for r in ratios), float(np.exp(np.mean(np.log(ratios))))


def main() -> None:
    from skimage import data

    from facetrack.lab import warps
    from facetrack.demo import portrait
    from facetrack.detect.landmarks import Landmarker
    from dataclasses import replace

    from facetrack.detect.measure import (DEFAULT_AUGMENTATIONS, Augmentation, Measurer, check_measurable,
                                   measure_views)
    from facetrack.metrics import combine_views, compute_metrics
    from facetrack.metrics.align import to_canonical
    from facetrack.errors import InputError
    from facetrack.lab.sensitivity import CASES, landmark_gain, robust_points
    from precision import as_unflipped, perturbation_suite

    portraits = {"grace_hopper": portrait(), "astronaut": data.astronaut()}
    looks = photometric()
    views_18 = [Augmentation(a, s, f) for a, s in GEOMETRIC + MORE_GEOMETRIC for f in (False, True)]
    flips = (Augmentation(), Augmentation(flip=True))  # the photo and its mirror image
    with Measurer.from_model(augmentations=views_18, silhouette=False) as m, Landmarker(m.model_path, video=True) as tracker:
        topo = m.topology
        blank = np.zeros((256, 256, 3), np.uint8)
        single = {k: {} for k in ["image mode"] + [f"tracked x{k}" for k in range(2, TRACK_STEPS + 1)]
                  + [f"pre-warp {s}px, {c:g} px/cm" for s, c in CANVASES]}
        views = {}
        prewarped = {f"pre-warp {s}px, {c:g} px/cm + default 10 views": {} for s, c in PREWARP_TTA}
        for name, image in portraits.items():
            for rows in (*single.values(), *prewarped.values()):
                rows[name] = []
            views[name] = []
            for variant, flipped in perturbation_suite(image):
                first = m.landmarker.detect(variant)
                try:  # what import refuses is left out, as in the precision benchmark
                    if first is None:
                        raise InputError(name, "no face")
                    check_measurable(first, topo, name)
                except InputError:
                    continue

                def add(label, points):
                    single[label][name].append(as_unflipped(compute_metrics(points, topo), flipped))

                add("image mode", first.points)
                for side, scale in PREWARP_TTA:
                    canvas, back = prewarp(variant, first.points, topo, side, scale)
                    found = [replace(v, points=back(v.points))
                             for v in m.detect_views(canvas, augmentations=DEFAULT_AUGMENTATIONS)]
                    values = measure_views(found, topo)[1]
                    prewarped[f"pre-warp {side}px, {scale:g} px/cm + default 10 views"][name].append(
                        as_unflipped({k: v.value for k, v in values.items()}, flipped))
                tracker.detect_all(blank)  # tracking lost: the next frame starts from the detector
                for step in range(1, TRACK_STEPS + 1):
                    tracked = tracker.detect_all(variant)
                    if step > 1:
                        add(f"tracked x{step}", tracked[0].points)
                for side, scale in CANVASES:
                    canvas, back = prewarp(variant, first.points, topo, side, scale)
                    again = m.landmarker.detect(canvas)
                    if again is not None:
                        add(f"pre-warp {side}px, {scale:g} px/cm", back(again.points))
                # the 18 geometric views, then the photo and its mirror image in each look, by name
                found = [(str(v.kind), v) for v in m.detect_views(variant, original=first)]
                for look, apply in looks.items():
                    found += [(f"{look},{v.kind}".removesuffix(",original"), v)
                              for v in m.detect_views(apply(variant), augmentations=flips)]
                views[name].append(({k: compute_metrics(v.points, topo) for k, v in found}, flipped))

        print("1. One detection per photo (perturbation suite, both portraits, 36 cells):")
        for label, rows in single.items():
            missed, gm = gm_ratio(rows)
            print(f"  {label:32s} {missed:2d} above target, geometric mean SD/target {gm:.3f}")

        def kinds(pairs):
            return [str(Augmentation(a, s, f).kind) for a, s in pairs for f in (False, True)]

        def looked(names):
            return [n + s for n in names for s in ("", ",flip")]

        default = kinds(GEOMETRIC)
        sets = {"default 10 geometric": default,
                "18 geometric (+ rot +-8, scale 0.75/1.3)": kinds(GEOMETRIC + MORE_GEOMETRIC),
                "default + blur 0.5/0.8": default + looked(["blur 0.5", "blur 0.8"]),
                "default + gamma 0.8/1.25": default + looked(["gamma 0.8", "gamma 1.25"]),
                "default + noise x2": default + looked(["noise 3", "noise 3 (b)"]),
                "default + blur, gammas, noise (18)":
                    default + looked(["blur 0.8", "gamma 0.8", "gamma 1.25", "noise 3"]),
                "default + all 7 photometric (24)": default + looked(list(looks))}
        print("\n2. Test-time views: photometric ones, more geometric ones, or the default ones on the "
              "pre-warp (robust estimate as import combines views):")
        estimates = {}
        for label, ks in sets.items():
            estimates[label] = {}
            for name, variants in views.items():
                estimates[label][name] = []
                for per_view, flipped in variants:
                    present = [k for k in ks if k in per_view]
                    combined = combine_views([per_view[k] for k in present], [k.endswith("flip") for k in present])
                    estimates[label][name].append(as_unflipped({k: v.value for k, v in combined.items()}, flipped))
        for label, rows in {**estimates, **prewarped}.items():
            missed, gm = gm_ratio(rows)
            print(f"  {label:46s} {missed:2d} above target, geometric mean SD/target {gm:.3f}")

        print("\n3. How the face-oval landmarks follow each warp (largest amount), canonical frame:")
        oval = np.array(topo.idx("face_oval"))
        for name, image in portraits.items():
            base = m.detect_views(image, augmentations=DEFAULT_AUGMENTATIONS)  # as import measures it
            points = base[0].points  # the unaltered photo's own detection
            before_model = to_canonical(robust_points(base), topo)
            before_exact = to_canonical(points, topo)
            ring = before_exact[oval, :2]
            tangent = np.roll(ring, -1, axis=0) - np.roll(ring, 1, axis=0)  # the oval is a closed loop
            tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
            normal = np.column_stack([tangent[:, 1], -tangent[:, 0]])
            for case in (c for c in CASES if c.name != "mouth_corner_lift"):  # the warps of the outline
                warp = case.warp(points, topo, case.amounts[-1])
                expected = to_canonical(warps.warp_points(points, warp), topo)
                changed = m.detect_views(warps.warp_image(image, warp), augmentations=DEFAULT_AUGMENTATIONS)
                after = to_canonical(robust_points(changed), topo)
                e = (expected - before_exact)[oval, :2]
                d = (after - before_model)[oval, :2]
                en, dn = (e * normal).sum(axis=1), (d * normal).sum(axis=1)
                et, dt = (e * tangent).sum(axis=1), (d * tangent).sum(axis=1)
                big = np.abs(en) >= 0.25 * np.abs(en).max()
                total = landmark_gain(np.zeros_like(e), d, e)  # displacements: from zero
                print(f"  {name:13s} {case.name:24s} {case.amounts[-1]:g}: gain {total:.2f}, normal to the outline "
                      f"{(en[big] @ dn[big]) / (en[big] @ en[big]):.2f}, along it {(et @ dt) / (et @ et):.2f}")


if __name__ == "__main__":
    main()
