"""The dates of photos: a photo's own date (EXIF) read without importing it, a date a person
typed, the checks every date given to facetrack passes, and correcting a stored capture's date.

A capture's date is a naive local date and time, kept to the second (as EXIF gives it). A
date given with a time zone is turned into local time; a date given without a time of day
keeps the time of day the capture had (it orders captures taken the same day).

Every date, typed or read from a photo, passes ``date_problem``: from ``EARLIEST`` to now,
and a little after now (``CLOCK_ALLOWANCE``, a clock slightly ahead) is taken as now. A typed
date outside is a ``DateError``; a photo's own (EXIF) date outside is not used
(``usable_exif_date``: the file's date is used instead, and ``exif_note`` says so in one
sentence); a capture already stored with one is re-dated to when it was imported, with the
correction noted (``repair_dates``). A time zone that takes a date out of the calendar (year
1 or 9999) is a ``DateError`` too, never an ``OverflowError``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from facetrack.errors import FacetrackError

#: No photo facetrack measures was taken before this (a date before it is a typing mistake).
EARLIEST = dt.datetime(1900, 1, 1)
EXAMPLE = "2026-01-05 or 2026-01-05T09:30"
#: A date this little after now is taken as now (a camera's or computer's clock a little ahead).
CLOCK_ALLOWANCE = dt.timedelta(minutes=10)


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
        raise DateError(f"{raw[:40]!r} is not a date: give it as {EXAMPLE}") from None
    return _local(when), len(raw) > 10


def _local(when: dt.datetime) -> dt.datetime:
    """``when`` as naive local time to the second; DateError when its time zone takes it out of
    the calendar (``0001-01-01T00:00+01:00``)."""
    if when.tzinfo is not None:
        try:
            when = when.astimezone().replace(tzinfo=None)
        except (OverflowError, ValueError, OSError):
            raise DateError(f"{when.isoformat()} is not a date a photo can have: give one from "
                            f"{EARLIEST.year} to today") from None
    return when.replace(microsecond=0)


def date_problem(when: dt.datetime, now: dt.datetime | None = None) -> str | None:
    """Why ``when`` (naive local time) cannot be a photo's date, in words (None when it can):
    before ``EARLIEST``, or after now by more than ``CLOCK_ALLOWANCE``."""
    now = now or dt.datetime.now()
    if when > now + CLOCK_ALLOWANCE:
        return (f"{when.isoformat(sep=' ')} is in the future: a photo cannot be taken after now "
                f"({now.replace(microsecond=0).isoformat(sep=' ')})")
    if when < EARLIEST:
        return f"{when.date().isoformat()} is before {EARLIEST.year}: check the year"
    return None


def check_taken_at(when: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """``when`` (naive local time, to the second) when it can be a photo's date: not in the
    future, not before 1900 (``date_problem``); a date at most ``CLOCK_ALLOWANCE`` after now
    is now. DateError otherwise."""
    if not isinstance(when, dt.datetime):
        raise DateError(f"a photo's date must be a date and time but got {when!r}")
    when = _local(when)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    problem = date_problem(when, now)
    if problem:
        raise DateError(problem)
    return min(when, now)


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
        if when.date() > (now + CLOCK_ALLOWANCE).date():
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


def exif_date(photo: bytes | str | Path) -> dt.datetime | None:
    """A photo's own date as its camera wrote it (EXIF DateTimeOriginal, naive local time,
    unchecked), read from the header of a photo in one of the formats facetrack reads
    (``capture.photo.FORMATS``), without decoding it: from its bytes, or from a file. None
    when it has none or cannot be read."""
    import warnings

    from PIL import Image

    from facetrack.capture.photo import FORMATS, MAX_PHOTO_BYTES, _exif_datetime, checked_file, within_limits

    try:
        if not isinstance(photo, (bytes, bytearray)):
            photo = checked_file(photo).read_bytes()
        if len(photo) > MAX_PHOTO_BYTES:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(photo), formats=FORMATS) as img:  # reads the header only
                if img.format == "JPEG" or within_limits(img):  # a PNG's EXIF is read by decoding it
                    return _exif_datetime(img)
                return None
    except Exception:  # noqa: BLE001 - a header parser fed a damaged file may raise anything
        return None


def usable_exif_date(when: dt.datetime | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """A camera's date when it can be a photo's date (a little ahead of now: now), else None
    (the caller then uses the file's date)."""
    if when is None:
        return None
    try:
        return check_taken_at(when, now)
    except DateError:
        return None


def photo_date(photo: bytes | str | Path, now: dt.datetime | None = None) -> dt.datetime | None:
    """A photo's own date (``exif_date``) when it can be a photo's date (``usable_exif_date``);
    None when it has none, it cannot be read or it cannot be right (the caller then uses
    another date, e.g. the file's own)."""
    return usable_exif_date(exif_date(photo), now)


def exif_note(photo: bytes | str | Path, now: dt.datetime | None = None) -> str | None:
    """One sentence when the photo's own date cannot be right and is not used (None otherwise)."""
    when = exif_date(photo)
    problem = date_problem(when, now) if when is not None else None
    if problem is None:
        return None
    return f"its camera's date {when.isoformat(sep=' ')} cannot be right, so it is dated by its file instead"


def file_date(path: str | Path, now: dt.datetime | None = None) -> dt.datetime:
    """The file's own date (its modification time, local), or now when that cannot be a
    photo's date (in the future, before 1900, out of the calendar)."""
    now = (now or dt.datetime.now()).replace(microsecond=0)
    try:
        when = dt.datetime.fromtimestamp(Path(path).stat().st_mtime).replace(microsecond=0)
    except (OSError, OverflowError, ValueError):
        return now
    return when if date_problem(when, now) is None else now


def repair_dates(store, profile: str, now: dt.datetime | None = None) -> list[str]:
    """Re-date every capture of ``profile`` whose stored date cannot be a photo's (written before
    dates were checked) to when it was imported (or now), each correction noted in the store's
    audit; one sentence per repaired capture. A read-only store is left as it is (no sentences)."""
    from facetrack.errors import StoreError

    now = (now or dt.datetime.now()).replace(microsecond=0)
    sentences = []
    for cid, taken, imported in store.impossible_dates(profile, EARLIEST, now + CLOCK_ALLOWANCE):
        when = imported if imported is not None and date_problem(imported, now) is None else now
        try:
            store.correct_date(profile, cid, min(when, now))
        except StoreError:
            return sentences
        sentences.append(f"Photo {cid} was dated {taken}, which cannot be right: it is now dated "
                         f"{min(when, now).date().isoformat()}, when it was added (correct it on its card).")
    return sentences
