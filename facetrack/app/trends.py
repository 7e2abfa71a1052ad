"""The trends page: each headline metric's captures over time, its noise band, baseline and
trend, drawn on the server as SVG panels, and every metric's verdict in a table."""

from __future__ import annotations

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, render


def trends(request):
    from facetrack.metrics import ALL_METRICS, HEADLINE, SILHOUETTE, get_metric
    from facetrack.metrics.labels import GROUP_LABELS
    from facetrack.report.charts import panel_series
    from facetrack.report.summary import metric_trends, plain_summary
    from facetrack.report.svg_chart import panels_svg
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    name = current_profile(request)
    every = request.query_params.get("all") == "1"
    with Store.open(data_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
        mdc = Calibration(*store.repeatability(name)).mdc
    if len(captures) < 2:
        return render(request, "Trends", pages.TRENDS, summary=f"profile {name!r} has {len(captures)} "
                      "captures: trends need at least 2", groups=[], every=every, trends=[])
    found = metric_trends(captures, mdc)
    chosen = ALL_METRICS if every else [*(get_metric(n) for n in HEADLINE), *SILHOUETTE[:3]]
    panels = panel_series(captures, metrics=chosen, baseline_id=baseline.id, noise=mdc)
    groups = [(GROUP_LABELS[group], svgs) for group, svgs in panels_svg(panels)]
    return render(request, "Trends", pages.TRENDS, summary=plain_summary(captures, found), groups=groups,
                  every=every, trends=found)
