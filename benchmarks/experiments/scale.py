"""Design experiment: which landmark scale to divide the silhouette widths by.

The silhouette widths (``metrics.silhouette``) are divided by the landmark inter-ocular
distance (IOD, the eye-contour centroids). Under the silhouette benchmark's pure stretch of
the lower face (``lab.warps.lower_face_stretch``: the eyes themselves do not move) the
landmark model's IOD still grows a little, because its shape prior widens the eyes with the
face; that takes the same share off every width's recovery. This experiment measures the
scales the landmarks offer, and one way of hiding the lower face from the model:

- ``contour`` (used), ``upper lid``, ``lower lid``, ``corners`` (outer eye corners),
  ``irises`` (iris centres): each side's points' centroid, right to left, in pixels, from the
  mean of the photo's 10 landmark views (as the silhouette anchors its rows);
- ``hidden c``: the eye-contour IOD found on a copy of the photo in which everything more than
  ``c`` IOD below the eye line is grey (128), over the same 10 views; views whose face is
  not found are left out, and the scale is missing when none is found;
- ``hidden c, strip s``: the same, but a central strip within ``s`` IOD of the midline stays
  visible (the nose and the mouth's middle: the face detector needs them), so only the
  cheeks, the jaw and the background are hidden.

Printed for each scale:
- its response: the relative change of the scale / the stretch, over the benchmark's
  cases (webcam frames 2, 5, 8, 11, 14 of ``tests/data/single_face.mp4`` and the
  astronaut, at 1, 2 and 4 %); 0 is the ideal, since the eyes do not move;
- the frame-to-frame SD of the three silhouette widths divided by it, over the clip's
  neutral frames 0-14 (target at most 0.3 %);
- the widths' recovery with it over the webcam cells (target 0.85-1.15) and the astronaut's.

Not part of ``make bench``; not used by facetrack. Run:
``.venv/bin/python benchmarks/experiments/scale.py`` (about 2 minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AMOUNTS = (0.01, 0.02, 0.04)
HIDES = ((0.2, None), (0.25, None), (0.3, None), (0.2, 0.35), (0.25, 0.35), (0.2, 0.6), (0.25, 0.6))
WIDTHS = ("silhouette_width_40", "silhouette_width_55", "silhouette_width_70")
POINT_SCALES = {"contour": "eye_right", "upper lid": "eye_upper_right", "lower lid": "eye_lower_right",
                "corners": "eye_outer_corner_right", "irises": "iris_centre_right"}


def point_scales(points: np.ndarray, topology) -> dict[str, float]:
    p = np.asarray(points, np.float64)[:, :2]
    out = {}
    for label, group in POINT_SCALES.items():
        ids = list(topology.idx(group))
        mirrored = [int(topology.mirror[i]) for i in ids]
        out[label] = float(np.linalg.norm(p[mirrored].mean(axis=0) - p[ids].mean(axis=0)))
    return out


def hidden_lower_face(image: np.ndarray, axes, cut: float, strip: float | None) -> np.ndarray:
    """The photo with everything more than ``cut`` IOD below the eye line made grey (outside
    the central ``strip``, in IOD from the midline, when given)."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    rel = np.stack([xx + 0.5, yy + 0.5], axis=-1) - axes.eye_mid
    below = rel @ axes.down > cut * axes.iod
    if strip is not None:
        below &= np.abs(rel @ axes.across) > strip * axes.iod
    out = image.copy()
    out[below] = 128
    return out


def scales(measurer, image: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
    """(every scale of the photo in pixels, the silhouette widths in pixels)."""
    from facetrack.metrics.silhouette import face_axes

    result = measurer.measure_photo(image)
    anchor = np.mean([v.points for v in result.views], axis=0)
    axes = face_axes(anchor, measurer.topology)
    out = point_scales(anchor, measurer.topology)
    for cut, strip in HIDES:
        views = measurer.detect_views(hidden_lower_face(image, axes, cut, strip))
        out[f"hidden {cut}" + (f", strip {strip}" if strip else "")] = (face_axes(np.mean([v.points for v in views], axis=0), measurer.topology).iod
                                if views else float("nan"))
    widths = {n: result.metrics[n].value * axes.iod for n in WIDTHS if n in result.metrics}
    return out, widths


def main() -> None:
    from skimage import data

    from common import SHARED_DATA
    from facetrack.capture.sources import video_frames
    from facetrack.detect.measure import Measurer
    from facetrack.lab.warps import lower_face_stretch, warp_image

    clip = SHARED_DATA / "single_face.mp4"
    if not clip.is_file():
        print(f"needs {clip}")
        return
    frames = {f.index: f.image for f in video_frames(clip) if f.index < 15}
    with Measurer.from_model() as measurer:
        neutral = [scales(measurer, image) for image in frames.values()]
        cases = {f"frame {k}": frames[k] for k in (2, 5, 8, 11, 14)}
        cases["astronaut"] = np.ascontiguousarray(data.astronaut())
        response: dict[str, list[float]] = {}
        recovery: dict[str, list[tuple[str, float]]] = {}
        for label, image in cases.items():
            base_scales, base_widths = scales(measurer, image)
            base = measurer.measure_photo(image)
            for amount in AMOUNTS:
                warped = warp_image(image, lower_face_stretch(base.landmarks.points, measurer.topology, amount))
                after_scales, after_widths = scales(measurer, warped)
                for name, b in base_scales.items():
                    a = after_scales[name]
                    response.setdefault(name, []).append((a / b - 1) / amount)
                    for w in WIDTHS:
                        if w in base_widths and w in after_widths and np.isfinite(a * b):
                            rec = (after_widths[w] / a) / (base_widths[w] / b) - 1
                            recovery.setdefault(name, []).append((label, rec / amount))

    print(f"{'scale':<24} {'response to the stretch':>30}  {'SD of the widths over it (%)':>28}  recovery: webcam cells / astronaut")
    for name in response:
        r = np.array(response[name])
        found = np.isfinite(r)
        sds = []
        for w in WIDTHS:
            x = np.array([wd[w] / s[name] for s, wd in neutral if w in wd and np.isfinite(s[name])])
            sds.append(100 * x.std(ddof=1) / x.mean() if x.size > 1 else float("nan"))
        webcam = np.array([v for label, v in recovery.get(name, []) if label.startswith("frame")])
        astro = [v for label, v in recovery.get(name, []) if label == "astronaut"]
        resp = (f"{np.min(r[found]):+.3f}..{np.max(r[found]):+.3f} mean {np.mean(r[found]):+.3f}"
                if found.any() else "never found")
        web = (f"{webcam.min():.2f}-{webcam.max():.2f}, {int(((webcam < 0.85) | (webcam > 1.15)).sum())} of "
               f"{webcam.size} outside" if webcam.size else "-")
        print(f"{name:<24} {resp:>30}  {' / '.join(f'{s:.3f}' for s in sds):>28}  {web}; "
              f"astronaut {' '.join(f'{v:.2f}' for v in astro) or '-'}"
              + ("" if found.all() else f"  (found in {int(found.sum())} of {r.size} cases)"))


if __name__ == "__main__":
    main()
