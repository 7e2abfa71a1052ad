"""Peak memory of reading one uploaded photo (issue 32): each hostile or large photo read by
``capture.photo.read_photo`` in a fresh process, its peak resident memory above the process's
own after imports (``VmHWM``, Linux), and whether it was refused.

    .venv/bin/python benchmarks/upload_memory.py            # prints a table
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = {
    "webp lossless 9400x9400 (3 kB)": ("webp", (9400, 9400), "RGB"),
    "png 16-bit grey 8000x8000": ("png16", (8000, 8000), "I;16"),
    "png RGBA 8000x8000": ("png", (8000, 8000), "RGBA"),
    "tiff 32-bit 8000x8000": ("tiff", (8000, 8000), "I"),
    "png RGBA 4096x4096 (at the limit)": ("png", (4096, 4096), "RGBA"),
    "tiff 32-bit 4096x4096 (at the limit)": ("tiff", (4096, 4096), "I"),
    "png 16-bit grey 4096x4096 (at the limit)": ("png16", (4096, 4096), "I;16"),
    "jpeg 8000x6000 (48 MP camera)": ("jpeg", (8000, 6000), "RGB"),
}

CHILD = r"""
import sys
from facetrack.capture.photo import read_photo
from facetrack.errors import InputError
import numpy, PIL.Image, PIL.PngImagePlugin, PIL.WebPImagePlugin, PIL.TiffImagePlugin, PIL.JpegImagePlugin

def peak_kb():  # this process's own high-water mark (ru_maxrss would count the parent's, kept across exec)
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))

base = peak_kb()
try:
    read_photo(sys.argv[1]); outcome = "read"
except InputError as exc:
    outcome = "refused"
print((peak_kb() - base) / 1024, outcome)
"""


def make(kind: str, size, mode: str, folder: Path) -> Path:
    import numpy as np
    from PIL import Image

    w, h = size
    path = folder / f"{kind}-{w}x{h}-{mode.replace(';', '')}.{ {'png16': 'png'}.get(kind, kind)}"
    if kind == "webp":
        Image.new("RGB", size, (120, 90, 60)).save(path, "WEBP", lossless=True)
    elif kind == "png16":
        Image.fromarray(np.full((h, w), 30000, np.uint16)).save(path, "PNG")
    elif kind == "png":
        Image.new(mode, size, (120, 90, 60, 200)).save(path, "PNG")
    elif kind == "tiff":
        Image.new(mode, size, 70000).save(path, "TIFF", compression="tiff_deflate")
    else:
        rng = np.random.default_rng(0)
        Image.fromarray(rng.integers(0, 255, (h // 8, w // 8, 3), np.uint8)).resize(size).save(path, "JPEG")
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'photo':44} {'file':>9} {'peak above base':>16}  outcome")
        for name, (kind, size, mode) in CASES.items():
            path = make(kind, size, mode, Path(tmp))
            out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True)
            if out.returncode:
                print(f"{name:44} {path.stat().st_size / 1024:>7.0f} kB  failed: {out.stderr.strip()[-200:]}")
                continue
            mb, outcome = out.stdout.split()
            print(f"{name:44} {path.stat().st_size / 1024:>7.0f} kB {float(mb):>13.0f} MB  {outcome}")


if __name__ == "__main__":
    main()
