"""Where a photo goes in a picture: the similarity that lines a face up with the standard
crop (before/after, the flicker GIF, the time-lapse).

For pictures only: metrics never use this alignment, they are pose-normalized on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrack.metrics.geometry import fit_similarity
from facetrack.topology import FaceTopology

#: Landmark groups that barely move with expression or the changes facetrack tracks: the
#: eye corners and the nose's ridge. Pictures are aligned on these.
STABLE_GROUPS = ("eye_outer_corner_right", "eye_inner_corner_right", "eye_outer_corner_left",
                 "eye_inner_corner_left", "nose_ridge")


def similarity_fit(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity (rotation, uniform scale, translation) that best maps src onto dst,
    as an affine matrix for OpenCV (``metrics.geometry.fit_similarity``, unweighted).
    src and dst are (N, 2), N >= 2."""
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f"similarity_fit needs two (N, 2) arrays with N >= 2 but got {src.shape}, {dst.shape}")
    if float(((src - src.mean(axis=0)) ** 2).sum()) <= 1e-12:
        raise ValueError("the source points are collapsed")
    fit = fit_similarity(src, dst)
    return np.hstack([fit.scale * fit.rotation, fit.translation[:, None]])


def apply_affine(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, np.float64)[:, :2]
    return pts @ m[:, :2].T + m[:, 2]


@dataclass(frozen=True)
class Crop:
    """The standard frame pictures are aligned into: the canonical face's stable points,
    scaled so the eyes (outer corners) are ``eye_span`` of the width apart."""

    width: int = 480
    height: int = 600
    eye_span: float = 0.42
    eye_height: float = 0.40  # the eye corners' height, as a fraction of the crop's height


def stable_ids(topology: FaceTopology) -> np.ndarray:
    return np.concatenate([topology.idx(name) for name in STABLE_GROUPS])


def template(topology: FaceTopology, crop: Crop = Crop()) -> np.ndarray:
    """Where the stable landmarks go in the crop (from the canonical mesh, frontal)."""
    ids = stable_ids(topology)
    flip_y = np.array([1.0, -1.0])  # canonical x is the subject's left = image right; y is up
    canon = topology.canonical[ids, :2] * flip_y
    right = topology.canonical[topology.point("eye_outer_corner_right"), :2] * flip_y
    left = topology.canonical[topology.point("eye_outer_corner_left"), :2] * flip_y
    scale = crop.eye_span * crop.width / float(np.linalg.norm(left - right))
    centre = (left + right) / 2
    return (canon - centre) * scale + np.array([crop.width / 2, crop.eye_height * crop.height])


def alignment(points: np.ndarray, topology: FaceTopology, crop: Crop = Crop()) -> np.ndarray:
    """The 2x3 similarity taking a face's image pixels into the standard crop."""
    pts = np.asarray(points, np.float64)
    return similarity_fit(pts[stable_ids(topology), :2], template(topology, crop))
