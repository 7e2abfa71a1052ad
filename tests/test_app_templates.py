"""The app's pages as files: Jinja2 templates in facetrack/app/templates and their style and
scripts in facetrack/app/static, served by the app behind its guard with cache headers, and a
content policy that runs no inline script or style (every page keeps to it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from facetrack.app import pages
from facetrack.app.security import POLICY
from facetrack.app.server import create_app
from facetrack.store import Store
from conftest import signed_in_client

PORT = 8771
ORIGIN = f"http://127.0.0.1:{PORT}"
APP = Path(pages.__file__).parent


@pytest.fixture
def client(store_dir, measurer):
    with signed_in_client(store_dir, measurer, PORT) as c:
        yield c


def every_page(client, store_dir) -> dict[str, str]:
    with Store.open(store_dir, read_only_ok=True) as store:
        last = store.captures("demo")[-1].id
    paths = ["/photos", "/trends", "/trends?all=1", "/compare", "/report", "/settings", "/capture",
             f"/capture/result/{last}?profile=demo"]
    answers = {p: client.get(p) for p in paths}
    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(paths, 200)
    return {p: a.text for p, a in answers.items()}


def test_no_python_module_of_the_app_holds_markup_style_or_script():
    for module in APP.glob("*.py"):
        text = module.read_text(encoding="utf-8").lower()
        for tag in ("<script", "<style", "<!doctype"):
            assert tag not in text, f"{module.name} holds {tag}"


def test_every_page_has_no_inline_script_style_or_handler_and_its_files_exist(client, store_dir):
    for path, page in every_page(client, store_dir).items():
        assert page.startswith("<!doctype html>"), path
        assert "<style" not in page and " style=" not in page, path
        assert not re.search(r"<[^>]*\son[a-z]+=", page), f"{path} has an inline event handler"
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
        assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts), path
        files = re.findall(r'(?:src|href)="/static/([\w.-]+)\?v=([0-9a-f]{12})"', page)
        assert ("app.css" in [f for f, _ in files]) and len(files) == page.count("/static/"), path
        for name, _ in files:
            assert (APP / "static" / name).is_file(), name


def test_the_content_policy_runs_only_the_apps_own_files(client):
    policy = dict(part.strip().split(" ", 1) for part in POLICY.split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in POLICY and "nonce" not in POLICY
    assert client.get("/photos").headers["content-security-policy"] == POLICY


def test_static_files_are_served_with_their_type_and_cache_headers(client):
    page = client.get("/photos").text
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', page).group(1)
    answer = client.get(css)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    assert answer.text == (APP / "static" / "app.css").read_text(encoding="utf-8")
    assert answer.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert answer.headers["content-security-policy"] == POLICY  # the guard's headers, as on every answer
    script = client.get("/static/photos.js")  # without its hash: the browser checks it each time
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "no-cache"
    again = client.get("/static/photos.js", headers={"if-none-match": script.headers["etag"]})
    assert again.status_code == 304


def test_a_changed_file_gets_a_new_address():
    digest = pages.static_url("app.css").rsplit("=", 1)[1]
    import hashlib

    assert digest == hashlib.sha256((APP / "static" / "app.css").read_bytes()).hexdigest()[:12]


@pytest.mark.parametrize("path", ["/static/../security.py", "/static/..%2Fsecurity.py", "/static/%2e%2e/pages.py",
                                  "/static/nothing.js", "/static/", "/static", "/static/app.css%00.py",
                                  "/static/" + "a" * 5000])
def test_no_path_leaves_the_static_folder(client, path):
    answer = client.get(path)
    assert answer.status_code in (404, 405), (path, answer.status_code)
    assert "import" not in answer.text


def test_static_files_need_the_launch_key_like_every_page(store_dir, measurer):
    app = create_app(store_dir, profile="demo", port=PORT, token="secret-token", measurer_factory=lambda: measurer)
    with TestClient(app, base_url=ORIGIN) as stranger:
        assert stranger.get("/static/app.css").status_code == 403
        assert stranger.get("/static/app.css", headers={"host": "evil.example"}).status_code == 421


def test_a_change_to_a_static_file_is_refused(client):
    answer = client.post("/static/app.css", headers={"origin": ORIGIN})
    assert answer.status_code == 405


def test_importing_the_pages_reads_no_template():
    """No work at import time: the environment is made by the first page."""
    code = ("import facetrack.app.pages as p, facetrack.app.routes, sys; "
            "print(p.environment.cache_info().currsize, p.static_url.cache_info().currsize, 'jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "0", "False"]


def test_every_template_is_used_and_extends_the_base():
    names = {getattr(pages, n) for n in ("PHOTOS", "TRENDS", "COMPARE", "REPORT", "RESULT", "SETTINGS", "WELCOME",
                                         "CAPTURE", "MESSAGE", "PHOTO")}
    on_disk = {p.name for p in (APP / "templates").glob("*.html")} - {"base.html"}
    assert names == on_disk
    for name in names:
        assert (APP / "templates" / name).read_text(encoding="utf-8").count('{% extends "base.html" %}') == 1


def test_an_undefined_value_is_refused_not_left_blank():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        pages.render("Report", pages.REPORT, profile="me", profiles=["me"])


def test_a_value_is_escaped(client, store_dir):
    html = pages.render("Welcome", pages.WELCOME, profile="<b>x</b>", profiles=["<b>x</b>"],
                        message="<script>alert(1)</script>")
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<b>x</b>" not in html


def test_before_after_with_one_photo_is_a_page_with_a_sentence(client):
    answer = client.get("/compare?profile=nobody")
    assert answer.status_code == 200 and answer.text.startswith("<!doctype html>")
    assert "<h1>Before / after</h1>" in answer.text and "needs at least two photos" in answer.text
