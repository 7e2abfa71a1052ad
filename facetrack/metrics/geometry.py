"""Small geometric helpers shared by the metric definitions (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Similarity:
    """x -> scale * R @ x + t."""

    scale: float
    rotation: np.ndarray
    translation: np.ndarray

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.translation


def fit_similarity(src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None, *,
                   scale: bool = True) -> Similarity:
    """Weighted least-squares similarity from ``src`` to ``dst``, (N, D) arrays of the same
    shape (Umeyama, no reflection); with ``scale=False`` a rigid fit (rotation and translation).

    The one similarity fit: metrics align landmarks to the canonical face with it, the
    symmetry metrics fit a mirror image with it, and the pictures align photos with it.
    """
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    mu_s = w @ src
    mu_d = w @ dst
    s_c = src - mu_s
    d_c = dst - mu_d
    cov = (d_c * w[:, None]).T @ s_c
    u, sig, vt = np.linalg.svd(cov)
    d = np.ones(src.shape[1])
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1.0
    rotation = u @ np.diag(d) @ vt
    factor = 1.0
    if scale:
        var_s = float(w @ (s_c ** 2).sum(axis=1))
        if var_s <= 0:
            raise ValueError("landmarks are collapsed (zero spread)")
        factor = float((sig * d).sum() / var_s)
    translation = mu_d - factor * rotation @ mu_s
    return Similarity(factor, rotation, translation)


def fit_line(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total-least-squares line through 2D points: (centroid, unit direction)."""
    centroid = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - centroid)
    return centroid, vt[0]


def oriented(direction: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """``direction`` or its opposite, whichever points along ``towards``."""
    return direction if float(direction @ towards) >= 0 else -direction


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees between two vectors."""
    cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def bulge_area(contour: np.ndarray, outward: np.ndarray) -> float:
    """Signed area between a 2D contour and the chord joining its ends.

    Positive where the contour lies on the ``outward`` side of the chord.
    """
    start, end = contour[0], contour[-1]
    chord = end - start
    length = float(np.linalg.norm(chord))
    u_axis = chord / length
    h_axis = np.array([-u_axis[1], u_axis[0]])
    h_axis = oriented(h_axis, outward)
    rel = contour - start
    u = rel @ u_axis
    h = rel @ h_axis
    # Shoelace in (u, h) over the closed polygon contour -> chord (where h = 0); a bulge
    # towards +h walked with increasing u is clockwise, hence the minus sign.
    return float(-0.5 * np.sum(u[:-1] * h[1:] - u[1:] * h[:-1]))


def rigid_residuals(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-point distances between two point sets after the best rotation + translation of ``a``.

    With ``weights`` (one per point, zeros allowed) the rigid fit is weighted least squares,
    so the residuals of points with weight 0 are measured but do not steer the fit.
    """
    w = np.ones(len(a)) if weights is None else np.asarray(weights, dtype=np.float64)
    rotation = fit_similarity(a, b, w, scale=False).rotation
    w = w / w.sum()
    residual = (a - w @ a) @ rotation.T - (b - w @ b)
    return np.sqrt((residual ** 2).sum(axis=1))


def polygon_area(points: np.ndarray) -> float:
    """Unsigned area of a closed 2D polygon (shoelace)."""
    x, y = points[:, 0], points[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))

