"""Precision of every metric on real faces.

For each portrait that ships with our dependencies (grace_hopper, astronaut), a perturbation
suite: in-plane rotation within +-10 degrees, scale 0.6 to 1.4, horizontal flip, JPEG quality
40 to 95, brightness +-25 %, Gaussian blur sigma up to 1. Each perturbed photo is measured two
ways: a single detection, and the robust estimate that import uses (median over 10 augmented
views). The spread (SD across the suite) is printed per metric, absolute and relative to the
mean. With ../shared/data/single_face.mp4 present, the frame-to-frame SD over its neutral
opening frames is printed too.

Targets (issue 3) for the robust estimate: SD <= 0.5 deg for angles, <= 0.5 % relative for
ratios and fullness proxies, <= 10 % relative for the asymmetry index.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "single_face.mp4"
NEUTRAL_FRAMES = 15


def perturbation_suite(image: np.ndarray, seed: int = 0, n: int = 12):
    import cv2
    from PIL import Image

    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    for k in range(n):
        angle, scale = rng.uniform(-10, 10), rng.uniform(0.6, 1.4)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        out = cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        if k % 2:
            out = np.ascontiguousarray(out[:, ::-1])
        out = np.clip(out * rng.uniform(0.75, 1.25), 0, 255).astype(np.uint8)
        sigma = rng.uniform(0, 1)
        if sigma > 0.05:
            out = cv2.GaussianBlur(out, (0, 0), sigma)
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=int(rng.integers(40, 96)))
        yield np.asarray(Image.open(buf).convert("RGB"))


def spread_table(rows: list[dict]) -> dict[str, tuple[float, float]]:
    out = {}
    for name in rows[0]:
        v = np.array([r[name] for r in rows])
        sd = float(v.std(ddof=1))
        out[name] = (sd, 100 * sd / abs(v.mean()) if v.mean() else float("nan"))
    return out


def video_frames(path: Path, count: int):
    import cv2

    cap = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < count:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames


def main() -> int:
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.measure import Measurer
    from facetrack.metrics import REGISTRY, compute_metrics

    results = {}
    with Measurer.from_model() as m:
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            single, robust = [], []
            for variant in perturbation_suite(image):
                face = m.landmarker.detect(variant)
                if face is None:
                    continue
                single.append(compute_metrics(face.points, m.topology))
                robust.append({k: v.value for k, v in m.measure_photo(variant).metrics.items()})
            results[name] = (spread_table(single), spread_table(robust), len(single))
        video = None
        if VIDEO.exists():
            frames = video_frames(VIDEO, NEUTRAL_FRAMES)
            rows = [compute_metrics(f.points, m.topology) for f in map(m.landmarker.detect, frames) if f]
            video = spread_table(rows)
    print(f"{'metric':28s} {'units':10s}" + "".join(f" | {n[:12]:>12s} single  robust" for n in results)
          + (" | video frame-to-frame SD" if video else ""))
    for metric in REGISTRY:
        unit = "deg" if metric.units == "deg" else "% rel"
        cells = []
        for single, robust, _ in results.values():
            pick = 0 if unit == "deg" else 1
            cells.append(f" | {'':12s} {single[metric.name][pick]:6.3f}  {robust[metric.name][pick]:6.3f}")
        line = f"{metric.name:28s} {unit:10s}" + "".join(cells)
        if video:
            line += f" | {video[metric.name][0 if unit == 'deg' else 1]:6.3f}"
        print(line)
    if not video:
        print(f"(video figures skipped: {VIDEO} not found)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
