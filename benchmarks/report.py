"""Report benchmark: `facetrack report` on a profile of 104 weekly captures (two years).

The store is built from one real measurement of grace_hopper: 104 weekly captures share
its landmark views, each with its own photo (a re-encoded copy, so every capture has its
own image file) and metric values moved by noise of each metric's own spread plus a slow
drift. The figure is the wall time of the whole command, as a user runs it (a fresh
process: imports, model resolution, store, charts, images, HTML). Target: <= 5 s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WEEKS = 104
TARGET_S = 5.0


def build_store(root: Path) -> None:
    from PIL import Image

    from facetrack.demo import portrait
    from facetrack.measure import Measurer
    from facetrack.store import MetricValue, NewCapture, Store

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
                width=image.shape[1], height=image.shape[0], pose=(0.0, 0.0, 0.0), quality={},
                views=base.views, metrics={k: MetricValue(v.value, v.spread, v.n, v.version)
                                           for k, v in metrics.items()}))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        build_store(root)
        exe = Path(sys.executable).parent / "facetrack"
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            done = subprocess.run([str(exe), "report", "--data-dir", str(root), "--profile", "bench",
                                   "-o", str(Path(tmp) / "report.html")], capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                print(done.stderr)
                return 1
        size = (Path(tmp) / "report.html").stat().st_size / 1e6
        best, median = min(times), float(np.median(times))
        verdict = "meets" if median <= TARGET_S else "MISSES"
        print(f"facetrack report, {WEEKS} weekly captures: median {median:.2f} s, best {best:.2f} s "
              f"over 3 runs ({size:.1f} MB of HTML; {verdict} <= {TARGET_S:g} s)")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
