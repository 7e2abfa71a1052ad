"""The dates of photos: a photo's own date (EXIF) read without importing it, a date a person
typed, the checks every date given to facetrack passes, and correcting a stored capture's date.

A capture's date is a naive local date and time, kept to the second (as EXIF gives it). A
date given with a time zone is turned into local time; a date given without a time of day
keeps the time of day the capture had (it orders captures taken the same day).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from facetrack.errors import FacetrackError

#: No photo facetrack measures was taken before this (a date before it is a typing mistake).
EARLIEST = dt.datetime(1900, 1, 1)
EXAMPLE = "2026-01-05 or 2026-01-05T09:30"


class DateError(FacetrackError):
    """A date given for a photo cannot be used (not a date, in the future, ...)."""


def parse_date(text: str) -> tuple[dt.datetime, bool]:
    """(the date and time ``text`` names, whether it names a time of day).

    Takes ISO 8601: ``2026-01-05``, ``2026-01-05T09:30``, ``2026-01-05 09:30:15``, with or
    without a time zone (``+02:00``, ``Z``: turned into local time). DateError otherwise.
    """
    raw = str(text).strip()
    try:
        when = dt.datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise DateError(f"{raw!r} is not a date: give it as {EXAMPLE}") from None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.replace(microsecond=0), len(raw) > 10


def check_taken_at(when: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """``when`` (naive local time, to the second) when it can be a photo's date: not in the
    future, not before 1900. DateError otherwise."""
    if not isinstance(when, dt.datetime):
        raise DateError(f"a photo's date must be a date and time but got {when!r}")
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    now = now or dt.datetime.now()
    if when > now:
        raise DateError(f"{when.isoformat(sep=' ')} is in the future: a photo cannot be taken after now "
                        f"({now.replace(microsecond=0).isoformat(sep=' ')})")
    if when < EARLIEST:
        raise DateError(f"{when.date().isoformat()} is before {EARLIEST.year}: check the year")
    return when.replace(microsecond=0)


def corrected_date(text: str | dt.datetime, keep_time: dt.datetime | None = None,
                   now: dt.datetime | None = None) -> dt.datetime:
    """The checked date ``text`` gives a capture now dated ``keep_time``: a date without a
    time of day keeps ``keep_time``'s time of day (but never later than now)."""
    now = now or dt.datetime.now()
    if isinstance(text, dt.datetime):
        when, with_time = text, True
    else:
        when, with_time = parse_date(text)
    if not with_time and keep_time is not None:
        if when.date() > now.date():
            raise DateError(f"{when.date().isoformat()} is in the future: a photo cannot be taken after "
                            f"today ({now.date().isoformat()})")
        when = min(dt.datetime.combine(when.date(), keep_time.time()), now)
    return check_taken_at(when, now)


def redate(store, profile: str, capture_id: int, when: str | dt.datetime, now: dt.datetime | None = None):
    """Correct capture ``capture_id``'s date to ``when`` (text as ``parse_date`` reads it, or a
    datetime), after checking it; returns the ``store.DateCorrection``. DateError for a bad
    date, StoreError when the profile has no such capture; the store is unchanged then."""
    from facetrack.errors import StoreError

    capture = store.capture(profile, capture_id)
    if capture is None:
        raise StoreError(f"profile {profile!r} has no capture {capture_id} (see `facetrack list`)")
    return store.correct_date(profile, capture_id, corrected_date(when, capture.taken_at, now))


def photo_date(photo: bytes | str | Path) -> dt.datetime | None:
    """A photo's own date (EXIF DateTimeOriginal, naive local time), read without importing
    or decoding the whole photo: from its bytes, or from a file. None when it has none or
    cannot be read (the caller then uses another date, e.g. the file's own)."""
    from PIL import Image

    from facetrack.capture.photo import MAX_PHOTO_BYTES, _exif_datetime, checked_file

    try:
        if not isinstance(photo, (bytes, bytearray)):
            photo = checked_file(photo).read_bytes()
        if len(photo) > MAX_PHOTO_BYTES:
            return None
        with Image.open(io.BytesIO(photo)) as img:  # reads the header only
            return _exif_datetime(img)
    except (OSError, ValueError, SyntaxError, FacetrackError, Image.DecompressionBombError):
        return None
