"""Issue 33's words and small things, through the test client: no word from the issue's list on
any page a person reads, each photo named by its date, a thumbnail opening the photo's own page,
every change (POST) answered with a 303 to a page a person can reload, and the settings' refusals
as sentences."""

from __future__ import annotations

import html
import re

import pytest

from facetrack.store import Store
from conftest import signed_in_client

PORT = 8773
ORIGIN = f"http://127.0.0.1:{PORT}"
O = {"origin": ORIGIN}
#: The words issue 33 found on the pages (item 6), each as a pattern of the visible text.
ISSUE_WORDS = [r"% \(area\)", r"square as wide", r"\b\d+ views\b", r"% of eye distance", r"\(left vs right\)",
               r"profile: ", r"[Dd]ash-dot", r"running middle value", r"date given by you", r"442 scale", r"colour distance",
               r"is not a number", r"\bcapture \d+", r"\bcaptures? \d", r"0, 1 or 2"]


@pytest.fixture
def client(store_dir, measurer):
    with signed_in_client(store_dir, measurer, PORT) as c:
        yield c


def visible(page: str) -> str:
    """The text a person reads: no script, no closed <details>, no tags, no attributes."""
    page = re.sub(r"<(script|details)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def pages_of(client, store_dir) -> dict[str, str]:
    with Store.open(store_dir, read_only_ok=True) as store:
        ids = [c.id for c in store.captures("demo")]
    paths = ["/photos", "/trends", "/trends?all=1", f"/compare?a={ids[0]}&b={ids[-1]}", "/report", "/settings",
             "/capture", f"/capture/result/{ids[-1]}?profile=demo", f"/photos/{ids[3]}"]
    answers = {p: client.get(p) for p in paths}
    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(paths, 200)
    return {p: visible(a.text) for p, a in answers.items()}


def test_no_word_from_the_issues_list_on_any_page(client, store_dir):
    for path, text in pages_of(client, store_dir).items():
        for pattern in ISSUE_WORDS:
            assert not re.search(pattern, text), (path, pattern, re.search(pattern, text).group(0))


def test_each_photo_is_named_by_its_date_in_date_order(client, store_dir):
    with Store.open(store_dir, read_only_ok=True) as store:
        captures = store.captures("demo")
    page = client.get("/photos").text
    names = re.findall(r'<div class="name"><b>([^<]+)</b>', page)
    assert names == [f"Photo of {c.taken_at.date().isoformat()}" for c in captures]
    assert names == sorted(names)
    compare = client.get("/compare").text
    options = re.findall(r"<option [^>]*>([^<]+)</option>", compare)
    assert options[:len(captures)] == names


def test_a_thumbnail_opens_the_photos_own_page(client, store_dir):
    with Store.open(store_dir, read_only_ok=True) as store:
        capture = store.captures("demo")[4]
    photos = client.get("/photos").text
    link = re.search(rf'<a href="([^"]+)"[^>]*><img src="/thumb/{capture.id}"', photos).group(1)
    assert link == f"/photos/{capture.id}"
    page = client.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = visible(page.text)
    assert f"Photo of {capture.taken_at.date().isoformat()}" in text and "Back to all photos" in text
    assert f'<img src="/photo/{capture.id}"' in page.text  # the photo itself, inside the page
    assert "Jaw angle (mean)" in text and "°" in text  # its measures as the pages write them
    assert f'action="/date/{capture.id}"' in page.text and f'action="/delete/{capture.id}"' in page.text
    assert client.get("/photos/9999").status_code == 404


@pytest.mark.parametrize("path, data, back", [
    ("/date/3", {"date": "2026-01-20"}, "/photos"), ("/baseline/4", {}, "/photos"),
    ("/settings", {"max_yaw": "4"}, "/settings"), ("/settings/reset", {}, "/settings"),
    ("/delete/5", {}, "/photos"),
])
def test_every_change_returns_to_a_page_a_person_can_reload(client, path, data, back):
    answer = client.post(path, headers=O, data=data, follow_redirects=False)
    assert answer.status_code == 303, path
    location = answer.headers["location"]
    assert location == back or location.startswith(back + "?note="), location
    first, again = client.get(location), client.get(location)
    assert first.status_code == again.status_code == 200
    message = re.search(r'id="message">(.*?)</p>', first.text, re.S)
    assert message is None or visible(message.group(1)).strip().endswith(".")


@pytest.mark.parametrize("value, said", [("", "but the box was empty"), ("abc", "but got 'abc'"),
                                         ("nan", "but got 'nan'")])
def test_a_setting_that_is_not_a_number_is_refused_in_a_sentence(client, store_dir, value, said):
    answer = client.post("/settings", headers=O, data={"max_yaw": value})
    assert answer.status_code == 400
    message = visible(re.search(r'<p class="error" id="message">(.*?)<span', answer.text, re.S).group(1)).strip()
    assert message.startswith("not saved: Head turned sideways must be a number from 0.5 to 30 (degrees)"), message
    assert said in message and "=" not in message  # the library's own words only for support, on hover
    assert not (store_dir / "gates.toml").exists()
