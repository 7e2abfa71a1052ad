"""The capture session: frames -> landmarks -> gates -> (overlay) -> a burst of good frames.

Two ways to pick the burst, one rule for both: every gate must pass for ``hold_s``
seconds, then the next ``burst`` frames that also pass every gate are the burst.

- Live (a preview is shown, or the source is a camera): the first such stretch is taken,
  as soon as it happens. A key captures manually; Esc cancels.
- Scan (headless, a video file or an image folder): the whole source is read and the
  burst comes from the longest stretch of passing frames.

If no stretch qualifies, ``NoCaptureError`` names every gate that never passed, with
the best value seen for each, so the user knows what to fix.

The loop itself does no geometry: detection, ``evaluate`` and ``render_overlay`` do it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from facetrack.errors import FacetrackError
from facetrack.detect.landmarks import Landmarks
from facetrack.topology import FaceTopology
from facetrack.capture.gates import Baseline, GateConfig, GateResult, evaluate
from facetrack.capture.overlay import Progress, render_overlay
from facetrack.capture.sources import Frame


class NoCaptureError(FacetrackError):
    """The source ended (or timed out) without a stretch of frames passing every gate."""


class CaptureCancelled(FacetrackError):
    """The user pressed Esc; nothing was stored."""


@dataclass(frozen=True)
class CaptureSettings:
    hold_s: float = 0.7  # every gate passes this long before the burst starts
    burst: int = 15  # frames in the burst
    timeout_s: float | None = 120.0  # live sources: give up after this long without a capture

    def __post_init__(self):
        if self.burst < 1 or self.hold_s < 0:
            raise ValueError("burst must be >= 1 and hold_s >= 0")


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
            if len(self._burst) == size and self.first:
                self._close_run()
        return Progress(burst_taken=len(self._burst), burst_size=size)

    def result(self) -> tuple[CheckedFrame, ...] | None:
        if not self._manual:
            self._close_run()
        return tuple(self._best[1]) if self._best else None


class Display(Protocol):
    """Where the preview goes. ``key`` returns "capture", "cancel" or None."""

    def show(self, image: np.ndarray) -> None: ...

    def key(self) -> str | None: ...


def run_session(frames: Iterable[Frame], *, tracker, topology: FaceTopology,
                config: GateConfig = GateConfig(), baseline: Baseline | None = None,
                settings: CaptureSettings = CaptureSettings(), first: bool = True,
                display: Display | None = None, ghost=None,
                name: str | None = None) -> tuple[tuple[CheckedFrame, ...], bool, GateLog]:
    """Run the loop until a burst is found or the source ends.

    ``tracker`` is a ``Landmarker`` (video mode for speed). Returns (burst, manual, log).
    Raises ``NoCaptureError`` (with ``log.summary()``) or ``CaptureCancelled``.
    """
    finder = BurstFinder(settings, first=first)
    log = GateLog()
    start, source = None, "source"
    for frame in frames:
        source = name or frame.source
        faces = tuple(tracker.detect_all(frame.image, frame.timestamp_ms))
        results = tuple(evaluate(frame.image, list(faces), topology, config, baseline))
        log.add(results)
        progress = finder.update(CheckedFrame(frame, faces, results))
        if display is not None:
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
            raise NoCaptureError(f"{source}: no capture within {settings.timeout_s:g} s: {log.summary()}")
    burst = finder.result()
    if burst is None:
        if log.frames == 0:
            raise NoCaptureError(f"{source}: delivered no frames")
        raise NoCaptureError(f"{source}: {log.summary()}")
    return burst, finder.manual, log
