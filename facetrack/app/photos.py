"""The photos page: every capture of the profile, upload (the same import as the CLI's),
baseline and delete, and each capture's photo and thumbnail, served by capture id only (no
path from the browser reaches the file system)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, no_such_capture, render
from facetrack.app.uploads import Refused, save_uploads
from facetrack.errors import FacetrackError, ReportError, shown

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # one upload, all its photos together
MAX_UPLOAD_FILES = 64
THUMBNAILS_KEPT = 1024


def photos(request, message=None, error=False, status=200):
    from facetrack.stats.trends import silhouette_summary
    from facetrack.store import Store

    name = current_profile(request)
    with Store.open(data_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
    return render(request, "Photos", pages.PHOTOS, status=status, message=message, error=error,
                  captures=captures, baseline_id=baseline.id if baseline else None,
                  silhouettes=silhouette_summary(captures))


def _import(root, uploads, measurer, profile):
    """Import the uploaded files (in a worker thread: it measures each photo)."""
    from facetrack.ingest.importer import import_photos
    from facetrack.store import Store

    with Store.open(root) as store:
        return import_photos([u.path for u in uploads], store=store, measurer=measurer, profile=profile)


async def upload(request):
    """The photos of the form, streamed into the app's scratch folder (at most
    ``MAX_UPLOAD_BYTES`` in all, chunked or not), imported off the event loop, then removed."""
    name = current_profile(request)
    try:
        with request.app.state.scratch.request_folder() as folder:
            try:
                uploads = await save_uploads(request, folder, field="photos", limit=MAX_UPLOAD_BYTES,
                                             max_files=MAX_UPLOAD_FILES)
            except Refused as exc:
                return await run_in_threadpool(photos, request, f"refused: {exc.sentence}", True, exc.status)
            if not uploads:
                return await run_in_threadpool(photos, request, "choose one or more photos first", True, 400)
            measurer = await run_in_threadpool(request.app.state.models.measurer)
            report = await run_in_threadpool(_import, data_dir(request), uploads, measurer, name)
    except OSError as exc:  # the data dir cannot take the upload (a full or read-only disk)
        return await run_in_threadpool(photos, request, "refused: the upload cannot be written in "
                                       f"{data_dir(request)} ({exc.strerror or exc})", True, 503)
    shown_as = {u.path: shown(u.name or "photo") for u in uploads}
    lines = [f"imported {shown_as[p]} as capture {cid}" for p, cid in report.imported]
    lines += [f"{shown_as[p]}: already imported as capture {cid}" for p, cid in report.duplicates]
    lines += [f"refused {shown_as[p]}: {why}" for p, why in report.rejected]
    return await run_in_threadpool(photos, request, "; ".join(lines), bool(report.rejected),
                                   400 if report.rejected else 200)


def delete(request):
    from facetrack.store import Store

    cid, name = int(request.path_params["cid"]), current_profile(request)
    try:
        with Store.open(data_dir(request)) as store:
            if cid not in {c.id for c in store.captures(name)}:
                raise ReportError(f"profile {name!r} has no capture {cid}")
            store.delete_capture(cid)
    except FacetrackError as exc:
        return photos(request, str(exc), True, 400)
    return RedirectResponse("/photos", status_code=303)


def set_baseline(request):
    from facetrack.store import Store

    cid, name = int(request.path_params["cid"]), current_profile(request)
    try:
        with Store.open(data_dir(request)) as store:
            store.set_baseline(name, cid)
    except FacetrackError as exc:
        return photos(request, str(exc), True, 400)
    return RedirectResponse("/photos", status_code=303)


def stored_capture(request):
    """The capture ``{cid}`` of the request's profile, or None."""
    from facetrack.store import Store

    with Store.open(data_dir(request), read_only_ok=True) as store:
        return store.capture(current_profile(request), int(request.path_params["cid"]))


def photo(request):
    capture = stored_capture(request)
    if capture is None:
        return no_such_capture()
    return FileResponse(capture.image_path, headers={"cache-control": "private, max-age=3600"})


def thumbnail(request):
    from facetrack.report.pictures import thumbnail_jpeg

    capture = stored_capture(request)
    if capture is None:
        return no_such_capture()
    thumbnails = request.app.state.thumbnails  # by the photo's sha256: a photo never changes under its hash
    if capture.sha256 not in thumbnails:
        if len(thumbnails) >= THUMBNAILS_KEPT:
            thumbnails.clear()
        thumbnails[capture.sha256] = thumbnail_jpeg(capture.image_path)
    return Response(thumbnails[capture.sha256], media_type="image/jpeg",
                    headers={"cache-control": "private, max-age=3600"})
