"""The photos page: every capture of the profile, upload (the same import as the CLI's),
baseline and delete, and each capture's photo and thumbnail, served by capture id only (no
path from the browser reaches the file system)."""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, RedirectResponse, Response

from facetrack.app import pages
from facetrack.app.common import (current_profile, data_dir, demo_shown, no_such_capture, render, shown_dir,
                                  shown_profile)
from facetrack.app.notes import back_to
from facetrack.app.uploads import Refused, save_uploads
from facetrack.ingest.dates import exif_note
from facetrack.errors import FacetrackError, ReportError, shown

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # one upload, all its photos together
MAX_UPLOAD_FILES = 64
THUMBNAILS_KEPT = 1024


def card(capture) -> dict:
    """What a photo card says about ``capture``, in words."""
    from facetrack.report.wording import failed_checks_sentence, how_taken
    from facetrack.stats.silhouette import silhouette_state

    return {"c": capture, "silhouette": silhouette_state(capture).text, "how": how_taken(capture),
            "failed": failed_checks_sentence(capture), "day": capture.taken_at.date().isoformat()}


def photos(request, message=None, error=False, status=200, ask_same_person=None):
    """The photos page; ``ask_same_person``: the sentence asking whether refused photos show the
    profile's person, with a form to send them again confirmed (None: no question)."""
    from facetrack.stats.silhouette import silhouette_summary
    from facetrack.store import Store

    name = shown_profile(request)
    with Store.open(shown_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
    return render(request, "Photos", pages.PHOTOS, status=status, message=message, error=error,
                  captures=captures, cards=[card(c) for c in captures],
                  baseline_id=baseline.id if baseline else None, silhouettes=silhouette_summary(captures),
                  today=dt.date.today().isoformat(), ask_same_person=ask_same_person)


def photos_page(request):
    """The photos page; the welcome page instead for an empty store (unless asked to add)."""
    from facetrack.app.welcome import opens_on_welcome

    if "add" not in request.query_params and "profile" not in request.query_params and opens_on_welcome(request):
        return RedirectResponse("/welcome", status_code=303)
    return photos(request)


def _refuse_demo(request):
    return photos(request, "These are example photos: they cannot be changed. Go back to your own photos first.",
                  True, 400)


MAX_DATE_FORM_BYTES = 1024


def _redated(root, name: str, cid: int, when: str):
    from facetrack.ingest.dates import redate
    from facetrack.store import Store

    with Store.open(root) as store:
        return redate(store, name, cid, when)


async def correct_date(request):
    """Correct a capture's date (``ingest.dates.redate``) from the card's form: refused with its
    sentence (400), the store unchanged, for a date that cannot be a photo's."""
    from urllib.parse import parse_qs

    from facetrack.app.uploads import read_body

    if demo_shown(request):
        return await run_in_threadpool(_refuse_demo, request)
    cid = int(request.path_params["cid"])
    try:
        body = await read_body(request, MAX_DATE_FORM_BYTES, "the date form")
        when = parse_qs(body.decode("utf-8", "strict")).get("date", [""])[0].strip()
    except Refused as exc:
        return await run_in_threadpool(photos, request, f"date not changed: {exc.sentence}", True, exc.status)
    except UnicodeDecodeError:
        return await run_in_threadpool(photos, request, "date not changed: give the date as 2026-01-05", True, 400)
    if not when:
        return await run_in_threadpool(photos, request, "date not changed: give the date as 2026-01-05", True, 400)
    try:
        name = current_profile(request)
        fixed = await run_in_threadpool(_redated, data_dir(request), name, cid, when)
    except FacetrackError as exc:
        return await run_in_threadpool(photos, request, f"date not changed: {exc}", True, 400)
    return back_to(request, "/photos", f"Date corrected: the photo is now dated {fixed.after.date().isoformat()}.")


def upload_dates(uploads) -> list:
    """Each uploaded photo's date as the page sent it (its EXIF date or the file's own, maybe
    corrected by the user), or None where none was sent. A day that is the photo's own EXIF day
    keeps the EXIF time of day; another day is taken at noon (or now, for a photo of this morning).
    The camera's own day when that cannot be a photo's (year 9999) is None: the file's date is
    used (``ingest.dates.exif_note`` says so). ``DateError`` naming the photo for a date that is
    not one or cannot be a photo's (``check_taken_at``): then none of the photos is imported."""
    from facetrack.ingest.dates import DateError, check_taken_at, exif_date, parse_date, photo_date

    dates = []
    for u in uploads:
        if not u.date:
            dates.append(None)
            continue
        try:
            when, timed = parse_date(u.date)
            own, camera = photo_date(u.path), exif_date(u.path)
            if not timed and own is not None and own.date() == when.date():
                dates.append(None)  # the photo's own date, to the second
                continue
            if not timed and own is None and camera is not None and camera.date() == when.date():
                dates.append(None)  # the camera's day, which cannot be right: the file's date instead
                continue
            noon, now = dt.datetime.combine(when.date(), dt.time(12)), dt.datetime.now().replace(microsecond=0)
            dates.append(check_taken_at(when if timed else min(noon, now) if when.date() == now.date() else noon))
        except DateError as exc:
            raise DateError(f"{shown(u.name or 'a photo')}: its date {exc}; nothing was imported") from None
    return dates


def _import(root, uploads, measurer, profile, dates, same_person=False):
    """Import the uploaded files with their ``dates`` (in a worker thread: it measures each photo);
    ``same_person``: the user confirmed they show the profile's person. Returns the import's
    report and each of the profile's photos' name by its date ("the photo of 2026-01-05"), by id."""
    from facetrack.ingest.importer import import_photos
    from facetrack.report.wording import photo_name
    from facetrack.store import Store

    with Store.open(root) as store:
        report = import_photos([u.path for u in uploads], store=store, measurer=measurer, profile=profile,
                               dates=dates, same_person=same_person)
        captures = store.captures(profile)
    named = {c.id: "the p" + photo_name(c, captures)[1:] for c in captures}
    return report, named


async def upload(request):
    """The photos of the form, streamed into the app's scratch folder (at most
    ``MAX_UPLOAD_BYTES`` in all, chunked or not), imported off the event loop, then removed.
    A photo whose face does not look like the profile's person is not imported: the answer is a
    409 asking whether it is the same person, with a form sending it again to
    ``/upload?same_person=yes`` (which imports it)."""
    name = current_profile(request)
    same_person = request.query_params.get("same_person") == "yes"
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
            try:
                dates = await run_in_threadpool(upload_dates, uploads)
                report, named = await run_in_threadpool(_import, data_dir(request), uploads, measurer, name,
                                                        dates, same_person)
                notes = {u.path: exif_note(u.path) for u in uploads}
            except FacetrackError as exc:  # a date the page sent that is not one: nothing imported
                return await run_in_threadpool(photos, request, f"refused: {exc}", True, 400)
    except OSError as exc:  # the data dir cannot take the upload (a full or read-only disk)
        return await run_in_threadpool(photos, request, "refused: the upload cannot be written in "
                                       f"{data_dir(request)} ({exc.strerror or exc})", True, 503)
    shown_as = {u.path: shown(u.name or "photo") for u in uploads}
    lines = [f"imported {shown_as[p]} as {named.get(cid, 'a new photo')}" for p, cid in report.imported]
    lines += [f"{shown_as[p]}: already imported as {named.get(cid, 'an earlier photo')}"
              for p, cid in report.duplicates]
    lines += [f"refused {shown_as[p]}: {why}" for p, why in report.rejected]
    lines += [f"{shown_as[p]}: {notes[p]}" for p, _ in report.imported if notes.get(p)]
    if report.other_person:
        others = ", ".join(shown_as[p] for p in report.other_person)
        ask = (f"Is {others} a photo of the same person as this profile's photos? If it is, choose "
               f"{'it' if len(report.other_person) == 1 else 'them'} again here and confirm; if not, "
               "add it to another profile instead.")
        return await run_in_threadpool(photos, request, "; ".join(lines), True, 409, ask)
    return await run_in_threadpool(photos, request, "; ".join(lines), bool(report.rejected),
                                   400 if report.rejected else 200)


def delete(request):
    from facetrack.store import Store

    if demo_shown(request):
        return _refuse_demo(request)
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

    if demo_shown(request):
        return _refuse_demo(request)
    cid, name = int(request.path_params["cid"]), current_profile(request)
    try:
        with Store.open(data_dir(request)) as store:
            before = store.baseline(name)
            store.set_baseline(name, cid)
            chosen = store.baseline(name)
    except FacetrackError as exc:
        return photos(request, str(exc), True, 400)
    day = chosen.taken_at.date().isoformat()
    if before is not None and before.id == chosen.id:
        return back_to(request, "/photos", f"The photo of {day} was already the baseline; nothing changed.")
    was = f" instead of the photo of {before.taken_at.date().isoformat()}" if before else ""
    return back_to(request, "/photos", f"The photo of {day} is now the baseline{was}: before / after and the "
                                       "trends compare the other photos with it.")


def stored_capture(request):
    """The capture ``{cid}`` of the request's profile, or None."""
    from facetrack.store import Store

    with Store.open(shown_dir(request), read_only_ok=True) as store:
        return store.capture(shown_profile(request), int(request.path_params["cid"]))


def photo_page(request):
    """A photo's own page (a thumbnail opens it): the photo, how it was taken, its baseline,
    date and delete buttons, and every measure of it as the pages write them."""
    from facetrack.metrics import ALL_METRICS
    from facetrack.metrics.labels import MISSING, format_reading
    from facetrack.report.wording import value_or_why
    from facetrack.store import Store

    from facetrack.app.trends import measure_cells

    name, cid = shown_profile(request), int(request.path_params["cid"])
    with Store.open(shown_dir(request), read_only_ok=True) as store:
        captures = store.captures(name) if name in store.profiles() else []
        baseline = store.baseline(name) if captures else None
    mine = [c for c in captures if c.id == cid]
    if not mine:
        return no_such_capture()
    capture = mine[0]
    rows = []  # every measure it has; one it lacks with a noted reason (the skin's, the silhouette's) says why
    for m in ALL_METRICS:
        v = capture.metrics.get(m.name)
        if v is not None and v.value is not None:
            rows.append({**measure_cells(m), "value": format_reading(m, v.value, v.spread)})
        elif (shown := value_or_why(MISSING, capture, m.name)) != MISSING:
            rows.append({**measure_cells(m), "value": shown})
    return render(request, "Photos", pages.PHOTO, capture=capture, captures=captures, card=card(capture), rows=rows,
                  baseline_id=baseline.id if baseline else None, today=dt.date.today().isoformat())


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
