"""A new user's week in `facetrack app`, in Chromium with the fake camera playing the real webcam
clip: an empty store opens on the welcome page, the first photo is taken with the camera, two
older EXIF-dated photos of the same person (framed closer) are added, a second photo is taken
with the camera a week later and succeeds, then before / after (the slider), the report and the
spreadsheet export. On every
page of the way, what a person reads (``inner_text``: a closed <details> is not read) holds no
internal name.

The server, the browser and the fake camera are set up as in ``test_app_browser`` (copied here,
not imported, so that file's module fixtures, such as its server on the demo, are not shared).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import cv2
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # jaw_angle_left, no_smile, taken_at ...
CAPTURE_S = 90  # the longest one capture of the neutral clip may take on a loaded runner (s)


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
def neutral_cameras(tmp_path_factory, webcam_clip):
    """The real webcam clip's neutral stretch (before the smile), looped, as the browser's camera:
    this week's, and next week's in a little more light (the same frames would be the same photo,
    which the store refuses to keep twice)."""
    import numpy as np
    from common import WEBCAM_NEUTRAL

    from facetrack.capture.sources import video_frames

    frames = [f.image for f in video_frames(webcam_clip)]
    loop = list(WEBCAM_NEUTRAL) + list(WEBCAM_NEUTRAL)[-2:0:-1]  # back and forth: no jump at the loop's ends
    looped = [frames[i] for i in loop * 4]
    folder = tmp_path_factory.mktemp("neutral")
    brighter = [np.clip(f.astype(np.int16) + 6, 0, 255).astype(np.uint8) for f in looped]
    return write_y4m(looped, folder / "this-week.y4m"), write_y4m(brighter, folder / "next-week.y4m")


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """The app on an empty data dir, as a first run starts it; yields (base url, token url, data dir)."""
    root = tmp_path_factory.mktemp("first-run") / "store"
    proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--data-dir", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "token=" in url, proc.stderr.read()
        yield re.match(r"http://127\.0\.0\.1:\d+", url).group(0), url, root
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def playwright():
    from test_app_browser import needs_chromium

    needs_chromium()  # skips, or fails where FACETRACK_REQUIRE_BROWSER=1
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@contextmanager
def camera_tab(playwright, camera: Path, token_url: str):
    """A signed-in tab of a Chromium whose camera plays ``camera``."""
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                   args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                         f"--use-file-for-fake-video-capture={camera}"])
    try:
        tab = b.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True).new_page()
        tab.goto(token_url)  # the printed link: the token becomes a cookie
        yield tab
    finally:
        b.close()


def read_as_a_person(tab, where: str) -> str:
    """The page's visible text; no internal name in it."""
    text = tab.inner_text("body")
    assert not SNAKE.findall(text), (where, SNAKE.findall(text))
    return text


def take_photo(tab, where: str) -> str:
    """Follow the capture page until the result page; its visible text."""
    tab.wait_for_function("() => !document.getElementById('instruction').hidden", timeout=30_000)
    read_as_a_person(tab, f"{where}, while the camera runs")
    assert tab.locator("#checks li").count() >= 10
    tab.wait_for_function("() => location.pathname.startsWith('/capture/result/') || "
                          "document.body.dataset.capture === 'failed'", timeout=CAPTURE_S * 1000)
    assert "/capture/result/" in tab.url, tab.locator("main").inner_text()
    return read_as_a_person(tab, f"{where}, its result")


def older_photos(root: Path) -> list[Path]:
    """Two older photos of the clip's man, as a phone would have them: EXIF-dated, and framed
    closer (the middle of the frame, enlarged), unlike the camera page's framing."""
    from PIL import Image

    from videos import WEBCAM_CLIP, clip_frames

    frames = clip_frames(WEBCAM_CLIP, {4, 12})
    out = []
    for k, (index, dated) in enumerate(((4, "2025:11:02 09:15:00"), (12, "2025:12:07 18:40:00")), start=1):
        image = frames[index]
        h, w = image.shape[:2]
        crop = image[int(0.1 * h):int(0.9 * h), int(0.2 * w):int(0.8 * w)]
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = dated  # DateTimeOriginal
        path = root.parent / f"older{k}.jpg"
        Image.fromarray(crop).resize((crop.shape[1] * 3 // 2, crop.shape[0] * 3 // 2)).save(path, exif=exif, quality=92)
        out.append(path)
    return out


def test_a_first_week_from_the_welcome_page_to_the_export(playwright, neutral_cameras, empty_server):
    from facetrack.store import Store

    base, token_url, root = empty_server
    with camera_tab(playwright, neutral_cameras[0], token_url) as tab:
        tab.goto(base + "/")
        assert tab.url.endswith("/welcome")  # an empty store opens on the welcome page
        welcome = read_as_a_person(tab, "welcome")
        assert "Add photos you already have" in welcome and "Look at a demo" in welcome
        tab.click("a.big[href='/capture']")  # "Take your first photo"
        first = take_photo(tab, "the first photo")
        assert "This is the first photo" in first  # nothing to compare with yet

    with camera_tab(playwright, neutral_cameras[1], token_url) as tab:  # a week later
        tab.goto(base + "/")
        assert tab.url.endswith("/photos")  # the store has a photo now
        read_as_a_person(tab, "photos")
        # two older photos of the same person, dated by the camera and framed closer than the camera
        # page frames him: they are added to the profile, and neither moves the baseline nor becomes
        # the next capture's reference (the capture below still succeeds)
        older = older_photos(root)
        with Store.open(root, read_only_ok=True) as store:
            (profile,) = store.profiles()
            baseline = store.baseline(profile).id
        tab.set_input_files("#upload input[type=file]", [str(p) for p in older])
        tab.wait_for_selector("#review:not([hidden])")
        fields = tab.locator("#dates input[type=date]")
        assert [fields.nth(i).input_value() for i in range(2)] == ["2025-11-02", "2025-12-07"]
        tab.click("#upload input[type=submit]")
        tab.wait_for_function("() => { const m = document.getElementById('message'); "
                              "return m !== null && m.innerText.includes('older2.jpg'); }", timeout=60_000)
        added = read_as_a_person(tab, "photos, after adding older ones")
        assert "imported older1.jpg" in added and "imported older2.jpg" in added, added
        with Store.open(root, read_only_ok=True) as store:
            assert len(store.captures(profile)) == 3 and store.baseline(profile).id == baseline
        tab.click("header a:text-is('Capture')")
        second = take_photo(tab, "the second photo")
        assert "Against last time" in second and ("within noise" in second or "beyond noise" in second)
        with Store.open(root, read_only_ok=True) as store:
            taken = [c for p in store.profiles() for c in store.captures(p)]
        assert len(taken) == 4 and sum(c.taken_at_source == "capture" for c in taken) == 2

        tab.click("header a:text-is('Before / after')")
        shown = read_as_a_person(tab, "before / after")
        assert "within noise" in shown or "beyond noise" in shown
        slider, after = tab.locator("#reveal"), tab.locator("#slider img.after")
        slider.scroll_into_view_if_needed()
        slider.focus()
        for _ in range(5):
            tab.keyboard.press("ArrowLeft")  # reveal more of the after photo
        assert int(slider.input_value()) < 50
        assert f"{slider.input_value()}%" in after.evaluate("img => getComputedStyle(img).clipPath")

        tab.click("header a:text-is('Report')")
        read_as_a_person(tab, "report")
        with tab.expect_download() as download:
            tab.click("#downloads a[href='/download/captures.csv']")
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
        assert len(rows) == 4  # one row per photo, the measures by their plain names with units (JSON keeps the keys)
        assert "Jaw angle (mean), degrees" in rows[0] and not any(SNAKE.search(column) for column in rows[0])
