"""How a capture was taken, in plain words: the capture checks by name, the captures taken with
failed checks (Capture now while a check failed) and how each capture got its date.

The checks themselves and the instruction each gives live in ``capture.gates`` (their
``GateResult.name`` is what ``QualityNotes.failed_gates`` stores); this module only names
them for a person, as a check ("no smile") and as the problem when it failed ("smiling").
A capture taken with failed checks is kept, and less comparable with the others: the
trends, the before/after figure and the report draw it differently and say so.
"""

from __future__ import annotations

from typing import Mapping, Sequence

#: Each capture check (``capture.gates``' result names): (the check, what was wrong when it failed).
CHECKS: Mapping[str, tuple[str, str]] = {
    "one_face": ("one face in view", "not exactly one face in view"),
    "centred": ("face in the middle of the picture", "face away from the middle of the picture"),
    "yaw": ("facing the camera", "head turned to one side"),
    "pitch": ("chin level", "chin raised or lowered"),
    "roll": ("head upright", "head tilted to one side"),
    "size": ("the same distance from the camera as last time", "nearer to or further from the camera"),
    "exposure": ("good light on the face", "face too dark or too bright"),
    "even_light": ("even light on both sides", "light brighter on one side"),
    "sharpness": ("a sharp picture", "a blurred picture"),
    "no_smile": ("no smile", "smiling"),
    "mouth_closed": ("mouth closed", "mouth open"),
    "brows_relaxed": ("brows relaxed", "brows raised"),
    "no_squint": ("eyes relaxed", "squinting"),
    "eyes_open": ("eyes open", "eyes closed or blinking"),
    "plain_background": ("a plain background", "a busy background"),
}

#: What a capture taken with failed checks means for its numbers.
LESS_COMPARABLE = ("It was taken, or added, while some of the photo checks failed, so its numbers are less "
                   "comparable with the other photos.")
#: The legend line of such a capture's marker (hollow) in the charts and the before/after figure.
FAILED_LEGEND = "taken with failed checks (less comparable)"

#: How a capture got its date (``Capture.taken_at_source``).
DATE_SOURCES: Mapping[str, str] = {
    "exif": "photo, dated by the camera",
    "given": "photo, dated when it was added",
    "mtime": "photo, dated by its file",
    "capture": "guided capture",
}


def _plain(name: str) -> str:
    return name.replace("_", " ")


def check_name(gate: str) -> str:
    """A capture check in plain words: "no_smile" -> "no smile"."""
    return CHECKS[gate][0] if gate in CHECKS else _plain(gate)


def check_problem(gate: str) -> str:
    """What was wrong when the check ``gate`` failed: "no_smile" -> "smiling"."""
    return CHECKS[gate][1] if gate in CHECKS else f"{_plain(gate)} not met"


def failed_checks(capture) -> tuple[str, ...]:
    """The checks that failed when ``capture`` was taken with Capture now, or when it was imported
    (imports run the same checks), as problems in words (() for a capture taken by the checks)."""
    quality = capture.quality
    if not quality.failed_gates:
        return ()
    return tuple(check_problem(g) for g in quality.failed_gates)


def taken_with_failed_checks(capture) -> bool:
    """Whether ``capture`` was taken or imported while some checks failed."""
    return bool(failed_checks(capture))


def failed_checks_sentence(capture) -> str | None:
    """What a page says about a capture taken with failed checks, else None:
    "Taken while these checks failed: smiling, head turned to one side. It was ..."."""
    problems = failed_checks(capture)
    if not problems:
        return None
    return f"Taken while these checks failed: {', '.join(problems)}. {LESS_COMPARABLE}"


def failed_captures_sentence(captures: Sequence) -> str | None:
    """One sentence naming the captures taken with failed checks, else None (for a report)."""
    failed = [c for c in captures if taken_with_failed_checks(c)]
    if not failed:
        return None
    listed = "; ".join(f"the photo of {c.taken_at.date().isoformat()} ({', '.join(failed_checks(c))})"
                       for c in failed)
    which = "This photo was" if len(failed) == 1 else f"These {len(failed)} photos were"
    return (f"{which} taken or added while some photo checks failed, so {'its' if len(failed) == 1 else 'their'} "
            f"numbers are less comparable with the others: {listed}. The charts draw them as hollow markers.")


def photo_name(capture, captures=()) -> str:
    """A photo as a person names it, by its date: "Photo of 2026-01-05"; with the time of day
    when another of ``captures`` has the same date ("Photo of 2026-01-05, 09:30")."""
    day = capture.taken_at.date()
    same_day = any(c.taken_at.date() == day and c.id != capture.id for c in captures)
    return f"Photo of {day.isoformat()}" + (f", {capture.taken_at.strftime('%H:%M')}" if same_day else "")


def how_taken(capture) -> str:
    """How a capture was taken and dated, in words: "photo, dated by the camera"."""
    return DATE_SOURCES.get(capture.taken_at_source, _plain(capture.taken_at_source))


def pair_sentence(verdict) -> str:
    """A before/after's answer in one sentence (a ``verdicts.PairVerdict``): what changed
    beyond noise, that nothing did, or that the photos cannot be compared and why."""
    from facetrack.stats.verdicts import CANNOT_TELL, CHANGED

    if verdict.verdict == CANNOT_TELL:
        return f"cannot tell: {verdict.reason}."
    unjudged = sorted({m.reason for m in verdict.measures if m.verdict == CANNOT_TELL and m.reason})
    rest = (f" Some measures cannot be judged on these two photos ({'; '.join(unjudged)})." if unjudged else "")
    if verdict.verdict == CHANGED:
        names = [m.metric.label for m in verdict.measures if m.beyond_noise]
        return f"changed beyond noise: {', '.join(names)}.{rest}"
    return f"no change: no measure changed beyond noise.{rest}"


def missing_reason(capture, name: str) -> str | None:
    """Why ``capture`` has no value of the measure ``name``, in words, when it was noted: the
    skin measures' reasons as measured ("the wall beside the face is not plain (a pattern, a
    picture or an edge)"), the silhouette's through ``stats.silhouette.reason_words``; else None
    (a landmark measure, or a capture measured before the reasons were kept)."""
    from facetrack.stats.silhouette import reason_words

    quality = capture.quality
    if name in (quality.skin_missing or {}):
        return quality.skin_missing[name]
    if name in (quality.silhouette_missing or {}):
        return reason_words(quality.silhouette_missing[name])
    return None


def value_or_why(shown: str, capture, name: str) -> str:
    """A value as a page writes it (``labels.format_value``), and for a missing one why, when
    noted: "not measured" -> "not measured: the wall beside the face is not plain (...)"."""
    from facetrack.metrics.labels import MISSING

    why = missing_reason(capture, name) if shown == MISSING else None
    return f"{MISSING}: {why}" if why else shown


def light_moved_warning(capture) -> str | None:
    """The warning a guided capture's page gives when the camera's exposure or white balance
    moved during its burst (``capture.advice.light_moved_sentence``), else None."""
    from facetrack.capture.advice import light_moved_sentence

    return light_moved_sentence(capture.quality.burst_exposure_change, capture.quality.burst_colour_change)
