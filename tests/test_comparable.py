"""Only comparable photos compared (issue 31): imported photos run the capture checks and record
what comparability needs; a pair's comparability is judged between the two photos, in words.

Real faces: frames of the vendored webcam clip (neutral, then smiling), grace_hopper and
astronaut, some under known changes (a leaning head, a smaller face)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import save_jpeg
from facetrack.capture.gates import GateConfig
from facetrack.cli import main
from facetrack.ingest.importer import import_photos
from facetrack.lab.warps import CaptureConditions
from facetrack.records import Capture, QualityNotes
from facetrack.stats.comparable import LIMITS, Comparability, comparability, expression_of
from facetrack.store import Store
from videos import clip_frames

DATA = Path(__file__).resolve().parent / "data"
FRAMES = (3, 10, 40)  # single_face.mp4: neutral, neutral, smiling


def _smaller(image: np.ndarray, scale: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, scale)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def photos(tmp_path_factory, grace_hopper, astronaut) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("photos")
    images = {f"frame{i}": image for i, image in clip_frames(DATA / "single_face.mp4", set(FRAMES)).items()}
    images["grace"] = grace_hopper
    images["grace_leaning"] = CaptureConditions(angle=12).apply(grace_hopper)
    images["grace_half"] = _smaller(grace_hopper, 0.5)
    images["grace_retake"] = CaptureConditions(angle=1.5, scale=1.04, brightness=0.06).apply(grace_hopper)
    images["astronaut"] = astronaut
    return {name: save_jpeg(image, root / f"{name}.jpg") for name, image in images.items()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory, photos, measurer) -> tuple[Path, dict[str, Capture]]:
    """Every photo imported (each person in a profile of their own), by name."""
    root = tmp_path_factory.mktemp("store")
    ids = {}
    with Store.open(root) as store:
        for profile, names in (("webcam", [f"frame{i}" for i in FRAMES]),
                               ("grace", ["grace", "grace_leaning", "grace_half", "grace_retake"]),
                               ("astronaut", ["astronaut"])):
            report = import_photos([photos[n] for n in names], store=store, measurer=measurer, profile=profile,
                                   dates=[dt.datetime(2026, 1, 1 + i, 9) for i in range(len(names))])
            assert not report.rejected, report.rejected
            ids.update({path.stem: cid for path, cid in report.imported})
        captures = {c.id: c for p in ("webcam", "grace", "astronaut") for c in store.captures(p)}
    return root, {name: captures[cid] for name, cid in ids.items()}


@pytest.mark.parametrize("before, after, comparable, words", [
    ("frame3", "frame10", True, ()),
    ("frame3", "frame40", False, ("the face smiles more in the second photo",)),
    ("frame40", "frame3", False, ("the face smiles more in the first photo",)),
    ("grace", "grace_retake", True, ()),
    # leaning 11 degrees: comparable as a pair, but the measures it moves most cannot be judged
    ("grace", "grace_leaning", True, ()),
    ("grace", "grace_half", False, ("larger in the first photo",)),
])
def test_pairs_of_real_photos(imported, before, after, comparable, words):
    _, captures = imported
    result = comparability(captures[before], captures[after])
    assert isinstance(result, Comparability)
    assert result.comparable is comparable, result.reasons
    assert bool(result.reasons) is not comparable
    text = " ".join(result.reasons)
    for w in words:
        assert w in text
    assert "_" not in text  # plain words, no internal names


def test_imports_record_what_comparability_needs(imported):
    _, captures = imported
    for name, capture in captures.items():
        q = capture.quality
        assert q.expression is not None and set(q.expression) >= {"smile", "jaw_open", "blink"}, name
        assert 0 < q.brightness < 255 and q.light_balance > 0 and q.interocular_px > 0, name
        assert q.failed_gates is not None, name
    assert captures["frame40"].quality.expression["smile"] > 0.6 > captures["frame3"].quality.expression["smile"]
    # a broad smile, the chin down and an off-centre, small face: imported, with those checks failed
    assert {"no_smile", "pitch", "centred", "size"} <= set(captures["astronaut"].quality.failed_gates)
    assert "no_smile" in captures["frame40"].quality.failed_gates
    assert "no_smile" not in captures["frame3"].quality.failed_gates
    assert "roll" in captures["grace_leaning"].quality.failed_gates


def test_import_checks_use_the_settings(tmp_path, photos, measurer):
    with Store.open(tmp_path) as store:
        report = import_photos([photos["astronaut"]], store=store, measurer=measurer, profile="p",
                               config=GateConfig(max_smile=0.99, max_pitch=30))
        (capture,) = store.captures("p")
    assert report.imported and "no_smile" not in capture.quality.failed_gates
    assert "pitch" not in capture.quality.failed_gates and "centred" in capture.quality.failed_gates


def _capture(pose, **quality) -> Capture:
    return Capture(1, "p", dt.datetime(2026, 1, 1), "exif", "x.jpg", Path("x.jpg"), "0" * 64, 640, 480, pose,
                   QualityNotes(**quality), {})


@pytest.mark.parametrize("a, b, comparable, words", [
    # a capture stored before expression and light were recorded: judged on what is known
    (dict(pose=(0, 0, 0)), dict(pose=(LIMITS.yaw / 2, LIMITS.pitch / 2, LIMITS.roll / 2), expression={"smile": 0.9},
                                brightness=200.0), True, ()),
    (dict(pose=None), dict(pose=(20, 20, 20)), True, ()),
    (dict(pose=(0, 0, 0)), dict(pose=(LIMITS.yaw + 1, 0, 0)), False, ("turned", "to the person's left")),
    (dict(pose=(0, 0, 0)), dict(pose=(0, -LIMITS.pitch - 1, 0)), False, ("chin is", "lower in the second photo")),
    (dict(pose=(0, 0, 0), brightness=60.0), dict(pose=(0, 0, 0), brightness=200.0), False, ("brighter in the second",)),
    (dict(pose=(0, 0, 0), light_balance=0.7), dict(pose=(0, 0, 0), light_balance=1.4), False,
     ("light falls more from the person's left",)),
    (dict(pose=(0, 0, 0), expression={"jaw_open": 0.0}), dict(pose=(0, 0, 0), expression={"jaw_open": 0.3}), False,
     ("the mouth is more open in the second photo",)),
    (dict(pose=(0, 0, 0), interocular_px=64.0), dict(pose=(0, 0, 0), interocular_px=70.0), True, ()),
])
def test_rules_and_unknowns(a, b, comparable, words):
    result = comparability(_capture(**a), _capture(**b))
    assert result.comparable is comparable, result.reasons
    for w in words:
        assert w in " ".join(result.reasons)


def test_expression_of_views():
    views = [{"mouthSmileLeft": 0.8, "mouthSmileRight": 0.6, "jawOpen": 0.1}, {}, {"mouthSmileLeft": 0.6,
                                                                                   "mouthSmileRight": 0.6}]
    assert expression_of(views) == {"smile": 0.65, "jaw_open": 0.1}
    assert expression_of([{}, {}]) is None


def test_recompute_fills_expression_of_older_captures(tmp_path, imported):
    import shutil

    root = tmp_path / "store"
    shutil.copytree(imported[0], root)
    with Store.open(root) as store:
        before = {c.id: c.quality.expression for c in store.captures("webcam")}
        for c in store.captures("webcam"):
            store.set_quality(c.id, replace(c.quality, expression=None))
    result = CliRunner().invoke(main, ["recompute", "--profile", "webcam", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    with Store.open(root) as store:
        after = {c.id: c.quality.expression for c in store.captures("webcam")}
    assert after == before


def test_guided_capture_records_expression_and_light(tmp_path, webcam_clip):
    from common import long_neutral_webcam_clip

    clip = long_neutral_webcam_clip(webcam_clip, tmp_path / "long_neutral.avi")
    result = CliRunner().invoke(main, ["capture", "--video", str(clip), "--no-preview",
                                       "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with Store.open(tmp_path) as store:
        (capture,) = store.captures("default")
    q = capture.quality
    assert q.expression["smile"] < LIMITS.expression["smile"] and 0 < q.brightness < 255 and q.light_balance > 0
    assert q.failed_gates == ()


def test_leaning_adds_its_measured_error_to_the_measures_it_moves(imported):
    from facetrack.stats.noise import pair_noise
    from facetrack.stats.pair_sensitivity import SLOPES
    from facetrack.stats.verdicts import compare_pair

    _, captures = imported
    a, leaning, retake = captures["grace"], captures["grace_leaning"], captures["grace_retake"]
    tilted, steady = comparability(a, leaning), comparability(a, retake)
    moved = max(SLOPES["roll"], key=SLOPES["roll"].get)  # the measure leaning moves most
    assert tilted.added[moved] > 2 * steady.added[moved]
    assert "the head leans" in tilted.causes[moved]
    noise = pair_noise([a, leaning, retake], a, leaning)
    wide = compare_pair(a, leaning, noise, comparable=tilted).measure(moved).smallest_real_change
    narrow = compare_pair(a, retake, noise, comparable=steady).measure(moved).smallest_real_change
    assert wide > narrow


@pytest.mark.parametrize("added, blocked", [(0.0, False), (1.9, False), (2.1, True)])
def test_a_measure_whose_added_error_dominates_its_noise_cannot_be_judged(added, blocked):
    from facetrack.stats.comparable import DOMINANT

    result = Comparability(True, (), {"jaw_angle_mean": added}, {"jaw_angle_mean": "the chin is 6 degrees lower"})
    assert DOMINANT == 2.0
    assert (result.measure_reason("jaw_angle_mean", 1.0) == "the chin is 6 degrees lower") is blocked
    assert result.measure_reason("midface_width_ratio", 1.0) is None  # nothing added: judged
