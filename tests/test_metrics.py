"""The metrics core: invariances, mirroring, degenerate input, layering."""

import subprocess
import warnings
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facetrack.metrics import REGISTRY, compute_metrics, get_metric, mirror_landmarks, mirror_values

ALL_SIDED = [m for m in REGISTRY if m.kind == "sided"]


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


@pytest.fixture(scope="module")
def real_points(measurer, grace_hopper):
    return measurer.landmarker.detect(grace_hopper).points


angles = st.floats(-np.pi, np.pi, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(ax=angles, ay=angles, az=angles, scale=st.floats(0.05, 50.0),
       shift=st.tuples(*[st.floats(-1e3, 1e3)] * 3))
def test_metrics_invariant_under_similarity_transforms(real_points, topology, ax, ay, az, scale, shift):
    base = compute_metrics(real_points, topology)
    moved = scale * real_points @ rotation(ax, ay, az).T + np.array(shift)
    after = compute_metrics(moved, topology)
    for name, value in base.items():
        assert after[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name


@settings(max_examples=25, deadline=None)
@given(noise=st.floats(0.0, 3.0), seed=st.integers(0, 2**16))
def test_mirroring_swaps_sides_negates_signed_and_keeps_unsided(real_points, topology, noise, seed):
    pts = real_points + np.random.default_rng(seed).normal(0, noise, real_points.shape)
    base = compute_metrics(pts, topology)
    mirrored = compute_metrics(mirror_landmarks(pts, topology), topology)
    for metric in REGISTRY:
        if metric.kind == "sided":
            expected = base[metric.mirror]
        elif metric.kind == "signed":
            expected = -base[metric.name]
        else:
            expected = base[metric.name]
        assert mirrored[metric.name] == pytest.approx(expected, rel=1e-6, abs=1e-9), metric.name


def test_mirror_values_predicts_the_mirrored_landmarks_metrics(real_points, topology):
    base = compute_metrics(real_points, topology)
    predicted = mirror_values(base)
    measured = compute_metrics(mirror_landmarks(real_points, topology), topology)
    assert predicted.keys() == measured.keys()
    for name, value in measured.items():
        assert predicted[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
    assert predicted["mouth_corner_tilt"] != pytest.approx(base["mouth_corner_tilt"])  # a real face is not symmetric
    assert mirror_values(predicted) == pytest.approx(base)


def test_mirror_values_refuses_an_unknown_name():
    with pytest.raises(KeyError, match="three_point"):
        mirror_values({"three_point_jaw_angle_left": 120.0})


def test_canonical_mesh_is_perfectly_symmetric(topology):
    values = compute_metrics(topology.canonical, topology)
    assert values["asymmetry_index"] == pytest.approx(0.0, abs=1e-9)
    for metric in ALL_SIDED:
        assert values[metric.name] == pytest.approx(values[metric.mirror], rel=1e-9)


@pytest.mark.parametrize("make_bad, message", [
    (lambda p: p[:100], "shape"),
    (lambda p: p[:, :2], "shape"),
    (lambda p: np.where(np.arange(p.size).reshape(p.shape) == 7, np.nan, p), "NaN"),
    (lambda p: np.full_like(p, 3.0), "collapsed"),
    (lambda p: p * 1e200, "beyond"),
    (lambda p: np.outer(np.arange(len(p)), [1.0, 2.0, 3.0]), "collapsed"),
    (lambda p: np.where(np.arange(p.size).reshape(p.shape) == 5, np.inf, p), "NaN or infinite"),
])
def test_degenerate_input_raises_a_clear_value_error(real_points, topology, make_bad, message):
    with pytest.raises(ValueError, match=message):
        compute_metrics(make_bad(real_points.copy()), topology)


def test_registry_entries_are_documented():
    for metric in REGISTRY:
        doc = metric.documentation
        assert metric.units and metric.version >= 1 and metric.group in {"jaw", "midface", "symmetry"}
        for needed in ("Definition", "What moves it", "proxy", "Notes"):
            assert needed in doc, (metric.name, needed)
    assert get_metric("jaw_angle_left").mirror == "jaw_angle_right"


def test_cheek_fullness_responds_to_an_outward_bulge(topology):
    pts = topology.canonical.copy()
    ids = list(topology["cheek_contour_left"])[1:-1]
    before = compute_metrics(pts, topology)
    pts[ids, 0] += 0.2  # push the left cheek contour outwards (subject's left is +x)
    after = compute_metrics(pts, topology)
    assert after["cheek_fullness_left"] > before["cheek_fullness_left"]
    assert after["cheek_fullness_right"] == pytest.approx(before["cheek_fullness_right"], rel=0.02)
    assert after["asymmetry_index"] > before["asymmetry_index"]


def test_importing_the_metrics_core_imports_no_io_or_heavy_module():
    code = (
        "import sys, facetrack.metrics\n"
        "bad = [m for m in ('cv2', 'mediapipe', 'sqlite3', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@settings(max_examples=60, deadline=None)
@given(exponent=st.floats(-300, 9), offset=st.floats(-5, 8.9), noise=st.booleans(), seed=st.integers(0, 2**16))
def test_extreme_magnitudes_give_finite_values_or_a_value_error_and_no_warnings(topology, exponent, offset,
                                                                                noise, seed):
    """Tiny shapes far from the origin lose their digits (lengths of exactly 0), huge ones overflow:
    either way a ValueError, never a ZeroDivisionError, a NaN or a numpy RuntimeWarning."""
    rng = np.random.default_rng(seed)
    shape = rng.normal(0, 1, (478, 3)) if noise else topology.canonical
    pts = shape * 10.0 ** exponent + 10.0 ** offset
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = compute_metrics(pts, topology)
        except ValueError:
            return
    assert all(np.isfinite(v) for v in values.values())


def test_a_shape_lost_in_rounding_is_refused_cleanly(topology):
    """A nanometre-sized face 10^8 units from the origin: its points round to a few values."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError):
            compute_metrics(topology.canonical * 1e-9 + 1e8, topology)
