"""Hypothesis drives the store API and the metrics core with random and degenerate input:
nothing may raise anything but the project's documented errors (StoreError from the store,
ValueError from the metrics core), and a refused call leaves the store unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from facetrack.errors import StoreError
from facetrack.metrics import compute_metrics
from facetrack.store import Store
from facetrack.records import LandmarkView, MetricValue, NewCapture, QualityNotes

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("fuzz"))
    yield s
    s.close()


def new_capture(data: bytes, metrics, points, ext="jpg"):
    return NewCapture(taken_at=dt.datetime(2026, 1, 1), taken_at_source="given", source_path="fuzz",
                      image_bytes=data, image_ext=ext, sha256=hashlib.sha256(data).hexdigest(), width=10,
                      height=10, pose=(0.0, 0.0, 0.0), quality=QualityNotes(), views=(LandmarkView("original", points),),
                      metrics=metrics)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=80), data=st.binary(min_size=1, max_size=64),
       value=floats, spread=st.one_of(st.none(), floats),
       shape=st.just((478, 3)),
       ext=st.sampled_from(["jpg", "png", "../x", "a/b", ""]))
@example(name="a", data=b"x", value=float("nan"), spread=None, shape=(478, 3), ext="jpg")
@example(name="a", data=b"y", value=1.0, spread=float("inf"), shape=(478, 3), ext="jpg")
@example(name="../up", data=b"z", value=1.0, spread=None, shape=(478, 3), ext="jpg")
def test_store_api_raises_only_store_errors(store, name, data, value, spread, shape, ext):
    before = store.counts()
    points = np.zeros(shape)
    try:
        cid = store.add_capture(name, new_capture(data, {"m": MetricValue(value, spread, 1, 1)}, points, ext))
    except StoreError:
        assert store.counts() == before
        return
    (stored,) = [c for c in store.captures(name) if c.id == cid]
    assert np.isfinite(stored.metrics["m"].value) and stored.image_path.is_relative_to(store.root)
    assert store.delete_capture(cid)
    after = store.counts()
    assert {k: v for k, v in after.items() if k != "profiles"} == {k: v for k, v in before.items() if k != "profiles"}


@settings(max_examples=80, deadline=None)
@given(st.one_of(
    st.lists(st.lists(floats, min_size=3, max_size=3), min_size=0, max_size=500).map(np.array),
    st.tuples(st.sampled_from([468, 478]), floats).map(lambda t: np.full((t[0], 3), t[1])),
))
def test_metrics_core_raises_only_value_errors(topology, points):
    try:
        values = compute_metrics(points, topology)
    except ValueError:
        return
    assert all(np.isfinite(v) for v in values.values())
