"""Is a new photo's face the profile's person? A face-shape comparison, pure numpy.

A face's shape is read from its landmarks: the 468 mesh points aligned to MediaPipe's
canonical face (``metrics.align.to_canonical``: rotation, scale and position removed), in
canonical centimetres, their x and y (the model's depth is mostly its own prior). A capture's
shape is the median over its landmark views. Two shapes' distance is the RMS distance of their
points, each point weighted by how little it moves on one person's face (``stats.face_spread``:
the points that move with expression, measured on the vendored webcam clip, count less). A new
photo matches a profile when its distance from the median shape of the profile's captures is at
most ``MAX_DISTANCE``.

The limit is measured (benchmarks/identity.py; docs/metrics.md, "Same person"): on the vendored
clips' frames (neutral to a broad smile) and the stills under rotations, rescaling, light, colour
casts and the lab's shape warps, at most 1 % of a person's own photos are refused; how often
another person's photo passes is in the same table. It guards against a photo of someone else
entering a profile by mistake; it is not a proof of identity.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from dataclasses import dataclass

from facetrack.metrics.align import to_canonical
from facetrack.records import LandmarkView
from facetrack.stats.face_spread import SPREAD_CM

#: Added to each point's spread (cm) before weighting: no point counts without bound.
SPREAD_FLOOR = 0.02

#: The largest distance (canonical cm) between a photo's shape and its person's (measured).
MAX_DISTANCE = 0.185


def _weights() -> np.ndarray:
    return 1.0 / (np.asarray(SPREAD_CM, dtype=np.float64) ** 2 + SPREAD_FLOOR ** 2)


def shape_of(points_per_view: Iterable[np.ndarray], topology) -> np.ndarray | None:
    """A capture's face shape: the median over its views of the mesh points' canonical x and y,
    (468, 2); None when no view can be aligned."""
    shapes = []
    for points in points_per_view:
        try:
            shapes.append(to_canonical(points, topology)[:, :2])
        except ValueError:
            continue
    return np.median(shapes, axis=0) if shapes else None


def shape_of_views(views: Sequence[LandmarkView], topology) -> np.ndarray | None:
    return shape_of((v.points for v in views), topology)


def distance(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted RMS distance (canonical cm) between two shapes' points."""
    w = _weights() if weights is None else np.asarray(weights, dtype=np.float64)
    d2 = np.sum((np.asarray(a) - np.asarray(b)) ** 2, axis=1)
    return float(np.sqrt(np.sum(w * d2) / np.sum(w)))


@dataclass(frozen=True)
class IdentityMatch:
    same: bool  # the new face is taken for the profile's person
    distance: float  # its shape's RMS distance from the profile's, canonical cm
    limit: float
    compared_with: int  # the profile's captures whose shapes were used


def matches_profile(shape: np.ndarray, profile_shapes: Sequence[np.ndarray],
                    limit: float = MAX_DISTANCE) -> IdentityMatch:
    """Whether a new face's ``shape`` is the person of ``profile_shapes`` (their captures'
    shapes): its distance from their median. A profile with no shapes matches anything."""
    shapes = [s for s in profile_shapes if s is not None]
    if not shapes:
        return IdentityMatch(True, 0.0, limit, 0)
    d = distance(shape, np.median(shapes, axis=0))
    return IdentityMatch(d <= limit, d, limit, len(shapes))
