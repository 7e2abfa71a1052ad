"""The minimal detectable change (MDC95) of one SD: 1.96 x sqrt(2) x ``sd``.

Two measurements of an unchanged face, each with standard deviation ``sd``, differ by more
than ``1.96 x sqrt(2) x sd`` less than 5 % of the time. `facetrack calibrate repeatability`
prints it for a sitting's SEM.

Notes
-----
This is one measure's figure alone, at 5 %. The verdicts of the pages, the report and
`facetrack compare` use ``stats.verdicts.smallest_real_change`` instead: the SD between
captures of an unchanged face (``stats.noise``), Student's t on its degrees of freedom, and
a correction for every measure tested at once.
"""

from __future__ import annotations

import math

#: The two-sided 95 % quantile of the normal distribution.
Z95 = 1.96


def mdc95(sd: float) -> float:
    """Minimal detectable change at 95 % between two measurements with the same SD:
    1.96 x sqrt(2) x ``sd``."""
    return float(Z95 * math.sqrt(2.0) * sd)
