"""Before/after: how each metric changed between two captures, and whether beyond noise.

Pure functions over captures and landmark arrays (no files, no plotting). The alignment
here is for pictures only (before/after, the time-lapse); metrics never use it, they are
pose-normalized on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .metrics import REGISTRY, Metric
from .store import Capture
from .topology import FaceTopology

#: Landmark groups that barely move with expression or the changes facetrack tracks: the
#: eye corners and the nose's ridge. Pictures are aligned on these.
STABLE_GROUPS = ("eye_outer_corner_right", "eye_inner_corner_right", "eye_outer_corner_left",
                 "eye_inner_corner_left", "nose_ridge")


@dataclass(frozen=True)
class Change:
    metric: Metric
    before: float
    after: float
    noise: float  # MDC95 of the difference (see ``compare_captures``)
    noise_source: str = "spreads"  # "calibration" when it is the profile's repeatability MDC95

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def beyond_noise(self) -> bool:
        return abs(self.change) > self.noise

    @property
    def verdict(self) -> str:
        return "beyond noise" if self.beyond_noise else "within noise"


def noise_of_difference(spread_a: float | None, spread_b: float | None) -> float:
    """MDC95 of a difference of two measurements with these robust SDs (missing = unknown = inf)."""
    if spread_a is None or spread_b is None:
        return math.inf
    return float(1.96 * math.hypot(spread_a, spread_b))


def compare_captures(before: Capture, after: Capture, metrics: Sequence[Metric] = REGISTRY, *,
                     mdc: Mapping[str, float] | None = None) -> list[Change]:
    """Every metric both captures have, with its change, noise level and verdict.

    The noise level is the profile's repeatability MDC95 (``mdc``, from ``facetrack
    calibrate repeatability``) where there is one, else 1.96 x sqrt(spread_before^2 +
    spread_after^2) from the two captures' own spreads.
    """
    out = []
    for metric in metrics:
        a, b = before.metrics.get(metric.name), after.metrics.get(metric.name)
        if a is None or b is None:
            continue
        if mdc and metric.name in mdc:
            out.append(Change(metric, a.value, b.value, float(mdc[metric.name]), "calibration"))
        else:
            out.append(Change(metric, a.value, b.value, noise_of_difference(a.spread, b.spread)))
    return out


def similarity_fit(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity (rotation, uniform scale, translation) that best maps src onto dst.

    Least squares (Umeyama, without reflection). src and dst are (N, 2), N >= 2.
    """
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError("similarity_fit needs two (N, 2) arrays with N >= 2")
    ms, md = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - ms, dst - md
    var = float((a ** 2).sum())
    if var <= 1e-12:
        raise ValueError("the source points are collapsed")
    u, s, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    r = u @ d @ vt
    scale = float((s * np.diag(d)).sum() / var)
    t = md - scale * r @ ms
    return np.hstack([scale * r, t[:, None]])


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
