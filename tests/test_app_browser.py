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
    yield url, proc, root
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
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


def write_y4m(frames, path: Path, fps: int = 30) -> Path:
    """A raw video Chromium's fake camera plays (I420), from RGB frames."""
    h, w = frames[0].shape[:2]
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            fh.write(b"FRAME\n")
            fh.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory):
    """The real webcam clip, its neutral part looped to 4 s, as the browser's camera."""
    from common import SHARED_DATA, long_neutral_webcam_clip

    from facetrack.capture.sources import video_frames

    clip = SHARED_DATA / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"needs the real webcam clip {clip} (../shared/data beside the project); not there")
    folder = tmp_path_factory.mktemp("camera")
    avi = long_neutral_webcam_clip(clip, folder / "neutral.avi")
    frames = [f.image for f in video_frames(avi)]
    cv2.imwrite(str(folder / "first.png"), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    return write_y4m(frames, folder / "camera.y4m")


def test_the_capture_page_guides_captures_and_stores(playwright, server, fake_camera):
    """Chromium's fake camera plays a real face: the page shows the overlay, captures by itself,
    stores the capture and shows it against last time."""
    url, _, root = server
    # an earlier capture of the same man (a frame of the clip, imported): the one to compare with
    earlier = fake_camera.with_name("first.png")
    done = subprocess.run([sys.executable, "-m", "facetrack.cli", "import", str(earlier), "--profile", "webcam",
                           "--data-dir", str(root), "--taken-at", "2026-01-05T09:00"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                   args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                         f"--use-file-for-fake-video-capture={fake_camera}"])
    try:
        tab = b.new_context(viewport={"width": 1280, "height": 800}).new_page()
        tab.goto(url)
        tab.goto(url.split("/photos")[0] + "/capture?profile=webcam")
        tab.wait_for_function("location.pathname.startsWith('/capture/result/') || "
                              "document.getElementById('status').textContent.startsWith('No capture')",
                              timeout=90_000)
        text = tab.locator("main").inner_text()
    finally:
        b.close()
    assert "Captured: capture" in text and "Against last time" in text, text
    assert "within noise" in text or "beyond noise" in text


def test_without_a_camera_the_page_says_so_and_offers_upload(browser, server):
    context = browser.new_context()  # headless Chromium without a fake device: no camera
    try:
        tab = context.new_page()
        tab.goto(server[0])
        tab.goto(server[0].split("/photos")[0] + "/capture")
        tab.wait_for_function("document.getElementById('status').textContent.startsWith('No camera')",
                              timeout=15_000)
        assert tab.locator("#fallback a").get_attribute("href") == "/photos"
    finally:
        context.close()


def test_ctrl_c_ends_the_server_cleanly(server):
    url, proc, _ = server
    proc.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    while proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert proc.returncode == 0, proc.stderr.read()
    assert "Traceback" not in proc.stderr.read()
