"""`facetrack demo`: a real portrait, 12 weeks, a known cheek widening, through the whole pipeline."""

import numpy as np
import pytest
from PIL import Image

from facetrack.metrics import REGISTRY
from facetrack.store import Store
from facetrack.trends import days_since, linear_trend, minimal_detectable_change, trend_beyond_noise


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
        out[metric.name] = (trend, trend_beyond_noise(trend, np.ptp(days), minimal_detectable_change(spread)))
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
    from facetrack.report.trends import trend_figure

    root, _ = demo_dir
    metrics = [get_metric(n) for n in HEADLINE] if which == "headline" else list(REGISTRY)
    with Store.open(root) as store:
        fig = trend_figure(store.captures("demo"), metrics=None if which == "headline" else REGISTRY)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    for metric in metrics:
        (ax,) = [a for a in fig.axes if a.get_visible() and a.get_title().endswith(": " + metric.name)]
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


@pytest.mark.parametrize("name", [m.name for m in REGISTRY if m.name not in CHANGED])
def test_unrelated_metrics_show_no_trend_beyond_noise(demo_series, name):
    _, trends = demo_series
    _, beyond = trends[name]
    assert not beyond
