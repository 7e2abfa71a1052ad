"""`facetrack app` in a real browser: Debian's Chromium driven by Playwright, against the real
server process on 127.0.0.1 (``.ci/run`` installs chromium with apt-get)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(demo_dir, tmp_path_factory):
    """The app on a copy of the demo store; yields (url with its token, process)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (`apt-get install chromium`; .ci/run installs it)")
    root = tmp_path_factory.mktemp("app") / "store"
    shutil.copytree(demo_dir[0], root)
    proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--profile", "demo",
                             "--data-dir", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:") and "token=" in url, proc.stderr.read()
    yield url, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.goto(server[0])  # the printed link: the token becomes a cookie
    yield tab
    context.close()


def test_the_photos_page_shows_every_capture(page):
    assert page.url.endswith("/photos")  # the token left the address bar
    assert page.locator(".card").count() == 12
    assert page.locator(".card img").first.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_trends_page_renders_the_demo(page, server):
    page.goto(server[0].split("/photos")[0] + "/trends")
    assert "12 captures" in page.locator("#summary").inner_text()
    assert page.locator(".figure svg").count() == 1
    assert page.locator("table tr").count() > 20  # one row per metric


def test_before_after_shows_the_two_aligned_captures(page, server):
    page.goto(server[0].split("/photos")[0] + "/compare?a=1&b=12")
    for image in ("#pair", "#flicker"):
        assert page.locator(image).evaluate("img => img.complete && img.naturalWidth > 100")
    assert "beyond noise" in page.locator("table").inner_text()


def test_upload_imports_a_photo_and_refuses_a_non_image(page, astronaut, tmp_path):
    photo, text = tmp_path / "new.jpg", tmp_path / "notes.txt"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    text.write_text("not a photo")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("input[type=submit]")
    assert "imported new.jpg as capture" in page.locator("#message").inner_text()
    assert page.locator(".card").count() == 13
    page.set_input_files("input[name=photos]", str(text))
    page.click("input[type=submit]")
    assert "refused notes.txt: is not an image facetrack can read" in page.locator("#message").inner_text()


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_the_pages_fit_a_desktop_and_a_phone(browser, server, width, height, tmp_path):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        tab = context.new_page()
        tab.goto(server[0])
        for path in ("/photos", "/trends", "/compare", "/report"):
            tab.goto(server[0].split("/photos")[0] + path)
            assert tab.evaluate("document.scrollingElement.scrollWidth") <= width, path  # no sideways scrolling
            tab.screenshot(path=str(tmp_path / f"{path.strip('/')}.png"))
    finally:
        context.close()


def test_ctrl_c_ends_the_server_cleanly(server):
    url, proc = server
    proc.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    while proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert proc.returncode == 0, proc.stderr.read()
    assert "Traceback" not in proc.stderr.read()
