"""Each user's own measurement noise, from repeated captures of an unchanged face.

In one sitting the face does not change, so the spread of repeated captures (stand up, sit
back down, capture again) is the measurement's own noise: the standard error of
measurement (SEM). Two measurements of an unchanged face then differ by more than

    MDC95 = 1.96 x sqrt(2) x SEM

less than 5 % of the time: the minimal detectable change. A change smaller than that is
"within noise". Pure functions; the store keeps the results per profile.

Notes
-----
The SEM holds for the conditions it was measured in (camera, place, light, capture
protocol, facetrack version) and for the metric definitions it was measured with: each
result records its metric's version, and a calibration made with an older definition (or
before versions were recorded) should be made again (``is_current``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

from facetrack.metrics import VERSIONS

from facetrack.records import Repeatability


def with_versions(results: Mapping[str, Repeatability],
                  versions: Mapping[str, int] = VERSIONS) -> dict[str, Repeatability]:
    """``results`` tagged with the version of the metric definition each was measured with."""
    return {name: replace(r, version=versions.get(name)) for name, r in results.items()}


def is_current(results: Mapping[str, Repeatability], versions: Mapping[str, int] = VERSIONS) -> bool:
    """Whether every result was measured with the metric definition now in use."""
    return all(r.version is not None and r.version == versions.get(name) for name, r in results.items())


def repeatability(sittings: Sequence[Sequence[Mapping[str, float]]]) -> dict[str, Repeatability]:
    """SEM per metric, pooled over sittings: sqrt(sum of squared deviations from each
    sitting's mean / sum of (captures - 1)). Each sitting is a list of metric dicts.

    Needs at least 3 captures in all (2 degrees of freedom) for a metric to be reported.
    """
    names = sorted({name for sitting in sittings for values in sitting for name in values})
    out = {}
    for name in names:
        squares, dof, n, k = 0.0, 0, 0, 0
        for sitting in sittings:
            x = np.array([v[name] for v in sitting if name in v and np.isfinite(v[name])], np.float64)
            if len(x) < 2:
                continue
            squares += float(((x - x.mean()) ** 2).sum())
            dof += len(x) - 1
            n += len(x)
            k += 1
        if dof >= 2:
            out[name] = Repeatability(name, math.sqrt(squares / dof), n, k)
    if not out:
        raise ValueError("repeatability needs at least 3 captures of the same face")
    return out


@dataclass(frozen=True)
class Calibration:
    """A profile's repeatability calibration as stored: when it was made, and its results."""

    made_at: dt.datetime | None
    results: Mapping[str, Repeatability]

    @property
    def mdc(self) -> dict[str, float]:
        """MDC95 per metric ({} when the profile was never calibrated)."""
        return {name: r.mdc95 for name, r in self.results.items()}

    @property
    def current(self) -> bool:
        return is_current(self.results)

    def warning(self, profile: str) -> str | None:
        """What to tell the user when the calibration was measured with older definitions
        (it is still used: the best estimate there is)."""
        if not self.results or self.current:
            return None
        return (f"the repeatability calibration of profile {profile!r} ({self.made_at.date().isoformat()}) "
                "was measured with older metric definitions, or before facetrack recorded them; run "
                f"`facetrack calibrate repeatability --profile {profile}` again for current noise levels")

    def summary(self) -> str:
        """One line for `facetrack status`."""
        if not self.made_at:
            return "repeatability not calibrated (`facetrack calibrate repeatability`)"
        line = (f"repeatability calibrated on {self.made_at.date().isoformat()} "
                f"({next(iter(self.results.values())).n_captures} captures)")
        if not self.current:
            line += ", with older metric definitions: calibrate again (`facetrack calibrate repeatability`)"
        return line
