"""The skin measures (facetrack.metrics.skin) on the real webcam clip: the camera's exposure and
white balance leave them within noise, a redness change of the skin alone moves them the right
way and in order, and a wall that cannot serve as the white reference gives no value, with the
reason. Landmarks and masks come from the real model and segmenter; the changes are made in
linear light, as light changes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from facetrack.metrics.colour import linear_to_lab, linear_to_srgb, srgb_to_linear
from facetrack.metrics.noise import mdc95
from facetrack.metrics.skin import (CHEEK_BOX, FOREHEAD_BOX, NAMES, SkinValue, measure_skin, mirrored,
                                    region_pixels)

FRAMES = (0, 7, 14)  # neutral frames of the clip, for the changes


@pytest.fixture(scope="module")
def clip(measurer, webcam_clip):
    """(image, landmarks, mask) of the clip's neutral frames 0-14."""
    from facetrack.capture.sources import video_frames

    out = {}
    for frame in video_frames(webcam_clip, max_frames=15):
        face = measurer.landmarker.detect(frame.image)
        out[frame.index] = (frame.image, face.points, measurer.segmenter.person_mask(frame.image))
    return out


@pytest.fixture(scope="module")
def noise(clip, topology):
    """Each measure's MDC95 from its frame-to-frame SD over the 15 neutral frames."""
    values = [measure_skin(*clip[i], topology) for i in sorted(clip)]
    assert all(len(v.values()) == 4 for v in values), [v.problems() for v in values]
    return {name: mdc95(float(np.std([getattr(v, name).value for v in values], ddof=1))) for name in NAMES}


def changed(image, gains, where=None):
    lin = srgb_to_linear(image)
    out = lin * np.asarray(gains, dtype=np.float64)
    return linear_to_srgb(out if where is None else np.where(where[..., None], out, lin))


def cheeks(points, mask, topology, grow=0.5):
    x0, x1, y0, y1 = CHEEK_BOX
    box = (x0 - grow, x1 + grow, y0 - grow, y1 + grow)
    return (region_pixels(points, topology, mask.shape, box)
            | region_pixels(points, topology, mask.shape, mirrored(box))) & (mask >= 0.5)


def test_the_clip_gives_every_measure_with_plausible_values(clip, topology):
    result = measure_skin(*clip[0], topology)
    assert result.problems() == {}
    assert 55 < result.skin_lightness.value < 85  # the wall (a white door) is L* 100
    assert 10 < result.skin_redness.value < 35
    assert abs(result.skin_redness_contrast.value) < 5
    assert 0 < result.skin_evenness.value < 4
    assert min(result.pixels.values()) > 500


@pytest.mark.parametrize("change, gains", [
    ("-1 EV", (0.5, 0.5, 0.5)),
    ("-0.5 EV", (0.71, 0.71, 0.71)),
    ("warm cast", (1.10, 0.97, 0.80)),
    ("cool cast", (0.85, 0.99, 1.15)),
    ("green cast", (0.92, 1.05, 0.92)),
])
@pytest.mark.parametrize("frame", FRAMES)
def test_exposure_and_white_balance_of_the_whole_picture_stay_within_noise(clip, topology, noise, frame, change,
                                                                           gains):
    image, points, mask = clip[frame]
    before = measure_skin(image, points, mask, topology)
    after = measure_skin(changed(image, gains), points, mask, topology)
    assert after.problems() == {}
    for name in NAMES:
        delta = getattr(after, name).value - getattr(before, name).value
        assert abs(delta) <= noise[name], f"{change}: {name} moved {delta:+.2f} (noise {noise[name]:.2f})"


@pytest.mark.parametrize("frame", FRAMES)
def test_a_redness_change_of_the_cheeks_moves_the_values_the_right_way_in_order(clip, topology, noise, frame):
    image, points, mask = clip[frame]
    area = cheeks(points, mask, topology)
    base = measure_skin(image, points, mask, topology)
    steps = [measure_skin(changed(image, (1.0, 1 - k, 1 - k / 2), area), points, mask, topology)
             for k in (0.03, 0.06, 0.12)]
    for name, sign in (("skin_redness", 1), ("skin_redness_contrast", 1), ("skin_lightness", -1)):
        values = [getattr(base, name).value] + \
            [getattr(s, name).value for s in steps]
        moves = sign * np.diff(values)
        assert (moves > 0).all(), f"{name}: {values}"
    assert steps[-1].skin_redness.value - base.skin_redness.value > 3 * noise["skin_redness"]
    # The whole cheek redder does not make it blotchier; blotches do.
    assert abs(steps[-1].skin_evenness.value - base.skin_evenness.value) <= noise["skin_evenness"]
    side = 0.2 * np.linalg.norm(points[468, :2] - points[473, :2])
    ys, xs = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    checker = ((xs // side + ys // side) % 2).astype(bool)
    blotched = measure_skin(changed(image, (1.0, 0.88, 0.94), area & checker), points, mask, topology)
    assert blotched.skin_evenness.value - base.skin_evenness.value > 3 * noise["skin_evenness"]


def test_a_redness_change_of_the_forehead_lowers_the_contrast_only(clip, topology):
    image, points, mask = clip[0]
    forehead = region_pixels(points, topology, mask.shape, (-3.5, 3.5, 5.0, 8.5)) & (mask >= 0.5)
    base = measure_skin(image, points, mask, topology)
    after = measure_skin(changed(image, (1.0, 0.9, 0.95), forehead), points, mask, topology)
    assert after.skin_redness_contrast.value < base.skin_redness_contrast.value - 1
    assert after.skin_redness.value == pytest.approx(base.skin_redness.value, abs=0.05)


def _poster(image, mask):
    import cv2
    from skimage import data

    cat = cv2.resize(np.ascontiguousarray(data.chelsea()), image.shape[1::-1])
    return np.where((mask < 0.5)[..., None], cat, image).astype(np.uint8)


def _one_side_dimmer(image, mask):
    half = np.zeros(mask.shape, bool)
    half[:, : mask.shape[1] // 2] = True
    return changed(image, (0.4, 0.4, 0.4), half & (mask < 0.5))


def _turned(points, degrees=25.0):
    a = math.radians(degrees)
    centre = points.mean(axis=0)
    rot = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    return (points - centre) @ rot.T + centre


# name: (image and mask and landmarks -> a new picture, the words of the reason, the measures left valid)
CASES = {
    "clipped wall": (lambda im, p, m, t: (changed(im, (3, 3, 3), m < 0.5), p, m), "clipped", ()),
    "wall near clipping": (lambda im, p, m, t: (np.where((m < 0.5)[..., None], np.uint8(246), im).astype(np.uint8),
                                                 p, m), "too bright", ()),
    "a picture behind the head": (lambda im, p, m, t: (_poster(im, m), p, m), "not plain", ()),
    "a wall lit from one side": (lambda im, p, m, t: (_one_side_dimmer(im, m), p, m), "lit differently", ()),
    "a dark wall": (lambda im, p, m, t: (changed(im, (0.01, 0.01, 0.01), m < 0.5), p, m), "too dark", ()),
    "no wall beside the head": (lambda im, p, m, t: (im, p, np.ones_like(m)), "too little plain wall", ()),
    "clipped cheeks": (lambda im, p, m, t: (changed(im, (4, 4, 4), cheeks(p, m, t)), p, m), "clipped", ()),
    "dark cheeks": (lambda im, p, m, t: (changed(im, (0.005, 0.005, 0.005), cheeks(p, m, t)), p, m),
                    "too dark", ()),
    "a turned face": (lambda im, p, m, t: (im, _turned(p), m), "turned", ()),
    "hair over the forehead": (lambda im, p, m, t: (np.where((region_pixels(p, t, m.shape, (-4, 4, 4.5, 9))
                                                              & (m > 0.5))[..., None], np.uint8(20), im
                                                             ).astype(np.uint8), p, m),
                               "forehead", ("skin_lightness", "skin_redness", "skin_evenness")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_picture_that_cannot_be_trusted_gives_no_value_and_says_why(clip, topology, case):
    make, words, valid = CASES[case]
    image, points, mask = make(*clip[0], topology)
    result = measure_skin(image, points, mask, topology)
    assert sorted(result.values()) == sorted(valid)
    problems = result.problems()
    assert set(problems) == set(NAMES) - set(valid)
    assert all(words in why for why in problems.values()), problems


def test_the_forehead_box_lies_above_the_cheeks():
    assert FOREHEAD_BOX[2] > CHEEK_BOX[3]


@pytest.mark.parametrize("args, words", [
    ((np.zeros((10, 10, 3), np.float32), np.zeros((478, 3)), np.zeros((10, 10))), "must be RGB uint8"),
    ((np.zeros((10, 10), np.uint8), np.zeros((478, 3)), np.zeros((10, 10))), "must be RGB uint8"),
    ((np.zeros((10, 10, 3), np.uint8), np.zeros((478, 2)), np.zeros((10, 10))), "must be finite (478, 3)"),
    ((np.zeros((10, 10, 3), np.uint8), np.full((478, 3), np.nan), np.zeros((10, 10))), "must be finite (478, 3)"),
    ((np.zeros((10, 10, 3), np.uint8), np.zeros((478, 3)), np.zeros((10, 11))), "must have the image's shape"),
    ((np.zeros((10, 10, 3), np.uint8), np.zeros((478, 3)), np.full((10, 10), 2.0)), "must hold confidences 0-1"),
])
def test_bad_input_is_refused_with_a_sentence(topology, args, words):
    with pytest.raises(ValueError, match="must .* but got") as err:
        measure_skin(*args, topology)
    assert words in str(err.value)


@pytest.mark.parametrize("value, reason", [(None, ""), (float("nan"), ""), (1.0, "a reason"), (float("inf"), "")])
def test_a_skin_value_is_a_finite_number_or_none_with_a_reason(value, reason):
    with pytest.raises(ValueError, match="must .* but got"):
        SkinValue(value, reason)


@pytest.mark.parametrize("rgb, lab", [
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),  # the white reference: the wall
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20)),  # sRGB red (published CIELAB, D65)
    ((0.0, 1.0, 0.0), (87.73, -86.18, 83.18)),
])
def test_cielab_of_linear_srgb(rgb, lab):
    assert linear_to_lab(np.array(rgb)) == pytest.approx(lab, abs=0.02)


def test_srgb_decoding_round_trips_every_code():
    codes = np.arange(256, dtype=np.uint8)
    assert np.array_equal(linear_to_srgb(srgb_to_linear(codes)), codes)
    assert srgb_to_linear(np.array([0, 255], np.uint8)) == pytest.approx([0.0, 1.0])
    assert srgb_to_linear(np.array([128], np.uint8))[0] == pytest.approx(0.2158605, abs=1e-6)


# --- the skin channel in the pipeline (detect.skin, Measurer.measure_photo) -----------------

def test_a_photo_is_measured_with_its_skin_values_and_a_busy_one_says_why(measurer, clip, grace_hopper):
    from facetrack.metrics import get_metric

    door = measurer.measure_photo(clip[8][0])
    assert set(door.skin) == set(NAMES) and door.skin_missing == {}
    assert all(v.version == get_metric(n).version and v.n == 1 for n, v in door.skin.items())
    assert not set(NAMES) & set(door.metrics)  # kept apart: the importer stores them beside the metrics
    flag = measurer.measure_photo(grace_hopper)
    assert flag.skin == {} and set(flag.skin_missing) == set(NAMES)
    assert all("not plain" in why for why in flag.skin_missing.values())


def _frame(**values):
    from facetrack.metrics.skin import SkinMeasurement

    return SkinMeasurement(*(SkinValue(values[n], "") if values.get(n) is not None else SkinValue(None, "a clipped wall")
                             for n in NAMES))


def test_a_burst_gives_a_measure_when_half_its_frames_do():
    from facetrack.detect.skin import combine_skin

    values = (20.0, 20.2, 19.8, 20.1, 19.9, 20.0, 20.1, 19.9, 30.0, 10.0)  # two stray frames
    burst = [_frame(skin_redness=v, skin_lightness=70.0) for v in values] + [_frame()]
    result = combine_skin(burst)
    assert result.values["skin_redness"].n == 10 and result.values["skin_redness"].value == pytest.approx(20.0)
    assert 0 < result.values["skin_redness"].spread < 0.3
    assert result.problems["skin_evenness"] == "a clipped wall (11 of 11 frames)"
    sparse = combine_skin([_frame(skin_redness=20.0), _frame(), _frame()])
    assert "skin_redness" not in sparse.values and sparse.problems["skin_redness"] == "a clipped wall (2 of 3 frames)"
    assert combine_skin([_frame()]).problems["skin_redness"] == "a clipped wall"
    with pytest.raises(ValueError):
        combine_skin([])
