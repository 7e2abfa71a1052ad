"""The capture page: the browser's camera guided through the same checks as ``facetrack
capture`` (``live.LiveCapture``), its buttons, and the new capture against last time and the
baseline."""

from __future__ import annotations

import time

import numpy as np
from starlette.responses import JSONResponse, Response

from facetrack.app import pages
from facetrack.app.common import current_profile, data_dir, no_such_capture, render
from facetrack.app.photos import MAX_UPLOAD_BYTES
from facetrack.app.settings import gate_config


def capture_page(request):
    return render(request, "Capture", pages.CAPTURE)


async def start(request):
    from facetrack.app.live import LiveCapture

    state = request.app.state
    if state.live is not None:
        state.live.close()
    state.live = LiveCapture(data_dir(request), current_profile(request), state.models.measurer(),
                             config=gate_config(data_dir(request)))
    return JSONResponse({"started": True})


def _press(request, key: str):
    live = request.app.state.live
    if live is None:
        return JSONResponse({"error": "no capture is running: reload the page"}, status_code=409)
    live.press(key)
    return JSONResponse({"pressed": key})


async def capture_now(request):
    return _press(request, "capture")


async def cancel(request):
    return _press(request, "cancel")


async def frame(request):
    import cv2
    from starlette.concurrency import run_in_threadpool

    state = request.app.state
    live = state.live
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
    state.live = None
    if answer.capture_id is not None:
        return JSONResponse({"capture": answer.capture_id})
    return JSONResponse({"error": answer.error})


def result(request):
    from facetrack.stats.compare import compare_captures
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    cid, name = int(request.path_params["cid"]), current_profile(request)
    with Store.open(data_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
        mdc = Calibration(*store.repeatability(name)).mdc
    mine = [c for c in captures if c.id == cid]
    if not mine:
        return no_such_capture()
    earlier = [c for c in captures if c.taken_at < mine[0].taken_at and c.id != cid]
    others = [("Against last time", earlier[-1])] if earlier else []
    if baseline is not None and baseline.id != cid and (not earlier or baseline.id != earlier[-1].id):
        others.append(("Against the baseline", baseline))
    comparisons = [(title, other, compare_captures(other, mine[0], mdc=mdc)) for title, other in others]
    return render(request, "Capture", pages.RESULT, capture=mine[0], comparisons=comparisons)
