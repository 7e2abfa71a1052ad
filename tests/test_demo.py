"""`facetrack demo`: a real portrait, 12 weeks, a known cheek widening, through the whole pipeline."""

import numpy as np
import pytest
from PIL import Image

from facetrack.metrics import REGISTRY
from facetrack.store import Store
from facetrack.metrics.noise import mdc95
from facetrack.stats.trends import days_since, linear_trend, trend_beyond_noise


@pytest.fixture(scope="module")
def demo_series(demo_dir):
    root, _ = demo_dir
    with Store.open(root) as store:
        captures = store.captures("demo")
    days = days_since([c.taken_at for c in captures])
    out = {}
    for metric in REGISTRY:
        values = [c.metrics[metric.name].value for c in captures]
        spread = float(np.median([c.metrics[metric.name].spread for c in captures]))
        trend = linear_trend(days, values)
        out[metric.name] = (trend, trend_beyond_noise(trend, np.ptp(days), mdc95(spread)))
    return captures, out


def test_demo_prints_the_path_of_a_png_chart_with_12_weekly_points(demo_dir):
    root, result = demo_dir
    chart = result.stdout.strip().splitlines()[-1]
    assert chart.endswith(".png")
    with Image.open(chart) as img:
        assert img.format == "PNG" and img.width > 500
    with Store.open(root) as store:
        captures = store.captures("demo")
    assert len(captures) == 12
    gaps = np.diff(days_since([c.taken_at for c in captures]))
    assert np.all((gaps > 6) & (gaps < 8))
    assert all(c.taken_at_source == "exif" for c in captures)


@pytest.mark.parametrize("which", ["headline", "all"])
def test_demo_chart_has_a_panel_with_12_points_per_metric(demo_dir, which):
    from facetrack.metrics import HEADLINE, get_metric
    from facetrack.report.charts import trend_figure

    root, _ = demo_dir
    metrics = [get_metric(n) for n in HEADLINE] if which == "headline" else list(REGISTRY)
    with Store.open(root) as store:
        fig = trend_figure(store.captures("demo"), metrics=None if which == "headline" else REGISTRY)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    for metric in metrics:
        (ax,) = [a for a in fig.axes if a.get_visible() and a.get_gid() == f"panel:{metric.name}"]
        assert ax.get_title().endswith(": " + metric.label)
        points = [c for c in ax.containers if c.lines[0].get_gid() == f"points:{metric.name}"]
        assert len(points) == 1 and len(points[0].lines[0].get_xdata()) == 12
        assert any(line.get_gid() == f"trend:{metric.name}" for line in ax.lines)
    assert len(titles) == len(metrics)


CHANGED = ("cheek_fullness_left", "cheek_fullness_right", "midface_width_ratio")


@pytest.mark.parametrize("name", CHANGED)
def test_cheek_trend_has_the_sign_of_the_applied_widening(demo_series, name):
    _, trends = demo_series
    trend, beyond = trends[name]
    assert trend.slope > 0 and beyond


@pytest.fixture(scope="module")
def geometric_change(measurer, grace_hopper):
    """Each metric's change by the demo's last-week bulge applied to the landmarks themselves
    (as ``facetrack.demo.build_series`` builds it): what geometry alone predicts."""
    from facetrack.demo import plan
    from facetrack.metrics import compute_metrics
    from facetrack.lab.warps import cheek_bulge, warp_points

    points = measurer.landmarker.detect(grace_hopper).points
    last = plan()[-1].widening
    before = compute_metrics(points, measurer.topology)
    after = compute_metrics(warp_points(points, cheek_bulge(points, measurer.topology, last)), measurer.topology)
    return {k: after[k] - before[k] for k in before}


def unrelated(demo_series, geometric_change) -> list[str]:
    """Metrics the demo's change leaves (nearly) unchanged by geometry: less than a quarter of
    their noise (MDC95 from the captures' median spread). The bulge reaches down to the jaw
    corner, so by geometry it also moves the lower-face taper (+0.7° in the last week, over
    half its noise) and the jaw angles; those are not 'unrelated'."""
    captures, _ = demo_series
    out = []
    for metric in REGISTRY:
        noise = mdc95(float(np.median([c.metrics[metric.name].spread for c in captures])))
        if metric.name not in CHANGED and abs(geometric_change[metric.name]) < 0.25 * noise:
            out.append(metric.name)
    return out


def test_the_unrelated_metrics_are_most_of_them(demo_series, geometric_change):
    names = unrelated(demo_series, geometric_change)
    assert len(names) >= 12, names
    assert {"asymmetry_eyes", "asymmetry_brows", "eye_aperture_ratio", "mouth_corner_tilt"} <= set(names)
    assert "lower_face_taper" not in names  # by geometry the bulge moves it (see ``unrelated``)


def test_unrelated_metrics_show_no_trend_beyond_noise(demo_series, geometric_change):
    _, trends = demo_series
    beyond = [name for name in unrelated(demo_series, geometric_change) if trends[name][1]]
    assert not beyond
