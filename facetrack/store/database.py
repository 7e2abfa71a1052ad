"""The store: one SQLite database plus a content-addressed images folder. Only this module runs SQL.

Layout of a data dir::

    facetrack.db          SQLite (WAL), schema version in PRAGMA user_version
    images/ab/<sha256>.jpg  byte-exact copies of imported photos, named by their hash

A capture is written in one transaction; its image file is noted as pending, written
(atomically, by rename), then the transaction adds its rows; a file whose capture never made
it is removed again, at once or by the next ``open`` after a crash. Deleting works the same
way round: the rows go in one transaction that notes the files, which are then removed unless
another capture (of any profile) or another process's pending write still uses them.

Every image path comes from the content-addressed form (``images/ab/<sha256>.<ext>``); a
stored path of any other form makes the store refused as damaged, so no stored text can make
facetrack read or delete a file outside the data dir.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Mapping

import numpy as np

from facetrack.errors import StoreError
from facetrack.records import Capture, LandmarkView, MetricValue, NewCapture, QualityNotes, ViewKind
from facetrack.store.calibrations import CalibrationRecords, now
from facetrack.store.dates import DateRecords
from facetrack.store.connection import (DB_NAME, check_not_damaged, connect, damaged, explain, guarded,
                                        on_read_only_disk)
from facetrack.store.images import IMAGES_DIR, alive, image_rel, is_image_rel, write_image
from facetrack.store.maintenance import MaintenanceRecords
from facetrack.store.schema import SCHEMA_VERSION, MigrationError, check_profile_name, migrate
from facetrack.topology import N_LANDMARKS




def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("FACETRACK_HOME"):
        return Path(environ["FACETRACK_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("facetrack", appauthor=False))


class DuplicateCapture(StoreError):
    """The profile already holds a capture of this photo (same SHA-256)."""

    def __init__(self, profile: str, capture_id: int):
        super().__init__(f"profile {profile!r} already holds this photo as capture {capture_id}")
        self.capture_id = capture_id


class Store(CalibrationRecords, DateRecords, MaintenanceRecords):
    """An open store. Use ``Store.open(data_dir)`` as a context manager."""

    def __init__(self, root: Path, conn: sqlite3.Connection, read_only: bool = False):
        self.root = root
        self._conn = conn
        self.read_only = read_only

    # --- opening and migrating ----------------------------------------------------------
    @classmethod
    def open(cls, data_dir: str | Path | None = None, *, read_only_ok: bool = False,
             timeout: float | None = None) -> "Store":
        """Open (or create) the store in ``data_dir``. On a read-only disk it opens for reading
        when ``read_only_ok``, and is refused with the reason otherwise."""
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        db = root / DB_NAME
        read_only = root.is_dir() and on_read_only_disk(root)
        if read_only and not read_only_ok:
            raise explain(db, OSError(30, "read-only"))  # EROFS: says what can still be done
        try:
            check_not_damaged(root, IMAGES_DIR)
            if read_only and not db.exists():
                raise StoreError(f"{root}: holds no facetrack store (and is on a read-only disk)")
            if not read_only:
                root.mkdir(parents=True, exist_ok=True, mode=0o700)
                (root / IMAGES_DIR).mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"{root}: cannot create the data dir ({exc.strerror or exc})") from None
        try:
            conn = connect(root, read_only=read_only, **({"timeout": timeout} if timeout else {}))
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise damaged(db, f"not a facetrack database: {exc}") from None
            raise explain(db, exc) from None
        except OSError as exc:
            raise explain(db, exc) from None
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{db}: store has schema version {version}, newer than this facetrack knows "
                f"({SCHEMA_VERSION}); upgrade facetrack. The store was not modified."
            )
        store = cls(root, conn, read_only)
        try:
            if read_only:
                if version < SCHEMA_VERSION:
                    raise StoreError(f"{db}: this store needs upgrading to schema version {SCHEMA_VERSION}, "
                                     "which a read-only disk does not allow")
                return store
            if version < SCHEMA_VERSION:
                store._migrate(version)
            conn.execute("PRAGMA journal_mode = WAL")
            store.recover()
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, current: int) -> None:
        try:
            migrate(self._conn, current)
        except MigrationError as exc:
            raise StoreError(f"{self.root / DB_NAME}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    # --- profiles -------------------------------------------------------------------------
    def _profile_id(self, name: str) -> int | None:
        row = self._conn.execute("SELECT id FROM profiles WHERE name = ?",
                                 (check_profile_name(name),)).fetchone()
        return row[0] if row else None

    def profiles(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM profiles ORDER BY name")]

    def delete_profile(self, name: str) -> int:
        """Remove a profile, its captures and the image files no other capture uses."""
        pid = self._profile_id(name)
        if pid is None:
            return 0
        with self._transaction():
            files = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT image_file FROM captures WHERE profile_id = ?", (pid,))]
            n = self._conn.execute("SELECT COUNT(*) FROM captures WHERE profile_id = ?", (pid,)).fetchone()[0]
            self._conn.execute("DELETE FROM profiles WHERE id = ?", (pid,))
            self._note_pending(files)
        self._release(files)
        return n

    def delete_capture(self, capture_id: int) -> bool:
        """Remove one capture: its rows, and its image file unless another capture uses it."""
        with self._transaction():
            row = self._conn.execute("SELECT image_file FROM captures WHERE id = ?", (capture_id,)).fetchone()
            if row is None:
                return False
            self._conn.execute("DELETE FROM captures WHERE id = ?", (capture_id,))
            self._note_pending([row[0]])
        self._release([row[0]])
        return True

    def _note_pending(self, files) -> None:
        """Inside a transaction: these files are this process's to remove (or to keep, if still
        used); a crash before ``_release`` leaves the note for the next ``open``."""
        for rel in files:
            self._path(rel)  # a path of another form is damage: refused before anything is removed
            self._conn.execute("INSERT INTO pending_images (image_file, pid, created_at) VALUES (?, ?, ?)",
                               (rel, os.getpid(), now()))

    def _release(self, files) -> None:
        for rel in files:
            with self._transaction():
                self._conn.execute("DELETE FROM pending_images WHERE image_file = ? AND pid = ?", (rel, os.getpid()))
                self._remove_if_unreferenced(rel)

    # --- captures -------------------------------------------------------------------------
    def baseline(self, profile: str) -> Capture | None:
        """The profile's baseline: the capture set with ``set_baseline`` (every ``add_capture``
        sets one when none is set: see there), else its earliest one."""
        captures = self.captures(profile)
        if not captures:
            return None
        row = self._conn.execute("SELECT baseline_capture_id FROM profiles WHERE name = ?",
                                 (profile,)).fetchone()
        chosen = row[0] if row else None
        return next((c for c in captures if c.id == chosen), captures[0])

    def set_baseline(self, profile: str, capture_id: int) -> None:
        """Make ``capture_id`` (a capture of ``profile``) the profile's baseline."""
        if not any(c.id == capture_id for c in self.captures(profile)):
            raise StoreError(f"profile {profile!r} has no capture {capture_id}")
        with self._transaction():
            self._conn.execute("UPDATE profiles SET baseline_capture_id = ? WHERE name = ?",
                               (capture_id, profile))

    def find_by_hash(self, profile: str, sha256: str) -> int | None:
        row = self._conn.execute(
            "SELECT c.id FROM captures c JOIN profiles p ON p.id = c.profile_id "
            "WHERE p.name = ? AND c.sha256 = ?", (check_profile_name(profile), sha256)).fetchone()
        return row[0] if row else None

    def add_capture(self, profile: str, capture: NewCapture) -> int:
        """Store a capture (image file, landmarks, metrics) atomically; return its id.

        Adding a capture never moves the baseline: a profile with none set gets one, in the
        same transaction, the baseline it had until now (its earliest capture), or, for its
        first capture, this one. Only ``set_baseline`` changes it afterwards."""
        check_profile_name(profile)
        if not re.fullmatch(r"[0-9a-f]{64}", capture.sha256 or ""):
            raise StoreError(f"capture from {capture.source_path}: invalid sha256 {capture.sha256!r}")
        rel = image_rel(capture.sha256, capture.image_ext)
        with self._transaction():  # note the file first: a crash before its row is recoverable
            self._note_pending([rel])
        try:
            write_image(self.root / rel, capture.image_bytes)
            with self._transaction():
                self._conn.execute("DELETE FROM pending_images WHERE image_file = ? AND pid = ?",
                                   (rel, os.getpid()))
                pid = self._profile_id(profile)
                if pid is None:
                    pid = self._conn.execute(
                        "INSERT INTO profiles (name, created_at) VALUES (?, ?)",
                        (profile, now())).lastrowid
                yaw, pitch, roll = capture.pose if capture.pose else (None, None, None)
                shown = self._conn.execute(  # the baseline until now, when none is set: the earliest
                    "SELECT c.id FROM captures c JOIN profiles p ON p.id = c.profile_id "
                    "WHERE p.id = ? AND p.baseline_capture_id IS NULL ORDER BY c.taken_at, c.id LIMIT 1",
                    (pid,)).fetchone()
                cid = self._conn.execute(
                    "INSERT INTO captures (profile_id, taken_at, taken_at_source, imported_at, "
                    "source_path, image_file, sha256, width, height, yaw, pitch, roll, quality) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (pid, capture.taken_at.isoformat(), capture.taken_at_source, now(),
                     capture.source_path, rel, capture.sha256, capture.width, capture.height,
                     yaw, pitch, roll, json.dumps(capture.quality.to_dict()))).lastrowid
                self._insert_views(cid, capture.views)
                self._insert_metrics(cid, capture.metrics)
                self._conn.execute("UPDATE profiles SET baseline_capture_id = ? WHERE id = ? "
                                   "AND baseline_capture_id IS NULL", (shown[0] if shown else cid, pid))
        except BaseException as exc:
            try:
                self._release([rel])  # the file stays only if another capture or write uses it
            except (sqlite3.Error, OSError):
                pass  # the pending note stays: the next ``open`` removes the file
            if isinstance(exc, sqlite3.IntegrityError) and "captures.profile_id, captures.sha256" in str(exc):
                # another process stored the same photo in this profile meanwhile: a duplicate
                raise DuplicateCapture(profile, self.find_by_hash(profile, capture.sha256)) from None
            raise
        return cid

    def recover(self) -> int:
        """Finish what a killed process left: image files written without their capture row.

        Runs on every ``open``. Only files noted as pending by a process that is no longer
        running are touched, and only when no capture uses them; half-written ``.part``
        files of dead processes go too. Returns the number of files removed.
        """
        removed = 0
        rows = self._conn.execute("SELECT DISTINCT image_file, pid FROM pending_images").fetchall()
        for rel, pid in rows:
            self._path(rel)  # refused as damaged before any file is touched
        for rel, pid in rows:
            if alive(pid):
                continue
            with self._transaction():
                self._conn.execute("DELETE FROM pending_images WHERE image_file = ? AND pid = ?", (rel, pid))
                removed += self._remove_if_unreferenced(rel)
        for part in (self.root / IMAGES_DIR).rglob(".*.part"):
            pid = part.name[1:].split("-", 1)[0]
            if pid.isdigit() and not alive(int(pid)):
                part.unlink(missing_ok=True)
                removed += 1
        return removed

    def _insert_views(self, cid: int, views) -> None:
        for i, view in enumerate(views):
            pts = np.asarray(view.points, dtype="<f4")
            if pts.shape != (N_LANDMARKS, 3):
                raise StoreError(f"landmark view {i} has shape {pts.shape}, expected ({N_LANDMARKS}, 3)")
            matrix = None if view.matrix is None else np.asarray(view.matrix, "<f8").tobytes()
            self._conn.execute(
                "INSERT INTO landmarks (capture_id, view, kind, points, blendshapes, matrix) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (cid, i, str(view.kind), pts.tobytes(), json.dumps(dict(view.blendshapes)), matrix))

    def _insert_metrics(self, cid: int, metrics: Mapping[str, MetricValue]) -> None:
        for name, m in metrics.items():
            if not np.isfinite(m.value):
                raise StoreError(f"metric {name} has no finite value ({m.value}); nothing was stored")
            spread = None if m.spread is None or not np.isfinite(m.spread) else float(m.spread)
            self._conn.execute(
                "INSERT INTO metric_values (capture_id, name, version, value, spread, n) "
                "VALUES (?, ?, ?, ?, ?, ?)", (cid, name, m.version, float(m.value), spread, m.n))

    def replace_metrics(self, capture_id: int, metrics: Mapping[str, MetricValue]) -> None:
        """Swap a capture's metric values for new ones (after a metric version change)."""
        with self._transaction():
            self._conn.execute("DELETE FROM metric_values WHERE capture_id = ?", (capture_id,))
            self._insert_metrics(capture_id, metrics)

    def set_quality(self, capture_id: int, notes: QualityNotes) -> None:
        """Replace a capture's quality notes (after its silhouette was measured again)."""
        with self._transaction():
            self._conn.execute("UPDATE captures SET quality = ? WHERE id = ?", (json.dumps(notes.to_dict()), capture_id))

    def captures(self, profile: str) -> list[Capture]:
        """All captures of a profile, oldest first, with their metric values."""
        return self._captures(profile)

    def capture(self, profile: str, capture_id: int) -> Capture | None:
        """One capture of the profile, or None when the profile has no capture ``capture_id``."""
        found = self._captures(profile, int(capture_id))
        return found[0] if found else None

    def _captures(self, profile: str, capture_id: int | None = None) -> list[Capture]:
        check_profile_name(profile)
        only, args = ("", (profile,)) if capture_id is None else (" AND c.id = ?", (profile, capture_id))
        with self._snapshot():  # both reads see the same store, whatever another process writes meanwhile
            rows = self._conn.execute(
                "SELECT c.id, c.taken_at, c.taken_at_source, c.source_path, c.image_file, c.sha256, "
                "c.width, c.height, c.yaw, c.pitch, c.roll, c.quality FROM captures c "
                "JOIN profiles p ON p.id = c.profile_id WHERE p.name = ?" + only + " ORDER BY c.taken_at, c.id",
                args).fetchall()
            metrics: dict[int, dict[str, MetricValue]] = {r[0]: {} for r in rows}
            for cid, name, version, value, spread, n in self._conn.execute(
                    "SELECT m.capture_id, m.name, m.version, m.value, m.spread, m.n FROM metric_values m "
                    "JOIN captures c ON c.id = m.capture_id JOIN profiles p ON p.id = c.profile_id "
                    "WHERE p.name = ?" + only, args):
                metrics[cid][name] = MetricValue(value, spread, n, version)
        return [
            Capture(id=r[0], profile=profile, taken_at=dt.datetime.fromisoformat(r[1]),
                    taken_at_source=r[2], source_path=r[3], image_path=self._path(r[4], r[5]),
                    sha256=r[5], width=r[6], height=r[7],
                    pose=None if r[8] is None else (r[8], r[9], r[10]),
                    quality=self._quality(r[0], r[11]), metrics=metrics[r[0]])
            for r in rows
        ]

    def _quality(self, capture_id: int, text: str) -> QualityNotes:
        try:
            return QualityNotes.from_dict(json.loads(text))
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{self.root / DB_NAME}: capture {capture_id} has damaged quality notes ({exc}); "
                             "restore the store from a backup") from None

    def landmark_views(self, capture_id: int) -> list[LandmarkView]:
        rows = self._conn.execute("SELECT kind, points, blendshapes, matrix FROM landmarks WHERE capture_id = ? "
                                  "ORDER BY view", (capture_id,)).fetchall()
        try:
            return [LandmarkView(kind=ViewKind.parse(kind),
                                 points=np.frombuffer(points, dtype="<f4").reshape(N_LANDMARKS, 3).astype(np.float64),
                                 blendshapes=json.loads(shapes),
                                 matrix=None if matrix is None else np.frombuffer(matrix, "<f8").reshape(4, 4))
                    for kind, points, shapes, matrix in rows]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{self.root / DB_NAME}: the landmarks of capture {capture_id} are damaged ({exc}); "
                             "restore the store from a backup") from None

    # --- internals ------------------------------------------------------------------------
    @contextmanager
    def _snapshot(self):
        """One read transaction around several reads (inside a transaction: that one)."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    @contextmanager
    def _transaction(self):
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _path(self, rel: str, sha256: str | None = None) -> Path:
        """The file a stored image path names, if it has the content-addressed form."""
        if not is_image_rel(rel, sha256):
            raise damaged(self.root / DB_NAME, f"a stored image path is not of the form "
                                               f"images/ab/<sha256>.<ext>: {rel!r}")
        return self.root / rel

    def _remove_if_unreferenced(self, rel: str) -> int:
        """Inside a transaction: remove the file unless a capture or a pending write uses it."""
        used = self._conn.execute("SELECT 1 FROM captures WHERE image_file = ? UNION ALL "
                                  "SELECT 1 FROM pending_images WHERE image_file = ? LIMIT 1", (rel, rel)).fetchone()
        path = self._path(rel)
        if used or not path.exists():
            return 0
        path.unlink()
        return 1


for _name in {n for klass in Store.__mro__[:-1] for n in vars(klass)}:
    _method = getattr(Store, _name)
    if callable(_method) and not _name.startswith("_") and _name not in ("open", "close"):
        setattr(Store, _name, guarded(_method))
