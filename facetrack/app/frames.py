"""A camera frame from the capture page, checked before it is decoded: at most
``MAX_FRAME_BYTES`` (``uploads.read_body``), a JPEG, PNG or WebP by its header, and its size
read from the header, at most ``MAX_FRAME_PIXELS``, before any pixel is decoded."""

from __future__ import annotations

import io
import warnings

import numpy as np

from facetrack.app.uploads import Refused

#: A frame is a JPEG of the camera's picture: a few hundred kB at most.
MAX_FRAME_BYTES = 8 * 2 ** 20
#: 4096 x 4096: above any webcam's picture.
MAX_FRAME_PIXELS = 4096 * 4096
MIN_FRAME_SIDE = 32
FRAME_FORMATS = ("JPEG", "PNG", "WEBP")


def frame_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the frame's header; ``Refused`` unless it is a JPEG, PNG or WebP
    of a sensible size."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise Refused(400, "the frame is empty: no picture came from the camera")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FRAME_FORMATS) as img:
                width, height = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused(413, f"the frame has over {Image.MAX_IMAGE_PIXELS * 2 // 1_000_000} million pixels: a "
                           f"camera picture has at most {MAX_FRAME_PIXELS // 1_000_000} million") from None
    except UnidentifiedImageError:
        raise Refused(400, "the frame is not a JPEG, PNG or WebP picture") from None
    except Exception:  # noqa: BLE001 - a header parser fed anything may raise anything
        raise Refused(400, "the frame is a damaged picture") from None
    if width * height > MAX_FRAME_PIXELS:
        raise Refused(413, f"the frame is {width} x {height} pixels: a camera picture has at most "
                           f"{MAX_FRAME_PIXELS // 1_000_000} million")
    if min(width, height) < MIN_FRAME_SIDE:
        raise Refused(400, f"the frame is {width} x {height} pixels: too small for a face")
    return width, height


def decode_frame(data: bytes) -> np.ndarray:
    """The frame as an RGB uint8 array (H, W, 3), checked first (``frame_size``)."""
    import cv2

    width, height = frame_size(data)
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None or bgr.shape[0] * bgr.shape[1] != width * height:
        raise Refused(400, "the frame is a damaged picture")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
