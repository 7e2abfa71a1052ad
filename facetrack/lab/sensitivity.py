"""Sensitivity of the metrics to known changes, and their repeat noise, on a real photo.

A known synthetic change (see ``warps``) is applied to a portrait at several amounts. Each
changed photo is measured exactly as an import measures it (robust estimate over the
augmented views). The *expected* change of a metric is its change when the same warp moves
the landmarks of the unaltered photo directly; the *measured* change is what the model
reports on the changed photo. Their ratio is the recovery (1 = the model follows the
change fully).

Where recovery falls short, ``landmark_gain`` tells why: it compares the landmarks
themselves, not a metric. It is the least-squares factor by which the model's landmarks
(the median over the views) moved along the warp's own displacement, over the landmarks
the warp moves most. A gain near the recovery means the landmark model under-follows the
change (its shape prior smooths a local change of the outline), not that the metric's
definition loses it.

The noise a change must exceed is the minimal detectable change of the robust estimate,
MDC95 = 1.96 x sqrt(2) x SD, where SD is measured by re-measuring the photo under
capture-like perturbations (small rotation and scale, brightness, JPEG quality): the
spread two captures of an unchanged face show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from facetrack.lab import warps
from facetrack.metrics import compute_metrics
from facetrack.metrics.noise import mdc95



@dataclass(frozen=True)
class Case:
    """One family of known changes: the warp, its amounts and the metrics it must move up."""

    warp: Callable[..., warps.Warp]
    amounts: tuple[float, ...]
    intended: tuple[str, ...]
    unit: str  # what ``amount`` is a fraction of

    @property
    def name(self) -> str:
        return self.warp.__name__


CASES: tuple[Case, ...] = (
    Case(warps.cheek_widening, (0.01, 0.02, 0.04), ("midface_width_ratio",), "face width per side"),
    Case(warps.cheek_bulge, (0.01, 0.02, 0.04), ("cheek_fullness_left", "cheek_fullness_right"),
         "face width (bump peak)"),
    Case(warps.lower_face_lengthening, (0.02, 0.04, 0.08), ("jaw_angle_mean",),
         "face width (chin drop)"),
    Case(warps.mouth_corner_lift, (0.02, 0.04, 0.08), ("mouth_corner_tilt",), "IOD (left corner)"),
)


@dataclass(frozen=True)
class Response:
    """The expected and measured change of every metric for one warp amount."""

    case: str
    amount: float
    expected: dict[str, float]
    measured: dict[str, float]
    landmark_gain: float = float("nan")

    def recovery(self, metric: str) -> float:
        return self.measured[metric] / self.expected[metric]


def capture_like(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo as a repeated capture would give it (see ``warps.CaptureConditions``)."""
    conditions = warps.CaptureConditions.random(rng)
    return warps.jpeg_roundtrip(conditions.apply(image), conditions.jpeg_quality)


def _values(measurement) -> dict[str, float]:
    return {k: v.value for k, v in measurement.metrics.items()}


def repeat_noise(measurer, image: np.ndarray, *, repeats: int = 8, seed: int = 0) -> dict[str, float]:
    """MDC95 of every metric's robust estimate from ``repeats`` capture-like copies."""
    rng = np.random.default_rng(seed)
    rows = [_values(measurer.measure_photo(capture_like(image, rng))) for _ in range(repeats)]
    values = {k: [r[k] for r in rows if k in r] for k in {k for r in rows for k in r}}
    return {k: mdc95(float(np.std(x, ddof=1))) for k, x in values.items() if len(x) >= 2}


def responses(measurer, image: np.ndarray, cases: tuple[Case, ...] = CASES) -> dict[str, list[Response]]:
    """Expected and measured metric changes for each amount of each case, by case name.

    The unaltered photo is measured once; its original-view landmarks define the warps.
    """
    base = measurer.measure_photo(image)
    points = base.landmarks.points
    base_robust = robust_points(base.views)
    measured_base = _values(base)
    exact_base = compute_metrics(points, measurer.topology)
    out: dict[str, list[Response]] = {}
    for case in cases:
        rows = out.setdefault(case.name, [])
        for amount in case.amounts:
            warp = case.warp(points, measurer.topology, amount)
            moved = warps.warp_points(points, warp)
            exact = compute_metrics(moved, measurer.topology)
            changed = measurer.measure_photo(warps.warp_image(image, warp))
            measured = _values(changed)
            rows.append(Response(
                case.name, amount,
                {k: exact[k] - exact_base[k] for k in exact},
                {k: measured[k] - measured_base[k] for k in measured if k in measured_base},
                landmark_gain(base_robust, robust_points(changed.views),
                              warps.warp_points(base_robust, warp)),
            ))
    return out


def robust_points(views) -> np.ndarray:
    """The per-coordinate median of a capture's landmark views: its landmarks, robustly."""
    return np.median(np.stack([v.points for v in views]), axis=0)


def landmark_gain(before: np.ndarray, after: np.ndarray, expected: np.ndarray, *,
                  moved_fraction: float = 0.25) -> float:
    """How far landmarks followed a known displacement, as a least-squares factor.

    ``before``/``after`` are the measured landmarks on the unaltered and changed photo,
    ``expected`` the unaltered landmarks moved by the warp. Over the landmarks whose
    expected (x, y) displacement is at least ``moved_fraction`` of the largest one, the
    value is sum(e . m) / sum(e . e) with e the expected and m the measured displacement:
    1 when the landmarks moved exactly as the face did, 0 when they did not move.
    """
    e = np.asarray(expected, np.float64)[:, :2] - np.asarray(before, np.float64)[:, :2]
    m = np.asarray(after, np.float64)[:, :2] - np.asarray(before, np.float64)[:, :2]
    size = np.linalg.norm(e, axis=1)
    if not np.isfinite(size).all() or size.max() <= 0:
        raise ValueError("the expected displacement is zero or not finite")
    moved = size >= moved_fraction * size.max()
    return float(np.sum(e[moved] * m[moved]) / np.sum(e[moved] ** 2))


def unrelated(response: Response, mdc: dict[str, float], *, fraction: float = 0.1) -> list[str]:
    """Metrics the warp leaves (nearly) unchanged by geometry: expected change < 10 % of MDC."""
    return [k for k, d in response.expected.items() if abs(d) < fraction * mdc[k]]
