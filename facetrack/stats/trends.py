"""Trend statistics over a series of captures (pure numpy; no plotting, no I/O)."""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from dataclasses import dataclass
from typing import Sequence

import numpy as np

DAYS_PER_PERIOD = 28.0  # trends are reported in units per 4 weeks


@dataclass(frozen=True)
class Trend:
    """Least-squares line through (time, value).

    slope: units per 4 weeks; ci_low/ci_high: its 95 % confidence interval (Student t);
    residual_sd: SD of the residuals around the line; n: number of points.
    """

    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    residual_sd: float
    n: int

    @property
    def significant(self) -> bool:
        """True when the 95 % interval of the slope excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


def days_since(times: Sequence[dt.datetime], origin: dt.datetime | None = None) -> np.ndarray:
    origin = origin or min(times)
    return np.array([(t - origin).total_seconds() / 86400.0 for t in times])


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    out = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            out *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return out


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), for 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


@lru_cache(maxsize=256)
def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Solved by bisection on the t CDF (the incomplete beta function), to 1e-12; it equals
    ``scipy.special.stdtrit(df, q)`` (checked by a test), without scipy's second of import.
    """
    if not (0.0 < q < 1.0) or not df > 0:
        raise ValueError(f"t_quantile needs 0 < q < 1 and df > 0, but got q={q}, df={df}")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    target = 2.0 * (1.0 - q)  # the two-sided tail I_{df/(df+t^2)}(df/2, 1/2) at the quantile

    def tail(t: float) -> float:
        return _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))

    low, high = 0.0, 1.0
    while tail(high) > target:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if tail(mid) > target:
            low = mid
        else:
            high = mid
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2.0


def linear_trend(days: Sequence[float], values: Sequence[float]) -> Trend:
    """Fit value = intercept + slope * (days / 28). Needs at least 3 points at 2+ times."""
    x = np.asarray(days, dtype=np.float64) / DAYS_PER_PERIOD
    y = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        raise ValueError("a trend needs at least 3 captures on different days")
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - (intercept + slope * x)
    sd = float(np.sqrt((resid ** 2).sum() / (n - 2)))
    half = float(t_quantile(0.975, n - 2) * sd / np.sqrt(sxx))
    return Trend(slope, intercept, slope - half, slope + half, sd, n)


def silhouette_summary(captures) -> str:
    """How many captures have silhouette values (they need a plain background), in one line:
    ``stats.silhouette.silhouette_summary``, which agrees with each capture's state."""
    from facetrack.stats.silhouette import silhouette_summary

    return silhouette_summary(captures)
