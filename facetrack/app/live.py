"""The browser's guided capture: frames from the page's camera run through the same
``guided_capture`` as ``facetrack capture``, in a thread of their own.

The page sends one frame at a time and sends the next only when the answer has come, so
frames never queue: a slow moment drops frames instead of lagging. Each answer is the
overlay the CLI's preview would show for that frame (mirrored, with the instruction, the
pose target and the baseline's ghost), made by the same ``render_overlay``. When the burst
is measured and stored, the answer is the new capture's id; a refusal names the check that
never passed.

Bounded everywhere: one frame in flight per capture (another is refused at once, ``Busy``),
queues of one, every wait with a time limit; once a capture has ended every frame is
answered at once; a page that stops sending frames ends its capture after
``FRAME_TIMEOUT_S``, and its thread with it.

``Sessions``: the captures by id. Each capture page (each tab) starts its own and names it
with every frame and button press. One runs at a time: a start in a second tab takes over,
and the first tab is told so at its next frame.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from facetrack.capture.gates import GateConfig
from facetrack.capture.session import SUGGESTED_STUCK_S, CaptureSettings
from facetrack.capture.sources import Frame
from facetrack.errors import FacetrackError

FRAME_TIMEOUT_S = 10.0  # a page that stops sending frames ends its capture
ANSWER_TIMEOUT_S = 30.0  # the longest a frame waits for its answer (a burst being measured)
POLL_S = 0.1

ENDED = "this capture has ended: reload the page to start another"
NOT_RUNNING = "no capture is running: reload the page"
TAKEN_OVER = ("a capture was started in another tab or window, so this one stopped: carry on there, "
              "or reload this page to capture here")
NO_ANSWER = "the capture stopped answering: reload the page to start again"
STILL_ENDING = "the captures started a moment ago are still ending: reload the page in a few seconds"
#: The page's capture gives up once nothing has improved for a while (the CLI waits for its limit).
PAGE_SETTINGS = CaptureSettings(stop_when_stuck_s=SUGGESTED_STUCK_S)
#: Capture threads at once, ending ones included: a start past it is refused (``SessionBusy``).
MAX_THREADS = 4

log = logging.getLogger(__name__)


@dataclass
class Answer:
    overlay: np.ndarray | None = None  # the preview for the frame just sent
    capture_id: int | None = None  # set once the capture is stored
    error: str | None = None  # why no capture was made: one plain sentence with its fix
    details: str | None = None  # the same in the checks' own terms, for a collapsed "details"
    guidance: dict | None = None  # what the page shows beside the preview (``Guidance.to_dict()``)
    seq: int = 0  # the frame it answers (0: the outcome)

    @property
    def final(self) -> bool:
        return self.overlay is None


class Busy(Exception):
    """Another frame of the same capture is still being answered."""


class FrameRefused(ValueError):
    """A frame the capture cannot take (a sentence for the page)."""


class _Display:
    """``guided_capture``'s preview: hands each overlay back to the waiting request, and the
    page's buttons to the session as the CLI preview's keys ("capture": Space, "cancel": Esc)."""

    def __init__(self, capture: "LiveCapture"):
        self.capture = capture
        self.pressed: str | None = None
        self.guidance: dict | None = None

    def guide(self, guidance) -> None:
        """The frame's guidance (``run_session`` gives it just before the frame's overlay)."""
        self.guidance = guidance.to_dict()

    def show(self, image: np.ndarray) -> None:
        self.capture._answer(Answer(overlay=image, guidance=self.guidance, seq=self.capture._current))

    def key(self) -> str | None:
        key, self.pressed = self.pressed, None
        return key


class LiveCapture:
    """One capture from the page's camera, for ``profile`` in the store at ``data_dir``."""

    def __init__(self, data_dir, profile: str, measurer, settings: CaptureSettings = PAGE_SETTINGS,
                 config: GateConfig = GateConfig()):
        self._frames: queue.Queue = queue.Queue(maxsize=1)
        self._answers: queue.Queue = queue.Queue(maxsize=1)
        self._one_frame = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._sent = 0  # frames given so far: each one's number
        self._current = 0  # the frame the capture thread works on
        self._size: tuple[int, int] | None = None
        self.outcome = Answer(error=ENDED)
        self._display = _Display(self)
        self._thread = threading.Thread(target=self._run, args=(data_dir, profile, measurer, settings, config),
                                        name="facetrack-live-capture", daemon=True)
        self._thread.start()

    def _answer(self, answer: Answer) -> None:
        """Make ``answer`` the one waiting (an older one nobody took is dropped)."""
        while True:
            try:
                self._answers.put_nowait(answer)
                return
            except queue.Full:
                try:
                    self._answers.get_nowait()
                except queue.Empty:
                    pass

    def _incoming(self):
        idle = time.monotonic()
        while not self._stop.is_set():
            try:
                seq, frame = self._frames.get(timeout=POLL_S)
            except queue.Empty:
                if time.monotonic() - idle > FRAME_TIMEOUT_S:
                    return
                continue
            self._current = seq
            yield frame
            idle = time.monotonic()

    def _run(self, data_dir, profile, measurer, settings, config) -> None:
        from facetrack.detect.landmarks import Landmarker
        from facetrack.ingest.guided import guided_capture
        from facetrack.store import Store

        outcome = Answer(error=ENDED)
        try:
            with Store.open(data_dir) as store, Landmarker(measurer.model_path, video=True) as tracker:
                done = guided_capture(self._incoming(), store=store, measurer=measurer, tracker=tracker,
                                      profile=profile, config=config, settings=settings, first=True,
                                      display=self._display, source="browser camera")
            outcome = Answer(capture_id=done.capture_id)
        except FacetrackError as exc:
            advice = getattr(exc, "advice", None)  # the plain sentence; str(exc) in the checks' terms
            outcome = Answer(error=advice or str(exc), details=str(exc) if advice else None)
        except Exception as exc:  # noqa: BLE001 - the page is told; the log keeps the traceback
            log.exception("the browser capture failed")
            outcome = Answer(error=f"the capture failed ({type(exc).__name__}): reload the page to try again")
        finally:
            self.outcome = outcome
            self._done.set()
            self._answer(outcome)

    @property
    def ended(self) -> bool:
        return self._done.is_set()

    def send(self, image: np.ndarray, timestamp_ms: int, index: int) -> Answer:
        """Give one frame (RGB, never mirrored); the overlay for it, or the outcome. ``Busy``
        while another frame is being answered; ``FrameRefused`` for a frame of another size
        than the first."""
        if not self._one_frame.acquire(blocking=False):
            raise Busy()
        try:
            if self._done.is_set():
                return self.outcome
            size = (image.shape[1], image.shape[0])
            if self._size is not None and size != self._size:
                raise FrameRefused(f"every frame must be {self._size[0]} x {self._size[1]} pixels like the "
                                   f"first, but this one is {size[0]} x {size[1]}")
            self._size = size
            self._sent += 1
            seq = self._sent
            deadline = time.monotonic() + ANSWER_TIMEOUT_S
            try:
                self._frames.put((seq, Frame(image, timestamp_ms, index, "browser camera")),
                                 timeout=ANSWER_TIMEOUT_S)
            except queue.Full:
                self.close()
                return Answer(error=NO_ANSWER)
            while (left := deadline - time.monotonic()) > 0:
                try:
                    answer = self._answers.get(timeout=min(left, 1.0))
                except queue.Empty:
                    continue
                if answer.final:
                    return self.outcome
                if answer.seq == seq:
                    return answer
            self.close()
            return Answer(error=NO_ANSWER)
        finally:
            self._one_frame.release()

    def press(self, key: str) -> None:
        """The page's button: "capture" takes the next burst whatever the checks say (as
        Space does in the CLI preview), "cancel" ends the capture and stores nothing (Esc)."""
        if key not in ("capture", "cancel"):
            raise ValueError(f"key must be 'capture' or 'cancel' but got {key!r}")
        self._display.pressed = key

    def close(self) -> None:
        """End the capture: its thread stops at its next frame (a burst already taken is
        still measured and stored)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


class SessionEnded(Exception):
    """The capture a request names is not running (a sentence for the page)."""


class SessionBusy(Exception):
    """Too many captures are still ending to start another (a sentence for the page)."""


class Sessions:
    """The browser captures by id. Used from the event loop only."""

    KEPT = 64  # ended ids remembered, to tell a late frame why

    def __init__(self):
        self._running: dict[str, LiveCapture] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._busy: set[str] = set()
        self._threads: list[LiveCapture] = []  # every capture whose thread may still run

    def start(self, make) -> tuple[str, bool]:
        """A new capture made by ``make()``; (its id, whether it took over a running one).
        ``SessionBusy`` while ``MAX_THREADS`` capture threads still run."""
        self._threads = [t for t in self._threads if not t.join(0)]
        if len(self._threads) >= MAX_THREADS:
            raise SessionBusy(STILL_ENDING)
        took_over = bool(self._running)
        for sid in list(self._running):
            self.end(sid, TAKEN_OVER)
        sid = secrets.token_urlsafe(16)
        live = make()
        self._running[sid] = live
        self._threads.append(live)
        return sid, took_over

    def get(self, sid: str | None) -> LiveCapture:
        live = self._running.get(sid or "")
        if live is None:
            raise SessionEnded(self._ended.get(sid or "", NOT_RUNNING))
        return live

    def end(self, sid: str, why: str = ENDED) -> str:
        """Forget the capture ``sid`` (closing it); why it ended (an earlier reason stays)."""
        live = self._running.pop(sid, None)
        if live is not None:
            live.close()
            self._ended[sid] = why
            while len(self._ended) > self.KEPT:
                self._ended.popitem(last=False)
        return self._ended.get(sid, why)

    def claim(self, sid: str) -> bool:
        """Mark ``sid`` as answering a frame; False when it already is."""
        if sid in self._busy:
            return False
        self._busy.add(sid)
        return True

    def release(self, sid: str) -> None:
        self._busy.discard(sid)

    def running(self) -> list[LiveCapture]:
        return list(self._running.values())

    def close(self, timeout: float = 10.0) -> bool:
        """End every capture and wait (up to ``timeout`` s in all) for their threads; whether
        they all ended."""
        for sid in list(self._running):
            self.end(sid)
        deadline = time.monotonic() + timeout
        self._threads = [t for t in self._threads if not t.join(max(0.0, deadline - time.monotonic()))]
        return not self._threads
