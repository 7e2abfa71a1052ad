"""Trend statistics over a series of captures (pure numpy/scipy; no plotting, no I/O)."""

from __future__ import annotations

import datetime as dt
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


def linear_trend(days: Sequence[float], values: Sequence[float]) -> Trend:
    """Fit value = intercept + slope * (days / 28). Needs at least 3 points at 2+ times."""
    from scipy.special import stdtrit  # the t quantile; scipy.stats takes seconds to import

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
    half = float(stdtrit(n - 2, 0.975) * sd / np.sqrt(sxx))
    return Trend(slope, intercept, slope - half, slope + half, sd, n)


def trend_beyond_noise(trend: Trend, span_days: float, mdc: float) -> bool:
    """True when the fitted change over ``span_days`` is both statistically clear (the
    slope's 95 % interval excludes zero) and larger than ``mdc``, the minimal detectable
    change of one comparison (``metrics.noise.mdc95`` of a spread, or a calibrated MDC95)."""
    change = trend.slope * span_days / DAYS_PER_PERIOD
    return trend.significant and abs(change) > mdc


def silhouette_summary(captures) -> str:
    """How many captures have silhouette values (they need a plain background), in one line."""
    n = sum(any(name.startswith("silhouette_") for name in c.metrics) for c in captures)
    return (f"silhouette values in {n} of {len(captures)} captures"
            + ("" if n == len(captures) else " (they need a plain wall behind you)"))
