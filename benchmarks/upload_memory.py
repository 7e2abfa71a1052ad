"""Peak memory of reading one uploaded photo (issue 32): each hostile or large photo read by
``capture.photo.read_photo`` in a fresh process, its peak resident memory above the process's
own after imports (``VmHWM``, Linux), and whether it was refused.

    .venv/bin/python benchmarks/upload_memory.py            # prints a table
    .venv/bin/python benchmarks/upload_memory.py --app 8    # and 8 uploads at once to `facetrack app`

``--app N``: a real ``facetrack app`` on a copy of the demo gets N uploads of the 9400 x 9400
lossless WebP at once (each with a date part, as the page sends it); its peak resident memory
(``VmHWM``) before and after, and the answers.
"""

from __future__ import annotations

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


def app_uploads(n: int) -> None:
    import os
    import shutil
    import socket
    import threading

    from click.testing import CliRunner

    from facetrack.cli import main as cli

    def hwm_mb(pid: int) -> float:
        return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM:")) / 1024

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        assert CliRunner().invoke(cli, ["demo", "--data-dir", str(root)]).exit_code == 0
        webp = make("webp", (9400, 9400), "RGB", Path(tmp)).read_bytes()
        proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--profile", "demo",
                                 "--data-dir", str(root)], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        try:
            url = proc.stdout.readline().strip()
            port, token = int(url.split(":")[2].split("/")[0]), url.split("token=")[1]
            body = (b'--b\r\nContent-Disposition: form-data; name="date"\r\n\r\n2026-01-05\r\n'
                    b'--b\r\nContent-Disposition: form-data; name="photos"; filename="big.webp"\r\n'
                    b"Content-Type: image/webp\r\n\r\n" + webp + b"\r\n--b--\r\n")
            head = (f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n"
                    f"Cookie: facetrack_token={token}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            before = hwm_mb(proc.pid)
            answers = []

            def upload():
                with socket.create_connection(("127.0.0.1", port)) as sock:
                    sock.sendall(head + body)
                    answers.append(sock.recv(64).split(b" ")[1].decode())

            threads = [threading.Thread(target=upload) for _ in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(600)
            print(f"{n} uploads of a 9400 x 9400 lossless WebP ({len(webp) / 1024:.0f} kB) at once to facetrack app: "
                  f"peak memory {before:.0f} -> {hwm_mb(proc.pid):.0f} MB, answers {sorted(answers)}")
        finally:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--app", type=int, default=0, help="uploads at once to a real facetrack app")
    args = parser.parse_args()
    main()
    if args.app:
        app_uploads(args.app)
