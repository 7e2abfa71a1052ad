"""The benchmark's whole-process measurement: wall time, exit code and peak memory, helpers included."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from common import machine, run_measured  # benchmarks/ (on the path: see conftest.py)

ALLOCATE = "import time; block = bytearray({mb} * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.3)"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory of helpers is read from /proc")
@pytest.mark.parametrize("mb", [150, 300])
def test_peak_memory_of_the_process_itself(mb):
    run = run_measured([sys.executable, "-c", ALLOCATE.format(mb=mb)])
    assert run.returncode == 0, run.stderr
    assert mb <= run.peak_mb <= mb + 80
    assert run.seconds >= 0.3


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory of helpers is read from /proc")
def test_peak_memory_counts_child_processes_too():
    child = ALLOCATE.format(mb=200)
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
