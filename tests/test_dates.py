"""Photo dates: correcting a capture's date (store, library, `facetrack redate`), with an audit of
the original; a date per photo from the caller at import; a photo's EXIF date read without
importing it. Trends, compare and status follow a corrected date."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.errors import StoreError
from facetrack.ingest.dates import (CLOCK_ALLOWANCE, DateError, check_taken_at, corrected_date, exif_date, exif_note,
                                    file_date, parse_date, photo_date, redate, repair_dates, usable_exif_date)
from facetrack.stats.schedule import due_sentence
from facetrack.store import Store

from test_store import new_capture

NOW = dt.datetime(2026, 6, 1, 12, 0, 0)
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def three(tmp_path):
    """A store with captures 1, 2, 3 a week apart (and one of another profile)."""
    root = tmp_path / "store"
    with Store.open(root) as store:
        ids = [store.add_capture("me", replace(new_capture(sha=f"{i:02x}" * 32),
                                               taken_at=dt.datetime(2026, 1, 5, 9) + dt.timedelta(weeks=i)))
               for i in range(3)]
        store.add_capture("you", new_capture(sha="ee" * 32))
    return root, ids


# --- the store ------------------------------------------------------------------------------

def test_a_corrected_date_reorders_the_captures_and_keeps_the_original(three):
    root, (a, b, c) = three
    with Store.open(root) as store:
        original = store.capture("me", c).taken_at
        fix = store.correct_date("me", c, dt.datetime(2026, 1, 1, 8, 30, 15, 999))
        assert (fix.before, fix.after) == (original, dt.datetime(2026, 1, 1, 8, 30, 15))
        assert [x.id for x in store.captures("me")] == [c, a, b]
        assert store.capture("me", c).taken_at == dt.datetime(2026, 1, 1, 8, 30, 15)
        store.correct_date("me", c, dt.datetime(2026, 1, 2))
        history = store.date_corrections("me")[c]
        assert [h.after for h in history] == [dt.datetime(2026, 1, 1, 8, 30, 15), dt.datetime(2026, 1, 2)]
        assert history[0].before == original and history[1].before == history[0].after
        assert store.capture("me", c).taken_at_source == "given"  # how it was first dated stays


def test_the_same_date_again_changes_and_notes_nothing(three):
    root, (a, _, _) = three
    with Store.open(root) as store:
        fix = store.correct_date("me", a, store.capture("me", a).taken_at)
        assert fix.before == fix.after and store.date_corrections("me") == {}


@pytest.mark.parametrize("profile, which", [("me", 999), ("you", 0), ("nobody", 0)])
def test_a_capture_of_another_profile_or_none_is_refused_and_nothing_changes(three, profile, which):
    root, ids = three
    cid = which or ids[0]
    with Store.open(root) as store:
        dates = [x.taken_at for x in store.captures("me")]
        with pytest.raises(StoreError, match=f"has no capture {cid}"):
            store.correct_date(profile, cid, dt.datetime(2026, 2, 1))
        assert [x.taken_at for x in store.captures("me")] == dates


@pytest.mark.parametrize("bad", [dt.date(2026, 1, 1), "2026-01-01", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)])
def test_the_store_takes_only_a_local_datetime(three, bad):
    root, ids = three
    with Store.open(root) as store, pytest.raises(StoreError, match="must be a local date and time"):
        store.correct_date("me", ids[0], bad)


def test_deleting_a_capture_deletes_its_corrections(three):
    root, (a, _, _) = three
    with Store.open(root) as store:
        store.correct_date("me", a, dt.datetime(2026, 1, 1))
        assert a in store.date_corrections("me")
        store.delete_capture(a)
        assert a not in store.date_corrections("me")
        assert store._conn.execute("SELECT COUNT(*) FROM date_corrections WHERE capture_id = ?", (a,)).fetchone()[0] == 0


def test_a_migrated_store_can_be_corrected(tmp_path):
    root = tmp_path / "old"
    shutil.copytree(FIXTURES / "store_v5", root)
    with Store.open(root) as store:
        first, second = store.captures("default")
        store.correct_date("default", first.id, second.taken_at + dt.timedelta(days=1))
        assert [c.id for c in store.captures("default")] == [second.id, first.id]
        assert store.date_corrections("default")[first.id][0].before == first.taken_at


# --- dates a person gives -------------------------------------------------------------------

@pytest.mark.parametrize("text, when, with_time", [
    ("2026-01-05", dt.datetime(2026, 1, 5), False),
    (" 2026-01-05T09:30 ", dt.datetime(2026, 1, 5, 9, 30), True),
    ("2026-01-05 09:30:15", dt.datetime(2026, 1, 5, 9, 30, 15), True),
    ("2026-01-05T09:30:15.25", dt.datetime(2026, 1, 5, 9, 30, 15), True),
])
def test_dates_people_write(text, when, with_time):
    assert parse_date(text) == (when, with_time)


def test_a_date_with_a_time_zone_becomes_local_time():
    utc = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.timezone.utc)
    local = utc.astimezone().replace(tzinfo=None)
    assert parse_date("2026-01-05T09:30Z")[0] == local == parse_date("2026-01-05T09:30+00:00")[0]


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "05/01/2026", "2026-02-30"])
def test_a_text_that_is_no_date_is_refused_in_one_line(text):
    with pytest.raises(DateError, match="is not a date: give it as 2026-01-05 or 2026-01-05T09:30"):
        parse_date(text)


@pytest.mark.parametrize("when, problem", [
    (NOW + CLOCK_ALLOWANCE + dt.timedelta(seconds=1), "is in the future"),
    (dt.datetime(1899, 12, 31), "before 1900: check the year"),
    (dt.datetime(9999, 12, 31, 23, 59), "is in the future"), (dt.datetime(1, 1, 1), "before 1900"),
])
def test_a_date_that_cannot_be_a_photos_is_refused(when, problem):
    with pytest.raises(DateError, match=problem):
        check_taken_at(when, NOW)


def test_a_day_keeps_the_captures_time_of_day_but_never_passes_now():
    kept = dt.datetime(2025, 1, 1, 18, 45, 10)
    assert corrected_date("2026-03-01", kept, NOW) == dt.datetime(2026, 3, 1, 18, 45, 10)
    assert corrected_date("2026-03-01T07:00", kept, NOW) == dt.datetime(2026, 3, 1, 7, 0)
    assert corrected_date(NOW.date().isoformat(), kept, NOW) == NOW  # today, 18:45 has not come yet
    with pytest.raises(DateError, match="2026-06-02 is in the future"):
        corrected_date("2026-06-02", kept, NOW)


def test_redate_checks_before_it_changes_anything(three):
    root, (a, b, c) = three
    with Store.open(root) as store:
        dates = [x.taken_at for x in store.captures("me")]
        for bad in ("2099-01-01", "soon"):
            with pytest.raises(DateError):
                redate(store, "me", c, bad, NOW)
        with pytest.raises(StoreError, match="has no capture 999"):
            redate(store, "me", 999, "2026-01-01", NOW)
        assert [x.taken_at for x in store.captures("me")] == dates and store.date_corrections("me") == {}
        fix = redate(store, "me", c, "2025-12-24", NOW)
        assert fix.after == dt.datetime(2025, 12, 24, 9)
        assert store.captures("me")[0].id == c


# --- a photo's own date ---------------------------------------------------------------------

def test_a_photos_exif_date_is_read_without_importing_it(tmp_path, grace_hopper):
    from facetrack.demo import write_jpeg

    taken = dt.datetime(2025, 7, 14, 16, 5, 9)
    path = write_jpeg(grace_hopper, tmp_path / "with.jpg", 90, taken)
    assert photo_date(path) == taken == photo_date(path.read_bytes()) == photo_date(str(path))
    plain = tmp_path / "without.jpg"
    from PIL import Image

    Image.fromarray(grace_hopper).save(plain, "JPEG")
    assert photo_date(plain) is None
    assert photo_date(b"not an image at all") is None and photo_date(tmp_path / "missing.jpg") is None
    assert photo_date(tmp_path) is None  # a folder: refused before reading


# --- a date per photo at import -------------------------------------------------------------

@pytest.fixture(scope="module")
def two_photos(tmp_path_factory, grace_hopper):
    """The portrait with an EXIF date, and a turned copy without one."""
    import cv2
    from PIL import Image

    from facetrack.demo import write_jpeg

    folder = tmp_path_factory.mktemp("dated")
    with_exif = write_jpeg(grace_hopper, folder / "exif.jpg", 92, dt.datetime(2026, 2, 2, 10, 0))
    h, w = grace_hopper.shape[:2]
    turned = cv2.warpAffine(grace_hopper, cv2.getRotationMatrix2D((w / 2, h / 2), 5, 0.9), (w, h),
                            borderMode=cv2.BORDER_REPLICATE)
    without = folder / "plain.jpg"
    Image.fromarray(turned).save(without, "JPEG", quality=92)
    return with_exif, without


@pytest.mark.parametrize("workers", [1, 2])
def test_each_photo_takes_the_date_the_caller_gives(tmp_path, measurer, two_photos, workers):
    from facetrack.ingest.importer import import_photos

    with_exif, without = two_photos
    dates = [dt.datetime(2026, 2, 2, 10, 0), dt.datetime(2025, 11, 3, 7, 15)]  # the EXIF one kept; a file's date
    with Store.open(tmp_path / "s") as store:
        report = import_photos([with_exif, without], store=store, measurer=measurer, profile="me",
                               dates=dates, workers=workers)
        assert not report.rejected and len(report.imported) == 2
        found = {Path(c.source_path).name: (c.taken_at, c.taken_at_source) for c in store.captures("me")}
    assert found == {"exif.jpg": (dates[0], "exif"), "plain.jpg": (dates[1], "given")}


def test_a_date_given_by_the_caller_wins_over_the_exif_one_and_a_future_one_is_refused(tmp_path, measurer,
                                                                                       two_photos):
    from facetrack.ingest.importer import import_photos

    with_exif, without = two_photos
    edited, future = dt.datetime(2026, 1, 26, 9, 0), dt.datetime.now() + dt.timedelta(days=3)
    with Store.open(tmp_path / "s") as store:
        report = import_photos([with_exif, without], store=store, measurer=measurer, profile="me",
                               dates=[edited, future])
        (capture,) = store.captures("me")
    assert (capture.taken_at, capture.taken_at_source) == (edited, "given")
    (path, problem), = report.rejected
    assert path == without and "is in the future" in problem and "\n" not in problem
    with pytest.raises(ValueError, match="one date .* per photo"):
        import_photos([with_exif], store=None, measurer=measurer, profile="me", dates=[])


# --- the command line, and what follows a corrected date ------------------------------------

@pytest.mark.parametrize("last, sentence", [
    (None, "No photos yet: take your first one."),
    (dt.datetime(2026, 5, 30, 9), "Next weekly photo: Saturday 6 June."),
    (dt.datetime(2026, 5, 26, 9), "Next weekly photo: tomorrow, Tuesday 2 June."),
    (dt.datetime(2026, 5, 25, 12), "This week's photo is due: the last one was 7 days ago."),
    (dt.datetime(2026, 5, 31, 9), "Next weekly photo: Sunday 7 June."),
    (dt.datetime(2025, 12, 29, 9), "This week's photo is due: the last one was 154 days ago."),
])
def test_when_the_next_weekly_photo_is_due_in_words(last, sentence):
    from types import SimpleNamespace

    captures = [] if last is None else [SimpleNamespace(taken_at=last - dt.timedelta(weeks=3)),
                                        SimpleNamespace(taken_at=last)]
    assert due_sentence(captures[::-1], NOW) == sentence  # the latest by date, in any order


def test_a_due_date_in_another_year_says_the_year():
    from types import SimpleNamespace

    assert due_sentence([SimpleNamespace(taken_at=dt.datetime(2026, 12, 28))], dt.datetime(2026, 12, 30)) == \
        "Next weekly photo: Monday 4 January 2027."


@pytest.fixture
def demo_copy(demo_dir, tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(demo_dir[0], root)
    return root


def status_lines(root):
    result = run("status", "--data-dir", root, "--profile", "demo")
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_redate_moves_the_latest_capture_and_status_compare_and_trends_follow(demo_copy):
    from facetrack.report.summary import metric_trends

    root = demo_copy
    with Store.open(root) as store:
        before = store.captures("demo")
    last, previous = before[-1], before[-2]
    span = metric_trends(before)[0].span_days
    assert status_lines(root)[1].startswith(f"last capture: {last.id} on ")
    # the latest capture was really taken two days ago: it stays the latest, and the next is not due yet
    recent = (dt.datetime.now() - dt.timedelta(days=2)).replace(microsecond=0)
    result = run("redate", last.id, recent.isoformat(), "--data-dir", root, "--profile", "demo")
    assert result.exit_code == 0 and result.output == (f"capture {last.id}: {last.taken_at.isoformat(sep=' ')} -> "
                                                       f"{recent.isoformat(sep=' ')}\n")
    lines = status_lines(root)
    assert lines[1].startswith(f"last capture: {last.id} on {recent.isoformat(sep=' ')} (2.0 days ago)")
    assert lines[2] == f"next capture due on {(recent + dt.timedelta(days=7)).date().isoformat()}"
    with Store.open(root) as store:  # the pages' sentence, by the same rule
        due = recent.date() + dt.timedelta(days=7)
        assert f"{due:%A} {due.day} {due:%B}" in due_sentence(store.captures("demo"), dt.datetime.now())
    with Store.open(root) as store:
        assert metric_trends(store.captures("demo"))[0].span_days > span + 200
    # now it was the first photo of the series: the latest is the one before, and it is due
    result = run("redate", last.id, "2025-12-29", "--data-dir", root, "--profile", "demo")
    assert result.exit_code == 0, result.output
    lines = status_lines(root)
    assert lines[1].startswith(f"last capture: {previous.id} on {previous.taken_at.isoformat(sep=' ')}")
    assert lines[2] == "this week's capture is due"
    with Store.open(root) as store:
        assert due_sentence(store.captures("demo"), dt.datetime.now()).startswith("This week's photo is due")
    compare = run("compare", "--data-dir", root, "--profile", "demo", "-o", root / "pair.png")
    assert compare.exit_code == 0, compare.output
    assert f"-> capture {previous.id} ({previous.taken_at.date()})" in compare.output
    with Store.open(root) as store:
        captures = store.captures("demo")
        assert captures[0].id == last.id and captures[0].taken_at == dt.datetime.combine(
            dt.date(2025, 12, 29), recent.time())  # a day alone keeps the time of day it had
        assert abs(metric_trends(captures)[0].span_days - (previous.taken_at - captures[0].taken_at).days) < 1


@pytest.mark.parametrize("args, message", [
    (["999", "2026-01-01"], "error: profile 'demo' has no capture 999 (see `facetrack list`)"),
    (["x1", "2026-01-01"], "error: 'x1' is not a capture id: give the number `facetrack list` shows"),
    (["3", "2026-02-30"], "error: '2026-02-30' is not a date: give it as 2026-01-05 or 2026-01-05T09:30"),
    (["3", "2999-01-01"], "error: 2999-01-01 is in the future: a photo cannot be taken after today ("),
    (["3", "2999-01-01T10:00"], "error: 2999-01-01 10:00:00 is in the future: a photo cannot be taken after now ("),
])
def test_redate_refuses_a_bad_id_or_date_in_one_line_and_changes_nothing(demo_copy, args, message):
    with Store.open(demo_copy) as store:
        dates = [(c.id, c.taken_at) for c in store.captures("demo")]
    result = run("redate", *args, "--data-dir", demo_copy, "--profile", "demo")
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and line.startswith(message), line
    with Store.open(demo_copy) as store:
        assert [(c.id, c.taken_at) for c in store.captures("demo")] == dates
        assert not store.date_corrections("demo")


# --- every date in one place (issue 32) ---------------------------------------------------------

def test_a_date_a_little_after_now_is_now():
    """A clock a little ahead (at most ``CLOCK_ALLOWANCE``): the photo is dated now, never later."""
    assert check_taken_at(NOW + dt.timedelta(seconds=1), NOW) == NOW
    assert check_taken_at(NOW + CLOCK_ALLOWANCE, NOW) == NOW


@pytest.mark.parametrize("text", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "0001-01-01T00:00:00+23:59"])
def test_a_time_zone_that_leaves_the_calendar_is_a_date_error_not_an_overflow(text):
    with pytest.raises(DateError, match="is not a date a photo can have"):
        parse_date(text)
    with pytest.raises(DateError):
        corrected_date(text, dt.datetime(2026, 1, 1), NOW)


def test_a_camera_date_that_cannot_be_right_is_not_used():
    for wrong in (dt.datetime(9999, 12, 31, 23, 59, 59), dt.datetime(1, 1, 1), NOW + dt.timedelta(hours=3)):
        assert usable_exif_date(wrong, NOW) is None
    assert usable_exif_date(NOW + dt.timedelta(minutes=2), NOW) == NOW
    assert usable_exif_date(dt.datetime(2026, 1, 5, 9), NOW) == dt.datetime(2026, 1, 5, 9)


def _exif_jpeg(path, image, stamp: str):
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = stamp
    Image.fromarray(image).save(path, "JPEG", exif=exif.tobytes())
    return path


def test_a_photos_impossible_camera_date_is_read_but_not_its_date(tmp_path, grace_hopper):
    path = _exif_jpeg(tmp_path / "odd.jpg", grace_hopper, "9999:12:31 23:59:59")
    assert exif_date(path) == dt.datetime(9999, 12, 31, 23, 59, 59)
    assert photo_date(path) is None
    assert "cannot be right, so it is dated by its file instead" in exif_note(path)


def test_the_date_reader_opens_only_the_formats_photos_are_read_in(monkeypatch):
    """A damaged DDS (its reader raised NotImplementedError through the old date reader)."""
    import struct

    from PIL import DdsImagePlugin

    opened = []
    monkeypatch.setattr(DdsImagePlugin.DdsImageFile, "_open", lambda self: opened.append(1))
    head = (struct.pack("<7I", 124, 0x1007, 64, 64, 0, 0, 0) + bytes(44)
            + struct.pack("<2I4s5I", 32, 0x4, b"ZZZZ", 0, 0, 0, 0, 0) + struct.pack("<5I", 0x1000, 0, 0, 0, 0))
    assert photo_date(b"DDS " + head) is None and exif_date(b"DDS " + head) is None
    assert opened == []


def test_a_files_date_that_cannot_be_right_is_now(tmp_path):
    import os

    path = tmp_path / "f.jpg"
    path.write_bytes(b"x")
    os.utime(path, (0, 253402300800 + 86400 * 400))  # after 9999
    assert abs((file_date(path) - dt.datetime.now()).total_seconds()) < 5
    os.utime(path, (0, dt.datetime(2025, 5, 1, 8).timestamp()))
    assert file_date(path) == dt.datetime(2025, 5, 1, 8)


@pytest.mark.parametrize("last", [dt.datetime(9999, 12, 31, 23, 59), dt.datetime(1, 1, 1),
                                  NOW + dt.timedelta(hours=3)])
def test_the_due_sentence_never_overflows(last):
    from types import SimpleNamespace

    sentence = due_sentence([SimpleNamespace(taken_at=last)], NOW)
    assert sentence.startswith(("Next weekly photo", "This week's photo is due"))


def test_stored_dates_that_cannot_be_right_are_repaired_and_noted(three):
    root, (a, b, c) = three
    with Store.open(root) as store:
        store.correct_date("me", a, dt.datetime(1, 1, 1))
        store.correct_date("me", c, dt.datetime(9999, 12, 31, 23, 59))
        said = repair_dates(store, "me")
        assert len(said) == 2 and all("cannot be right" in s for s in said)
        dates = {x.id: x.taken_at for x in store.captures("me")}
        assert all(dt.datetime(1900, 1, 1) <= d <= dt.datetime.now() for d in dates.values())
        assert store.date_corrections("me")[c][-1].before == dt.datetime(9999, 12, 31, 23, 59)
        assert repair_dates(store, "me") == []  # nothing left to repair


def test_import_and_status_in_the_cli_with_impossible_dates(tmp_path, grace_hopper):
    root = tmp_path / "store"
    odd = _exif_jpeg(tmp_path / "odd.jpg", grace_hopper, "9999:12:31 23:59:59")
    result = run("import", odd, "--profile", "me", "--data-dir", root)
    assert result.exit_code == 0, result.output
    assert "cannot be right, so it is dated by its file instead" in result.output
    with Store.open(root) as store:
        (capture,) = store.captures("me")
        assert capture.taken_at <= dt.datetime.now()
        store.correct_date("me", capture.id, dt.datetime(9999, 12, 31, 23, 59))  # as an old store may hold
    result = run("status", "--profile", "me", "--data-dir", root)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "date cannot be right" in result.output
    result = run("import", odd, "--taken-at", "0001-01-01T00:00+01:00", "--profile", "you", "--data-dir", root)
    assert result.exit_code == 2 and "is not a date a photo can have" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
