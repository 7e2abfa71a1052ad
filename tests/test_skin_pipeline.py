"""The skin measures stored with a capture (issue 34): an imported photo of the real webcam clip
(a plain door behind the man) and a guided capture's burst of its frames keep the four skin values
beside the landmark ones; a photo with a busy background keeps them null with the reason in its
quality notes; recompute keeps them and does not call the captures stale; `metrics --json` carries
them."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import save_jpeg
from facetrack.cli import main
from facetrack.metrics import REGISTRY, SKIN, get_metric
from facetrack.records import QualityNotes
from facetrack.store import Store

NAMES = tuple(m.name for m in SKIN)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def clip_frames(webcam_clip):
    from facetrack.capture.sources import video_frames

    return list(video_frames(webcam_clip, max_frames=15))


@pytest.fixture(scope="module")
def imported(tmp_path_factory, clip_frames, grace_hopper):
    """A data dir with the clip's frame 8 (a plain door behind him) and grace_hopper (a flag)."""
    d = tmp_path_factory.mktemp("skin_import")
    door = save_jpeg(clip_frames[8].image, d / "door.jpg", quality=95)
    flag = save_jpeg(grace_hopper, d / "flag.jpg")
    data = d / "data"
    for path, when in ((door, "2026-01-05T09:00"), (flag, "2026-01-12T09:00")):
        out = run("import", path, "--data-dir", data, "--taken-at", when, "--same-person")
        assert out.exit_code == 0, out.output
    return data


def test_an_imported_photo_keeps_its_skin_values_and_a_busy_one_the_reasons(imported):
    with Store.open(imported) as store:
        door, flag = store.captures("default")
    assert set(NAMES) <= set(door.metrics)
    assert all(door.metrics[n].version == get_metric(n).version for n in NAMES)
    assert 55 < door.metrics["skin_lightness"].value < 85 and 10 < door.metrics["skin_redness"].value < 35
    assert door.quality.skin_missing == {}
    assert not set(NAMES) & set(flag.metrics)
    assert set(flag.quality.skin_missing) == set(NAMES)
    assert all("not plain" in why for why in flag.quality.skin_missing.values())
    assert all(n in flag.metrics for n in (m.name for m in REGISTRY))  # the landmark metrics are still there


def test_metrics_json_carries_the_skin_measures_null_when_not_measured(imported):
    result = run("metrics", "--json", "--data-dir", imported)
    assert result.exit_code == 0, result.output
    assert "older definitions" not in result.output  # the skin values do not make a capture stale
    door, flag = json.loads(result.output[result.output.index("["):])
    assert all(np.isfinite(door["metrics"][n]) for n in NAMES)
    assert all(flag["metrics"][n] is None for n in NAMES)
    assert all(n in flag["metrics"] for n in NAMES)


def test_recompute_keeps_the_skin_values_and_sees_nothing_stale(imported, tmp_path):
    import shutil

    from facetrack.ingest.recompute import is_stale

    data = tmp_path / "data"
    shutil.copytree(imported, data)
    with Store.open(data) as store:
        before = {c.id: {n: c.metrics[n] for n in NAMES if n in c.metrics} for c in store.captures("default")}
        assert not any(is_stale(c) for c in store.captures("default"))
    out = run("recompute", "--all", "--data-dir", data)
    assert out.exit_code == 0, out.output
    with Store.open(data) as store:
        after = {c.id: {n: c.metrics[n] for n in NAMES if n in c.metrics} for c in store.captures("default")}
    assert after == before and any(after.values())


def test_quality_notes_keep_the_skin_reasons_through_json():
    notes = QualityNotes(skin_missing={"skin_redness": "the wall is clipped"})
    assert QualityNotes.from_dict(json.loads(json.dumps(notes.to_dict()))) == notes
    with pytest.raises(ValueError, match="skin_missing must map metric names to reasons but got"):
        QualityNotes(skin_missing={"skin_redness": 3})


def _burst(measurer, frames):
    from facetrack.capture.gates import GateResult
    from facetrack.capture.session import CheckedFrame

    out = []
    for frame in frames:
        face = measurer.landmarker.detect(frame.image)
        out.append(CheckedFrame(frame, (face,), (GateResult("sharpness", True, 100.0 + frame.index, "", ""),
                                                 GateResult("exposure", True, 120.0, "", ""))))
    return tuple(out)


def test_a_guided_burst_measures_the_skin_on_every_frame(measurer, clip_frames, grace_hopper):
    from facetrack.capture.sources import Frame
    from facetrack.ingest.guided import measure_burst

    burst = _burst(measurer, clip_frames[5:10])
    measured = measure_burst(burst, measurer=measurer, taken_at=dt.datetime(2026, 1, 5, 9))
    capture = measured.capture
    assert set(NAMES) <= set(capture.metrics) and capture.quality.skin_missing == {}
    assert all(capture.metrics[n].n == len(burst) for n in NAMES)  # each frame against its own wall
    assert 55 < capture.metrics["skin_lightness"].value < 85
    flags = _burst(measurer, [Frame(grace_hopper, 40 * i, i, "test") for i in range(3)])
    busy = measure_burst(flags, measurer=measurer).capture
    assert not set(NAMES) & set(busy.metrics)
    assert all("not plain" in why and "(3 of 3 frames)" in why for why in busy.quality.skin_missing.values())


def test_recompute_skin_measures_a_store_from_before_the_skin_again(imported, tmp_path):
    """A store whose captures were measured before the skin channel (no skin values, no reasons):
    `recompute --skin` measures them from the stored photos, the same values as at import."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(imported, data)
    with Store.open(data) as store:
        original = {c.id: c for c in store.captures("default")}
        for c in original.values():
            store.replace_metrics(c.id, {n: v for n, v in c.metrics.items() if n not in NAMES})
            store.set_quality(c.id, QualityNotes.from_dict({k: v for k, v in c.quality.to_dict().items()
                                                            if k != "skin_missing"}))
    out = run("recompute", "--skin", "--data-dir", data)
    assert out.exit_code == 0 and "2 skins measured again, 0 failed" in out.output, out.output
    with Store.open(data) as store:
        door, flag = store.captures("default")
    before = original[door.id]
    assert {n: v for n, v in door.metrics.items() if n not in NAMES} == \
        {n: v for n, v in before.metrics.items() if n not in NAMES}  # the other metrics untouched
    for n in NAMES:
        assert door.metrics[n].value == pytest.approx(before.metrics[n].value, abs=0.05), n
    assert door.quality.skin_missing == {} and flag.quality.skin_missing == original[flag.id].quality.skin_missing
