"""The trends page: each headline metric's captures over time, its noise band, baseline and
trend, drawn on the server as SVG panels, and every metric's change over all the photos in a
table; the summary, the table and the charts give one figure per measure
(``report.changes.trend_change``)."""

from __future__ import annotations

from facetrack.app import pages
from facetrack.app.common import render, shown_dir, shown_profile


def verdict_class(beyond: bool) -> str:
    return "verdict-beyond" if beyond else "verdict-within"


def measure_cells(metric) -> dict:
    """A measure's name, its sentence and its unit in words, as every table shows them."""
    from facetrack.metrics.labels import meaning, unit_words

    return {"name": metric.name, "label": metric.label, "meaning": meaning(metric), "unit_words": unit_words(metric)}


def technical(rows) -> list[tuple[str, str, str]]:
    """The collapsed "Technical details" (``partials/technical.html``): each measure's label,
    internal name and stored unit, for support and for reading the exports."""
    return [(label, name, units) for label, name, units in rows]


def trend_rows(found) -> list[dict]:
    from facetrack.metrics.labels import MISSING, format_noise
    from facetrack.report.changes import trend_change

    rows = []
    for t in found:
        figure = trend_change(t)
        rows.append({**measure_cells(t.metric), "verdict": t.verdict,
                     "verdict_class": verdict_class(bool(figure and figure.beyond_noise)),
                     "change": figure.text if figure else MISSING, "range": (figure.range_text or "") if figure else "",
                     "noise": format_noise(t.metric, t.noise), "beyond": bool(figure and figure.beyond_noise)})
    return rows


def trends(request):
    from facetrack.metrics import ALL_METRICS, HEADLINE, SILHOUETTE, SKIN, get_metric
    from facetrack.metrics.labels import GROUP_LABELS
    from facetrack.report.changes import period_words
    from facetrack.report.charts import panel_series
    from facetrack.report.summary import metric_trends, plain_summary
    from facetrack.report.svg_chart import panels_svg
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    name = shown_profile(request)
    every = request.query_params.get("all") == "1"
    with Store.open(shown_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
        calibration = Calibration(*store.repeatability(name))
    if len(captures) < 2:
        have = f"{len(captures)} photo{'s' if len(captures) != 1 else ''}"
        return render(request, "Trends", pages.TRENDS, summary=f"This profile has {have}: trends need at least 2.",
                      groups=[], every=every, rows=[], period="", technical=[])
    found = metric_trends(captures, calibration.results, baseline_id=baseline.id)
    chosen = ALL_METRICS if every else [*(get_metric(n) for n in HEADLINE), *SILHOUETTE[:3], *SKIN]
    panels = panel_series(captures, metrics=chosen, baseline_id=baseline.id, repeats=calibration.results)
    groups = [(GROUP_LABELS[group], svgs) for group, svgs in panels_svg(panels)]
    rows = sorted(trend_rows(found), key=lambda r: not r["beyond"])
    return render(request, "Trends", pages.TRENDS, summary=plain_summary(captures, found, baseline=baseline),
                  groups=groups,
                  every=every, rows=rows, period=f"(over {period_words(max(t.span_days for t in found))})",
                  technical=technical([(t.metric.label, t.metric.name, t.metric.units) for t in found]))
