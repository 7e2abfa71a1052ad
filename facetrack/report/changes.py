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

from dataclasses import dataclass

from facetrack.metrics import Metric
from facetrack.metrics.labels import VERDICTS, format_change, format_noise, unit
from facetrack.stats.trends import DAYS_PER_PERIOD


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
    low: float | None = None  # the interval of the change at the family's level (trends only)
    high: float | None = None
    verdict_words: str | None = None  # "cannot tell" where the pair is not comparable

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
        return self.verdict_words or VERDICTS[self.beyond_noise]

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


def trend_change(found) -> ChangeFigure | None:
    """The change over all captures of a ``summary.MetricTrend`` (None without a trend)."""
    return _trend_figure(found.metric, found.trend, found.noise)


def panel_change(panel) -> ChangeFigure | None:
    """The same figure for a chart's ``charts.PanelSeries`` (its trend over all its captures)."""
    return _trend_figure(panel.metric, panel.trend, panel.level)


def _trend_figure(metric, trend, noise: float) -> ChangeFigure | None:
    """A ``verdicts.TrendVerdict``'s figure: the fitted change over the measure's own span,
    its interval at the family's level and its verdict (None without a trend)."""
    if trend is None or trend.change is None:
        return None
    return ChangeFigure(metric, trend.change, noise, trend.beyond_noise, f"over {period_words(trend.span_days)}",
                        trend.low, trend.high)


def pair_change(measure, before, after) -> ChangeFigure:
    """The change between two captures of a ``verdicts.MeasureVerdict`` (``before``/``after``:
    the captures); its verdict is the pair's ("cannot tell" when they are not comparable)."""
    noise = measure.smallest_real_change
    return ChangeFigure(measure.metric, measure.change, noise if noise is not None else float("nan"),
                        measure.beyond_noise,
                        f"from {before.taken_at.date().isoformat()} to {after.taken_at.date().isoformat()}",
                        verdict_words=measure.verdict if measure.verdict not in VERDICTS.values() else None)
