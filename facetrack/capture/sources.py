"""Frame sources behind one iterator: a webcam, a video file, or a folder of images.

Every source yields ``Frame`` objects holding the image exactly as the camera or file
gives it (RGB, never mirrored) and a timestamp in milliseconds. Only the preview shown to
the user is mirrored, and that happens in the preview, not here.

Errors are ``InputError`` naming the source: a camera that cannot be opened, a video that
cannot be decoded, a folder with no images, and a camera that stops delivering frames in
the middle of a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrack.errors import InputError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
#: Larger video files are refused before they are opened.
MAX_VIDEO_BYTES = 16 * 1024 ** 3


@dataclass(frozen=True)
class Frame:
    """One frame: RGB uint8 image (never mirrored), time in ms since the source started."""

    image: np.ndarray
    timestamp_ms: int
    index: int
    source: str


def video_frames(path: str | Path, *, max_frames: int | None = None) -> Iterator[Frame]:
    """Frames of a video file, with the file's own timestamps."""
    import cv2

    from facetrack.capture.photo import checked_file

    path = checked_file(path, what="a video file", missing="no such video file",
                        max_bytes=MAX_VIDEO_BYTES)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise InputError(path, "cannot be opened as a video")
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        index = 0
        while max_frames is None or index < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            pos = cap.get(cv2.CAP_PROP_POS_MSEC)
            stamp = int(round(pos)) if pos and pos > 0 else int(round(index * 1000.0 / fps))
            yield Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), stamp, index, str(path))
            index += 1
        if index == 0:
            raise InputError(path, "contains no decodable frames")
    finally:
        cap.release()


def folder_frames(folder: str | Path, *, interval_ms: int = 100) -> Iterator[Frame]:
    """The images of a folder in name order, as frames ``interval_ms`` apart."""
    from facetrack.capture.photo import read_photo

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise InputError(folder, f"holds no images ({', '.join(IMAGE_SUFFIXES)})")
    for index, path in enumerate(files):
        yield Frame(read_photo(path).image, index * interval_ms, index, str(path))


def camera_frames(index: int = 0, *, width: int = 1280, height: int = 720,
                  max_frames: int | None = None, read_timeout_frames: int = 30) -> Iterator[Frame]:
    """Frames of a webcam at the requested resolution (the camera may pick the nearest).

    A camera that cannot be opened raises on the first frame asked for; one that stops
    delivering frames for ``read_timeout_frames`` consecutive reads raises in the middle
    of the iteration.
    """
    import time

    import cv2

    name = f"camera {index}"
    cap = cv2.VideoCapture(index)
    try:
        if not cap.isOpened():
            raise InputError(name, "cannot be opened (is it connected and not used by another app?)")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        start = time.monotonic()
        count, failures = 0, 0
        while max_frames is None or count < max_frames:
            ok, bgr = cap.read()
            if not ok:
                failures += 1
                if failures >= read_timeout_frames:
                    raise InputError(name, f"stopped delivering frames after {count} frames")
                continue
            failures = 0
            stamp = int((time.monotonic() - start) * 1000)
            yield Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), stamp, count, name)
            count += 1
    finally:
        cap.release()


def open_source(*, camera: int | None = None, video: str | Path | None = None,
                images: str | Path | None = None, **kwargs) -> Iterator[Frame]:
    """The one source named by exactly one of ``camera``, ``video`` or ``images``."""
    given = [x is not None for x in (camera, video, images)]
    if sum(given) != 1:
        raise ValueError("give exactly one of camera, video or images")
    if video is not None:
        return video_frames(video, **kwargs)
    if images is not None:
        return folder_frames(images, **kwargs)
    return camera_frames(camera, **kwargs)
