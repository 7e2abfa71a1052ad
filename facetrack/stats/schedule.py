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
    try:
        next_on = (last + dt.timedelta(days=every_days)).date()
    except OverflowError:  # a last date at the calendar's end (a store written before dates were checked)
        next_on = dt.date.max
    return Due(days, days >= every_days, next_on)


def next_capture(captures, now: dt.datetime, every_days: float = DUE_AFTER_DAYS) -> Due | None:
    """``capture_due`` after a profile's latest capture (by date, as `facetrack status` reads
    it), or None without captures."""
    if not captures:
        return None
    return capture_due(max(c.taken_at for c in captures), now, every_days)


def due_sentence(captures, now: dt.datetime, every_days: float = DUE_AFTER_DAYS) -> str:
    """When the next weekly photo is due, in one sentence for every page: "This week's photo
    is due: the last one was 9 days ago.", "Next weekly photo: Monday 30 March."."""
    due = next_capture(captures, now, every_days)
    if due is None:
        return "No photos yet: take your first one."
    if due.days_since < 0:  # a last photo dated after now (a store written before dates were checked)
        return "Next weekly photo: a week after the last one, once its date is corrected (it is in the future)."
    if due.due:
        days = int(due.days_since)
        return f"This week's photo is due: the last one was {days} day{'s' if days != 1 else ''} ago."
    day = due.next_on
    when = f"{day:%A} {day.day} {day:%B}" + (f" {day.year}" if day.year != now.year else "")
    return f"Next weekly photo: {'tomorrow, ' if day == now.date() + dt.timedelta(days=1) else ''}{when}."
