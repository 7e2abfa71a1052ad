"""The default between-capture noise (facetrack/stats/default_noise.py) is what
calibration/make_default_noise.py derives from its cached measurements of real captures, every
measure has one, and the cache still matches what the model measures today."""

from __future__ import annotations

import copy
import importlib.util
import math
from pathlib import Path

import pytest

from facetrack.metrics import ALL_METRICS
from facetrack.stats.default_noise import DEFAULT_NOISE
from facetrack.stats.noise import default_noise

SCRIPT = Path(__file__).resolve().parents[1] / "calibration" / "make_default_noise.py"


@pytest.fixture(scope="module")
def calib():
    spec = importlib.util.spec_from_file_location("make_default_noise", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cache(calib):
    assert calib.CACHE.exists(), "calibration/noise_captures.json is part of the repository"
    return calib.load_cache()


def test_default_table_is_the_derivation_of_the_cached_captures(calib, cache):
    derived = calib.derive(cache)
    assert calib.table(derived) == DEFAULT_NOISE
    # the whole generated file, header (source and n per measure) included
    assert calib.render_python(derived) == calib.TABLE_PY.read_text()


def test_a_changed_measurement_changes_the_derivation(calib, cache):
    changed = copy.deepcopy(cache)
    for record in changed["clips"]["calm"]["captures"][::2]:
        record["metrics"]["jaw_angle_mean"][0] += 5.0  # every other calm frame 5 degrees off
    table = calib.table(calib.derive(changed))
    assert table["jaw_angle_mean"][0] > 2 * DEFAULT_NOISE["jaw_angle_mean"][0]
    assert table != DEFAULT_NOISE


def test_every_measure_has_a_positive_default_with_degrees_of_freedom():
    names = [m.name for m in ALL_METRICS]
    assert any(n.startswith("silhouette_") for n in names) and any(n.startswith("skin_") for n in names)
    for name in names:
        assert name in DEFAULT_NOISE, name
        sd, dof = DEFAULT_NOISE[name]
        assert math.isfinite(sd) and sd > 0, name
        assert math.isfinite(dof) and dof > 0, name
        assert default_noise(name).sd == sd


def test_each_default_is_at_least_the_calm_clip_and_the_stills(calib, cache):
    for name, d in calib.derive(cache).items():
        for source in ("calm", "stills"):
            s, n = d["sources"][source]
            if n >= 2:
                assert d["s0"] >= 0.999 * s, (name, source)


def test_groups_never_mix_a_smile_with_a_neutral_face(calib, cache):
    groups = calib.comparable_groups(cache["clips"]["expressive"]["captures"])
    assert len(groups) == 2  # the expressive clip: a neutral stretch, then a held smile
    for group in groups:
        smiles = [r["expression"]["smile"] for r in group]
        assert len({s > calib.SMILE for s in smiles}) == 1
        assert max(r["expression"].get("blink", 0) for r in group) < 0.5  # blinks left out


def test_the_cache_matches_what_the_model_measures_today(calib, cache, measurer):
    """Two frames of the calm clip measured again (MediaPipe): each metric within a twentieth
    of its default noise of the cached value, with the same definition version."""
    calm = cache["clips"]["calm"]
    frames = calib.clip_frames("calm")
    for k in (0, 9):
        fresh = calib.measure_record(measurer, frames[k])
        cached = calm["captures"][k]
        assert set(fresh["metrics"]) == set(cached["metrics"])
        for name, (value, _spread, _n, version) in cached["metrics"].items():
            assert fresh["metrics"][name][3] == version, name
            assert abs(fresh["metrics"][name][0] - value) <= 0.05 * DEFAULT_NOISE[name][0], name


def test_a_folds_default_table_replaces_the_shipped_one_under_the_same_rule(cache):
    """The benchmark's cross-validation judges with ``profile_noise(..., defaults=<a fold's table>)``:
    the same pooling with the person's scatter, another default."""
    from facetrack.stats.noise import profile_noise
    from verdict_checks import series

    records = [r for r in cache["clips"]["calm"]["captures"] if "metrics" in r][:7]
    captures = series(records, "calm")
    fold = {"jaw_angle_mean": (DEFAULT_NOISE["jaw_angle_mean"][0] / 2, 3.0)}
    found = profile_noise(captures, defaults=fold)
    shipped = profile_noise(captures)["jaw_angle_mean"]
    assert set(found) == {"jaw_angle_mean"}
    assert found["jaw_angle_mean"].default_sd == fold["jaw_angle_mean"][0] and found["jaw_angle_mean"].default_dof == 3
    assert found["jaw_angle_mean"].own_sd == shipped.own_sd and found["jaw_angle_mean"].sd < shipped.sd


def test_the_skin_defaults_rest_on_the_clips_and_a_skin_remeasure_changes_only_them(calib, cache):
    derived = calib.derive(cache)
    for name in calib.skin_names():
        assert derived[name]["sources"]["calm"][1] >= 15 and derived[name]["sources"]["expressive"][1] >= 60, name
    # the week factor is the landmark measures' own: the skin values do not move it
    no_skin = copy.deepcopy(cache)
    for src in (*no_skin["clips"].values(), *no_skin["stills"].values()):
        for r in src["captures"]:
            for name in calib.skin_names():
                r.get("metrics", {}).pop(name, None)
    assert calib.week_factor(calib.source_sds(no_skin)) == calib.week_factor(calib.source_sds(cache))
    # merging a remeasure replaces the skin values only
    fresh = copy.deepcopy(cache)
    for src in (*fresh["clips"].values(), *fresh["stills"].values()):
        for r in src["captures"]:
            for name, v in r.get("metrics", {}).items():
                v[0] = v[0] + 1.0
    merged = calib.merge_skin(cache, fresh)
    calm, new = cache["clips"]["calm"]["captures"][0]["metrics"], merged["clips"]["calm"]["captures"][0]["metrics"]
    assert set(new) == set(calm)
    assert all(new[k][0] == (calm[k][0] + 1.0 if k.startswith("skin_") else calm[k][0]) for k in calm)
