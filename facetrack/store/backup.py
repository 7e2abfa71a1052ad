"""Backup and restore: one archive holding the database and every image, verified by hashes.

The archive is a plain tar: ``manifest.json`` (format, schema version, and the SHA-256 and
size of every other member), ``facetrack.db`` (a consistent snapshot taken with SQLite's
backup API, so a backup can run while facetrack is in use) and ``images/...``.

Restore verifies the whole archive before it writes anything, and only into a data dir
that holds no store: nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from facetrack.errors import InputError, StoreError
from facetrack.store.database import DB_NAME, IMAGES_DIR, Store

FORMAT = "facetrack-backup-1"
MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def backup(store: Store, output: str | Path) -> dict:
    """Write the archive of ``store`` to ``output`` (atomically); return its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        snapshot = Path(tmp) / DB_NAME
        store.snapshot(snapshot)
        members = {DB_NAME: snapshot}
        for path in sorted((store.root / IMAGES_DIR).rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                members[path.relative_to(store.root).as_posix()] = path
        manifest = {"format": FORMAT, "schema_version": store.schema_version,
                    "files": {name: {"sha256": _sha256(p), "size": p.stat().st_size} for name, p in members.items()}}
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
    return manifest


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and (name == DB_NAME or p.parts[0] == IMAGES_DIR)


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
            seen = set()
            for m in members:
                if m.name == MANIFEST:
                    continue
                if not m.isfile() or not _safe_name(m.name) or m.name not in expected:
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
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, KeyError, UnicodeDecodeError) as exc:
        raise InputError(archive, f"is damaged or truncated ({exc.__class__.__name__})") from None
    return manifest


def restore(archive: str | Path, data_dir: str | Path) -> int:
    """Restore into ``data_dir``, which must not hold a store; return the number of captures."""
    data_dir = Path(data_dir)
    manifest = verify(archive)
    if (data_dir / DB_NAME).exists():
        raise StoreError(f"{data_dir}: already holds a facetrack store; restore into an empty data dir "
                         "(or move this one away first): nothing was changed")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".restore-"))
    try:
        with tarfile.open(archive, "r") as tar:
            for name in manifest["files"]:
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with tar.extractfile(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.chmod(target, 0o600)
        (data_dir / IMAGES_DIR).mkdir(exist_ok=True, mode=0o700)
        for path in sorted((staging / IMAGES_DIR).rglob("*")) if (staging / IMAGES_DIR).exists() else []:
            dest = data_dir / path.relative_to(staging)
            if path.is_dir():
                dest.mkdir(exist_ok=True, mode=0o700)
            elif not dest.exists():
                os.replace(path, dest)
        os.replace(staging / DB_NAME, data_dir / DB_NAME)  # the store appears last, whole
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with Store.open(data_dir) as store:
        return store.counts()["captures"]
