"""Opening the SQLite file safely, and saying in one line what went wrong with it.

- A store is created only where there is none: an empty (0-byte) database, or photos with
  no database beside them, is a damaged store, never a new one.
- The database and its ``-wal`` and ``-shm`` files are private (0600) from the start.
- On a read-only disk a store can still be opened for reading.
- Every SQLite error becomes a ``StoreError`` that says what it means for the user.
"""

from __future__ import annotations

import errno
import functools
import os
import sqlite3
from pathlib import Path

from facetrack.errors import StoreError

DB_NAME = "facetrack.db"
SIDE_FILES = ("-wal", "-shm")
BUSY_TIMEOUT_S = 30.0


def damaged(db: Path, why: str) -> StoreError:
    return StoreError(f"{db}: the store is damaged ({why}); restore it from a backup with "
                      "`facetrack restore ARCHIVE --data-dir NEW_DIR`; nothing was changed")


def explain(db: Path, exc: BaseException) -> StoreError:
    """The user's view of an SQLite or file-system error on the store at ``db``."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "disk is full" in lowered:
        return StoreError(f"{db.parent}: the disk is full; free some space and try again (nothing was stored)")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(f"{db}: the store is busy: another facetrack process held it for over "
                          f"{BUSY_TIMEOUT_S:g} s; try again when it has finished")
    if "readonly" in lowered or "read-only" in lowered or (isinstance(exc, OSError) and exc.errno == errno.EROFS):
        return StoreError(f"{db}: the store is on a read-only disk: it can be read (list, metrics, report, "
                          "export, backup) but not changed")
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return damaged(db, text)
    if isinstance(exc, OSError):
        return StoreError(f"{exc.filename or db}: {exc.strerror or text}")
    return StoreError(f"{db}: {text}")


def guarded(method):
    """Turn the SQLite and OS errors of a ``Store`` method into one ``StoreError``."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise explain(self.root / DB_NAME, exc) from None
    return wrapper


def on_read_only_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def check_not_damaged(root: Path, images_dir: str) -> None:
    """Refuse a data dir whose database is empty, or that holds photos but no database."""
    db = root / DB_NAME
    if db.exists():
        if not db.is_file():
            raise damaged(db, "it is not a regular file")
        if db.stat().st_size == 0:
            raise damaged(db, "the database file is empty (0 bytes)")
        return
    images = root / images_dir
    if images.is_dir() and any(p.is_file() for p in images.rglob("*")):
        raise damaged(db, f"there are photos in {images} but no database")


def _create(db: Path) -> None:
    """A new database, whole: made under a private scratch name with the current schema, then
    linked into place, so no process ever sees it half made (an empty database is damage)."""
    from facetrack.store.schema import migrate

    import secrets

    # one name per creation (threads of one process too: six at once clobbered one shared name)
    scratch = db.with_name(f".{db.name}.new-{secrets.token_hex(4)}-{os.getpid()}")
    try:
        os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        conn = sqlite3.connect(scratch, isolation_level=None)
        try:
            migrate(conn, 0)
        finally:
            conn.close()
        try:
            os.link(scratch, db)
        except FileExistsError:
            pass  # another process made it meanwhile: theirs is used
        except OSError:  # a file system without hard links
            if not db.exists():
                os.replace(scratch, db)
    finally:
        scratch.unlink(missing_ok=True)
    from facetrack.store.images import alive

    for stale in db.parent.glob(f".{db.name}.new-*"):  # left by a process killed while creating
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not alive(int(pid)):
            stale.unlink(missing_ok=True)


def connect(root: Path, *, read_only: bool, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """The database of the data dir ``root``: read-write (created 0600 when missing), or
    read-only (``immutable`` on a read-only disk, where nothing can change it meanwhile)."""
    db = root / DB_NAME
    if read_only:
        mode = "ro&immutable=1" if on_read_only_disk(root) else "ro"
        conn = sqlite3.connect(f"file:{db.as_posix()}?mode={mode}", uri=True, timeout=timeout,
                               isolation_level=None)
    else:
        if not db.exists():
            _create(db)
        for path in [db, *(db.with_name(db.name + s) for s in SIDE_FILES)]:
            try:
                os.chmod(path, 0o600)
            except FileNotFoundError:  # none, or SQLite removed it as another connection closed
                pass
        conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn
