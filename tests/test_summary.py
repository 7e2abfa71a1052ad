"""The plain-language words of the app and the report: metric labels and the trends summary."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from facetrack.metrics import ALL_METRICS, get_metric
from facetrack.report.summary import MAX_NAMED, MetricTrend, describe_change, plain_summary
from facetrack.stats.verdicts import TrendVerdict

WEEKS = 12
SPAN = WEEKS * 7.0
CAPTURES = [SimpleNamespace(taken_at=dt.datetime(2026, 1, 5) + dt.timedelta(weeks=w)) for w in range(WEEKS + 1)]


def trend(name, change=0.0, start=1.0, beyond=None, fitted=True):
    """A metric whose fitted change over the 12 weeks is ``change`` from ``start``."""
    slope = change / (SPAN / 28.0)
    beyond = bool(change) if beyond is None else beyond
    found = TrendVerdict(get_metric(name), WEEKS + 1, WEEKS + 1, SPAN, slope, start, change, 0.9 * change, 1.1 * change,
                         0.001 if beyond else 0.5, "beyond noise" if beyond else "within noise") if fitted else None
    return MetricTrend(get_metric(name), found, 0.01, beyond, SPAN)


def every(*changed):
    named = {t.metric.name: t for t in changed}
    return [named.get(m.name) or trend(m.name, fitted=not m.name.startswith("silhouette_")) for m in ALL_METRICS]


def test_every_metric_has_its_own_plain_label():
    labels = [m.label for m in ALL_METRICS]
    assert len(set(labels)) == len(labels)
    for metric in ALL_METRICS:
        assert metric.label != metric.name and "_" not in metric.label, metric.name
    assert get_metric("cheek_fullness_left").label == "Cheek fullness (left)"
    assert get_metric("jaw_angle_mean").label == "Jaw angle (mean)"


@pytest.mark.parametrize("name, change, start, words", [
    # always in the metric's shown unit (as the tables give it), never a share of the starting value
    ("midface_width_ratio", 0.04, 1.0, "Mid-face width rose 4.0 % of eye spacing"),
    ("midface_width_ratio", -0.02, 0.8, "Mid-face width fell 2.0 % of eye spacing"),
    ("jaw_angle_mean", -2.6, 130.0, "Jaw angle (mean) fell 2.6°"),
    ("bigonial_bizygomatic_ratio", 0.0123, 0.8, "Jaw width / cheekbone width rose 1.2 % of cheekbone width"),
    ("cheek_fullness_left", 0.3, 5.0, "Cheek fullness (left) rose 0.30 % of face size"),
    ("mouth_corner_tilt", -0.5, 0.1, "Mouth-corner tilt fell 0.5°"),
    ("silhouette_width_55", 0.03, 1.5, "Silhouette: face width at 55 % rose 3.0 % of eye spacing"),
    ("asymmetry_index", -0.04, 1.5, "Asymmetry (whole face) stayed the same"),  # rounds to 0.0
])
def test_a_change_in_words(name, change, start, words):
    assert describe_change(trend(name, change, start)) == words


def test_the_summary_names_what_changed_and_the_groups_that_did_not():
    text = plain_summary(CAPTURES, every(trend("midface_width_ratio", 0.04)))
    assert text == ("13 captures from 2026-01-05 to 2026-03-30. Over 12 weeks: Mid-face width rose 4.0 % of eye "
                    "spacing, more than the noise. Jaw, Symmetry and Skin: unchanged within noise. Silhouette (plain "
                    "background): too few values for a trend.")


def test_nothing_beyond_noise_says_so_with_the_period():
    text = plain_summary(CAPTURES, every(trend("midface_width_ratio", 0.001, beyond=False)))
    assert "Jaw, Mid-face, Symmetry and Skin: unchanged within noise over 12 weeks." in text
    assert " rose " not in text and " fell " not in text


def test_the_summary_names_headline_metrics_first_and_counts_the_rest():
    changed = [trend(n, 0.05) for n in ("asymmetry_eyes", "asymmetry_mouth", "asymmetry_brows", "lower_face_taper",
                                        "asymmetry_jaw", "midface_width_ratio")]
    text = plain_summary(CAPTURES, every(*changed))
    assert text.index("Mid-face width") < text.index("Asymmetry")
    assert f"and {len(changed) - MAX_NAMED} more, each more than the noise" in text


@pytest.mark.parametrize("n", [0, 1])
def test_too_few_captures_for_a_summary(n):
    assert "trends need at least 2" in plain_summary(CAPTURES[:n], [])
