"""Trend charts: one panel per metric, points with spreads, rolling median, trend, noise band.

``trend_figure`` returns a matplotlib Figure and never shows or saves it; ``save_figure``
writes it (format from the file suffix: png, svg or pdf).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from facetrack.errors import ReportError
from facetrack.metrics import HEADLINE, Metric, get_metric
from facetrack.metrics.labels import GROUP_LABELS, NOISE_NAME, format_noise
from facetrack.records import Capture, Repeatability
from facetrack.stats.compare import judge_pair
from facetrack.stats.noise import profile_noise
from facetrack.stats.trends import DAYS_PER_PERIOD, days_since
from facetrack.stats.verdicts import TrendVerdict, trend_verdicts
from facetrack.report.changes import panel_change
from facetrack.report.wording import FAILED_LEGEND, taken_with_failed_checks

MARKERS = {"left": "o", "right": "s", None: "D"}


def metric_side(metric: Metric) -> str | None:
    """"left" or "right" for a one-sided metric (the subject's own side), else None."""
    for side in ("left", "right"):
        if metric.name.endswith("_" + side):
            return side
    return None


GROUP_ORDER = ("jaw", "midface", "symmetry", "silhouette", "skin")


def rolling_median(values: np.ndarray, window: int = 3) -> np.ndarray:
    """Centred rolling median (shorter at the ends), ignoring missing values."""
    out = np.full(len(values), np.nan)
    half = window // 2
    for i in range(len(values)):
        part = values[max(0, i - half): i + half + 1]
        part = part[np.isfinite(part)]
        if part.size:
            out[i] = np.median(part)
    return out


@dataclass(frozen=True)
class PanelSeries:
    """What one trend panel shows, for any renderer (matplotlib here, SVG in ``svg_chart``).

    ``values``/``spreads`` hold NaN where a capture has no value; ``level`` is the metric's
    smallest real change between two photos (``verdicts.smallest_real_change``; NaN: not
    known) drawn as a band of +-level around ``values[base_index]``; ``rolling`` is the
    centred 3-point rolling median (None with fewer than 3 captures); ``trend`` is the
    metric's ``verdicts.TrendVerdict`` (None without a trend: values on fewer than 3 days)
    and ``fit`` that line at each capture's time.
    """

    metric: Metric
    captures: tuple[Capture, ...]
    days: np.ndarray
    values: np.ndarray
    spreads: np.ndarray
    level: float
    base_index: int
    rolling: np.ndarray | None
    trend: TrendVerdict | None
    fit: np.ndarray | None

    @property
    def base_value(self) -> float:
        return float(self.values[self.base_index])


def panel_series(captures: Sequence[Capture], *, metrics: Sequence[Metric] | None = None,
                 baseline_id: int | None = None, repeats: Mapping[str, Repeatability] | None = None
                 ) -> list[PanelSeries]:
    """One ``PanelSeries`` per metric that has a value in any capture, grouped jaw / mid-face /
    symmetry / silhouette. ``metrics`` defaults to ``HEADLINE``; ``repeats``: the profile's
    repeatability calibration. The trends are judged as one family over every metric
    (``verdicts.trend_verdicts``, against ``noise.profile_noise`` of all the captures),
    whichever panels are drawn; the band is the smallest real change of the baseline
    against the latest capture, the before/after a page shows first (``compare.judge_pair``;
    none where that pair cannot judge the measure).
    The baseline defaults to the first capture. Needs at least 2 captures."""
    if len(captures) < 2:
        raise ReportError(
            f"a trend chart needs at least 2 captures, this profile has {len(captures)}"
        )
    baseline = next((c for c in captures if c.id == baseline_id), captures[0])
    verdicts = trend_verdicts(captures, profile_noise(captures, repeats), baseline=baseline)
    latest = captures[-1] if captures[-1].id != baseline.id else captures[0]
    band = judge_pair(captures, baseline, latest, repeats) if baseline.id != latest.id else None
    days = days_since([c.taken_at for c in captures])
    if metrics is None:
        metrics = [get_metric(name) for name in HEADLINE]
    metrics = sorted((m for m in metrics if any(m.name in c.metrics for c in captures)),
                     key=lambda m: GROUP_ORDER.index(m.group) if m.group in GROUP_ORDER else len(GROUP_ORDER))
    base_index = next((i for i, c in enumerate(captures) if c.id == baseline_id), 0)
    out = []
    for metric in metrics:
        values = np.array([c.metrics[metric.name].value if metric.name in c.metrics else np.nan
                           for c in captures])
        spreads = np.array([(c.metrics[metric.name].spread or 0.0) if metric.name in c.metrics
                            else np.nan for c in captures])
        level = next((m.smallest_real_change for m in band.measures if m.metric.name == metric.name), None) \
            if band is not None else None
        trend = verdicts.get(metric.name)
        trend = trend if trend is not None and trend.slope is not None else None
        fit = trend.intercept + trend.slope * days / DAYS_PER_PERIOD if trend else None
        out.append(PanelSeries(metric, tuple(captures), days, values, spreads,
                               float("nan") if level is None else float(level), base_index,
                               rolling_median(values) if len(captures) >= 3 else None, trend, fit))
    return out


def trend_figure(captures: Sequence[Capture], *, metrics: Sequence[Metric] | None = None,
                 title: str | None = None, baseline_id: int | None = None,
                 repeats: Mapping[str, Repeatability] | None = None):
    """Build the trend chart of a profile's captures (needs at least 2 captures).

    One panel per metric, grouped jaw / mid-face / symmetry, in the metric's shown unit
    (``metrics.labels``): a point per capture with its spread as an error bar (hollow for a
    capture taken with failed checks), a rolling median (dotted), the linear trend with its
    change over the whole period and that change's range at the family's level (dashed; the
    figure of ``changes.panel_change``), and a shaded band of +- the smallest real change
    around the baseline's value: a single photo inside the band is within noise of the
    baseline. ``repeats``: the profile's repeatability calibration (``panel_series``).
    The baseline capture (default: the first) is marked with a vertical line.
    Markers and line styles carry the meaning, not colour alone.

    ``metrics`` defaults to the headline metrics (``facetrack.metrics.HEADLINE``); pass
    ``REGISTRY`` for every metric.
    """
    from matplotlib.figure import Figure
    import matplotlib.dates as mdates

    panels = panel_series(captures, metrics=metrics, baseline_id=baseline_id, repeats=repeats)
    times = [c.taken_at for c in captures]
    days = panels[0].days if panels else days_since(times)
    ncols = 2
    nrows = max(1, int(np.ceil(len(panels) / ncols)))
    row = 4.8  # inches per row of panels: the plot, its dates and, below them, its legend (never over the data)
    fig = Figure(figsize=(11, row * nrows + 0.6))
    fig.subplots_adjust(left=0.07, right=0.96, top=1 - 0.6 / (row * nrows + 0.6), bottom=1.9 / (row * nrows + 0.6),
                        hspace=1.0, wspace=0.2)
    # a fixed locator: matplotlib's automatic date ticks cost seconds over two years of points
    months = max(1, int(np.ceil(np.ptp(days) / 30.4 / 6)))
    locator = mdates.MonthLocator(interval=months) if np.ptp(days) > 60 else mdates.AutoDateLocator(maxticks=6)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        metric, unit = panel.metric, panel.metric.unit
        level, base_value = panel.level * unit.factor, panel.base_value * unit.factor  # in the shown unit
        values, spreads = panel.values * unit.factor, np.nan_to_num(panel.spreads) * unit.factor
        if np.isfinite(level) and np.isfinite(base_value):
            ax.axhspan(base_value - level, base_value + level, color="0.88", zorder=0,
                       label=f"baseline ± {NOISE_NAME} ({format_noise(metric, panel.level)})",
                       gid=f"noise:{metric.name}")
        ax.axvline(times[panel.base_index], color="0.3", linestyle="-.", linewidth=1, label="baseline",
                   gid=f"baseline:{metric.name}")
        marker = MARKERS[metric_side(metric)]
        ax.errorbar(times, values, yerr=spreads, fmt=marker,
                    color="black", ecolor="0.5", capsize=3, markersize=5, linestyle="none",
                    label="capture (± how much its views differed)", gid=f"points:{metric.name}")
        failed = [i for i, c in enumerate(panel.captures) if taken_with_failed_checks(c) and np.isfinite(values[i])]
        if failed:  # hollow: a white face over the filled marker
            ax.plot([times[i] for i in failed], values[failed], linestyle="none", marker=marker, markersize=6.5,
                    markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.3, zorder=5,
                    label=FAILED_LEGEND, gid=f"failed:{metric.name}")
        if panel.rolling is not None:
            ax.plot(times, panel.rolling * unit.factor, linestyle=":", color="0.35", linewidth=1.5,
                    label="middle of 3 in a row", gid=f"rolling:{metric.name}")
        change = panel_change(panel)
        if change is not None:
            ax.plot(times, panel.fit * unit.factor, linestyle="--", color="0.1",
                    label=f"trend: {change.text} {change.period} (range {change.range_text})",
                    gid=f"trend:{metric.name}")
        # a fixed title position: matplotlib's automatic one measures every tick label (slow)
        ax.set_title(f"{GROUP_LABELS.get(metric.group, metric.group)}: {metric.label}", fontsize=10, y=1.01)
        ax.set_gid(f"panel:{metric.name}")
        ax.set_ylabel(unit.axis, fontsize=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        ax.tick_params(axis="y", labelsize=8)
        # below the plot, never over a point ("best" inside the plot covered the latest ones)
        ax.legend(fontsize=6.8, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        ax.grid(True, color="0.93")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(title or f"facetrack trends ({len(captures)} captures)")
    return fig


def save_figure(fig, path: str | Path) -> Path:
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ReportError(f"{path}: unsupported chart format {suffix!r} (use .png, .svg or .pdf)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path

