"""Whether two captures can be compared, and how much their differences add to each measure:
a pure function of the two captures.

Two photos of an unchanged face differ in their measures more when the head is turned,
raised or leaned differently, the expression differs, the face is nearer or further, or the
light differs. Two things follow from how much they differ (``comparability``):

- **the error each measure gains** (``Comparability.added``): each difference times the
  measure's measured slope for it (``stats.pair_sensitivity``, ``benchmarks/comparability.py``),
  added in quadrature over the differences. The verdict adds it to the pair's noise, so its
  smallest real change grows with how differently the two photos were taken; a measure whose
  added error is more than ``DOMINANT`` times its own noise is "cannot tell" for that pair
  (``Comparability.measure_reason`` says why, in words), the others keep their verdicts;
- **a pair that cannot be compared at all** (``LIMITS``): a difference beyond what the slopes
  were measured over (twice the largest difference in the data, for pose), or beyond what two
  photos passing the capture checks can differ in expression. Its verdict is "cannot tell",
  with each reason in words.

Everything is judged between the two captures, from what was recorded when each was
measured: the pose, ``QualityNotes.expression``, ``interocular_px`` (face size),
``brightness`` and ``light_balance``. A capture stored before these were recorded has only
its pose (``facetrack recompute`` fills the expression from its stored landmark views); what
is unknown is not held against the pair: it is comparable with what is known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

from facetrack.records import Capture
from facetrack.stats.pair_sensitivity import SLOPES

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


#: The pair limits (docs/metrics.md, "Comparable photos"). Head turned and raised: twice the largest
#: difference the clips' slopes were measured over (``pair_sensitivity.SPANS``: 1.7 and 4 degrees),
#: a bounded extrapolation of a measured line, no further; leaning: the stills' largest known
#: rotation (12 degrees). Face size, brightness and light from one side: where the error they add
#: reaches the between-capture noise of the most sensitive measures (``benchmarks/comparability.py``).
#: Expression: the capture checks' default limits (``capture.gates.GateConfig``: a smile of 0.3,
#: brows raised 0.4, eyes closed 0.5, squint 0.8), since two photos that pass the checks can
#: differ that much, and twice the data where that is less (a mouth open 0.12) or the checks do not
#: limit it (the lips). Within these limits the differences still add measured error to each
#: measure (``Comparability.added``).
LIMITS = Limits(yaw=3.4, pitch=8.0, roll=12.0,
                expression={"smile": 0.3, "jaw_open": 0.12, "brows_up": 0.4, "squint": 0.8, "blink": 0.5,
                            "pucker": 0.5, "press": 0.68},
                size=0.23, brightness=0.69, balance=0.85)
#: A measure whose added error exceeds this many times its own between-capture SD cannot be judged
#: on the pair: its noise would be more than 1.7 times what it is between comparable photos.
DOMINANT = 2.0


@dataclass(frozen=True)
class Comparability:
    comparable: bool
    reasons: tuple[str, ...]  # plain sentences, e.g. "the head is turned 8 degrees more ..."; empty when comparable
    added: Mapping[str, float] = field(default_factory=dict)  # measure -> error the differences add (its units)
    causes: Mapping[str, str] = field(default_factory=dict)  # measure -> the difference adding most, in words

    def measure_reason(self, name: str, sd: float) -> str | None:
        """Why measure ``name`` (between-capture SD ``sd``) cannot be judged on this pair, or
        None when its added error stays within ``DOMINANT`` times ``sd``."""
        if self.added.get(name, 0.0) <= DOMINANT * sd:
            return None
        return self.causes.get(name, "the two photos were taken too differently")


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


def relative_size(capture: Capture) -> float | None:
    """The face's size as a fraction of the photo's width (eye distance over width): the same
    camera at another resolution gives the same value; nearer gives more."""
    iod = capture.quality.interocular_px
    if not iod or not capture.width:
        return None
    return iod / capture.width


def differences(before: Capture, after: Capture) -> dict[str, tuple[float, str]]:
    """Every known difference between the two captures, in the units of
    ``pair_sensitivity.SLOPES`` (its absolute size), with its sentence."""
    out: dict[str, tuple[float, str]] = {}
    if before.pose is not None and after.pose is not None:
        yaw, pitch, roll = (b - a for a, b in zip(before.pose, after.pose))
        out["yaw"] = (abs(yaw), f"the head is turned {abs(yaw):.0f} degrees further to the person's "
                                f"{'left' if yaw > 0 else 'right'} in the second photo")
        out["pitch"] = (abs(pitch), f"the chin is {abs(pitch):.0f} degrees {'higher' if pitch > 0 else 'lower'} "
                                    "in the second photo")
        out["roll"] = (abs(roll), f"the head leans {abs(roll):.0f} degrees further towards the person's "
                                  f"{'right' if roll > 0 else 'left'} shoulder in the second photo")
    a, b = before.quality.expression or {}, after.quality.expression or {}
    for name, (_, words) in EXPRESSIONS.items():
        if name in a and name in b:
            diff = b[name] - a[name]
            out[name] = (abs(diff), f"{words} in the {'second' if diff > 0 else 'first'} photo "
                                    f"({max(a[name], b[name]):.2f} against {min(a[name], b[name]):.2f} on a 0 to 1 scale)")
    sa, sb = relative_size(before), relative_size(after)
    if sa and sb:
        ratio = sb / sa
        bigger, pct = ("second", ratio - 1) if ratio > 1 else ("first", 1 / ratio - 1)
        out["size"] = (abs(math.log(ratio)), f"the face is {100 * pct:.0f} % larger in the {bigger} photo (taken "
                                             "nearer the camera, or with another camera or zoom)")
    ba, bb = before.quality.brightness, after.quality.brightness
    if ba and bb:
        ratio = bb / ba
        brighter, pct = ("second", ratio - 1) if ratio > 1 else ("first", 1 / ratio - 1)
        out["brightness"] = (abs(math.log(ratio)), f"the face is {100 * pct:.0f} % brighter in the {brighter} photo")
    la, lb = before.quality.light_balance, after.quality.light_balance
    if la and lb:
        diff = math.log2(lb / la)
        out["balance"] = (abs(diff), f"the light falls more from the person's {'left' if diff > 0 else 'right'} "
                                     f"in the second photo (one cheek {100 * (2 ** abs(diff) - 1):.0f} % brighter "
                                     "relative to the other)")
    return out


def _beyond(kind: str, size: float, limits: Limits) -> bool:
    if kind in limits.expression:
        return size > limits.expression[kind]
    if kind in ("size", "brightness"):
        return size > math.log1p(getattr(limits, kind))
    return size > getattr(limits, kind, math.inf)


def comparability(before: Capture, after: Capture, limits: Limits = LIMITS) -> Comparability:
    """Whether ``before`` and ``after`` can be compared (each difference against its limit), and
    the error their differences add to each measure. Unknown values (a capture stored before
    they were recorded) count as comparable and add nothing."""
    found = differences(before, after)
    reasons = tuple(words for kind, (size, words) in found.items() if _beyond(kind, size, limits))
    added, causes = {}, {}
    for name in {m for slopes in SLOPES.values() for m in slopes}:
        parts = {kind: SLOPES[kind].get(name, 0.0) * size for kind, (size, _) in found.items() if kind in SLOPES}
        if parts:
            added[name] = math.sqrt(sum(p * p for p in parts.values()))
            causes[name] = found[max(parts, key=parts.get)][1]
    return Comparability(not reasons, reasons, added, causes)
