"""Issue 32, the app under attack (round 2): regression tests for each finding, through the test
client (a real server in test_app_server.py, Chromium where the browser is the point).

1. impossible dates (typed, from EXIF, already stored) never 500 and never brick a profile;
2. uploads have the frames' pixel limit, read from the header, for every format and bit depth;
3. another site on 127.0.0.1 cannot use the cookie (Sec-Fetch-Site), a GET never changes state;
4. one full-match rule for profile names;
5. cached pictures: single flight, a byte budget, keys with the calibration;
6. temp files only under the data dir; 7. no local path in exports; 8. the smaller items.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pytest
from PIL import Image

from facetrack.store import Store

from test_app import dated_upload
from test_app_attacks import O, client, make_client, message, snapshot  # noqa: F401 (client: a fixture)

UPLOAD = {**O, "content-type": "multipart/form-data; boundary=b"}


def exif_jpeg(image: np.ndarray, stamp: str | None) -> bytes:
    """``image`` as a JPEG whose EXIF DateTimeOriginal says ``stamp`` as written (any year)."""
    exif = Image.Exif()
    if stamp is not None:
        exif.get_ifd(0x8769)[36867] = stamp
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def set_date(root, profile: str, index: int, when: dt.datetime) -> int:
    """Give a stored capture a date as a store written before dates were checked may hold."""
    with Store.open(root) as store:
        cid = store.captures(profile)[index].id
        store.correct_date(profile, cid, when)  # the store takes any date: checking is the caller's part
    return cid


PAGES = ["/photos", "/trends", "/compare", "/report", "/settings", "/download/captures.csv",
         "/download/report.html", "/timelapse.gif"]


# 1. dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("when", [dt.datetime(9999, 12, 31, 23, 59), dt.datetime(1, 1, 1),
                                  "future"])
def test_a_store_holding_an_impossible_date_shows_every_page_with_a_sentence(store_dir, measurer, when):
    """A store written before dates were checked (EXIF 9999:12:31, year 0001, a clock hours ahead):
    the app re-dates the capture to when it was added, says so once, and every page answers."""
    when = dt.datetime.now().replace(microsecond=0) + dt.timedelta(hours=3) if when == "future" else when
    cid = set_date(store_dir, "demo", 3, when)
    app, c = make_client(store_dir, measurer)
    with c:
        first = c.get("/photos?token=secret-token")
        assert first.status_code == 200
        assert f"Photo {cid} was dated {when.isoformat(sep=' ')}, which cannot be right" in message(first.text)
        for path in PAGES:
            assert c.get(path).status_code == 200, path
    app.close()
    with Store.open(store_dir, read_only_ok=True) as store:
        fixed = store.capture("demo", cid).taken_at
        assert dt.datetime(1900, 1, 1) <= fixed <= dt.datetime.now()
        assert store.date_corrections("demo")[cid][-1].before == when  # noted, as every correction


@pytest.mark.parametrize("text", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "0001-01-01",
                                  "9999-12-31", "+12345-01-01"])
def test_a_typed_date_out_of_the_calendar_is_a_400_with_a_sentence(client, store_dir, text):
    with Store.open(store_dir, read_only_ok=True) as store:
        cid = store.captures("demo")[0].id
    before = snapshot(store_dir)
    answer = client.post(f"/date/{cid}", data={"date": text}, headers=O)
    assert answer.status_code == 400 and message(answer.text).startswith("date not changed: ")
    assert snapshot(store_dir) == before
    assert client.get("/photos").status_code == 200


@pytest.mark.parametrize("stamp", ["9999:12:31 23:59:59", "0001:01:01 00:00:00"])
def test_an_upload_whose_camera_date_cannot_be_right_is_dated_by_its_file_with_a_sentence(client, store_dir,
                                                                                        astronaut, stamp):
    """The page sends the camera's own day (the EXIF one it read); the app does not store it."""
    day = stamp[:10].replace(":", "-")
    answer = client.post("/upload?profile=exif", headers=UPLOAD,
                         content=dated_upload([("odd.jpg", exif_jpeg(astronaut, stamp), day)]))
    assert answer.status_code == 200, message(answer.text)
    assert "cannot be right, so it is dated by its file instead" in message(answer.text)
    with Store.open(store_dir, read_only_ok=True) as store:
        (capture,) = store.captures("exif")
    assert dt.datetime.now() - dt.timedelta(minutes=5) <= capture.taken_at <= dt.datetime.now()
    for path in PAGES[:5]:
        assert client.get(path + "?profile=exif").status_code == 200, path


def test_a_camera_clock_hours_ahead_never_stores_a_photo_in_the_future(client, store_dir, astronaut):
    ahead = dt.datetime.now().replace(microsecond=0) + dt.timedelta(hours=3)
    answer = client.post("/upload?profile=ahead", headers=UPLOAD, content=dated_upload(
        [("ahead.jpg", exif_jpeg(astronaut, ahead.strftime("%Y:%m:%d %H:%M:%S")), ahead.date().isoformat())]))
    assert answer.status_code == 200, message(answer.text)
    with Store.open(store_dir, read_only_ok=True) as store:
        (capture,) = store.captures("ahead")
    assert capture.taken_at <= dt.datetime.now()


@pytest.mark.parametrize("date", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00"])
def test_an_upload_date_out_of_the_calendar_is_a_400_and_nothing_is_imported(client, store_dir, astronaut, date):
    before = snapshot(store_dir)
    answer = client.post("/upload?profile=typed", headers=UPLOAD,
                         content=dated_upload([("a.jpg", exif_jpeg(astronaut, None), date)]))
    assert answer.status_code == 400 and "nothing was imported" in message(answer.text)
    assert snapshot(store_dir) == before


def test_a_mixed_upload_with_one_future_date_imports_nothing(client, store_dir, astronaut, grace_hopper):
    before = snapshot(store_dir)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    answer = client.post("/upload?profile=mixed", headers=UPLOAD, content=dated_upload(
        [("good.jpg", exif_jpeg(astronaut, None), "2026-01-05"), ("later.jpg", exif_jpeg(grace_hopper, None), future)]))
    assert answer.status_code == 400
    assert "later.jpg" in message(answer.text) and "nothing was imported" in message(answer.text)
    assert snapshot(store_dir) == before


def test_a_damaged_dds_with_a_date_part_is_a_400(client, store_dir):
    """The date reader opens only the five formats a photo is read in (not DDS, ...)."""
    import struct

    head = (struct.pack("<7I", 124, 0x1007, 64, 64, 0, 0, 0) + bytes(44)
            + struct.pack("<2I4s5I", 32, 0x4, b"ZZZZ", 0, 0, 0, 0, 0) + struct.pack("<5I", 0x1000, 0, 0, 0, 0))
    dds = b"DDS " + head  # a pixel format Pillow's DDS reader does not know (it raised NotImplementedError)
    before = snapshot(store_dir)
    answer = client.post("/upload?profile=dds", headers=UPLOAD,
                         content=dated_upload([("x.jpg", dds, "2026-01-05")]))
    assert answer.status_code == 400 and "refused x.jpg" in message(answer.text)
    assert snapshot(store_dir) == before
    assert re.search(r"JPEG, PNG, WebP, TIFF or BMP", message(answer.text))


# 2. upload pixel limits -------------------------------------------------------------------------
def big_image(kind: str, side: int) -> bytes:
    """A photo of ``side`` x ``side`` pixels that compresses to a few hundred kB at most."""
    out = io.BytesIO()
    if kind == "webp":
        Image.new("RGB", (side, side), (120, 90, 60)).save(out, "WEBP", lossless=True)
    elif kind == "png16":
        Image.fromarray(np.full((side, side), 30000, np.uint16)).save(out, "PNG")
    elif kind == "rgba":
        Image.new("RGBA", (side, side), (120, 90, 60, 200)).save(out, "PNG")
    elif kind == "tiff32":
        Image.new("I", (side, side), 70000).save(out, "TIFF", compression="tiff_deflate")
    elif kind == "bmp":
        Image.new("L", (side, side), 90).save(out, "BMP")
    return out.getvalue()


@pytest.fixture
def decoded(monkeypatch):
    """Every image Pillow decodes while the test runs: (format, size)."""
    from PIL import ImageFile, TiffImagePlugin

    seen = []
    for cls in (ImageFile.ImageFile, TiffImagePlugin.TiffImageFile):  # TIFF decodes through libtiff
        def spy(self, _load=cls.load):
            if self.tile:
                seen.append((self.format, self.size))
            return _load(self)

        monkeypatch.setattr(cls, "load", spy)
    return seen


@pytest.mark.parametrize("kind, side", [("webp", 9400), ("png16", 6000), ("rgba", 6000), ("tiff32", 6000),
                                        ("bmp", 4200)])
def test_an_upload_over_the_frames_pixel_limit_is_refused_from_its_header(client, store_dir, decoded, kind, side):
    """9400 x 9400 lossless WebP (3 kB), 16-bit, RGBA and 32-bit photos of 36 million pixels: each
    refused with a sentence before a pixel is decoded, with or without a date part."""
    from facetrack.capture.photo import MAX_DECODED_PIXELS

    assert side * side > MAX_DECODED_PIXELS
    before = snapshot(store_dir)
    for body in (dated_upload([("big.jpg", big_image(kind, side), "2026-01-05")]),
                 dated_upload([("big.jpg", big_image(kind, side), "")])):
        answer = client.post("/upload?profile=big", headers=UPLOAD, content=body)
        assert answer.status_code == 400
        assert "big.jpg" in message(answer.text) and "is too large to read safely" in message(answer.text)
    assert decoded == [] and snapshot(store_dir) == before


def test_a_huge_dated_png_is_refused_before_it_is_decoded(client, store_dir, decoded):
    """169 megapixels, its header only (a few kB): the date reader does not decode it either."""
    from test_app_attacks import png_header_only

    answer = client.post("/upload?profile=big", headers=UPLOAD,
                         content=dated_upload([("huge.png", png_header_only(13000, 13000), "2026-01-05")]))
    assert answer.status_code == 400 and "too large to read safely" in message(answer.text)
    assert decoded == []


@pytest.mark.parametrize("mode", ["I;16", "RGBA", "I", "RGB", "L"])
def test_every_depth_at_the_pixel_limit_is_read_within_the_byte_budget(tmp_path, decoded, mode):
    """16-bit, RGBA and 32-bit images cost more a pixel: at the pixel limit each still decodes
    within ``MAX_DECODED_BYTES`` (the budget is checked from the header too)."""
    from facetrack.capture.photo import MAX_DECODED_BYTES, MAX_DECODED_PIXELS, decoded_cost, read_photo

    path = tmp_path / "p.tiff"
    Image.new(mode, (4096, 4096)).save(path, "TIFF", compression="tiff_deflate")
    with Image.open(path) as img:
        pixels, cost = decoded_cost(img)
    assert pixels <= MAX_DECODED_PIXELS and cost <= MAX_DECODED_BYTES
    assert read_photo(path).image.shape == (4096, 4096, 3) and ("TIFF", (4096, 4096)) in decoded


def test_a_jpeg_over_the_limit_is_read_at_a_fraction_of_its_size(tmp_path, decoded):
    """A 48-megapixel camera JPEG is read (decoded at half size, as its decoder can), not refused."""
    from facetrack.capture.photo import MAX_DECODED_PIXELS, read_photo

    path = tmp_path / "camera.jpg"
    Image.new("RGB", (8000, 6000), (100, 120, 140)).save(path, "JPEG")
    photo = read_photo(path)
    assert photo.full_size == (8000, 6000)
    assert photo.image.shape[0] * photo.image.shape[1] <= MAX_DECODED_PIXELS
    assert all(w * h <= MAX_DECODED_PIXELS for _, (w, h) in decoded)


# 3. other local sites ---------------------------------------------------------------------------
@pytest.mark.parametrize("site, status", [("same-site", 403), ("cross-site", 403), ("same-origin", 200),
                                          ("none", 200)])
def test_a_request_from_another_site_is_refused_gets_too(client, site, status):
    answer = client.get("/photos", headers={"sec-fetch-site": site})
    assert answer.status_code == status
    if status == 403:
        assert "another site" in answer.text


def test_pictures_may_not_be_embedded_by_another_origin(client, store_dir):
    with Store.open(store_dir, read_only_ok=True) as store:
        a, b = (c.id for c in store.captures("demo")[:2])
    for path in (f"/thumb/{a}", f"/photo/{a}", f"/compare/aligned/{a}/{b}/before.jpg", "/photos"):
        assert client.get(path).headers["cross-origin-resource-policy"] == "same-origin", path


@pytest.mark.parametrize("headers", [{"sec-fetch-dest": "image", "sec-fetch-mode": "no-cors"},
                                     {"sec-fetch-dest": "empty", "sec-fetch-mode": "cors"}])
def test_a_get_that_is_not_the_users_own_navigation_changes_no_remembered_profile(client, store_dir, headers):
    from facetrack.app.common import PROFILE_FILE

    kept = (store_dir / PROFILE_FILE).read_text() if (store_dir / PROFILE_FILE).exists() else None
    assert client.get("/photos?profile=other", headers={"sec-fetch-site": "same-origin", **headers}).status_code == 200
    assert ((store_dir / PROFILE_FILE).read_text() if (store_dir / PROFILE_FILE).exists() else None) == kept
    navigate = {"sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}
    assert client.get("/photos?profile=other", headers=navigate).status_code == 200
    assert (store_dir / PROFILE_FILE).read_text().strip() == "other"  # the switcher's own link still works


@pytest.fixture
def real_app(demo_dir, tmp_path):
    """``facetrack app`` on a copy of the demo; yields (its url with the token, its data dir)."""
    import os
    import shutil
    import subprocess
    import sys

    root = tmp_path / "store"
    shutil.copytree(demo_dir[0], root)
    proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--profile", "demo",
                             "--data-dir", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:") and "token=" in url, proc.stderr.read()
    yield url, root
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def other_site():
    """A page on another port of 127.0.0.1 (the "same site" for cookies): serve(html) -> its url."""
    import http.server
    import threading

    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get("html", "").encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(html: str) -> str:
        pages["html"] = html
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    server.shutdown()


def test_a_page_on_another_port_can_neither_switch_the_profile_nor_draw_pictures(real_app, other_site):
    """In Chromium: the app's cookie is set, then a page on another 127.0.0.1 port embeds the
    app's addresses as images. Before: the remembered profile became 'pwned' and the pictures
    were drawn (their sizes readable by that page)."""
    from test_app_browser import ARGS, CHROMIUM, needs_chromium

    from facetrack.app.common import PROFILE_FILE

    needs_chromium()
    from playwright.sync_api import sync_playwright

    url, root = real_app
    base = url.split("/photos")[0]
    with Store.open(root, read_only_ok=True) as store:
        a, b = (c.id for c in store.captures("demo")[:2])
    kept = (root / PROFILE_FILE).read_text() if (root / PROFILE_FILE).exists() else None
    evil = other_site(f"""<html><body>
        <img id="switch" src="{base}/photos?profile=pwned">
        <img id="picture" src="{base}/compare/aligned/{a}/{b}/before.jpg">
        <img id="thumb" src="{base}/thumb/{a}">
        </body></html>""")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_context().new_page()
            page.goto(url)  # the printed link: the token becomes the cookie
            assert page.url.endswith("/photos")
            page.goto(evil)
            page.wait_for_function("() => [...document.images].every(i => i.complete)")
            widths = page.evaluate("() => [...document.images].map(i => i.naturalWidth)")
            page.goto(base + "/photos")  # the user's own page still works
            assert page.locator(".card").count() == 12
        finally:
            browser.close()
    assert widths == [0, 0, 0]
    assert ((root / PROFILE_FILE).read_text() if (root / PROFILE_FILE).exists() else None) == kept
    with Store.open(root, read_only_ok=True) as store:
        assert "pwned" not in store.profiles()


# 4. profile names -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["abc\n", "abc\r\n", "\nabc", "a" * 65, "a..b", "-a", "ab c", "é"])
def test_one_full_match_rule_for_profile_names(name):
    from facetrack.errors import StoreError
    from facetrack.store import check_profile_name
    from facetrack.store.schema import valid_profile_name

    assert not valid_profile_name(name)
    with pytest.raises(StoreError, match="invalid profile name"):
        check_profile_name(name)


@pytest.mark.parametrize("path", ["/photos?profile=abc%0A", "/download/captures.csv?profile=abc%0A",
                                  "/trends?profile=abc%0A"])
def test_a_profile_name_ending_in_a_newline_is_a_400_in_the_app(client, store_dir, path):
    from facetrack.app.common import PROFILE_FILE

    kept = (store_dir / PROFILE_FILE).read_text() if (store_dir / PROFILE_FILE).exists() else None
    answer = client.get(path)
    assert answer.status_code == 400 and "invalid profile name" in answer.text
    assert ((store_dir / PROFILE_FILE).read_text() if (store_dir / PROFILE_FILE).exists() else None) == kept


def test_an_upload_to_a_profile_name_ending_in_a_newline_creates_nothing(client, store_dir, astronaut):
    before = snapshot(store_dir)
    answer = client.post("/upload?profile=abc%0A", headers=UPLOAD,
                         content=dated_upload([("a.jpg", exif_jpeg(astronaut, None), "2026-01-05")]))
    assert answer.status_code == 400 and snapshot(store_dir) == before
    with Store.open(store_dir, read_only_ok=True) as store:
        assert all(p.strip() == p for p in store.profiles())


def test_the_cli_refuses_a_profile_name_ending_in_a_newline(tmp_path, astronaut):
    from click.testing import CliRunner

    from facetrack.cli import main

    photo = tmp_path / "a.jpg"
    photo.write_bytes(exif_jpeg(astronaut, None))
    result = CliRunner().invoke(main, ["import", str(photo), "--profile", "abc\n", "--data-dir", str(tmp_path / "s")])
    assert result.exit_code == 1 and "invalid profile name" in result.output
    assert not (tmp_path / "s" / "facetrack.db").exists() or Store.open(tmp_path / "s").profiles() == []


# 5. cached pictures -----------------------------------------------------------------------------
def test_the_picture_cache_keeps_within_its_byte_budget():
    from facetrack.app.cache import PictureCache

    cache = PictureCache(budget=1000)
    for i in range(20):
        assert cache.get(i, lambda: b"x" * 300) == b"x" * 300
        assert cache.bytes <= 1000
    assert len(cache) == 3 and 19 in cache and 0 not in cache
    assert cache.get("big", lambda: b"y" * 5000) == b"y" * 5000  # made, not kept
    assert "big" not in cache and cache.bytes <= 1000
    arrays = PictureCache(budget=3 * 2 ** 20)
    for i in range(8):
        arrays.get(i, lambda: (np.zeros((600, 480, 3), np.uint8), np.zeros((478, 2))))
    assert arrays.bytes <= 3 * 2 ** 20 and len(arrays) == 3  # 864 kB each


def test_the_picture_cache_makes_a_key_once_for_requests_at_once():
    import threading
    import time

    from facetrack.app.cache import PictureCache

    cache, calls, results = PictureCache(), [], []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return b"picture"

    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and results == [b"picture"] * 12 and cache.made == 1

    def broken():
        time.sleep(0.2)
        raise ValueError("no")

    errors = []

    def ask():
        try:
            cache.get("bad", broken)
        except ValueError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == ["no"] * 4 and "bad" not in cache


@pytest.fixture
def aligned_calls(monkeypatch):
    """Every capture id aligned while the test runs."""
    from facetrack.report import pictures

    calls, align = [], pictures.align_photo

    def counting(capture, *args, **kwargs):
        calls.append(capture.id)
        return align(capture, *args, **kwargs)

    monkeypatch.setattr(pictures, "align_photo", counting)
    return calls


def test_an_edit_realigns_no_photo_and_the_cache_stays_within_its_budget(client, store_dir, aligned_calls):
    """Before: each date correction made the time-lapse realign every photo and kept another
    full set of aligned photos (about 190 MB a time on 200 photos)."""
    from facetrack.app.cache import PICTURES_BUDGET_BYTES

    with Store.open(store_dir, read_only_ok=True) as store:
        ids = [c.id for c in store.captures("demo")]
    first = client.get("/timelapse.gif")
    assert first.status_code == 200 and sorted(aligned_calls) == sorted(ids)
    pictures = client.app.state.pictures
    kept = []
    for day in range(1, 4):  # three edits, each followed by the time-lapse and before / after
        assert client.post(f"/date/{ids[0]}", data={"date": f"2020-01-0{day}"}, headers=O).status_code == 200
        again = client.get("/timelapse.gif")
        assert again.status_code == 200 and again.content != first.content  # the new date is shown
        assert client.get(f"/compare/aligned/{ids[0]}/{ids[-1]}/before.jpg").status_code == 200
        kept.append(pictures.bytes)
    # no photo aligned again (the pair's two once more, in full for before / after): only a date changed
    assert sorted(aligned_calls) == sorted([*ids, ids[0], ids[-1]])
    assert pictures.bytes <= PICTURES_BUDGET_BYTES
    assert kept[-1] - kept[0] <= 2 * (len(again.content) + 4096)  # an edit keeps one more GIF, no more photos


def test_identical_picture_requests_at_once_make_it_once(client, store_dir, aligned_calls, monkeypatch):
    """Before: 12 identical time-lapse requests at once each aligned every photo again (469 s of
    CPU, 4.9 GB on 200 photos)."""
    import threading

    with Store.open(store_dir, read_only_ok=True) as store:
        ids = [c.id for c in store.captures("demo")]
    gifs, save = [], Image.Image.save

    def counting(self, fp, format=None, **kwargs):
        if format == "GIF":
            gifs.append(1)
        return save(self, fp, format, **kwargs)

    monkeypatch.setattr(Image.Image, "save", counting)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(client.get("/timelapse.gif").status_code))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 8
    assert gifs == [1] and sorted(aligned_calls) == sorted(ids)


def test_the_before_after_picture_follows_a_calibration_written_while_the_app_runs(client, store_dir, monkeypatch):
    from facetrack.report import pictures
    from facetrack.records import Repeatability

    with Store.open(store_dir, read_only_ok=True) as store:
        ids = [c.id for c in store.captures("demo")]
    drawn, figure = [], pictures.before_after_figure

    def counting(*args, **kwargs):
        drawn.append(1)
        return figure(*args, **kwargs)

    monkeypatch.setattr(pictures, "before_after_figure", counting)
    path = f"/compare/pair/{ids[0]}/{ids[-1]}.png"
    assert client.get(path).status_code == 200 and client.get(path).status_code == 200
    assert drawn == [1]
    with Store.open(store_dir) as store:
        store.save_repeatability("demo", [Repeatability(metric="midface_width_ratio", sem=0.5, n_captures=10,
                                                        n_sittings=2)], made_at=dt.datetime(2026, 1, 1, 9))
    answer = client.get(path)
    assert answer.status_code == 200 and drawn == [1, 1]
    assert "no-cache" in answer.headers["cache-control"]  # the browser asks again: it kept it an hour before


# 8. smaller items -------------------------------------------------------------------------------
def test_a_new_store_opened_by_six_threads_at_once(tmp_path):
    """Before: 5 of 6 failed ("cannot rollback - no transaction is active": the threads of one
    process made the new database under one scratch name), so six uploads as the first action
    were refused."""
    import threading

    for trial in range(5):
        root = tmp_path / f"store{trial}"
        errors = []

        def open_it():
            try:
                with Store.open(root) as store:
                    store.profiles()
            except Exception as exc:  # noqa: BLE001 - any failure counts
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(p.name for p in root.iterdir() if p.name.startswith(".facetrack.db.new")) == []


# 6. temp files and the end of the app ------------------------------------------------------------
@pytest.mark.parametrize("what", ["download/timelapse.mp4", "download/captures.json", "download/captures.parquet"])
def test_downloads_make_their_files_only_in_the_data_dirs_scratch(client, store_dir, tmp_path, monkeypatch, what):
    """Before: the MP4 and the exports were made in the system's temp folder (a killed app left
    a partial face video there, nothing removed it)."""
    import tempfile

    from facetrack.report import pictures

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    written, write = [], pictures.write_timelapse

    def spy(photos, path, **kwargs):
        written.append(path)
        return write(photos, path, **kwargs)

    monkeypatch.setattr(pictures, "write_timelapse", spy)
    from facetrack.report import export

    exported = export.export_captures

    def export_spy(captures, path, fmt=None):
        written.append(path)
        return exported(captures, path, fmt)

    monkeypatch.setattr(export, "export_captures", export_spy)
    assert client.get("/" + what).status_code == 200
    assert written
    assert list(system_temp.iterdir()) == []
    assert all(store_dir in p.parents for p in map(lambda p: __import__("pathlib").Path(p), written))
    from test_app_attacks import scratch_files

    assert scratch_files(store_dir) == []


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGINT"])
def test_sigterm_and_sighup_run_the_same_clean_up_as_ctrl_c(store_dir, name):
    """uvicorn re-raised SIGTERM before the app's clean-up ran (and did not catch SIGHUP): the
    scratch folder stayed. Now each ends the app as Ctrl-C does."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    from facetrack.app.server import free_port
    from facetrack.app.uploads import SCRATCH_PREFIX
    from test_app_server import PART, head, wait_for

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--port", str(port),
                             "--profile", "demo", "--data-dir", str(store_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        token = proc.stdout.readline().strip().split("token=")[1]
        with socket.create_connection(("127.0.0.1", port)) as sock:  # an upload under way: the scratch is in use
            sock.sendall(head(port, "POST", "/upload", "Content-Type: multipart/form-data; boundary=b",
                              f"Content-Length: {20 * 2 ** 20}", token=token) + PART + b"x" * 2 ** 20)
            assert wait_for(lambda: list(store_dir.glob(f"{SCRATCH_PREFIX}*")), 20)
            os.kill(proc.pid, getattr(signal, name))
            proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read()
    assert list(store_dir.glob(f"{SCRATCH_PREFIX}*")) == []


# 7. no local path in a shared file --------------------------------------------------------------
@pytest.mark.parametrize("what", ["captures.json", "captures.csv", "captures.parquet", "report.html"])
def test_downloads_carry_no_local_path(client, store_dir, demo_dir, what):
    with Store.open(store_dir, read_only_ok=True) as store:
        sources = [c.source_path for c in store.captures("demo")]
    assert all("/" in s for s in sources)  # the store keeps where each photo came from
    answer = client.get(f"/download/{what}")
    assert answer.status_code == 200
    data = answer.content
    if what == "captures.json":  # pandas writes a slash as \\/: read the file
        import json

        data = json.dumps(json.loads(data)).replace("\\/", "/").encode()
    elif what == "captures.parquet":
        import pandas as pd

        data = pd.read_parquet(io.BytesIO(data)).to_csv().encode()
    for folder in {str(__import__("pathlib").Path(s).parent) for s in sources} | {str(store_dir), str(demo_dir[0])}:
        assert folder.encode() not in data, folder
    names = [__import__("pathlib").Path(s).name for s in sources]
    if what == "report.html":
        assert all(f">{n}<".encode() in data for n in names)  # the photo's own name at most


def test_facetrack_export_and_report_carry_no_local_path(demo_dir, tmp_path):
    from click.testing import CliRunner

    from facetrack.cli import main

    root = demo_dir[0]
    with Store.open(root, read_only_ok=True) as store:
        folders = {str(__import__("pathlib").Path(c.source_path).parent) for c in store.captures("demo")}
    out = tmp_path / "captures.csv"
    result = CliRunner().invoke(main, ["export", "--output", str(out), "--profile", "demo", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    report = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--output", str(report), "--profile", "demo", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    for path in (out, report):
        text = path.read_text(encoding="utf-8")
        assert not any(f in text for f in folders | {str(root)}), path


def test_a_symlinked_demo_folder_is_not_followed(client, store_dir, demo_dir, tmp_path):
    """Before: a link named ``<store>-facetrack-demo`` was followed and the store it pointed at
    shown as the demo."""
    import shutil

    from facetrack.app.common import demo_dir as demo_folder

    elsewhere = tmp_path / "someone-elses"
    shutil.copytree(demo_dir[0], elsewhere)
    before = snapshot(elsewhere)
    link = demo_folder(store_dir)
    link.symlink_to(elsewhere, target_is_directory=True)
    try:
        answer = client.post("/demo", headers=O, follow_redirects=False)
        assert answer.status_code == 503 and "not the demo's own folder" in message(answer.text)
        assert not getattr(client.app.state, "demo_shown", False)
        assert snapshot(elsewhere) == before
    finally:
        link.unlink()
