"""Make the README's pictures from the project itself: a trend chart and a before/after of the
demo series, and the capture overlay on a real portrait.

    .venv/bin/python docs/make_pictures.py          # writes docs/img/*.png

The demo series is built in a temporary dir (the same series as `facetrack demo`). Pictures
are kept small: a modest resolution and a 96-colour palette.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "img"


def save_small(image_or_figure, path: Path, *, width: int) -> Path:
    from PIL import Image

    if isinstance(image_or_figure, np.ndarray):
        img = Image.fromarray(image_or_figure)
    else:
        buf = io.BytesIO()
        image_or_figure.savefig(buf, format="png", dpi=100)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
    img.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def demo_pictures(out: Path) -> list[Path]:
    from facetrack.stats.compare import judge_pair
    from facetrack.demo import import_demo
    from facetrack.detect.measure import Measurer
    from facetrack.report.pictures import align_photo, before_after_figure
    from facetrack.report.charts import trend_figure
    from facetrack.store import Store

    with tempfile.TemporaryDirectory() as tmp, Measurer.from_model() as measurer, \
            Store.open(Path(tmp) / "store") as store:
        captures = import_demo(store, Path(tmp) / "photos", measurer)
        first, last = captures[0], captures[-1]
        aligned = [align_photo(c, store.landmark_views(c.id), measurer.topology) for c in (first, last)]
        trend = trend_figure(captures, title="facetrack demo: 12 weekly captures")
        pair = before_after_figure(*aligned, measurer.topology, judge_pair(captures, first, last))
        return [save_small(trend, out / "trend.png", width=820),
                save_small(pair, out / "before_after.png", width=640)]


def overlay_picture(out: Path) -> Path:
    """The live preview as the user sees it: head tilted against the baseline's ghost outline."""
    import cv2

    from facetrack.capture.gates import Baseline, GateConfig, evaluate, iod_px
    from facetrack.capture.overlay import outline_polylines, render_overlay
    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer

    # A 1280x720 webcam-like frame: the portrait in the middle, its blurred self around it.
    face_img = portrait()
    image = cv2.GaussianBlur(cv2.resize(face_img, (1280, 720)), (0, 0), 25)
    scaled = cv2.resize(face_img, (round(face_img.shape[1] * 720 / face_img.shape[0]), 720))
    x0 = (1280 - scaled.shape[1]) // 2
    image[:, x0:x0 + scaled.shape[1]] = scaled
    h, w = image.shape[:2]
    tilted = cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), 9.0, 1.0), (w, h),
                            borderMode=cv2.BORDER_REPLICATE)
    with Measurer.from_model() as measurer:
        baseline = measurer.landmarker.detect(image)
        face = measurer.landmarker.detect(tilted)
        results = evaluate(tilted, [face], measurer.topology, GateConfig(),
                           Baseline(baseline.pose, iod_px(baseline, measurer.topology)))
        frame = render_overlay(tilted, results, face_points=face.points, topology=measurer.topology,
                               ghost=outline_polylines(baseline.points, measurer.topology))
    return save_small(frame, out / "capture_overlay.png", width=640)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for path in [*demo_pictures(OUT), overlay_picture(OUT)]:
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
