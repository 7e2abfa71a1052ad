"""Whether two captures can be compared at all: a pure function of the two captures.

Two photos of an unchanged face differ in their measures more when the head is turned,
raised or leaned differently, the expression differs, the face is nearer or further, or the
light differs. Each limit here is where, on real faces (``benchmarks/comparability.py``,
figures in docs/metrics.md, "Comparable photos"), the error that difference adds to the
measures grows past the noise between two captures of an unchanged face. A pair beyond any
limit is not comparable: its verdict is "cannot tell", with each reason in words.

Everything is judged between the two captures, from what was recorded when each was
measured: the pose, ``QualityNotes.expression``, ``interocular_px`` (face size),
``brightness`` and ``light_balance``. A capture stored before these were recorded has only
its pose (``facetrack recompute`` fills the expression from its stored landmark views); what
is unknown is not held against the pair: it is comparable with what is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

from facetrack.records import Capture

#: The expression scores a capture records, each the mean of MediaPipe blendshape scores (0-1)
#: of both sides; name -> (blendshapes, what a difference is in words: "the face smiles more").
EXPRESSIONS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "smile": (("mouthSmileLeft", "mouthSmileRight"), "the face smiles more"),
    "jaw_open": (("jawOpen",), "the mouth is more open"),
    "brows_up": (("browInnerUp", "browOuterUpLeft", "browOuterUpRight"), "the brows are raised more"),
    "squint": (("eyeSquintLeft", "eyeSquintRight"), "the eyes squint more"),
    "blink": (("eyeBlinkLeft", "eyeBlinkRight"), "the eyes are more closed"),
    "pucker": (("mouthPucker", "mouthFunnel"), "the lips are pushed forward more"),
    "press": (("mouthPressLeft", "mouthPressRight"), "the lips are pressed together more"),
}


@dataclass(frozen=True)
class Limits:
    """The largest difference between two comparable captures, per kind of difference."""

    yaw: float  # degrees, head turned to a side
    pitch: float  # degrees, chin up or down
    roll: float  # degrees, head leaning
    expression: Mapping[str, float]  # score difference (0-1) per ``EXPRESSIONS`` name
    size: float  # relative difference of the face's size (eye distance over the photo's width): 0.1 is 10 %
    brightness: float  # relative difference of the face's mean brightness: 0.3 is 30 %
    balance: float  # difference of log2(left cheek / right cheek brightness): 0.3 is about 23 %


#: Measured limits (benchmarks/comparability.py; docs/metrics.md, "Comparable photos"): where the
#: error a difference adds to the most sensitive measures (the 10th percentile over the measures)
#: reaches their between-capture noise (``stats.default_noise``), never beyond the largest
#: difference in the data: turned and raised head from the real clips (their pose differs by up to
#: 1.7 and 4 degrees), leaning, face size and light from the stills' known rotations, rescaling and
#: light changes, expression from the clips (neutral to a broad smile, blinks, pressed lips). Each
#: is the benchmark's figure rounded down to 2 significant digits (it prints this line).
LIMITS = Limits(yaw=1.5, pitch=0.96, roll=6.6,
                expression={"smile": 0.18, "jaw_open": 0.027, "brows_up": 0.16, "squint": 0.12, "blink": 0.037,
                            "pucker": 0.13, "press": 0.16},
                size=0.23, brightness=0.69, balance=0.85)


@dataclass(frozen=True)
class Comparability:
    comparable: bool
    reasons: tuple[str, ...]  # plain sentences, e.g. "the head is turned 8 degrees more ..."; empty when comparable


def expression_of(blendshapes: Iterable[Mapping[str, float]]) -> dict[str, float] | None:
    """A capture's ``EXPRESSIONS`` scores from its views' blendshapes: for each, the median over
    the views of the mean of its blendshapes (both sides, so a mirrored view counts the same).
    None when no view has blendshapes."""
    views = [b for b in blendshapes if b]
    if not views:
        return None
    out = {}
    for name, (shapes, _) in EXPRESSIONS.items():
        per_view = [float(np.mean([b[s] for s in shapes])) for b in views if all(s in b for s in shapes)]
        if per_view:
            out[name] = round(min(1.0, max(0.0, float(np.median(per_view)))), 3)
    return out or None


def light_balance(left: float, right: float) -> float | None:
    """The subject's left cheek's brightness over the right's (None when either is dark)."""
    if not (left > 1 and right > 1):
        return None
    return round(left / right, 3)


def _pose_reasons(before: Capture, after: Capture, limits: Limits) -> list[str]:
    if before.pose is None or after.pose is None:
        return []
    yaw, pitch, roll = (b - a for a, b in zip(before.pose, after.pose))
    out = []
    if abs(yaw) > limits.yaw:  # yaw > 0: turned towards the subject's own left
        out.append(f"the head is turned {abs(yaw):.0f} degrees further to the person's "
                   f"{'left' if yaw > 0 else 'right'} in the second photo")
    if abs(pitch) > limits.pitch:  # pitch > 0: chin up
        out.append(f"the chin is {abs(pitch):.0f} degrees {'higher' if pitch > 0 else 'lower'} in the second photo")
    if abs(roll) > limits.roll:  # roll > 0: the left eye higher, the head leaning to the right shoulder
        out.append(f"the head leans {abs(roll):.0f} degrees further towards the person's "
                   f"{'right' if roll > 0 else 'left'} shoulder in the second photo")
    return out


def _expression_reasons(before: Capture, after: Capture, limits: Limits) -> list[str]:
    a, b = before.quality.expression or {}, after.quality.expression or {}
    out = []
    for name, (_, words) in EXPRESSIONS.items():
        if name not in a or name not in b or name not in limits.expression:
            continue
        diff = b[name] - a[name]
        if abs(diff) > limits.expression[name]:
            which = "second" if diff > 0 else "first"
            out.append(f"{words} in the {which} photo ({max(a[name], b[name]):.2f} against "
                       f"{min(a[name], b[name]):.2f} on a 0 to 1 scale)")
    return out


def relative_size(capture: Capture) -> float | None:
    """The face's size as a fraction of the photo's width (eye distance over width): the same
    camera at another resolution gives the same value; nearer gives more."""
    iod = capture.quality.interocular_px
    if not iod or not capture.width:
        return None
    return iod / capture.width


def _size_reasons(before: Capture, after: Capture, limits: Limits) -> list[str]:
    a, b = relative_size(before), relative_size(after)
    if a is None or b is None:
        return []
    ratio = b / a
    if abs(math.log(ratio)) <= math.log1p(limits.size):
        return []
    bigger, pct = ("second", ratio - 1) if ratio > 1 else ("first", 1 / ratio - 1)
    return [f"the face is {100 * pct:.0f} % larger in the {bigger} photo (taken nearer the camera, or with "
            "another camera or zoom)"]


def _light_reasons(before: Capture, after: Capture, limits: Limits) -> list[str]:
    out = []
    a, b = before.quality.brightness, after.quality.brightness
    if a and b:
        ratio = b / a
        if abs(math.log(ratio)) > math.log1p(limits.brightness):
            brighter, pct = ("second", ratio - 1) if ratio > 1 else ("first", 1 / ratio - 1)
            out.append(f"the face is {100 * pct:.0f} % brighter in the {brighter} photo")
    a, b = before.quality.light_balance, after.quality.light_balance
    if a and b:
        diff = math.log2(b / a)
        if abs(diff) > limits.balance:
            out.append(f"the light falls more from the person's {'left' if diff > 0 else 'right'} in the second "
                       f"photo (one cheek {100 * (2 ** abs(diff) - 1):.0f} % brighter relative to the other)")
    return out


def comparability(before: Capture, after: Capture, limits: Limits = LIMITS) -> Comparability:
    """Whether ``before`` and ``after`` can be compared: how much their pose, expression,
    distance and light differ, each against its measured limit. Unknown values (a capture
    stored before they were recorded) count as comparable."""
    reasons = (_pose_reasons(before, after, limits) + _expression_reasons(before, after, limits)
               + _size_reasons(before, after, limits) + _light_reasons(before, after, limits))
    return Comparability(not reasons, tuple(reasons))
