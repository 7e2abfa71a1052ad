"""Capture sources and quality gates on real faces (table-driven)."""

import cv2
import numpy as np
import pytest

from facetrack.capture.gates import Baseline, GateConfig, evaluate, first_failure, iod_px
from facetrack.capture.sources import folder_frames, open_source, video_frames
from facetrack.errors import InputError


def darker(img, factor=0.3):
    return (img * factor).astype(np.uint8)


def half_dark(img):
    out = img.copy()
    out[:, : img.shape[1] // 2] = (out[:, : img.shape[1] // 2] * 0.45).astype(np.uint8)
    return out


def smaller(img, factor=0.85):
    h, w = img.shape[:2]
    small = cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    out = np.full_like(img, int(img.mean()))
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def shifted(img, dx):
    return cv2.warpAffine(img, np.float32([[1, 0, dx], [0, 1, 0]]), img.shape[1::-1],
                          borderMode=cv2.BORDER_REPLICATE)


def rolled(img, angle):
    h, w = img.shape[:2]
    return cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                          borderMode=cv2.BORDER_REPLICATE)


@pytest.fixture(scope="module")
def baseline(measurer, grace_hopper):
    face = measurer.landmarker.detect(grace_hopper)
    return Baseline(face.pose, iod_px(face, measurer.topology))


@pytest.mark.parametrize("alter, failing, words", [
    (lambda img: img, None, None),
    (lambda img: cv2.GaussianBlur(img, (0, 0), 3), "sharpness", "blurred"),
    (darker, "exposure", "too dark"),
    (half_dark, "even_light", "uneven"),
    (smaller, "size", "closer"),
    (lambda img: rolled(img, 10), "roll", "level your head"),
    (lambda img: shifted(img, 160), "centred", "your right"),
    (lambda img: np.zeros_like(img) + 128, "one_face", "no face"),
])
def test_each_bad_frame_fails_its_gate_with_an_instruction(measurer, grace_hopper, baseline,
                                                          alter, failing, words):
    image = np.ascontiguousarray(alter(grace_hopper))
    results = evaluate(image, measurer.landmarker.detect_all(image), measurer.topology,
                       GateConfig(), baseline)
    failed = [r.name for r in results if not r.passed]
    if failing is None:
        assert failed == [], results
        return
    assert failing in failed, results
    first = first_failure(results)
    culprit = next(r for r in results if r.name == failing)
    assert words in culprit.instruction and first is not None and first.instruction


def test_a_smile_fails_the_expression_gate(measurer, astronaut):
    results = evaluate(astronaut, measurer.landmarker.detect_all(astronaut), measurer.topology)
    smile = next(r for r in results if r.name == "no_smile")
    assert not smile.passed and "relax your mouth" in smile.instruction


def test_roll_instruction_follows_the_subjects_own_side(measurer, grace_hopper, baseline):
    # rotating the image counter-clockwise raises the subject's left eye (image right): roll > 0
    image = rolled(grace_hopper, 10)
    roll = next(r for r in evaluate(image, measurer.landmarker.detect_all(image), measurer.topology,
                                    GateConfig(), baseline) if r.name == "roll")
    assert roll.value > 5 and "to your left" in roll.instruction


def test_gate_config_from_toml_overrides_defaults_and_rejects_unknown_keys(tmp_path):
    good = tmp_path / "gates.toml"
    good.write_text("[gates]\nmax_yaw = 8\nmin_sharpness = 10\n")
    config = GateConfig.from_toml(good, max_pitch=7.0)
    assert (config.max_yaw, config.min_sharpness, config.max_pitch, config.max_roll) == (8, 10, 7.0, 5.0)
    bad = tmp_path / "bad.toml"
    bad.write_text("[gates]\nmax_yawn = 8\n")
    with pytest.raises(InputError, match="bad.toml.*max_yawn"):
        GateConfig.from_toml(bad)


def test_video_and_folder_sources_yield_unmirrored_frames_in_order(tmp_path, grace_hopper):
    h, w = grace_hopper.shape[:2]
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (w, h))
    for k in range(5):
        writer.write(cv2.cvtColor(shifted(grace_hopper, 4 * k), cv2.COLOR_RGB2BGR))
    writer.release()
    frames = list(open_source(video=path))
    assert [f.index for f in frames] == list(range(5))
    assert [f.timestamp_ms for f in frames] == [0, 100, 200, 300, 400]
    # not mirrored: the frame matches the source image far better than its mirror image
    diff = np.abs(frames[0].image.astype(int) - grace_hopper).mean()
    mirror = np.abs(frames[0].image.astype(int) - grace_hopper[:, ::-1]).mean()
    assert diff < 5 < mirror

    folder = tmp_path / "frames"
    folder.mkdir()
    for k in (2, 0, 1):
        cv2.imwrite(str(folder / f"f{k}.png"), cv2.cvtColor(shifted(grace_hopper, 4 * k), cv2.COLOR_RGB2BGR))
    names = [f.source.rsplit("/", 1)[-1] for f in folder_frames(folder)]
    assert names == ["f0.png", "f1.png", "f2.png"]


@pytest.mark.parametrize("name, content, problem", [
    ("missing.mp4", None, "no such video file"),
    ("empty.mp4", b"", "cannot be opened|no decodable"),
    ("text.mp4", b"not a video", "cannot be opened|no decodable"),
])
def test_bad_video_is_a_clear_error_naming_the_file(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=problem) as info:
        list(video_frames(path))
    assert str(path) in str(info.value)


def test_folder_without_images_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="holds no images"):
        list(folder_frames(tmp_path))
