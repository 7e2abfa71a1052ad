"""A profile's calibrations in the store: its repeatability (own noise per metric), its
measured iris diameter, and each camera's intrinsics. A part of ``Store`` (a mixin over its
connection and transactions), kept apart from the captures."""

from __future__ import annotations

import datetime as dt

import numpy as np

from facetrack.errors import StoreError
from facetrack.records import CameraCalibration, Repeatability
from facetrack.store.schema import check_profile_name


def now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat()


class CalibrationRecords:
    """The calibration tables of a ``Store`` (needs its ``_conn``, ``_transaction`` and
    ``_profile_id``)."""

    def save_repeatability(self, profile: str, results, made_at: dt.datetime | None = None) -> None:
        """Replace the profile's repeatability calibration (``Repeatability`` objects)."""
        check_profile_name(profile)
        made = (made_at or dt.datetime.now()).replace(microsecond=0).isoformat()
        with self._transaction():
            pid = self._profile_id(profile)
            if pid is None:
                pid = self._conn.execute("INSERT INTO profiles (name, created_at) VALUES (?, ?)",
                                         (profile, now())).lastrowid
            self._conn.execute("DELETE FROM repeatability WHERE profile_id = ?", (pid,))
            for r in results:
                self._conn.execute(
                    "INSERT INTO repeatability (profile_id, metric, sem, n_captures, n_sittings, made_at, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (pid, r.metric, float(r.sem), r.n_captures, r.n_sittings, made, r.version))

    def repeatability(self, profile: str):
        """The profile's calibration: (made_at or None, {metric: Repeatability})."""
        rows = self._conn.execute(
            "SELECT r.metric, r.sem, r.n_captures, r.n_sittings, r.made_at, r.version FROM repeatability r "
            "JOIN profiles p ON p.id = r.profile_id WHERE p.name = ?", (check_profile_name(profile),)).fetchall()
        if not rows:
            return None, {}
        return (dt.datetime.fromisoformat(rows[0][4]),
                {m: Repeatability(m, sem, n, k, version) for m, sem, n, k, _, version in rows})

    def iris_mm(self, profile: str) -> float | None:
        """The profile's own measured iris diameter in mm, if one was set."""
        row = self._conn.execute("SELECT iris_mm FROM profiles WHERE name = ?",
                                 (check_profile_name(profile),)).fetchone()
        return row[0] if row else None

    def set_iris_mm(self, profile: str, iris_mm: float | None) -> None:
        if iris_mm is not None and not 9.0 <= iris_mm <= 14.0:
            raise StoreError(f"an iris diameter of {iris_mm} mm is outside the human range (9-14 mm)")
        with self._transaction():
            if self._profile_id(profile) is None:
                self._conn.execute("INSERT INTO profiles (name, created_at) VALUES (?, ?)",
                                   (check_profile_name(profile), now()))
            self._conn.execute("UPDATE profiles SET iris_mm = ? WHERE name = ?", (iris_mm, profile))

    def save_camera(self, calibration) -> None:
        """Store (or replace) a camera's calibration at its resolution."""
        c = calibration
        with self._transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO cameras (name, width, height, matrix, distortion, rms_px, views, made_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (c.camera, c.width, c.height, np.asarray(c.matrix, "<f8").tobytes(),
                 np.asarray(c.distortion, "<f8").tobytes(), float(c.rms_px), int(c.views), now()))

    def camera(self, name: str, width: int, height: int):
        """The stored ``CameraCalibration`` of this camera at this resolution, or None."""
        row = self._conn.execute("SELECT matrix, distortion, rms_px, views FROM cameras "
                                 "WHERE name = ? AND width = ? AND height = ?", (name, width, height)).fetchone()
        if row is None:
            return None
        return CameraCalibration(name, width, height, np.frombuffer(row[0], "<f8").reshape(3, 3).copy(),
                                 np.frombuffer(row[1], "<f8").copy(), row[2], row[3])
