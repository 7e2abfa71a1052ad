"""The browser's guided capture: frames from the page's camera run through the same
``guided_capture`` as ``facetrack capture``, in a thread of their own.

The page sends one frame at a time and sends the next only when the answer has come, so
frames never queue: a slow moment drops frames instead of lagging. Each answer is the
overlay the CLI's preview would show for that frame (mirrored, with the instruction, the
pose target and the baseline's ghost), made by the same ``render_overlay``. When the burst
is measured and stored, the answer is the new capture's id; a refusal names the check that
never passed.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np

from facetrack.capture.gates import GateConfig
from facetrack.capture.session import CaptureSettings
from facetrack.capture.sources import Frame
from facetrack.errors import FacetrackError

FRAME_TIMEOUT_S = 10.0  # a page that stops sending frames ends its capture


@dataclass
class Answer:
    overlay: np.ndarray | None = None  # the preview for the frame just sent
    capture_id: int | None = None  # set once the capture is stored
    error: str | None = None  # why no capture was made


class _Display:
    """``guided_capture``'s preview: hands each overlay back to the waiting request, and the
    page's buttons to the session as the CLI preview's keys ("capture": Space, "cancel": Esc)."""

    def __init__(self, out: queue.Queue):
        self.out = out
        self.pressed: str | None = None

    def show(self, image: np.ndarray) -> None:
        self.out.put(Answer(overlay=image))

    def key(self) -> str | None:
        key, self.pressed = self.pressed, None
        return key


class LiveCapture:
    """One capture from the page's camera, for ``profile`` in the store at ``data_dir``."""

    def __init__(self, data_dir, profile: str, measurer, settings: CaptureSettings = CaptureSettings(),
                 config: GateConfig = GateConfig()):
        self._frames: queue.Queue = queue.Queue(maxsize=1)
        self._answers: queue.Queue = queue.Queue()
        self._done = threading.Event()
        self._display = _Display(self._answers)
        self._thread = threading.Thread(target=self._run, args=(data_dir, profile, measurer, settings, config),
                                        name="facetrack-live-capture", daemon=True)
        self._thread.start()

    def _incoming(self):
        while True:
            try:
                frame = self._frames.get(timeout=FRAME_TIMEOUT_S)
            except queue.Empty:
                return
            if frame is None:
                return
            yield frame

    def _run(self, data_dir, profile, measurer, settings, config) -> None:
        from facetrack.detect.landmarks import Landmarker
        from facetrack.ingest.guided import guided_capture
        from facetrack.store import Store

        try:
            with Store.open(data_dir) as store, Landmarker(measurer.model_path, video=True) as tracker:
                outcome = guided_capture(self._incoming(), store=store, measurer=measurer, tracker=tracker,
                                         profile=profile, config=config, settings=settings, first=True,
                                         display=self._display, source="browser camera")
            self._answers.put(Answer(capture_id=outcome.capture_id))
        except FacetrackError as exc:
            self._answers.put(Answer(error=str(exc)))
        finally:
            self._done.set()

    def send(self, image: np.ndarray, timestamp_ms: int, index: int) -> Answer:
        """Give one frame (RGB, never mirrored); the overlay for it, or the outcome."""
        if self._done.is_set() and self._answers.empty():
            return Answer(error="this capture has ended")
        if not self._done.is_set():
            self._frames.put(Frame(image, timestamp_ms, index, "browser camera"))
        try:
            return self._answers.get(timeout=FRAME_TIMEOUT_S)
        except queue.Empty:
            return Answer(error="the capture stopped answering")

    def press(self, key: str) -> None:
        """The page's button: "capture" takes the next burst whatever the checks say (as
        Space does in the CLI preview), "cancel" ends the capture and stores nothing (Esc)."""
        if key not in ("capture", "cancel"):
            raise ValueError(f"key must be 'capture' or 'cancel' but got {key!r}")
        self._display.pressed = key

    def close(self) -> None:
        if not self._done.is_set():
            try:
                self._frames.put_nowait(None)
            except queue.Full:
                pass
