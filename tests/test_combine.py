"""How a capture's views combine into one value: direct and mirrored views balanced."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facetrack.records import ViewKind
from facetrack.metrics import combine_views, trimmed_mean


def views(values):
    return [{"m": float(v)} for v in values]


@pytest.mark.parametrize("values, mirrored, expected", [
    ([1, 2, 9], None, 4.0),                                   # no flags, under 5 views: the mean
    ([1, 2, 3, 4, 100], None, 3.0),                           # a stray view is cut (20 % each end)
    ([1, 1, 1, 1, 3], [0, 0, 0, 0, 1], 2.0),                  # 4 direct at 1, 1 mirrored at 3
    ([1, 1, 3, 3], [0, 0, 1, 1], 2.0),                        # balanced clusters
    ([1, 2, 3, 10, 11, 12], [0, 0, 0, 1, 1, 1], 6.5),         # (2 + 11) / 2
    ([1, 1, 1, 1, 50, 3, 3, 3, 3, 3], [0] * 5 + [1] * 5, 2.0),  # the stray direct view is cut
    ([1, 2, 9], [1, 1, 1], 4.0),                              # only mirrored views
    ([1, 2, 9], [0, 0, 0], 4.0),                              # only direct views
    ([5], [1], 5.0),
])
def test_value(values, mirrored, expected):
    assert combine_views(views(values), mirrored)["m"].value == pytest.approx(expected)


@pytest.mark.parametrize("values, mirrored, spread", [
    ([1, 2, 3, 11, 12, 13], [0, 0, 0, 1, 1, 1], 1.4826),  # about each cluster's own centre: 2 and 12
    ([1, 2, 3, 11, 12, 13], None, 1.4826 * 5.0),          # one cluster: about its trimmed mean, 7
    ([1, 1, 3, 3], [0, 0, 1, 1], 0.0),                     # the gap between the clusters is not noise
])
def test_spread_is_the_views_robust_sd_about_their_cluster(values, mirrored, spread):
    out = combine_views(views(values), mirrored)["m"]
    assert out.spread == pytest.approx(spread) and out.n == len(values)


def test_one_view_has_no_spread():
    assert np.isnan(combine_views(views([4.0]))["m"].spread)


finite = st.floats(-100, 100, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(direct=st.lists(finite, min_size=1, max_size=12), mirrored=st.lists(finite, min_size=1, max_size=12),
       bias=finite)
def test_a_left_right_bias_of_the_model_cancels(direct, mirrored, bias):
    """The model adds +bias on the photo and -bias on its mirror image (a signed metric read
    through the mirror pairs): the combined value does not depend on the bias, whatever the
    number of views on each side. A plain median would (e.g. 2 direct views and 1 mirrored)."""
    flags = [False] * len(direct) + [True] * len(mirrored)
    clean = combine_views(views(direct + mirrored), flags)["m"].value
    biased = combine_views(views([d + bias for d in direct] + [m - bias for m in mirrored]), flags)["m"].value
    assert biased == pytest.approx(clean, abs=1e-9)


def test_flags_must_match_the_views():
    with pytest.raises(ValueError, match="2 mirror flags for 3 views"):
        combine_views(views([1, 2, 3]), [True, False])
    with pytest.raises(ValueError, match="no views"):
        combine_views([])


@pytest.mark.parametrize("kind, mirrored", [
    ("original", False), ("flip", True), ("rot-4,flip", True), ("scale0.85,flip", True), ("rot+4", False),
    ("scale1.15", False), ("burst:3", False), ("burst:3,image", False), ("burst:3,flip", True),
])
def test_which_stored_views_are_mirrored(kind, mirrored):
    parsed = ViewKind.parse(kind)
    assert parsed.mirrored is mirrored and str(parsed) == kind


@pytest.mark.parametrize("text", ["", "orig", "flip,flip", "rot4", "burst:-1", "burst:x", "scale0", "image,burst:3",
                                  "rot+4,original", "scale1", "rot+0"])
def test_a_view_kind_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="a view kind must be like"):
        ViewKind.parse(text)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(finite, min_size=1, max_size=40), proportion=st.sampled_from([0.0, 0.1, 0.2, 0.3]))
def test_trimmed_mean_agrees_with_scipy(values, proportion):
    from scipy import stats

    assert trimmed_mean(np.array(values), proportion) == pytest.approx(stats.trim_mean(values, proportion),
                                                                       rel=1e-9, abs=1e-9)


def test_measure_views_leaves_out_invalid_views_and_tags_versions(topology):
    from facetrack.detect.measure import measure_views
    from facetrack.metrics import REGISTRY
    from facetrack.records import LandmarkView

    mesh = topology.canonical  # the 468 mesh points; a stored view also holds the 10 iris points
    good = np.vstack([mesh, mesh[:10]])
    bad = np.full_like(good, np.nan)
    views = [LandmarkView("original", good), LandmarkView("rot+4", bad), LandmarkView("flip", 1.5 * good)]
    used, values = measure_views(views, topology)
    assert [str(v.kind) for v in used] == ["original", "flip"]
    assert {name: (v.n, v.version) for name, v in values.items()} == {m.name: (2, m.version) for m in REGISTRY}
    with pytest.raises(ValueError, match="no landmark view gives valid metrics"):
        measure_views([LandmarkView("original", bad)], topology)
