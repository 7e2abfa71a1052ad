"""`facetrack app` for someone who never used a terminal (issue 28), through Starlette's test
client: the profile it opens on (kept per data dir), the welcome page and the demo beside the
store, the next photo's date on every page, a capture's date corrected, the settings in words,
and one figure per change: each sentence's numbers and units are the table's."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil

import pytest
from starlette.testclient import TestClient

from facetrack.app.common import PROFILE_FILE, demo_dir
from facetrack.app.server import create_app
from facetrack.demo import WIDENING
from facetrack.store import Store

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
O = {"origin": ORIGIN}
DEMO_BANNER = "You are looking at example photos"
PAGES = ["/photos", "/trends", "/compare", "/report", "/settings"]


def open_app(root, measurer, profile="default", port=PORT):
    app = create_app(root, profile=profile, port=port, token="secret-token", measurer_factory=lambda: measurer)
    client = TestClient(app, base_url=f"http://127.0.0.1:{port}")
    client.__enter__()
    first = client.get("/photos?token=secret-token", follow_redirects=False)
    assert first.status_code == 303
    return client



@pytest.fixture
def client(store_dir, measurer):
    c = open_app(store_dir, measurer)
    yield c
    c.__exit__(None, None, None)


def visible(page: str) -> str:
    """The text a person reads: no script, style or drawing, no closed <details>, no tags."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<details\b(?![^>]*\bopen\b).*?</details>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def shown_profile(page: str) -> str:
    return re.search(r'<a href="\?profile=([^"]+)" class="here">', page).group(1)


# --- the profile ----------------------------------------------------------------------------
def test_the_app_opens_on_the_profile_with_captures_never_an_empty_default(client):
    page = client.get("/photos").text
    assert shown_profile(page) == "demo" and len(re.findall(r'id="capture-\d+"', page)) == 12


def test_the_profile_chosen_is_kept_in_the_data_dir_not_by_the_browser(client, store_dir, measurer):
    assert shown_profile(client.get("/photos?profile=other").text) == "other"
    assert (store_dir / PROFILE_FILE).read_text().strip() == "other"
    assert "set-cookie" not in client.get("/photos").headers  # no per-host profile cookie
    assert shown_profile(client.get("/trends").text) == "other"
    # another app on another port, on another data dir, is not led by this choice
    elsewhere = store_dir.parent / "elsewhere"
    shutil.copytree(store_dir, elsewhere)
    (elsewhere / PROFILE_FILE).unlink()
    second = open_app(elsewhere, measurer, port=PORT + 1)
    assert shown_profile(second.get("/photos").text) == "demo"
    # ... while one on the same data dir opens on it
    third = open_app(store_dir, measurer, port=PORT + 2)
    assert shown_profile(third.get("/photos").text) == "other"
    (store_dir / PROFILE_FILE).write_text("../../etc\n")  # a hand-edited file is no choice
    assert shown_profile(third.get("/photos").text) == "demo"


# --- the welcome page and the demo ----------------------------------------------------------
def test_an_empty_store_opens_on_the_welcome_page(tmp_path, measurer):
    client = open_app(tmp_path / "mine", measurer)
    assert client.get("/", follow_redirects=False).headers["location"] == "/welcome"
    assert client.get("/photos", follow_redirects=False).headers["location"] == "/welcome"
    page = client.get("/welcome")
    text = visible(page.text)
    assert page.status_code == 200
    about = re.search(r'<p id="about">(.*?)</p>', page.text, re.S).group(1)
    assert len(re.findall(r"\.(\s|$)", about.strip())) == 3  # three sentences
    for words, href in [("Take your first photo", 'href="/capture"'), ("Add photos you already have",
                                                                       'href="/photos?add=1"')]:
        assert words in text and href in page.text
    assert 'action="/demo"' in page.text and "Look at a demo" in text
    assert "No photos yet: take your first one." in text  # when the next photo is due
    assert client.get("/photos?add=1").status_code == 200  # the way to add photos


def test_the_demo_is_built_beside_the_store_labelled_and_never_mixed(tmp_path, measurer):
    mine = tmp_path / "mine"
    client = open_app(mine, measurer)
    shown = client.post("/demo", headers=O, follow_redirects=False)
    assert shown.status_code == 303 and shown.headers["location"] == "/trends"
    demo = demo_dir(mine)
    assert demo.parent == mine.resolve().parent and not demo.is_relative_to(mine.resolve())
    with Store.open(demo) as store:
        assert len(store.captures("demo")) == 12
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200 and DEMO_BANNER in visible(page.text), path
        assert f"the face {100 * WIDENING:g} % wider by week 12" in visible(page.text), path  # its known change
        assert 'action="/demo/leave"' in page.text
    assert len(re.findall(r'id="capture-\d+"', client.get("/photos").text)) == 12
    assert "Delete" not in visible(client.get("/photos").text)  # example photos cannot be changed
    assert client.post("/delete/1", headers=O).status_code == 400
    assert client.post("/date/1", headers=O, data={"date": "2026-01-01"}).status_code == 400
    with Store.open(mine) as store:  # nothing of the demo in the user's store
        assert not any(store.captures(p) for p in store.profiles())
    # the capture page leaves the demo: a photo taken goes to the user's own store
    client.get("/capture")
    assert DEMO_BANNER not in client.get("/welcome").text
    client.post("/demo", headers=O)  # shown again: built once, kept
    left = client.post("/demo/leave", headers=O, follow_redirects=False)
    assert left.status_code == 303 and client.get("/", follow_redirects=False).headers["location"] == "/welcome"
    assert DEMO_BANNER not in client.get("/welcome").text


# --- the weekly photo -----------------------------------------------------------------------
def test_every_page_says_when_the_next_weekly_photo_is_due(client, store_dir):
    from facetrack.stats.schedule import due_sentence

    with Store.open(store_dir) as store:
        sentence = due_sentence(store.captures("demo"), dt.datetime.now())
    for path in PAGES:
        due = re.search(r'<p class="due" id="due">(.*?)</p>', client.get(path).text, re.S).group(1)
        assert visible(due).strip().startswith(sentence), path


# --- dates ----------------------------------------------------------------------------------
def test_a_captures_date_is_corrected_on_its_card(client, store_dir):
    with Store.open(store_dir) as store:
        before = store.capture("demo", 3).taken_at
    page = client.get("/photos").text
    assert 'action="/date/3"' in page and f'value="{before.date().isoformat()}"' in page
    fixed = client.post("/date/3", headers=O, data={"date": "2026-01-20"}, follow_redirects=False)
    assert fixed.status_code == 303 and fixed.headers["location"].startswith("/photos?note=")  # not /date/3
    assert "Date corrected: the photo is now dated 2026-01-20." in client.get(fixed.headers["location"]).text
    with Store.open(store_dir) as store:
        after = store.capture("demo", 3).taken_at
    assert after.date() == dt.date(2026, 1, 20) and after.time() == before.time()  # the time of day kept
    assert 'value="2026-01-20"' in client.get("/photos").text


@pytest.mark.parametrize("date, words", [
    ("2999-01-01", "is in the future"),
    ("yesterday", "is not a date"),
    ("1850-01-01", "before 1900"),
    ("", "give the date as"),
])
def test_a_date_that_cannot_be_a_photos_is_refused_with_a_sentence(client, store_dir, date, words):
    with Store.open(store_dir) as store:
        before = store.capture("demo", 3).taken_at
    answer = client.post("/date/3", headers=O, data={"date": date})
    assert answer.status_code == 400 and words in answer.text and "date not changed" in answer.text
    with Store.open(store_dir) as store:
        assert store.capture("demo", 3).taken_at == before
    assert client.post("/date/999", headers=O, data={"date": "2026-01-20"}).status_code == 400


# --- settings -------------------------------------------------------------------------------
def test_settings_in_words_with_their_ranges_and_a_reset(client, store_dir):
    from dataclasses import fields

    from facetrack.capture.gates import GateConfig

    page = client.get("/settings").text
    text = visible(page)
    from facetrack.app.settings import CHOICES

    for f in fields(GateConfig):
        setting = f.metadata["setting"]
        if f.name in CHOICES:  # named choices, not a number to type
            field = re.search(rf'<select id="{f.name}" name="{f.name}">(.*?)</select>', page, re.S).group(1)
            assert re.findall(r'<option value="(\d+)"', field) == [f"{v:g}" for v in range(int(setting.low),
                                                                                          int(setting.high) + 1)]
            assert all(words in text for words in CHOICES[f.name]) and setting.label in text
            continue
        field = re.search(rf'<input id="{f.name}" name="{f.name}"[^>]*>', page, re.S).group(0)
        assert f'min="{setting.low:g}"' in field and f'max="{setting.high:g}"' in field
        assert setting.label in text and setting.meaning in text and setting.unit in text
    assert "Reset to defaults" in text and not re.search(r"\b[a-z]+_[a-z_]+\b", text)
    assert client.post("/settings", headers=O, data={"max_yaw": "4"}).status_code == 200
    saved = (store_dir / "gates.toml").read_bytes()
    refused = client.post("/settings", headers=O, data={"max_yaw": "500"})
    label = fields(GateConfig)[[f.name for f in fields(GateConfig)].index("max_yaw")].metadata["setting"].label
    message = visible(re.search(r'<p class="error" id="message">.*?</p>', refused.text, re.S).group(0))
    assert refused.status_code == 400 and f"not saved: {label} must be a number from 0.5 to 30" in message
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", message)
    assert (store_dir / "gates.toml").read_bytes() == saved
    assert "back to its default" in client.post("/settings/reset", headers=O).text
    assert not (store_dir / "gates.toml").exists()


# --- words and numbers ----------------------------------------------------------------------
def table(page: str, table_id: str) -> dict[str, dict[str, str]]:
    """A page's measure table: label -> {column: visible text}."""
    body = re.search(rf'<table class="cards" id="{table_id}">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr data-metric=.*?</tr>", body, re.S):
        cells = dict(re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S))
        cells = {k: visible(v).strip() for k, v in cells.items()}
        label = visible(re.search(r"<span title=[^>]*>(.*?)</span>", row, re.S).group(1)).strip()
        rows[label] = cells
    return rows


def named_changes(text: str) -> list[tuple[str, str, str]]:
    """Each "<measure> rose|fell <number> <unit>" of a sentence, as (measure, sign, size with unit)."""
    return re.findall(r"([A-Z][\w ()/,-]*?) (rose|fell) ([0-9.]+(?:°| %[^;,.]*?(?:\([a-z ]+\))?| % of [a-z ]+))(?=[;,.]| and)",
                      text)


def test_the_trends_summary_gives_the_tables_figures(client):
    page = client.get("/trends").text
    summary = visible(re.search(r'<p id="summary">(.*?)</p>', page, re.S).group(1))
    rows = table(page, "trend-table")
    found = named_changes(summary)
    assert len(found) >= 3, summary
    for label, way, size in found:
        change = rows[label.strip()]["change"]
        assert change == ("+" if way == "rose" else "-") + size.strip(), (label, size, change)
        assert rows[label.strip()]["verdict"] == "beyond noise"
    for row in rows.values():  # each range in the same unit as the change
        if row["likely range"]:
            unit = re.sub(r"^[+-]?[0-9.]+ ?", "", row["change"])
            assert row["likely range"].endswith(unit) and row["smallest real change"].endswith(unit)


def test_the_before_after_caption_and_the_report_give_the_tables_figures(client):
    page = client.get("/compare").text
    caption = visible(re.search(r'<p id="caption">(.*?)</p>', page, re.S).group(1))
    rows = table(page, "pair-table")
    items = re.findall(r"(?:: |, )([A-Z][^:,]*?) ([+-][0-9.]+(?:°| [^,]*?))(?=, | and |\.$)", caption)
    assert len(items) >= 3, caption
    for label, change in items:
        assert rows[label]["change"] == change and rows[label]["verdict"] == "beyond noise", (label, change)
    for row in rows.values():  # before, after, change and noise in one unit
        unit = re.sub(r"^[+-]?[0-9.]+ ?", "", row["change"])
        measured = [row[k] for k in ("before", "after", "smallest real change") if re.search(r"[0-9]", row[k])]
        assert all(cell.endswith(unit) for cell in measured), row
    report = client.get("/report").text
    said = visible(re.search(r'<p id="report-pair">(.*?)</p>', report, re.S).group(1))
    assert caption.lower().rstrip(".") in said.lower()
    summary = visible(re.search(r'<p id="report-summary">(.*?)</p>', report, re.S).group(1))
    trends = visible(re.search(r'<p id="summary">(.*?)</p>', client.get("/trends").text, re.S).group(1))
    assert summary.strip() == trends.strip()


@pytest.mark.parametrize("path", ["/welcome", *PAGES, "/trends?all=1"])
def test_no_internal_name_or_bare_unit_on_a_page(client, path):
    text = visible(client.get(path).text)
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text), path
    for bare in ("ratio", "MDC95", "nan", "% of face width^2", "e-0"):
        assert bare not in text, (path, bare)


def test_the_cards_say_in_words_why_a_silhouette_is_missing(client, store_dir):
    from facetrack.stats.silhouette import silhouette_state, silhouette_summary

    page = client.get("/photos").text
    with Store.open(store_dir) as store:
        captures = store.captures("demo")
    assert silhouette_summary(captures) in html.unescape(page)
    for c in captures:
        card = page.split(f'id="capture-{c.id}"')[1].split('class="card"')[0]
        assert html.escape(silhouette_state(c).text) in card


# --- before / after -------------------------------------------------------------------------
def test_before_after_paints_from_the_store_and_its_pictures_come_after(client):
    page = client.get("/compare").text
    assert "base64" not in page and len(page) < 100_000
    for path, kind in [("/compare/aligned/1/12/before.jpg", "image/jpeg"), ("/compare/aligned/1/12/after.jpg", "image/jpeg"),
                       ("/compare/flicker/1/12.gif", "image/gif"), ("/timelapse.gif", "image/gif")]:
        assert f'src="{path}"' in page
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"] == kind, path
    assert 'type="range"' in page and 'id="reveal"' in page  # the slider
    video = client.get("/download/timelapse.mp4")
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    assert client.get("/compare/aligned/1/999/before.jpg").status_code == 404
    assert client.get("/compare/aligned/1/12/elsewhere.jpg").status_code == 404
    assert client.get("/compare/flicker/3/3.gif").status_code == 404


def test_an_explicit_profile_on_the_command_line_becomes_the_data_dirs_choice(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from facetrack.app import common, server
    from facetrack.cli import main

    launched = []
    monkeypatch.setattr(server, "serve", lambda root, **kw: launched.append(kw["profile"]))
    common.remember_profile(tmp_path, "demo")
    assert CliRunner().invoke(main, ["app", "--no-browser", "--data-dir", str(tmp_path)]).exit_code == 0
    assert common.chosen_profile(tmp_path, "default") == "demo"  # no --profile: the kept choice stands
    assert CliRunner().invoke(main, ["app", "--no-browser", "--profile", "me", "--data-dir", str(tmp_path)]).exit_code == 0
    assert common.chosen_profile(tmp_path, "default") == "me"
    assert launched == ["default", "me"]
