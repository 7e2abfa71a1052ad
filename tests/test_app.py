"""`facetrack app`: the local web page over the library. Its guard (host, origin, per-launch
token), and each page doing what the CLI does, through Starlette's test client."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from starlette.testclient import TestClient

from facetrack.app.server import create_app
from facetrack.metrics import ALL_METRICS, REGISTRY, get_metric
from facetrack.store import Store

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"



@pytest.fixture
def client(store_dir, measurer):
    app = create_app(store_dir, profile="demo", port=PORT, token="secret-token", measurer_factory=lambda: measurer)
    with TestClient(app, base_url=ORIGIN) as c:
        yield c


def signed_in(client):
    first = client.get("/photos?token=secret-token", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/photos"
    assert "HttpOnly" in first.headers["set-cookie"] and "SameSite=Strict" in first.headers["set-cookie"]
    return client


def test_the_per_launch_token_is_needed(client):
    assert client.get("/photos").status_code == 403
    assert client.get("/photos?token=wrong").status_code == 403
    assert signed_in(client).get("/photos").status_code == 200  # the cookie from now on


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1:9999", "192.168.1.5:8765"])
def test_another_host_is_refused_dns_rebinding(client, host):
    signed_in(client)
    assert client.get("/photos", headers={"host": host}).status_code == 421


def test_changes_need_the_apps_own_origin(client):
    signed_in(client)
    assert client.post("/baseline/3", headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/baseline/3").status_code == 403  # no origin, no referer
    ok = client.post("/baseline/3", headers={"origin": ORIGIN}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].startswith("/photos?note=")  # a page to reload
    for _ in range(2):  # reloading it shows the same page and sentence, and changes nothing
        page = client.get(ok.headers["location"]).text
        assert "The photo of " in page and "is now the baseline" in page
    card = re.search(r'<div class="card" id="capture-3">.*?</div>', page, re.S).group(0)
    assert "<b>baseline</b>" in card


def test_photos_page_lists_the_captures_and_serves_images_by_id_only(client, store_dir):
    signed_in(client)
    page = client.get("/photos").text
    with Store.open(store_dir) as store:
        ids = [c.id for c in store.captures("demo")]
    assert [int(i) for i in re.findall(r'id="capture-(\d+)"', page)] == ids
    image = client.get(f"/photo/{ids[0]}")
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    assert client.get("/photo/9999").status_code == 404
    assert client.get("/photo/..%2Ffacetrack.db").status_code == 404  # no path reaches the files
    thumb = client.get(f"/thumb/{ids[0]}")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    small = cv2.imdecode(np.frombuffer(thumb.content, np.uint8), cv2.IMREAD_COLOR)
    width = cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_COLOR).shape[1]
    # fewer bytes than the photo by at least the ratio of the widths (its pixels shrink by its square)
    assert small.shape[1] == 240 and len(thumb.content) < len(image.content) * 240 / width
    assert client.get("/thumb/9999").status_code == 404


@pytest.mark.parametrize("path, signed", [("/photos", True), ("/trends", True), ("/photos", False)])
def test_every_answer_keeps_the_page_to_the_app_itself(client, path, signed):
    if signed:
        signed_in(client)
    answer = client.get(path)
    assert answer.status_code == (200 if signed else 403)
    policy = dict(part.strip().split(" ", 1) for part in answer.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and "http" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


POINT = re.compile(r'<g class="point" tabindex="0" data-capture="(\d+)" data-date="([\d-]+)" data-value="([^"]+)" '
                   r'data-spread="([^"]*)" data-label="([^"]+)" data-units="([^"]+)"')


def points_on(page: str) -> dict[str, list[tuple]]:
    """Each panel's points on a trends page: {metric: [(capture, date, value, spread, label, units)]}."""
    out = {}
    for panel in re.finditer(r'<svg class="panel"[^>]*data-metric="(\w+)"(.*?)</svg>', page, re.S):
        out[panel.group(1)] = POINT.findall(panel.group(2))
    return out


def test_the_trends_page_carries_each_points_hover_data(client, store_dir):
    signed_in(client)
    trends = client.get("/trends").text
    panels = points_on(trends)
    assert list(panels) == ["jaw_angle_mean", "bigonial_bizygomatic_ratio", "cheek_fullness_left",
                            "cheek_fullness_right", "midface_width_ratio", "asymmetry_index",
                            "silhouette_width_40", "silhouette_width_55", "silhouette_width_70",
                            "skin_lightness", "skin_redness", "skin_redness_contrast", "skin_evenness"]  # grouped
    assert [h for h in re.findall(r"<h2>(.*?)</h2>", trends)][:3] == ["Jaw", "Mid-face", "Symmetry"]
    with Store.open(store_dir) as store:
        captures = {c.id: c for c in store.captures("demo")}
    for name, points in panels.items():
        assert [int(p[0]) for p in points] == list(captures)
        for cid, date, value, spread, label, units in points:
            stored = captures[int(cid)].metrics[name]
            assert float(value) == pytest.approx(stored.value, rel=1e-3)
            assert float(spread) == pytest.approx(stored.spread or 0.0, rel=1e-3)  # one photo's skin: no spread
            assert date == captures[int(cid)].taken_at.date().isoformat() and units == get_metric(name).units
            assert label == get_metric(name).label
    every = points_on(client.get("/trends?all=1").text)
    with_values = {m.name for m in ALL_METRICS if any(m.name in c.metrics for c in captures.values())}
    assert set(every) == with_values and len(every) >= 25  # every metric with values (the demo's silhouette too)


def test_upload_imports_through_the_same_path_and_refuses_a_non_image(client, store_dir, astronaut, tmp_path):
    signed_in(client)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    good = client.post("/upload?same_person=yes", headers={"origin": ORIGIN},  # not the demo's man: confirmed
                       files=[("photos", ("me.jpg", buf.tobytes(), "image/jpeg"))])
    assert good.status_code == 200 and "imported me.jpg as the photo of " in good.text
    bad = client.post("/upload", headers={"origin": ORIGIN},
                      files=[("photos", ("notes.txt", b"not a photo", "text/plain"))])
    assert bad.status_code == 400 and "refused notes.txt: is not an image facetrack can read" in bad.text
    with Store.open(store_dir) as store:
        assert len(store.captures("demo")) == 13


def test_delete_removes_the_capture(client, store_dir):
    signed_in(client)
    assert client.post("/delete/12", headers={"origin": ORIGIN}, follow_redirects=False).status_code == 303
    with Store.open(store_dir) as store:
        assert 12 not in [c.id for c in store.captures("demo")]
    assert client.post("/delete/999", headers={"origin": ORIGIN}).status_code == 400


def test_trends_compare_and_downloads(client):
    signed_in(client)
    trends = client.get("/trends").text
    assert "<svg" in trends and "cheek_fullness_left" in trends
    summary = re.search(r'<p id="summary">(.*?)</p>', trends).group(1)
    assert "Mid-face width rose" in summary and "more than the noise" in summary  # the demo's widening
    assert "Cheek fullness (left)" in trends  # plain-language names, the key beside them
    pair = client.get("/compare?a=1&b=12").text
    assert 'id="pair"' in pair and "beyond noise" in pair
    report = client.get("/download/report.html")
    assert report.status_code == 200 and report.text.lower().startswith("<!doctype html>")
    csv = client.get("/download/captures.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 13
    assert client.get("/download/../../etc/passwd").status_code == 404


def test_the_trends_page_follows_every_change(client):
    def chart():
        page = client.get("/trends").text
        return page[page.index("<svg"):page.rindex("</svg>")], {int(p[0]) for p in points_on(page)["jaw_angle_mean"]}

    signed_in(client)
    first, shown = chart()
    assert chart()[0] == first and 12 in shown
    client.post("/baseline/3", headers={"origin": ORIGIN})
    moved, _ = chart()
    assert moved != first  # the baseline line and the noise band moved
    client.post("/delete/12", headers={"origin": ORIGIN})
    assert 12 not in chart()[1]


def test_a_bad_profile_name_is_one_refusal(client):
    signed_in(client)
    bad = client.get("/photos?profile=../../etc")
    assert bad.status_code == 400 and bad.text.startswith("refused: invalid profile name")


def test_settings_are_saved_checked_and_reset(client, store_dir):
    from facetrack.capture.gates import GateConfig

    signed_in(client)
    page = client.get("/settings").text
    assert 'name="max_yaw"' in page and "default 5" in page
    saved = client.post("/settings", headers={"origin": ORIGIN}, data={"max_yaw": "4", "max_pitch": "6"})
    assert saved.status_code == 200 and "Saved: the next capture uses these settings." in saved.text
    config = GateConfig.from_toml(store_dir / "gates.toml")
    assert (config.max_yaw, config.max_pitch, config.max_roll) == (4.0, 6.0, 5.0)
    bad = client.post("/settings", headers={"origin": ORIGIN}, data={"max_yaw": "wide"})
    from html import unescape

    assert bad.status_code == 400 and "not saved: Head turned sideways must be a number from 0.5 to 30 (degrees) " \
        "but got 'wide'." in unescape(bad.text)
    assert GateConfig.from_toml(store_dir / "gates.toml").max_yaw == 4.0  # unchanged by the refusal
    assert client.post("/settings/reset", headers={"origin": ORIGIN}).status_code == 200
    assert not (store_dir / "gates.toml").exists()



def start_capture(client, profile="webcam"):
    """A new capture, as the capture page starts it; its session id."""
    answer = client.post(f"/capture/start?profile={profile}", headers={"origin": ORIGIN})
    assert answer.status_code == 200, answer.text
    return answer.json()["session"]


def send_frames(client, jpegs, start=0, *, session):
    """Frames to the capture ``session`` until one answer is not an overlay; that answer (or None)."""
    for i, jpeg in enumerate(jpegs, start):
        answer = client.post("/capture/frame", content=jpeg,
                             headers={"origin": ORIGIN, "x-timestamp": str(i * 33), "x-index": str(i),
                                      "x-session": session})
        if not answer.headers["content-type"].startswith("image/jpeg"):
            return answer.json()
    return None


def test_the_capture_buttons_are_the_cli_previews_keys(client, store_dir, webcam_jpegs):
    """Cancel (Esc) stores nothing; Capture now (Space) takes the next burst whatever the checks say."""
    signed_in(client)
    origin = {"origin": ORIGIN}
    assert client.post("/capture/now", headers=origin).status_code == 409  # no capture running
    with Store.open(store_dir) as store:
        before = len(store.captures("webcam"))
    session = start_capture(client)
    assert send_frames(client, webcam_jpegs[:3], session=session) is None  # guiding
    pressed = client.post("/capture/cancel", headers={**origin, "x-session": session})
    assert pressed.json() == {"pressed": "cancel"}
    assert send_frames(client, webcam_jpegs[3:6], 3, session=session) == {"error": "cancelled: nothing was stored"}
    with Store.open(store_dir) as store:
        assert len(store.captures("webcam")) == before
    # the clip's smile (frames 20 on) never passes the checks: only the button can capture it
    session = start_capture(client)
    assert send_frames(client, webcam_jpegs[30:32], 30, session=session) is None
    client.post("/capture/now", headers={**origin, "x-session": session})
    outcome = send_frames(client, webcam_jpegs[32:], 32, session=session)
    assert outcome is not None and "capture" in outcome, outcome
    with Store.open(store_dir) as store:
        (made,) = [c for c in store.captures("webcam") if c.id == outcome["capture"]]
    assert made.quality.manual is True and "no_smile" in made.quality.failed_gates
    card = client.get("/photos?profile=webcam").text.split(f'id="capture-{made.id}"')[1].split('class="card"')[0]
    assert "manual (" in card and "no_smile" in card  # the photos page says how it was taken


SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_each_frame_answer_carries_the_instruction_every_check_and_the_time_left(client, webcam_jpegs):
    """The capture page shows what to do now, every check met or not in plain words, and how long is left."""
    import json

    signed_in(client)
    session = start_capture(client)
    answer = client.post("/capture/frame", content=webcam_jpegs[0],
                         headers={"origin": ORIGIN, "x-timestamp": "0", "x-index": "0", "x-session": session})
    assert answer.headers["content-type"].startswith("image/jpeg")
    guidance = json.loads(answer.headers["x-guidance"])
    assert guidance["instruction"] and not SNAKE.search(guidance["instruction"])
    assert len(guidance["checks"]) >= 10
    assert all(isinstance(c["label"], str) and not SNAKE.search(c["label"]) and c["met"] in (True, False, None)
               for c in guidance["checks"])
    assert 0 < guidance["seconds_left"] <= 20  # the page's capture gives up after 20 s without progress
    client.post("/capture/cancel", headers={"origin": ORIGIN, "x-session": session})


def test_a_capture_that_cannot_pass_stops_early_with_one_plain_sentence_and_its_details(client, store_dir,
                                                                                         webcam_jpegs):
    """The smiling end of the real clip, over and over: the capture stops once nothing has improved for
    20 s of frames (not at the 120 s limit), with a plain sentence and the details for support apart."""
    signed_in(client)
    with Store.open(store_dir) as store:
        before = len(store.captures("webcam"))
    session = start_capture(client)
    smiling = webcam_jpegs[40]
    outcome, sent = None, 0
    for i in range(80):  # 40 s of frames, one every 500 ms
        answer = client.post("/capture/frame", content=smiling,
                             headers={"origin": ORIGIN, "x-timestamp": str(i * 500), "x-index": str(i),
                                      "x-session": session})
        sent = i + 1
        if not answer.headers["content-type"].startswith("image/jpeg"):
            outcome = answer.json()
            break
    assert outcome is not None and "capture" not in outcome
    assert sent <= 45  # 20 s without progress, at 2 frames a second, and a little for the first frames
    assert "smil" in outcome["error"] and outcome["error"].endswith("try again.")
    assert not SNAKE.search(outcome["error"]) and not re.search(r"\d", outcome["error"])
    assert outcome["details"] and outcome["details"] != outcome["error"]
    with Store.open(store_dir) as store:
        assert len(store.captures("webcam")) == before


def dated_upload(photos) -> bytes:
    """A multipart body as the Photos page sends it: each photo's ``date`` just before the photo."""
    parts = []
    for name, data, date in photos:
        parts.append(b'--b\r\nContent-Disposition: form-data; name="date"\r\n\r\n' + date.encode() + b"\r\n")
        parts.append(b'--b\r\nContent-Disposition: form-data; name="photos"; filename="' + name.encode()
                     + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + data + b"\r\n")
    return b"".join(parts) + b"--b--\r\n"


def test_uploaded_photos_take_the_dates_the_page_shows(client, store_dir, astronaut):
    """The page shows each photo's date before importing (its camera date, else the file's) and
    the user may correct it: the date sent with each photo is the capture's date."""
    import datetime as dt

    signed_in(client)
    jpegs = [cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2BGR))[1].tobytes()
             for a in (astronaut, astronaut[:, ::-1])]
    headers = {"origin": ORIGIN, "content-type": "multipart/form-data; boundary=b"}
    with Store.open(store_dir) as store:
        before = {c.id for c in store.captures("demo")}
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for date, why in (("soon", "is not a date"), (tomorrow, "in the future")):
        refused = client.post("/upload", headers=headers, content=dated_upload([("a.jpg", jpegs[0], date)]))
        assert refused.status_code == 400 and why in refused.text
        with Store.open(store_dir) as store:
            assert {c.id for c in store.captures("demo")} == before  # nothing imported
    good = client.post("/upload?same_person=yes", headers=headers,  # not the demo's man: confirmed
                       content=dated_upload([("a.jpg", jpegs[0], "2025-11-03"), ("b.jpg", jpegs[1], "2025-12-01")]))
    assert good.status_code == 200, good.text
    with Store.open(store_dir) as store:
        new = sorted((c for c in store.captures("demo") if c.id not in before), key=lambda c: c.id)
    assert [c.taken_at for c in new] == [dt.datetime(2025, 11, 3, 12), dt.datetime(2025, 12, 1, 12)]

