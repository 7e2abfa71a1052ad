"""Whether the camera's exposure or white balance moved during a burst, from the burst's frames.

A webcam adjusts its exposure and white balance by itself, and does so over a second or two
after the light changes (or after it starts). The skin measures take each frame against its
own wall, so they follow such a change, but a burst taken while the camera is still adjusting
says the light was not settled: the capture warns (never refuses) after the photo.

Each frame's reference is the picture outside the face (the face's landmark box grown by
``FACE_MARGIN`` of its size on every side), unclipped pixels only, averaged in linear light
(sRGB decoded). Between the burst's frames:

- the exposure change is the largest frame's luminance over the smallest's, minus 1 (%);
- the colour change is the same for the red/green and blue/green ratios, the larger (%).

A person sitting still barely changes either: over every 5 consecutive frames of the two real
webcam clips (tests/data, 139 windows) the exposure moved by at most 3.5 % (median 0.4 %) and the
colour by at most 0.7 % (median 0.3 %). The limits are well above that: a change of a tenth of
the light (about 1/7 of a stop) or 3 % of the colour balance, which a camera still adjusting
after the light changed easily makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

#: The face's landmark box is grown by this share of its size on each side before it is left out.
FACE_MARGIN = 0.25
#: A pixel with any channel at or above this code is clipped and left out.
CLIPPED = 250
#: A change at or above these is visible (% between the burst's frames): the capture warns.
MAX_EXPOSURE_CHANGE = 10.0
MAX_COLOUR_CHANGE = 3.0
#: Every other pixel in each direction is enough for a mean.
STEP = 2


@dataclass(frozen=True)
class LightDrift:
    exposure_change: float  # % between the brightest and darkest frame
    colour_change: float  # % between the frames' colour balance, the larger of red/green and blue/green

    @property
    def exposure_moved(self) -> bool:
        return self.exposure_change >= MAX_EXPOSURE_CHANGE

    @property
    def colour_moved(self) -> bool:
        return self.colour_change >= MAX_COLOUR_CHANGE


def _linear(codes: np.ndarray) -> np.ndarray:
    c = codes.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def outside_face_rgb(image: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The mean linear RGB of the picture outside the face (see the module's notes); None when
    too little of it is left (fewer than 1 % of the picture's pixels)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"the image must be RGB uint8 (H, W, 3) but got {image.dtype} {image.shape}")
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2 or not np.all(np.isfinite(p[:, :2])):
        raise ValueError(f"the landmarks must be finite (N, 2 or 3) pixels but got {p.shape}")
    h, w = image.shape[:2]
    (x0, y0), (x1, y1) = p[:, :2].min(axis=0), p[:, :2].max(axis=0)
    mx, my = FACE_MARGIN * (x1 - x0), FACE_MARGIN * (y1 - y0)
    small = image[::STEP, ::STEP]
    ys, xs = np.mgrid[0:h:STEP, 0:w:STEP]
    keep = ~((xs >= x0 - mx) & (xs <= x1 + mx) & (ys >= y0 - my) & (ys <= y1 + my))
    keep &= small.max(axis=2) < CLIPPED
    if keep.sum() < 0.01 * keep.size:
        return None
    return _linear(small[keep]).mean(axis=0)


def light_drift(frames: Iterable[tuple[np.ndarray, np.ndarray]]) -> LightDrift | None:
    """How much the exposure and the colour balance moved over a burst's ``frames`` ((RGB uint8
    image, its face's landmarks in pixels)); None with fewer than 2 frames to compare."""
    means = [m for m in (outside_face_rgb(image, points) for image, points in frames) if m is not None]
    return drift_of(means)


def drift_of(means: Sequence[np.ndarray]) -> LightDrift | None:
    """``light_drift`` from each frame's mean linear RGB outside the face."""
    rgb = np.array([m for m in means if np.all(np.asarray(m) > 0)], dtype=np.float64).reshape(-1, 3)
    if len(rgb) < 2:
        return None
    luminance = rgb @ np.array([0.2126, 0.7152, 0.0722])
    exposure = 100.0 * (luminance.max() / luminance.min() - 1.0)
    ratios = np.stack([rgb[:, 0] / rgb[:, 1], rgb[:, 2] / rgb[:, 1]], axis=1)
    colour = 100.0 * float(np.max(ratios.max(axis=0) / ratios.min(axis=0) - 1.0))
    return LightDrift(round(float(exposure), 2), round(colour, 2))
