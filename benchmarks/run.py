"""Benchmark runner: prints each figure and writes benchmarks/results/latest.json.

Current figures: landmark detection rate on real portraits (one process), metrics-core time per
face, whole-photo measurement time (10 augmented views), and import rate into an empty store.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _timeit(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> int:
    import cv2

    from facetrack.demo import build_series, portrait
    from facetrack.importer import import_photos
    from facetrack.measure import Measurer
    from facetrack.metrics import compute_metrics
    from facetrack.store import Store

    results = {"machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                          f"python {platform.python_version()}"}
    image = portrait()
    with Measurer.from_model() as m, tempfile.TemporaryDirectory() as tmp:
        for w, h in ((640, 480), (1280, 720)):
            canvas = np.full((h, w, 3), 128, np.uint8)
            scale = 0.8 * h / image.shape[0]
            face = cv2.resize(image, None, fx=scale, fy=scale)
            y0, x0 = (h - face.shape[0]) // 2, (w - face.shape[1]) // 2
            canvas[y0:y0 + face.shape[0], x0:x0 + face.shape[1]] = face
            t = _timeit(lambda: m.landmarker.detect(canvas), 30)
            results[f"landmarks_per_s_{w}x{h}"] = round(1.0 / t, 1)
        pts = m.landmarker.detect(image).points
        results["metrics_core_ms_per_face"] = round(1e3 * _timeit(lambda: compute_metrics(pts, m.topology), 200), 3)
        results["measure_photo_ms"] = round(1e3 * _timeit(lambda: m.measure_photo(image), 5), 1)
        photos = build_series(Path(tmp) / "photos", m.landmarker, m.topology)
        with Store.open(Path(tmp) / "store") as store:
            t0 = time.perf_counter()
            report = import_photos(photos, store=store, measurer=m, profile="bench")
            results["import_photos_per_s"] = round(len(report.imported) / (time.perf_counter() - t0), 2)
        cores = os.cpu_count() or 1
        with Store.open(Path(tmp) / "store_parallel") as store:
            t0 = time.perf_counter()  # includes starting the workers (spawn, model load)
            report = import_photos(photos, store=store, measurer=m, profile="bench", workers=cores)
            results[f"import_photos_per_s_{cores}_workers"] = round(
                len(report.imported) / (time.perf_counter() - t0), 2)
        results["parallel_import_speedup"] = round(
            results[f"import_photos_per_s_{cores}_workers"] / results["import_photos_per_s"], 2)
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
