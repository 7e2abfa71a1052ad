"""Trend statistics: the t quantile behind every trend's 95 % interval, checked against scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import stdtrit

from facetrack.stats.trends import linear_trend, t_quantile


@pytest.mark.parametrize("q", [0.9, 0.975, 0.995, 0.9999, 0.025])
def test_the_t_quantile_is_scipys(q):
    for df in [*range(1, 200), 0.5, 2.7, 1000, 1e5]:
        assert t_quantile(q, df) == pytest.approx(float(stdtrit(df, q)), rel=1e-9), df


def test_the_t_quantile_is_odd_about_the_median_and_refuses_nonsense():
    assert t_quantile(0.5, 7) == pytest.approx(0.0, abs=1e-9)
    assert t_quantile(0.1, 7) == pytest.approx(-t_quantile(0.9, 7))
    for q, df in [(0.0, 5), (1.0, 5), (0.9, 0), (0.9, -1)]:
        with pytest.raises(ValueError, match="t_quantile needs"):
            t_quantile(q, df)


def test_the_trend_interval_is_the_textbook_one():
    """slope +- t(0.975, n-2) x its standard error, as scipy.stats.linregress gives them."""
    from scipy.stats import linregress

    rng = np.random.default_rng(3)
    days = np.sort(rng.uniform(0, 200, 15))
    values = 0.8 + 0.001 * days + rng.normal(0, 0.01, 15)
    trend = linear_trend(days, values)
    ref = linregress(days / 28.0, values)
    half = float(stdtrit(13, 0.975)) * ref.stderr
    assert trend.slope == pytest.approx(ref.slope) and trend.intercept == pytest.approx(ref.intercept)
    assert (trend.ci_low, trend.ci_high) == pytest.approx((ref.slope - half, ref.slope + half))
