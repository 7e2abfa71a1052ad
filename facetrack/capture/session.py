"""The capture session: frames -> landmarks -> gates -> (overlay) -> a burst of good frames.

Two ways to pick the burst, one rule for both: every gate must pass for ``hold_s``
seconds, then the next ``burst`` frames that also pass every gate are the burst.

- Live (a preview is shown, or the source is a camera): the first such stretch is taken,
  as soon as it happens. A key captures manually; Esc cancels.
- Scan (headless, a video file or an image folder): the whole source is read and the
  burst comes from the longest stretch of passing frames.

If no stretch qualifies, ``NoCaptureError`` names every gate that never passed, with
the best value seen for each, so the user knows what to fix; its ``advice`` says the same in
one plain sentence with the fix (``capture.advice``), its ``details`` keeps the internal line.

Live, a display that has a ``guide`` method also gets each frame's ``Guidance`` (the one
instruction, every check met or not, the seconds left, the hold/burst progress), and
``CaptureSettings.stop_when_stuck_s`` ends a capture early when nothing has improved for that
long (``capture.guidance.Watch`` says what counts as improving). Both are off for the CLI's
defaults, whose behaviour and messages stay as they were.

A reference (``Baseline``: the person's latest guided capture) never makes a capture impossible:
once the frames have failed only the checks measured against it (pose and distance) while they
pass the absolute ones, for ``CaptureSettings.reference_patience_s`` of frame time in all, the
session lets go of it and the absolute checks apply (``ReferenceWatch``).

The loop itself does no geometry: detection, ``evaluate`` and ``render_overlay`` do it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import numpy as np

from facetrack.errors import FacetrackError
from facetrack.detect.landmarks import Landmarks
from facetrack.topology import FaceTopology
from facetrack.capture.advice import NO_FRAMES, NOT_LONG_ENOUGH, failure_sentence
from facetrack.capture.gates import Baseline, GateConfig, GateResult, evaluate
from facetrack.capture.guidance import Guidance, Watch, guidance
from facetrack.capture.overlay import Progress, render_overlay
from facetrack.capture.sources import Frame

#: A ``stop_when_stuck_s`` for people who cannot read the details: long enough to read the
#: instruction and try, short enough not to sit for two minutes in front of the same problem.
SUGGESTED_STUCK_S = 20.0
#: Why a capture ended without a photo (``NoCaptureError.why``).
STUCK, TIME_LIMIT, SOURCE_ENDED, NO_FRAMES_WHY = "stuck", "time limit", "source ended", "no frames"
#: The checks measured against the reference (``gates.pose_gates`` and ``gates.size_gate``).
REFERENCE_CHECKS = frozenset({"yaw", "pitch", "roll", "size"})


class NoCaptureError(FacetrackError):
    """The source ended (or timed out, or stopped improving) without a stretch of frames passing
    every gate.

    ``str(error)`` is the one-line message the CLI prints (with the checks' internal names and
    values); ``details`` is the same line, for a support section; ``advice`` is one plain
    sentence for a person: what did not work and how to fix it. ``why`` is one of ``STUCK``,
    ``TIME_LIMIT``, ``SOURCE_ENDED``, ``NO_FRAMES_WHY``.
    """

    def __init__(self, message: str, *, advice: str = "", why: str = SOURCE_ENDED):
        super().__init__(message)
        self.details = message
        self.advice = advice
        self.why = why

    def __reduce__(self):
        return (_no_capture, (self.details, self.advice, self.why))


def _no_capture(message: str, advice: str, why: str) -> NoCaptureError:
    return NoCaptureError(message, advice=advice, why=why)


class CaptureCancelled(FacetrackError):
    """The user pressed Esc; nothing was stored."""


@dataclass(frozen=True)
class CaptureSettings:
    hold_s: float = 0.7  # every gate passes this long before the burst starts
    burst: int = 15  # frames in the burst
    timeout_s: float | None = 120.0  # live sources: give up after this long without a capture
    # live sources: give up sooner, once nothing has improved for this long (None: only the time limit)
    stop_when_stuck_s: float | None = None
    # count every face in view this often (the tracker follows one face; None: never)
    count_faces_every_s: float | None = 0.5
    # frame time spent failing only the reference's checks (passing the absolute ones) before the
    # reference is let go (None: kept to the end); below ``SUGGESTED_STUCK_S``, so it comes first
    reference_patience_s: float | None = 5.0

    def __post_init__(self):
        if self.burst < 1 or self.hold_s < 0:
            raise ValueError("burst must be >= 1 and hold_s >= 0")
        for name in ("timeout_s", "stop_when_stuck_s", "count_faces_every_s", "reference_patience_s"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds or None but got {value!r}")


@dataclass(frozen=True)
class CheckedFrame:
    frame: Frame
    faces: tuple[Landmarks, ...]
    results: tuple[GateResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


@dataclass
class GateLog:
    """Per gate: how often it passed, and the best (least failing) result seen."""

    frames: int = 0
    passes: dict[str, int] = field(default_factory=dict)
    best: dict[str, GateResult] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # the latest instruction of each gate

    def add(self, results: Iterable[GateResult]) -> None:
        self.frames += 1
        for r in results:
            self.passes[r.name] = self.passes.get(r.name, 0) + int(r.passed)
            if not r.passed:
                self.hints[r.name] = r.instruction
            if r.name not in self.best or r.excess < self.best[r.name].excess:
                self.best[r.name] = r

    def never_passed(self) -> list[GateResult]:
        return [self.best[name] for name, n in self.passes.items() if n == 0]

    def summary(self) -> str:
        """One line: the gates that never passed and their best values, else the longest run's story."""
        never = self.never_passed()
        if never:
            parts = [f"{r.name} (best {r.value:.3g}, allowed {r.allowed}: {r.instruction})" for r in never]
            return f"no frame passed {', '.join(parts)}"
        worst = sorted((n, name) for name, n in self.passes.items() if n < self.frames)[:3]
        if not worst:
            seen = "the only frame" if self.frames == 1 else f"all {self.frames} frames"
            return (f"every check passed on {seen}, but a capture needs a longer stretch of good frames "
                    "(the hold, then the burst): give a longer video or more images")
        parts = [f"{name} passed in {n}/{self.frames} frames ({self.hints[name]})"
                 for n, name in worst]
        return "every check passed somewhere, but never all together for long enough: " + "; ".join(parts)


class BurstFinder:
    """Finds the burst: the hold, then ``burst`` consecutive passing frames.

    ``first=True`` stops at the first qualifying stretch (live); ``first=False`` keeps the
    burst of the longest passing stretch (scan). Memory stays bounded: at most two bursts'
    frames are held.
    """

    def __init__(self, settings: CaptureSettings, *, first: bool):
        self.settings = settings
        self.first = first
        self._run_start: int | None = None
        self._run_len = 0
        self._burst: list[CheckedFrame] = []
        self._best: tuple[int, list[CheckedFrame]] | None = None
        self._manual = False

    @property
    def finished(self) -> bool:
        return (self.first or self._manual) and self._best is not None

    @property
    def manual(self) -> bool:
        return self._manual

    def trigger(self) -> None:
        """Capture now: the next ``burst`` frames with a face, whatever the gates say."""
        self._manual, self._burst = True, []

    def _close_run(self) -> None:
        if len(self._burst) == self.settings.burst and (self._best is None or self._run_len > self._best[0]):
            self._best = (self._run_len, self._burst)
        self._run_start, self._run_len, self._burst = None, 0, []

    def update(self, checked: CheckedFrame) -> Progress:
        size = self.settings.burst
        if self._manual:
            if len(checked.faces) == 1:
                self._burst.append(checked)
            if len(self._burst) == size:
                self._best = (len(self._burst), self._burst)
            return Progress(burst_taken=len(self._burst), burst_size=size)
        if not checked.passed:
            self._close_run()
            return Progress()
        if self._run_start is None:
            self._run_start = checked.frame.timestamp_ms
        self._run_len += 1
        held = (checked.frame.timestamp_ms - self._run_start) / 1000.0
        if held < self.settings.hold_s:
            return Progress(hold_left_s=self.settings.hold_s - held)
        if len(self._burst) < size:
            self._burst.append(checked)
        taken = len(self._burst)  # counted before a finished burst is put away
        if taken == size and self.first:
            self._close_run()
        return Progress(burst_taken=taken, burst_size=size)

    def result(self) -> tuple[CheckedFrame, ...] | None:
        if not self._manual:
            self._close_run()
        return tuple(self._best[1]) if self._best else None


class FaceCounter:
    """Every face in view, by an image-mode landmarker, every ``every_s`` of frame time.

    The live tracker follows one face and never reports a second person, so alone it would let
    ``one_face`` pass with two people in view. The counter adds the faces it finds beyond the
    tracked one to the frame's faces, so the gate fails and says how many there are; its latest
    count holds until the next. It never removes the tracked face (a face the counter misses,
    for example one turned further, stays the tracker's).
    """

    def __init__(self, landmarker, every_s: float):
        self.landmarker = landmarker
        self.every_ms = 1000.0 * every_s
        self._checked_ms: int | None = None
        self._found: list[Landmarks] = []

    def faces(self, frame: Frame, tracked: tuple[Landmarks, ...]) -> tuple[Landmarks, ...]:
        """``tracked``, plus the other faces the latest count found when it found more than one."""
        stamp = frame.timestamp_ms
        if self._checked_ms is None or not 0 <= stamp - self._checked_ms < self.every_ms:
            self._found, self._checked_ms = list(self.landmarker.detect_all(frame.image)), stamp
        if len(self._found) < 2:
            return tracked
        if not tracked:
            return tuple(self._found)
        centre = tracked[0].points[:, :2].mean(axis=0)
        same = min(range(len(self._found)),
                   key=lambda i: float(np.linalg.norm(self._found[i].points[:, :2].mean(axis=0) - centre)))
        return tracked + tuple(f for i, f in enumerate(self._found) if i != same)


class ReferenceWatch:
    """Whether the reference still holds: it is let go once the frames have failed only
    ``REFERENCE_CHECKS`` while passing every absolute check for ``patience_s`` of frame time in
    all (the time between such a frame and the one before it is counted)."""

    def __init__(self, patience_s: float | None):
        self.patience_ms = None if patience_s is None else 1000.0 * patience_s
        self.blocked_ms = 0.0
        self._last_ms: int | None = None

    def blocked(self, timestamp_ms: int, results: list[GateResult], absolute: Callable[[], list[GateResult]]) -> bool:
        """Take one frame's results against the reference; True once the reference is to be let go.
        ``absolute`` gives the same frame's results without it (called only when needed)."""
        last, self._last_ms = self._last_ms, timestamp_ms
        failed = {r.name for r in results if not r.passed}
        if self.patience_ms is None or not failed or not failed <= REFERENCE_CHECKS:
            return False
        if not all(r.passed for r in absolute()):
            return False
        self.blocked_ms += 0 if last is None else max(0, timestamp_ms - last)
        return self.blocked_ms >= self.patience_ms


class Display(Protocol):
    """Where the preview goes. ``key`` returns "capture", "cancel" or None.

    A display may also have ``guide(guidance: Guidance) -> None``: it is then given each frame's
    ``Guidance`` just before ``show`` gets that frame's overlay (so both can travel together).
    """

    def show(self, image: np.ndarray) -> None: ...

    def key(self) -> str | None: ...


class GuidedDisplay(Display, Protocol):
    """A ``Display`` that also shows the page's guidance (``run_session`` calls ``guide`` when it is there)."""

    def guide(self, guidance: Guidance) -> None: ...


def advice_for(watch: Watch) -> str:
    """The plain sentence for a capture that ended without a photo, from what held it back."""
    blocker = watch.blocker()
    return NOT_LONG_ENOUGH if blocker is None else failure_sentence(blocker)


def run_session(frames: Iterable[Frame], *, tracker, topology: FaceTopology,
                config: GateConfig = GateConfig(), baseline: Baseline | None = None,
                settings: CaptureSettings = CaptureSettings(), first: bool = True,
                display: Display | None = None, ghost=None,
                name: str | None = None, counter=None) -> tuple[tuple[CheckedFrame, ...], bool, GateLog]:
    """Run the loop until a burst is found or the source ends.

    ``tracker`` is a ``Landmarker`` (video mode for speed). ``counter``, an image-mode
    ``Landmarker``, counts every face in view every ``settings.count_faces_every_s`` (see
    ``FaceCounter``); without it only the tracker's faces are seen. Returns (burst, manual, log).
    Raises ``NoCaptureError`` (with ``log.summary()``) or ``CaptureCancelled``.
    """
    finder = BurstFinder(settings, first=first)
    log = GateLog()
    watch = Watch()
    guide = getattr(display, "guide", None)
    stuck_s = settings.stop_when_stuck_s if first else None
    timeout_s = settings.timeout_s if first else None
    counting = (FaceCounter(counter, settings.count_faces_every_s)
                if counter is not None and settings.count_faces_every_s is not None else None)
    reference = ReferenceWatch(settings.reference_patience_s if baseline is not None else None)
    start, source = None, "source"
    for frame in frames:
        source = name or frame.source
        faces = tuple(tracker.detect_all(frame.image, frame.timestamp_ms))
        if counting is not None:
            faces = counting.faces(frame, faces)
        results = tuple(evaluate(frame.image, list(faces), topology, config, baseline))
        if baseline is not None:
            alone = partial(evaluate, frame.image, list(faces), topology, config, None)
            if reference.blocked(frame.timestamp_ms, list(results), alone):
                baseline = ghost = None  # from here on, the absolute checks
                results = tuple(alone())
        log.add(results)
        watch.update(frame.timestamp_ms, list(results))
        progress = finder.update(CheckedFrame(frame, faces, results))
        if display is not None:
            if guide is not None:
                guide(guidance(list(results), progress, watch, config=config, baseline=baseline is not None,
                               manual=finder.manual, timeout_s=timeout_s,
                               stuck_s=None if finder.manual else stuck_s, frame_index=frame.index))
            display.show(render_overlay(frame.image, list(results), face_points=faces[0].points if faces else None,
                                        ghost=ghost, topology=topology, progress=progress))
            key = display.key()
            if key == "cancel":
                raise CaptureCancelled("cancelled: nothing was stored")
            if key == "capture" and not finder.manual:
                finder.trigger()
        if finder.finished:
            break
        start = frame.timestamp_ms if start is None else start
        if first and settings.timeout_s is not None and frame.timestamp_ms - start > 1000 * settings.timeout_s:
            raise NoCaptureError(f"{source}: no capture within {settings.timeout_s:g} s: {log.summary()}",
                                 advice=advice_for(watch), why=TIME_LIMIT)
        if stuck_s is not None and not finder.manual and watch.since_progress_s >= stuck_s:
            raise NoCaptureError(f"{source}: stopped after {watch.elapsed_s:.1f} s, nothing improved for "
                                 f"{stuck_s:g} s: {log.summary()}", advice=advice_for(watch), why=STUCK)
    burst = finder.result()
    if burst is None:
        if log.frames == 0:
            raise NoCaptureError(f"{source}: delivered no frames", advice=NO_FRAMES, why=NO_FRAMES_WHY)
        raise NoCaptureError(f"{source}: {log.summary()}", advice=advice_for(watch), why=SOURCE_ENDED)
    return burst, finder.manual, log
