"""The report page's downloads (issue 33): each answers with a file or with a page holding a
sentence (never a bare text page); nothing is offered that cannot be made (the report and the
time-lapse from two photos, Parquet only with pyarrow); the spreadsheet CSV has plain names with
units, the pages' decimals and no file path, while JSON and Parquet keep the machine names."""

from __future__ import annotations

import csv
import io
import json
import re

from starlette.testclient import TestClient

from facetrack.app.server import create_app
from facetrack.metrics import ALL_METRICS
from facetrack.metrics.labels import format_value, unit
from facetrack.store import Store

PORT = 8772
ORIGIN = f"http://127.0.0.1:{PORT}"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
DOWNLOADS = ["/download/report.html", "/download/captures.csv", "/download/captures.json",
             "/download/captures.parquet", "/download/timelapse.mp4"]


def client_for(root, measurer, profile="demo"):
    app = create_app(root, profile=profile, port=PORT, token="secret-token", measurer_factory=lambda: measurer)
    c = TestClient(app, base_url=ORIGIN)
    assert c.get("/photos?token=secret-token", follow_redirects=False).status_code == 303
    return c


def offered(page: str) -> list[str]:
    listed = re.search(r'<[a-z]+ id="downloads".*?</(ul|p)>', page, re.S).group(0)
    return re.findall(r'href="(/download/[^"]+)"', listed)


def sentence_page(answer, sentence: str):
    """A whole page (the report page) with ``sentence`` as its message."""
    assert answer.headers["content-type"].startswith("text/html"), answer.headers["content-type"]
    assert "content-disposition" not in answer.headers
    assert answer.text.startswith("<!doctype html>") and "<h1>Report and export</h1>" in answer.text
    message = re.search(r'<p class="error" id="message">(.*?)</p>', answer.text, re.S).group(1)
    assert sentence in message and message.strip().endswith("."), message


def test_an_empty_store_offers_nothing_and_every_download_is_a_page_with_a_sentence(tmp_path, measurer):
    with client_for(tmp_path, measurer) as c:
        page = c.get("/report").text
        assert offered(page) == [] and "There is nothing to download yet" in page
        for path in DOWNLOADS:
            answer = c.get(path)
            assert answer.status_code == 404, path
            sentence_page(answer, "nothing to download yet" if "timelapse" not in path else "at least two photos")


def test_one_photo_offers_its_numbers_only_and_the_report_says_it_needs_two(store_dir, measurer):
    with Store.open(store_dir) as store:
        for c in store.captures("demo")[1:]:
            store.delete_capture(c.id)
    with client_for(store_dir, measurer) as c:
        page = c.get("/report").text
        assert offered(page) == ["/download/captures.csv", "/download/captures.json", "/download/captures.parquet"]
        assert "once there are two photos" in page
        sentence_page(c.get("/download/report.html"), "The report needs at least two photos")
        sentence_page(c.get("/download/timelapse.mp4"), "The time-lapse needs at least two photos")
        assert c.get("/download/captures.csv").status_code == 200


def test_every_offered_download_answers_with_a_file(store_dir, measurer):
    with client_for(store_dir, measurer) as c:
        links = offered(c.get("/report").text)
        assert sorted(links) == sorted(DOWNLOADS)
        for path in links:
            answer = c.get(path)
            assert answer.status_code == 200, path
            assert answer.headers["content-disposition"].startswith("attachment; filename="), path
        assert c.get("/download/captures.parquet").content[:4] == b"PAR1"


def test_without_pyarrow_parquet_is_not_offered_and_asking_for_it_says_why(store_dir, measurer, monkeypatch):
    from facetrack.report import export

    monkeypatch.setattr(export, "parquet_available", lambda: False)
    with client_for(store_dir, measurer) as c:
        assert "/download/captures.parquet" not in offered(c.get("/report").text)
        answer = c.get("/download/captures.parquet")
        assert answer.status_code == 404
        sentence_page(answer, "Parquet files cannot be made here")


def test_an_unknown_download_is_a_page_with_a_sentence(store_dir, measurer):
    with client_for(store_dir, measurer) as c:
        for path in ("/download/captures.xlsx", "/download/secrets.csv", "/download/%FF"):
            answer = c.get(path)
            assert answer.status_code == 404
            sentence_page(answer, "There is no such download")


def test_the_spreadsheet_has_plain_names_units_the_pages_decimals_and_no_path(store_dir, measurer):
    with Store.open(store_dir, read_only_ok=True) as store:
        captures = store.captures("demo")
    with client_for(store_dir, measurer) as c:
        answer = c.get("/download/captures.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.content.decode("utf-8-sig")  # with the mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(captures)
    header = list(rows[0])
    assert not [h for h in header if SNAKE.search(h)], header
    assert not any(h.endswith(("_spread", "_version")) for h in header)
    assert "/" not in text.replace("Jaw width / cheekbone width", "") and "\\" not in text  # no path
    assert str(store_dir) not in text and "tmp" not in text
    for row, capture in zip(rows, captures):
        assert row["Date"] == capture.taken_at.date().isoformat()
        for m in ALL_METRICS:
            cell = row[f"{m.label}, {unit(m).axis}"]
            value = capture.metrics.get(m.name)
            if value is None or value.value is None:
                assert cell == ""
                continue
            assert format_value(m, value.value).startswith(cell)  # as the pages write it
            assert len(cell.partition(".")[2]) <= 2  # no 15 decimals


def test_json_keeps_the_machine_names(store_dir, measurer):
    with client_for(store_dir, measurer) as c:
        rows = json.loads(c.get("/download/captures.json").text)
    assert "jaw_angle_mean" in rows[0] and "jaw_angle_mean_spread" in rows[0]
