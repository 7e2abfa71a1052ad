"""The silhouette channel: how much of a real width change it recovers, its noise, how often it
gives a value, and what it costs.

1. Sensitivity: a pure horizontal stretch of the face below the eye line (``lab.warps.
   lower_face_stretch``: the inter-ocular distance does not change) by 1, 2 and 4 %, on the
   neutral frames (2, 5, 8, 11, 14) of the real webcam clip ``tests/data/single_face.mp4`` and on the two
   portraits. Recovery = measured relative change / the stretch. Target: every valid
   silhouette metric within 0.85-1.15. The landmarks' ``midface_width_ratio`` is printed
   beside it, and the widths' recovery in pixels (without the divisor, the landmark IOD).
2. Precision: the frame-to-frame SD (relative) of each silhouette metric over the clip's
   neutral frames 0-14. Target: at most 0.3 % for each width ratio. And the share of frames
   and photos with a value.
3. Speed: the time the silhouette adds to one photo (6 mask views) and to one burst frame.

Run: ``.venv/bin/python benchmarks/run.py silhouette`` (part of ``make bench``).
"""

from __future__ import annotations

import sys
import time

import numpy as np

from common import SHARED_DATA

AMOUNTS = (0.01, 0.02, 0.04)
TARGET = (0.85, 1.15)
SD_TARGET = 0.3  # % relative, width ratios
NEUTRAL = range(0, 15)
WIDTHS = ("silhouette_width_40", "silhouette_width_55", "silhouette_width_70")


def _frames(indices):
    from facetrack.capture.sources import video_frames

    clip = SHARED_DATA / "single_face.mp4"
    if not clip.is_file():
        return {}
    return {f"frame {f.index}": f.image for f in video_frames(clip) if f.index in indices}


def sensitivity(measurer, images: dict[str, np.ndarray]) -> tuple[list[dict], int]:
    from facetrack.detect.outline import NAMES
    from facetrack.lab.warps import lower_face_stretch, warp_image

    from facetrack.metrics.silhouette import face_axes

    def iod(result) -> float:  # the photo's inter-ocular distance in pixels, as the silhouette divides by it
        return face_axes(np.mean([v.points for v in result.views], axis=0), measurer.topology).iod

    rows, missed, pixels = [], 0, []
    print(f"{'image':<14} {'stretch':>7}  " + "  ".join(f"{n.replace('silhouette_', ''):>9}" for n in NAMES)
          + f"  {'landmarks':>9}  (recovery; '-': no value)")
    for label, image in images.items():
        base = measurer.measure_photo(image)
        for amount in AMOUNTS:
            warped = warp_image(image, lower_face_stretch(base.landmarks.points, measurer.topology, amount))
            after = measurer.measure_photo(warped)
            row = {"image": label, "amount": amount}
            cells = []
            for name in (*NAMES, "midface_width_ratio"):
                a, b = base.metrics.get(name), after.metrics.get(name)
                rec = None if a is None or b is None else (b.value / a.value - 1) / amount
                row[name] = rec
                if rec is not None and name.startswith("silhouette_width"):
                    pixels.append((b.value * iod(after) / (a.value * iod(base)) - 1) / amount)
                cells.append("        -" if rec is None else f"{rec:9.2f}")
                if rec is not None and name.startswith("silhouette_width") and not TARGET[0] <= rec <= TARGET[1]:
                    missed += 1
            rows.append(row)
            print(f"{label:<14} {100 * amount:6.0f}%  " + "  ".join(cells))
    if pixels:
        x = np.array(pixels)
        print(f"the same widths in pixels (ratio x IOD: the divisor's own response taken out): recovery "
              f"{x.min():.2f}-{x.max():.2f}, mean {x.mean():.2f}, outside {TARGET[0]}-{TARGET[1]}: "
              f"{int(((x < TARGET[0]) | (x > TARGET[1])).sum())} of {x.size}")
    return rows, missed


def precision(measurer) -> dict[str, float]:
    from facetrack.detect.outline import NAMES

    frames = _frames(NEUTRAL)
    if not frames:
        print(f"(precision skipped: {SHARED_DATA / 'single_face.mp4'} not found)")
        return {}
    values = [measurer.measure_photo(image).metrics for image in frames.values()]
    out = {}
    print(f"frame-to-frame SD over the clip's neutral frames {NEUTRAL.start}-{NEUTRAL.stop - 1} (target <= {SD_TARGET} % "
          "for the widths):")
    for name in (*NAMES, "midface_width_ratio"):
        x = np.array([v[name].value for v in values if name in v])
        sd = float(100 * x.std(ddof=1) / x.mean()) if len(x) > 1 else float("nan")
        verdict = "" if name not in WIDTHS else ("meets" if sd <= SD_TARGET else "MISSES")
        print(f"  {name:<24} {sd:6.3f} %  valid in {len(x)}/{len(values)} frames  {verdict}")
        out[f"sd_pct_{name}"] = round(sd, 3)
        out[f"valid_frames_{name}"] = len(x)
    out["neutral_frames"] = len(values)
    return out


def speed(measurer, image: np.ndarray) -> dict[str, float]:
    from facetrack.detect.outline import measure_outline

    face = measurer.landmarker.detect(image)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        measure_outline(measurer.segmenter, image, face.points, measurer.topology)
        times.append(time.perf_counter() - t0)
    ms = 1000 * float(np.median(times))
    print(f"silhouette cost: {ms:.0f} ms per photo or burst frame ({image.shape[1]}x{image.shape[0]}, 6 mask views)")
    return {"silhouette_ms_per_photo": round(ms, 1)}


def collect() -> dict[str, object]:
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer

    out: dict[str, object] = {}
    with Measurer.from_model() as measurer:
        images = {**_frames((2, 5, 8, 11, 14)), "grace_hopper": portrait(), "astronaut": np.ascontiguousarray(data.astronaut())}
        rows, missed = sensitivity(measurer, images)
        valid = sum(1 for r in rows for n in WIDTHS if r[n] is not None)
        print(f"silhouette widths outside {TARGET[0]}-{TARGET[1]}: {missed} of {valid} valid cells")
        out.update({"silhouette_sensitivity": rows, "silhouette_widths_outside_target": missed,
                    "silhouette_width_cells_valid": valid})
        out.update(precision(measurer))
        out.update(speed(measurer, next(iter(images.values()))))
    return out


if __name__ == "__main__":
    collect()
    sys.exit(0)
