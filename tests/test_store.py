"""The store: schema versioning, atomic captures, dedupe by hash."""

import datetime as dt
import sqlite3

import numpy as np
import pytest

from facetrack.errors import StoreError
from facetrack.store.schema import SCHEMA_VERSION
from facetrack.store import DB_NAME, Store, check_profile_name
from facetrack.store.database import DuplicateCapture
from facetrack.records import LandmarkView, MetricValue, NewCapture, QualityNotes


def new_capture(sha="ab" * 32, metrics=None, views=None):
    return NewCapture(
        taken_at=dt.datetime(2026, 1, 5, 9), taken_at_source="given", source_path="/x/a.jpg",
        image_bytes=b"\xff\xd8 fake jpeg bytes", image_ext="jpg", sha256=sha, width=10, height=12,
        pose=(1.0, -2.0, 0.5), quality=QualityNotes(views=1),
        views=views if views is not None else (LandmarkView("original", np.arange(478 * 3.0).reshape(478, 3)),),
        metrics=metrics if metrics is not None else {"jaw_angle_left": MetricValue(130.0, 0.5, 10, 1)},
    )


def test_new_store_has_current_schema_and_private_modes(tmp_path):
    root = tmp_path / "data"
    with Store.open(root) as store:
        assert store.schema_version == SCHEMA_VERSION
    assert (root.stat().st_mode & 0o777) == 0o700
    assert ((root / DB_NAME).stat().st_mode & 0o777) == 0o600


def test_capture_round_trip(tmp_path):
    with Store.open(tmp_path) as store:
        cid = store.add_capture("me", new_capture())
        (cap,) = store.captures("me")
        assert cap.id == cid and cap.pose == (1.0, -2.0, 0.5)
        assert cap.metrics["jaw_angle_left"] == MetricValue(130.0, 0.5, 10, 1)
        assert cap.image_path.read_bytes() == b"\xff\xd8 fake jpeg bytes"
        (view,) = store.landmark_views(cid)
        np.testing.assert_allclose(view.points, np.arange(478 * 3.0).reshape(478, 3), rtol=1e-6)
        assert store.find_by_hash("me", "ab" * 32) == cid
        assert store.find_by_hash("other", "ab" * 32) is None


def test_one_capture_by_id_is_the_same_as_in_the_list_and_stays_in_its_profile(tmp_path):
    with Store.open(tmp_path) as store:
        mine = [store.add_capture("me", new_capture(sha=f"{i:02x}" * 32)) for i in range(3)]
        theirs = store.add_capture("you", new_capture(sha="ee" * 32))
        listed = {c.id: c for c in store.captures("me")}
        for cid in mine:
            assert store.capture("me", cid) == listed[cid]
        assert store.capture("me", theirs) is None and store.capture("you", mine[0]) is None
        assert store.capture("me", 999) is None


def test_failed_insert_leaves_no_rows_and_no_file(tmp_path):
    with Store.open(tmp_path) as store:
        before = store.counts()
        with pytest.raises(StoreError):
            store.add_capture("me", new_capture(metrics={"m": MetricValue(float("nan"), None, 1, 1)}))
        assert store.counts() == before


def test_a_landmark_view_of_the_wrong_shape_is_refused_when_made():
    with pytest.raises(ValueError, match=r"must have shape \(478, 3\) but got \(10, 3\)"):
        LandmarkView("original", np.zeros((10, 3)))


def test_same_hash_twice_in_a_profile_is_refused_by_the_schema(tmp_path):
    with Store.open(tmp_path) as store:
        store.add_capture("me", new_capture())
        with pytest.raises(DuplicateCapture, match="already holds this photo as capture 1"):
            store.add_capture("me", new_capture())
        assert store.counts()["captures"] == 1
        assert store.counts()["image_files"] == 1


def test_store_from_a_newer_version_is_refused_and_not_modified(tmp_path):
    db = tmp_path / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer"):
        Store.open(tmp_path)
    assert db.read_bytes() == before


def test_delete_profile_removes_rows_and_unshared_files(tmp_path):
    with Store.open(tmp_path) as store:
        store.add_capture("a", new_capture(sha="11" * 32))
        store.add_capture("b", new_capture(sha="22" * 32))
        assert store.delete_profile("a") == 1
        counts = store.counts()
        assert counts["captures"] == 1 and counts["image_files"] == 1 and store.profiles() == ["b"]


@pytest.mark.parametrize("name", ["../x", "a/b", "", ".hidden", "x" * 65, "a..b"])
def test_profile_names_cannot_escape(name):
    with pytest.raises(StoreError):
        check_profile_name(name)
