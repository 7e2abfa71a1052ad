"""The benchmark's whole-process measurement: wall time, exit code and peak memory, helpers included."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from common import machine, run_measured, sd_interval, verdict  # benchmarks/ (on the path: see conftest.py)

ALLOCATE = "import time; block = bytearray({mb} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.3)"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory of helpers is read from /proc")
@pytest.mark.parametrize("mb", [150, 300])
def test_peak_memory_of_the_process_itself(mb):
    run = run_measured([sys.executable, "-c", ALLOCATE.format(mb=mb)])
    assert run.returncode == 0, run.stderr
    assert mb <= run.peak_mb <= mb + 80
    assert run.seconds >= 0.3


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory of helpers is read from /proc")
def test_peak_memory_counts_child_processes_too(tmp_path):
    # each child allocates, then waits until the other has too, then holds it 0.3 s: the two
    # blocks overlap in time however busy the machine is
    child = ("import os, time, pathlib; block = bytearray(200 * 2**20); block[::4096] = b'x' * len(block[::4096]);"
             f" d = pathlib.Path({str(tmp_path)!r}); (d / str(os.getpid())).touch(); t = time.time()\n"
             "while len(list(d.iterdir())) < 2 and time.time() - t < 60: time.sleep(0.01)\n"
             "time.sleep(0.3)")
    parent = ("import subprocess, sys; procs = [subprocess.Popen([sys.executable, '-c', %r]) for _ in range(2)];"
              " [p.wait() for p in procs]" % child)
    run = run_measured([sys.executable, "-c", parent])
    assert run.returncode == 0, run.stderr
    assert run.peak_mb >= 2 * 200  # both children held 200 MB at the same time


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
def test_the_callers_own_memory_is_not_counted():
    """A big caller (the benchmark runner holds the model) does not inflate a small child's peak."""
    ballast = bytearray(400 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    run = run_measured([sys.executable, "-c", ALLOCATE.format(mb=50)])
    assert run.returncode == 0 and 50 <= run.peak_mb <= 50 + 80
    del ballast


def test_exit_code_and_output_are_kept():
    run = run_measured([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"])
    assert (run.returncode, run.stdout.strip(), run.stderr.strip()) == (3, "out", "err")


def test_machine_description():
    info = machine()
    assert info["cores"] >= 1 and info["python"].count(".") == 2 and info["mediapipe"].startswith("1.2")


@pytest.mark.parametrize("n, lo, hi", [(12, 0.708, 1.698), (24, 0.778, 1.403), (100, 0.878, 1.162)])
def test_sd_interval_factors(n, lo, hi):
    assert sd_interval(2.0, n) == pytest.approx((2 * lo, 2 * hi), abs=2e-3)


def test_sd_interval_covers_the_true_sd_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    samples = rng.normal(0.0, 3.0, size=(4000, 12))
    covered = [lo <= 3.0 <= hi for lo, hi in (sd_interval(s.std(ddof=1), 12) for s in samples)]
    assert 0.94 <= np.mean(covered) <= 0.96


def test_sd_interval_needs_two_values():
    with pytest.raises(ValueError, match="at least 2"):
        sd_interval(1.0, 1)


@pytest.mark.parametrize("interval, target, expected", [
    ((0.2, 0.4), 0.5, "met"), ((0.2, 0.5), 0.5, "met"), ((0.4, 0.7), 0.5, "unclear"), ((0.6, 0.9), 0.5, "missed"),
])
def test_verdict(interval, target, expected):
    assert verdict(interval, target) == expected


def test_three_point_jaw_angle_baseline(topology):
    """The pre-issue-3 definition the precision benchmark compares against: on the
    (mirror-symmetric) canonical mesh both sides agree, and a rotation, shift and scale of
    the landmarks leave it unchanged."""
    from precision import three_point_jaw_angle

    canonical = topology.canonical
    left, right = (three_point_jaw_angle(canonical, topology, side) for side in ("left", "right"))
    assert left == pytest.approx(right, abs=1e-9)
    assert 100 < left < 160
    c, s = np.cos(0.4), np.sin(0.4)
    moved = 2.5 * canonical @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]).T + [30, -4, 7]
    assert three_point_jaw_angle(moved, topology, "left") == pytest.approx(left, rel=1e-9)


def test_perturbation_suite_flags_the_mirror_images(grace_hopper):
    from precision import perturbation_suite

    flags = [flipped for _, flipped in perturbation_suite(grace_hopper, n=4)]
    assert flags == [False, True, False, True]


def test_a_flipped_photo_reads_like_the_photo_once_unflipped(measurer, grace_hopper):
    """The suite's flipped variants show the mirror face: left and right swap, signed indices
    negate. Compared as read, they would add the face's own asymmetry to the spread."""
    from precision import as_unflipped

    photo = {k: v.value for k, v in measurer.measure_photo(grace_hopper).metrics.items()}
    mirror = {k: v.value for k, v in measurer.measure_photo(np.ascontiguousarray(grace_hopper[:, ::-1])).metrics.items()}
    back = as_unflipped(mirror, True)
    assert as_unflipped(mirror, False) == mirror
    for name in ("eye_aperture_ratio", "jaw_angle_difference"):  # clearly asymmetric on this face
        as_read, unflipped = abs(mirror[name] - photo[name]), abs(back[name] - photo[name])
        assert as_read > 1.0 and unflipped < 0.2 * as_read, name
    for name, tol in (("jaw_angle_left", 0.2), ("jaw_angle_right", 0.2), ("malar_projection_left", 0.2),
                      ("cheek_fullness_left", 0.01), ("asymmetry_index", 0.1)):
        assert back[name] == pytest.approx(photo[name], abs=tol), name


def test_factor_suite_covers_each_factor_over_the_suites_range(grace_hopper):
    from precision import FACTOR_LEVELS, FACTORS, factor_suite

    rows = list(factor_suite(grace_hopper))
    counts = {f: sum(r[0] == f for r in rows) for f in FACTORS}
    assert counts == {f: 2 if f == "flip" else FACTOR_LEVELS for f in FACTORS}
    assert [flipped for f, _, flipped in rows if f == "flip"] == [False, True]
    assert all(v.shape == grace_hopper.shape and v.dtype == np.uint8 for _, v, _ in rows)
