"""The report page and its downloads: the self-contained HTML report and every capture as
CSV, JSON or Parquet (the same files as ``facetrack report`` and ``facetrack export``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.responses import Response

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, plain, render
from facetrack.errors import FacetrackError


def report(request):
    return render(request, "Report", pages.REPORT)


def download(request):
    from facetrack.report.export import FORMATS, export_captures
    from facetrack.store import Store

    what = request.path_params["what"]
    name = current_profile(request)
    with Store.open(data_dir(request), read_only_ok=True) as store, tempfile.TemporaryDirectory() as tmp:
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
            return render(request, "Report", pages.REPORT, message=str(exc), error=True, status=400)
    return Response(data, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}-{what}"'})
