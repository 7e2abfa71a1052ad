"""Report benchmark: `facetrack report` on a profile of 104 weekly captures (two years).

The store is built from one real measurement of grace_hopper: 104 weekly captures share
its landmark views, each with its own photo (a re-encoded copy, so every capture has its
own image file) and metric values moved by noise of each metric's own spread plus a slow
drift. The figures are the wall time and peak memory of the whole command, as a user runs it (a fresh
process: imports, model resolution, store, charts, images, HTML). Target: <= 5 s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import sys
import tempfile
from pathlib import Path

import numpy as np

from common import run_measured

WEEKS = 104
TARGET_S = 5.0


def build_store(root: Path) -> None:
    from PIL import Image

    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer
    from facetrack.store import Store
    from facetrack.records import MetricValue, NewCapture, QualityNotes

    rng = np.random.default_rng(0)
    image = portrait()
    start = dt.datetime(2025, 1, 6, 9, 0)
    with Measurer.from_model() as measurer, Store.open(root) as store:
        base = measurer.measure_photo(image)
        for week in range(WEEKS):
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, "JPEG", quality=80 + week % 16, comment=f"week {week}".encode())
            data = buf.getvalue()
            metrics = {name: dataclasses.replace(
                m, value=m.value + (m.spread or 0.0) * (rng.normal() + 0.01 * week))
                for name, m in base.metrics.items()}
            store.add_capture("bench", NewCapture(
                taken_at=start + dt.timedelta(weeks=week), taken_at_source="given", source_path=f"week{week}.jpg",
                image_bytes=data, image_ext="jpg", sha256=hashlib.sha256(data).hexdigest(),
                width=image.shape[1], height=image.shape[0], pose=(0.0, 0.0, 0.0), quality=QualityNotes(),
                views=base.views, metrics={k: MetricValue(v.value, v.spread, v.n, v.version)
                                           for k, v in metrics.items()}))


def collect() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        build_store(root)
        exe = Path(sys.executable).parent / "facetrack"
        runs = []
        for _ in range(3):
            run = run_measured([str(exe), "report", "--data-dir", str(root), "--profile", "bench",
                                "-o", str(Path(tmp) / "report.html")])
            if run.returncode != 0:
                raise RuntimeError(f"facetrack report failed: {run.stderr[-500:]}")
            runs.append(run)
        size = (Path(tmp) / "report.html").stat().st_size / 1e6
    times = [r.seconds for r in runs]
    median = float(np.median(times))
    peak = max(r.peak_mb for r in runs)
    verdict = "meets" if median <= TARGET_S else "MISSES"
    print(f"facetrack report, {WEEKS} weekly captures: median {median:.2f} s, best {min(times):.2f} s "
          f"over 3 runs, peak {peak:.0f} MB ({size:.1f} MB of HTML; {verdict} <= {TARGET_S:g} s)")
    return {"report_104_s": round(median, 2), "report_peak_mb": round(peak)}


if __name__ == "__main__":
    collect()
    sys.exit(0)
