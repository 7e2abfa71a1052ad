"""What an adversarial test of `facetrack app` found (issue 27), each as a regression test through
Starlette's test client: photo formats, upload and frame limits, capture sessions per tab, the
settings' checks, 500s that must be 4xx, the port, the open redirect and repeated headers.
The tests that need a real server (chunked bodies, slow clients, a killed app, two apps on one
data dir) are in test_app_server.py."""

from __future__ import annotations

import re
import struct
import subprocess
import threading
import time
import zlib

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from facetrack.app.frames import MAX_FRAME_BYTES
from facetrack.app.live import ENDED, FRAME_TIMEOUT_S, NOT_RUNNING, TAKEN_OVER
from facetrack.app.photos import MAX_UPLOAD_BYTES
from facetrack.app.server import create_app
from facetrack.app.uploads import SCRATCH_PREFIX
from facetrack.capture.photo import NOT_A_PHOTO
from facetrack.store import Store

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
O = {"origin": ORIGIN}
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{} loop\n"



def make_client(root, measurer):
    app = create_app(root, profile="demo", port=PORT, token="secret-token", measurer_factory=lambda: measurer)
    client = TestClient(app, base_url=ORIGIN)
    return app, client


@pytest.fixture
def client(store_dir, measurer):
    app, c = make_client(store_dir, measurer)
    with c:
        assert c.get("/photos?token=secret-token", follow_redirects=False).status_code == 303
        yield c
    app.close()


def snapshot(root):
    """The store as a user would notice it: rows, photo files and the settings file."""
    with Store.open(root, read_only_ok=True) as store:
        counts = store.counts()
    photos = sorted(p.relative_to(root).as_posix() for p in (root / "images").rglob("*") if p.is_file())
    gates = (root / "gates.toml").read_bytes() if (root / "gates.toml").exists() else None
    return counts, photos, gates


def scratch_files(root):
    """Everything in the apps' scratch folders but their lock files."""
    return sorted(p for d in root.glob(f"{SCRATCH_PREFIX}*") for p in d.rglob("*") if p.name != "lock")


def message(page: str) -> str:
    found = re.search(r'<p class="(?:error|note)" id="message">(.*?)</p>', page, re.S)
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&") if found else ""


def jpeg(image) -> bytes:
    return cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))[1].tobytes()


def png_header_only(width: int, height: int) -> bytes:
    """A small PNG whose header says ``width`` x ``height`` (its pixels compressed to a few kB)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    body = comp.compress(b"\x00" * (width + 1) * 64) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


# 1. photo formats ------------------------------------------------------------------------------
def test_an_eps_upload_named_jpg_is_a_400_with_a_sentence_and_runs_nothing(client, store_dir, monkeypatch):
    from PIL import EpsImagePlugin

    used = []
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", lambda *a: used.append("eps") or 1 / 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: used.append("Popen") or 1 / 0)
    before = snapshot(store_dir)
    answer = client.post("/upload", headers=O, files=[("photos", ("loop.jpg", EPS, "image/jpeg"))])
    assert answer.status_code == 400 and message(answer.text) == f"refused loop.jpg: {NOT_A_PHOTO}"
    assert used == [] and snapshot(store_dir) == before and scratch_files(store_dir) == []


def test_a_damaged_photo_upload_is_a_400_with_a_sentence(client, store_dir, astronaut):
    cut = jpeg(astronaut)[:5000]
    answer = client.post("/upload", headers=O, files=[("photos", ("cut.jpg", cut, "image/jpeg"))])
    assert answer.status_code == 400
    assert message(answer.text).startswith("refused cut.jpg: is a damaged or truncated image (")


# 2. uploads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, headers, status, words", [
    (b"x", {"content-length": str(MAX_UPLOAD_BYTES + 1)}, 413, "the upload is over 50 MB"),
    (b"--b\r\ncontent-disposition: form-data; name=photos; filename=a.jpg\r\n\r\nabc", {}, 400,
     "not a well-formed form"),  # cut before its end
    (b"photos=a.jpg", {"content-type": "application/x-www-form-urlencoded"}, 400, "multipart/form-data"),
    (b"", {}, 400, "choose one or more photos first"),
    (b"--b\r\ncontent-disposition: form-data; name=\"photos\"; filename=\"\"\r\n\r\n\r\n--b--\r\n", {}, 400,
     "choose one or more photos first"),  # the form sent with nothing chosen
    (b"".join(b"--b\r\ncontent-disposition: form-data; name=\"photos\"; filename=\"%d.jpg\"\r\n\r\nx\r\n" % i
              for i in range(65)) + b"--b--\r\n", {}, 413, "at most 64 photos"),
    (b"".join(b"--b\r\ncontent-disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n" % i for i in range(17))
     + b"--b--\r\n", {}, 400, "more than 16 parts"),
])
def test_an_upload_is_refused_with_a_sentence_and_leaves_no_scratch(client, store_dir, body, headers, status, words):
    before = snapshot(store_dir)
    headers = {"content-type": "multipart/form-data; boundary=b", **O, **headers}
    answer = client.post("/upload", headers=headers, content=body)
    assert answer.status_code == status and words in message(answer.text), message(answer.text)
    assert snapshot(store_dir) == before and scratch_files(store_dir) == []


def test_an_upload_is_written_under_the_data_dir_never_the_system_temp(client, store_dir, astronaut, monkeypatch):
    """The photo goes to the app's scratch folder in the data dir, and is gone after the import."""
    from facetrack.ingest import importer

    seen = []
    real = importer.import_photo

    def spy(path, **kwargs):
        seen.append((path, path.is_file()))
        return real(path, **kwargs)

    monkeypatch.setattr(importer, "import_photo", spy)
    answer = client.post("/upload?same_person=yes", headers=O,  # not the demo's man: confirmed
                         files=[("photos", ("../../me.jpg", jpeg(astronaut), "image/jpeg"))])
    assert answer.status_code == 200 and re.search(r"imported me\.jpg as the photo of \d{4}-\d\d-\d\d",
                                                   message(answer.text)), message(answer.text)
    assert "capture" not in message(answer.text)  # named by its date, not by a number
    ((path, existed),) = seen
    assert existed and path.parent.parent.parent == store_dir and path.parent.parent.name.startswith(SCRATCH_PREFIX)
    assert path.name == "000-me.jpg"  # the browser's name, made safe (no path)
    assert not path.exists() and scratch_files(store_dir) == []


class HeldMeasurer:
    """The real measurer, holding each photo until ``release`` is set (an import that takes long)."""

    def __init__(self, real):
        self.real, self.measuring, self.release = real, threading.Event(), threading.Event()

    def measure_photo(self, *args, **kwargs):
        self.measuring.set()
        assert self.release.wait(60)
        return self.real.measure_photo(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def close(self):
        pass


def test_pages_keep_answering_while_an_import_runs(store_dir, measurer, astronaut):
    held = HeldMeasurer(measurer)
    app = create_app(store_dir, profile="demo", port=PORT, token="secret-token", measurer_factory=lambda: held)
    answers = {}
    with TestClient(app, base_url=ORIGIN) as c:
        c.get("/photos?token=secret-token")
        upload = threading.Thread(target=lambda: answers.setdefault("upload", c.post(  # not the demo's man
            "/upload?same_person=yes", headers=O, files=[("photos", ("me.jpg", jpeg(astronaut), "image/jpeg"))])))
        upload.start()
        assert held.measuring.wait(60)  # the import is measuring (and held there)
        page = threading.Thread(target=lambda: answers.setdefault("page", c.get("/photos")))
        page.start()
        page.join(30)
        try:
            assert "page" in answers and answers["page"].status_code == 200  # answered during the import
            assert upload.is_alive() and "upload" not in answers
        finally:
            held.release.set()
            upload.join(60)
    app.close()
    assert answers["upload"].status_code == 200 and "imported me.jpg" in message(answers["upload"].text)


# 3. frames and 4. capture sessions --------------------------------------------------------------
@pytest.fixture(scope="module")
def frames(webcam_clip):
    from facetrack.capture.sources import video_frames

    return [jpeg(f.image) for f in list(video_frames(webcam_clip))[:12]]


def start(client, profile="webcam"):
    answer = client.post(f"/capture/start?profile={profile}", headers=O)
    assert answer.status_code == 200, answer.text
    return answer.json()


def frame(client, session, data, stamp=0, index=0, **headers):
    return client.post("/capture/frame", content=data, headers={
        **O, "x-session": session, "x-timestamp": str(stamp), "x-index": str(index), **headers})


def is_overlay(answer) -> bool:
    return answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize("data, headers, status, words", [
    (b"", {}, 400, "the frame is empty"),
    (b"not a picture", {}, 400, "not a JPEG, PNG or WebP"),
    (EPS, {}, 400, "not a JPEG, PNG or WebP"),
    (png_header_only(20000, 20000), {}, 413, "has over 178 million pixels"),
    (png_header_only(5000, 5000), {}, 413, "the frame is 5000 x 5000 pixels"),
    (png_header_only(8, 8), {}, 400, "too small"),
    (b"x", {"content-length": str(MAX_FRAME_BYTES + 1)}, 413, "over 8 MB"),
    (lambda frames: (b"x" * 2 ** 20 for _ in range(9)), {}, 413, "over 8 MB"),  # chunked: no length told
    (lambda frames: frames[0][:600], {}, 400, "the frame is a damaged picture"),  # a JPEG cut short
    (None, {"x-timestamp": "abc"}, 400, "x-timestamp must be a whole number"),
    (None, {"x-timestamp": str(2 ** 63)}, 400, "x-timestamp must be a whole number"),
    (None, {"x-timestamp": "-1"}, 400, "x-timestamp must be a whole number"),
    (None, {"x-timestamp": "1.5"}, 400, "x-timestamp must be a whole number"),
    (None, {"x-index": "1e3"}, 400, "x-index must be a whole number"),
])
def test_a_bad_frame_is_a_4xx_at_once_and_the_capture_goes_on(client, frames, monkeypatch, data, headers, status,
                                                              words):
    decoded = []
    real = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda *a: decoded.append(1) or real(*a))
    session = start(client)["session"]
    assert is_overlay(frame(client, session, frames[0], 0, 0))
    body = frames[1] if data is None else data(frames) if callable(data) else data
    answer = frame(client, session, body, 33, 1, **headers)
    assert answer.status_code == status and words in answer.json()["error"], answer.text
    assert len(decoded) == 1  # the first frame's: this one was refused before any decoding
    assert is_overlay(frame(client, session, frames[2], 66, 2))  # the capture goes on
    client.post("/capture/cancel", headers={**O, "x-session": session})


def test_a_frame_of_another_size_than_the_first_is_refused(client, frames):
    session = start(client)["session"]
    assert is_overlay(frame(client, session, frames[0]))
    small = cv2.imencode(".jpg", np.zeros((240, 320, 3), np.uint8))[1].tobytes()
    answer = frame(client, session, small, 33, 1)
    assert answer.status_code == 400 and "must be 640 x 360 pixels like the first" in answer.json()["error"]


def test_a_second_tab_takes_over_and_the_first_is_told(client, frames, store_dir):
    first = start(client)
    assert first["took_over"] is False and is_overlay(frame(client, first["session"], frames[0]))
    second = start(client)
    assert second["took_over"] is True and second["session"] != first["session"]
    for _ in range(2):  # every later frame or press of the first tab: told at once, the second untouched
        late = frame(client, first["session"], frames[1], 33, 1)
        assert late.status_code == 409 and late.json() == {"error": TAKEN_OVER}
    cancel = client.post("/capture/cancel", headers={**O, "x-session": first["session"]})
    assert cancel.status_code == 409 and cancel.json() == {"error": TAKEN_OVER}
    assert is_overlay(frame(client, second["session"], frames[2], 66, 2))  # not cancelled by the first tab
    missing = frame(client, "", frames[3], 99, 3)
    assert missing.status_code == 409 and missing.json() == {"error": NOT_RUNNING}


def test_starts_in_a_row_keep_the_capture_threads_bounded(client, frames):
    from facetrack.app.live import MAX_THREADS, STILL_ENDING

    assert wait_for(lambda: not live_threads())  # an earlier test's captures have ended: count only this app's
    counts, answers = [], []
    for _ in range(12):
        answers.append(client.post("/capture/start", headers=O))
        counts.append(len(live_threads()))
    assert {a.status_code for a in answers} <= {200, 429} and max(counts) <= MAX_THREADS, counts
    assert all(a.json() == {"error": STILL_ENDING} for a in answers if a.status_code == 429)
    assert wait_for(lambda: len(live_threads()) <= 1)  # the ended ones go, the last one runs
    session = start(client)["session"]
    assert is_overlay(frame(client, session, frames[0]))


def test_a_start_waits_while_too_many_captures_are_still_ending():
    from facetrack.app.live import MAX_THREADS, TAKEN_OVER, SessionBusy, SessionEnded, Sessions

    class Stuck:  # a capture whose thread does not end (busy measuring its burst)
        def close(self):
            pass

        def join(self, timeout=None):
            return False

    sessions = Sessions()
    ids = [sessions.start(Stuck)[0] for _ in range(MAX_THREADS)]
    with pytest.raises(SessionBusy):
        sessions.start(Stuck)
    with pytest.raises(SessionEnded, match="another tab"):
        sessions.get(ids[0])
    assert sessions.end(ids[0]) == TAKEN_OVER and sessions.get(ids[-1])


def live_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "facetrack-live-capture"]


def wait_for(test, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return test()


def test_sixty_frames_at_once_are_all_answered_and_no_thread_stays(store_dir, measurer, frames):
    """Every request is answered (an overlay, or 429 while another frame of the capture is in
    flight); after the capture, frames are answered at once; then the threads are as before."""
    app, c = make_client(store_dir, measurer)
    with c:  # once first, so the threads a first use starts for good are there before counting
        c.get("/photos?token=secret-token")
        session = start(c)["session"]
        frame(c, session, frames[0])
        c.post("/capture/cancel", headers={**O, "x-session": session})
        for i in range(1, 4):
            frame(c, session, frames[i], 33 * i, i)
    app.close()
    assert wait_for(lambda: not live_threads())
    before = threading.active_count()
    app, c = make_client(store_dir, measurer)
    with c:
        c.get("/photos?token=secret-token")
        session = start(c)["session"]
        answers, barrier = [], threading.Barrier(60)

        def send(i):
            barrier.wait()
            answers.append(frame(c, session, frames[i % len(frames)], 100 + i, i).status_code)

        senders = [threading.Thread(target=send, args=(i,)) for i in range(60)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(60)
        assert len(answers) == 60 and set(answers) <= {200, 429} and 200 in answers, answers
        assert c.post("/capture/cancel", headers={**O, "x-session": session}).status_code == 200
        outcome = next(a for i in range(5) if not is_overlay(a := frame(c, session, frames[i], 1000 + i, 61 + i)))
        assert outcome.json() == {"error": "cancelled: nothing was stored"}
        t0 = time.monotonic()
        late = frame(c, session, frames[0], 1033, 62)
        assert late.status_code == 409 and late.json() == {"error": ENDED}
        assert time.monotonic() - t0 < FRAME_TIMEOUT_S / 2  # at once, not after a wait
    app.close()
    assert wait_for(lambda: threading.active_count() <= before), [t.name for t in threading.enumerate()]


def test_a_capture_left_without_frames_ends_with_its_thread(store_dir, measurer, frames, monkeypatch):
    from facetrack.app import live

    monkeypatch.setattr(live, "FRAME_TIMEOUT_S", 0.5)
    app, c = make_client(store_dir, measurer)
    with c:
        c.get("/photos?token=secret-token")
        session = start(c)["session"]
        assert is_overlay(frame(c, session, frames[0]))
        assert wait_for(lambda: not live_threads())  # the page went away: the capture ended
        late = frame(c, session, frames[1], 33, 1)
        assert late.status_code == 200 and "no capture" not in late.json()["error"]  # its outcome, at once
        assert frame(c, session, frames[2], 66, 2).status_code == 409
    app.close()


# 5. settings -------------------------------------------------------------------------------------
@pytest.mark.parametrize("form, words", [
    ({"max_yaw": "nan"}, "max_yaw must be a number from 0.5 to 30 (degrees) but got nan"),
    ({"max_yaw": "inf"}, "max_yaw must be a number from 0.5 to 30 (degrees) but got inf"),
    ({"max_yaw": "-1e308"}, "but got -1e+308"),
    ({"plain_background": "-3"}, "plain_background must be 0, 1 or 2"),
    ({"plain_background": "1.5"}, "plain_background must be 0, 1 or 2"),
    ({"min_brightness": "300", "max_brightness": "10"}, "min_brightness must be a number from 0 to 255"),
    ({"min_brightness": "150", "max_brightness": "120"}, "min_brightness must be below max_brightness but got 150"),
    ({"max_brightness": "50"}, "min_brightness must be below max_brightness but got 60.0 and 50.0"),
    ({"max_smile": "2"}, "max_smile must be a number from 0 to 1"),
    ({"max_yaw": ""}, "is not a number"),
    ({"max_wobble": "3"}, "use KEY=VALUE with KEY one of"),
])
def test_settings_out_of_range_are_refused_and_the_file_is_left_as_it_was(client, store_dir, form, words):
    assert client.post("/settings", headers=O, data={"max_yaw": "4"}).status_code == 200
    before = (store_dir / "gates.toml").read_bytes()
    answer = client.post("/settings", headers=O, data=form)
    assert answer.status_code == 400 and message(answer.text).startswith("not saved: ") and words in message(
        answer.text), message(answer.text)
    assert (store_dir / "gates.toml").read_bytes() == before


@pytest.mark.parametrize("body, words", [
    (b"max_yaw=4&max_yaw=6", "each setting must be given once but got max_yaw more than once"),
    (b"max_yaw=\xff", "the settings must come as the settings page's form"),
    (b"max_yaw", "the settings must come as the settings page's form"),
    (b"&".join(b"x%d=1" % i for i in range(200)), "the settings must come as the settings page's form"),
    (b"max_yaw=4&" + b"x" * 70000, "the settings form is over"),
])
def test_a_settings_body_that_is_not_the_pages_form_is_refused(client, store_dir, body, words):
    answer = client.post("/settings", headers={**O, "content-type": "application/x-www-form-urlencoded"},
                         content=body)
    assert answer.status_code in (400, 413) and words in message(answer.text), message(answer.text)
    assert not (store_dir / "gates.toml").exists()


def test_a_partial_settings_post_keeps_the_saved_values(client, store_dir):
    from facetrack.capture.gates import GateConfig

    client.post("/settings", headers=O, data={"max_yaw": "4", "max_pitch": "6", "min_brightness": "70"})
    assert client.post("/settings", headers=O, data={"max_roll": "3"}).status_code == 200
    config = GateConfig.from_toml(store_dir / "gates.toml")
    assert (config.max_yaw, config.max_pitch, config.max_roll, config.min_brightness) == (4, 6, 3, 70)


def test_a_broken_settings_file_is_shown_not_a_500(client, store_dir):
    (store_dir / "gates.toml").write_text("[gates]\nmax_yaw = nan\n")
    page = client.get("/settings")
    assert page.status_code == 200 and "The saved settings cannot be used" in message(page.text)
    assert "max_yaw must be a number from 0.5 to 30" in message(page.text)
    assert (store_dir / "gates.toml").read_text() == "[gates]\nmax_yaw = nan\n"  # left until saved or reset
    assert client.post("/settings", headers=O, data={"max_roll": "4"}).status_code == 200


def test_every_capture_setting_says_what_it_is_and_its_range():
    from dataclasses import fields

    from facetrack.capture.gates import GateConfig, setting_of

    for f in fields(GateConfig):
        s = setting_of(f.name)
        assert s.label and s.unit and s.meaning.endswith(".") and s.low < s.high, f.name
        assert s.low <= getattr(GateConfig(), f.name) <= s.high
        assert s.label[0].isupper() and "_" not in s.label and "_" not in s.meaning  # words, not names
    with pytest.raises(KeyError):
        setting_of("max_wobble")


@pytest.mark.parametrize("given, words", [
    (["--gate", "max_yaw=nan"], "max_yaw must be a number from 0.5 to 30 (degrees) but got nan"),
    (["--gate", "min_brightness=250"], "min_brightness must be below max_brightness but got 250.0 and 200.0"),
    ("[gates]\nplain_background = -3\n", "plain_background must be 0, 1 or 2"),
    ("[gates]\nmax_yaw = \"wide\"\n", "max_yaw must be a number from 0.5 to 30 (degrees) but got 'wide'"),
    ("[gates]\nmax_yaw = inf\n", "but got inf"),
])
def test_facetrack_capture_checks_its_settings_the_same_way(tmp_path, given, words):
    from facetrack.cli import main

    args = given
    if isinstance(given, str):
        (tmp_path / "gates.toml").write_text(given)
        args = ["--config", str(tmp_path / "gates.toml")]
    result = CliRunner().invoke(main, ["capture", "--video", str(tmp_path / "none.mp4"), "--no-preview",
                                       "--data-dir", str(tmp_path / "store"), *args])
    assert result.exit_code in (1, 2) and words in result.output and "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if "rror" in line] != []


# 6. no 500 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, path, signed, status", [
    ("GET", "/photos?token=%FF", False, 403),
    ("GET", "/photos?token=%C3%A9t%C3%A9", False, 403),
    ("GET", "/photo/99999999999999999999999999", True, 404),
    ("GET", "/thumb/9223372036854775808", True, 404),
    ("GET", "/capture/result/9223372036854775808", True, 404),
    ("POST", "/delete/99999999999999999999", True, 404),
    ("POST", "/baseline/9223372036854775808", True, 404),
    ("GET", "/compare?a=%C2%B2&b=99999999999999999999999", True, 200),
    ("GET", "/photos?profile=%FF", True, 400),
    ("GET", "/download/%FF", True, 404),
])
def test_requests_that_gave_500s_are_4xx_with_a_sentence(store_dir, measurer, method, path, signed, status):
    app, c = make_client(store_dir, measurer)
    with c:
        if signed:
            c.get("/photos?token=secret-token")
        answer = c.request(method, path, headers=O)
    app.close()
    assert answer.status_code == status, answer.text
    assert "content-security-policy" in answer.headers
    if status != 200:
        assert answer.text.strip() and "\n" not in answer.text.strip() or message(answer.text)


@pytest.mark.parametrize("port", ["99999", "-1", "0", "65536", "http"])
def test_a_port_outside_1_to_65535_is_one_line(port, tmp_path):
    from facetrack.cli import main

    result = CliRunner().invoke(main, ["app", "--no-browser", "--port", port, "--data-dir", str(tmp_path)])
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 2 and len(errors) == 1 and "--port" in errors[0], result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (OSError, OverflowError))


# notes: the token's redirect and repeated headers --------------------------------------------------
@pytest.mark.parametrize("path, location", [
    ("//evil.com/x", "/evil.com/x"),
    ("/\\evil.com/x", "/evil.com/x"),
    ("/%5C%5Cevil.com", "/evil.com"),
    ("/%09/evil.com", "/%09/evil.com"),
    ("///evil.com", "/evil.com"),
    ("/photos", "/photos"),
])
def test_the_tokens_redirect_stays_on_the_app(store_dir, measurer, path, location):
    app, c = make_client(store_dir, measurer)
    with c:
        answer = c.get(f"{ORIGIN}{path}?token=secret-token&profile=demo", follow_redirects=False)
    app.close()
    assert answer.status_code == 303 and answer.headers["location"] == f"{location}?profile=demo"


@pytest.mark.parametrize("name, values", [
    ("origin", [ORIGIN, "http://evil.example"]),
    ("origin", [ORIGIN, ORIGIN]),
    ("cookie", ["facetrack_token=nothing", "facetrack_token=secret-token"]),
    ("host", [f"127.0.0.1:{PORT}", "evil.example"]),
    ("referer", [f"{ORIGIN}/photos", "http://evil.example/"]),
])
def test_a_request_repeating_origin_cookie_host_or_referer_is_refused(client, store_dir, name, values):
    before = snapshot(store_dir)
    headers = [(name, v) for v in values] + [(k, v) for k, v in O.items() if k != name]
    answer = client.post("/baseline/3", headers=headers)
    assert answer.status_code == 400 and answer.text == f"refused: the request gives the {name} header more than once\n"
    assert snapshot(store_dir) == before
