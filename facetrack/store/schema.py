"""The store's SQLite schema: one migration script per version, applied in order.

A store records its version in ``PRAGMA user_version``; ``migrate`` brings an older store
up to ``SCHEMA_VERSION``, each step in its own transaction, and copes with another process
migrating the same store at the same time.
"""

from __future__ import annotations

import re
import sqlite3

from facetrack.errors import StoreError

#: The profile names a store accepts (they also appear in file names and messages).
#: A profile's name, matched whole (``fullmatch``: ``$`` would let a trailing newline through).
PROFILE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def valid_profile_name(name) -> bool:
    """Whether ``name`` is a profile's name: the one rule of the CLI, the app and the store."""
    return isinstance(name, str) and PROFILE_RE.fullmatch(name) is not None and ".." not in name


def check_profile_name(name: str) -> str:
    if not valid_profile_name(name):
        raise StoreError(
            f"invalid profile name {name!r}: use 1-64 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
    return name

MIGRATIONS: tuple[str, ...] = (
    # v1
    """
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );
    CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        taken_at TEXT NOT NULL,
        taken_at_source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        source_path TEXT NOT NULL,
        image_file TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        yaw REAL, pitch REAL, roll REAL,
        quality TEXT NOT NULL DEFAULT '{}',
        UNIQUE (profile_id, sha256)
    );
    CREATE INDEX captures_by_time ON captures (profile_id, taken_at);
    CREATE TABLE landmarks (
        capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        view INTEGER NOT NULL,
        kind TEXT NOT NULL,
        points BLOB NOT NULL,
        blendshapes TEXT NOT NULL DEFAULT '{}',
        matrix BLOB,
        PRIMARY KEY (capture_id, view)
    );
    CREATE TABLE metric_values (
        capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        value REAL NOT NULL,
        spread REAL,
        n INTEGER NOT NULL,
        PRIMARY KEY (capture_id, name)
    );
    """,
    # v2: each profile may name its baseline capture (the one later captures line up with)
    """
    ALTER TABLE profiles ADD COLUMN baseline_capture_id INTEGER
        REFERENCES captures(id) ON DELETE SET NULL;
    """,
    # v3: each profile's repeatability calibration (its own measurement noise per metric)
    """
    CREATE TABLE repeatability (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        metric TEXT NOT NULL,
        sem REAL NOT NULL,
        n_captures INTEGER NOT NULL,
        n_sittings INTEGER NOT NULL,
        made_at TEXT NOT NULL,
        PRIMARY KEY (profile_id, metric)
    );
    ALTER TABLE profiles ADD COLUMN iris_mm REAL;
    CREATE TABLE cameras (
        name TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        matrix BLOB NOT NULL,
        distortion BLOB NOT NULL,
        rms_px REAL NOT NULL,
        views INTEGER NOT NULL,
        made_at TEXT NOT NULL,
        PRIMARY KEY (name, width, height)
    );
    """,
    # v4: image files being written, so a crash between the file and its row is recovered
    """
    CREATE TABLE pending_images (
        image_file TEXT NOT NULL,
        pid INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
    # v5: the metric version each repeatability SEM was measured with (NULL: not recorded)
    """
    ALTER TABLE repeatability ADD COLUMN version INTEGER;
    """,
    # v6: corrections of a capture's date, oldest first (the first one keeps the original date)
    """
    CREATE TABLE date_corrections (
        capture_id INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,
        taken_at_before TEXT NOT NULL,
        taken_at_after TEXT NOT NULL,
        corrected_at TEXT NOT NULL
    );
    CREATE INDEX date_corrections_by_capture ON date_corrections (capture_id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, current: int) -> None:
    """Apply the migrations after ``current``; sqlite3.DatabaseError names the failing step."""
    for target in range(current + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[target - 1]
        try:
            conn.execute("BEGIN IMMEDIATE")
            # another process may have migrated while this one waited for the lock
            if conn.execute("PRAGMA user_version").fetchone()[0] >= target:
                conn.execute("COMMIT")
                continue
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            conn.execute("ROLLBACK")
            raise MigrationError(target, exc) from exc


class MigrationError(Exception):
    def __init__(self, target: int, cause: Exception):
        super().__init__(f"migration to v{target} failed ({cause})")
        self.target = target
