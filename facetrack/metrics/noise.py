"""Measurement noise: the minimal detectable change (MDC95), the one place it is defined.

Two measurements of an unchanged face, each with standard deviation ``sd``, differ by more
than ``1.96 x sqrt(2) x sd`` less than 5 % of the time: a difference smaller than that is
"within noise". With two different SDs the same bound is ``1.96 x sqrt(sd_a² + sd_b²)``.

Notes
-----
The SD must be in the metric's own units and describe the same kind of measurement as the
values compared (the same metric version, capture protocol and camera); an SEM from a
repeatability calibration, a capture's spread over its views, and a re-measurement SD are
all such SDs.
"""

from __future__ import annotations

import math

#: The two-sided 95 % quantile of the normal distribution.
Z95 = 1.96


def mdc95(sd: float) -> float:
    """Minimal detectable change at 95 % between two measurements with the same SD:
    1.96 x sqrt(2) x ``sd``."""
    return float(Z95 * math.sqrt(2.0) * sd)


def mdc95_of_difference(sd_a: float | None, sd_b: float | None) -> float:
    """MDC95 of a difference of two measurements with these SDs: 1.96 x sqrt(sd_a² + sd_b²).
    A missing SD means the noise is unknown: infinite, so no change is called beyond it."""
    if sd_a is None or sd_b is None:
        return math.inf
    return float(Z95 * math.hypot(sd_a, sd_b))
