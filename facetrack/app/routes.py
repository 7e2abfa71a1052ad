"""Every URL of the app and the handler that answers it: the one place routes are built."""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from facetrack.app import capture, compare, pages, photos, report, settings, trends, welcome
from facetrack.app.cache import heavy
from facetrack.app.welcome import leaving_demo


class CaptureId(IntegerConvertor):
    """A capture id in a path: 1 to 18 digits (a longer number is no capture, and would not
    fit SQLite's integers), so ``/photo/99999999999999999999999`` is a plain 404."""

    regex = "[0-9]{1,18}"


class Static(StaticFiles):
    """The pages' style and scripts (``app/static``), behind the same Guard as every page. An
    address with its content's hash (``pages.static_url``) may be kept by the browser for a
    year; any other is checked again each time (its ETag)."""

    def __init__(self):
        super().__init__(packages=[("facetrack.app", "static")])

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = "private, max-age=31536000, immutable" if versioned else "no-cache"
        return response


def home(request):
    """The welcome page for an empty store, else the photos."""
    return RedirectResponse("/welcome" if welcome.opens_on_welcome(request) else "/photos", status_code=303)


def routes() -> list[Route | Mount]:
    register_url_convertor("capture_id", CaptureId())
    return [
        Route("/", home),
        Route("/welcome", welcome.welcome),
        Route("/demo", welcome.show_demo, methods=["POST"]),
        Route("/demo/leave", welcome.leave_demo, methods=["POST"]),
        Route("/photos", photos.photos_page),
        Route("/upload", leaving_demo(photos.upload), methods=["POST"]),
        Route("/date/{cid:capture_id}", photos.correct_date, methods=["POST"]),
        Route("/delete/{cid:capture_id}", photos.delete, methods=["POST"]),
        Route("/baseline/{cid:capture_id}", photos.set_baseline, methods=["POST"]),
        Route("/photo/{cid:capture_id}", photos.photo),
        Route("/photos/{cid:capture_id}", photos.photo_page),
        Route("/thumb/{cid:capture_id}", photos.thumbnail),
        Route("/trends", trends.trends),
        Route("/compare", compare.compare),
        # pictures and downloads that take seconds: on the app's own pool (cache.heavy), never
        # on the threads pages are answered on
        Route("/compare/pair/{a:capture_id}/{b:capture_id}.png", heavy(compare.pair_picture)),
        Route("/compare/flicker/{a:capture_id}/{b:capture_id}.gif", heavy(compare.flicker_picture)),
        Route("/compare/aligned/{a:capture_id}/{b:capture_id}/{which}.jpg", heavy(compare.aligned_picture)),
        Route("/timelapse.gif", heavy(compare.timelapse_gif)),
        Route("/download/timelapse.mp4", heavy(compare.timelapse_mp4)),
        Route("/report", report.report),
        Route("/download/{what}", heavy(report.download)),
        Route("/capture", leaving_demo(capture.capture_page)),
        Route("/capture/start", leaving_demo(capture.start), methods=["POST"]),
        Route("/capture/frame", capture.frame, methods=["POST"]),
        Route("/capture/now", capture.capture_now, methods=["POST"]),
        Route("/capture/cancel", capture.cancel, methods=["POST"]),
        Route("/capture/result/{cid:capture_id}", capture.result),
        Route("/settings", settings.settings),
        Route("/settings", settings.save, methods=["POST"]),
        Route("/settings/reset", settings.reset, methods=["POST"]),
        Route("/shortcut", settings.shortcut, methods=["POST"]),
        Mount(pages.STATIC_PATH, Static(), name="static"),
    ]
