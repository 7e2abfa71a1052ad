"""Read one photo file into an upright RGB uint8 array, with its capture date if known.

Only the formats in ``FORMATS`` are read, told from the file's own header (never from its
name): a format whose decoder runs another program (EPS and PostScript start Ghostscript) or
that a photo never comes in is refused before any decoder sees it. Every decoder failure is
one ``InputError`` naming the file.

Memory is bounded before any pixel is decoded, from the header: at most ``MAX_DECODED_PIXELS``
(the camera frames' limit) and ``MAX_DECODED_BYTES`` at the decoded image's own depth (a
16-bit, RGBA or 32-bit image costs more per pixel). A larger JPEG is decoded at a half, a
quarter or an eighth of its size (its decoder can, at no cost); any other format is refused.
"""

from __future__ import annotations

import datetime as dt
import errno
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrack.errors import InputError

#: Larger images are downscaled on load (keeps memory bounded; landmarks need far less).
MAX_PIXELS = 40_000_000
#: The most pixels decoded from one photo: 4096 x 4096, as a camera frame (``app.frames``).
MAX_DECODED_PIXELS = 4096 * 4096
#: The most bytes the decoded image may take at its own depth (4096 x 4096 at 4 bytes a pixel).
MAX_DECODED_BYTES = MAX_DECODED_PIXELS * 4
#: Bytes a decoded pixel takes, by Pillow's mode (a mode not listed counts as 4 bytes).
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "La": 2, "I;16": 2, "I;16B": 2, "I;16L": 2,
                   "I;16N": 2, "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3, "RGBA": 4, "RGBa": 4, "RGBX": 4,
                   "CMYK": 4, "I": 4, "F": 4}
#: Larger files are refused before they are read (no photo is this large).
MAX_PHOTO_BYTES = 200 * 1024 * 1024
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
ORIENTATION = 0x0112
#: The formats a photo is read in (Pillow's names), told from the file's header. HEIC is not
#: among them: no maintained decoder is installed with facetrack.
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP")
#: How the refusal names them, for a person.
FORMATS_SHOWN = "JPEG, PNG, WebP, TIFF or BMP"
NOT_A_PHOTO = f"is not an image facetrack can read (it reads {FORMATS_SHOWN} photos)"


@dataclass(frozen=True)
class Photo:
    path: Path
    data: bytes
    image: np.ndarray  # (H, W, 3) uint8 RGB, upright; a reduced copy of a photo over MAX_PIXELS
    taken_at: dt.datetime | None  # from EXIF DateTimeOriginal, naive local time
    format: str  # "JPEG", "PNG", ...
    size: tuple[int, int] | None = None  # (width, height) of the file itself, upright

    @property
    def full_size(self) -> tuple[int, int]:
        """(width, height) of the stored file, upright: the capture's pixel geometry."""
        return self.size or (self.image.shape[1], self.image.shape[0])

    @property
    def scale(self) -> tuple[float, float]:
        """(x, y) factors from ``image``'s pixels to the file's own."""
        width, height = self.full_size
        return width / self.image.shape[1], height / self.image.shape[0]


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

    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)  # 4 bytes a pixel, scaled in place
        peak = 65535.0 if arr.max() > 255 else 255.0
        arr *= np.float32(255.0 / peak)
        arr += np.float32(0.5)
        np.clip(arr, 0, 255, out=arr)
        return np.repeat(arr.astype(np.uint8)[:, :, None], 3, axis=2)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, (0, 0), rgba)  # over white, by its own alpha (no RGBA copies)
        img = background
    return np.asarray(img if img.mode == "RGB" else img.convert("RGB"), dtype=np.uint8)


_KINDS = ((stat.S_ISDIR, "is a directory, not {what}"), (stat.S_ISFIFO, "is a named pipe, not {what}"),
          (stat.S_ISCHR, "is a device, not {what}"), (stat.S_ISBLK, "is a device, not {what}"),
          (stat.S_ISSOCK, "is a socket, not {what}"))


def checked_file(path: str | Path, *, what: str = "an image file", missing: str = "no such file",
                 max_bytes: int = MAX_PHOTO_BYTES) -> Path:
    """``path`` if it is a regular file of at most ``max_bytes``: checked before anything reads
    it (a named pipe would block, a device or a huge file exhaust memory). InputError otherwise."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(path, "is a symbolic link loop") from None
        if exc.errno == errno.ENOENT:
            raise InputError(path, missing if not path.is_symlink() else "is a broken symbolic link") from None
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    for test, problem in _KINDS:
        if test(info.st_mode):
            raise InputError(path, problem.format(what=what))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, f"is not a regular file, not {what}")
    if info.st_size > max_bytes:
        raise InputError(path, f"is too large ({info.st_size / 1e9:.1f} GB; at most {max_bytes / 1e6:.0f} MB)")
    return path


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def decoded_cost(img) -> tuple[int, int]:
    """(pixels, bytes) decoding the opened image ``img`` takes as it is set to decode."""
    pixels = img.size[0] * img.size[1]
    return pixels, pixels * BYTES_PER_PIXEL.get(img.mode, 4)


def within_limits(img) -> bool:
    """Whether the opened image ``img`` decodes within ``MAX_DECODED_PIXELS`` and ``MAX_DECODED_BYTES``
    as it is (reading a PNG's EXIF decodes the whole image: check this first)."""
    pixels, cost = decoded_cost(img)
    return pixels <= MAX_DECODED_PIXELS and cost <= MAX_DECODED_BYTES


def _bounded(img, path: Path) -> None:
    """Keep ``img`` (opened, not decoded) within ``MAX_DECODED_PIXELS`` and ``MAX_DECODED_BYTES``:
    a larger JPEG is set to decode at 1/2, 1/4 or 1/8 of its size; InputError otherwise."""
    width, height = img.size
    if img.format == "JPEG" and width * height > MAX_DECODED_PIXELS:
        reduce = 2
        while reduce < 8 and width * height > MAX_DECODED_PIXELS * reduce * reduce:
            reduce *= 2
        img.draft("RGB", (-(-width // reduce), -(-height // reduce)))
    if not within_limits(img):
        raise InputError(path, f"is too large to read safely ({width} x {height} pixels, {img.mode}; at most "
                               f"{MAX_DECODED_PIXELS / 1e6:.1f} million pixels, {MAX_DECODED_BYTES // 2 ** 20} MB "
                               "decoded): save a smaller copy or a JPEG")


def read_photo(path: str | Path) -> Photo:
    """Decode ``path`` into an upright RGB photo; raise InputError naming the file otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = checked_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data:
        raise InputError(path, "is empty (0 bytes)")
    import io

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a decoder's remark on a damaged file is no line for the user
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            fmt = img.format or "unknown"
            size = (img.width, img.height)
            _bounded(img, path)  # from the header, before any pixel is decoded (a PNG's EXIF decodes it)
            if img.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8):  # turned a quarter: upright is the other way
                size = size[::-1]
            img.load()
            taken_at = _exif_datetime(img)
            img = ImageOps.exif_transpose(img)
            rgb = _to_rgb8(img)
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(path, "is too large to read safely (over "
                               f"{Image.MAX_IMAGE_PIXELS // 1_000_000} million pixels)") from None
    except UnidentifiedImageError:
        raise InputError(path, NOT_A_PHOTO) from None
    except MemoryError:
        raise InputError(path, "is too large to read in the memory there is") from None
    except Exception as exc:  # noqa: BLE001 - a decoder fed a damaged file may raise anything
        raise InputError(path, f"is a damaged or truncated image ({_one_line(exc)})") from None
    return Photo(path=path, data=data, image=rgb, taken_at=taken_at, format=fmt, size=size)
