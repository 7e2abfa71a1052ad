"""``facetrack app``: the weekly routine's data in a local web page (photos, trends, before /
after, report and export), over the same library as the command line.

Every page reads the store afresh; every change (upload, baseline, delete) goes through the
same library calls as the CLI (``ingest.importer``, ``Store``), with the same refusals.
Images are served by capture id only: no path from the browser reaches the file system.
"""

from __future__ import annotations

import base64
import io
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

from facetrack.app import pages
from facetrack.app.security import Guard, new_token
from facetrack.errors import FacetrackError, ReportError, shown

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
GATES_FILE = "gates.toml"  # the capture settings, in the data dir (``facetrack capture`` reads it too)
PROFILE_COOKIE = "facetrack_profile"
HOST = "127.0.0.1"


def _write_atomically(path: Path, text: str) -> None:
    import os

    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(text)
    os.replace(part, path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def create_app(data_dir, *, profile: str = "default", port: int, token: str, measurer_factory=None):
    """The ASGI app for the store in ``data_dir``, guarded for ``port`` and ``token``."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    from facetrack.store import Store, check_profile_name

    state = {"measurer": None}

    def measurer():
        if state["measurer"] is None:
            from facetrack.detect.measure import Measurer

            state["measurer"] = (measurer_factory or Measurer.from_model)()
        return state["measurer"]

    def topology_of():
        if "topology" not in state:
            from facetrack.detect.model import resolve
            from facetrack.topology import load_topology

            state["topology"] = load_topology(resolve().path)
        return state["topology"]

    def current(request) -> str:
        name = request.query_params.get("profile") or request.cookies.get(PROFILE_COOKIE) or profile
        return check_profile_name(name)

    def page(request, title, template, status=200, **values):
        name = current(request)
        with Store.open(data_dir, read_only_ok=True) as store:
            profiles = sorted({*store.profiles(), name})
        response = HTMLResponse(pages.render(title, template, profile=name, profiles=profiles, **values),
                                status_code=status)
        response.set_cookie(PROFILE_COOKIE, name, httponly=True, samesite="strict")
        return response

    def photos(request, message=None, error=False, status=200):
        from facetrack.stats.trends import silhouette_summary

        name = current(request)
        with Store.open(data_dir, read_only_ok=True) as store:
            captures = store.captures(name)
            baseline = store.baseline(name)
        return page(request, "Photos", pages.PHOTOS, status=status, message=message, error=error,
                    captures=captures, baseline_id=baseline.id if baseline else None,
                    silhouettes=silhouette_summary(captures))

    async def upload(request):
        from facetrack.ingest.importer import import_photos

        name = current(request)
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
            with Store.open(data_dir) as store:
                report = import_photos(paths, store=store, measurer=measurer(), profile=name)
        def label(path):
            return shown(path.name.split("-", 1)[1])

        lines = [f"imported {label(p)} as capture {cid}" for p, cid in report.imported]
        lines += [f"{label(p)}: already imported as capture {cid}" for p, cid in report.duplicates]
        lines += [f"refused {label(p)}: {why}" for p, why in report.rejected]
        return photos(request, "; ".join(lines), bool(report.rejected), 400 if report.rejected else 200)

    def change(action):
        async def handler(request):
            cid = int(request.path_params["cid"])
            name = current(request)
            try:
                with Store.open(data_dir) as store:
                    if action == "delete":
                        if cid not in {c.id for c in store.captures(name)}:
                            raise ReportError(f"profile {name!r} has no capture {cid}")
                        store.delete_capture(cid)
                    else:
                        store.set_baseline(name, cid)
            except FacetrackError as exc:
                return photos(request, str(exc), True, 400)
            return RedirectResponse("/photos", status_code=303)
        return handler

    def stored_capture(request):
        with Store.open(data_dir, read_only_ok=True) as store:
            return store.capture(current(request), int(request.path_params["cid"]))

    def photo(request):
        capture = stored_capture(request)
        if capture is None:
            return Response("no such capture in this profile\n", status_code=404, media_type="text/plain")
        return FileResponse(capture.image_path, headers={"cache-control": "private, max-age=3600"})

    thumbnails: dict[str, bytes] = {}  # by the photo's sha256: a photo never changes under its hash

    def thumbnail(request):
        from facetrack.report.pictures import thumbnail_jpeg

        capture = stored_capture(request)
        if capture is None:
            return Response("no such capture in this profile\n", status_code=404, media_type="text/plain")
        if capture.sha256 not in thumbnails:
            if len(thumbnails) >= 1024:
                thumbnails.clear()
            thumbnails[capture.sha256] = thumbnail_jpeg(capture.image_path)
        return Response(thumbnails[capture.sha256], media_type="image/jpeg",
                        headers={"cache-control": "private, max-age=3600"})

    def trends(request):
        from facetrack.metrics import ALL_METRICS, HEADLINE, SILHOUETTE, get_metric
        from facetrack.metrics.labels import GROUP_LABELS
        from facetrack.report.charts import panel_series
        from facetrack.report.summary import metric_trends, plain_summary
        from facetrack.report.svg_chart import panels_svg
        from facetrack.stats.repeatability import Calibration

        name = current(request)
        every = request.query_params.get("all") == "1"
        with Store.open(data_dir, read_only_ok=True) as store:
            captures = store.captures(name)
            baseline = store.baseline(name)
            mdc = Calibration(*store.repeatability(name)).mdc
        if len(captures) < 2:
            return page(request, "Trends", pages.TRENDS, summary=f"profile {name!r} has {len(captures)} "
                        "captures: trends need at least 2", groups=[], every=every, trends=[])
        found = metric_trends(captures, mdc)
        shown = ALL_METRICS if every else [*(get_metric(n) for n in HEADLINE), *SILHOUETTE[:3]]
        panels = panel_series(captures, metrics=shown, baseline_id=baseline.id, noise=mdc)
        groups = [(GROUP_LABELS[group], svgs) for group, svgs in panels_svg(panels)]
        return page(request, "Trends", pages.TRENDS, summary=plain_summary(captures, found), groups=groups,
                    every=every, trends=found)

    def compare(request):
        from facetrack.report.pictures import (align_photo, before_after_figure, flicker_frames, gif_bytes,
                                               photo_silhouettes)
        from facetrack.stats.compare import choose_pair, compare_captures
        from facetrack.stats.repeatability import Calibration

        name = current(request)
        pick = {k: int(request.query_params[k]) for k in ("a", "b") if request.query_params.get(k, "").isdigit()}
        try:
            with Store.open(data_dir, read_only_ok=True) as store:
                captures = store.captures(name)
                baseline = store.baseline(name) if len(captures) >= 2 else None
                before, after = choose_pair(captures, baseline, name, pick.get("a"), pick.get("b"))
                views = {c.id: store.landmark_views(c.id) for c in (before, after)}
                calibration = Calibration(*store.repeatability(name))
        except FacetrackError as exc:
            return page(request, "Before / after", "<h1>Before / after</h1>", message=str(exc), error=True)
        topology = topology_of()
        aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
        changes = compare_captures(before, after, mdc=calibration.mdc)
        png = io.BytesIO()
        before_after_figure(*aligned, topology, changes, photo_silhouettes(*aligned, topology)).savefig(png, format="png")
        return page(request, "Before / after", pages.COMPARE, captures=captures, before=before, after=after,
                    changes=changes, pair=base64.b64encode(png.getvalue()).decode(),
                    flicker=base64.b64encode(gif_bytes(flicker_frames(*aligned))).decode())

    def report(request):
        return page(request, "Report", pages.REPORT)

    def gates_path() -> Path:
        return Path(data_dir) / GATES_FILE

    def gate_config():
        from facetrack.capture.gates import GateConfig

        return GateConfig.from_toml(gates_path()) if gates_path().is_file() else GateConfig()

    def settings(request, message=None, error=False, status=200):
        from dataclasses import fields

        from facetrack.capture.gates import GateConfig

        config, defaults = gate_config(), GateConfig()
        rows = [(f.name, f"{getattr(config, f.name):g}", f"{getattr(defaults, f.name):g}") for f in fields(config)]
        return page(request, "Settings", pages.SETTINGS, status=status, message=message, error=error,
                    rows=rows, path=gates_path())

    async def settings_save(request):
        from facetrack.capture.gates import GateConfig

        form = await request.form()
        try:
            config = GateConfig().with_overrides([f"{k}={v}" for k, v in form.items()])
        except ValueError as exc:
            return settings(request, f"not saved: {exc}", True, 400)
        _write_atomically(gates_path(), config.to_toml())
        return settings(request, "saved: the next capture uses these")

    async def settings_reset(request):
        gates_path().unlink(missing_ok=True)
        return settings(request, "back to the defaults")

    def capture_page(request):
        return page(request, "Capture", pages.CAPTURE)

    async def capture_start(request):
        from facetrack.app.live import LiveCapture

        if state.get("live") is not None:
            state["live"].close()
        state["live"] = LiveCapture(data_dir, current(request), measurer(), config=gate_config())
        return JSONResponse({"started": True})

    def capture_press(key):
        async def handler(request):
            live = state.get("live")
            if live is None:
                return JSONResponse({"error": "no capture is running: reload the page"}, status_code=409)
            live.press(key)
            return JSONResponse({"pressed": key})
        return handler

    async def capture_frame(request):
        import cv2
        from starlette.concurrency import run_in_threadpool

        live = state.get("live")
        if live is None:
            return JSONResponse({"error": "no capture is running: reload the page"})
        started = time.perf_counter()
        data = await request.body()
        if len(data) > MAX_UPLOAD_BYTES:
            return JSONResponse({"error": "the frame is too large"}, status_code=413)
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            return JSONResponse({"error": "the frame is not an image"}, status_code=400)
        stamp, index = (int(request.headers.get(h, "0") or 0) for h in ("x-timestamp", "x-index"))
        answer = await run_in_threadpool(live.send, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), stamp, index)
        if answer.overlay is not None:
            ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(answer.overlay, cv2.COLOR_RGB2BGR),
                                    [cv2.IMWRITE_JPEG_QUALITY, 85])
            took = f"server;dur={1000 * (time.perf_counter() - started):.1f}"  # read by the benchmark
            return Response(jpeg.tobytes(), media_type="image/jpeg",
                            headers={"cache-control": "no-store", "server-timing": took})
        state["live"] = None
        if answer.capture_id is not None:
            return JSONResponse({"capture": answer.capture_id})
        return JSONResponse({"error": answer.error})

    def capture_result(request):
        from facetrack.stats.compare import compare_captures
        from facetrack.stats.repeatability import Calibration

        cid, name = int(request.path_params["cid"]), current(request)
        with Store.open(data_dir, read_only_ok=True) as store:
            captures = store.captures(name)
            baseline = store.baseline(name)
            mdc = Calibration(*store.repeatability(name)).mdc
        mine = [c for c in captures if c.id == cid]
        if not mine:
            return Response("no such capture in this profile\n", status_code=404, media_type="text/plain")
        earlier = [c for c in captures if c.taken_at < mine[0].taken_at and c.id != cid]
        others = [("Against last time", earlier[-1])] if earlier else []
        if baseline is not None and baseline.id != cid and (not earlier or baseline.id != earlier[-1].id):
            others.append(("Against the baseline", baseline))
        comparisons = [(title, other, compare_captures(other, mine[0], mdc=mdc)) for title, other in others]
        return page(request, "Capture", pages.RESULT, capture=mine[0], comparisons=comparisons)

    def download(request):
        from facetrack.report.export import FORMATS, export_captures

        what = request.path_params["what"]
        name = current(request)
        with Store.open(data_dir, read_only_ok=True) as store, tempfile.TemporaryDirectory() as tmp:
            captures = store.captures(name)
            try:
                if what == "report.html":
                    from facetrack.report.html import render_report
                    from facetrack.stats.compare import choose_pair
                    baseline = store.baseline(name)
                    before, after = choose_pair(captures, baseline, name)
                    views = {c.id: store.landmark_views(c.id) for c in (before, after)}
                    html = render_report(captures, views, topology_of(), profile=name,
                                         baseline_id=baseline.id, before_id=before.id, after_id=after.id)
                    data, media = html.encode(), "text/html"
                else:
                    stem, _, fmt = what.partition(".")
                    if stem != "captures" or fmt not in FORMATS:
                        return Response("no such download\n", status_code=404, media_type="text/plain")
                    data = export_captures(captures, Path(tmp) / what, fmt).read_bytes()
                    media = {"csv": "text/csv", "json": "application/json"}.get(fmt, "application/octet-stream")
            except FacetrackError as exc:
                return page(request, "Report", pages.REPORT, message=str(exc), error=True, status=400)
        return Response(data, media_type=media,
                        headers={"content-disposition": f'attachment; filename="{name}-{what}"'})

    routes = [
        Route("/", lambda request: RedirectResponse("/photos", status_code=303)),
        Route("/photos", photos), Route("/upload", upload, methods=["POST"]),
        Route("/delete/{cid:int}", change("delete"), methods=["POST"]),
        Route("/baseline/{cid:int}", change("baseline"), methods=["POST"]),
        Route("/photo/{cid:int}", photo), Route("/thumb/{cid:int}", thumbnail), Route("/trends", trends), Route("/compare", compare),
        Route("/report", report), Route("/download/{what}", download),
        Route("/capture", capture_page), Route("/capture/start", capture_start, methods=["POST"]),
        Route("/capture/frame", capture_frame, methods=["POST"]),
        Route("/capture/now", capture_press("capture"), methods=["POST"]),
        Route("/capture/cancel", capture_press("cancel"), methods=["POST"]),
        Route("/capture/result/{cid:int}", capture_result),
        Route("/settings", settings), Route("/settings", settings_save, methods=["POST"]),
        Route("/settings/reset", settings_reset, methods=["POST"]),
    ]
    async def refused(request, exc):  # a library error is one line, never a traceback
        return Response(f"refused: {exc}\n", status_code=400, media_type="text/plain")

    app = Starlette(routes=routes, exception_handlers={FacetrackError: refused})

    guard = Guard(app, port=port, token=token)

    async def guarded(scope, receive, send):
        await guard(scope, receive, send)

    def close():
        if state.get("live") is not None:
            state["live"].close()
        if state["measurer"] is not None:
            state["measurer"].close()

    guarded.close = close
    return guarded


def serve(data_dir, *, profile: str = "default", port: int | None = None,
          on_ready=None) -> None:
    """Run the app on 127.0.0.1 until interrupted; ``on_ready(url)`` is called with the URL
    (holding this launch's token) once the server listens."""
    import uvicorn

    port = port or free_port()
    token = new_token()
    app = create_app(data_dir, profile=profile, port=port, token=token)
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off")
    url = f"http://{HOST}:{port}/photos?token={token}"

    class Announcing(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if on_ready:
                on_ready(url)

    server = Announcing(config)
    try:
        server.run()
    finally:
        app.close()
