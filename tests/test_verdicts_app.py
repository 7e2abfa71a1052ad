"""The app's verdict words: a capture's result page gives each comparison's answer, and asks
for a second photo the same day during the first weeks (it feeds the person's own noise)."""

from __future__ import annotations

import pytest

from facetrack.report.wording import pair_sentence
from facetrack.stats.compare import judge_pair
from facetrack.store import Store
from conftest import signed_in_client

ORIGIN = "http://127.0.0.1:8765"


@pytest.fixture
def client(store_dir, measurer):
    with signed_in_client(store_dir, measurer, 8765) as c:
        yield c


def keep_first(root, n: int) -> list:
    with Store.open(root) as store:
        captures = store.captures("demo")
        for c in captures[n:]:
            store.delete_capture(c.id)
        return store.captures("demo")


@pytest.mark.parametrize("kept, asked", [(2, True), (3, True), (12, False)])
def test_the_first_weeks_result_page_asks_for_a_second_photo_the_same_day(client, store_dir, kept, asked):
    captures = keep_first(store_dir, kept)
    page = client.get(f"/capture/result/{captures[-1].id}")
    assert page.status_code == 200
    assert ('id="repeat-hint"' in page.text) == asked


def test_the_result_page_gives_each_comparisons_answer(client, store_dir):
    with Store.open(store_dir) as store:
        captures = store.captures("demo")
    page = client.get(f"/capture/result/{captures[-1].id}").text
    for other in (captures[-2], captures[0]):  # last time, and the baseline
        sentence = pair_sentence(judge_pair(captures, other, captures[-1]))
        assert sentence[1:].replace("'", "&#39;") in page  # its first letter a capital on the page
