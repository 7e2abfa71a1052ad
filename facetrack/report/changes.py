"""One figure per measure and period: how much a metric changed, as every sentence, table,
chart caption and report line gives it.

A change is given in the metric's shown unit (``metrics.labels``: "+1.4°", "+8.6 % of eye
distance"), never as a percentage of the starting value, so a sentence and a table agree
digit for digit. There are two periods, each with its own figure:

- the trend over all captures (``trend_change``): the fitted line's change from the first
  capture to the last (slope x span), with the 95 % interval of that change; the trends
  page, its charts, the summary paragraph and the report's trends give this one;
- two chosen captures (``pair_change``): the later value minus the earlier one; the
  before/after page, its figure and the report's before/after give this one.

Both carry their smallest real change (MDC95) and the verdict, in the same unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from facetrack.metrics import Metric
from facetrack.metrics.labels import VERDICTS, format_change, format_noise, unit
from facetrack.stats.trends import DAYS_PER_PERIOD, trend_beyond_noise


def period_words(span_days: float) -> str:
    """A span as a sentence gives it: "11 weeks", "1 week", "5 days"."""
    weeks = round(span_days / 7)
    if weeks:
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    days = round(span_days)
    return f"{days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class ChangeFigure:
    """A metric's change over one period, in its stored units (``change``, ``noise``, ``low``,
    ``high``); the properties give it in words, in the shown unit."""

    metric: Metric
    change: float
    noise: float  # the smallest real change (MDC95); inf or nan: unknown
    beyond_noise: bool
    period: str  # "over 11 weeks", "from 2026-01-05 to 2026-03-23"
    low: float | None = None  # the 95 % interval of the change (trends only)
    high: float | None = None

    @property
    def text(self) -> str:
        """The change, signed, with its unit: "+1.4°"."""
        return format_change(self.metric, self.change)

    @property
    def noise_text(self) -> str:
        return format_noise(self.metric, self.noise)

    @property
    def range_text(self) -> str | None:
        """The 95 % interval of the change: "+0.8 to +2.0°" (None without one)."""
        if self.low is None or self.high is None:
            return None
        return f"{format_change(self.metric, self.low, with_unit=False)} to {format_change(self.metric, self.high)}"

    @property
    def range_numbers(self) -> str | None:
        """The 95 % interval without its unit, for where the unit was just given: "+0.8 to +2.0"."""
        if self.low is None or self.high is None:
            return None
        return (f"{format_change(self.metric, self.low, with_unit=False)} to "
                f"{format_change(self.metric, self.high, with_unit=False)}")

    @property
    def verdict(self) -> str:
        return VERDICTS[self.beyond_noise]

    @property
    def words(self) -> str:
        """The change in a sentence's words, without the period: "Lower-face taper rose 1.4°"."""
        u = unit(self.metric)
        size = u.attach(u.number(abs(self.change) * u.factor))
        if float(u.number(abs(self.change) * u.factor)) == 0:
            return f"{self.metric.label} stayed the same"
        return f"{self.metric.label} {'rose' if self.change > 0 else 'fell'} {size}"

    @property
    def sentence(self) -> str:
        """The change with its period: "Lower-face taper rose 1.4° over 11 weeks"."""
        return f"{self.words} {self.period}"


def trend_beyond(trend, span_days: float, noise: float) -> bool:
    """Whether a trend's change over ``span_days`` is beyond ``noise`` (an unknown noise: no)."""
    return trend is not None and math.isfinite(noise) and trend_beyond_noise(trend, span_days, noise)


def trend_change(found) -> ChangeFigure | None:
    """The change over all captures of a ``summary.MetricTrend`` (None without a trend)."""
    trend = found.trend
    if trend is None:
        return None
    scale = found.span_days / DAYS_PER_PERIOD
    return ChangeFigure(found.metric, trend.slope * scale, found.noise, found.beyond_noise,
                        f"over {period_words(found.span_days)}", trend.ci_low * scale, trend.ci_high * scale)


def panel_change(panel) -> ChangeFigure | None:
    """The same figure for a chart's ``charts.PanelSeries`` (its trend over all its captures)."""
    if panel.trend is None:
        return None
    span = float(max(panel.days) - min(panel.days))
    scale = span / DAYS_PER_PERIOD
    trend = panel.trend
    return ChangeFigure(panel.metric, trend.slope * scale, panel.level, trend_beyond(trend, span, panel.level),
                        f"over {period_words(span)}", trend.ci_low * scale, trend.ci_high * scale)


def pair_change(change, before, after) -> ChangeFigure:
    """The change between two captures of a ``compare.Change`` (``before``/``after``: the captures)."""
    noise = change.noise if math.isfinite(change.noise) else float("nan")
    return ChangeFigure(change.metric, change.change, noise, change.beyond_noise,
                        f"from {before.taken_at.date().isoformat()} to {after.taken_at.date().isoformat()}")
