"""`facetrack app`: the local web page over the library. Its guard (host, origin, per-launch
token), and each page doing what the CLI does, through Starlette's test client."""

from __future__ import annotations

import re

import cv2
import pytest
from starlette.testclient import TestClient

from facetrack.app.server import create_app
from facetrack.store import Store

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def store_dir(demo_dir, tmp_path):
    import shutil

    root = tmp_path / "store"
    shutil.copytree(demo_dir[0], root)
    return root


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
    assert ok.status_code == 303
    assert "<b>3</b>" in client.get("/photos").text and "baseline" in client.get("/photos").text


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


def test_upload_imports_through_the_same_path_and_refuses_a_non_image(client, store_dir, astronaut, tmp_path):
    signed_in(client)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    good = client.post("/upload", headers={"origin": ORIGIN},
                       files=[("photos", ("me.jpg", buf.tobytes(), "image/jpeg"))])
    assert good.status_code == 200 and "imported me.jpg as capture" in good.text
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
    assert "<svg" in trends and "Changed beyond noise" in trends and "cheek_fullness_left" in trends
    pair = client.get("/compare?a=1&b=12").text
    assert 'id="pair"' in pair and "beyond noise" in pair
    report = client.get("/download/report.html")
    assert report.status_code == 200 and report.text.lower().startswith("<!doctype html>")
    csv = client.get("/download/captures.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 13
    assert client.get("/download/../../etc/passwd").status_code == 404


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
    assert saved.status_code == 200 and "saved" in saved.text
    config = GateConfig.from_toml(store_dir / "gates.toml")
    assert (config.max_yaw, config.max_pitch, config.max_roll) == (4.0, 6.0, 5.0)
    bad = client.post("/settings", headers={"origin": ORIGIN}, data={"max_yaw": "wide"})
    assert bad.status_code == 400 and "max_yaw=wide" in bad.text and "is not a number" in bad.text
    assert GateConfig.from_toml(store_dir / "gates.toml").max_yaw == 4.0  # unchanged by the refusal
    assert client.post("/settings/reset", headers={"origin": ORIGIN}).status_code == 200
    assert not (store_dir / "gates.toml").exists()
