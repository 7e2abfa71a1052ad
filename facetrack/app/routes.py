"""Every URL of the app and the handler that answers it: the one place routes are built."""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import Route

from facetrack.app import capture, compare, photos, report, settings, trends


def home(request):
    return RedirectResponse("/photos", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/photos", photos.photos),
        Route("/upload", photos.upload, methods=["POST"]),
        Route("/delete/{cid:int}", photos.delete, methods=["POST"]),
        Route("/baseline/{cid:int}", photos.set_baseline, methods=["POST"]),
        Route("/photo/{cid:int}", photos.photo),
        Route("/thumb/{cid:int}", photos.thumbnail),
        Route("/trends", trends.trends),
        Route("/compare", compare.compare),
        Route("/report", report.report),
        Route("/download/{what}", report.download),
        Route("/capture", capture.capture_page),
        Route("/capture/start", capture.start, methods=["POST"]),
        Route("/capture/frame", capture.frame, methods=["POST"]),
        Route("/capture/now", capture.capture_now, methods=["POST"]),
        Route("/capture/cancel", capture.cancel, methods=["POST"]),
        Route("/capture/result/{cid:int}", capture.result),
        Route("/settings", settings.settings),
        Route("/settings", settings.save, methods=["POST"]),
        Route("/settings/reset", settings.reset, methods=["POST"]),
    ]
