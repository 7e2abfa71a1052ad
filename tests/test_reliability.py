"""Data safety: crashes at any point, concurrent writers, recovery on open."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from common import descendants  # benchmarks/common.py (on the path: see conftest.py)

from facetrack.store import DB_NAME, IMAGES_DIR, Store

FACETRACK = [sys.executable, "-m", "facetrack.cli"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory, grace_hopper):
    """Distinct photos of the same face (different brightness, so different files)."""
    folder = tmp_path_factory.mktemp("photos")
    out = []
    for i in range(8):
        image = np.clip(grace_hopper.astype(int) + 3 * i - 10, 0, 255).astype(np.uint8)
        out.append(folder / f"p{i}.jpg")
        cv2.imwrite(str(out[-1]), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return out


def check_consistent(root: Path) -> int:
    """Open (which recovers), then: integrity ok, every row's file exists, no orphan file."""
    with Store.open(root) as store:
        counts = store.counts()
    conn = sqlite3.connect(root / DB_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        files = {r[0] for r in conn.execute("SELECT image_file FROM captures")}
        assert conn.execute("SELECT COUNT(*) FROM pending_images").fetchone()[0] == 0
        orphans = conn.execute("SELECT COUNT(*) FROM landmarks WHERE capture_id NOT IN (SELECT id FROM captures)")
        assert orphans.fetchone()[0] == 0
    finally:
        conn.close()
    on_disk = {str(p.relative_to(root)) for p in (root / IMAGES_DIR).rglob("*") if p.is_file()}
    assert on_disk == files, (on_disk ^ files)
    assert all((root / f).stat().st_size > 0 for f in files)
    return counts["captures"]


def test_a_crash_between_the_file_and_its_row_is_recovered(tmp_path, photos):
    """Exit abruptly (like SIGKILL) inside the capture transaction, after the image file is written."""
    root = tmp_path / "store"
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from facetrack import store
        def crash(self, cid, views):
            assert any(p.suffix == ".jpg" for p in (Path({str(root)!r}) / "images").rglob("*"))
            os._exit(9)
        store.Store._insert_views = crash
        from facetrack.cli import main
        main(["import", {str(photos[0])!r}, "--data-dir", {str(root)!r}])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    files = [p for p in (root / IMAGES_DIR).rglob("*") if p.is_file()]
    assert len(files) == 1  # the orphan the crash left
    assert check_consistent(root) == 0  # recovered on open: no capture, no file


def test_stale_part_files_of_dead_processes_are_removed(tmp_path):
    root = tmp_path / "store"
    Store.open(root).close()
    stale = root / IMAGES_DIR / "ab" / ".999999999-x.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    mine = root / IMAGES_DIR / "ab" / f".{os.getpid()}-y.part"
    mine.write_bytes(b"being written")
    Store.open(root).close()
    assert not stale.exists() and mine.exists()


def test_import_killed_at_random_points_leaves_a_consistent_store(tmp_path, photos):
    root = tmp_path / "store"
    rng = np.random.default_rng(7)
    env = {**os.environ, "FACETRACK_NATIVE_LOGS": "0"}
    kills = 0
    for attempt in range(6):
        # a new profile each time, so every run has the whole set to do (the image files are
        # shared between profiles: content-addressed)
        # each photo four times: a run (in two processes, about 4 photos/s here, more in a fast
        # phase of the machine) lasts well over the 1.5-4 s before the kill
        proc = subprocess.Popen([*FACETRACK, "import", *map(str, photos * 4), "--data-dir", str(root),
                                 "--profile", f"run{attempt}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(float(rng.uniform(1.5, 4.0)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        check_consistent(root)
    assert kills >= 3  # most runs were cut short
    # and a last, uninterrupted run completes the set without duplicates
    done = subprocess.run([*FACETRACK, "import", *map(str, photos), "--data-dir", str(root),
                           "--profile", "run0"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    check_consistent(root)
    with Store.open(root) as store:
        assert len(store.captures("run0")) == len(photos)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds helper processes through /proc")
def test_helpers_of_a_killed_parallel_import_exit(tmp_path, photos):
    """SIGKILL the importing process: its helper processes must not live on as orphans."""
    env = {**os.environ, "FACETRACK_NATIVE_LOGS": "0"}
    # the console script, as a user runs it
    proc = subprocess.Popen([str(Path(sys.executable).parent / "facetrack"), "import", *map(str, photos * 6), "--workers", "2",
                             "--data-dir", str(tmp_path / "store")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 20
    helpers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        helpers = descendants(proc.pid)
        if len(helpers) >= 2:  # the helper and multiprocessing's resource tracker
            break
        time.sleep(0.05)
    assert helpers, "no helper process was started"
    time.sleep(3.0)  # the helper is loaded and measuring
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_running(pid) for pid in helpers):
        time.sleep(0.1)
    alive = [pid for pid in helpers if _running(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"helper processes {alive} outlived their killed parent"


def test_two_processes_import_into_one_new_store_at_once(tmp_path, photos):
    root = tmp_path / "store"
    halves = [photos[:4], photos[4:]]
    procs = [subprocess.Popen([*FACETRACK, "import", *map(str, half), "--data-dir", str(root)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for half in halves]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert check_consistent(root) == len(photos)


class SlowMeasurer:
    """A Measurer that takes ``seconds`` longer per photo (in this process only)."""

    def __init__(self, measurer, seconds: float):
        self._measurer, self._seconds = measurer, seconds

    def measure_photo(self, *args, **kwargs):
        time.sleep(self._seconds)
        return self._measurer.measure_photo(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._measurer, name)


def test_parallel_import_stores_what_a_serial_import_stores(tmp_path, photos):
    """Two processes measure; the results and their order equal one process's."""
    from facetrack.ingest.importer import import_photos
    from facetrack.detect.measure import Measurer

    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    # a rejected file and duplicates too
    paths = [*photos[:4], bad, *photos[:4] * 3]
    results = {}
    with Measurer.from_model() as measurer:
        for workers in (1, 2):
            # In the parallel run this process takes 1 s more per photo, so it cannot finish all
            # 13 before the helper (about 2 s to start) claims some: a margin of several times
            # the helper's start-up, whatever the machine's speed that minute.
            here = measurer if workers == 1 else SlowMeasurer(measurer, seconds=1.0)
            with Store.open(tmp_path / f"w{workers}") as store:
                report = import_photos(paths, store=store, measurer=here, profile="p", workers=workers)
                helped = report.measured_by_helpers
                captures = store.captures("p")
                results[workers] = (
                    [(p.name, cid) for p, cid in report.imported], [(p.name, cid) for p, cid in report.duplicates],
                    [(p.name, why) for p, why in report.rejected],
                    [(c.sha256, {k: v.value for k, v in c.metrics.items()}) for c in captures])
    assert results[1] == results[2]
    assert len(results[2][0]) == 4 and len(results[2][1]) == 12 and len(results[2][2]) == 1
    assert helped > 0, "the helper process measured nothing"


def test_a_helper_that_cannot_start_loses_nothing(tmp_path, photos):
    """Helpers that fail to load the model die; this process measures every photo itself."""
    from facetrack.detect.measure import Measurer
    from facetrack.ingest.workers import measure_files

    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a model")
    outcomes = {}
    with Measurer.from_model() as measurer:
        class HelpersGetABrokenModel:  # this process keeps the real landmarker
            model_path = broken
            measure_photo = staticmethod(measurer.measure_photo)

        helped = measure_files([str(p) for p in photos[:3]], HelpersGetABrokenModel(), 3,
                               lambda i, outcome: outcomes.setdefault(i, outcome))
    assert helped == 0
    assert sorted(outcomes) == [0, 1, 2]
    assert all(not isinstance(o, Exception) for o in outcomes.values())
