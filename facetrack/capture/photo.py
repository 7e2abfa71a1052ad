"""Read one photo file into an upright RGB uint8 array, with its capture date if known."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrack.errors import InputError

#: Larger images are downscaled on load (keeps memory bounded; landmarks need far less).
MAX_PIXELS = 40_000_000
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867


@dataclass(frozen=True)
class Photo:
    path: Path
    data: bytes
    image: np.ndarray  # (H, W, 3) uint8 RGB, upright
    taken_at: dt.datetime | None  # from EXIF DateTimeOriginal, naive local time
    format: str  # "JPEG", "PNG", ...


def _exif_datetime(img) -> dt.datetime | None:
    try:
        raw = img.getexif().get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    except Exception:  # malformed EXIF must not make a good photo unreadable
        return None
    if not raw:
        return None
    try:
        return dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _to_rgb8(img) -> np.ndarray:
    from PIL import Image

    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if arr.max() > 255 else 255.0
        arr = np.clip(arr / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(arr[:, :, None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def read_photo(path: str | Path) -> Photo:
    """Decode ``path`` into an upright RGB photo; raise InputError naming the file otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not an image file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise InputError(path, "is empty (0 bytes)")
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            fmt = img.format or "unknown"
            if img.width * img.height > MAX_PIXELS:
                img.draft("RGB", (img.width // 4, img.height // 4))
                scale = (MAX_PIXELS / (img.width * img.height)) ** 0.5
                if scale < 1:
                    img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
            img.load()
            taken_at = _exif_datetime(img)
            img = ImageOps.exif_transpose(img)
            rgb = _to_rgb8(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(path, "is too large to read safely (over "
                               f"{Image.MAX_IMAGE_PIXELS // 1_000_000} million pixels)") from None
    except UnidentifiedImageError:
        raise InputError(path, "is not an image facetrack can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"is a damaged or truncated image ({exc})") from None
    return Photo(path=path, data=data, image=rgb, taken_at=taken_at, format=fmt)
