"""The report page and its downloads: the self-contained HTML report and every capture as
CSV, JSON or Parquet (the same files as ``facetrack report`` and ``facetrack export``)."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response

from facetrack.app import pages
from facetrack.app.common import render, shown_dir, shown_profile
from facetrack.errors import FacetrackError


def preview(root, name: str) -> dict:
    """What the report says, in the same words: the summary of the trends and what changed
    between the baseline and the latest photo."""
    from facetrack.report.pictures import pair_caption
    from facetrack.report.summary import metric_trends, plain_summary
    from facetrack.report.wording import failed_captures_sentence
    from facetrack.stats.compare import choose_pair, judge_pair
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    with Store.open(root, read_only_ok=True) as store:
        captures = store.captures(name)
        if len(captures) < 2:
            return {"summary": None, "pair": None, "failed": None}
        repeats = Calibration(*store.repeatability(name)).results
        baseline = store.baseline(name)
        before, after = choose_pair(captures, baseline, name)
    caption = pair_caption(judge_pair(captures, before, after, repeats))
    return {"summary": plain_summary(captures, metric_trends(captures, repeats, baseline_id=baseline.id),
                                     baseline=baseline),
            "pair": caption,
            "failed": failed_captures_sentence(captures)}


#: The downloads the report page lists (``/download/<name>``); the time-lapse video is
#: ``compare.timelapse_mp4``'s.
DOWNLOADS = ("report.html", "captures.csv", "captures.json", "captures.parquet")
NO_PHOTOS = "There is nothing to download yet: this profile has no photos. Take or add a photo first."
ONE_PHOTO = "The report needs at least two photos: take or add another one first."
NO_PARQUET = ("Parquet files cannot be made here: they need the optional pyarrow package. The spreadsheet (CSV) "
              "and JSON downloads hold the same numbers.")
NO_SUCH = "There is no such download: choose one from the list below."


def photo_count(root, name: str) -> int:
    from facetrack.store import Store

    with Store.open(root, read_only_ok=True) as store:
        return len(store.captures(name)) if name in store.profiles() else 0


def report(request, message=None, error=False, status=200):
    """The report page: what the report says, and the downloads that can be made now (none for
    an empty profile, the report and the time-lapse from two photos, Parquet only with pyarrow)."""
    from facetrack.report.export import parquet_available

    root, name = shown_dir(request), shown_profile(request)
    return render(request, "Report", pages.REPORT, status=status, message=message, error=error,
                  photo_count=photo_count(root, name), parquet=parquet_available(), **preview(root, name))


def refused(request, sentence: str, status: int = 404):
    """A download that cannot be made: the report page with the sentence saying why."""
    return report(request, sentence, True, status)


def download(request):
    """One of ``DOWNLOADS`` as a file; one that cannot be made is the report page saying why."""
    from facetrack.report.export import export_captures, parquet_available, spreadsheet_csv
    from facetrack.store import Store

    what = request.path_params["what"]
    name = shown_profile(request)
    if what not in DOWNLOADS:
        return refused(request, NO_SUCH)
    if what == "captures.parquet" and not parquet_available():
        return refused(request, NO_PARQUET)
    # any file made on the way goes in the app's scratch folder in the data dir (removed on every path)
    with Store.open(shown_dir(request), read_only_ok=True) as store, request.app.state.scratch.request_folder() as tmp:
        captures = store.captures(name) if name in store.profiles() else []
        if len(captures) < (2 if what == "report.html" else 1):
            return refused(request, ONE_PHOTO if captures else NO_PHOTOS)
        try:
            if what == "report.html":
                from facetrack.report.html import render_report
                from facetrack.stats.compare import choose_pair

                from facetrack.stats.repeatability import Calibration

                baseline = store.baseline(name)
                before, after = choose_pair(captures, baseline, name)
                views = {c.id: store.landmark_views(c.id) for c in (before, after)}
                calibration = Calibration(*store.repeatability(name))
                made = calibration.made_at
                html = render_report(captures, views, request.app.state.models.topology(), profile=name,
                                     baseline_id=baseline.id, before_id=before.id, after_id=after.id,
                                     repeats=calibration.results, calibrated=made.date().isoformat() if made else None)
                data, media = html.encode(), "text/html"
            elif what == "captures.csv":  # for a spreadsheet: plain names, shown units, no paths
                data, media = spreadsheet_csv(captures).encode("utf-8-sig"), "text/csv; charset=utf-8"
            else:  # for programs: the machine names and every column
                fmt = what.partition(".")[2]
                data = export_captures(captures, Path(tmp) / what, fmt).read_bytes()
                media = {"json": "application/json"}.get(fmt, "application/octet-stream")
        except FacetrackError as exc:
            return refused(request, f"The download could not be made: {exc}", 400)
    return Response(data, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{name}-{what}"'})
