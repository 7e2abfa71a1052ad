"""Known synthetic changes on the real portraits move the intended metrics, and only them.

The recovery figures (measured / expected change) are printed by
``benchmarks/sensitivity.py``; these tests check direction, monotonicity, that the warps
are exact on the landmarks, and that regions a warp does not touch stay within noise.
"""

import numpy as np
import pytest

from facetrack.lab import warps
from facetrack.metrics import compute_metrics
from facetrack.lab.sensitivity import CASES, landmark_gain, repeat_noise, responses

PORTRAITS = ("grace_hopper", "astronaut")
UNTOUCHED = ("asymmetry_eyes", "asymmetry_brows", "eye_aperture_ratio", "brow_height_difference")


@pytest.fixture(scope="module")
def all_responses(measurer, portraits):
    return {(name, case): rows for name in PORTRAITS
            for case, rows in responses(measurer, portraits[name]).items()}


@pytest.fixture(scope="module")
def mdc(measurer, portraits):
    return {name: repeat_noise(measurer, portraits[name]) for name in PORTRAITS}


@pytest.mark.parametrize("portrait", PORTRAITS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_intended_metric_moves_up_monotonically(all_responses, portrait, case):
    rows = all_responses[(portrait, case.name)]
    for metric in case.intended:
        expected = [r.expected[metric] for r in rows]
        measured = [r.measured[metric] for r in rows]
        assert all(e > 0 for e in expected), (metric, expected)
        assert all(m > 0 for m in measured), (metric, measured)
        assert np.all(np.diff(measured) > 0), (metric, measured)


@pytest.mark.parametrize("portrait", PORTRAITS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_eye_and_brow_metrics_stay_within_noise_for_a_small_change(all_responses, mdc, portrait, case):
    """At each warp's smallest amount, metrics of the untouched eye and brow region stay
    within their MDC95: by geometry (the warp applied to the landmarks) and as measured.

    Larger amounts are reported by ``benchmarks/sensitivity.py``: the landmark model
    couples regions (a mouth corner lifted by 8 % of the IOD moves the eye asymmetry by
    more than its noise on both portraits).
    """
    r = all_responses[(portrait, case.name)][0]
    for metric in UNTOUCHED:
        assert abs(r.expected[metric]) < 0.25 * mdc[portrait][metric], metric
        assert abs(r.measured[metric]) < mdc[portrait][metric], metric


@pytest.mark.parametrize("make", [c.warp for c in CASES], ids=lambda f: f.__name__)
def test_warp_moves_landmarks_and_image_consistently(measurer, grace_hopper, make):
    """The rendered image shows the field's displacement: output(p + d(p)) == input(p)."""
    base = measurer.landmarker.detect(grace_hopper)
    warp = make(base.points, measurer.topology, 0.04)
    image = grace_hopper.astype(np.float32)
    out = warps.warp_image(grace_hopper, warp).astype(np.float32)
    moved = warps.warp_points(base.points, warp)
    moving = np.linalg.norm(moved[:, :2] - base.points[:, :2], axis=1) > 1.0
    assert moving.sum() >= 5
    for src, dst in zip(base.points[moving, :2], moved[moving, :2]):
        x0, y0 = np.round(src).astype(int)
        x1, y1 = np.round(dst).astype(int)
        # a smooth photo: compare 5x5 patch means around the point and where it went
        a = image[y0 - 2:y0 + 3, x0 - 2:x0 + 3].mean(axis=(0, 1))
        b = out[y1 - 2:y1 + 3, x1 - 2:x1 + 3].mean(axis=(0, 1))
        assert np.abs(a - b).max() < 25, (src, dst)


def test_mouth_corner_lift_is_one_sided_and_signed(measurer, grace_hopper):
    base = measurer.landmarker.detect(grace_hopper).points
    topo = measurer.topology
    before = compute_metrics(base, topo)
    left = compute_metrics(warps.warp_points(base, warps.mouth_corner_lift(base, topo, 0.05)), topo)
    right = compute_metrics(
        warps.warp_points(base, warps.mouth_corner_lift(base, topo, 0.05, side="right")), topo)
    assert left["mouth_corner_tilt"] > before["mouth_corner_tilt"] > right["mouth_corner_tilt"]


@pytest.mark.parametrize("portrait", PORTRAITS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_landmarks_follow_the_warp_partly(all_responses, portrait, case):
    """The landmarks the warp moves most move with it, by a positive factor below 1.3
    (the benchmark prints the factor; the model follows local changes only in part)."""
    for r in all_responses[(portrait, case.name)]:
        assert 0.1 < r.landmark_gain < 1.3, (r.amount, r.landmark_gain)


RNG = np.random.default_rng(3)
BEFORE = RNG.normal(size=(20, 3)) * 50
SHIFT = np.zeros((20, 3))
SHIFT[:5, 0] = [4.0, 2.0, 1.0, 0.5, 0.1]  # a local change: the first points move right


@pytest.mark.parametrize("after, gain", [
    (BEFORE + SHIFT, 1.0),                      # followed exactly
    (BEFORE, 0.0),                              # did not move
    (BEFORE + 0.5 * SHIFT, 0.5),                # half way
    (BEFORE - SHIFT, -1.0),                     # the wrong way
    (BEFORE + SHIFT[:, [1, 0, 2]], 0.0),        # moved, but across the change (y instead of x)
    (BEFORE + SHIFT + [0, 0, 9.0], 1.0),        # depth (z) does not count
])
def test_landmark_gain(after, gain):
    assert landmark_gain(BEFORE, after, BEFORE + SHIFT) == pytest.approx(gain, abs=1e-12)


def test_landmark_gain_counts_only_the_most_moved_points():
    # points moved by < 25 % of the largest displacement (0.5 and 0.1 px of 4) are not counted
    after = BEFORE.copy()
    after[3:5, 0] += 100.0
    assert landmark_gain(BEFORE, after, BEFORE + SHIFT) == pytest.approx(0.0)


@pytest.mark.parametrize("expected", [BEFORE, BEFORE + np.nan])
def test_landmark_gain_refuses_a_null_or_undefined_change(expected):
    with pytest.raises(ValueError, match="expected displacement"):
        landmark_gain(BEFORE, BEFORE, expected)
