"""Sensitivity of the metrics to known changes, and their repeat noise, on a real photo.

A known synthetic change (see ``warps``) is applied to a portrait at several amounts. Each
changed photo is measured exactly as an import measures it (robust estimate over the
augmented views). The *expected* change of a metric is its change when the same warp moves
the landmarks of the unaltered photo directly; the *measured* change is what the model
reports on the changed photo. Their ratio is the recovery (1 = the model follows the
change fully).

The noise a change must exceed is the minimal detectable change of the robust estimate,
MDC95 = 1.96 x sqrt(2) x SD, where SD is measured by re-measuring the photo under
capture-like perturbations (small rotation and scale, brightness, JPEG quality): the
spread two captures of an unchanged face show.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import warps
from .metrics import compute_metrics

MDC_FACTOR = 1.96 * np.sqrt(2.0)


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

    def recovery(self, metric: str) -> float:
        return self.measured[metric] / self.expected[metric]


def capture_like(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo as a repeated capture would give it: small rotation, scale, light, JPEG."""
    import cv2
    from PIL import Image

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-2.5, 2.5), rng.uniform(0.94, 1.06))
    out = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = np.clip(out.astype(np.float32) * rng.uniform(0.9, 1.1), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=int(rng.integers(75, 96)))
    return np.asarray(Image.open(buf).convert("RGB"))


def _values(measurer, image) -> dict[str, float]:
    return {k: v.value for k, v in measurer.measure_photo(image).metrics.items()}


def repeat_noise(measurer, image: np.ndarray, *, repeats: int = 8, seed: int = 0) -> dict[str, float]:
    """MDC95 of every metric's robust estimate from ``repeats`` capture-like copies."""
    rng = np.random.default_rng(seed)
    rows = [_values(measurer, capture_like(image, rng)) for _ in range(repeats)]
    return {k: float(MDC_FACTOR * np.std([r[k] for r in rows], ddof=1)) for k in rows[0]}


def responses(measurer, image: np.ndarray, case: Case) -> list[Response]:
    """Expected and measured metric changes for each amount of one case."""
    base = measurer.landmarker.detect(image)
    if base is None:
        raise ValueError("no face found in the portrait")
    measured_base = _values(measurer, image)
    exact_base = compute_metrics(base.points, measurer.topology)
    out = []
    for amount in case.amounts:
        warp = case.warp(base.points, measurer.topology, amount)
        exact = compute_metrics(warps.warp_points(base.points, warp), measurer.topology)
        measured = _values(measurer, warps.warp_image(image, warp))
        out.append(Response(
            case.name, amount,
            {k: exact[k] - exact_base[k] for k in exact},
            {k: measured[k] - measured_base[k] for k in measured},
        ))
    return out


def unrelated(response: Response, mdc: dict[str, float], *, fraction: float = 0.1) -> list[str]:
    """Metrics the warp leaves (nearly) unchanged by geometry: expected change < 10 % of MDC."""
    return [k for k, d in response.expected.items() if abs(d) < fraction * mdc[k]]
