"""The capture warns when the camera's exposure or white balance moved during the burst
(facetrack.capture.light_drift, issue 34): the real webcam clip's frames held still do not
warn; the same frames with the light's brightness or colour ramping across the burst (made in
linear light on the whole picture, as a camera still adjusting makes them) do, after the photo,
in words, and the photo is still taken. The capture page asks for the same light and no make-up
and says that massage or exercise reddens the skin."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from conftest import save_jpeg
from facetrack.capture.advice import GUIDE, light_moved_sentence
from facetrack.capture.light_drift import (MAX_COLOUR_CHANGE, MAX_EXPOSURE_CHANGE, drift_of, light_drift,
                                           outside_face_rgb)
from facetrack.metrics.colour import linear_to_srgb, srgb_to_linear

BURST = range(3, 8)  # five neutral frames of the clip


@pytest.fixture(scope="module")
def burst(measurer, webcam_clip):
    """(frame, its face's landmarks) for five consecutive neutral frames of the real clip."""
    from facetrack.capture.sources import video_frames

    frames = [f for f in video_frames(webcam_clip, max_frames=max(BURST) + 1) if f.index in BURST]
    return [(f, measurer.landmarker.detect(f.image)) for f in frames]


def ramped(image, gains):
    return linear_to_srgb(srgb_to_linear(image) * np.asarray(gains, dtype=np.float64))


def ramp(burst, first, last):
    """The burst's frames with the whole picture's RGB gains going from ``first`` to ``last``."""
    steps = np.linspace(0, 1, len(burst))[:, None] * (np.array(last) - np.array(first)) + np.array(first)
    return [(ramped(f.image, g), face.points) for (f, face), g in zip(burst, steps)]


def test_a_burst_held_still_in_steady_light_does_not_warn(burst):
    drift = light_drift([(f.image, face.points) for f, face in burst])
    assert drift.exposure_change < MAX_EXPOSURE_CHANGE / 2 and drift.colour_change < MAX_COLOUR_CHANGE / 2
    assert light_moved_sentence(drift.exposure_change, drift.colour_change) is None


@pytest.mark.parametrize("first, last, exposure, colour", [
    ((1.0, 1.0, 1.0), (0.8, 0.8, 0.8), True, False),  # the exposure falls by a fifth over the burst
    ((1.0, 1.0, 1.0), (1.06, 1.0, 0.94), False, True),  # the white balance warms
    ((0.95, 0.95, 0.95), (1.0, 1.0, 1.0), False, False),  # a 5 % drift: within what a person sitting still makes
])
def test_a_camera_still_adjusting_during_the_burst_warns(burst, first, last, exposure, colour):
    drift = light_drift(ramp(burst, first, last))
    assert (drift.exposure_moved, drift.colour_moved) == (exposure, colour), drift
    sentence = light_moved_sentence(drift.exposure_change, drift.colour_change)
    assert (sentence is not None) == (exposure or colour)
    if sentence:
        assert ("brightness" in sentence) == exposure and ("colour" in sentence) == colour
        assert "was kept" in sentence and "_" not in sentence


def test_the_drift_needs_two_frames_and_refuses_bad_input(burst):
    f, face = burst[0]
    assert light_drift([(f.image, face.points)]) is None and drift_of([]) is None
    with pytest.raises(ValueError, match="must be RGB uint8 .* but got"):
        outside_face_rgb(f.image.astype(np.float32), face.points)
    with pytest.raises(ValueError, match="must be finite .* but got"):
        outside_face_rgb(f.image, np.full((478, 3), np.nan))


def test_a_guided_burst_notes_the_drift_and_is_still_stored(measurer, burst):
    from facetrack.capture.gates import GateResult
    from facetrack.capture.session import CheckedFrame
    from facetrack.ingest.guided import measure_burst
    from facetrack.records import QualityNotes

    def checked(frames):
        return tuple(CheckedFrame(dataclasses.replace(f, image=image), (face,),
                                  (GateResult("sharpness", True, 100.0 + f.index, "", ""),))
                     for (f, face), (image, _) in zip(burst, frames))

    steady = measure_burst(checked([(f.image, face.points) for f, face in burst]), measurer=measurer).capture
    assert steady.quality.burst_exposure_change < MAX_EXPOSURE_CHANGE
    darker = measure_burst(checked(ramp(burst, (1.0, 1.0, 1.0), (0.8, 0.8, 0.8))), measurer=measurer).capture
    assert darker.quality.burst_exposure_change >= MAX_EXPOSURE_CHANGE
    assert QualityNotes.from_dict(darker.quality.to_dict()) == darker.quality


@pytest.fixture
def one_photo(tmp_path, burst):
    data = tmp_path / "data"
    path = save_jpeg(burst[0][0].image, tmp_path / "frame.jpg")
    out = CliRunner().invoke(__import__("facetrack.cli", fromlist=["main"]).main,
                             ["import", str(path), "--data-dir", str(data), "--taken-at", "2026-01-05T09:00"])
    assert out.exit_code == 0, out.output
    return data


def test_the_pages_ask_for_the_same_light_and_warn_after_a_moving_burst(one_photo):
    from facetrack.app.server import create_app
    from facetrack.store import Store

    with Store.open(one_photo) as store:
        capture = store.captures("default")[0]
        store.set_quality(capture.id, dataclasses.replace(capture.quality, burst_exposure_change=14.0,
                                                          burst_colour_change=0.4))
    app = create_app(one_photo, profile="default", port=8765, token="t", measurer_factory=lambda: None)
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        assert client.get("/photos?token=t").status_code == 200
        page = client.get("/capture")
        assert page.status_code == 200 and '<p id="guide"' in page.text
        assert "same light" in page.text and "no make-up" in page.text and "30 minutes" in page.text
        result = client.get(f"/capture/result/{capture.id}")
        assert result.status_code == 200
        assert "The camera&#39;s brightness changed while the photo was being taken" in result.text
    assert "redder" in GUIDE and "massage or exercise" in GUIDE.lower()
