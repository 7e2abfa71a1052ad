"""When the next weekly capture is due.

A weekly routine: a capture is due once ``DUE_AFTER_DAYS`` have passed since the last one.
Pure; the caller gives the time it is now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: A capture is due once this many days have passed since the last one.
DUE_AFTER_DAYS = 7


@dataclass(frozen=True)
class Due:
    days_since: float  # days since the last capture
    due: bool  # this week's capture is due now
    next_on: dt.date  # the day it falls due


def capture_due(last: dt.datetime, now: dt.datetime, every_days: float = DUE_AFTER_DAYS) -> Due:
    """Whether a capture is due ``now``, given the last one was taken at ``last``."""
    days = (now - last).total_seconds() / 86400
    return Due(days, days >= every_days, (last + dt.timedelta(days=every_days)).date())
