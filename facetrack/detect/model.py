"""Find and verify MediaPipe's face landmarker model.

The official ``face_landmarker.task`` (Apache-2.0) comes with facetrack, in ``detect/models``
beside the segmentation model, with its licence and provenance (``models/PROVENANCE.md``).
Nothing is downloaded, ever.

Resolution order (the first that is given wins; every candidate is SHA-256 verified before
it is used, so a different or damaged file is refused with its name):

1. an explicit path (``--model PATH``) or the ``FACETRACK_MODEL`` environment variable;
2. the copy inside the installed facetrack package;
3. nothing (a broken install): the error says to reinstall facetrack or give a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from facetrack.errors import ModelError
from facetrack.files import sha256_of

MODEL_FILENAME = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
#: Where MediaPipe publishes the same file (for reference and for PROVENANCE.md; never fetched).
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/face_landmarker/"
    "face_landmarker/float16/1/face_landmarker.task"
)
ENV_VAR = "FACETRACK_MODEL"
#: The models that come with facetrack (package data: the wheel and the sdist carry them).
MODELS_DIR = Path(__file__).resolve().parent / "models"


@dataclass(frozen=True)
class ResolvedModel:
    """A verified model file and the reason it was chosen."""

    path: Path
    source: str  # "explicit", "environment", "packaged"
    reason: str


def verify(path: Path, expected: str = MODEL_SHA256) -> None:
    """Raise ModelError unless ``path`` is a readable file with the expected SHA-256."""
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(
            f"{path}: model file has sha256 {actual[:12]}..., expected {expected[:12]}... "
            "(corrupted or a different model)"
        )


def packaged_model_path(models_dir: Path = MODELS_DIR) -> Path:
    """Where the installed facetrack package keeps its face landmarker (it may be missing)."""
    return models_dir / MODEL_FILENAME


def resolve(explicit: str | os.PathLike | None = None, *, environ: dict | None = None,
            models_dir: Path = MODELS_DIR) -> ResolvedModel:
    """Find a verified model file, following the documented resolution order."""
    environ = os.environ if environ is None else environ
    if explicit:
        path = Path(explicit).expanduser()
        verify(path)
        return ResolvedModel(path, "explicit", "given with --model")
    if environ.get(ENV_VAR):
        path = Path(environ[ENV_VAR]).expanduser()
        verify(path)
        return ResolvedModel(path, "environment", f"given by ${ENV_VAR}")
    packaged = packaged_model_path(models_dir)
    if not packaged.is_file():
        raise ModelError(
            f"{packaged}: the face landmarker model that comes with facetrack is missing "
            "(an incomplete install): reinstall facetrack, or give the official "
            f"face_landmarker.task with --model PATH or ${ENV_VAR}=PATH"
        )
    verify(packaged)
    return ResolvedModel(packaged, "packaged", "comes with facetrack: MediaPipe's face landmarker, Apache-2.0")
