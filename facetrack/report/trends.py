"""Trend charts: one panel per metric, a point per capture with its spread, a fitted line.

``trend_figure`` returns a matplotlib Figure and never shows or saves it; ``save_figure``
writes it (format from the file suffix: png, svg or pdf).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ReportError
from ..metrics import HEADLINE, Metric, get_metric
from ..store import Capture
from ..trends import DAYS_PER_PERIOD, days_since, linear_trend

GROUP_TITLES = {"jaw": "Jaw", "midface": "Mid-face", "symmetry": "Symmetry"}
MARKERS = {"left": "o", "right": "s", None: "D"}


def _side(metric: Metric) -> str | None:
    for side in ("left", "right"):
        if metric.name.endswith("_" + side):
            return side
    return None


def trend_figure(captures: Sequence[Capture], *, metrics: Sequence[Metric] | None = None,
                 title: str | None = None):
    """Build the trend chart of a profile's captures (needs at least 2 captures).

    ``metrics`` defaults to the headline metrics (``facetrack.metrics.HEADLINE``); pass
    ``REGISTRY`` for every metric.
    """
    from matplotlib.figure import Figure
    import matplotlib.dates as mdates

    if len(captures) < 2:
        raise ReportError(
            f"a trend chart needs at least 2 captures, this profile has {len(captures)}"
        )
    times = [c.taken_at for c in captures]
    days = days_since(times)
    if metrics is None:
        metrics = [get_metric(name) for name in HEADLINE]
    metrics = [m for m in metrics if any(m.name in c.metrics for c in captures)]
    ncols = 2
    nrows = int(np.ceil(len(metrics) / ncols))
    fig = Figure(figsize=(11, 3.0 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics):
        values = np.array([c.metrics[metric.name].value if metric.name in c.metrics else np.nan
                           for c in captures])
        spreads = np.array([(c.metrics[metric.name].spread or 0.0) if metric.name in c.metrics
                            else np.nan for c in captures])
        ax.errorbar(times, values, yerr=np.nan_to_num(spreads), fmt=MARKERS[_side(metric)],
                    color="black", ecolor="0.5", capsize=3, markersize=5, linestyle="none",
                    label="capture (median ± spread)", gid=f"points:{metric.name}")
        if np.isfinite(values).sum() >= 3:
            trend = linear_trend(days, values)
            fit = trend.intercept + trend.slope * days / DAYS_PER_PERIOD
            ax.plot(times, fit, linestyle="--", color="0.2",
                    label=f"trend {trend.slope:+.3g}/4 wk [{trend.ci_low:+.2g}, {trend.ci_high:+.2g}]",
                    gid=f"trend:{metric.name}")
        ax.set_title(f"{GROUP_TITLES.get(metric.group, metric.group)}: {metric.name}", fontsize=10)
        ax.set_ylabel(metric.units, fontsize=8)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        ax.tick_params(axis="y", labelsize=8)
        ax.legend(fontsize=7, loc="best")
        ax.grid(True, color="0.9")
    for ax in axes[len(metrics):]:
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
