"""The skin measures (``facetrack.metrics.skin``): their noise, their response to a known redness
change of the skin, their indifference to the camera's exposure and white balance, and the nulls
a clipped or busy wall must give.

Pictures: the real webcam clips ``tests/data/single_face.mp4`` (neutral frames 0-14) and
``face_noface.mov`` (frames 0-72, the man in front of the same door), and two stills:
astronaut (a studio backdrop beside the head) and grace_hopper (a dark, busy background and
bright cheeks: a null is the right answer). Landmarks
come from ``facetrack.detect`` (one image-mode detection), the mask from the segmenter; both
are found again on every altered picture, as a capture would.

1. Noise: the frame-to-frame SD of each measure over each clip (and the MDC95 it implies
   within one burst: a lower bound of the between-capture smallest real change).
2. Known change: in linear light, on the cheeks only (the landmark regions grown by 0.5 cm),
   green x (1 - k) and blue x (1 - k/2) (haemoglobin absorbs green), k = 3, 6, 12 %. The
   known change of a* and L* is that of the cheeks' mean colour as the altered picture holds
   it (8-bit rounding included), on the original's cheek pixels; recovery = measured /
   known, target 0.85-1.15 (the redness contrast's known change is the cheeks' a* change).
   The evenness's known change: the 12 % change on the dark squares of a checkerboard of
   0.2 inter-ocular distance over the cheeks (blotches); its response is printed beside the
   evenness a two-valued pattern of that size would add (0.74 x the blotch's colour
   difference, in quadrature).
3. The whole picture in linear light: +-1 EV (x2, x0.5), warm (R x1.10, G x0.97, B x0.80) and
   cool (R x0.85, G x0.99, B x1.15), about the same luminance. Target: each response at most
   a quarter of the response to the 6 % known change (the blotches' for the evenness); a null
   with its reason (a white wall clips at +1 EV) is counted, not hidden.
4. Nulls: the background brightened until the wall clips, and a busy picture (chelsea the
   cat, or a cup of coffee) pasted behind the head: each must give no value, for the right reason.

Run: ``.venv/bin/python benchmarks/skin.py`` (prints the figures, writes
``benchmarks/results/skin.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from common import SHARED_DATA

AMOUNTS = (0.03, 0.06, 0.12)
REFERENCE = 0.06  # the known change the global changes are compared with
TARGET = (0.85, 1.15)
GLOBAL = {"+1 EV": (2.0, 2.0, 2.0), "-1 EV": (0.5, 0.5, 0.5), "warm": (1.10, 0.97, 0.80), "cool": (0.85, 0.99, 1.15)}
SUBSET = {"single_face": (0, 5, 10, 14), "face_noface": (0, 24, 48, 71)}
OUT = Path(__file__).resolve().parent / "results" / "skin.json"


class Observer:
    """Landmarks (one detection) and person mask of a picture, as ``facetrack.detect`` gives them."""

    def __init__(self):
        from facetrack.detect.landmarks import Landmarker
        from facetrack.detect.model import resolve
        from facetrack.detect.segmentation import Segmenter
        from facetrack.topology import load_topology

        path = resolve().path
        self.topology = load_topology(path)
        self.landmarker, self.segmenter = Landmarker(path), Segmenter()

    def measure(self, image: np.ndarray):
        """(SkinMeasurement, landmarks, mask), or None when no face is found."""
        from facetrack.metrics.skin import measure_skin

        face = self.landmarker.detect(image)
        if face is None:
            return None
        mask = self.segmenter.person_mask(image)
        return measure_skin(image, face.points, mask, self.topology), face.points, mask

    def close(self):
        self.landmarker.close()
        self.segmenter.close()


def pictures() -> dict[str, dict[str, np.ndarray]]:
    from skimage import data

    from facetrack.capture.sources import video_frames
    from facetrack.demo import portrait

    clips = {"single_face": ("single_face.mp4", range(0, 15)), "face_noface": ("face_noface.mov", range(0, 73))}
    out = {name: {f"{name} {f.index}": f.image for f in video_frames(SHARED_DATA / file) if f.index in frames}
           for name, (file, frames) in clips.items()}
    out["stills"] = {"astronaut": np.ascontiguousarray(data.astronaut()), "grace_hopper": portrait()}
    return out


def linear_change(image: np.ndarray, gains, where: np.ndarray | None = None) -> np.ndarray:
    """``image`` with its linear light times ``gains`` (per channel), on ``where`` or everywhere."""
    from facetrack.metrics.colour import linear_to_srgb, srgb_to_linear

    lin = srgb_to_linear(image)
    changed = lin * np.asarray(gains, dtype=np.float64)
    if where is not None:
        changed = np.where(where[..., None], changed, lin)
    return linear_to_srgb(changed)


def cheek_area(points, mask, topology, grow: float = 0.5) -> np.ndarray:
    from facetrack.metrics.skin import CHEEK_BOX, mirrored, region_pixels

    x0, x1, y0, y1 = CHEEK_BOX
    box = (x0 - grow, x1 + grow, y0 - grow, y1 + grow)
    return (region_pixels(points, topology, mask.shape, box)
            | region_pixels(points, topology, mask.shape, mirrored(box))) & (mask >= 0.5)


def checkerboard(points, shape, topology, size: float = 0.2) -> np.ndarray:
    """The dark squares of a checkerboard of ``size`` inter-ocular distances, over the picture."""
    from facetrack.metrics.align import interocular

    side = size * interocular(points, topology, frontal=True)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    return ((xs // side + ys // side) % 2).astype(bool)


def known_change(image, altered, points, mask, topology, wall) -> tuple[float, float]:
    """(dL*, da*) of the cheeks' mean colour (wall = white) from ``image`` to ``altered``, on the
    original picture's cheek pixels: the change as made, 8-bit rounding included."""
    from facetrack.metrics.colour import linear_to_lab, srgb_to_linear
    from facetrack.metrics.skin import CHEEK_BOX, mirrored, region_pixels

    cheeks = (region_pixels(points, topology, mask.shape, CHEEK_BOX)
              | region_pixels(points, topology, mask.shape, mirrored(CHEEK_BOX))) & (mask >= 0.9)
    before, after = (linear_to_lab(srgb_to_linear(x[cheeks]).mean(axis=0) / np.asarray(wall)) for x in (image, altered))
    return float(after[0] - before[0]), float(after[1] - before[1])


def noise(observer, sets) -> dict[str, object]:
    from facetrack.metrics.noise import mdc95
    from facetrack.metrics.skin import NAMES

    out = {}
    print("1. frame-to-frame SD (CIELAB units; MDC95 within a burst = 1.96 x sqrt(2) x SD):")
    for clip in ("single_face", "face_noface"):
        results = [observer.measure(image) for image in sets[clip].values()]
        results = [r[0] for r in results if r is not None]
        for name in NAMES:
            x = np.array([getattr(r, name).value for r in results if getattr(r, name).value is not None])
            sd = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
            reasons = sorted({getattr(r, name).reason for r in results if getattr(r, name).value is None})
            print(f"  {clip:<12} {name:<22} mean {np.mean(x) if len(x) else float('nan'):7.2f}  SD {sd:5.2f}  "
                  f"MDC95 {mdc95(sd):5.2f}  valid {len(x)}/{len(results)}" + (f"  (null: {'; '.join(reasons)})"
                                                                             if reasons else ""))
            out[f"skin_sd_{clip}_{name}"] = round(sd, 3)
            out[f"skin_valid_{clip}_{name}"] = f"{len(x)}/{len(results)}"
    return out


def responses(observer, images: dict[str, np.ndarray]) -> dict[str, object]:
    from facetrack.metrics.skin import NAMES

    rows, outside, global_fail, global_null, global_cells = [], 0, 0, 0, 0
    print(f"2-3. responses (measured change; recovery = measured / known, target {TARGET[0]}-{TARGET[1]}; "
          f"global changes as a share of the {100 * REFERENCE:.0f} % known change's response, target <= 0.25):")
    for label, image in images.items():
        base = observer.measure(image)
        if base is None or not base[0].values():
            print(f"  {label:<24} no value: {sorted(set(base[0].problems().values())) if base else 'no face'}")
            continue
        m0, points, mask = base
        area = cheek_area(points, mask, observer.topology)
        reference = {}
        for k in AMOUNTS:
            altered = linear_change(image, (1.0, 1 - k, 1 - k / 2), area)
            changed = observer.measure(altered)
            dl, da = known_change(image, altered, points, mask, observer.topology, m0.wall)
            known = {"skin_lightness": dl, "skin_redness": da, "skin_redness_contrast": da}
            cells = []
            for name in NAMES:
                a, b = getattr(m0, name).value, None if changed is None else getattr(changed[0], name).value
                delta = None if a is None or b is None else b - a
                if k == REFERENCE:
                    reference[name] = delta
                rec = None if delta is None or name not in known else delta / known[name]
                if rec is not None and not TARGET[0] <= rec <= TARGET[1]:
                    outside += 1
                rows.append({"image": label, "change": f"redness {k:g}", "metric": name, "delta": delta,
                             "known": known.get(name), "recovery": rec})
                cells.append(f"{name.removeprefix('skin_')} " + ("null" if delta is None else
                             f"{delta:+.2f}" + (f" (known {known[name]:+.2f}, x{rec:.2f})" if rec is not None else "")))
            print(f"  {label:<24} redness {100 * k:4.0f} %: " + ", ".join(cells))
        blotches = area & checkerboard(points, mask.shape, observer.topology)
        blotched = observer.measure(linear_change(image, (1.0, 0.88, 0.94), blotches))
        even0 = m0.skin_evenness.value
        even1 = None if blotched is None else blotched[0].skin_evenness.value
        if even0 is not None and even1 is not None:
            dl, da = known_change(image, linear_change(image, (1.0, 0.88, 0.94), area), points, mask,
                                  observer.topology, m0.wall)
            model = float(np.hypot(even0, 0.74 * np.hypot(dl, da)) - even0)
            reference["skin_evenness"] = even1 - even0
            rows.append({"image": label, "change": "blotches 0.12", "metric": "skin_evenness",
                         "delta": even1 - even0, "model": model})
            print(f"  {label:<24} blotches 12 %: evenness {even1 - even0:+.2f} (a two-valued pattern adds about "
                  f"{model:+.2f})")
        for change, gains in GLOBAL.items():
            after = observer.measure(linear_change(image, gains))
            cells = []
            for name in NAMES:
                global_cells += 1
                a = getattr(m0, name).value
                value = None if after is None else getattr(after[0], name)
                if a is None:
                    continue
                if value is None or value.value is None:
                    global_null += 1
                    cells.append(f"{name.removeprefix('skin_')} null ({value.reason if value else 'no face'})")
                    rows.append({"image": label, "change": change, "metric": name, "delta": None,
                                 "reason": value.reason if value else "no face"})
                    continue
                delta, ref = value.value - a, reference.get(name)
                share = abs(delta / ref) if ref else None
                if share is not None and share > 0.25:
                    global_fail += 1
                rows.append({"image": label, "change": change, "metric": name, "delta": delta, "share": share})
                cells.append(f"{name.removeprefix('skin_')} {delta:+.2f}" + (f" ({share:.2f})" if share is not None else ""))
            print(f"  {label:<24} {change:<8}: " + ", ".join(cells))
    summary = {}
    for name in NAMES:
        rec = [r["recovery"] for r in rows if r["metric"] == name and r.get("recovery") is not None]
        share = [r["share"] for r in rows if r["metric"] == name and r.get("share") is not None]
        summary[name] = {"recovery": [round(min(rec), 2), round(max(rec), 2)] if rec else None,
                         "largest_global_share": round(max(share), 2) if share else None}
        print(f"  {name:<22} recovery " + (f"{min(rec):.2f}-{max(rec):.2f}" if rec else "   -     ")
              + "  largest global response " + (f"{max(share):.2f}" if share else "-") + " of the known change's")
    print(f"  known-change cells outside {TARGET[0]}-{TARGET[1]}: {outside}; global-change values above a quarter: "
          f"{global_fail} of {global_cells - global_null} (nulls with a reason: {global_null})")
    return {"skin_rows": rows, "skin_summary": summary, "skin_recovery_outside": outside, "skin_global_above_quarter": global_fail,
            "skin_global_nulls": global_null}


def nulls(observer, images: dict[str, np.ndarray]) -> dict[str, object]:
    from skimage import data

    import cv2

    posters = {"chelsea": data.chelsea(), "coffee": data.coffee()}
    tally = {"clipped": [0, 0], "poster": [0, 0]}
    for label, image in images.items():
        base = observer.measure(image)
        if base is None or base[0].wall is None:
            continue
        _, _, mask = base
        background = mask < 0.5
        for kind, picture in [("clipped", linear_change(image, (3.0, 3.0, 3.0), background))] + [
                ("poster", np.where(background[..., None], cv2.resize(np.ascontiguousarray(p), image.shape[1::-1]),
                                    image).astype(np.uint8)) for p in posters.values()]:
            result = observer.measure(picture)
            problems = {} if result is None else result[0].problems()
            words = ("clipped",) if kind == "clipped" else ("not plain", "too little plain wall")
            ok = result is not None and len(problems) == 4 and all(any(w in why for w in words)
                                                                    for why in problems.values())
            tally[kind][0] += ok
            tally[kind][1] += 1
            if not ok:
                print(f"  {label}: {kind} wall gave {problems or 'values'}")
    for kind, (ok, n) in tally.items():
        print(f"4. {kind} wall: null with the right reason in {ok}/{n} pictures")
    return {f"skin_null_{kind}": f"{ok}/{n}" for kind, (ok, n) in tally.items()}


def collect() -> dict[str, object]:
    sets = pictures()
    observer = Observer()
    try:
        out = noise(observer, sets)
        subset = {k: sets[clip][f"{clip} {i}"] for clip, frames in SUBSET.items() for i in frames
                  for k in [f"{clip} {i}"] if k in sets[clip]}
        out.update(responses(observer, {**subset, **sets["stills"]}))
        out.update(nulls(observer, {**subset, "astronaut": sets["stills"]["astronaut"]}))
    finally:
        observer.close()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, default=float) + "\n")
    print(f"written: {OUT}")
    return {k: v for k, v in out.items() if k != "skin_rows"}


if __name__ == "__main__":
    collect()
    sys.exit(0)
