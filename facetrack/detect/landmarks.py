"""The one adapter around MediaPipe Face Landmarker. Only this module imports mediapipe.

``Landmarker`` is created once (loading the model costs ~0.1 s) and reused for every
image or frame; ``Landmarks`` is the typed, frozen result every later stage consumes.

Coordinates are image pixels: x to the right, y down, z on the same pixel scale as x
(MediaPipe's normalized z times the image width; smaller z is closer to the camera).
Frames are never mirrored: left and right are the subject's own.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np

N_LANDMARKS = 478


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees, in the subject's own frame.

    yaw > 0: face turned towards the subject's own left; pitch > 0: chin up (nose up);
    roll > 0: head tilted so that the subject's left eye is higher than the right.
    """

    yaw: float
    pitch: float
    roll: float


def head_pose_from_matrix(matrix: np.ndarray) -> HeadPose:
    """Head pose from MediaPipe's facial transformation matrix.

    The matrix maps the canonical face (x towards the subject's left, y up, z towards the
    viewer) into camera space (x to the image's right, y up, z towards the viewer). The
    nose direction is the third column of the rotation, the subject's left the first.
    """
    r = np.asarray(matrix, dtype=np.float64)[:3, :3]
    r = r / np.cbrt(np.linalg.det(r))  # remove scale, if any
    nose = r[:, 2]
    yaw = math.degrees(math.atan2(nose[0], nose[2]))
    pitch = math.degrees(math.atan2(nose[1], math.hypot(nose[0], nose[2])))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)


@dataclass(frozen=True)
class Landmarks:
    """One detected face.

    points: (478, 3) float64 pixel coordinates (see module docstring).
    image_size: (width, height) of the analysed image in pixels.
    blendshapes: the 52 blendshape scores by name (``mouthSmileLeft`` is the subject's left).
    matrix: (4, 4) facial transformation matrix (canonical face -> camera space, cm).
    """

    points: np.ndarray
    image_size: tuple[int, int]
    blendshapes: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    matrix: np.ndarray = field(default_factory=lambda: np.eye(4))

    def __post_init__(self):
        pts = np.asarray(self.points, dtype=np.float64)
        if pts.shape != (N_LANDMARKS, 3):
            raise ValueError(f"landmarks must be ({N_LANDMARKS}, 3), got {pts.shape}")
        pts.setflags(write=False)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "blendshapes", MappingProxyType(dict(self.blendshapes)))

    def __reduce__(self):  # the read-only mapping does not pickle; a plain dict does
        return (Landmarks, (np.array(self.points), self.image_size, dict(self.blendshapes), self.matrix))

    @property
    def pose(self) -> HeadPose:
        return head_pose_from_matrix(self.matrix)

    @classmethod
    def from_mediapipe(cls, landmarks, blendshapes, matrix, image_size) -> "Landmarks":
        """Build from one face of a MediaPipe ``FaceLandmarkerResult``."""
        width, height = image_size
        pts = np.array([(p.x * width, p.y * height, p.z * width) for p in landmarks],
                       dtype=np.float64)
        shapes = {c.category_name: float(c.score) for c in (blendshapes or ())}
        mat = np.asarray(matrix, dtype=np.float64) if matrix is not None else np.eye(4)
        return cls(points=pts, image_size=(int(width), int(height)), blendshapes=shapes,
                   matrix=mat)


@contextlib.contextmanager
def _native_stderr_silenced(enabled: bool = True):
    """Send the native (C++) stderr to /dev/null: MediaPipe logs start-up chatter there.

    Python-level errors are unaffected (they are raised as exceptions). Set
    FACETRACK_NATIVE_LOGS=1 to see the native logs.
    """
    if not enabled or os.environ.get("FACETRACK_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class Landmarker:
    """MediaPipe Face Landmarker, created once and reused.

    Image mode (the default) runs the face detector on every image and finds up to
    ``max_faces`` faces. Video mode (``video=True``) tracks the face from frame to frame
    and runs the detector only when tracking is lost, which makes it fast enough for a
    live 30 fps loop; it then sees ``max_faces`` faces at most (1 by default), so a second
    person must be checked for in image mode (the capture does this on every burst frame).
    Frames given in video mode need increasing timestamps.

    Use as a context manager, or call ``close()``; the native graph is released then.
    """

    def __init__(self, model_path: str | Path, *, max_faces: int | None = None,
                 min_detection_confidence: float = 0.5, video: bool = False):
        from mediapipe.tasks.python import BaseOptions, vision

        self.video = video
        self._last_ms = -1
        if max_faces is None:
            max_faces = 1 if video else 4
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_faces=max_faces,
            min_face_detection_confidence=min_detection_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with _native_stderr_silenced():
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
            # The first inference logs more start-up chatter; run it on a blank frame.
            self._detect(np.zeros((64, 64, 3), np.uint8), None)

    def _detect(self, image: np.ndarray, timestamp_ms: int | None):
        import mediapipe as mp

        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=image)
        if not self.video:
            return self._landmarker.detect(mp_image)
        # MediaPipe needs strictly increasing timestamps; a repeated one is nudged forward.
        stamp = self._last_ms + 1 if timestamp_ms is None else max(int(timestamp_ms), self._last_ms + 1)
        self._last_ms = stamp
        return self._landmarker.detect_for_video(mp_image, stamp)

    def detect_all(self, image_rgb: np.ndarray, timestamp_ms: int | None = None) -> list[Landmarks]:
        """Every face found in an RGB uint8 image (H, W, 3), largest first.

        ``timestamp_ms`` is the frame's time in video mode (ignored in image mode).
        """
        image = np.ascontiguousarray(image_rgb)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError("detect expects an RGB uint8 image of shape (H, W, 3)")
        height, width = image.shape[:2]
        result = self._detect(image, timestamp_ms)
        faces = []
        for i, face in enumerate(result.face_landmarks):
            shapes = result.face_blendshapes[i] if i < len(result.face_blendshapes) else None
            mats = result.facial_transformation_matrixes
            faces.append(Landmarks.from_mediapipe(face, shapes, mats[i] if i < len(mats) else None,
                                                  (width, height)))
        faces.sort(key=lambda f: -np.ptp(f.points[:, 0]) * np.ptp(f.points[:, 1]))
        return faces

    def detect(self, image_rgb: np.ndarray) -> Landmarks | None:
        """The largest face in the image, or None when there is none."""
        faces = self.detect_all(image_rgb)
        return faces[0] if faces else None

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "Landmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
