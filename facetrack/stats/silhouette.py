"""Whether each capture has its silhouette values, and why not in plain words: one answer for
every card, count and report line.

The silhouette metrics (``metrics.SILHOUETTE``) are measured on the outline of the face against
the background and are missing, never wrong, when that outline cannot be trusted; the capture's
quality notes (``silhouette_missing``) keep the reason per metric, as the silhouette measure
wrote it ("hair, an ear or the neck at the edge (6 of 6 views)"). A capture has them all, some
of them, or none. Earlier counts said "with silhouette values" for a capture with any of them
while a card said "no silhouette" for a capture missing any: both are read from here now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from facetrack.metrics import SILHOUETTE

NAMES: tuple[str, ...] = tuple(m.name for m in SILHOUETTE)

#: The silhouette measure's reasons (``metrics.silhouette.find_edge``, ``detect.outline``) in
#: a person's words; the reason's text up to " (" or ":" is looked up.
REASON_WORDS: Mapping[str, str] = {
    "the mask misses the face centre": "the face was not found against the background",
    "no edge within reach": "no clear edge beside the face",
    "a soft mask edge": "a blurred edge of the face",
    "an unsure mask": "an unclear edge of the face",
    "hair, an ear or the neck at the edge": "hair, an ear or the neck at the edge of the face",
    "a background like the skin": "a background close to your skin colour",
    "a busy background": "a busy background",
    "the views disagree by": "an edge that moved between views",
    "too few views": "too few clear views",
}
#: A capture measured before facetrack measured silhouettes has neither values nor reasons.
NOT_MEASURED = "not measured for this photo yet"
ADVICE = "they need a plain wall behind you"


def reason_words(reason: str) -> str:
    """A stored reason in plain words: "a busy background (6 of 6 views)" -> "a busy background"."""
    stem = re.split(r" \(|:", reason, maxsplit=1)[0].strip()
    for known, words in REASON_WORDS.items():
        if stem.startswith(known):
            return words
    return stem.replace("_", " ")


@dataclass(frozen=True)
class SilhouetteState:
    """One capture's silhouette: which metrics have values, and why the others have none."""

    measured: tuple[str, ...]  # silhouette metrics with a value
    missing: Mapping[str, str]  # the others -> why, in plain words

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def none(self) -> bool:
        return not self.measured

    @property
    def reasons(self) -> tuple[str, ...]:
        """The distinct reasons, most frequent first."""
        counts: dict[str, int] = {}
        for words in self.missing.values():
            counts[words] = counts.get(words, 0) + 1
        return tuple(sorted(counts, key=lambda w: (-counts[w], w)))

    @property
    def text(self) -> str:
        """What a card says: "outline against the wall measured", "outline not measured: a busy
        background", "outline measured in part: hair, an ear or the neck at the edge of the face"."""
        if self.complete:
            return "outline against the wall measured"
        why = " and ".join(self.reasons[:2])
        if self.none:
            return f"outline not measured: {why}"
        return f"outline measured in part: {why}"


def silhouette_state(capture) -> SilhouetteState:
    """Whether ``capture`` has its silhouette values and, for each one missing, why in words."""
    measured = tuple(n for n in NAMES if n in capture.metrics)
    notes = capture.quality.silhouette_missing or {}
    missing = {n: reason_words(notes[n]) if n in notes else NOT_MEASURED for n in NAMES if n not in measured}
    return SilhouetteState(measured, missing)


def silhouette_summary(captures: Sequence) -> str:
    """How many captures have silhouette values, in one line that agrees with each capture's
    ``silhouette_state``: "the outline against the wall measured on 3 of 12 photos (1 of them
    only in part; they need a plain wall behind you)"."""
    states = [silhouette_state(c) for c in captures]
    some = sum(not s.none for s in states)
    partial = sum(not s.none and not s.complete for s in states)
    notes = ([f"{partial} of them only in part"] if partial else []) + \
        ([ADVICE] if some - partial != len(captures) else [])
    return (f"the outline against the wall measured on {some} of {len(captures)} photos"
            + (f" ({'; '.join(notes)})" if notes else ""))
