"""`facetrack app` in a real browser: Debian's Chromium driven by Playwright, against the real
server process on 127.0.0.1.

Without Chromium the tests that need it skip, naming the command that enables them
(`sudo apt-get install chromium`). ``.ci/run`` installs it and sets FACETRACK_REQUIRE_BROWSER=1,
which turns those skips into failures: CI always runs them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRE_BROWSER = "FACETRACK_REQUIRE_BROWSER"
ENABLE = "sudo apt-get install chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def needs_chromium(executable: str = CHROMIUM, environ=os.environ) -> str:
    """The Chromium to drive; without one, skip with the command that installs it (fail where
    $FACETRACK_REQUIRE_BROWSER=1, as in CI)."""
    if Path(executable).exists():
        return executable
    reason = f"no Chromium at {executable}: `{ENABLE}` enables the browser tests"
    if environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason} (${REQUIRE_BROWSER}=1: they must run here)", pytrace=False)
    pytest.skip(reason)


def test_without_chromium_the_browser_tests_skip_naming_the_command(tmp_path):
    with pytest.raises(pytest.skip.Exception, match=f"`{ENABLE}`"):
        needs_chromium(str(tmp_path / "chromium"), environ={})


def test_where_the_browser_is_required_a_missing_chromium_fails(tmp_path):
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_BROWSER}=1"):
        needs_chromium(str(tmp_path / "chromium"), environ={REQUIRE_BROWSER: "1"})


@pytest.fixture(scope="module")
def server(demo_dir, tmp_path_factory):
    """The app on a copy of the demo store; yields (url with its token, process)."""
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
    needs_chromium()  # before anything launches a browser
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
    page.wait_for_function("() => { const img = document.querySelector('.card img'); "
                           "return img.complete && img.naturalWidth == 240; }")  # a thumbnail, by id


def test_the_trends_page_renders_the_demo(page, server):
    page.goto(server[0].split("/photos")[0] + "/trends")
    assert "12 captures" in page.locator("#summary").inner_text()
    from facetrack.metrics import HEADLINE, SILHOUETTE, SKIN
    from facetrack.store import Store

    with Store.open(server[2], read_only_ok=True) as store:
        captures = store.captures("demo")
    # the headline metrics, the first three silhouette widths and the skin, each where the demo has values
    shown = [m for m in (*HEADLINE, *(m.name for m in SILHOUETTE[:3]), *(m.name for m in SKIN))
             if any(m in c.metrics for c in captures)]
    assert len(shown) >= 9  # the demo, in front of a plain door, has its silhouette values
    assert page.locator("svg.panel").count() == len(shown)
    points = sum(sum(name in c.metrics for c in captures) for name in shown)
    assert page.locator("svg.panel .point").count() == points
    assert page.locator("table tr").count() > 20  # one row per metric


def test_hovering_a_point_shows_its_date_value_spread_and_photo(page, server):
    from facetrack.report.svg_chart import reading
    from facetrack.store import Store

    with Store.open(server[2], read_only_ok=True) as store:
        last = store.captures("demo")[-1]
    page.goto(server[0].split("/photos")[0] + "/trends")
    page.wait_for_selector("body[data-hover=ready]", state="attached")
    tip = page.locator("#tip")
    assert tip.is_hidden()
    dot = page.locator(f'svg[data-metric="midface_width_ratio"] .point[data-capture="{last.id}"]')
    dot.hover()
    assert tip.is_visible()
    value = last.metrics["midface_width_ratio"]
    shown = reading(value.value, value.spread, "midface_width_ratio")
    assert tip.inner_text().split("\n") == ["Mid-face width", f"Photo of {last.taken_at.date()}", shown]
    assert re.fullmatch(r"\d+\.\d ± \d+\.\d % of eye spacing", shown), shown  # "207.6 ± 2.1 % of eye spacing"
    assert shown.startswith(f"{value.value * 100:.1f} ± ")
    page.wait_for_function("() => { const i = document.querySelector('#tip img'); "
                           "return i.complete && i.naturalWidth == 240; }")
    box, spot = tip.bounding_box(), dot.bounding_box()
    assert abs(box["y"] - spot["y"]) < 40 and box["x"] + box["width"] <= 1280  # beside the point, on screen
    page.mouse.move(1, 1)
    assert tip.is_hidden()
    page.locator('svg[data-metric="jaw_angle_mean"] .point').first.focus()  # the keyboard reaches it too
    assert tip.is_visible() and "Jaw angle (mean)" in tip.inner_text()


def test_no_page_breaks_its_own_content_policy(browser, server):
    """Every script, style and image comes from the app itself: no console error on any page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    errors = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(server[0])
        for path in ("/photos", "/trends", "/compare", "/report", "/settings"):
            tab.goto(server[0].split("/photos")[0] + path)
            tab.wait_for_load_state("load")
    finally:
        context.close()
    assert errors == []


def test_before_after_shows_the_two_aligned_captures(page, server):
    page.goto(server[0].split("/photos")[0] + "/compare?a=1&b=12")
    for image in ("#pair", "#flicker", "#slider img.before", "#slider img.after"):  # each from its own address
        page.locator(image).scroll_into_view_if_needed()
        page.wait_for_function(f"() => {{ const i = document.querySelector('{image}'); "
                               "return i.complete && i.naturalWidth > 100; }", timeout=30_000)
    assert "beyond noise" in page.locator("#pair-table").inner_text()


def test_the_slider_reveals_the_after_photo_by_mouse_and_keyboard(page, server):
    page.goto(server[0].split("/photos")[0] + "/compare?a=1&b=12")
    slider, after = page.locator("#reveal"), page.locator("#slider img.after")
    clip = "img => getComputedStyle(img).clipPath"
    assert "50%" in after.evaluate(clip)
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)  # drag the handle to the left: more of the after photo
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.1, y, steps=5)
    page.mouse.up()
    assert int(slider.input_value()) < 20 and f"{slider.input_value()}%" in after.evaluate(clip)
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert f"{slider.input_value()}%" in after.evaluate(clip)


def test_the_timelapse_plays_in_the_page_and_downloads(page, server):
    page.goto(server[0].split("/photos")[0] + "/compare")
    page.locator("#timelapse").scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('#timelapse'); "
                           "return i.complete && i.naturalWidth > 100; }", timeout=60_000)
    with page.expect_download() as download:
        page.click("text=Download the time-lapse as a video (MP4)")
    assert download.value.suggested_filename.endswith("timelapse.mp4")


PAGES = ("/welcome", "/photos", "/trends", "/compare", "/report", "/settings")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_no_page_shows_an_internal_name(page, server):
    """What a person reads (inner_text: a closed "Technical details" is not read) holds no
    internal name and no bare unit."""
    for path in PAGES:
        page.goto(server[0].split("/photos")[0] + path + ("?profile=demo" if path != "/welcome" else ""))
        text = page.inner_text("body")
        assert not SNAKE.findall(text), (path, SNAKE.findall(text))
        for bare in (r"\bratio\b", r"MDC95", r"\bnan\b", r"\^2", r"\de-\d"):
            assert not re.search(bare, text), (path, bare)
        assert page.locator("#due").is_visible(), path  # when the next weekly photo is due


def test_upload_imports_a_photo_and_refuses_a_non_image(page, astronaut, tmp_path):
    photo, text = tmp_path / "new.jpg", tmp_path / "notes.txt"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    text.write_text("not a photo")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("input[type=submit]")
    # not the demo's man: the page asks, and imports it once the user says it is the same person
    said(page, "refused new.jpg: the face does not look like the person in this profile's")
    assert "Is new.jpg a photo of the same person" in page.locator("#same-person").inner_text()
    assert page.locator(".card").count() == 12
    page.set_input_files("input[name=photos]", str(photo))
    page.click("input[type=submit]")
    said(page, "imported new.jpg as the photo of")
    assert page.locator(".card").count() == 13
    page.set_input_files("input[name=photos]", str(text))
    page.click("input[type=submit]")
    said(page, "refused notes.txt: is not an image facetrack can read")


def webcam_frame(index: int) -> np.ndarray:
    """Frame ``index`` of the vendored webcam clip (RGB): the demo's man, from another camera."""
    from videos import WEBCAM_CLIP

    cap = cv2.VideoCapture(str(WEBCAM_CLIP))
    for _ in range(index + 1):
        ok, bgr = cap.read()
    cap.release()
    assert ok
    return np.ascontiguousarray(bgr[..., ::-1])


def said(page, words: str) -> None:
    """Wait for the page's message to hold ``words`` (the upload's answer replaces the page)."""
    page.wait_for_function("w => { const m = document.getElementById('message'); "
                           "return m !== null && m.innerText.includes(w); }", arg=words, timeout=60_000)


def test_dropping_a_photo_on_the_page_imports_it(page):
    """Drag and drop: the dropped file goes through the same upload as the file picker."""
    import base64

    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(webcam_frame(5), cv2.COLOR_RGB2BGR))  # the demo's man
    before = page.locator(".card").count()
    transfer = page.evaluate_handle(
        """b64 => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                    const t = new DataTransfer(); t.items.add(new File([bytes], "dropped.jpg", {type: "image/jpeg"}));
                    return t; }""", base64.b64encode(jpeg.tobytes()).decode())
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#review:not([hidden])")  # its date shown first, as for the picker's
    assert "dropped.jpg" in page.locator("#dates").inner_text()
    page.click("#upload input[type=submit]")
    said(page, "imported dropped.jpg as the photo of")
    assert page.locator(".card").count() == before + 1


def test_at_phone_width_no_page_scrolls_sideways_and_the_verdict_shows(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(server[0])
        for path in PAGES:
            tab.goto(server[0].split("/photos")[0] + path)
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390, path
        for path, table in (("/trends", "#trend-table"), ("/compare", "#pair-table")):
            tab.goto(server[0].split("/photos")[0] + path)
            row = tab.locator(f"{table} tr[data-metric]").first
            verdict = row.locator("td.verdict")
            verdict.scroll_into_view_if_needed()
            box, first = verdict.bounding_box(), row.locator("td").first
            assert verdict.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390, path
            assert first.get_attribute("data-label") == "verdict"  # the verdict first
            assert verdict.inner_text() in ("beyond noise", "within noise", "cannot tell", "not measured",
                                            "too few photos")
    finally:
        context.close()


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
def fake_camera(tmp_path_factory, webcam_clip):
    """The real webcam clip, its neutral part looped to 4 s, as the browser's camera."""
    from common import long_neutral_webcam_clip

    from facetrack.capture.sources import video_frames

    folder = tmp_path_factory.mktemp("camera")
    avi = long_neutral_webcam_clip(webcam_clip, folder / "neutral.avi")
    frames = [f.image for f in video_frames(avi)]
    cv2.imwrite(str(folder / "first.png"), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    return write_y4m(frames, folder / "camera.y4m")


@pytest.fixture
def camera_tab(playwright, server, fake_camera):
    """A signed-in page of a Chromium whose camera plays the real webcam clip."""
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                   args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                         f"--use-file-for-fake-video-capture={fake_camera}"])
    try:
        tab = b.new_context(viewport={"width": 1280, "height": 800}).new_page()
        tab.goto(server[0])
        yield tab
    finally:
        b.close()


def test_the_capture_page_guides_captures_and_stores(camera_tab, server, fake_camera):
    """Chromium's fake camera plays a real face: the page shows the overlay, captures by itself,
    stores the capture and shows it against last time."""
    url, _, root = server
    # an earlier capture of the same man (a frame of the clip, imported): the one to compare with
    earlier = fake_camera.with_name("first.png")
    done = subprocess.run([sys.executable, "-m", "facetrack.cli", "import", str(earlier), "--profile", "webcam",
                           "--data-dir", str(root), "--taken-at", "2026-01-05T09:00"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    camera_tab.goto(url.split("/photos")[0] + "/capture?profile=webcam")
    camera_tab.wait_for_function("() => location.pathname.startsWith('/capture/result/') || "
                                 "document.body.dataset.capture === 'failed'", timeout=90_000)
    text = camera_tab.locator("main").inner_text()
    assert "Captured: the photo of " in text and "Against last time" in text, text
    assert "within noise" in text or "beyond noise" in text


def test_the_cancel_button_ends_the_capture_and_stores_nothing(camera_tab, server):
    from facetrack.store import Store

    url, _, root = server
    camera_tab.goto(url.split("/photos")[0] + "/capture?profile=cancelled")
    camera_tab.wait_for_selector("#buttons:not([hidden])", timeout=30_000)
    camera_tab.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")  # guiding
    camera_tab.click("#cancel")
    camera_tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=30_000)
    assert camera_tab.locator("#status").inner_text() == "No photo was taken."
    assert camera_tab.locator("#advice").inner_text() == "cancelled: nothing was stored"
    with Store.open(root, read_only_ok=True) as store:
        assert store.captures("cancelled") == []


def test_without_a_camera_the_page_says_so_and_offers_upload(browser, server):
    context = browser.new_context()  # headless Chromium without a fake device: no camera
    try:
        tab = context.new_page()
        tab.goto(server[0])
        tab.goto(server[0].split("/photos")[0] + "/capture")
        tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=15_000)
        from facetrack.capture.advice import camera_problem

        assert tab.locator("#advice").inner_text() == camera_problem("NotFoundError")  # the sentence and its fix
        assert tab.locator("#fallback").is_visible() and tab.locator("#fallback a").get_attribute("href") == "/photos"
        assert tab.locator("#again").is_visible()
    finally:
        context.close()


@pytest.fixture(scope="module")
def smiling_camera(tmp_path_factory, webcam_clip):
    """The real webcam clip's smile (frames 20 on, which never pass the checks) as the browser's camera."""
    from facetrack.capture.sources import video_frames

    frames = [f.image for f in video_frames(webcam_clip)][20:]
    return write_y4m(frames, tmp_path_factory.mktemp("smiling") / "camera.y4m")


def test_a_capture_that_cannot_pass_ends_with_a_plain_sentence_and_a_working_try_again(playwright, server,
                                                                                       smiling_camera):
    """While it runs the page shows the instruction, every check and the time left; a smile that never
    relaxes ends the capture once nothing improves (20 s, well before the 120 s limit) with one plain
    sentence, the details apart, and Try again starts a new capture without reloading."""
    import re

    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                   args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                         f"--use-file-for-fake-video-capture={smiling_camera}"])
    try:
        tab = b.new_context(viewport={"width": 1280, "height": 800}).new_page()
        tab.goto(server[0])
        tab.goto(server[0].split("/photos")[0] + "/capture?profile=smiling")
        tab.wait_for_function("() => !document.getElementById('checks').hidden", timeout=30_000)
        assert tab.locator("#instruction").inner_text()
        assert tab.locator("#checks li").count() >= 10 and tab.locator("#checks li.unmet").count() >= 1
        assert "Gives up in" in tab.locator("#left").inner_text()
        started = time.monotonic()
        tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=90_000)
        assert time.monotonic() - started < 60  # the early stop, not the 120 s limit
        advice = tab.locator("#advice").inner_text()
        assert "smil" in advice and advice.endswith("try again."), advice
        visible = tab.locator("main").inner_text()
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", visible), visible  # the details stay folded away
        assert tab.locator("#support").is_visible() and not tab.locator("#details").is_visible()
        tab.click("#again")
        tab.wait_for_function("() => document.body.dataset.capture === 'running' && "
                              "!document.getElementById('instruction').hidden", timeout=30_000)
        assert tab.locator("#failed").is_hidden()
        tab.click("#cancel")
        tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=30_000)
    finally:
        b.close()


def test_chosen_photos_show_their_dates_before_importing_and_a_corrected_one_is_kept(page, server, tmp_path):
    """The camera's date (EXIF) of a chosen photo, else the file's own date, is shown in an editable
    field before anything is imported; the date the user leaves there is the capture's date."""
    import datetime as dt
    import os

    from PIL import Image

    from facetrack.store import Store

    url, _, root = server
    with_exif, without = tmp_path / "camera.jpg", tmp_path / "scan.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2025:10:20 08:30:00"  # DateTimeOriginal
    Image.fromarray(webcam_frame(11)).save(with_exif, exif=exif)  # the demo's man; photos no other test uploads
    Image.fromarray(webcam_frame(13)).save(without)
    stamp = dt.datetime(2025, 9, 14, 10, 0).timestamp()
    os.utime(without, (stamp, stamp))  # the file's own date
    page.goto(url.split("/photos")[0] + "/photos?profile=demo")  # earlier tests captured into other profiles
    page.set_input_files("#upload input[type=file]", [str(with_exif), str(without)])
    page.wait_for_selector("#review:not([hidden])")
    fields = page.locator("#dates input[type=date]")
    assert [fields.nth(i).input_value() for i in range(2)] == ["2025-10-20", "2025-09-14"]
    assert "camera.jpg" in page.locator("#dates").inner_text()
    fields.nth(1).fill("2025-09-01")  # the user corrects the scan's date
    with Store.open(root, read_only_ok=True) as store:
        before = {c.id for c in store.captures("demo")}
    page.click("#upload input[type=submit]")
    said(page, "imported camera.jpg as the photo of")
    with Store.open(root, read_only_ok=True) as store:
        new = sorted((c for c in store.captures("demo") if c.id not in before), key=lambda c: c.id)
    assert [c.taken_at for c in new] == [dt.datetime(2025, 10, 20, 8, 30), dt.datetime(2025, 9, 1, 12)]
    assert page.url.endswith("/photos")


def test_ctrl_c_ends_the_server_cleanly(server):
    url, proc, _ = server
    proc.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    while proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert proc.returncode == 0, proc.stderr.read()
    assert "Traceback" not in proc.stderr.read()

