"""Repeatability calibration: SEM and MDC95, stored per profile and used by the verdicts."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.stats.compare import judge_pair
from facetrack.stats.noise import pair_noise, profile_noise
from facetrack.stats.verdicts import compare_pair, smallest_real_change
from facetrack.metrics import REGISTRY, get_metric
from facetrack.metrics.noise import mdc95
from facetrack.records import Repeatability
from facetrack.stats.repeatability import repeatability
from facetrack.store import Store
from facetrack.records import Capture, MetricValue, QualityNotes
from facetrack.lab.warps import CaptureConditions, jpeg_roundtrip


@pytest.mark.parametrize("sittings, per_sitting", [(20, 5), (40, 3), (1, 101)])
def test_simulated_sittings_recover_the_sem_within_20_percent(sittings, per_sitting):
    rng = np.random.default_rng(sittings * 1000 + per_sitting)
    true = {"a": 0.5, "b": 2.0, "c": 0.01}
    data = []
    for _ in range(sittings):
        face = {k: rng.normal(10, 3) for k in true}  # each sitting's true value differs
        data.append([{k: face[k] + rng.normal(0, sd) for k, sd in true.items()} for _ in range(per_sitting)])
    found = repeatability(data)
    for name, sd in true.items():
        assert abs(found[name].sem / sd - 1) < 0.2, (name, found[name].sem, sd)
        assert found[name].n_captures == sittings * per_sitting
        assert found[name].mdc95 == pytest.approx(1.96 * np.sqrt(2) * found[name].sem)


def test_too_few_captures_is_an_error():
    with pytest.raises(ValueError, match="at least 3 captures"):
        repeatability([[{"a": 1.0}, {"a": 1.1}]])


def capture(cid, values, spread=0.01):
    return Capture(id=cid, profile="p", taken_at=dt.datetime(2026, 1, cid), taken_at_source="given",
                   source_path="x", image_path=None, sha256="", width=1, height=1, pose=None, quality=QualityNotes(),
                   metrics={k: MetricValue(v, spread, 10, 1) for k, v in values.items()})


@pytest.mark.parametrize("step, verdict", [(0.999, "within noise"), (1.001, "beyond noise"),
                                           (-0.999, "within noise"), (-1.001, "beyond noise")])
def test_the_verdict_flips_exactly_at_the_smallest_real_change_the_calibration_gives(step, verdict):
    """A repeatability calibration joins the profile's noise; the verdict flips at the figure shown."""
    repeats = {"jaw_angle_mean": Repeatability("jaw_angle_mean", 0.4, 10, 2, get_metric("jaw_angle_mean").version)}
    before = capture(1, {"jaw_angle_mean": 130.0})
    noise = profile_noise([before], repeats)
    assert noise["jaw_angle_mean"].repeat_sd == 0.4 and noise["jaw_angle_mean"].repeat_dof == 4
    limit = smallest_real_change(get_metric("jaw_angle_mean"), noise)
    after = capture(2, {"jaw_angle_mean": 130.0 + step * limit})
    found = compare_pair(before, after, noise).measure("jaw_angle_mean")
    assert found.verdict == verdict and found.smallest_real_change == pytest.approx(limit)


def test_calibrate_repeatability_from_photos_is_stored_and_used(tmp_path, grace_hopper):
    rng = np.random.default_rng(3)
    photos = []
    for i in range(4):  # four "sit down again" takes of an unchanged face
        cond = CaptureConditions.random(rng)
        image = jpeg_roundtrip(cond.apply(grace_hopper), cond.jpeg_quality)
        photos.append(tmp_path / f"take{i}.png")
        cv2.imwrite(str(photos[-1]), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    root = tmp_path / "store"
    runner = CliRunner()
    result = runner.invoke(main, ["calibrate", "repeatability", *map(str, photos), "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "MDC95" in result.output and "jaw_angle_mean" in result.output
    with Store.open(root) as store:
        made, results = store.repeatability("default")
        assert made is not None and set(results) == {m.name for m in REGISTRY}
        assert all(r.n_captures == 4 and r.sem >= 0 for r in results.values())
        assert all(r.version == get_metric(name).version for name, r in results.items())
        assert store.captures("default") == []  # calibration takes are not weekly captures
    status = runner.invoke(main, ["status", "--data-dir", str(root)])
    assert "repeatability calibrated on" in status.output and "(4 captures)" in status.output
    # two weekly captures: compare uses the calibrated noise
    for i, photo in enumerate(photos[:2]):
        assert runner.invoke(main, ["import", str(photo), "--data-dir", str(root),
                                    "--taken-at", f"2026-02-0{i + 1}"]).exit_code == 0
    out = runner.invoke(main, ["compare", "--data-dir", str(root), "-o", str(tmp_path / "c.png")])
    assert out.exit_code == 0
    assert "older metric definitions" not in out.stderr and "older metric definitions" not in status.output
    with Store.open(root) as store:
        captures = store.captures("default")
    with_calibration = judge_pair(captures, *captures[:2], results).measure("jaw_angle_mean").smallest_real_change
    without = judge_pair(captures, *captures[:2]).measure("jaw_angle_mean").smallest_real_change
    assert f"{with_calibration:.3g}" != f"{without:.3g}"
    row = next(line for line in out.output.splitlines() if "jaw_angle_mean" in line)
    assert f"{with_calibration:.3g}" in row


def test_calibrate_needs_three_captures(tmp_path):
    result = CliRunner().invoke(main, ["calibrate", "repeatability", "a.jpg", "b.jpg", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "at least 3 captures" in result.output


def test_the_trend_noise_band_is_the_smallest_real_change_of_the_profiles_noise(demo_dir):
    from facetrack.report.charts import trend_figure

    root, _ = demo_dir
    with Store.open(root) as store:
        captures = store.captures("demo")
    base = captures[0].metrics["jaw_angle_mean"].value
    repeats = {"jaw_angle_mean": Repeatability("jaw_angle_mean", 0.05, 40, 8, get_metric("jaw_angle_mean").version)}
    widths = []
    for given in (repeats, None):
        fig = trend_figure(captures, repeats=given)
        (ax,) = [a for a in fig.axes if a.get_gid() == "panel:jaw_angle_mean"]
        (band,) = [p for p in ax.patches if p.get_gid() == "noise:jaw_angle_mean"]
        low, high = band.get_y(), band.get_y() + band.get_height()
        # the band: the baseline against the latest capture, as before/after judges them
        limit = judge_pair(captures, captures[0], captures[-1], given).measure("jaw_angle_mean").smallest_real_change
        assert (low, high) == pytest.approx((base - limit, base + limit))
        widths.append(high - low)
    assert widths[0] < widths[1]  # steady repeat photos narrow it


@pytest.mark.parametrize("stored_version, warned", [(None, True), (1, True), ("current", False)])
def test_a_calibration_of_older_definitions_is_used_with_a_warning(demo_dir, tmp_path, stored_version, warned):
    """A calibration measured with an older metric definition (or before versions were recorded)
    still sets the noise levels, but compare, trends and status say to calibrate again."""
    import shutil

    root = tmp_path / "store"
    shutil.copytree(demo_dir[0], root)
    version = get_metric("jaw_angle_mean").version if stored_version == "current" else stored_version
    with Store.open(root) as store:
        store.save_repeatability("demo", [Repeatability("jaw_angle_mean", 0.25, 5, 1, version)])
    runner = CliRunner()
    out = runner.invoke(main, ["compare", "--profile", "demo", "--data-dir", str(root), "-o", str(tmp_path / "c.png")])
    assert out.exit_code == 0, out.output
    row = next(line for line in out.output.splitlines() if "jaw_angle_mean" in line)
    with Store.open(root) as store:
        captures, (_, results) = store.captures("demo"), store.repeatability("demo")
    baseline = captures[0]  # the demo's baseline: its first capture
    used = judge_pair(captures, baseline, captures[-1], results).measure("jaw_angle_mean").smallest_real_change
    assert f"{used:.3g}" in row  # used either way
    trends = runner.invoke(main, ["trends", "--profile", "demo", "--data-dir", str(root), "-o", str(tmp_path / "t.png")])
    status = runner.invoke(main, ["status", "--profile", "demo", "--data-dir", str(root)])
    for result in (out, trends):
        assert result.exit_code == 0 and ("calibrate repeatability --profile demo" in result.stderr) == warned
    assert ("older metric definitions" in status.output) == warned
