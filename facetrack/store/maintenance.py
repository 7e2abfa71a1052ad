"""The store's upkeep: SQLite's own check, the stored image paths, pending files, orphan
removal, a consistent snapshot and row counts (for ``facetrack check``, backups and status).
A part of ``Store`` (a mixin over its connection, transactions and paths)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from facetrack.store.images import IMAGES_DIR, alive


class MaintenanceRecords:
    """Upkeep of a ``Store`` (needs its ``_conn``, ``root``, ``_transaction`` and
    ``_remove_if_unreferenced``)."""

    def integrity_errors(self) -> list[str]:
        """SQLite's own check of the database file: [] when it is sound."""
        lines = [line for r in self._conn.execute("PRAGMA integrity_check") for line in str(r[0]).splitlines()]
        return [] if lines == ["ok"] else lines

    def image_rows(self) -> list[tuple[int, str, str]]:
        """(capture id, stored image path, sha256) of every capture, as stored (unchecked)."""
        return self._conn.execute("SELECT id, image_file, sha256 FROM captures ORDER BY id").fetchall()

    def pending_files(self, *, live_only: bool = True) -> set[str]:
        """Image paths noted as being written or removed (by a running process, by default)."""
        rows = self._conn.execute("SELECT image_file, pid FROM pending_images").fetchall()
        return {rel for rel, pid in rows if not live_only or alive(pid)}

    def remove_orphan(self, rel: str) -> int:
        """Remove an image file no capture and no pending write uses (``facetrack check --repair``)."""
        with self._transaction():
            return self._remove_if_unreferenced(rel)

    def snapshot(self, target: Path) -> None:
        """A consistent copy of the database at ``target`` (SQLite's backup API: other
        processes may keep writing meanwhile)."""
        dst = sqlite3.connect(target)
        try:
            self._conn.backup(dst)
        finally:
            dst.close()

    def counts(self) -> dict[str, int]:
        """Row counts per table and the number of image files (for checks and status)."""
        out = {t: self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
               for t in ("profiles", "captures", "landmarks", "metric_values")}
        out["image_files"] = sum(1 for p in (self.root / IMAGES_DIR).rglob("*") if p.is_file())
        return out
