"""Known synthetic changes of a face photo, for sensitivity tests, benchmarks and the demo.

Each warp is a smooth displacement field in image pixels, built from the landmarks of the
unaltered photo: a point ``p`` of the face moves to ``p + d(p)``. ``warp_image`` renders the
changed photo (the inverse map is solved by fixed-point iteration), and ``warp_points``
moves the landmarks by the same field, which gives the *expected* metric values: what a
perfect landmark model would report on the changed photo.

Amounts are relative to the face, so the same call means the same change on any photo:
face width is the bizygomatic (zygion to zygion) distance, and IOD the distance between
the eye-contour centroids, both in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from facetrack.metrics.align import interocular
from facetrack.topology import FaceTopology

Field = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Warp:
    """A named displacement field (x, y) -> (dx, dy), in pixels."""

    name: str
    field: Field

    def displacement(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.field(np.asarray(x, np.float64), np.asarray(y, np.float64))


def _frame(points: np.ndarray, topology: FaceTopology) -> dict[str, float | np.ndarray]:
    p = np.asarray(points, np.float64)[:, :2]
    eye_l = p[topology.idx("eye_left")].mean(axis=0)
    eye_r = p[topology.idx("eye_right")].mean(axis=0)
    return {
        "p": p,
        "width": float(np.linalg.norm(p[topology.point("zygion_left")] - p[topology.point("zygion_right")])),
        "iod": interocular(points, topology, frontal=True),
        "centre_x": float(p[topology.idx("midline"), 0].mean()),
        "eye_y": float(0.5 * (eye_l[1] + eye_r[1])),
        "eye_half": float(0.5 * abs(eye_l[0] - eye_r[0])),
        "chin_y": float(p[topology.point("chin"), 1]),
    }


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def cheek_widening(points: np.ndarray, topology: FaceTopology, amount: float) -> Warp:
    """Widen the mid and lower face: each side's outline moves outwards by ``amount`` x face width.

    The horizontal displacement is zero between the eye centres and ramps smoothly up to
    its full value at the cheek outline and beyond; vertically it covers the band from
    just below the eyes to the chin, with soft edges. The eyes, nose and mouth corners do
    not move; the whole cheek outline from the cheekbone to the jaw corner does.
    """
    f = _frame(points, topology)
    inner, outer = f["eye_half"], 0.5 * f["width"]
    top, bottom = f["eye_y"] + 0.1 * f["iod"], f["chin_y"]
    centre_y, half_h = 0.5 * (top + bottom), 0.5 * (bottom - top)

    def field(x, y):
        ramp = _smoothstep((np.abs(x - f["centre_x"]) - inner) / (outer - inner))
        band = np.exp(-0.5 * ((y - centre_y) / (0.6 * half_h)) ** 4)
        return np.sign(x - f["centre_x"]) * amount * f["width"] * ramp * band, np.zeros_like(y)

    return Warp("cheek_widening", field)


def lower_face_stretch(points: np.ndarray, topology: FaceTopology, amount: float) -> Warp:
    """Stretch everything below the eyes horizontally by ``amount`` (0.02: 2 % wider), about
    the facial midline.

    The stretch is zero down to 0.25 IOD below the eye centres (below the lower lids, so the
    inter-ocular distance does not change) and complete from 0.45 IOD below them: every width
    from the cheekbones to the chin, and every distance from the midline there, grows by
    exactly ``amount`` (relative), the silhouette's as much as the landmarks'.
    """
    f = _frame(points, topology)
    start, full = f["eye_y"] + 0.25 * f["iod"], f["eye_y"] + 0.45 * f["iod"]

    def field(x, y):
        return amount * (x - f["centre_x"]) * _smoothstep((y - start) / (full - start)), np.zeros_like(y)

    return Warp("lower_face_stretch", field)


def cheek_bulge(points: np.ndarray, topology: FaceTopology, amount: float, *,
                width_fraction: float = 0.25) -> Warp:
    """Push both cheek contours outwards in a local bump peaking at ``amount`` x face width.

    A horizontal Gaussian bump centred on the middle of each side's cheek contour (zygion
    to gonion), with an SD of ``width_fraction`` of the contour's length, so the zygion and
    gonion themselves barely move: it changes the contour's convexity, not the face width.
    """
    f = _frame(points, topology)
    bumps = []
    for side in ("right", "left"):
        contour = f["p"][topology.idx(f"cheek_contour_{side}")]
        centre = np.array([contour[:, 0].mean(), 0.5 * (contour[0, 1] + contour[-1, 1])])
        sigma = float(np.linalg.norm(contour[-1] - contour[0])) * width_fraction
        bumps.append((centre, sigma, np.sign(centre[0] - f["centre_x"])))

    def field(x, y):
        dx = np.zeros(np.broadcast(x, y).shape)
        for centre, sigma, outward in bumps:
            dx = dx + outward * amount * f["width"] * np.exp(
                -((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / (2 * sigma ** 2))
        return dx, np.zeros_like(dx)

    return Warp("cheek_bulge", field)


def lower_face_lengthening(points: np.ndarray, topology: FaceTopology, amount: float) -> Warp:
    """Lengthen the face below the mouth: the chin moves down by ``amount`` x face width.

    Everything below the lowest lip point is stretched vertically (a smooth onset over a
    tenth of the IOD), so the mandibular body lines steepen and the frontal jaw angles
    open, while the eyes, brows, cheekbones and mouth stay where they are.
    """
    f = _frame(points, topology)
    y0 = float(f["p"][topology.idx("lips_outer"), 1].max())
    span = f["chin_y"] - y0
    onset = 0.1 * f["iod"]
    rate = amount * f["width"] / span

    def field(x, y):
        t = np.maximum(y - y0, 0.0)
        soft = np.where(t < onset, t * t / (2 * onset), t - onset / 2)
        return np.zeros_like(x + y), rate * soft

    return Warp("lower_face_lengthening", field)


def mouth_corner_lift(points: np.ndarray, topology: FaceTopology, amount: float, *,
                      side: str = "left") -> Warp:
    """Lift the subject's ``side`` mouth corner by ``amount`` x IOD (a local Gaussian bump)."""
    f = _frame(points, topology)
    corner = f["p"][topology.point(f"mouth_corner_{side}")]
    sigma = 0.2 * f["iod"]

    def field(x, y):
        bump = np.exp(-((x - corner[0]) ** 2 + (y - corner[1]) ** 2) / (2 * sigma ** 2))
        return np.zeros_like(bump), -amount * f["iod"] * bump  # image y points down

    return Warp(f"mouth_corner_lift_{side}", field)


@dataclass(frozen=True)
class CaptureConditions:
    """How two captures of an unchanged face differ: head roll, distance, light and JPEG."""

    angle: float = 0.0  # degrees, in-plane rotation about the image centre
    scale: float = 1.0
    brightness: float = 0.0  # relative change, e.g. -0.1 for 10 % darker
    jpeg_quality: int = 95

    @classmethod
    def random(cls, rng: np.random.Generator) -> "CaptureConditions":
        """Week-to-week conditions of a careful user: ±2.5°, ±6 % size, ±10 % light, JPEG 75-95."""
        return cls(float(rng.uniform(-2.5, 2.5)), float(rng.uniform(0.94, 1.06)),
                   float(rng.uniform(-0.1, 0.1)), int(rng.integers(75, 96)))

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Rotation, scale and brightness (the JPEG quality is used when the photo is saved)."""
        import cv2

        h, w = image.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), self.angle, self.scale)
        out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return np.clip(out.astype(np.float32) * (1.0 + self.brightness), 0, 255).astype(np.uint8)


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    """The image as it comes back after saving it as a JPEG of that quality."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=int(quality))
    with Image.open(buf) as img:
        return np.asarray(img.convert("RGB"))


def warp_points(points: np.ndarray, warp: Warp) -> np.ndarray:
    """Landmarks moved by the warp's field (x and y; z is left as it is)."""
    out = np.array(points, dtype=np.float64)
    dx, dy = warp.displacement(out[:, 0], out[:, 1])
    out[:, 0] += dx
    out[:, 1] += dy
    return out


def warp_image(image: np.ndarray, warp: Warp, *, iterations: int = 4) -> np.ndarray:
    """Render the changed photo: output(q) = input(p) where p + d(p) = q."""
    import cv2

    h, w = image.shape[:2]
    qy, qx = np.mgrid[0:h, 0:w].astype(np.float64)
    px, py = qx.copy(), qy.copy()
    for _ in range(iterations):
        dx, dy = warp.displacement(px, py)
        px, py = qx - dx, qy - dy
    return cv2.remap(image, px.astype(np.float32), py.astype(np.float32),
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
