"""A peer side by side: facelapse aligning a folder vs facetrack importing the same folder.

facelapse detects and aligns each face and saves the aligned image, video output skipped. It
runs from its own environment, .venv-peer (`make bench` installs the lock's `peer` group
alone there; facetrack itself never needs facelapse), or from the folder $FACETRACK_PEER_BIN. facetrack import detects on 10 views per photo,
computes every metric and stores photo, landmarks and metrics in an empty store, so it
does more per image. Both are timed as whole processes, as a user runs them (facetrack on every core), with
their peak memory, on the same 24 photos (grace_hopper with small rotations, scales and brightness changes).
Aim: facetrack within 1.5x of facelapse's time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path


from common import Run, portrait_photos, run_measured

N_PHOTOS = 24
TARGET_RATIO = 1.5
PEER_BIN = Path(__file__).resolve().parents[1] / ".venv-peer" / "bin"


def _checked(run: Run, name: str) -> Run:
    if run.returncode != 0:
        raise RuntimeError(f"{name} failed: {run.stderr[-500:]}")
    return run


def collect() -> dict[str, float]:
    """Whole-process times, peak memory and their ratio (facetrack import / facelapse)."""
    bindir = Path(sys.executable).parent
    peer_bin = os.environ.get("FACETRACK_PEER_BIN") or str(PEER_BIN)
    facelapse = shutil.which("facelapse", path=peer_bin)
    if facelapse is None:
        print(f"(peer comparison skipped: no facelapse in {peer_bin}; `make bench` installs it there)")
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "photos"
        photos = portrait_photos(folder, N_PHOTOS)
        peer = _checked(run_measured([facelapse, "-i", str(folder), "-o", str(Path(tmp) / "out"),
                                      "--skip-video", "--save-aligned-images"]), "facelapse")
        ours = _checked(run_measured([str(bindir / "facetrack"), "import", *map(str, photos),
                                      "--data-dir", str(Path(tmp) / "s")]), "facetrack import")
    ratio = ours.seconds / peer.seconds
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"{N_PHOTOS} photos, whole processes: facelapse {peer.seconds:.2f} s ({peer.peak_mb:.0f} MB peak), "
          f"facetrack import {ours.seconds:.2f} s ({ours.peak_mb:.0f} MB peak, every core), "
          f"ratio {ratio:.2f} ({verdict} <= {TARGET_RATIO:g}x)")
    return {"facelapse_s": round(peer.seconds, 2), "facelapse_peak_mb": round(peer.peak_mb),
            "facetrack_import_s": round(ours.seconds, 2), "import_peak_mb": round(ours.peak_mb),
            "peer_ratio": round(ratio, 2)}


if __name__ == "__main__":
    collect()
    sys.exit(0)
