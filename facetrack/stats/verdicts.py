"""Verdicts: whether a measure changed, said only as far as between-capture noise allows.

Two kinds of family are tested, each with its own correction for multiple comparisons:

- **a before/after** (``compare_pair``): the change of measure m is tested with
  t = change / sqrt(2 s_m^2 + e_m^2) on the noise's degrees of freedom, e_m the error the two
  photos' differences in pose, expression, distance and light add (``stats.comparable``);
- **a trend summary** (``trend_verdicts``): every measure with values on 3 days or more; the
  fitted line's slope is tested with its standard error s_m / sqrt(Sxx), over the photos
  comparable with the baseline (``comparable_series``).

The correction is Bonferroni at a family-wise error rate of 5 %: measure m is beyond noise
when its two-sided p-value is at most 0.05 / M, M the number of measures of its family that
have a noise estimate (``family_size``: the same whichever measures a photo has). That is
Holm's first step, so the family's own answer ("changed" when any measure is beyond noise)
is exactly Holm's; Holm's later, looser steps are not taken for the other measures, so that
each measure keeps one figure: its **smallest real change**, the change the test needs
(``threshold``). A change is beyond noise exactly when it is larger than that figure, on
every page, in the report and in the CLI.

The skin measures are a family of their own (``family_of``); no list pools two families. A
measure whose added error swamps its noise is "cannot tell" for that pair, with the cause;
a pair beyond the measured range altogether is "cannot tell" with its reasons, and none of
its measures is called beyond or within noise. How the noise is made: ``stats.noise`` and
docs/verdicts.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from facetrack.metrics import ALL_METRICS, Metric
from facetrack.records import Capture
from facetrack.stats.comparable import comparability
from facetrack.stats.noise import Noise
from facetrack.stats.trends import DAYS_PER_PERIOD, _incomplete_beta, days_since, t_quantile

#: The family-wise error rate of every verdict.
ALPHA = 0.05
#: A trend needs values on at least this many different days.
MIN_TREND_DAYS = 3

BEYOND, WITHIN, NOT_MEASURED, CANNOT_TELL = "beyond noise", "within noise", "not measured", "cannot tell"
CHANGED, NO_CHANGE = "changed", "no change"


def family_of(metric: Metric) -> str:
    """The family a metric is tested in: "skin" for the skin measures, "shape" for the rest."""
    return "skin" if metric.group == "skin" else "shape"


def two_sided_p(t: float, dof: float) -> float:
    """P(|T| >= |t|) for Student's t with ``dof`` degrees of freedom."""
    if not math.isfinite(t):
        return 0.0
    return float(_incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t)))


def critical_t(dof: float, family_size: int, alpha: float = ALPHA) -> float:
    """The |t| a measure must exceed in a family of ``family_size`` (Bonferroni)."""
    if family_size < 1:
        raise ValueError(f"family_size must be at least 1 but got {family_size}")
    return t_quantile(1.0 - alpha / (2.0 * family_size), dof)


def threshold(noise: Noise, family_size: int, alpha: float = ALPHA, added: float = 0.0) -> float:
    """The smallest real change of a before/after in a family of ``family_size`` measures:
    critical t x sqrt(2 s_m^2 + added^2), in the metric's stored units; ``added``: the error the
    two photos' differences in pose, expression, distance and light add (``comparable``)."""
    return critical_t(noise.dof, family_size, alpha) * math.sqrt(2.0 * noise.sd ** 2 + added ** 2)


@dataclass(frozen=True)
class MeasureVerdict:
    """One measure of a before/after: its values, change, smallest real change and verdict
    ("beyond noise", "within noise", "not measured" or "cannot tell")."""

    metric: Metric
    before: float | None
    after: float | None
    smallest_real_change: float | None
    p: float | None
    verdict: str
    reason: str | None = None  # why "cannot tell", in words

    @property
    def change(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def beyond_noise(self) -> bool:
        return self.verdict == BEYOND


@dataclass(frozen=True)
class PairVerdict:
    """A before/after: "changed", "no change" or "cannot tell", why, and each measure's verdict."""

    before: Capture
    after: Capture
    verdict: str
    reason: str
    measures: tuple[MeasureVerdict, ...]

    def measure(self, name: str) -> MeasureVerdict:
        return next(m for m in self.measures if m.metric.name == name)


def family_size(metric: Metric, noise: Mapping[str, Noise], metrics: Sequence[Metric] = ALL_METRICS) -> int:
    """How many measures ``metric``'s family holds: every metric of the family with a noise
    estimate, whether or not a given photo has it, so that a measure's smallest real change
    is one figure for the profile, the same on every page."""
    return sum(1 for m in metrics if family_of(m) == family_of(metric) and m.name in noise)


def smallest_real_change(metric: Metric, noise: Mapping[str, Noise], metrics: Sequence[Metric] = ALL_METRICS,
                         added: float = 0.0) -> float | None:
    """The smallest change between two photos that ``metric``'s verdict calls beyond noise,
    in its stored units (None: no noise estimate, so no verdict); ``added``: what the two
    photos' differences add (``comparable.Comparability.added``)."""
    if metric.name not in noise:
        return None
    return threshold(noise[metric.name], family_size(metric, noise, metrics), added=added)


def compare_pair(before: Capture, after: Capture, noise: Mapping[str, Noise], *,
                 metrics: Sequence[Metric] = ALL_METRICS, comparable=None) -> PairVerdict:
    """The verdict on two captures (``before`` earlier). ``noise``: ``noise.profile_noise``;
    ``comparable``: a ``stats.comparable.Comparability`` of the pair (None: comparable).

    Every metric either capture has is listed; one without a value in both is "not
    measured", one without a noise estimate too (it cannot be judged)."""
    def value(c: Capture, name: str) -> float | None:
        v = c.metrics.get(name)
        return None if v is None or not math.isfinite(v.value) else float(v.value)

    shown = [m for m in metrics if m.name in before.metrics or m.name in after.metrics]
    tested = {m.name for m in shown
              if value(before, m.name) is not None and value(after, m.name) is not None and m.name in noise}
    blocked = comparable is not None and not comparable.comparable
    added = comparable.added if comparable is not None else {}
    out = []
    for m in shown:
        a, b = value(before, m.name), value(after, m.name)
        if m.name not in tested:
            out.append(MeasureVerdict(m, a, b, None, None, NOT_MEASURED))
            continue
        n = noise[m.name]
        extra = added.get(m.name, 0.0)
        limit = smallest_real_change(m, noise, metrics, added=extra)
        p = two_sided_p((b - a) / math.sqrt(2.0 * n.sd ** 2 + extra ** 2), n.dof)
        why = comparable.measure_reason(m.name, n.sd) if comparable is not None else None
        if blocked or why:
            out.append(MeasureVerdict(m, a, b, None, p, CANNOT_TELL, why or "; ".join(comparable.reasons)))
        else:
            out.append(MeasureVerdict(m, a, b, limit, p, BEYOND if abs(b - a) > limit else WITHIN))
    judged = [v for v in out if v.verdict in (BEYOND, WITHIN)]
    unjudged = sorted({v.reason for v in out if v.verdict == CANNOT_TELL and v.reason})
    if blocked:
        verdict, reason = CANNOT_TELL, "; ".join(comparable.reasons) or "the two photos are not comparable"
    elif not tested:
        verdict, reason = CANNOT_TELL, "no measure was measured on both photos"
    elif not judged:
        verdict, reason = CANNOT_TELL, "; ".join(unjudged)
    elif any(v.beyond_noise for v in out):
        names = [v.metric.label for v in out if v.beyond_noise]
        verdict, reason = CHANGED, f"changed beyond noise: {', '.join(names)}"
    else:
        verdict, reason = NO_CHANGE, "every measured change is within noise"
    if unjudged and verdict in (CHANGED, NO_CHANGE):
        reason += f"; some measures cannot be judged: {'; '.join(unjudged)}"
    return PairVerdict(before, after, verdict, reason, tuple(out))


@dataclass(frozen=True)
class TrendVerdict:
    """A measure's straight-line trend over a profile's captures, as its family's test judges it.

    ``change``: the fitted change from the first capture to the last (stored units);
    ``low``/``high``: its interval at the family's corrected level, which excludes zero
    exactly when the verdict is "beyond noise"; ``days``: the different days with a value.
    Without a trend (values on fewer than ``MIN_TREND_DAYS`` days) ``change`` is None and
    the verdict "too few photos"."""

    metric: Metric
    n: int
    days: int
    span_days: float
    slope: float | None  # per 4 weeks
    intercept: float | None
    change: float | None
    low: float | None
    high: float | None
    p: float | None
    verdict: str

    @property
    def beyond_noise(self) -> bool:
        return self.verdict == BEYOND

    @property
    def slope_range(self) -> tuple[float, float] | None:
        """The slope's interval at the family's level, per 4 weeks (None without a trend)."""
        if self.change is None or self.span_days <= 0:
            return None
        scale = self.span_days / DAYS_PER_PERIOD
        return self.low / scale, self.high / scale


TOO_FEW = "too few photos"


def _fit(days: np.ndarray, values: np.ndarray):
    x = days / DAYS_PER_PERIOD
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (values - values.mean())).sum() / sxx)
    return slope, float(values.mean() - slope * xm), sxx


def comparable_series(captures: Sequence[Capture], baseline: Capture | None
                      ) -> tuple[list[Capture], list[tuple[Capture, str]]]:
    """(the captures a trend counts, the others with why): those that cannot be compared with
    the ``baseline`` at all (``comparable.comparability``: a broad smile against a neutral face,
    the head turned far more) are shown but not counted. None: every capture counts."""
    if baseline is None:
        return list(captures), []
    kept, left = [], []
    for c in captures:
        found = comparability(baseline, c) if c.id != baseline.id else None
        if found is None or found.comparable:
            kept.append(c)
        else:
            left.append((c, "; ".join(found.reasons)))
    return kept, left


def trend_verdicts(captures: Sequence[Capture], noise: Mapping[str, Noise], *,
                   metrics: Sequence[Metric] = ALL_METRICS, baseline: Capture | None = None
                   ) -> dict[str, TrendVerdict]:
    """Every metric with a value in any capture: its trend and its family's verdict.

    Each metric counts its own captures and days (a silhouette value on three photos of one
    day has no trend, whatever the other measures have). The slope's standard error uses
    the measure's between-capture noise s_m (which already holds the scatter around this
    line, ``noise.own_scatter``), not the residuals alone, and its degrees of freedom.
    ``baseline``: captures not comparable with it are left out (``comparable_series``); the
    days still count from the first of ``captures``."""
    if not captures:
        return {}
    origin = min(c.taken_at for c in captures)
    captures = comparable_series(captures, baseline)[0]
    all_days = days_since([c.taken_at for c in captures], origin)
    fits = {}
    for m in metrics:
        rows = [(d, c.taken_at.date(), c.metrics[m.name].value) for d, c in zip(all_days, captures)
                if m.name in c.metrics and math.isfinite(c.metrics[m.name].value)]
        if rows:
            fits[m.name] = (m, np.array([r[0] for r in rows]), np.array([r[2] for r in rows]),
                            len({r[1] for r in rows}))
    tested = {name for name, (m, d, v, n_days) in fits.items() if n_days >= MIN_TREND_DAYS and name in noise}
    out = {}
    for name, (m, d, v, n_days) in fits.items():
        span = float(np.ptp(d))
        if name not in tested:
            out[name] = TrendVerdict(m, len(v), n_days, span, None, None, None, None, None, None, TOO_FEW)
            continue
        slope, intercept, sxx = _fit(d, v)
        s = noise[name]
        se = s.sd / math.sqrt(sxx)  # per 4 weeks
        scale = span / DAYS_PER_PERIOD
        half = critical_t(s.dof, family_size(m, noise, metrics)) * se * scale
        change = slope * scale
        p = two_sided_p(slope / se, s.dof)
        verdict = BEYOND if abs(change) > half else WITHIN
        out[name] = TrendVerdict(m, len(v), n_days, span, slope, intercept, change, change - half, change + half,
                                 p, verdict)
    return out
