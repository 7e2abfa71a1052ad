"""The verdict core: between-capture noise, the family correction, "not measured" and
"cannot tell", and trends that count each measure's own days."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from facetrack.metrics import ALL_METRICS, get_metric
from facetrack.records import Capture, MetricValue, QualityNotes, Repeatability
from facetrack.stats.comparable import Comparability
from facetrack.stats.default_noise import DEFAULT_NOISE
from facetrack.stats.compare import judge_pair
from facetrack.stats.noise import combine, default_noise, own_scatter, pair_noise, profile_noise
from facetrack.stats.verdicts import (ALPHA, BEYOND, CANNOT_TELL, CHANGED, NO_CHANGE, NOT_MEASURED, TOO_FEW, WITHIN,
                                      compare_pair, critical_t, family_of, family_size, smallest_real_change,
                                      trend_verdicts, two_sided_p)

START = dt.datetime(2026, 1, 5, 9)


def capture(cid: int, values: dict[str, float], when: dt.datetime | None = None) -> Capture:
    return Capture(id=cid, profile="p", taken_at=when or START + dt.timedelta(weeks=cid), taken_at_source="given",
                   source_path="x", image_path=None, sha256="", width=1, height=1, pose=None, quality=QualityNotes(),
                   metrics={k: MetricValue(v, 0.01, 10, get_metric(k).version) for k, v in values.items()})


def typical(offset: float = 0.0, scale: float = 0.0, rng=None) -> dict[str, float]:
    """A value for every measure with a default: 10 + ``offset`` SDs, plus noise of ``scale`` SDs."""
    out = {}
    for name, (sd, _) in DEFAULT_NOISE.items():
        out[name] = 10.0 + offset * sd + (rng.normal(0, scale * sd) if rng is not None else 0.0)
    return out


@pytest.mark.parametrize("t, dof", [(0.0, 5), (1.0, 3), (2.5, 8), (-3.1, 20), (4.0, 200.5)])
def test_the_p_value_is_students(t, dof):
    assert two_sided_p(t, dof) == pytest.approx(2 * stats.t.sf(abs(t), dof), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("dof, m", [(8, 1), (8, 25), (30, 10), (1000, 1)])
def test_the_critical_t_is_bonferronis(dof, m):
    assert critical_t(dof, m) == pytest.approx(stats.t.ppf(1 - ALPHA / (2 * m), dof), rel=1e-9)


def test_the_family_size_is_the_whole_family_whichever_measures_a_photo_has():
    noise = profile_noise([])
    shape = [m for m in ALL_METRICS if family_of(m) == "shape" and m.name in noise]
    assert family_size(get_metric("jaw_angle_mean"), noise) == len(shape)
    # fewer measures in a family: a smaller smallest real change
    small = {k: v for k, v in noise.items() if k in ("jaw_angle_mean", "midface_width_ratio")}
    assert smallest_real_change(get_metric("jaw_angle_mean"), small) < smallest_real_change(
        get_metric("jaw_angle_mean"), noise)


@pytest.mark.parametrize("step, verdict", [(0.999, WITHIN), (1.001, BEYOND), (-0.999, WITHIN), (-1.001, BEYOND)])
def test_a_measure_is_beyond_noise_exactly_past_its_smallest_real_change(step, verdict):
    noise = profile_noise([])
    metric = get_metric("midface_width_ratio")
    limit = smallest_real_change(metric, noise)
    before, after = capture(1, typical()), capture(2, {**typical(), metric.name: typical()[metric.name] + step * limit})
    found = compare_pair(before, after, noise)
    assert found.measure(metric.name).verdict == verdict
    assert found.measure(metric.name).smallest_real_change == pytest.approx(limit)
    assert found.verdict == (CHANGED if verdict == BEYOND else NO_CHANGE)
    # the p-value agrees with the figure: at most alpha / M exactly when beyond
    m = family_size(metric, noise)
    assert (found.measure(metric.name).p <= ALPHA / m) == (verdict == BEYOND)


def test_a_measure_one_photo_lacks_is_not_measured_never_within_noise():
    values = typical()
    without = {k: v for k, v in values.items() if k != "silhouette_width_55"}
    found = compare_pair(capture(1, values), capture(2, without), profile_noise([]))
    row = found.measure("silhouette_width_55")
    assert row.verdict == NOT_MEASURED and row.change is None and row.smallest_real_change is None
    assert found.verdict == NO_CHANGE


def test_a_pair_that_is_not_comparable_is_cannot_tell_with_its_reason():
    values = typical()
    moved = {**values, "jaw_angle_mean": values["jaw_angle_mean"] + 50}
    reason = "the head is turned 9 degrees more in the second photo"
    found = compare_pair(capture(1, values), capture(2, moved), profile_noise([]),
                         comparable=Comparability(False, (reason,)))
    assert found.verdict == CANNOT_TELL and found.reason == reason
    assert {m.verdict for m in found.measures} == {CANNOT_TELL}
    assert compare_pair(capture(1, values), capture(2, moved), profile_noise([]),
                        comparable=Comparability(True, ())).verdict == CHANGED


def test_own_scatter_recovers_the_sd_around_a_trend():
    rng = np.random.default_rng(1)
    days = np.arange(200) * 7.0
    values = 3.0 + 0.01 * days + rng.normal(0, 0.5, days.size)  # a real slow change plus noise
    sd, dof = own_scatter(days, values)
    assert dof == 198 and sd == pytest.approx(0.5, rel=0.12)
    assert own_scatter([0, 7], [1.0, 2.0]) is None  # two values say nothing about scatter around a line
    sd, dof = own_scatter([0, 0, 0], [1.0, 1.2, 1.4])  # one day: their SD about their mean, at half weight
    assert dof == 1.0 and sd == pytest.approx(0.2)
    # repeats on one day count half: 4 days (2 dof) plus 4 same-day repeats (2 dof)
    sd, dof = own_scatter([0, 0.1, 7, 7.1, 14, 14.1, 21, 21.1], [1, 1.1, 1, 1.1, 1, 1.1, 1, 1.1])
    assert dof == 4.0


def test_the_pooled_noise_weighs_each_source_by_its_degrees_of_freedom():
    default = default_noise("jaw_angle_mean")
    repeat = Repeatability("jaw_angle_mean", 0.2, 9, 3, 1)  # 6 dof, counted as 3
    found = combine(default, (1.0, 10), repeat)
    expected = (default.dof * default.sd ** 2 + 10 * 1.0 + 3 * 0.04) / (default.dof + 13)
    assert found.sd == pytest.approx(math.sqrt(expected)) and found.dof == pytest.approx(default.dof + 13)
    assert "your own photos" in found.source and "repeat photos" in found.source


def test_on_simulated_unchanged_series_the_family_claims_change_at_most_5_percent():
    """When every measure's true between-capture SD is the default, each family (the shape
    measures, the skin measures) calls some measure of a pair beyond noise in at most 5 % of
    unchanged pairs (the correction's promise, made per family), and each trend family likewise
    over 12 weekly photos; the pair's own verdict, any family, at most the two families' sum."""
    rng = np.random.default_rng(7)
    families = ("shape", "skin")
    pairs = dict.fromkeys(families, 0)
    trends = dict.fromkeys(families, 0)
    pairs_changed = trends_changed = 0
    runs = 400
    for _ in range(runs):
        series = [capture(i, typical(scale=1.0, rng=rng)) for i in range(12)]
        found = judge_pair(series, series[0], series[-1])  # as the product judges: the pair's noise
        pairs_changed += found.verdict == CHANGED
        trend = trend_verdicts(series, profile_noise(series))
        trends_changed += any(t.beyond_noise for t in trend.values())
        for family in families:
            pairs[family] += any(m.beyond_noise for m in found.measures if family_of(m.metric) == family)
            trends[family] += any(t.beyond_noise for name, t in trend.items() if family_of(get_metric(name)) == family)
    assert all(pairs[f] / runs <= 0.05 and trends[f] / runs <= 0.05 for f in families), (pairs, trends)
    assert pairs_changed / runs <= 0.10 and trends_changed / runs <= 0.10, (pairs_changed, trends_changed)


def test_a_step_is_judged_against_the_other_photos_scatter_so_it_cannot_hide_itself():
    """The pair's own two photos are left out of the person's scatter: a real step of 8 SDs
    between them is found, where counting them would have inflated the noise."""
    rng = np.random.default_rng(3)
    found = hidden = 0
    for _ in range(50):
        series = [capture(i, typical(scale=1.0, rng=rng)) for i in range(6)]
        after = capture(7, {**typical(scale=1.0, rng=rng),
                            "midface_width_ratio": 10.0 + 8 * DEFAULT_NOISE["midface_width_ratio"][0]})
        everyone = [*series, after]
        found += judge_pair(everyone, series[0], after).measure("midface_width_ratio").beyond_noise
        hidden += compare_pair(series[0], after, profile_noise(everyone)).measure("midface_width_ratio").beyond_noise
    assert found >= 40 and hidden < found


def test_a_trend_counts_each_measures_own_days():
    """Three same-day photos with a silhouette value inside a several-day profile: the other
    measures have trends, the silhouette has too few photos (it used to be a 500)."""
    series = [capture(i, typical(offset=0.1 * i), START + dt.timedelta(days=3 * i)) for i in range(6)]
    same_day = [dict(c.metrics) for c in series]
    for i, c in enumerate(series):
        if i < 3:  # only the first day has a silhouette, three times that day
            continue
        del same_day[i]["silhouette_width_55"]
    series = [capture(i, {k: v.value for k, v in m.items()}, START + dt.timedelta(hours=i) if i < 3
                      else START + dt.timedelta(days=3 * i)) for i, m in enumerate(same_day)]
    found = trend_verdicts(series, profile_noise(series))
    assert found["silhouette_width_55"].verdict == TOO_FEW and found["silhouette_width_55"].days == 1
    assert found["silhouette_width_55"].change is None
    assert found["jaw_angle_mean"].days == 4 and found["jaw_angle_mean"].change is not None


@pytest.mark.parametrize("slope_sds", [0.0, 0.3, 3.0])
def test_a_trends_range_excludes_zero_exactly_when_it_is_beyond_noise(slope_sds):
    rng = np.random.default_rng(11)
    series = [capture(i, typical(offset=slope_sds * i, scale=1.0, rng=rng)) for i in range(12)]
    for t in trend_verdicts(series, profile_noise(series)).values():
        assert (t.low > 0 or t.high < 0) == t.beyond_noise
        assert t.low <= t.change <= t.high
    if slope_sds == 3.0:
        assert trend_verdicts(series, profile_noise(series))["jaw_angle_mean"].beyond_noise


def test_compare_json_gives_the_pairs_verdict_and_each_measures_and_writes_no_picture(demo_dir, tmp_path,
                                                                                       monkeypatch):
    import json

    from click.testing import CliRunner

    from facetrack.cli import main
    from facetrack.store import Store

    root = demo_dir[0]
    monkeypatch.chdir(tmp_path)
    with Store.open(root) as store:
        captures = store.captures("demo")
    first, last = captures[0], captures[-1]
    result = CliRunner().invoke(main, ["compare", str(first.id), str(last.id), "--json", "--profile", "demo",
                                       "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert list(tmp_path.iterdir()) == []  # no picture, no gif
    assert found["before"] == {"id": first.id, "date": first.taken_at.date().isoformat()}
    assert found["after"] == {"id": last.id, "date": last.taken_at.date().isoformat()}
    expected = judge_pair(captures, first, last)
    assert found["verdict"] == expected.verdict in (CHANGED, NO_CHANGE, CANNOT_TELL) and found["reason"]
    assert [m["name"] for m in found["measures"]] == [m.metric.name for m in expected.measures]
    for row, want in zip(found["measures"], expected.measures):
        assert set(row) == {"name", "label", "before", "after", "change", "smallest_real_change", "verdict"}
        assert row["verdict"] == want.verdict and row["label"] == want.metric.label
        if want.verdict == NOT_MEASURED:
            assert row["change"] is None and row["smallest_real_change"] is None
        else:
            assert row["change"] == pytest.approx(row["after"] - row["before"])
            assert row["smallest_real_change"] == pytest.approx(want.smallest_real_change)
            assert (abs(row["change"]) > row["smallest_real_change"]) == (row["verdict"] == BEYOND)
    # the names are those of `facetrack metrics --json`
    listed = json.loads(CliRunner().invoke(main, ["metrics", "--json", "--profile", "demo",
                                                  "--data-dir", str(root)]).stdout)
    assert {m["name"] for m in found["measures"]} <= set(listed[0]["metrics"])


def test_a_measure_the_pairs_differences_swamp_is_cannot_tell_and_the_others_are_judged():
    values = typical()
    noise = profile_noise([])
    sd = noise["jaw_angle_mean"].sd
    moved = {**values, "jaw_angle_mean": values["jaw_angle_mean"] + 100 * sd,
             "midface_width_ratio": values["midface_width_ratio"] + 100 * noise["midface_width_ratio"].sd}
    why = "the chin is 6 degrees lower in the second photo"
    comparable = Comparability(True, (), {"jaw_angle_mean": 3 * sd, "asymmetry_index": 0.1 * noise["asymmetry_index"].sd},
                               {"jaw_angle_mean": why, "asymmetry_index": why})
    found = compare_pair(capture(1, values), capture(2, moved), noise, comparable=comparable)
    jaw = found.measure("jaw_angle_mean")
    assert jaw.verdict == CANNOT_TELL and jaw.reason == why and jaw.smallest_real_change is None
    assert found.measure("midface_width_ratio").verdict == BEYOND
    assert found.verdict == CHANGED and why in found.reason
    # a small added error widens the figure, it does not block
    plain = compare_pair(capture(1, values), capture(2, values), noise).measure("asymmetry_index")
    wider = found.measure("asymmetry_index")
    assert wider.verdict == WITHIN and wider.smallest_real_change > plain.smallest_real_change


def test_the_skin_measures_get_verdicts_of_their_own_family():
    """Every skin measure has a default noise, so a before/after judges it (not "not measured"),
    in a family of its own: its smallest real change counts the four skin measures only, and the
    landmark measures' does not count them."""
    from facetrack.metrics import SKIN

    noise = profile_noise([])
    assert all(m.name in noise for m in SKIN)
    assert all(family_size(m, noise) == len(SKIN) for m in SKIN)
    shape = [m for m in ALL_METRICS if family_of(m) == "shape" and m.name in noise]
    assert family_size(get_metric("jaw_angle_mean"), noise) == len(shape) and not set(SKIN) & set(shape)
    redness = get_metric("skin_redness")
    limit = smallest_real_change(redness, noise)
    assert limit == pytest.approx(math.sqrt(2) * noise[redness.name].sd * critical_t(noise[redness.name].dof, 4))
    for step, verdict in ((1.05, BEYOND), (0.95, WITHIN), (-1.05, BEYOND)):
        values = typical()
        found = compare_pair(capture(1, values), capture(2, {**values, redness.name: values[redness.name] + step * limit}),
                             noise)
        assert {m.metric.name: m.verdict for m in found.measures if m.metric.group == "skin"} == {
            m.name: verdict if m.name == redness.name else WITHIN for m in SKIN}
        assert found.verdict == (CHANGED if verdict == BEYOND else NO_CHANGE)


def test_a_trend_leaves_out_photos_that_cannot_be_compared_with_the_baseline_and_says_so():
    from dataclasses import replace

    from facetrack.report.summary import metric_trends, plain_summary
    from facetrack.stats.verdicts import comparable_series

    neutral = QualityNotes(expression={"smile": 0.0})
    series = [replace(capture(i, typical()), quality=neutral) for i in range(8)]
    jump = {**typical(), "midface_width_ratio": 10.0 + 40 * DEFAULT_NOISE["midface_width_ratio"][0]}
    smiling = [replace(capture(8 + i, jump), quality=QualityNotes(expression={"smile": 0.9})) for i in range(3)]
    everyone = series + smiling
    kept, left = comparable_series(everyone, everyone[0])
    assert kept == series and [c for c, _ in left] == smiling and "smiles more" in left[0][1]
    counted = trend_verdicts(everyone, profile_noise(everyone))["midface_width_ratio"]
    judged = trend_verdicts(everyone, profile_noise(everyone), baseline=everyone[0])["midface_width_ratio"]
    assert counted.n == 11 and judged.n == 8 and not judged.beyond_noise
    text = plain_summary(everyone, metric_trends(everyone, baseline_id=everyone[0].id), baseline=everyone[0])
    assert "Not counted in the trends, as they cannot be compared with the baseline photo" in text
