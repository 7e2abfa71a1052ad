"""Repeated captures for a repeatability calibration: each measured like a weekly capture,
none stored (only the resulting noise levels are, by the caller).

One repeated capture comes from a photo (measured like an import), from a video or image
folder scanned headless, or from a camera with the guided preview (like ``facetrack
capture``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from facetrack.capture.photo import read_photo
from facetrack.capture.session import CaptureSettings, run_session
from facetrack.capture.sources import IMAGE_SUFFIXES, open_source
from facetrack.detect.landmarks import Landmarker
from facetrack.detect.measure import Measurer
from facetrack.errors import InputError
from facetrack.ingest.guided import measure_burst

#: Fewer captures give no usable SEM (two degrees of freedom at least).
MIN_CAPTURES = 3


def measure_frames(frames, name: str, *, measurer: Measurer, first: bool, display=None) -> dict[str, float]:
    """Metric values of one repeated capture taken from a frame source (not stored)."""
    with Landmarker(measurer.model_path, video=True) as tracker:
        burst, manual, _ = run_session(frames, tracker=tracker, topology=measurer.topology,
                                       settings=CaptureSettings(), first=first, display=display, name=name)
    measured = measure_burst(burst, measurer=measurer, manual=manual, source=name)
    return {k: v.value for k, v in measured.capture.metrics.items()}


def measure_source(path: Path, *, measurer: Measurer) -> dict[str, float]:
    """One repeated capture from a file: a photo, or a video/folder scanned headless."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
        result = measurer.measure_photo(read_photo(path).image, source=path)
        return {k: v.value for k, v in result.metrics.items()}
    if not path.exists():
        raise InputError(path, "no such file or folder")
    frames = open_source(images=path) if path.is_dir() else open_source(video=path)
    return measure_frames(frames, str(path), measurer=measurer, first=False)


def measure_camera(index: int, *, measurer: Measurer, preview: bool) -> dict[str, float]:
    """One repeated capture with webcam ``index``, guided by the preview when ``preview``."""
    from facetrack.capture.preview import PreviewWindow

    with contextlib.ExitStack() as stack:
        display = stack.enter_context(PreviewWindow()) if preview else None
        return measure_frames(open_source(camera=index), f"camera {index}", measurer=measurer,
                              first=True, display=display)
