"""Stores made by every earlier schema version (fixtures built with that version's code)
migrate to the current schema with all their data intact."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from facetrack.store.schema import SCHEMA_VERSION

from facetrack.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


def test_there_is_a_fixture_for_every_earlier_version():
    assert sorted(p.name for p in FIXTURES.glob("store_v*")) == [f"store_v{v}" for v in range(1, SCHEMA_VERSION)]


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_an_old_store_migrates_with_its_data_intact(tmp_path, version):
    root = tmp_path / "store"
    shutil.copytree(FIXTURES / f"store_v{version}", root)
    expected = json.loads((root / "expected.json").read_text())
    assert expected["schema_version"] == version
    with Store.open(root) as store:
        assert store.schema_version == SCHEMA_VERSION
        captures = store.captures("default")
        assert [c.id for c in captures] == [e["id"] for e in expected["captures"]]
        for capture, e in zip(captures, expected["captures"]):
            assert capture.taken_at.isoformat() == e["taken_at"] and capture.sha256 == e["sha256"]
            assert hashlib.sha256(capture.image_path.read_bytes()).hexdigest() == e["sha256"]
            assert len(store.landmark_views(capture.id)) == e["views"]
            assert {k: [m.value, m.spread, m.version] for k, m in capture.metrics.items()} == e["metrics"]
        baseline = store.baseline("default")
        # v2 added an explicit baseline (the fixtures set it to the last capture)
        assert baseline.id == (captures[-1].id if version >= 2 else captures[0].id)
        made, results = store.repeatability("default")
        if version >= 3:
            assert made is not None and results["jaw_angle_mean"].sem == 0.4
            assert results["jaw_angle_mean"].version is None  # v5 records versions; older ones are unknown
            assert store.iris_mm("default") == 12.0
        else:
            assert made is None and store.iris_mm("default") is None
    # opening again is a no-op
    with Store.open(root) as store:
        assert store.schema_version == SCHEMA_VERSION and len(store.captures("default")) == len(expected["captures"])
