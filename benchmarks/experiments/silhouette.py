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
  (robust estimate over the default 10 views), without and with snapping.

Not part of ``make bench``; not used by facetrack. Run:
``.venv/bin/python benchmarks/experiments/silhouette.py`` (about 90 s).
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

    h, w = image.shape[:2]
    per_view, points = [], []
    for aug in measurer.augmentations:
        found = measurer.landmarker.detect(augment_image(image, aug))
        if found is None:
            continue
        pts = map_back(found.points, aug, w, h, measurer.topology)
        if lam is not None:
            pts = snap_outline(image, pts, measurer.topology, lam=lam)
        points.append(pts)
        per_view.append(compute_metrics(pts, measurer.topology))
    values = {k: float(np.median([v[k] for v in per_view])) for k in per_view[0]}
    return values, np.median(np.stack(points), axis=0)


def main() -> None:
    from skimage import data

    from facetrack import warps
    from facetrack.demo import portrait
    from facetrack.measure import Measurer
    from precision import perturbation_suite

    cases = ((warps.cheek_widening, 0.04), (warps.cheek_bulge, 0.04), (warps.lower_face_lengthening, 0.08))
    with Measurer.from_model() as m:
        ids = np.array(m.topology.idx("lower_oval"))
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            print(f"\n{name}")
            suite = list(perturbation_suite(image))
            for lam in (None,) + LAMS:
                label = "model outline" if lam is None else f"snapped, lam {lam:g}"
                _, base = robust(m, image, lam)
                gains = []
                for make, amount in cases:
                    warp = make(base, m.topology, amount)
                    _, changed = robust(m, warps.warp_image(image, warp), lam)
                    e = warps.warp_points(base, warp)[ids, :2] - base[ids, :2]
                    got = changed[ids, :2] - base[ids, :2]
                    moved = np.linalg.norm(e, axis=1) >= 0.25 * np.linalg.norm(e, axis=1).max()
                    gains.append(float(np.sum(e[moved] * got[moved]) / np.sum(e[moved] ** 2)))
                rows = [robust(m, v, lam)[0] for v in suite]
                spreads = []
                for k in SPREAD_METRICS:
                    v = np.array([r[k] for r in rows])
                    sd = v.std(ddof=1)
                    spreads.append(f"{k} {sd:.2f}" if k.startswith(("jaw", "lower")) else
                                   f"{k} {100 * sd / abs(v.mean()):.1f}%")
                print(f"  {label:22s} gain " + " ".join(f"{mk.__name__} {g:.2f}" for (mk, _), g in zip(cases, gains))
                      + " | spread " + ", ".join(spreads))


if __name__ == "__main__":
    main()
