"""Shared fixtures: the real model, the named map, real portraits, and a demo store."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np
import pytest

# The benchmarks' shared tools (process trees, whole-process measurement) are tested too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from facetrack.detect.model import resolve
from facetrack.topology import load_topology


@pytest.fixture(scope="session")
def model_path():
    return resolve().path


@pytest.fixture(scope="session")
def topology(model_path):
    return load_topology(model_path)


@pytest.fixture(scope="session")
def measurer(model_path):
    from facetrack.detect.measure import Measurer

    m = Measurer(model_path)
    yield m
    m.close()


@pytest.fixture(scope="session")
def webcam_clip():
    """The real webcam clip (tests/data/single_face.mp4): 72 frames, neutral then smiling."""
    from videos import WEBCAM_CLIP

    return WEBCAM_CLIP


@pytest.fixture(scope="session")
def grace_hopper():
    from facetrack.demo import portrait

    return portrait()


@pytest.fixture(scope="session")
def astronaut():
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def portraits(grace_hopper, astronaut):
    return {"grace_hopper": grace_hopper, "astronaut": astronaut}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory, model_path):
    """A data dir filled by `facetrack demo`, run once for the whole session."""
    from click.testing import CliRunner

    from facetrack.cli import main

    root = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    return root, result


@pytest.fixture
def store_dir(demo_dir, tmp_path):
    """A copy of the demo store of this test's own (the app's tests change it)."""
    import shutil

    root = tmp_path / "store"
    shutil.copytree(demo_dir[0], root)
    return root


@pytest.fixture(scope="session")
def webcam_jpegs(webcam_clip):
    """The real webcam clip's frames as the capture page sends them (JPEG)."""
    import cv2

    from facetrack.capture.sources import video_frames

    return [cv2.imencode(".jpg", cv2.cvtColor(f.image, cv2.COLOR_RGB2BGR))[1].tobytes()
            for f in video_frames(webcam_clip)]


def save_jpeg(image: np.ndarray, path, quality: int = 92):
    from PIL import Image

    Image.fromarray(image).save(path, "JPEG", quality=quality)
    return path


@contextlib.contextmanager
def signed_in_client(root, measurer, port: int, profile: str = "demo"):
    """Starlette's test client of the app on ``root``, signed in with the launch token."""
    from starlette.testclient import TestClient

    from facetrack.app.server import create_app

    app = create_app(root, profile=profile, port=port, token="secret-token", measurer_factory=lambda: measurer)
    with TestClient(app, base_url=f"http://127.0.0.1:{port}") as c:
        assert c.get("/photos?token=secret-token", follow_redirects=False).status_code == 303
        yield c
