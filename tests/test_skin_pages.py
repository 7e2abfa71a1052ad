"""The skin measures on the app's pages (issue 34), through Starlette's test client, on a profile
of real photos: four frames of the webcam clip (a plain door behind the man, a week apart) and
grace_hopper (a flag behind her: no skin values). The trends page has a Skin section with the
measures' plain names, before/after judges them and says why a value is missing, the report
and its download name them; no page fails."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from conftest import save_jpeg
from facetrack.app.server import create_app
from facetrack.cli import main
from facetrack.metrics import SKIN
from facetrack.metrics.labels import GROUP_LABELS

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
DATES = ("2026-01-05T09:00", "2026-01-12T09:00", "2026-01-19T09:00", "2026-01-26T09:00")


@pytest.fixture(scope="module")
def skin_dir(tmp_path_factory, webcam_clip, grace_hopper):
    from facetrack.capture.sources import video_frames

    d = tmp_path_factory.mktemp("skin_pages")
    frames = {f.index: f.image for f in video_frames(webcam_clip, max_frames=18)}
    paths = [save_jpeg(frames[i], d / f"frame{i}.jpg", quality=95) for i in (0, 8, 14, 17)]
    data = d / "data"
    for path, when in zip(paths, DATES):
        out = CliRunner().invoke(main, ["import", str(path), "--data-dir", str(data), "--taken-at", when])
        assert out.exit_code == 0, out.output
    flag = save_jpeg(grace_hopper, d / "flag.jpg")
    out = CliRunner().invoke(main, ["import", str(flag), "--data-dir", str(data), "--taken-at", "2026-02-02T09:00",
                                    "--same-person"])
    assert out.exit_code == 0, out.output
    return data


@pytest.fixture
def client(skin_dir):
    app = create_app(skin_dir, profile="default", port=PORT, token="t", measurer_factory=lambda: None)
    with TestClient(app, base_url=ORIGIN) as c:
        assert c.get("/photos?token=t").status_code == 200
        yield c


def visible(html: str) -> str:
    html = re.sub(r"<(script|svg|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row(html: str, table: str, name: str) -> str:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', html, re.S).group(0)
    return visible(re.search(rf'<tr data-metric="{name}">.*?</tr>', body, re.S).group(0))


def test_the_trends_page_has_a_skin_section_with_the_plain_names(client):
    page = client.get("/trends")
    assert page.status_code == 200
    text = visible(page.text)
    assert f"<h2>{GROUP_LABELS['skin']}</h2>" in page.text  # the charts' Skin section, shown by default
    words = text.split("Technical details")[0]  # the collapsed details name the exports' columns
    for m in SKIN:
        assert m.label in words and m.name not in words
        assert f'data-metric="{m.name}"' in page.text
    assert "compared with the wall behind you" in words
    assert re.search(r"Skin: unchanged within noise", words), words[:600]  # the summary names the family
    assert "redness points" in row(page.text, "trend-table", "skin_redness")


def test_before_after_judges_the_skin_and_says_why_a_value_is_missing(client):
    judged = client.get("/compare?a=1&b=4")
    assert judged.status_code == 200
    for m in SKIN:
        cells = row(judged.text, "pair-table", m.name)
        assert "not measured" not in cells and re.search(r"within noise|beyond noise|cannot tell", cells), cells
    missing = client.get("/compare?a=1&b=5")
    assert missing.status_code == 200
    cells = row(missing.text, "pair-table", "skin_redness")
    assert "not measured: the wall beside the face is not plain" in cells
    assert "redness points" in cells  # the other photo's value, in words


def test_the_report_and_its_download_name_the_skin_measures(client):
    page = client.get("/report")
    assert page.status_code == 200 and "Skin" in visible(page.text)
    report = client.get("/download/report.html")
    assert report.status_code == 200
    text = visible(report.text)
    assert GROUP_LABELS["skin"] in text
    assert all(m.label in text for m in SKIN)


def test_a_photos_own_page_gives_its_skin_values_or_why_it_has_none(client):
    door = visible(client.get("/photos/1").text)
    flag = client.get("/photos/5")
    assert flag.status_code == 200
    assert all(m.label in door for m in SKIN) and "redness points" in door
    cells = row(flag.text, "photo-table", "skin_redness")
    assert "not measured: the wall beside the face is not plain" in cells
