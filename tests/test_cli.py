"""The CLI end to end on real photos: import, list, metrics, trends, errors."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import save_jpeg
from facetrack.cli import main
from facetrack.metrics import REGISTRY
from facetrack.store import Store


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def photos(tmp_path_factory, grace_hopper, astronaut):
    d = tmp_path_factory.mktemp("photos")
    return {"gh": save_jpeg(grace_hopper, d / "gh.jpg"), "ast": save_jpeg(astronaut, d / "ast.jpg")}


@pytest.fixture
def store_with_one(tmp_path, photos):
    data = tmp_path / "data"
    result = run("import", photos["gh"], "--data-dir", data, "--taken-at", "2026-01-05T09:00")
    assert result.exit_code == 0, result.output
    return data


def snapshot(data):
    with Store.open(data) as store:
        counts = store.counts()
    files = sorted(p.relative_to(data) for p in (data / "images").rglob("*") if p.is_file())
    return counts, files


def test_import_then_metrics_json(store_with_one, photos):
    data = store_with_one
    out = run("import", photos["ast"], "--data-dir", data, "--taken-at", "2026-01-12T09:00", "--same-person")
    assert out.exit_code == 0, out.output
    result = run("metrics", "--json", "--data-dir", data)
    rows = json.loads(result.output)
    assert [r["taken_at"] for r in rows] == ["2026-01-05T09:00:00", "2026-01-12T09:00:00"]
    for row in rows:
        assert set(row) >= {"id", "taken_at", "source", "metrics"}
        assert {"jaw_angle_left", "jaw_angle_right", "cheek_fullness_left", "cheek_fullness_right",
                "bigonial_bizygomatic_ratio", "asymmetry_index"} <= set(row["metrics"])
        assert all(np.isfinite(v) for v in row["metrics"].values() if v is not None)
        assert all(row["metrics"][m.name] is not None for m in REGISTRY)  # only a silhouette may be null
    assert rows[0]["source"].endswith("gh.jpg")


def test_same_photo_twice_is_stored_once(store_with_one, photos):
    before = snapshot(store_with_one)
    result = run("import", photos["gh"], "--data-dir", store_with_one)
    assert result.exit_code == 0 and "already imported" in result.output
    assert snapshot(store_with_one) == before


def _not_an_image(d):
    p = d / "notes.jpg"
    p.write_text("this is not an image")
    return p


def _no_face(d):
    from skimage import data
    return save_jpeg(np.ascontiguousarray(data.coffee()), d / "coffee.jpg")


def _two_faces(d):
    # Two copies side by side: a pair the short-range face detector does find. (It misses
    # some faces in wide images, e.g. two astronauts side by side: see issue 7's notes.)
    from facetrack.demo import portrait
    gh = portrait()
    return save_jpeg(np.concatenate([gh, gh], axis=1), d / "two.jpg")


def _two_small_faces(d):
    # Two astronauts side by side: the detector alone finds neither; the halves find both.
    from skimage import data
    ast = np.ascontiguousarray(data.astronaut())
    return save_jpeg(np.concatenate([ast, ast], axis=1), d / "two_small.jpg")


def _mixed_pair(d):
    from facetrack.demo import portrait
    from skimage import data
    import cv2
    ast = cv2.resize(data.astronaut(), (512, 600))
    return save_jpeg(np.concatenate([portrait(), ast], axis=1), d / "pair.jpg")


@pytest.mark.parametrize("make, problem", [
    (_not_an_image, "not an image"),
    (_no_face, "no face found"),
    (_two_faces, "2 faces found"),
    (_two_small_faces, "2 faces found"),
    (_mixed_pair, "2 faces found"),
    (lambda d: d / "missing.jpg", "no such file"),
])
def test_bad_input_exits_nonzero_names_the_file_and_leaves_store_unchanged(store_with_one, tmp_path, make, problem):
    bad = make(tmp_path)
    before = snapshot(store_with_one)
    result = run("import", bad, "--data-dir", store_with_one)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert str(bad) in lines[0] and problem in lines[0]
    assert snapshot(store_with_one) == before


def test_trends_with_too_few_captures_is_a_clear_error(store_with_one, tmp_path):
    result = run("trends", "-o", tmp_path / "t.png", "--data-dir", store_with_one)
    assert result.exit_code != 0
    assert "at least 2 captures" in result.output and not (tmp_path / "t.png").exists()


def test_metrics_describe_lists_every_metric():
    from facetrack.metrics import REGISTRY

    result = run("metrics", "--describe")
    for metric in REGISTRY:
        assert f'{metric.name} "{metric.label}" (v{metric.version}' in result.output


def test_model_path_says_why(model_path):
    result = run("model", "path")
    assert result.exit_code == 0 and str(model_path) in result.output and "sha256 verified" in result.output


def test_every_command_has_help_with_an_example():
    def walk(group, prefix):
        for name, cmd in group.commands.items():
            yield prefix + [name], cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, prefix + [name])

    for path, _cmd in walk(main, []):
        result = run(*path, "--help")
        assert result.exit_code == 0 and "Example" in result.output, path


def test_recompute_restores_stale_metrics_from_stored_landmarks(store_with_one):
    from facetrack.records import MetricValue

    data = store_with_one
    with Store.open(data) as store:
        (capture,) = store.captures("default")
        original = {k: v.value for k, v in capture.metrics.items()}
    result = run("recompute", "--data-dir", data)
    assert result.exit_code == 0 and "0 recomputed, 1 already current" in result.output
    before = snapshot(data)
    with Store.open(data) as store:  # an older definition: one stale value, the rest missing
        store.replace_metrics(capture.id, {"jaw_angle_left": MetricValue(999.0, None, 1, 0)})
    result = run("recompute", "--data-dir", data)
    assert result.exit_code == 0 and "1 recomputed" in result.output, result.output
    with Store.open(data) as store:
        (after,) = store.captures("default")
    assert set(after.metrics) == {n for n in original if not n.startswith("silhouette_")}
    again = run("recompute", "--silhouette", "--data-dir", data)  # from the stored photo
    assert again.exit_code == 0 and "1 silhouettes measured again" in again.output, again.output
    with Store.open(data) as store:
        (after,) = store.captures("default")
    assert set(after.metrics) == set(original)
    for name, value in original.items():
        assert after.metrics[name].value == pytest.approx(value, rel=1e-4, abs=1e-4), name
    assert snapshot(data) == before  # photos and landmarks untouched


def test_commands_warn_while_captures_hold_older_definitions(store_with_one, photos, tmp_path):
    from facetrack.records import MetricValue

    data = store_with_one
    assert run("import", photos["ast"], "--data-dir", data, "--taken-at", "2026-02-05T09:00",
               "--same-person").exit_code == 0
    with Store.open(data) as store:  # the first capture as an earlier facetrack stored it
        first = store.captures("default")[0]
        store.replace_metrics(first.id, {k: MetricValue(v.value, v.spread, v.n, v.version - 1)
                                         for k, v in first.metrics.items()})
    commands = [("compare", "-o", tmp_path / "c.png"), ("trends", "-o", tmp_path / "t.png"),
                ("metrics", "--json"), ("export", "-o", tmp_path / "x.csv")]
    for command in commands:
        result = run(*command, "--data-dir", data)
        assert result.exit_code == 0, (command, result.output)
        assert "warning: 1 of 2 captures of profile 'default'" in result.stderr, command
        assert "facetrack recompute --profile default" in result.stderr
    json.loads(run("metrics", "--json", "--data-dir", data).stdout)  # the warning stays off stdout
    assert "1 recomputed" in run("recompute", "--data-dir", data).output
    for command in commands:
        result = run(*command, "--data-dir", data)
        assert result.exit_code == 0 and "warning" not in result.stderr, command
