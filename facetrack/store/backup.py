"""Backup and restore: one archive holding the database and every photo, verified by hashes.

The archive is a plain tar: ``manifest.json`` (format, schema version, and the SHA-256 and
size of every other member), ``facetrack.db`` (a consistent snapshot taken with SQLite's
backup API, so a backup can run while facetrack is in use) and ``images/...``.

A backup is made only of a sound store (``check.check_store``: database integrity, every
photo present and matching its hash); it holds the photos the captures refer to.

Restore verifies the whole archive, then the database it holds (integrity, schema version,
every stored path of the content-addressed form with its photo in the archive, matching its
hash) before anything acts on its rows, and writes only into a new or empty data dir: it is
assembled in a scratch folder beside it and renamed into place whole, then checked again.
Scratch folders of a killed backup or restore are removed by the next one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from facetrack.errors import InputError, StoreError
from facetrack.store.check import check_store
from facetrack.store.database import DB_NAME, IMAGES_DIR, Store
from facetrack.files import sha256_of
from facetrack.store.images import alive, is_image_rel
from facetrack.store.schema import SCHEMA_VERSION

FORMAT = "facetrack-backup-1"
MANIFEST = "manifest.json"
BACKUP_SCRATCH = ".facetrack-backup-"
RESTORE_SCRATCH = ".facetrack-restore-"


def _remove_stale_scratch(folder: Path, prefix: str) -> None:
    """Scratch folders ``<prefix><pid>-*`` in ``folder`` whose process is gone."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for path in entries:
        pid = path.name[len(prefix):].split("-", 1)[0] if path.name.startswith(prefix) else ""
        if pid.isdigit() and not alive(int(pid)) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def backup(store: Store, output: str | Path) -> dict:
    """Write the archive of ``store`` to ``output`` (atomically); return its manifest."""
    output = Path(output)
    report = check_store(store)
    if not report.ok:
        raise StoreError(f"{store.root}: not backed up, the store has problems: {report.summary()} "
                         "(see `facetrack check`)")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_scratch(output.parent, BACKUP_SCRATCH)
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=f"{BACKUP_SCRATCH}{os.getpid()}-") as tmp:
            snapshot = Path(tmp) / DB_NAME
            store.snapshot(snapshot)
            members = {DB_NAME: snapshot}
            for _, rel, _ in store.image_rows():
                members[rel] = store.root / rel
            manifest = {"format": FORMAT, "schema_version": store.schema_version,
                        "files": {name: {"sha256": sha256_of(p), "size": p.stat().st_size}
                                  for name, p in members.items()}}
            part = Path(tmp) / "archive.tar"
            with tarfile.open(part, "w") as tar:
                data = json.dumps(manifest, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
                for name, path in members.items():
                    tar.add(path, arcname=name, recursive=False)
            os.chmod(part, 0o600)
            os.replace(part, output)
    except OSError as exc:
        raise InputError(exc.filename or output, f"cannot write the backup ({exc.strerror or exc})") from None
    return manifest


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and (name == DB_NAME or is_image_rel(name))


def verify(archive: str | Path) -> dict:
    """Check every member against the manifest; raise ``InputError`` naming the problem."""
    archive = Path(archive)
    if not archive.is_file():
        raise InputError(archive, "no such backup file")
    try:
        with tarfile.open(archive, "r") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if MANIFEST not in names:
                raise InputError(archive, "is not a facetrack backup (no manifest)")
            manifest = json.loads(tar.extractfile(MANIFEST).read())
            if manifest.get("format") != FORMAT:
                raise InputError(archive, f"unknown backup format {manifest.get('format')!r}")
            expected = manifest["files"]
            if DB_NAME not in expected or not all(isinstance(n, str) and _safe_name(n) for n in expected):
                raise InputError(archive, "has a manifest that names unexpected files")
            seen = set()
            for m in members:
                if m.name == MANIFEST:
                    continue
                if not m.isfile() or not _safe_name(m.name) or m.name not in expected or m.name in seen:
                    raise InputError(archive, f"unexpected member {m.name!r}")
                h = hashlib.sha256()
                fh = tar.extractfile(m)
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
                if h.hexdigest() != expected[m.name]["sha256"] or m.size != expected[m.name]["size"]:
                    raise InputError(archive, f"{m.name} is corrupted (its hash does not match the manifest)")
                seen.add(m.name)
            missing = sorted(set(expected) - seen)
            if missing:
                raise InputError(archive, f"is incomplete: {len(missing)} file(s) missing, e.g. {missing[0]}")
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError,
            UnicodeDecodeError) as exc:
        raise InputError(archive, f"is damaged or truncated ({exc.__class__.__name__})") from None
    return manifest


def _check_database(archive: Path, staging: Path, names: set[str]) -> None:
    """The restored database, before anything acts on its rows: sound, of a known schema,
    and every stored path of the content-addressed form, its photo in the archive."""
    db = staging / DB_NAME
    try:
        conn = sqlite3.connect(f"file:{db.as_posix()}?mode=ro", uri=True)
        try:
            if [r[0] for r in conn.execute("PRAGMA integrity_check")] != ["ok"]:
                raise InputError(archive, "holds a damaged database (its integrity check fails)")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not 1 <= version <= SCHEMA_VERSION:
                raise InputError(archive, f"holds a database of schema version {version} "
                                          f"(this facetrack reads 1-{SCHEMA_VERSION})")
            rows = conn.execute("SELECT id, image_file, sha256 FROM captures").fetchall()
            pending = conn.execute("SELECT image_file FROM pending_images").fetchall() if version >= 4 else []
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise InputError(archive, f"holds a database facetrack cannot read ({exc})") from None
    for cid, rel, sha in rows:
        if not is_image_rel(rel, sha):
            raise InputError(archive, f"capture {cid} has an image path of the wrong form: {rel!r}")
        if rel not in names:
            raise InputError(archive, f"capture {cid}: its photo {rel} is not in the backup")
    for (rel,) in pending:
        if not is_image_rel(rel):
            raise InputError(archive, f"names a pending image path of the wrong form: {rel!r}")
    used = {rel for _, rel, _ in rows}
    for name in names - used - {DB_NAME}:  # a photo no capture refers to is not restored
        (staging / name).unlink()


def restore(archive: str | Path, data_dir: str | Path) -> int:
    """Restore into ``data_dir``, which must be new or empty; return the number of captures."""
    archive, data_dir = Path(archive), Path(data_dir)
    manifest = verify(archive)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise StoreError(f"{data_dir}: is not empty; restore into a new or empty folder "
                         "(nothing was changed)")
    try:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_scratch(data_dir.parent, RESTORE_SCRATCH)
        staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=f"{RESTORE_SCRATCH}{os.getpid()}-"))
    except OSError as exc:
        raise StoreError(f"{data_dir}: cannot create the data dir ({exc.strerror or exc})") from None
    try:
        with tarfile.open(archive, "r") as tar:
            for name in manifest["files"]:
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with tar.extractfile(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.chmod(target, 0o600)
        (staging / IMAGES_DIR).mkdir(exist_ok=True, mode=0o700)
        _check_database(archive, staging, set(manifest["files"]))
        os.chmod(staging, 0o700)
        if data_dir.exists():
            data_dir.rmdir()  # empty: checked above
        os.rename(staging, data_dir)  # the store appears whole, or not at all
    except OSError as exc:
        raise StoreError(f"{data_dir}: cannot restore there ({exc.strerror or exc}); nothing was changed") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with Store.open(data_dir) as store:
        report = check_store(store)
        if not report.ok:
            raise StoreError(f"{data_dir}: the restored store has problems: {report.summary()}")
        return report.captures
