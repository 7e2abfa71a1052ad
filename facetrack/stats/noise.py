"""How much a measure moves between two captures of a face that did not change: the noise
every verdict is judged against.

A measure m has a between-capture standard deviation s_m: the SD of one capture's value
when the same unchanged face is captured again, in another sitting, with a few degrees of
pose, a slightly different expression and light. It is estimated from three sources,
pooled as a scaled-inverse-chi-square update (``combine``):

- **the default** (``default_noise.DEFAULT_NOISE``): s0_m with nu0_m degrees of freedom,
  measured on real repeat captures of unchanged faces (``calibration/make_default_noise.py``)
  and made conservative for a week between photos;
- **the person's own series** (``own_scatter``): the scatter of their captures around
  their own straight-line trend, with n - 2 degrees of freedom (a slow real change is
  absorbed by the line; a sudden one inflates the scatter, which only makes verdicts more
  careful);
- **repeat photos in one sitting** (``facetrack calibrate repeatability``): their pooled
  within-sitting SD, counted at half its degrees of freedom (one sitting misses a week's
  variation of light, pose and expression).

    s_m^2 = sum(nu_i * s_i^2) / sum(nu_i),   nu = sum(nu_i)

Tests then use Student's t with nu degrees of freedom (``verdicts``), so a series of few
photos gets wide intervals. The spread between views of one photo (model jitter) is not
part of s_m: it is that capture's quality (``MetricValue.spread``).

Pure functions over captures and numbers: no files, no clocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

import numpy as np

from facetrack.records import Capture, Repeatability
from facetrack.stats.default_noise import DEFAULT_NOISE
from facetrack.stats.trends import days_since

#: Repeat photos of one sitting count at this fraction of their degrees of freedom.
REPEAT_WEIGHT = 0.5


@dataclass(frozen=True)
class Noise:
    """One measure's between-capture noise: the SD ``sd`` of one capture's value, in the
    metric's stored units, with ``dof`` degrees of freedom behind it, and where it came from."""

    metric: str
    sd: float
    dof: float
    default_sd: float
    default_dof: float
    own_sd: float | None = None
    own_dof: float = 0.0
    repeat_sd: float | None = None
    repeat_dof: float = 0.0

    def __post_init__(self):
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise ValueError(f"Noise.sd must be a positive finite number but got {self.sd!r} ({self.metric})")
        if not self.dof > 0:
            raise ValueError(f"Noise.dof must be positive but got {self.dof!r} ({self.metric})")

    @property
    def source(self) -> str:
        """Where the figure comes from, in words."""
        parts = ["facetrack's measured default"]
        if self.own_dof:
            parts.append("the scatter of your own photos")
        if self.repeat_dof:
            parts.append("your repeat photos")
        return " and ".join(parts) if len(parts) < 3 else f"{parts[0]}, {parts[1]} and {parts[2]}"


def default_noise(name: str, defaults: Mapping[str, tuple[float, float]] = DEFAULT_NOISE) -> Noise | None:
    """The measured default for metric ``name`` (None: no default, so no verdict)."""
    if name not in defaults:
        return None
    sd, dof = defaults[name]
    return Noise(name, sd, dof, sd, dof)


def own_scatter(days: Sequence[float], values: Sequence[float]) -> tuple[float, float] | None:
    """(SD, degrees of freedom) of values around their least-squares line over ``days``:
    sqrt(residual sum of squares / (n - 2)). None with fewer than 3 finite values.

    Photos taken on the same day (a repeat in one sitting) vary less than photos a week
    apart, so they count at ``REPEAT_WEIGHT`` of a degree of freedom each: the degrees of
    freedom are (different days - 2) + ``REPEAT_WEIGHT`` x (photos - different days). All
    on one day, the values' SD about their mean stands in, with ``REPEAT_WEIGHT`` x (n - 1)."""
    x = np.asarray(days, np.float64)
    y = np.asarray(values, np.float64)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(y)
    n_days = len(np.unique(np.floor(x)))
    if n >= 3 and np.ptp(x) > 0:
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (intercept + slope * x)
        dof = max(0, n_days - 2) + REPEAT_WEIGHT * (n - max(n_days, 2))
        return (float(math.sqrt(float((resid ** 2).sum()) / (n - 2))), float(dof)) if dof > 0 else None
    if n >= 2 and np.ptp(x) == 0:
        return float(np.std(y, ddof=1)), REPEAT_WEIGHT * (n - 1)
    return None


def combine(default: Noise, own: tuple[float, float] | None = None,
            repeat: Repeatability | None = None) -> Noise:
    """The pooled noise: each source's variance weighted by its degrees of freedom.

    A repeatability calibration made with another metric definition (``version`` differs
    from the default's metric) is the caller's to leave out."""
    terms = [(default.default_dof, default.default_sd ** 2)]
    own_sd, own_dof = own if own else (None, 0)
    if own_dof > 0:
        terms.append((own_dof, own_sd ** 2))
    repeat_sd, repeat_dof = None, 0.0
    if repeat is not None and repeat.n_captures - repeat.n_sittings > 0 and math.isfinite(repeat.sem):
        repeat_sd, repeat_dof = repeat.sem, REPEAT_WEIGHT * (repeat.n_captures - repeat.n_sittings)
        terms.append((repeat_dof, repeat_sd ** 2))
    dof = sum(nu for nu, _ in terms)
    variance = sum(nu * v for nu, v in terms) / dof
    sd = math.sqrt(variance) if variance > 0 else default.default_sd
    return Noise(default.metric, sd, dof, default.default_sd, default.default_dof, own_sd, own_dof,
                 repeat_sd, repeat_dof)


def profile_noise(captures: Sequence[Capture], repeats: Mapping[str, Repeatability] | None = None, *,
                  leave_out: Collection[int] = (),
                  defaults: Mapping[str, tuple[float, float]] = DEFAULT_NOISE) -> dict[str, Noise]:
    """Each measure's noise for a profile: the default, updated with the scatter of the
    profile's own ``captures`` and its repeatability calibration (``repeats``). Measures
    without a default get none (and so no verdict).

    ``leave_out``: ids of captures whose scatter is not counted. A before/after leaves its
    own two photos out (``pair_noise``): the noise is then independent of the difference it
    judges, as Student's t needs, and a real step change between them cannot inflate it.
    ``defaults``: another default table (the verdicts benchmark's folds)."""
    captures = [c for c in captures if c.id not in set(leave_out)]
    days = days_since([c.taken_at for c in captures]) if captures else np.array([])
    out = {}
    for name in defaults:
        default = default_noise(name, defaults)
        values = [c.metrics[name].value if name in c.metrics else np.nan for c in captures]
        own = own_scatter(days, values) if captures else None
        out[name] = combine(default, own, (repeats or {}).get(name))
    return out


def pair_noise(captures: Sequence[Capture], before: Capture, after: Capture,
               repeats: Mapping[str, Repeatability] | None = None) -> dict[str, Noise]:
    """The noise a before/after of ``before`` and ``after`` is judged against: the profile's,
    from every capture but those two (``profile_noise``'s ``leave_out``)."""
    return profile_noise(captures, repeats, leave_out=(before.id, after.id))
