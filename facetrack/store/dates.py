"""Correcting a capture's date, with an audit of every correction. A part of ``Store`` (a mixin
over its connection and transactions).

A capture's date (``captures.taken_at``) orders the trends, picks the latest capture for
before/after and sets when the next weekly photo is due, so a wrong date (a photo without
EXIF, uploaded long after it was taken) is corrected here, in one place. Each correction
keeps a row in ``date_corrections``: the date before, the date after and when it was
changed; the first row of a capture holds its original date. How the date was first
obtained (``taken_at_source``) is left as it was: it also says how the photo was taken.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from facetrack.errors import StoreError
from facetrack.store.calibrations import now
from facetrack.store.schema import check_profile_name


@dataclass(frozen=True)
class DateCorrection:
    """One correction of a capture's date."""

    capture_id: int
    before: dt.datetime
    after: dt.datetime
    corrected_at: dt.datetime


class DateRecords:
    """The date corrections of a ``Store`` (needs its ``_conn`` and ``_transaction``)."""

    def correct_date(self, profile: str, capture_id: int, taken_at: dt.datetime) -> DateCorrection:
        """Set capture ``capture_id`` (of ``profile``) to have been taken at ``taken_at`` (naive
        local time, kept to the second) and note the correction; StoreError when the profile
        has no such capture. Giving the date it already has changes nothing and notes nothing.
        Checking the date itself (not in the future, ...) is the caller's part
        (``ingest.dates.check_taken_at``)."""
        check_profile_name(profile)
        if not isinstance(taken_at, dt.datetime) or taken_at.tzinfo is not None:
            raise StoreError(f"a capture's date must be a local date and time without a time zone "
                             f"but got {taken_at!r}")
        after = taken_at.replace(microsecond=0)
        with self._transaction():
            row = self._conn.execute(
                "SELECT c.taken_at FROM captures c JOIN profiles p ON p.id = c.profile_id "
                "WHERE p.name = ? AND c.id = ?", (profile, int(capture_id))).fetchone()
            if row is None:
                raise StoreError(f"profile {profile!r} has no capture {capture_id} (see `facetrack list`)")
            before, stamp = dt.datetime.fromisoformat(row[0]), now()
            if before != after:
                self._conn.execute("UPDATE captures SET taken_at = ? WHERE id = ?",
                                   (after.isoformat(), int(capture_id)))
                self._conn.execute(
                    "INSERT INTO date_corrections (capture_id, taken_at_before, taken_at_after, corrected_at) "
                    "VALUES (?, ?, ?, ?)", (int(capture_id), row[0], after.isoformat(), stamp))
        return DateCorrection(int(capture_id), before, after, dt.datetime.fromisoformat(stamp))

    def date_corrections(self, profile: str) -> dict[int, list[DateCorrection]]:
        """Every correction of the profile's capture dates, by capture id, oldest first (a
        capture never corrected is absent). ``[cid][0].before`` is a capture's original date."""
        check_profile_name(profile)
        out: dict[int, list[DateCorrection]] = {}
        for cid, before, after, stamp in self._conn.execute(
                "SELECT d.capture_id, d.taken_at_before, d.taken_at_after, d.corrected_at FROM date_corrections d "
                "JOIN captures c ON c.id = d.capture_id JOIN profiles p ON p.id = c.profile_id "
                "WHERE p.name = ? ORDER BY d.rowid", (profile,)):
            out.setdefault(cid, []).append(DateCorrection(cid, dt.datetime.fromisoformat(before),
                                                          dt.datetime.fromisoformat(after),
                                                          dt.datetime.fromisoformat(stamp)))
        return out

    def impossible_dates(self, profile: str, earliest: dt.datetime,
                         latest: dt.datetime) -> list[tuple[int, str, dt.datetime | None]]:
        """(capture id, its date as stored, when it was imported) of each capture of ``profile``
        dated before ``earliest`` or after ``latest`` (as a store written before dates were
        checked may hold), oldest first. Empty for a read-only store (it cannot be repaired)."""
        check_profile_name(profile)
        if getattr(self, "read_only", False):
            return []
        out = []
        for cid, taken, imported in self._conn.execute(
                "SELECT c.id, c.taken_at, c.imported_at FROM captures c JOIN profiles p ON p.id = c.profile_id "
                "WHERE p.name = ? AND (c.taken_at < ? OR c.taken_at > ?) ORDER BY c.taken_at, c.id",
                (profile, earliest.isoformat(), latest.isoformat())):
            try:
                when = dt.datetime.fromisoformat(imported)
            except (TypeError, ValueError):
                when = None
            out.append((int(cid), str(taken).replace("T", " "), when))
        return out
