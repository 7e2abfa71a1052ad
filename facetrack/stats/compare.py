"""Before/after: how each metric changed between two captures, and whether beyond noise.

Pure functions over captures (no files, no plotting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from facetrack.errors import ReportError
from facetrack.metrics import ALL_METRICS, Metric
from facetrack.metrics.noise import mdc95_of_difference
from facetrack.records import Capture

@dataclass(frozen=True)
class Change:
    metric: Metric
    before: float
    after: float
    noise: float  # MDC95 of the difference (see ``compare_captures``)
    noise_source: str = "spreads"  # "calibration" when it is the profile's repeatability MDC95

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def beyond_noise(self) -> bool:
        return abs(self.change) > self.noise

    @property
    def verdict(self) -> str:
        return "beyond noise" if self.beyond_noise else "within noise"


def compare_captures(before: Capture, after: Capture, metrics: Sequence[Metric] = ALL_METRICS, *,
                     mdc: Mapping[str, float] | None = None) -> list[Change]:
    """Every metric both captures have, with its change, noise level and verdict.

    The noise level is the profile's repeatability MDC95 (``mdc``, from ``facetrack
    calibrate repeatability``) where there is one, else 1.96 x sqrt(spread_before^2 +
    spread_after^2) from the two captures' own spreads.
    """
    out = []
    for metric in metrics:
        a, b = before.metrics.get(metric.name), after.metrics.get(metric.name)
        if a is None or b is None:
            continue
        if mdc and metric.name in mdc:
            out.append(Change(metric, a.value, b.value, float(mdc[metric.name]), "calibration"))
        else:
            out.append(Change(metric, a.value, b.value, mdc95_of_difference(a.spread, b.spread)))
    return out


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
