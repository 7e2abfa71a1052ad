"""Each metric's trend over a profile's captures, and the plain-language paragraph on top of
the trends page and the report ("Over 11 weeks: Mid-face width rose 8.6 % of eye distance,
more than the noise. Jaw and Symmetry: unchanged within noise."). Each change is given as
``changes.trend_change`` gives it, in the metric's shown unit: the same figure as the
trends table, the charts and the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from facetrack.metrics import ALL_METRICS, HEADLINE, Metric
from facetrack.metrics.labels import GROUP_LABELS
from facetrack.records import Capture, Repeatability
from facetrack.report.changes import period_words, trend_change
from facetrack.report.charts import GROUP_ORDER, panel_series
from facetrack.stats.trends import days_since
from facetrack.stats.verdicts import NOT_MEASURED, TOO_FEW, TrendVerdict, comparable_series

#: At most this many changed metrics are named in the summary; the rest are counted.
MAX_NAMED = 4


@dataclass(frozen=True)
class MetricTrend:
    """A metric's trend over the captures (a ``verdicts.TrendVerdict``; None without one:
    values on fewer than 3 days), its smallest real change between two photos (``noise``)
    and whether the trend's family test calls it beyond noise."""

    metric: Metric
    trend: TrendVerdict | None
    noise: float
    beyond_noise: bool
    span_days: float = 0.0
    measured: bool = True  # False: no capture has a value

    @property
    def verdict(self) -> str:
        """The trend's verdict: beyond or within noise, too few photos, or not measured."""
        if self.trend is not None:
            return self.trend.verdict
        return TOO_FEW if self.measured else NOT_MEASURED

    @property
    def change(self) -> float:
        """The fitted change from the metric's first value to its last, in the metric's units."""
        return self.trend.change if self.trend else float("nan")


def metric_trends(captures: Sequence[Capture], repeats: Mapping[str, Repeatability] | None = None, *,
                  baseline_id: int | None = None) -> list[MetricTrend]:
    """Every metric's ``MetricTrend`` (at least 2 captures); ``repeats``: the profile's
    repeatability calibration. The trends and the smallest real changes are the charts' own
    (``charts.panel_series``)."""
    panels = {p.metric.name: p for p in panel_series(captures, metrics=ALL_METRICS, baseline_id=baseline_id,
                                                     repeats=repeats)}
    span = float(np.ptp(days_since([c.taken_at for c in captures])))
    out = []
    for metric in ALL_METRICS:
        panel = panels.get(metric.name)  # None: no capture has a value
        trend = panel.trend if panel else None
        noise_level = panel.level if panel else float("nan")
        out.append(MetricTrend(metric, trend, noise_level, bool(trend and trend.beyond_noise),
                               trend.span_days if trend else span, panel is not None))
    return out


def describe_change(found: MetricTrend) -> str:
    """One metric's fitted change over all captures in words: "Mid-face width rose 8.6 % of
    eye distance" (``changes.trend_change``)."""
    return trend_change(found).words


def plain_summary(captures: Sequence[Capture], trends: Sequence[MetricTrend], *,
                  baseline: Capture | None = None) -> str:
    """The one-paragraph summary of a profile's trends, in plain words.

    Names the metrics whose change over the whole span is beyond noise (headline metrics
    first, at most ``MAX_NAMED``), then the groups in which nothing changed beyond noise.
    A group without a trend (fewer than 3 values, e.g. no silhouette values) is not called
    unchanged: it is said to have too few values. Photos that cannot be compared with the
    ``baseline`` (``verdicts.comparable_series``) are named: the trends leave them out.
    """
    if len(captures) < 2:
        return f"{len(captures)} capture{'s' if len(captures) != 1 else ''}: trends need at least 2."
    span = float(np.ptp(days_since([c.taken_at for c in captures])))
    period = period_words(span)
    parts = [f"{len(captures)} captures from {captures[0].taken_at.date()} to {captures[-1].taken_at.date()}."]
    changed = sorted((t for t in trends if t.beyond_noise),
                     key=lambda t: (t.metric.name not in HEADLINE, t.trend.p))
    if changed:
        named = "; ".join(describe_change(t) + ("" if period_words(t.span_days) == period
                                                 else f" over {period_words(t.span_days)}")
                          for t in changed[:MAX_NAMED])
        more = len(changed) - MAX_NAMED
        parts.append(f"Over {period}: {named}" + (f"; and {more} more" if more > 0 else "")
                     + (", more than the noise." if len(changed) == 1 else ", each more than the noise."))
    steady, sparse = [], []
    for group in GROUP_ORDER:
        members = [t for t in trends if t.metric.group == group]
        if not members or any(t.beyond_noise for t in members):
            continue
        if any(t.trend is not None for t in members):
            steady.append(GROUP_LABELS[group].split(" (")[0])
        else:
            sparse.append(GROUP_LABELS[group])
    if steady:
        parts.append(f"{_join(steady)}: unchanged within noise" + ("." if changed else f" over {period}."))
    if sparse:
        parts.append(f"{_join(sparse)}: too few values for a trend.")
    left = comparable_series(captures, baseline)[1]
    if left:
        which = "; ".join(f"{c.taken_at.date().isoformat()} ({why})" for c, why in left[:3])
        more = f" and {len(left) - 3} more" if len(left) > 3 else ""
        parts.append(f"Not counted in the trends, as they cannot be compared with the baseline photo: {which}{more}.")
    return " ".join(parts)


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
