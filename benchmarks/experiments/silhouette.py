"""Design experiment: snapping the lower face outline to the image's silhouette edge.

The landmark model follows a local change of the outline only in part (the sensitivity
benchmark's "lm gain"). This experiment tries the obvious remedy and measures its price.
Each lower-face outline landmark (``lower_oval``: zygion -> chin -> zygion) is moved
along its outward normal, within +-6 % of the face width, to where the colour leaves the
skin's colour (Lab distance from the cheeks' median colour, rising outwards); a dynamic
programme picks the offsets jointly, with a penalty ``lam`` on the change of offset
between neighbouring landmarks (larger = smoother, closer to the model's own outline).

Printed per smoothness ``lam``:
- gain: how far the outline landmarks followed each warp (``facetrack.lab.sensitivity.landmark_gain``
  over the outline), without and with snapping; the warps are built on the model's outline;
- spread: the SD of outline metrics over the precision benchmark's perturbation suite
  (robust estimate over the default 10 views, combined as import combines them), without
  and with snapping;
- detectability: each warp's change of its intended metric divided by that metric's SD
  over the suite (the change in units of noise; higher is easier to tell from noise);
- with ``tests/data/single_face.mp4`` present, the frame-to-frame SD over its neutral
  frames (real webcam footage), without and with snapping.

Not part of ``make bench``; not used by facetrack. Run:
``.venv/bin/python benchmarks/experiments/silhouette.py`` (about 1 minute).
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


def combined(image: np.ndarray, views, topology, lam: float | None):
    """A photo's measured views, snapped when ``lam`` is given, measured as import measures
    them; returns the values and the views' median landmarks."""
    from dataclasses import replace

    from facetrack.detect.measure import measure_views
    from facetrack.lab.sensitivity import robust_points

    if lam is not None:
        views = [replace(v, points=snap_outline(image, v.points, topology, lam=lam)) for v in views]
    used, values = measure_views(views, topology)
    return {k: v.value for k, v in values.items()}, robust_points(used)


def spreads(rows: list[dict]) -> str:
    """The SD of each outline metric over ``rows``, as its precision target reads it."""
    from facetrack.metrics import get_metric
    from precision import read_sd, target

    out = []
    for k in SPREAD_METRICS:
        unit = target(get_metric(k))[0]
        out.append(f"{k} {read_sd([r[k] for r in rows], unit):.2f}{'%' if unit == '% rel' else ''}")
    return ", ".join(out)


def main() -> None:
    from skimage import data

    from facetrack.lab import warps
    from facetrack.capture.sources import video_frames
    from facetrack.demo import portrait
    from facetrack.errors import InputError
    from facetrack.detect.measure import Measurer
    from facetrack.lab.sensitivity import landmark_gain
    from precision import NEUTRAL_FRAMES, VIDEO, as_unflipped, perturbation_suite

    cases = ((warps.cheek_widening, 0.04, "midface_width_ratio"), (warps.cheek_bulge, 0.04, "cheek_fullness_left"),
             (warps.lower_face_lengthening, 0.08, "jaw_angle_mean"))
    labels = {lam: "model outline" if lam is None else f"snapped, lam {lam:g}" for lam in (None,) + LAMS}
    with Measurer.from_model() as m:
        topo = m.topology
        ids = np.array(topo.idx("lower_oval"))
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            # every photo is detected once (10 views); only the snapping differs between settings
            base = m.measure_photo(image)
            changed = []
            for make, amount, metric in cases:  # the warps are built on the model's own outline
                warp = make(base.landmarks.points, topo, amount)
                warped = warps.warp_image(image, warp)
                changed.append((warp, metric, warped, m.measure_photo(warped).views))
            suite = []
            for variant, flipped in perturbation_suite(image):
                try:  # as in the precision benchmark: what import refuses is left out
                    suite.append((variant, flipped, m.measure_photo(variant).views))
                except InputError:
                    continue
            print(f"\n{name}\n  ({len(suite)} perturbation-suite variants)")
            for lam, label in labels.items():
                base_values, base_points = combined(image, base.views, topo, lam)
                gains, changes = [], []
                for warp, metric, warped, views in changed:
                    values, points = combined(warped, views, topo, lam)
                    changes.append(values[metric] - base_values[metric])
                    gains.append(landmark_gain(base_points[ids], points[ids],
                                               warps.warp_points(base_points, warp)[ids]))
                rows = [as_unflipped(combined(v, views, topo, lam)[0], flipped) for v, flipped, views in suite]
                detect = [c / np.std([r[metric] for r in rows], ddof=1)
                          for c, (_, metric, _, _) in zip(changes, changed)]
                print(f"  {label:22s} gain " + " ".join(f"{mk.__name__} {g:.2f}" for (mk, _, _), g in zip(cases, gains))
                      + f" | spread {spreads(rows)} | detectability "
                      + ", ".join(f"{mt} {d:.1f}" for (_, _, mt), d in zip(cases, detect)))
        if VIDEO.exists():
            frames = [(f.image, m.measure_photo(f.image).views) for f in video_frames(VIDEO, max_frames=NEUTRAL_FRAMES)]
            print(f"\n{VIDEO.name}: frame-to-frame SD over {len(frames)} neutral frames")
            for lam, label in labels.items():
                print(f"  {label:22s} " + spreads([combined(f, views, topo, lam)[0] for f, views in frames]))


if __name__ == "__main__":
    main()
