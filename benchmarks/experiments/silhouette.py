"""Design experiment: snapping the lower face outline to the image's silhouette edge.

The landmark model follows a local change of the outline only in part (the sensitivity
benchmark's "lm gain"). This experiment tries the obvious remedy and measures its price.
Each lower-face outline landmark (``lower_oval``: zygion -> chin -> zygion) is moved
along its outward normal, within +-6 % of the face width, to where the colour leaves the
skin's colour (Lab distance from the cheeks' median colour, rising outwards); a dynamic
programme picks the offsets jointly, with a penalty ``lam`` on the change of offset
between neighbouring landmarks (larger = smoother, closer to the model's own outline).

Printed per smoothness ``lam``:
- gain: how far the outline landmarks followed each warp along their normals (as in
  ``facetrack.sensitivity.landmark_gain``), without and with snapping;
- spread: the SD of outline metrics over the precision benchmark's perturbation suite
  (robust estimate over the default 10 views, combined as import combines them), without
  and with snapping;
- detectability: each warp's change of its intended metric divided by that metric's SD
  over the suite (the change in units of noise; higher is easier to tell from noise);
- with ``../shared/data/single_face.mp4`` present, the frame-to-frame SD over its neutral
  frames (real webcam footage), without and with snapping.

Not part of ``make bench``; not used by facetrack. Run:
``.venv/bin/python benchmarks/experiments/silhouette.py`` (about 2 minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LAMS = (0.5, 3.0, 10.0)
SPREAD_METRICS = ("jaw_angle_mean", "lower_face_taper", "midface_width_ratio", "cheek_fullness_left")


def snap_outline(image: np.ndarray, points: np.ndarray, topology, *, lam: float,
                 reach: float = 0.06, step: float = 0.5) -> np.ndarray:
    """``points`` with the lower outline moved to the silhouette (see module docstring)."""
    import cv2
    from scipy.ndimage import map_coordinates

    p = np.array(points, dtype=np.float64)
    ids = np.array(topology.idx("lower_oval"))
    width = float(np.linalg.norm(p[topology.point("zygion_left"), :2] - p[topology.point("zygion_right"), :2]))
    lab = cv2.cvtColor(cv2.GaussianBlur(image, (0, 0), 1.0), cv2.COLOR_RGB2LAB).astype(np.float32)
    cheeks = np.concatenate([topology.idx("cheek_left"), topology.idx("cheek_right")])
    skin = lab[p[cheeks, 1].round().astype(int), p[cheeks, 0].round().astype(int)]
    mu, sd = np.median(skin, axis=0), np.maximum(skin.std(axis=0), 3.0)
    pts = p[ids, :2]
    tangent = np.gradient(pts, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    normal[np.sum((pts - p[:, :2].mean(axis=0)) * normal, axis=1) < 0] *= -1  # outwards
    s = np.arange(-reach * width, reach * width + 1e-9, step)
    cost = np.empty((len(ids), len(s)))
    for k in range(len(ids)):
        xy = pts[k] + s[:, None] * normal[k]
        prof = np.stack([map_coordinates(lab[..., c], [xy[:, 1], xy[:, 0]], order=1, mode="nearest")
                         for c in range(3)], axis=1)
        leaving_skin = np.gradient(np.sqrt((((prof - mu) / sd) ** 2).sum(axis=1)), step)
        cost[k] = -np.maximum(leaving_skin, 0.0)
    cost /= max(1e-6, float(np.median(-cost.min(axis=1))))
    prior = 0.4 * (s / (reach * width)) ** 2
    jump = lam * ((s[:, None] - s[None, :]) / (0.02 * width)) ** 2
    total, back = cost[0] + prior, []
    for k in range(1, len(ids)):
        options = total[:, None] + jump
        best = options.argmin(axis=0)
        back.append(best)
        total = options[best, np.arange(len(s))] + cost[k] + prior
    path = [int(total.argmin())]
    for best in reversed(back):
        path.append(int(best[path[-1]]))
    offsets = s[np.array(path[::-1])]
    p[ids, :2] = pts + offsets[:, None] * normal
    return p


def robust(measurer, image, lam):
    from facetrack.measure import augment_image, map_back
    from facetrack.metrics import compute_metrics

    from facetrack.metrics import combine_views

    h, w = image.shape[:2]
    per_view, points, mirrored = [], [], []
    for aug in measurer.augmentations:
        found = measurer.landmarker.detect(augment_image(image, aug))
        if found is None:
            continue
        pts = map_back(found.points, aug, w, h, measurer.topology)
        if lam is not None:
            pts = snap_outline(image, pts, measurer.topology, lam=lam)
        points.append(pts)
        per_view.append(compute_metrics(pts, measurer.topology))
        mirrored.append(aug.flip)
    values = {k: m.value for k, m in combine_views(per_view, mirrored).items()}  # as import combines them
    return values, np.median(np.stack(points), axis=0)


def main() -> None:
    from skimage import data

    from facetrack import warps
    from facetrack.demo import portrait
    from facetrack.errors import InputError
    from facetrack.measure import Measurer, check_measurable
    from facetrack.capture.sources import video_frames
    from precision import NEUTRAL_FRAMES, VIDEO, perturbation_suite

    def measurable(m, image) -> bool:  # as in the precision benchmark: what import would refuse is left out
        found = m.landmarker.detect(image)
        try:
            return found is not None and check_measurable(found, m.topology, "variant") is None
        except InputError:
            return False

    cases = ((warps.cheek_widening, 0.04, "midface_width_ratio"), (warps.cheek_bulge, 0.04, "cheek_fullness_left"),
             (warps.lower_face_lengthening, 0.08, "jaw_angle_mean"))
    with Measurer.from_model() as m:
        ids = np.array(m.topology.idx("lower_oval"))
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            print(f"\n{name}")
            suite = [v for v in perturbation_suite(image) if measurable(m, v)]
            print(f"  ({len(suite)} perturbation-suite variants)")
            for lam in (None,) + LAMS:
                label = "model outline" if lam is None else f"snapped, lam {lam:g}"
                base_values, base = robust(m, image, lam)
                gains, changes = [], []
                for make, amount, metric in cases:
                    warp = make(base, m.topology, amount)
                    changed_values, changed = robust(m, warps.warp_image(image, warp), lam)
                    changes.append(changed_values[metric] - base_values[metric])
                    e = warps.warp_points(base, warp)[ids, :2] - base[ids, :2]
                    got = changed[ids, :2] - base[ids, :2]
                    moved = np.linalg.norm(e, axis=1) >= 0.25 * np.linalg.norm(e, axis=1).max()
                    gains.append(float(np.sum(e[moved] * got[moved]) / np.sum(e[moved] ** 2)))
                rows = [robust(m, v, lam)[0] for v in suite]
                detect = [c / np.std([r[metric] for r in rows], ddof=1) for c, (_, _, metric) in zip(changes, cases)]
                spreads = []
                for k in SPREAD_METRICS:
                    v = np.array([r[k] for r in rows])
                    sd = v.std(ddof=1)
                    spreads.append(f"{k} {sd:.2f}" if k.startswith(("jaw", "lower")) else
                                   f"{k} {100 * sd / abs(v.mean()):.1f}%")
                print(f"  {label:22s} gain " + " ".join(f"{mk.__name__} {g:.2f}" for (mk, _, _), g in zip(cases, gains))
                      + " | spread " + ", ".join(spreads)
                      + " | detectability " + ", ".join(f"{mt} {d:.1f}" for (_, _, mt), d in zip(cases, detect)))
        if VIDEO.exists():
            frames = [f.image for f in video_frames(VIDEO, max_frames=NEUTRAL_FRAMES)]
            print(f"\n{VIDEO.name}: frame-to-frame SD over {len(frames)} neutral frames")
            for lam in (None,) + LAMS:
                rows = [robust(m, f, lam)[0] for f in frames]
                spreads = []
                for k in SPREAD_METRICS:
                    v = np.array([r[k] for r in rows])
                    sd = v.std(ddof=1)
                    spreads.append(f"{k} {sd:.2f}" if k.startswith(("jaw", "lower")) else
                                   f"{k} {100 * sd / abs(v.mean()):.2f}%")
                print(f"  {'model outline' if lam is None else f'snapped, lam {lam:g}':22s} " + ", ".join(spreads))


if __name__ == "__main__":
    main()
