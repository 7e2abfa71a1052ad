"""The trend panels as plain SVG for a web page, each capture's point carrying its hover data.

The same panels as ``charts.trend_figure`` (from ``charts.panel_series``: noise band around
the baseline, baseline line, points with their spread, rolling median, trend with the change
of ``changes.panel_change``), in the metric's shown unit (``metrics.labels``), drawn as
SVG text directly: no matplotlib, so a page is ready in milliseconds, and every point is
an element the page can hover, focus and tap. Sizes are in the SVG's own units; the page
scales each panel to its width.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from typing import Sequence

import numpy as np

from facetrack.metrics import get_metric
from facetrack.metrics.labels import NOISE_NAME, format_noise, format_reading
from facetrack.report.changes import panel_change
from facetrack.report.charts import PanelSeries, metric_side
from facetrack.report.wording import failed_checks, taken_with_failed_checks

WIDTH, HEIGHT = 520, 262
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 52, 34
#: Marker per side, as in the PNG chart: the shape carries the meaning, not colour alone.
SHAPES = {"left": "circle", "right": "square", None: "diamond"}


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 x a power of ten.

    >>> nice_ticks(0.803, 0.826)
    [0.805, 0.81, 0.815, 0.82, 0.825]
    """
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
        return [low] if np.isfinite(low) else []
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda step: abs((high - low) / step - (count - 1)))
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def date_ticks(first: dt.datetime, last: dt.datetime, count: int = 5) -> list[dt.datetime]:
    """Month starts when the span is over 60 days (every n-th month), else whole days."""
    span = (last - first).total_seconds() / 86400
    if span > 60:
        months = max(1, math.ceil(span / 30.4 / count))
        out, year, month = [], first.year, first.month + 1
        while True:
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
            tick = dt.datetime(year, month, 1, tzinfo=first.tzinfo)
            if tick > last:
                return out
            out.append(tick)
            month += months
    step = max(1, math.ceil(span / count))
    start = dt.datetime(first.year, first.month, first.day, tzinfo=first.tzinfo)
    return [start + dt.timedelta(days=step * i) for i in range(count + 2)
            if first <= start + dt.timedelta(days=step * i) <= last]


#: A capture taken with failed checks: a hollow marker (its own fill and stroke, over the page's),
#: and its legend line (the page says more on hover: ``data-failed``).
HOLLOW = ' fill="#fff" stroke="#111" stroke-width="1.4"'
SVG_LEGEND = "taken with failed checks"


def _marker(shape: str, x: float, y: float, r: float = 3.6, hollow: bool = False) -> str:
    css, paint = ("marker failed", HOLLOW) if hollow else ("marker", "")
    if shape == "circle":
        return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{r}"{paint}/>'
    if shape == "square":
        return f'<rect class="{css}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}"{paint}/>'
    return (f'<path class="{css}" d="M{x:.1f} {y - r * 1.3:.1f}L{x + r:.1f} {y:.1f}L{x:.1f} {y + r * 1.3:.1f}'
            f'L{x - r:.1f} {y:.1f}Z"{paint}/>')


def _polyline(xs, ys, css: str) -> str:
    """A line through the finite points; a missing value breaks it."""
    runs, run = [], []
    for x, y in zip(xs, ys):
        if np.isfinite(y):
            run.append(f"{x:.1f},{y:.1f}")
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return "".join(f'<polyline class="{css}" points="{" ".join(r)}"/>' for r in runs if len(r) > 1)


def _interval(panel: PanelSeries, x_of, y_of) -> str:
    """The trend's likely range: the lines through the fitted line's centre (mean time, mean
    value) with the slope's interval ends (at the family's level), shaded between them."""
    from facetrack.stats.trends import DAYS_PER_PERIOD

    trend, keep = panel.trend, np.isfinite(panel.values)
    day_mid = float(panel.days[keep].mean())
    value_mid = trend.intercept + trend.slope * day_mid / DAYS_PER_PERIOD
    ends = np.array([panel.days.min(), panel.days.max()])
    slope_low, slope_high = trend.slope_range
    low = value_mid + slope_low * (ends - day_mid) / DAYS_PER_PERIOD
    high = value_mid + slope_high * (ends - day_mid) / DAYS_PER_PERIOD
    xs, ylo, yhi = x_of(ends), y_of(low), y_of(high)
    corners = [(xs[0], yhi[0]), (xs[1], yhi[1]), (xs[1], ylo[1]), (xs[0], ylo[0])]
    change = panel_change(panel)
    return (f'<polygon class="interval" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in corners)}">'
            f'<title>{escape(f"the trend: {change.text} {change.period}, likely range {change.range_text}")}'
            '</title></polygon>')


def reading(value: float, spread: float | None, metric) -> str:
    """A point's value as the hover card shows it, in the metric's shown unit: "133.1 ± 0.8°"
    (``metric``: a Metric or its name; ``labels.format_reading``)."""
    return format_reading(get_metric(metric) if isinstance(metric, str) else metric, value, spread)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def panel_svg(panel: PanelSeries) -> str:
    """One panel as an ``<svg>`` element, in the metric's shown unit; each capture's point is a
    ``<g class="point">`` with ``data-`` attributes: capture, date, value, spread and units
    (stored, for programs), label, text (the reading a person sees), and for a
    capture taken with failed checks ``data-failed`` (the checks, in words) and a hollow
    marker (``marker failed``), with a legend line."""
    metric, captures = panel.metric, panel.captures
    values, spreads = panel.values, np.nan_to_num(panel.spreads)
    finite = np.isfinite(values)
    lows = [values[finite] - spreads[finite]]
    highs = [values[finite] + spreads[finite]]
    if np.isfinite(panel.level) and np.isfinite(panel.base_value):
        lows.append([panel.base_value - panel.level])
        highs.append([panel.base_value + panel.level])
    if panel.fit is not None:
        lows.append(panel.fit)
        highs.append(panel.fit)
    low, high = float(np.min(np.concatenate(lows))), float(np.max(np.concatenate(highs)))
    if high - low < 1e-12:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    t0 = min(c.taken_at for c in captures)
    span = max(panel.days.max() - panel.days.min(), 1.0)
    d0, d1 = panel.days.min() - span * 0.04, panel.days.max() + span * 0.04
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day):
        return LEFT + (np.asarray(day, float) - d0) / (d1 - d0) * plot_w

    def y_of(value):
        return TOP + (high - np.asarray(value, float)) / (high - low) * plot_h

    title = escape(metric.label)
    unit = metric.unit
    change = panel_change(panel)
    note = (f"change {change.period}: {change.text} (likely {change.range_numbers})"
            if change is not None else "no trend yet (needs photos on 3 different days)")
    noise = f"{NOISE_NAME}: {format_noise(metric, panel.level)}"
    failed = {c.id: failed_checks(c) for c in captures if taken_with_failed_checks(c)}
    out = [f'<svg class="panel" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-label="{title}" '
           f'data-metric="{metric.name}" xmlns="http://www.w3.org/2000/svg">',
           f'<text class="title" x="8" y="15">{title}</text>',
           f'<text class="note" x="8" y="29">{escape(note)}</text>',
           f'<text class="note" x="8" y="42">{escape(noise)}</text>',
           *([f'<g class="legend">{_marker(SHAPES[metric_side(metric)], WIDTH - RIGHT - 4, 38, hollow=True)}'
              f'<text class="note" x="{WIDTH - RIGHT - 12}" y="42" text-anchor="end">{escape(SVG_LEGEND)}</text></g>']
             if any(c.id in failed and np.isfinite(v) for c, v in zip(captures, values)) else []),
           f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
           f'<clipPath id="plot-{metric.name}"><rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>'
           '</clipPath>']
    for tick in nice_ticks(low, high):
        y = float(y_of(tick))
        out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="tick" x="{LEFT - 5}" y="{y + 3.5:.1f}" text-anchor="end">'
                   f'{round(tick * unit.factor, 9):g}</text>')
    for tick in date_ticks(t0 + dt.timedelta(days=float(d0)), t0 + dt.timedelta(days=float(d1))):
        x = float(x_of((tick - t0).total_seconds() / 86400))
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                   f'{tick.date().isoformat()}</text>')
    out.append(f'<text class="tick" transform="translate(12 {TOP + plot_h / 2:.0f}) rotate(-90)" '
               f'text-anchor="middle">{escape(unit.axis)}</text>')
    if np.isfinite(panel.level) and np.isfinite(panel.base_value):
        top, bottom = y_of(panel.base_value + panel.level), y_of(panel.base_value - panel.level)
        out.append(f'<rect class="band" x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{bottom - top:.1f}">'
                   f'<title>{escape(f"the baseline ± the {NOISE_NAME} ({format_noise(metric, panel.level)})")}'
                   '</title></rect>')
    xb = float(x_of(panel.days[panel.base_index]))
    out.append(f'<line class="baseline" x1="{xb:.1f}" x2="{xb:.1f}" y1="{TOP}" y2="{TOP + plot_h}">'
               f'<title>baseline: the photo of {captures[panel.base_index].taken_at.date().isoformat()}</title></line>')
    xs = x_of(panel.days)
    if panel.rolling is not None:
        out.append(_polyline(xs, y_of(panel.rolling), "rolling"))
    if panel.fit is not None:
        out.append(f'<g clip-path="url(#plot-{metric.name})">{_interval(panel, x_of, y_of)}</g>')
        out.append(_polyline(xs, y_of(panel.fit), "trend"))
    shape = SHAPES[metric_side(metric)]
    for capture, x, value, spread in zip(captures, xs, values, panel.spreads):
        if not np.isfinite(value):
            continue
        y = float(y_of(value))
        spread_text = "" if not np.isfinite(spread) else _fmt(spread)
        bar = ""
        if np.isfinite(spread) and spread > 0:
            y_hi, y_lo = y_of(value + spread), y_of(value - spread)
            bar = (f'<path class="bar" d="M{x:.1f} {y_hi:.1f}V{y_lo:.1f}M{x - 3:.1f} {y_hi:.1f}h6'
                   f'M{x - 3:.1f} {y_lo:.1f}h6"/>')
        checks = (f' data-failed="{escape(", ".join(failed[capture.id]))}"' if capture.id in failed else "")
        out.append(f'<g class="point" tabindex="0" data-capture="{capture.id}" '
                   f'data-date="{capture.taken_at.date().isoformat()}" data-value="{_fmt(value)}" '
                   f'data-spread="{spread_text}" data-label="{title}" data-units="{escape(metric.units)}" '
                   f'data-text="{escape(reading(value, spread, metric))}"{checks} data-x="{x:.2f}" '
                   f'data-y="{y:.2f}">{bar}{_marker(shape, x, y, hollow=capture.id in failed)}'
                   f'<circle class="target" cx="{x:.1f}" cy="{y:.1f}" r="9"/></g>')
    out.append("</svg>")
    return "".join(out)


def panels_svg(panels: Sequence[PanelSeries]) -> list[tuple[str, list[str]]]:
    """The panels as SVG, grouped: ``[(group, [svg, ...]), ...]`` in the panels' order."""
    groups: list[tuple[str, list[str]]] = []
    for panel in panels:
        if not groups or groups[-1][0] != panel.metric.group:
            groups.append((panel.metric.group, []))
        groups[-1][1].append(panel_svg(panel))
    return groups
