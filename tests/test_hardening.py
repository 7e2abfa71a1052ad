"""Regression tests for what an adversarial test of the store and its backups found: crafted
paths, broken stores, interrupted operations, races, and errors that must be one line."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import cv2
import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.errors import StoreError
from facetrack.store import DB_NAME, IMAGES_DIR, Store
from facetrack.store.backup import FORMAT, MANIFEST
from facetrack.store.check import check_store

FACETRACK = [sys.executable, "-m", "facetrack.cli"]


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def one_line_error(result, *words):
    """Exit 1, one line on stderr naming the problem, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    text = result.output.strip()
    assert "\n" not in text and text.startswith("error: "), text
    for w in words:
        assert w in text, text


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, grace_hopper, astronaut):
    """A store with two profiles sharing one photo: 'default' (2 captures) and 'other' (1)."""
    tmp = tmp_path_factory.mktemp("pristine")
    root = tmp / "store"
    for i, image in enumerate((grace_hopper, astronaut)):
        path = tmp / f"p{i}.png"
        cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        assert run("import", path, "--data-dir", root, "--taken-at", f"2026-01-0{i + 1}",
                   "--same-person").exit_code == 0  # two people in one profile, said to be one
    assert run("import", tmp / "p0.png", "--data-dir", root, "--profile", "other").exit_code == 0
    return root


@pytest.fixture
def store_dir(pristine, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(pristine, root)
    return root


def sql(root: Path, statement: str, *args):
    conn = sqlite3.connect(root / DB_NAME)
    try:
        conn.execute(statement, args)
        conn.commit()
    finally:
        conn.close()


def pack(root: Path, archive: Path) -> None:
    """A backup archive of a data dir as it is (with a matching manifest): a crafted backup."""
    import hashlib

    files = {DB_NAME: root / DB_NAME}
    for path in sorted((root / IMAGES_DIR).rglob("*")):
        if path.is_file():
            files[path.relative_to(root).as_posix()] = path
    manifest = {"format": FORMAT, "schema_version": 5,
                "files": {n: {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(), "size": p.stat().st_size}
                          for n, p in files.items()}}
    with tarfile.open(archive, "w") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for name, path in files.items():
            tar.add(path, arcname=name)


def checkpoint(root: Path) -> None:
    conn = sqlite3.connect(root / DB_NAME)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# 1. crafted paths ----------------------------------------------------------------------------
def test_a_crafted_backup_cannot_delete_files_outside_the_data_dir(store_dir, tmp_path):
    victim, other = tmp_path / "victim.txt", tmp_path / "other.txt"
    victim.write_text("keep me")
    other.write_text("keep me too")
    sql(store_dir, "INSERT INTO pending_images (image_file, pid, created_at) VALUES (?, 999999999, 'x')",
        "../" * 6 + str(victim).lstrip("/"))
    sql(store_dir, "UPDATE captures SET image_file = ? WHERE id = 1", str(other))
    checkpoint(store_dir)
    archive = tmp_path / "crafted.tar"
    pack(store_dir, archive)
    result = run("restore", archive, "--data-dir", tmp_path / "restored")
    one_line_error(result, "wrong form")
    assert victim.read_text() == "keep me" and other.read_text() == "keep me too"
    assert not (tmp_path / "restored").exists()


def test_a_store_with_a_stored_path_outside_it_is_refused_before_anything_is_deleted(store_dir, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    sql(store_dir, "UPDATE captures SET image_file = ? WHERE id = 1", str(victim))
    one_line_error(run("delete", "--capture", "1", "--yes", "--data-dir", store_dir), "damaged", "images/ab")
    one_line_error(run("list", "--data-dir", store_dir), "damaged")
    assert victim.read_text() == "keep me"
    sql(store_dir, "INSERT INTO pending_images (image_file, pid, created_at) VALUES (?, 999999999, 'x')",
        "images/../../victim.txt")
    with pytest.raises(StoreError, match="damaged"):
        Store.open(store_dir)
    assert victim.read_text() == "keep me"


# 3. backup and check of a broken store ---------------------------------------------------------
def break_pages(root: Path) -> None:
    checkpoint(root)
    db = root / DB_NAME
    data = bytearray(db.read_bytes())
    page = 4096
    for p in range(1, len(data) // page):  # every page but the first (header and schema)
        data[p * page: (p + 1) * page] = os.urandom(page)
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, words", [
    ("garbage", "database"),
    ("deleted", "is missing"),
    ("empty", "does not match its SHA-256"),
])
def test_backup_refuses_a_broken_store_and_check_names_it(store_dir, tmp_path, damage, words):
    with Store.open(store_dir) as store:
        photo = store.captures("default")[1].image_path
    if damage == "garbage":
        break_pages(store_dir)
    elif damage == "deleted":
        photo.unlink()
    else:
        photo.write_bytes(b"")
    archive = tmp_path / "b.tar"
    result = run("backup", "-o", archive, "--data-dir", store_dir)
    assert result.exit_code == 1 and "\n" not in result.output.strip(), result.output
    assert isinstance(result.exception, SystemExit)
    assert not archive.exists() and not list(tmp_path.glob(".facetrack-backup-*"))
    if damage != "garbage":
        assert words in result.output
        check = run("check", "--data-dir", store_dir)
        assert check.exit_code == 1 and words in check.output


def test_check_finds_orphans_and_repair_removes_only_them(store_dir):
    assert run("check", "--data-dir", store_dir).exit_code == 0
    orphan = store_dir / IMAGES_DIR / ("ab" + "c" * 62)[:2] / (("ab" + "c" * 62) + ".jpg")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"nobody's photo")
    found = run("check", "--data-dir", store_dir)
    assert found.exit_code == 0 and "orphan: images/ab/" in found.output and "1 orphans" in found.output
    repaired = run("check", "--repair", "--data-dir", store_dir)
    assert repaired.exit_code == 0 and "(1 removed)" in repaired.output and not orphan.exists()
    with Store.open(store_dir) as store:
        report = check_store(store)
        assert report.ok and not report.orphans and report.captures == 3


# 4. restore only into a new or empty folder ----------------------------------------------------
def test_restore_into_a_non_empty_folder_without_a_store_is_refused(store_dir, tmp_path):
    archive = tmp_path / "b.tar"
    assert run("backup", "-o", archive, "--data-dir", store_dir).exit_code == 0
    target = tmp_path / "target"
    (target / IMAGES_DIR / "ab").mkdir(parents=True)
    squatter = target / IMAGES_DIR / "ab" / "x.jpg"
    squatter.write_bytes(b"not the backup's")
    one_line_error(run("restore", archive, "--data-dir", target), "is not empty")
    assert squatter.read_bytes() == b"not the backup's" and not (target / DB_NAME).exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    restored = run("restore", archive, "--data-dir", empty)
    assert restored.exit_code == 0 and "restored 3 captures" in restored.output
    assert not list(tmp_path.glob(".facetrack-restore-*"))


# 5. overlapping imports ------------------------------------------------------------------------
def test_a_duplicate_found_at_commit_is_a_skip_not_a_crash(store_dir, tmp_path, monkeypatch, grace_hopper):
    """Another process stores the same photo between this one's check and its commit."""
    photo = tmp_path / "new.png"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper[:, ::-1], cv2.COLOR_RGB2BGR))
    monkeypatch.setattr(Store, "find_by_hash", lambda self, profile, sha: None, raising=True)
    result = run("import", photo, photo, "--data-dir", store_dir, "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "1 imported, 1 skipped as duplicate, 0 rejected" in result.output
    monkeypatch.undo()
    with Store.open(store_dir) as store:
        assert len(store.captures("default")) == 3 and check_store(store).ok


# 7. interrupted operations ---------------------------------------------------------------------
def killed_at(target: str, args: list[str]) -> None:
    """Run the CLI in a process that dies (like SIGKILL) when it calls ``target``, a dotted
    name such as ``facetrack.store.database.Store._release``."""
    script = textwrap.dedent(f"""
        import importlib, os
        parts = {target!r}.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            try:
                owner = importlib.import_module(".".join(parts[:cut]))
                break
            except ImportError:
                continue
        for part in parts[cut:-1]:
            owner = getattr(owner, part)
        setattr(owner, parts[-1], lambda *a, **k: os._exit(9))
        from facetrack.cli import main
        main({[str(a) for a in args]!r})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr


def test_a_killed_profile_delete_leaves_no_orphan_photo(store_dir):
    killed_at("facetrack.store.database.Store._release",
              ["delete", "--profile", "default", "--yes", "--data-dir", str(store_dir)])
    with Store.open(store_dir) as store:  # the next open finishes the delete
        report = check_store(store)
        assert report.ok and not report.orphans
        assert store.profiles() == ["other"] and len(store.captures("other")) == 1


def test_a_killed_backup_or_restore_leaves_nothing_after_the_next_run(store_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    killed_at("facetrack.store.backup.os.replace",
              ["backup", "-o", str(out / "b.tar"), "--data-dir", str(store_dir)])
    assert list(out.glob(".facetrack-backup-*")) and not (out / "b.tar").exists()
    assert run("backup", "-o", out / "b.tar", "--data-dir", store_dir).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["b.tar"]
    places = tmp_path / "places"
    places.mkdir()
    killed_at("facetrack.store.backup.os.rename",
              ["restore", str(out / "b.tar"), "--data-dir", str(places / "one")])
    assert list(places.glob(".facetrack-restore-*"))
    assert run("restore", out / "b.tar", "--data-dir", places / "two").exit_code == 0
    assert sorted(p.name for p in places.iterdir()) == ["two"]


# 8. one line, not a traceback ------------------------------------------------------------------
@pytest.mark.parametrize("command", [["list"], ["metrics"], ["report", "-o", "r.html"], ["recompute"],
                                     ["compare"]])
def test_a_database_with_garbage_pages_gives_one_line(store_dir, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    break_pages(store_dir)
    one_line_error(run(*command, "--data-dir", store_dir), "damaged")


def test_a_malformed_quality_note_gives_one_line(store_dir):
    sql(store_dir, "UPDATE captures SET quality = '[1, 2]' WHERE id = 2")
    one_line_error(run("list", "--data-dir", store_dir), "capture 2", "damaged quality notes")


def test_a_full_disk_gives_one_line_and_stores_nothing(store_dir, tmp_path, monkeypatch, grace_hopper):
    import errno

    import facetrack.store.database as database

    photo = tmp_path / "new.png"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper[:, ::-1], cv2.COLOR_RGB2BGR))
    with Store.open(store_dir) as store:
        before = store.counts()

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(store_dir / "images"))

    monkeypatch.setattr(database, "write_image", no_space)
    one_line_error(run("import", photo, "--data-dir", store_dir), "the disk is full")
    monkeypatch.undo()

    def full_at_commit(self, cid, metrics):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_insert_metrics", full_at_commit)
    one_line_error(run("import", photo, "--data-dir", store_dir), "the disk is full")
    monkeypatch.undo()
    with Store.open(store_dir) as store:
        assert store.counts() == before


def test_a_store_locked_past_the_timeout_is_one_error(store_dir):
    holder = sqlite3.connect(store_dir / DB_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(store_dir, timeout=0.2) as store, pytest.raises(StoreError, match="busy"):
            store.set_iris_mm("default", 12.0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_restore_and_backup_to_places_that_cannot_be_written(store_dir, tmp_path):
    archive = tmp_path / "b.tar"
    assert run("backup", "-o", archive, "--data-dir", store_dir).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    one_line_error(run("restore", archive, "--data-dir", blocker / "data"), str(blocker))
    one_line_error(run("backup", "-o", blocker / "b.tar", "--data-dir", store_dir), "cannot write the backup")


# 9. an empty database is damage, not a new store -----------------------------------------------
def test_an_empty_database_or_photos_without_one_are_refused(store_dir):
    checkpoint(store_dir)
    (store_dir / DB_NAME).write_bytes(b"")
    one_line_error(run("list", "--data-dir", store_dir), "damaged", "0 bytes", "facetrack restore")
    assert (store_dir / DB_NAME).stat().st_size == 0
    (store_dir / DB_NAME).unlink()
    one_line_error(run("list", "--data-dir", store_dir), "photos", "but no database")
    assert not (store_dir / DB_NAME).exists()


# 10. a read-only disk --------------------------------------------------------------------------
@pytest.fixture
def read_only_store(store_dir, tmp_path):
    mount = tmp_path / "ro"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"needs to mount a tmpfs (root): {made.stderr.decode().strip()}")
    try:
        checkpoint(store_dir)
        shutil.copytree(store_dir, mount / "store")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount / "store"
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_store_on_a_read_only_disk_can_be_read_not_written(read_only_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listed = run("list", "--data-dir", read_only_store)
    assert listed.exit_code == 0 and "p1.png" in listed.output
    assert run("metrics", "--csv", "--data-dir", read_only_store).exit_code == 0
    assert run("report", "-o", tmp_path / "r.html", "--data-dir", read_only_store).exit_code == 0
    assert run("backup", "-o", tmp_path / "b.tar", "--data-dir", read_only_store).exit_code == 0
    one_line_error(run("baseline", "2", "--data-dir", read_only_store), "read-only disk")


# 11. delete racing an import of the same photo -------------------------------------------------
def test_delete_keeps_a_photo_another_process_is_storing(store_dir):
    """A live import in another profile has noted the shared photo: delete must not remove it."""
    with Store.open(store_dir) as store:
        (mine,) = store.captures("other")
    importer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        rel = mine.image_path.relative_to(store_dir).as_posix()
        sql(store_dir, "DELETE FROM captures WHERE image_file = ? AND id != ?", rel, mine.id)
        sql(store_dir, "INSERT INTO pending_images (image_file, pid, created_at) VALUES (?, ?, 'x')",
            rel, importer.pid)
        assert run("delete", "--capture", mine.id, "--yes", "--data-dir", store_dir).exit_code == 0
        assert mine.image_path.exists()  # the import's commit will refer to it
    finally:
        importer.kill()
        importer.wait()
    with Store.open(store_dir):  # the importer died without committing: now it goes
        pass
    assert not mine.image_path.exists()


# 13. private side files ------------------------------------------------------------------------
def test_the_wal_and_shm_files_are_private_while_open(store_dir):
    for side in ("-wal", "-shm"):
        (store_dir / (DB_NAME + side)).unlink(missing_ok=True)
    with Store.open(store_dir) as store:
        store.set_iris_mm("default", 12.0)
        for side in ("-wal", "-shm"):
            path = store_dir / (DB_NAME + side)
            assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, side
