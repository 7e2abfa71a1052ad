"""The adapter around MediaPipe's person segmentation model: image in, person mask out.

The model (``selfie_segmentation.tflite``, Apache-2.0) is vendored in ``detect/models`` with
its licence and provenance; its SHA-256 is checked before it is loaded. It runs through
mediapipe's Tasks ``ImageSegmenter`` and gives, for every pixel, the confidence (0-1) that
it shows the person rather than the background. This module and ``landmarks`` are the only
ones that import mediapipe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facetrack.detect.landmarks import _native_stderr_silenced
from facetrack.detect.model import verify

SEGMENTER_FILENAME = "selfie_segmentation.tflite"
SEGMENTER_SHA256 = "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"


def segmenter_path() -> Path:
    """The vendored segmentation model, verified (``ModelError`` when missing or altered)."""
    path = Path(__file__).resolve().parent / "models" / SEGMENTER_FILENAME
    verify(path, SEGMENTER_SHA256)
    return path


class Segmenter:
    """The person segmenter, loaded once and reused. Use as a context manager."""

    def __init__(self, model_path: str | Path | None = None):
        from mediapipe.tasks.python import BaseOptions, vision

        path = Path(model_path) if model_path else segmenter_path()
        options = vision.ImageSegmenterOptions(base_options=BaseOptions(model_asset_path=str(path)),
                                               output_confidence_masks=True, output_category_mask=False)
        with _native_stderr_silenced():
            self._segmenter = vision.ImageSegmenter.create_from_options(options)
            self.person_mask(np.zeros((64, 64, 3), np.uint8))  # start-up chatter on a blank frame

    def person_mask(self, image_rgb: np.ndarray) -> np.ndarray:
        """(H, W) float32 confidence that each pixel shows the person, for an RGB uint8 image."""
        import mediapipe as mp

        image = np.ascontiguousarray(image_rgb)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"person_mask needs an RGB uint8 image (H, W, 3) but got {image.dtype} {image.shape}")
        result = self._segmenter.segment(mp.Image(image_format=mp.ImageFormat.SRGB, data=image))
        mask = np.asarray(result.confidence_masks[-1].numpy_view(), dtype=np.float32)
        return mask.reshape(image.shape[:2]).copy()

    def close(self) -> None:
        if self._segmenter is not None:
            self._segmenter.close()
            self._segmenter = None

    def __enter__(self) -> "Segmenter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
