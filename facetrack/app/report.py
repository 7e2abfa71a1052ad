"""The report page and its downloads: the self-contained HTML report and every capture as
CSV, JSON or Parquet (the same files as ``facetrack report`` and ``facetrack export``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.responses import Response

from facetrack.app import pages
from facetrack.app.common import plain, render, shown_dir, shown_profile
from facetrack.errors import FacetrackError


def preview(root, name: str) -> dict:
    """What the report says, in the same words: the summary of the trends and what changed
    between the baseline and the latest photo."""
    from facetrack.report.pictures import pair_caption
    from facetrack.report.summary import metric_trends, plain_summary
    from facetrack.report.wording import failed_captures_sentence
    from facetrack.stats.compare import choose_pair, compare_captures
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    with Store.open(root, read_only_ok=True) as store:
        captures = store.captures(name)
        if len(captures) < 2:
            return {"summary": None, "pair": None, "failed": None}
        mdc = Calibration(*store.repeatability(name)).mdc
        before, after = choose_pair(captures, store.baseline(name), name)
    caption = pair_caption(compare_captures(before, after, mdc=mdc), before, after)
    return {"summary": plain_summary(captures, metric_trends(captures, mdc)),
            "pair": caption,
            "failed": failed_captures_sentence(captures)}


def report(request, message=None, error=False, status=200):
    return render(request, "Report", pages.REPORT, status=status, message=message, error=error,
                  **preview(shown_dir(request), shown_profile(request)))


def download(request):
    from facetrack.report.export import FORMATS, export_captures
    from facetrack.store import Store

    what = request.path_params["what"]
    name = shown_profile(request)
    with Store.open(shown_dir(request), read_only_ok=True) as store, tempfile.TemporaryDirectory() as tmp:
        captures = store.captures(name)
        try:
            if what == "report.html":
                from facetrack.report.html import render_report
                from facetrack.stats.compare import choose_pair

                baseline = store.baseline(name)
                before, after = choose_pair(captures, baseline, name)
                views = {c.id: store.landmark_views(c.id) for c in (before, after)}
                html = render_report(captures, views, request.app.state.models.topology(), profile=name,
                                     baseline_id=baseline.id, before_id=before.id, after_id=after.id)
                data, media = html.encode(), "text/html"
            else:
                stem, _, fmt = what.partition(".")
                if stem != "captures" or fmt not in FORMATS:
                    return plain("no such download", 404)
                data = export_captures(captures, Path(tmp) / what, fmt).read_bytes()
                media = {"csv": "text/csv", "json": "application/json"}.get(fmt, "application/octet-stream")
        except FacetrackError as exc:
            return report(request, str(exc), True, 400)
    return Response(data, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}-{what}"'})
