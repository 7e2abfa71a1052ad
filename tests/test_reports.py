"""Reports on the demo store: trends, before/after, time-lapse, HTML, export."""

from __future__ import annotations

import base64
import io
import json
import re

import cv2
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from facetrack.cli import main
from facetrack.stats.compare import judge_pair
from facetrack.metrics import HEADLINE, REGISTRY, get_metric
from facetrack.report.charts import trend_figure
from facetrack.store import Store

#: Measures the demo's known change (its cheek and jaw outline moved outwards) moves, and some it
#: leaves alone (tests/test_demo.py checks every measure against the warp's own geometry).
CHANGED = ("cheek_fullness_left", "cheek_fullness_right", "midface_width_ratio", "silhouette_width_55",
           "silhouette_width_70")
UNCHANGED = ("asymmetry_index", "asymmetry_eyes", "mouth_corner_tilt")


@pytest.fixture(scope="module")
def demo(demo_dir):
    root, _ = demo_dir
    with Store.open(root) as store:
        return root, store.captures("demo")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_trend_chart_panels_and_series(demo):
    _, captures = demo
    fig = trend_figure(captures, baseline_id=captures[0].id)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    names = [ax.get_gid().split(":", 1)[1] for ax in panels]
    assert sorted(names) == sorted(HEADLINE)
    assert [ax.get_title().split(": ", 1)[1] for ax in panels] == [get_metric(n).label for n in names]
    groups = [ax.get_title().split(": ")[0] for ax in panels]
    assert groups == sorted(groups, key=["Jaw", "Mid-face", "Symmetry"].index)  # grouped, in order
    for ax, name in zip(panels, names):
        gids = {a.get_gid() for a in [*ax.lines, *ax.patches, *ax.collections]} | \
               {c.lines[0].get_gid() for c in ax.containers}
        assert {f"points:{name}", f"rolling:{name}", f"trend:{name}", f"noise:{name}",
                f"baseline:{name}"} <= gids, (name, gids)
        points = next(c for c in ax.containers if c.lines[0].get_gid() == f"points:{name}")
        assert len(points.lines[0].get_xdata()) == 12


def svg_points(svg: str) -> np.ndarray:
    """(capture, value, x, y) of each point in one SVG panel."""
    found = re.findall(r'data-capture="(\d+)" data-date="[^"]+" data-value="([^"]+)"[^>]*data-x="([^"]+)" '
                       r'data-y="([^"]+)"', svg)
    return np.array(found, float).reshape(-1, 4)


def test_the_svg_panels_place_each_point_by_its_time_and_value(demo):
    from facetrack.report.charts import panel_series
    from facetrack.report.svg_chart import panel_svg

    _, captures = demo
    for panel in panel_series(captures, baseline_id=captures[0].id):
        points = svg_points(panel_svg(panel))
        assert [int(c) for c in points[:, 0]] == [c.id for c in captures]
        np.testing.assert_allclose(points[:, 1], panel.values, rtol=1e-3)
        assert np.all(np.diff(points[:, 2]) > 0)  # later is further right
        order = np.argsort(panel.values)
        assert np.all(np.diff(points[order, 3]) <= 0.01)  # larger is higher up
        # the drawn heights are a linear map of the values (a straight line through them)
        fit = np.polyfit(panel.values, points[:, 3], 1)
        assert fit[0] < 0
        np.testing.assert_allclose(np.polyval(fit, panel.values), points[:, 3], atol=0.01)


def test_the_svg_panel_is_unchanged_by_a_shift_of_every_value(demo):
    """Adding a constant to every value and to the baseline moves the axis labels, not the points."""
    import dataclasses

    from facetrack.report.charts import panel_series
    from facetrack.report.svg_chart import panel_svg

    _, captures = demo
    panel = panel_series(captures, metrics=[get_metric("midface_width_ratio")])[0]
    shifted = dataclasses.replace(panel, values=panel.values + 7.0, rolling=panel.rolling + 7.0,
                                  fit=panel.fit + 7.0)
    np.testing.assert_allclose(svg_points(panel_svg(shifted))[:, 2:], svg_points(panel_svg(panel))[:, 2:], atol=0.02)


def test_the_trend_is_drawn_inside_its_likely_range(demo):
    from facetrack.report.charts import panel_series
    from facetrack.report.svg_chart import panel_svg

    _, captures = demo
    for panel in panel_series(captures):
        svg = panel_svg(panel)
        corners = np.array(re.search(r'<polygon class="interval" points="([^"]+)"', svg).group(1)
                           .replace(",", " ").split(), float).reshape(4, 2)
        line = np.array(re.search(r'<polyline class="trend" points="([^"]+)"', svg).group(1)
                        .replace(",", " ").split(), float).reshape(-1, 2)
        assert corners[0, 0] == pytest.approx(line[0, 0], abs=0.1) and corners[1, 0] == pytest.approx(line[-1, 0], abs=0.1)
        for end, (top, bottom) in ((line[0], (corners[0, 1], corners[3, 1])), (line[-1], (corners[1, 1], corners[2, 1]))):
            assert min(top, bottom) - 0.1 <= end[1] <= max(top, bottom) + 0.1


def test_a_capture_without_a_value_has_no_point(demo):
    import dataclasses

    from facetrack.report.charts import panel_series
    from facetrack.report.svg_chart import panel_svg

    _, captures = demo
    gap = [dataclasses.replace(c, metrics={k: v for k, v in c.metrics.items() if k != "midface_width_ratio"})
           if c.id == captures[4].id else c for c in captures]
    (panel,) = panel_series(gap, metrics=[get_metric("midface_width_ratio")])
    svg = panel_svg(panel)
    assert captures[4].id not in svg_points(svg)[:, 0]
    assert len(svg_points(svg)) == 11 and svg.count('class="point"') == 11


@pytest.mark.parametrize("name, shape", [("cheek_fullness_left", "circle"), ("cheek_fullness_right", "rect"),
                                         ("midface_width_ratio", "path")])
def test_the_marker_shape_says_the_side(demo, name, shape):
    from facetrack.report.charts import panel_series
    from facetrack.report.svg_chart import panel_svg

    _, captures = demo
    svg = panel_svg(panel_series(captures, metrics=[get_metric(name)])[0])
    points = re.sub(r'<g class="legend">.*?</g>', "", svg)  # the legend's sample marker is not a point
    assert re.findall(r'<(\w+) class="marker[" ]', points) == [shape] * len(captures)  # hollow ones too


@pytest.mark.parametrize("name, value, spread, text", [
    ("jaw_angle_mean", 133.123, 0.8412, "133.1 ± 0.8°"), ("jaw_angle_mean", 2.0, 0.0, "2.0°"),
    ("jaw_angle_mean", 2.0, None, "2.0°"), ("jaw_angle_mean", 2.0, float("nan"), "2.0°"),
    ("bigonial_bizygomatic_ratio", 0.81234, 0.0123, "81.2 ± 1.2 % of cheekbone width"),
    ("midface_width_ratio", 2.0764, 0.0213, "207.6 ± 2.1 % of eye spacing"),
    ("cheek_fullness_left", 0.4905, 0.0301, "0.49 ± 0.03 % of face size"),
    ("mouth_corner_tilt", -3.99e-05, 1.2e-5, "0.0 ± 0.0°"),  # never "-0.0" nor an exponent
])
def test_a_points_reading(name, value, spread, text):
    from facetrack.report.svg_chart import reading

    assert reading(value, spread, get_metric(name)) == reading(value, spread, name) == text


@pytest.mark.parametrize("low, high, ticks", [
    (0.803, 0.826, [0.805, 0.81, 0.815, 0.82, 0.825]),
    (131.6, 134.1, [132, 132.5, 133, 133.5, 134]),
    (-0.2, 0.3, [-0.2, -0.1, 0, 0.1, 0.2, 0.3]),
    (5.0, 5.0, [5.0]),
])
def test_nice_ticks(low, high, ticks):
    from facetrack.report.svg_chart import nice_ticks

    assert nice_ticks(low, high) == pytest.approx(ticks)


def test_date_ticks_are_month_starts_over_long_spans_and_days_over_short_ones():
    import datetime as dt

    from facetrack.report.svg_chart import date_ticks

    long = date_ticks(dt.datetime(2026, 1, 5), dt.datetime(2027, 12, 20))
    assert all(t.day == 1 for t in long) and 3 <= len(long) <= 7 and long[0] == dt.datetime(2026, 2, 1)
    short = date_ticks(dt.datetime(2026, 1, 5, 9), dt.datetime(2026, 1, 26, 9))
    assert all(dt.datetime(2026, 1, 5, 9) <= t <= dt.datetime(2026, 1, 26, 9) for t in short) and len(short) >= 3


@pytest.mark.parametrize("name", CHANGED)
def test_the_warped_metrics_change_beyond_noise_upwards(demo, name):
    _, captures = demo
    change = judge_pair(captures, captures[0], captures[-1]).measure(name)
    assert change.beyond_noise and change.change > 0 and change.verdict == "beyond noise"


@pytest.mark.parametrize("name", UNCHANGED)
def test_unchanged_metrics_stay_within_noise(demo, name):
    _, captures = demo
    change = judge_pair(captures, captures[0], captures[-1]).measure(name)
    assert not change.beyond_noise and change.verdict == "within noise"


def test_compare_writes_the_aligned_pair_and_a_flicker_gif(demo, tmp_path):
    root, captures = demo
    out = tmp_path / "ba.png"
    result = run("compare", "--data-dir", root, "--profile", "demo", "-o", out)
    assert result.exit_code == 0, result.output
    assert "beyond noise" in result.output and "within noise" in result.output
    with Image.open(out) as img:
        assert img.format == "PNG" and img.width > 600
    with Image.open(out.with_suffix(".gif")) as gif:
        assert gif.n_frames == 2 and gif.info.get("loop") == 0


def decode_data_uris(html):
    images = []
    for kind, data in re.findall(r'src="data:image/(png|gif);base64,([A-Za-z0-9+/=]+)"', html):
        with Image.open(io.BytesIO(base64.b64decode(data))) as img:
            img.load()
            images.append((kind, img.format, img.size))
    return images


def test_the_html_report_is_self_contained(demo, tmp_path):
    root, captures = demo
    out = tmp_path / "report.html"
    result = run("report", "--data-dir", root, "--profile", "demo", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert not re.search(r"(https?:|ftp:)?//[\w.-]+\.\w+", html.replace("<!DOCTYPE html>", ""))
    assert not re.search(r"<(script|link|iframe|object|embed)\b", html, re.I)
    srcs = re.findall(r'src="([^"]*)"', html)
    assert srcs and all(s.startswith("data:image/") for s in srcs)
    images = decode_data_uris(html)
    assert len(images) == len(srcs) == 2 and {fmt for _, fmt, _ in images} == {"PNG", "GIF"}  # before / after
    assert html.count('<svg class="panel"') >= 6  # the trend charts, inline
    summary = html.split("<h2>Summary</h2>")[1].split("<h2>")[0]
    for name in CHANGED:
        assert get_metric(name).label in summary
    for name in UNCHANGED:
        assert get_metric(name).label not in summary
    assert "collagen" in html and all(m.name in html for m in REGISTRY)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_has_one_row_per_capture_and_a_column_per_metric(demo, tmp_path, fmt):
    root, captures = demo
    out = tmp_path / f"captures.{fmt}"
    result = run("export", "--data-dir", root, "--profile", "demo", "-o", out)
    assert result.exit_code == 0, result.output
    frame = {"csv": pd.read_csv, "parquet": pd.read_parquet,
             "json": lambda p: pd.DataFrame(json.loads(p.read_text()))}[fmt](out)
    assert len(frame) == len(captures)
    for m in REGISTRY:
        assert {m.name, f"{m.name}_spread", f"{m.name}_version"} <= set(frame.columns)
    assert np.allclose(frame["cheek_fullness_left"], [c.metrics["cheek_fullness_left"].value for c in captures])
    assert list(frame["id"]) == [c.id for c in captures]


def test_timelapse_has_every_capture(demo, tmp_path):
    root, captures = demo
    out = tmp_path / "lapse.mp4"
    result = run("timelapse", "--data-dir", root, "--profile", "demo", "-o", out, "--seconds", "0.2")
    assert result.exit_code == 0, result.output
    cap = cv2.VideoCapture(str(out))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    assert len(frames) == 2 * len(captures)  # 0.2 s at 10 fps each


def test_aligned_pair_puts_the_eye_corners_within_a_pixel(tmp_path, grace_hopper, topology):
    """The same portrait, rotated and rescaled, aligned for before/after."""
    from facetrack.report.pictures import align_photo

    h, w = grace_hopper.shape[:2]
    paths = []
    for i, (angle, scale) in enumerate(((0.0, 1.0), (9.0, 0.8), (-7.0, 1.2))):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        img = cv2.warpAffine(grace_hopper, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        paths.append(tmp_path / f"p{i}.png")
        cv2.imwrite(str(paths[-1]), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    for i, path in enumerate(paths):
        assert run("import", path, "--data-dir", tmp_path / "s", "--taken-at", f"2026-01-0{i + 1}").exit_code == 0
    with Store.open(tmp_path / "s") as store:
        photos = [align_photo(c, store.landmark_views(c.id), topology) for c in store.captures("default")]
    corners = np.concatenate([topology.idx(n) for n in ("eye_outer_corner_right", "eye_inner_corner_right",
                                                        "eye_outer_corner_left", "eye_inner_corner_left")])
    for other in photos[1:]:
        gap = np.linalg.norm(other.points[corners] - photos[0].points[corners], axis=1)
        assert gap.max() < 1.0, gap
    # and the pictures themselves line up: the aligned crops are far more alike than the inputs
    a, b = (p.image.astype(float) for p in photos[:2])
    assert np.abs(a - b).mean() < 12


@pytest.mark.parametrize("command", [
    ["trends", "-o", "{tmp}/t.png"], ["compare"], ["report", "-o", "{tmp}/r.html"],
    ["timelapse", "-o", "{tmp}/l.mp4"], ["export", "-o", "{tmp}/e.csv"],
])
@pytest.mark.parametrize("n_captures", [0, 1])
def test_too_few_captures_give_a_clear_message(tmp_path, grace_hopper, command, n_captures):
    root = tmp_path / "store"
    if n_captures:
        photo = tmp_path / "p.png"
        cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
        assert run("import", photo, "--data-dir", root).exit_code == 0
    args = [a.format(tmp=tmp_path) for a in command]
    result = run(*args, "--data-dir", root)
    if command[0] == "export" and n_captures == 1:
        assert result.exit_code == 0 and len(pd.read_csv(tmp_path / "e.csv")) == 1
        return
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith("error: ")
    assert re.search(r"(at least 2 captures|no captures)", line), line
    assert not any((tmp_path / name).exists() for name in ("t.png", "r.html", "l.mp4", "e.csv"))
