"""The capture page: the browser's camera guided through the same checks as ``facetrack
capture`` (``live.LiveCapture``), its buttons, and the new capture against last time and the
baseline.

Each page (each tab) starts its own capture (``POST /capture/start`` answers its id) and
names it in the ``x-session`` header of every frame and button press. A frame is checked
before it is decoded (``frames``), and decoded and answered off the event loop.
"""

from __future__ import annotations

import json
import re
import time

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from facetrack.app import pages
from facetrack.app.pages import CAPTURE
from facetrack.app.common import current_profile, data_dir, no_such_capture, render
from facetrack.app.frames import MAX_FRAME_BYTES, decode_frame
from facetrack.app.live import TAKEN_OVER, Busy, FrameRefused, LiveCapture, SessionBusy, SessionEnded
from facetrack.app.settings import gate_config
from facetrack.app.uploads import Refused, read_body

SESSION_HEADER = "x-session"
GUIDANCE_HEADER = "x-guidance"
#: x-timestamp: milliseconds since the page started its capture (about 31 years at most).
MAX_TIMESTAMP_MS = 10 ** 12
MAX_INDEX = 10 ** 9
#: The result page asks for a second photo the same day during the first this many weeks (days with photos).
REPEAT_WEEKS = 3
BUSY = "one frame at a time: send the next when this one's answer has come"


def _error(sentence: str, status: int) -> JSONResponse:
    return JSONResponse({"error": sentence}, status_code=status)


#: The names a browser's ``getUserMedia`` rejects with (older Chromes' names too).
CAMERA_ERRORS = ("NotFoundError", "NotAllowedError", "NotReadableError", "OverconstrainedError", "AbortError",
                 "SecurityError", "TypeError", "DevicesNotFoundError", "PermissionDeniedError", "TrackStartError")


def camera_problems() -> tuple[dict, list]:
    """The sentence with its fix for each camera error name (``other`` for the rest), and the
    names that mean no usable camera here (none, or not allowed): the page then offers photos."""
    from facetrack.capture.advice import camera_problem

    problems = {name: camera_problem(name) for name in CAMERA_ERRORS}
    problems["other"] = camera_problem(None)
    none_here = {camera_problem("NotFoundError"), camera_problem("NotAllowedError")}
    return problems, [name for name in CAMERA_ERRORS if problems[name] in none_here]


def capture_page(request):
    problems, no_camera = camera_problems()
    return render(request, "Capture", CAPTURE, camera_problems=problems, no_camera=no_camera)


async def start(request):
    state = request.app.state
    name = current_profile(request)
    measurer = await run_in_threadpool(state.models.measurer)  # loaded once, off the event loop
    config = await run_in_threadpool(gate_config, data_dir(request))
    try:
        sid, took_over = state.captures.start(lambda: LiveCapture(data_dir(request), name, measurer, config=config))
    except SessionBusy as exc:
        return _error(str(exc), 429)
    return JSONResponse({"session": sid, "took_over": took_over})


def _press(request, key: str):
    try:
        live = request.app.state.captures.get(request.headers.get(SESSION_HEADER))
    except SessionEnded as exc:
        return _error(str(exc), 409)
    live.press(key)
    return JSONResponse({"pressed": key})


async def capture_now(request):
    return _press(request, "capture")


async def cancel(request):
    return _press(request, "cancel")


def _whole_number(request, header: str, high: int, default: int | None = None) -> int:
    raw = request.headers.get(header)
    if raw is None and default is not None:
        return default
    if raw is None or not re.fullmatch(r"[0-9]{1,13}", raw.strip()) or int(raw) > high:
        raise Refused(400, f"{header} must be a whole number from 0 to {high} but got {raw!r}")
    return int(raw)


def _decode_and_send(live: LiveCapture, data: bytes, stamp: int, index: int):
    return live.send(decode_frame(data), stamp, index)


async def frame(request):
    import cv2

    captures = request.app.state.captures
    sid = request.headers.get(SESSION_HEADER) or ""
    try:
        live = captures.get(sid)
    except SessionEnded as exc:
        return _error(str(exc), 409)
    if not captures.claim(sid):
        return _error(BUSY, 429)
    started = time.perf_counter()
    try:
        stamp = _whole_number(request, "x-timestamp", MAX_TIMESTAMP_MS)
        index = _whole_number(request, "x-index", MAX_INDEX, default=0)
        data = await read_body(request, MAX_FRAME_BYTES, "the frame")
        answer = await run_in_threadpool(_decode_and_send, live, data, stamp, index)
    except Refused as exc:
        return _error(exc.sentence, exc.status)
    except FrameRefused as exc:
        return _error(str(exc), 400)
    except Busy:
        return _error(BUSY, 429)
    finally:
        captures.release(sid)
    if not answer.final:
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(answer.overlay, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, 85])
        took = f"server;dur={1000 * (time.perf_counter() - started):.1f}"  # read by the benchmark
        headers = {"cache-control": "no-store", "server-timing": took}
        if answer.guidance is not None:  # ASCII JSON: what to do now, every check, the time left
            headers[GUIDANCE_HEADER] = json.dumps(answer.guidance, ensure_ascii=True, separators=(",", ":"))
        return Response(jpeg.tobytes(), media_type="image/jpeg", headers=headers)
    taken_over = captures.end(sid) == TAKEN_OVER  # by another tab while this frame was answered
    if answer.capture_id is not None:
        return JSONResponse({"capture": answer.capture_id})
    if taken_over:
        return JSONResponse({"error": TAKEN_OVER})
    details = {"details": answer.details} if answer.details else {}  # for the page's "details for support"
    return JSONResponse({"error": answer.error, **details})


def result(request):
    from facetrack.report.wording import pair_sentence
    from facetrack.stats.compare import judge_pair
    from facetrack.stats.repeatability import Calibration
    from facetrack.store import Store

    cid, name = int(request.path_params["cid"]), current_profile(request)
    with Store.open(data_dir(request), read_only_ok=True) as store:
        captures = store.captures(name)
        baseline = store.baseline(name)
        repeats = Calibration(*store.repeatability(name)).results
    mine = [c for c in captures if c.id == cid]
    if not mine:
        return no_such_capture()
    earlier = [c for c in captures if c.taken_at < mine[0].taken_at and c.id != cid]
    others = [("Against last time", earlier[-1])] if earlier else []
    if baseline is not None and baseline.id != cid and (not earlier or baseline.id != earlier[-1].id):
        others.append(("Against the baseline", baseline))
    verdicts = [(title, other, judge_pair(captures, other, mine[0], repeats)) for title, other in others]
    comparisons = [(title, other, v, [m for m in v.measures if m.change is not None]) for title, other, v in verdicts]
    # the first weeks: a second photo the same day feeds the person's own noise (stats.noise)
    repeat_hint = len({c.taken_at.date() for c in captures}) <= REPEAT_WEEKS and sum(
        c.taken_at.date() == mine[0].taken_at.date() for c in captures) == 1
    return render(request, "Capture", pages.RESULT, capture=mine[0], comparisons=comparisons,
                  pair_sentence=pair_sentence, repeat_hint=repeat_hint)
