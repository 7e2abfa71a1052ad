"""The capture page for someone who has never used a terminal, through Starlette's test client:
the camera's problems each with a sentence and its fix, a photo taken with failed checks said so
on its result page, and the photos' dates sent with an upload of many photos."""

from __future__ import annotations

import html
import json
import re

import pytest

from facetrack.store import Store
from conftest import signed_in_client

PORT = 8767
ORIGIN = f"http://127.0.0.1:{PORT}"
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")



@pytest.fixture
def client(store_dir, measurer):
    with signed_in_client(store_dir, measurer, PORT) as c:
        yield c



@pytest.mark.parametrize("error, no_camera", [
    ("NotFoundError", True), ("DevicesNotFoundError", True), ("NotAllowedError", True), ("SecurityError", True),
    ("NotReadableError", False), ("TrackStartError", False), ("OverconstrainedError", False), ("Unheard", False)])
def test_the_capture_page_carries_each_camera_problem_as_a_sentence_with_its_fix(client, error, no_camera):
    """The page picks the sentence by the browser's error name, and offers photos instead only
    when there is no usable camera (none, or not allowed), not when it is busy."""
    from facetrack.capture.advice import camera_problem

    page = client.get("/capture").text  # the page's script reads both from its own attributes
    problems = json.loads(html.unescape(re.search(r'data-problems="([^"]*)"', page).group(1)))
    offers = json.loads(html.unescape(re.search(r'data-no-camera="([^"]*)"', page).group(1)))
    shown = problems.get(error, problems["other"])  # as the page's script picks it
    assert shown == camera_problem(error)
    assert error not in shown and not SNAKE.search(shown) and shown.endswith(".")
    assert (error in offers) == no_camera


def test_a_photo_taken_with_capture_now_while_smiling_says_so_on_its_result_page(client, store_dir, webcam_jpegs):
    """Capture now while a check fails: the photo is kept, and its result page names the failed
    check in plain words and says it is less comparable."""
    start = client.post("/capture/start?profile=webcam", headers={"origin": ORIGIN})
    session = start.json()["session"]
    smiling = webcam_jpegs[40]
    outcome = None
    for i in range(60):
        if i == 3:
            pressed = client.post("/capture/now", headers={"origin": ORIGIN, "x-session": session})
            assert pressed.status_code == 200
        answer = client.post("/capture/frame", content=smiling,
                             headers={"origin": ORIGIN, "x-timestamp": str(i * 33), "x-index": str(i),
                                      "x-session": session})
        if not answer.headers["content-type"].startswith("image/jpeg"):
            outcome = answer.json()
            break
    assert outcome is not None and "capture" in outcome, outcome
    page = client.get(f"/capture/result/{outcome['capture']}?profile=webcam").text
    warning = re.search(r'<p class="error" id="failed-checks">(.*?)</p>', page, re.S)
    assert warning, page
    assert "smiling" in warning.group(1) and "less comparable" in warning.group(1)
    with Store.open(store_dir) as store:
        (kept,) = [c for c in store.captures("webcam") if c.id == outcome["capture"]]
    assert "no_smile" in kept.quality.failed_gates  # the internal name stays in the store


def test_an_upload_of_many_photos_each_with_its_date_is_not_refused_for_its_parts(client, store_dir):
    """The page sends one date part before each photo: 20 photos (more than the form's other
    parts may be) are read whole; each file is then judged on its own."""
    parts = []
    for i in range(20):
        parts.append(b'--b\r\nContent-Disposition: form-data; name="date"\r\n\r\n2025-11-03\r\n')
        parts.append(b'--b\r\nContent-Disposition: form-data; name="photos"; filename="note%d.txt"\r\n'
                     b'Content-Type: text/plain\r\n\r\nnot a photo\r\n' % i)
    body = b"".join(parts) + b"--b--\r\n"
    with Store.open(store_dir) as store:
        before = [c.id for c in store.captures("demo")]
    answer = client.post("/upload", content=body,
                         headers={"origin": ORIGIN, "content-type": "multipart/form-data; boundary=b"})
    assert "parts that are not photos" not in answer.text
    assert answer.text.count("is not an image facetrack can read") == 20
    with Store.open(store_dir) as store:
        assert [c.id for c in store.captures("demo")] == before
