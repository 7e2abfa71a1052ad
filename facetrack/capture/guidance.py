"""What the capture page shows for each frame, and whether the capture is still getting anywhere.

``Guidance`` is one frame's state in plain words: the one instruction to follow now, every check
met or not, the seconds left before the capture gives up, and the hold/burst progress. It is
frozen and ``to_dict()`` gives JSON-ready values.

``Watch`` follows a live session frame by frame (by the frames' own timestamps, never the wall
clock) and says how long nothing has improved. A frame *improves* on the ones before it when

- more checks pass on it than on any frame before, or
- the frames passing every check in a row are more than ever before (the hold and the burst), or
- the check the user is told to fix (the first failing one) is closer to passing than ever
  before, by at least that check's ``STEPS`` (so the frame-to-frame jitter of a measurement
  held still does not count as progress).

``Watch.blocker`` names the check that held the capture back (``closest_failure``), over the frames
since the last improvement (else over the session's latest frames), true to what the screen showed:

- "no face" (or "several faces") only when that was so on most of those frames;
- else, of the checks the screen told to fix (the first failing one) on at least a quarter of the
  frames with one face, the one that came closest to passing: the one failing on the fewest of those
  frames, then the one whose best value came nearest its limit (in ``STEPS``), then the first told;
- else (every check passed on most frames) the one told most.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Mapping

from facetrack.capture.advice import check_label, check_names, instruction_key, instruction_sentence
from facetrack.capture.gates import GateConfig, GateResult, first_failure
from facetrack.capture.overlay import Progress

#: The smallest change of each check's distance to passing (``GateResult.excess``, in the check's
#: own units) that counts as progress: about a tenth of the default tolerance, and above the
#: jitter of a face held still.
STEPS: Mapping[str, float] = {
    "one_face": 1.0,  # faces
    "centred": 0.015,  # fraction of the frame
    "yaw": 0.5, "pitch": 0.5, "roll": 0.5,  # degrees
    "size": 1.0,  # % of the baseline's size, or px between the eyes without a baseline
    "exposure": 5.0,  # mean luminance, 0-255
    "even_light": 0.03,  # darker over brighter cheek
    "sharpness": 4.0,  # Laplacian variance
    "no_smile": 0.03, "mouth_closed": 0.03, "brows_relaxed": 0.03, "no_squint": 0.03, "eyes_open": 0.03,
    "plain_background": 0.1,  # the worse side's ratio to its limit
}
DEFAULT_STEP = 0.05  # a check not listed: 5 % of its best distance so far (see ``Watch.update``)
#: A check is a candidate for the failure sentence when the screen told it on this share of the
#: frames with one face (a blink now and then is not what held a capture back).
TOLD_SHARE = 0.25
#: The frames ``Watch`` keeps for the failure sentence (since the last improvement, and over the session).
KEPT_FRAMES = 3600  # two minutes at 30 frames a second


@dataclass(frozen=True)
class CheckState:
    """One check as the page lists it. ``met`` is None when it could not be checked (no single face)."""

    id: str  # the gate's name, for code (never shown)
    label: str  # its plain name
    met: bool | None

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "met": self.met}


@dataclass(frozen=True)
class Guidance:
    """One frame of a live capture, for the page."""

    instruction: str  # the one thing to do now, as a sentence
    checks: tuple[CheckState, ...]
    stage: str  # "adjust" (a check fails), "hold" (all pass: holding still), "burst" (taking it), "manual"
    seconds_left: float | None  # before the capture gives up as things stand (None: no limit)
    limit_left_s: float | None  # before the time limit (None: no limit)
    since_progress_s: float  # how long nothing has improved
    hold_left_s: float | None = None  # the hold's seconds left, in stage "hold"
    burst_taken: int | None = None  # frames of the burst taken, in stages "burst" and "manual"
    burst_size: int | None = None
    progress: str = ""  # the hold/burst progress in words, "" in stage "adjust"
    frame_index: int = 0

    @property
    def met(self) -> int:
        return sum(1 for c in self.checks if c.met)

    def to_dict(self) -> dict:
        def r(x):
            return None if x is None else round(float(x), 1)

        return {"instruction": self.instruction, "checks": [c.to_dict() for c in self.checks],
                "met": self.met, "total": len(self.checks), "stage": self.stage,
                "seconds_left": r(self.seconds_left), "limit_left_s": r(self.limit_left_s),
                "since_progress_s": r(self.since_progress_s), "hold_left_s": r(self.hold_left_s),
                "burst_taken": self.burst_taken, "burst_size": self.burst_size, "progress": self.progress,
                "frame_index": self.frame_index}


def check_states(results: list[GateResult], config: GateConfig = GateConfig(), *,
                 baseline: bool = True) -> tuple[CheckState, ...]:
    """Every check ``config`` asks for, met or not (None: not checked, as without a single face)."""
    seen = {r.name: r.passed for r in results}
    names = list(check_names(config)) + [r.name for r in results if r.name not in check_names(config)]
    return tuple(CheckState(n, check_label(n, baseline=baseline), seen.get(n)) for n in names)


def stage_and_progress(results: list[GateResult], progress: Progress | None,
                       manual: bool = False) -> tuple[str, str, str]:
    """(stage, the instruction now, the progress in words) for one frame."""
    if manual and progress is not None and progress.burst_taken is not None:
        return ("manual", "Taking the photo now: hold still.",
                f"Holding still: {progress.burst_taken} of {progress.burst_size}")
    failing = first_failure(results)
    if failing is not None:
        return "adjust", instruction_sentence(failing), ""
    if progress is not None and progress.burst_taken is not None:
        return ("burst", "Perfect: hold still while the photo is taken.",
                f"Holding still: {progress.burst_taken} of {progress.burst_size}")
    return "hold", "Perfect: hold still.", "Holding still"


@dataclass
class Watch:
    """Follows a live session's frames: what improved when, and which check held it back."""

    started_ms: int | None = None
    last_ms: int = 0
    improved_ms: int = 0
    best_met: int = -1
    best_run: int = 0
    run: int = 0
    best_excess: dict[str, float] = field(default_factory=dict)
    # each frame's results since the last improvement, and the session's latest frames (at most KEPT_FRAMES)
    window: deque = field(default_factory=lambda: deque(maxlen=KEPT_FRAMES))
    recent: deque = field(default_factory=lambda: deque(maxlen=KEPT_FRAMES))

    def update(self, timestamp_ms: int, results: list[GateResult]) -> bool:
        """Take one frame's results; True when it improved on every frame before."""
        if self.started_ms is None:
            self.started_ms = self.improved_ms = timestamp_ms
        self.last_ms = timestamp_ms
        met = sum(1 for r in results if r.passed)
        failing = first_failure(results)
        self.run = self.run + 1 if failing is None else 0
        improved = False
        if met > self.best_met:
            improved, self.best_met = self.best_met >= 0, met  # the first frame sets the mark
        if self.run > self.best_run:
            improved, self.best_run = True, self.run
        if failing is not None:
            name, excess = failing.name, failing.excess
            best = self.best_excess.get(name)
            step = STEPS.get(name, DEFAULT_STEP * abs(best or 0.0))
            if best is None or excess <= best - step:
                improved = improved or best is not None
                self.best_excess[name] = excess
        if improved:
            self.improved_ms = timestamp_ms
            self.window.clear()
        frame = tuple(results)
        self.window.append(frame)
        self.recent.append(frame)
        return improved

    @property
    def elapsed_s(self) -> float:
        return 0.0 if self.started_ms is None else (self.last_ms - self.started_ms) / 1000.0

    @property
    def since_progress_s(self) -> float:
        return (self.last_ms - self.improved_ms) / 1000.0

    def blocker(self) -> GateResult | None:
        """The check that held the capture back (``closest_failure``) over the frames since the last
        improvement, else over the session's latest frames; None when no check failed on them."""
        return closest_failure(self.window) or closest_failure(self.recent)

    def seconds_left(self, timeout_s: float | None, stuck_s: float | None) -> tuple[float | None, float | None]:
        """(seconds before the capture gives up as things stand, seconds before the time limit)."""
        limit = None if timeout_s is None else max(0.0, timeout_s - self.elapsed_s)
        stuck = None if stuck_s is None else max(0.0, stuck_s - self.since_progress_s)
        left = [x for x in (limit, stuck) if x is not None]
        return (min(left) if left else None), limit


def guidance(results: list[GateResult], progress: Progress | None, watch: Watch, *,
             config: GateConfig = GateConfig(), baseline: bool = True, manual: bool = False,
             timeout_s: float | None = None, stuck_s: float | None = None, frame_index: int = 0) -> Guidance:
    """The page's state for the frame ``watch`` last took."""
    stage, instruction, words = stage_and_progress(results, progress, manual)
    left, limit = watch.seconds_left(timeout_s, stuck_s)
    hold = progress.hold_left_s if progress is not None and stage == "hold" else None
    if stage == "hold" and hold is not None:
        words = f"Holding still: {hold:.1f} s left"
    return Guidance(instruction=instruction, checks=check_states(results, config, baseline=baseline), stage=stage,
                    seconds_left=left, limit_left_s=limit, since_progress_s=watch.since_progress_s,
                    hold_left_s=hold,
                    burst_taken=progress.burst_taken if progress is not None else None,
                    burst_size=progress.burst_size if progress is not None else None,
                    progress=words, frame_index=frame_index)


def _latest(frames: Sequence[Sequence[GateResult]], pick) -> GateResult:
    return next(r for results in reversed(frames) for r in results if pick(r))


def _said(result: GateResult) -> str:
    return instruction_key(result.instruction)[0] or result.instruction


def closest_failure(frames: Sequence[Sequence[GateResult]]) -> GateResult | None:
    """What held a capture back, from each frame's results (``gates.evaluate``, in order): a
    result of the check to name in the failure sentence (the latest with the instruction given
    most for it, so "closer" or "further" is the one the screen gave most), or None when every
    check passed on every frame. See the module's docstring for the rule."""
    frames = [tuple(results) for results in frames if results]

    def faceless(results) -> bool:
        return results[0].name == "one_face" and not results[0].passed

    counted = [results[0] for results in frames if faceless(results)]
    if len(counted) * 2 > len(frames):  # no single face on most frames: the screen said so
        kinds = Counter(r.value == 0 for r in counted)
        none = kinds[True] >= kinds[False]
        return _latest(frames, lambda r: r.name == "one_face" and not r.passed and (r.value == 0) == none)
    faced = [results for results in frames if not faceless(results)]
    told = Counter(f.name for f in (first_failure(list(results)) for results in faced) if f is not None)
    if not told:
        return None
    failed, best = Counter(), {}
    for results in faced:
        for r in results:
            if not r.passed:
                failed[r.name] += 1
                best[r.name] = min(best.get(r.name, r.excess), r.excess)
    order = list(told)  # in the order the screen first told them
    candidates = [name for name in order if told[name] >= TOLD_SHARE * len(faced)]
    if candidates:
        name = min(candidates, key=lambda n: (failed[n], best[n] / STEPS.get(n, 1.0), order.index(n)))
    else:
        name = max(order, key=lambda n: (told[n], -order.index(n)))
    said = Counter(_said(r) for results in faced for r in results if r.name == name and not r.passed)
    key = max(said, key=lambda k: said[k])
    return _latest(faced, lambda r: r.name == name and not r.passed and _said(r) == key)
