"""Before/after: which two captures, and the verdict on them.

Pure functions over captures (no files, no plotting).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from facetrack.errors import ReportError
from facetrack.records import Capture, Repeatability
from facetrack.stats.comparable import comparability
from facetrack.stats.noise import pair_noise
from facetrack.stats.verdicts import PairVerdict, compare_pair


def judge_pair(captures: Sequence[Capture], before: Capture, after: Capture,
               repeats: Mapping[str, Repeatability] | None = None) -> PairVerdict:
    """The before/after verdict on two of a profile's ``captures``: each measure judged against
    the profile's between-capture noise (``noise.pair_noise``: the measured default with the
    scatter of the other ``captures`` and the repeat photos ``repeats``), the family corrected, and
    "cannot tell" when the two photos are not comparable (``comparable.comparability``).
    The one function every page, the report and the CLI call."""
    return compare_pair(before, after, pair_noise(captures, before, after, repeats),
                        comparable=comparability(before, after))


def choose_pair(captures: Sequence[Capture], baseline: Capture | None, profile: str,
                a: int | None = None, b: int | None = None) -> tuple[Capture, Capture]:
    """(before, after): captures ``a`` and ``b`` when given, else the baseline and the latest;
    the earlier one comes first. ``ReportError`` names what is missing or wrong."""
    if len(captures) < 2:
        raise ReportError(f"comparing needs at least 2 captures, profile {profile!r} has {len(captures)}")
    by_id = {c.id: c for c in captures}
    for cid in (a, b):
        if cid is not None and cid not in by_id:
            raise ReportError(f"profile {profile!r} has no capture {cid} (see `facetrack list`)")
    before = by_id[a] if a is not None else baseline
    after = by_id[b] if b is not None else captures[-1]
    if before.id == after.id:
        raise ReportError(f"before and after are the same capture ({before.id}); name two captures")
    if before.taken_at > after.taken_at:
        before, after = after, before
    return before, after
