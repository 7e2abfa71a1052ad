"""The words a person reads: each metric's meaning and unit, the one way values, changes and
the smallest real change are written, the capture checks, and each capture's silhouette."""

from __future__ import annotations

import datetime as dt
import math
import re
from types import SimpleNamespace

import pytest

from facetrack.metrics import ALL_METRICS, get_metric
from facetrack.metrics.labels import (MISSING, NOISE_MEANING, NOISE_NAME, UNKNOWN_NOISE, format_change,
                                      format_noise, format_reading, format_value, meaning, unit, unit_meaning,
                                      unit_words)
from facetrack.records import MetricValue, QualityNotes

#: Never shown bare to a person: internal names, stored units, jargon, numbers a program writes.
JARGON = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\^2|\bratio\b|MDC95|\bnan\b|\binf\b|\d[eE][-+]?\d|\bdeg\b|"
                    r"inter-ocular|x inter|\blog\b")


@pytest.mark.parametrize("metric", ALL_METRICS, ids=lambda m: m.name)
def test_every_metric_has_a_plain_meaning_and_a_unit_in_words(metric):
    said = [metric.label, metric.meaning, metric.unit.symbol, metric.unit.words, metric.unit.meaning,
            metric.unit.axis]
    for text in said:
        assert text and not JARGON.search(text), (metric.name, text)
    sentence = meaning(metric.name)
    assert sentence == metric.meaning and sentence.endswith(".") and sentence[0].isupper()
    assert sentence.count(". ") == 0, "one sentence"
    assert "higher" in sentence or "above 0" in sentence, "says what a higher value means"
    assert unit_words(metric) == metric.unit.words and unit_meaning(metric) == metric.unit.meaning
    side = next((s for s in ("left", "right") if metric.name.endswith("_" + s)), None)
    if side:  # the subject's own side, named in the sentence
        assert f"your {side}" in sentence or f"{side} cheek" in sentence


def test_every_meaning_is_its_own():
    assert len({m.meaning for m in ALL_METRICS}) == len(ALL_METRICS)
    with pytest.raises(KeyError):
        meaning("no_such_metric")


@pytest.mark.parametrize("name, value, shown", [
    ("jaw_angle_mean", 132.6612, "132.7°"),
    ("bigonial_bizygomatic_ratio", 0.81641, "81.6 % of cheekbone width"),
    ("midface_width_ratio", 1.98996, "199.0 % of eye spacing"),
    ("silhouette_width_55", 2.4512, "245.1 % of eye spacing"),
    ("cheek_fullness_left", 0.30071, "0.30 % of face size"),
    ("malar_projection_left", -14.6049, "-14.6 % of eye spacing"),
    ("eye_aperture_ratio", -3.94, "-3.9 % more open on the left"),
    ("mouth_corner_tilt", -3.99e-05, "0.0°"),
    ("jaw_angle_mean", float("nan"), MISSING), ("jaw_angle_mean", None, MISSING),
])
def test_a_value_as_every_page_writes_it(name, value, shown):
    assert format_value(get_metric(name), value) == shown


@pytest.mark.parametrize("name, change, shown", [
    ("lower_face_taper", 2.0812, "+2.1°"), ("jaw_angle_left", -0.689, "-0.7°"),
    ("bigonial_bizygomatic_ratio", -0.00553, "-0.6 % of cheekbone width"),
    ("midface_width_ratio", 0.0857, "+8.6 % of eye spacing"),
    ("cheek_fullness_right", 0.181, "+0.18 % of face size"),
    ("asymmetry_index", -0.0351, "0.0 % of eye spacing"),  # rounds to zero: no sign, never "-0.0"
    ("mouth_corner_tilt", -3.99e-05, "0.0°"),
    ("jaw_angle_mean", float("nan"), MISSING),
])
def test_a_change_as_every_page_writes_it(name, change, shown):
    metric = get_metric(name)
    assert format_change(metric, change) == shown
    if change is not None and math.isfinite(change):
        assert shown.startswith(format_change(metric, change, with_unit=False))


@pytest.mark.parametrize("noise, shown", [(1.9003, "1.9°"), (math.inf, UNKNOWN_NOISE), (float("nan"), UNKNOWN_NOISE),
                                          (None, UNKNOWN_NOISE)])
def test_the_smallest_real_change_as_every_page_writes_it(noise, shown):
    assert format_noise(get_metric("lower_face_taper"), noise) == shown


def test_the_noise_is_named_and_explained_in_words():
    assert NOISE_NAME == "smallest real change" and not JARGON.search(NOISE_MEANING)
    assert "unchanged face" in NOISE_MEANING and "19 times out of 20" not in NOISE_MEANING  # no promise a benchmark does not make


def test_a_reading_with_its_spread():
    metric = get_metric("midface_width_ratio")
    assert format_reading(metric, 2.0764, 0.0213) == "207.6 ± 2.1 % of eye spacing"
    assert format_reading(metric, 2.0764, None) == format_value(metric, 2.0764)
    assert format_reading(metric, float("nan"), 0.1) == MISSING


def test_every_stored_unit_has_words():
    for metric in ALL_METRICS:
        assert unit(metric).factor > 0 and unit(metric).decimals in (1, 2)


# --- the capture checks ---------------------------------------------------------------------

def test_every_capture_check_has_plain_words(grace_hopper, measurer):
    """The checks ``capture.gates`` makes (all of them: the background one too, and a frame
    without a face) each have a name and a problem in words, and no other names are kept."""
    from facetrack.capture.gates import GateConfig, evaluate
    from facetrack.report.wording import CHECKS, check_name, check_problem

    face = measurer.landmarker.detect(grace_hopper)
    made = {r.name for r in evaluate(grace_hopper, [face], measurer.topology, GateConfig(plain_background=2))}
    made |= {r.name for r in evaluate(grace_hopper, [], measurer.topology)}
    assert made == set(CHECKS)
    for gate in made:
        for text in (check_name(gate), check_problem(gate)):
            assert text and not JARGON.search(text), (gate, text)
    assert len({check_problem(g) for g in made}) == len(made)
    assert check_problem("new_check") == "new check not met" and check_name("new_check") == "new check"


def capture(cid=1, metrics=(), manual=None, failed=None, missing=None, source="exif"):
    values = {name: MetricValue(1.0, 0.1, 6, 1) for name in metrics}
    return SimpleNamespace(id=cid, taken_at=dt.datetime(2026, 1, cid), taken_at_source=source, metrics=values,
                           quality=QualityNotes(manual=manual, failed_gates=failed, silhouette_missing=missing))


def test_a_capture_taken_with_failed_checks_says_which_in_words():
    from facetrack.report.wording import (failed_captures_sentence, failed_checks, failed_checks_sentence,
                                          taken_with_failed_checks)

    smiling = capture(3, manual=True, failed=("no_smile", "yaw"))
    assert failed_checks(smiling) == ("smiling", "head turned to one side") and taken_with_failed_checks(smiling)
    assert failed_checks_sentence(smiling).startswith("Taken while these checks failed: smiling, head turned")
    assert "less comparable" in failed_checks_sentence(smiling)
    for fine in (capture(manual=True, failed=()), capture(manual=False), capture(), capture(manual=True)):
        assert not taken_with_failed_checks(fine) and failed_checks_sentence(fine) is None
    imported = capture(4, manual=False, failed=("brows_relaxed",))  # an imported photo runs the checks too
    assert taken_with_failed_checks(imported) and "brows" in failed_checks_sentence(imported)
    text = failed_captures_sentence([capture(1), smiling, capture(5, manual=True, failed=("eyes_open",))])
    assert text.startswith("These 2 photos were taken or added while some photo checks failed")
    assert "the photo of 2026-01-03 (smiling, head turned to one side)" in text and "the photo of 2026-01-05" in text
    assert "capture" not in text.replace("Capture now", "")  # photos are named by their dates
    assert failed_captures_sentence([capture(1)]) is None


def test_a_photo_is_named_by_its_date_with_the_time_when_the_day_has_two():
    from facetrack.report.wording import photo_name

    one, two, other = capture(3), capture(4), capture(5)
    two.taken_at = dt.datetime(2026, 1, 3, 18, 5)
    assert photo_name(other) == "Photo of 2026-01-05" == photo_name(other, [one, two, other])
    assert photo_name(one, [one, two]) == "Photo of 2026-01-03, 00:00"
    assert photo_name(two, [one, two]) == "Photo of 2026-01-03, 18:05"


@pytest.mark.parametrize("source, words", [("exif", "photo, dated by the camera"), ("given", "photo, dated when it was added"),
                                           ("mtime", "photo, dated by its file"), ("capture", "guided capture")])
def test_how_a_capture_was_dated_in_words(source, words):
    from facetrack.report.wording import how_taken

    assert how_taken(capture(source=source)) == words


# --- the silhouette of each capture ---------------------------------------------------------

WIDTHS = ("silhouette_width_40", "silhouette_width_55", "silhouette_width_70")
CHEEKS = ("silhouette_cheek_left", "silhouette_cheek_right")


def test_a_capture_with_part_of_its_silhouette_is_counted_as_the_card_says():
    """The old count said "silhouette values in 1 of 1" while the card said "no silhouette":
    a capture with some of its silhouette values is now "measured in part" in both."""
    from facetrack.stats.silhouette import silhouette_state, silhouette_summary

    part = capture(metrics=WIDTHS, missing={n: "a busy background (4 of 6 views)" for n in CHEEKS})
    state = silhouette_state(part)
    assert (state.complete, state.none, state.measured) == (False, False, WIDTHS)
    assert state.text == "outline measured in part: a busy background"
    assert silhouette_summary([part]) == ("the outline against the wall measured on 1 of 1 photos (1 of them only in "
                                          "part; they need "
                                          "a plain wall behind you)")


@pytest.mark.parametrize("reason, words", [
    ("hair, an ear or the neck at the edge (6 of 6 views)", "hair, an ear or the neck at the edge of the face"),
    ("a busy background (5 of 6 views)", "a busy background"),
    ("a background like the skin (6 of 6 views)", "a background close to your skin colour"),
    ("a soft mask edge (4 of 6 views)", "a blurred edge of the face"),
    ("an unsure mask (6 of 6 views)", "an unclear edge of the face"),
    ("no edge within reach (6 of 6 views)", "no clear edge beside the face"),
    ("the mask misses the face centre (6 of 6 views)", "the face was not found against the background"),
    ("the views disagree by 4.2 %", "an edge that moved between views"),
    ("too few views (4 of 6 views)", "too few clear views"),
])
def test_why_a_silhouette_is_missing_in_words(reason, words):
    from facetrack.stats.silhouette import silhouette_state

    state = silhouette_state(capture(missing={n: reason for n in (*WIDTHS, *CHEEKS)}))
    assert state.none and state.reasons == (words,) and state.text == f"outline not measured: {words}"
    assert not JARGON.search(state.text)


def test_every_reason_the_silhouette_measure_gives_has_words():
    """Each reason ``metrics.silhouette.find_edge`` returns is one of the known ones."""
    import inspect

    from facetrack.metrics import silhouette
    from facetrack.stats.silhouette import REASON_WORDS

    given = set(re.findall(r'Edge\(None, "([^"]+)"\)', inspect.getsource(silhouette.find_edge)))
    assert given and given <= set(REASON_WORDS)


@pytest.mark.parametrize("captures, line", [
    ([], "the outline against the wall measured on 0 of 0 photos"),
    ([capture(metrics=(*WIDTHS, *CHEEKS))] * 2, "the outline against the wall measured on 2 of 2 photos"),
    ([capture(metrics=(*WIDTHS, *CHEEKS)), capture(missing={n: "a busy background" for n in (*WIDTHS, *CHEEKS)})],
     "the outline against the wall measured on 1 of 2 photos (they need a plain wall behind you)"),
    ([capture(metrics=WIDTHS, missing={n: "a busy background" for n in CHEEKS}), capture()],
     "the outline against the wall measured on 1 of 2 photos (1 of them only in part; they need a plain wall behind "
     "you)"),
])
def test_the_silhouette_count(captures, line):
    from facetrack.stats.silhouette import silhouette_summary
    from facetrack.stats.trends import silhouette_summary as old_name

    assert silhouette_summary(captures) == old_name(captures) == line


def test_a_capture_measured_before_silhouettes_says_so():
    from facetrack.stats.silhouette import NOT_MEASURED, silhouette_state

    state = silhouette_state(capture())
    assert state.none and state.reasons == (NOT_MEASURED,) and state.text == f"outline not measured: {NOT_MEASURED}"
