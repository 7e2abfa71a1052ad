"""The photos page: every capture of the profile, upload (the same import as the CLI's),
baseline and delete, and each capture's photo and thumbnail, served by capture id only (no
path from the browser reaches the file system)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.responses import FileResponse, RedirectResponse, Response

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, no_such_capture, render
from facetrack.errors import FacetrackError, ReportError, shown

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
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


async def upload(request):
    from facetrack.ingest.importer import import_photos
    from facetrack.store import Store

    name = current_profile(request)
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES:
        return photos(request, f"refused: the upload is over {MAX_UPLOAD_BYTES // 2**20} MB", True, 413)
    form = await request.form(max_files=64)
    files = [f for f in form.getlist("photos") if hasattr(f, "read")]
    if not files:
        return photos(request, "choose one or more photos first", True, 400)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, item in enumerate(files):
            safe = "".join(ch for ch in Path(item.filename or "photo").name if ch.isalnum() or ch in "._-")
            path = Path(tmp) / f"{i:03d}-{safe or 'photo'}"
            path.write_bytes(await item.read())
            paths.append(path)
        with Store.open(data_dir(request)) as store:
            report = import_photos(paths, store=store, measurer=request.app.state.models.measurer(), profile=name)

    def label(path):
        return shown(path.name.split("-", 1)[1])

    lines = [f"imported {label(p)} as capture {cid}" for p, cid in report.imported]
    lines += [f"{label(p)}: already imported as capture {cid}" for p, cid in report.duplicates]
    lines += [f"refused {label(p)}: {why}" for p, why in report.rejected]
    return photos(request, "; ".join(lines), bool(report.rejected), 400 if report.rejected else 200)


async def delete(request):
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


async def set_baseline(request):
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
