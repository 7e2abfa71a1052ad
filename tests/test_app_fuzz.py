"""Hypothesis fuzzing of `facetrack app`'s request handlers through Starlette's test client: paths,
headers, the settings form, upload bodies and camera frames. Whatever comes: no 500, the store
(rows, photos, settings file) unchanged unless the request was a valid change, no upload left in
the scratch folder, and no thread left once the app is closed."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from urllib.parse import quote, urlencode

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from facetrack.app.server import create_app
from facetrack.app.uploads import SCRATCH_PREFIX
from facetrack.capture.gates import GateConfig
from facetrack.store import Store

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
TOKEN = "secret-token"
def fuzz(examples: int):
    """Hypothesis settings: ``examples`` examples, the same ones every run (CI stays reproducible)."""
    return settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                    database=None)

SEGMENTS = ["", "photos", "photo", "thumb", "trends", "compare", "report", "download", "capture", "start", "frame",
            "now", "cancel", "result", "settings", "reset", "upload", "delete", "baseline", "report.html",
            "captures.csv", "captures.json", "1", "12", "0", "99999999999999999999", "-1", "..", ".", "%2e%2e",
            "%2F", "%FF", "%00", "\\", "//evil.com"]
FIELDS = [f for f in GateConfig.__dataclass_fields__]



def snapshot(root):
    with Store.open(root, read_only_ok=True) as store:
        counts = store.counts()
        baseline = store.baseline("demo")
    photos = sorted(p.name for p in (root / "images").rglob("*") if p.is_file())
    gates = (root / "gates.toml").read_bytes() if (root / "gates.toml").exists() else None
    return counts, baseline.id if baseline else None, photos, gates


def wait_for(test, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return bool(test())


@contextlib.contextmanager
def fuzzed(root, measurer):
    """A signed-in client of the app on ``root``; on leaving, the store, the scratch folder
    and the thread count are as they were."""
    threads = threading.active_count()
    before = snapshot(root)
    app = create_app(root, profile="demo", port=PORT, token=TOKEN, measurer_factory=lambda: measurer)
    with TestClient(app, base_url=ORIGIN) as client:
        client.get(f"/photos?token={TOKEN}")
        yield client
    app.close()
    assert snapshot(root) == before
    assert [p for d in root.glob(f"{SCRATCH_PREFIX}*") for p in d.rglob("*") if p.name != "lock"] == []
    assert wait_for(lambda: threading.active_count() <= threads), [t.name for t in threading.enumerate()]


def no_500(answer):
    assert answer.status_code < 500, (answer.request.method, str(answer.request.url), answer.text[:300])
    assert "content-security-policy" in answer.headers


text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n\x00"), max_size=40)
segment = st.one_of(st.sampled_from(SEGMENTS), st.text(max_size=12).map(lambda s: quote(s, safe="")))


@pytest.fixture(scope="module")
def warmed(measurer):
    """The measurer used once (the threads of its first use stay for good)."""
    from facetrack.errors import InputError

    with contextlib.suppress(InputError):
        measurer.measure_photo(np.zeros((64, 64, 3), np.uint8))
    return measurer


def test_fuzz_paths_and_queries(store_dir, warmed):
    with fuzzed(store_dir, warmed) as client:
        @fuzz(300)
        @given(parts=st.lists(segment, min_size=1, max_size=4),
               query=st.lists(st.tuples(st.sampled_from(["profile", "a", "b", "all", "token", "x"]), text),
                              max_size=3),
               method=st.sampled_from(["GET", "HEAD", "GET", "OPTIONS"]))
        def check(parts, query, method):
            path = "/" + "/".join(parts)
            answer = client.request(method, ORIGIN + path, params=query, follow_redirects=False)
            no_500(answer)

        check()


def test_fuzz_headers(store_dir, warmed):
    """Any header, repeated or not, on the pages and on the requests that change things, with
    the app's own origin or another: refused or answered, never a 500, nothing changed."""
    names = st.sampled_from(["host", "origin", "referer", "cookie", "content-type", "x-session", "x-timestamp",
                             "x-index", "accept", "range", "if-none-match", "x-forwarded-host", "authorization"])
    with fuzzed(store_dir, warmed) as client:
        @fuzz(200)
        @given(headers=st.lists(st.tuples(names, st.one_of(text, st.sampled_from(
                   [ORIGIN, f"127.0.0.1:{PORT}", f"facetrack_token={TOKEN}", "multipart/form-data; boundary=b"]))),
                   max_size=5),
               target=st.sampled_from([("GET", "/photos"), ("GET", "/settings"), ("POST", "/settings"),
                                       ("POST", "/upload"), ("POST", "/capture/frame"), ("POST", "/capture/now"),
                                       ("GET", "/photo/1"), ("POST", "/baseline/not-a-number")]),
               body=st.binary(max_size=64))
        def check(headers, target, body):
            method, path = target
            raw = [(name.encode(), value.encode("latin-1")) for name, value in headers]
            answer = client.request(method, path, headers=raw, content=body if method == "POST" else None)
            no_500(answer)

        check()


def test_fuzz_the_settings_form(store_dir, warmed):
    """A form of any fields and values: saved only when every value is valid (the file then
    holds a valid config); otherwise a 4xx with a sentence, the file as it was."""
    number = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str), text,
                       st.sampled_from(["nan", "-inf", "1e308", "", " 4 ", "0x10", "1_0", "٣"]))
    with fuzzed(store_dir, warmed) as client:
        @fuzz(200)
        @given(form=st.lists(st.tuples(st.one_of(st.sampled_from(FIELDS), text), number), max_size=6))
        def check(form):
            path = store_dir / "gates.toml"
            before = path.read_bytes() if path.exists() else None
            answer = client.post("/settings", content=urlencode(form), headers={
                "origin": ORIGIN, "content-type": "application/x-www-form-urlencoded"})
            no_500(answer)
            if answer.status_code == 200:
                GateConfig.from_toml(path)  # whole and valid
                path.unlink()  # back as it was, for the fuzzed() check
            else:
                assert answer.status_code in (400, 413) and "not saved: " in answer.text
                assert (path.read_bytes() if path.exists() else None) == before

        check()


def test_fuzz_upload_bodies(store_dir, warmed):
    """Multipart bodies of any shape, boundary, part headers and file names: nothing stored,
    nothing left in the scratch folder."""
    part = st.tuples(st.sampled_from(["photos", "other", "", "photos\x00"]),
                     st.one_of(st.none(), text, st.sampled_from(["../../x.jpg", "..", "/etc/passwd", "a\\b.jpg"])),
                     st.binary(max_size=300), st.booleans())
    with fuzzed(store_dir, warmed) as client:
        @fuzz(150)
        @given(parts=st.lists(part, max_size=4), boundary=st.sampled_from(["b", "x" * 70, "a b", ""]),
               ending=st.sampled_from([b"--\r\n", b"", b"--", b"\r\n"]), junk=st.binary(max_size=40),
               charset=st.sampled_from(["", "; charset=utf-8", "; charset=rot13", "; charset=base64",
                                        "; charset=nonsense", "; charset=utf-16"]))
        def check(parts, boundary, ending, junk, charset):
            body = junk
            for name, filename, data, quoted in parts:
                disposition = f'form-data; name="{name}"' if quoted else f"form-data; name={name}"
                if filename is not None:
                    disposition += f'; filename="{filename}"'
                body += (f"--{boundary}\r\ncontent-disposition: {disposition}\r\n\r\n".encode("latin-1")
                         + data + b"\r\n")
            body += f"--{boundary}".encode() + ending
            answer = client.post("/upload", content=body, headers={
                "origin": ORIGIN, "content-type": f"multipart/form-data; boundary={boundary}{charset}"})
            no_500(answer)
            assert answer.status_code in (400, 413), answer.status_code

        check()


def test_fuzz_camera_frames(store_dir, warmed):
    """Frames of any bytes (noise, damaged JPEG and PNG, odd headers) and any timestamp to a
    running capture: a 4xx or an overlay, never a 500; the capture then ends cleanly."""
    noise = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)  # no face: never captured
    jpeg = cv2.imencode(".jpg", noise)[1].tobytes()
    png = cv2.imencode(".png", noise[:64, :64])[1].tobytes()

    def damaged(data):
        return st.tuples(st.integers(0, len(data) - 1), st.binary(min_size=1, max_size=8),
                         st.integers(0, len(data))).map(lambda t: (data[:t[0]] + t[1] + data[t[0] + len(t[1]):])[:t[2]])

    with fuzzed(store_dir, warmed) as client:
        session = client.post("/capture/start?profile=fuzz", headers={"origin": ORIGIN}).json()["session"]
        stamps = iter(range(10 ** 6))

        @fuzz(200)
        @given(data=st.one_of(st.binary(max_size=200), damaged(jpeg), damaged(png), st.just(jpeg)),
               stamp=st.one_of(st.none(), text, st.integers(-5, 2 ** 64).map(str)))
        def check(data, stamp):
            answer = client.post("/capture/frame", content=data, headers={
                "origin": ORIGIN, "x-session": session, "x-index": "0",
                "x-timestamp": (str(33 * next(stamps)) if stamp is None else stamp).encode("latin-1")})
            no_500(answer)
            assert answer.status_code in (200, 400, 409, 413), (answer.status_code, answer.text)
            if answer.headers["content-type"] != "image/jpeg":
                assert answer.status_code != 200 or "error" in answer.json()

        check()
        client.post("/capture/cancel", headers={"origin": ORIGIN, "x-session": session})
        for _ in range(3):
            client.post("/capture/frame", content=jpeg, headers={
                "origin": ORIGIN, "x-session": session, "x-timestamp": str(33 * next(stamps))})


# --- issue 32: dates and the new routes -----------------------------------------------------------

def iso_like():
    """Dates as people and programs write them, at the calendar's ends and past them, with time
    zones up to a day either way, and junk."""
    year = st.one_of(st.integers(0, 10000), st.sampled_from([1, 1899, 1900, 1970, 2026, 9999]))
    zone = st.one_of(st.just(""), st.just("Z"), st.tuples(st.sampled_from("+-"), st.integers(0, 24),
                                                          st.integers(0, 59)).map(lambda t: f"{t[0]}{t[1]:02d}:{t[2]:02d}"))
    stamp = st.tuples(year, st.integers(0, 13), st.integers(0, 32), st.integers(0, 24), st.integers(0, 60),
                      st.booleans(), zone).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}" + (f"T{t[3]:02d}:{t[4]:02d}{t[6]}" if t[5] else ""))
    return st.one_of(stamp, text, st.sampled_from(["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00",
                                                   "+12345-01-01", "9999-12-31", "0000-00-00", " ", "Z"]))


@fuzz(400)
@given(written=iso_like(), kept=st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)))
def test_fuzz_dates_in_the_library(written, kept):
    """Any text as a typed date, any stored date to keep the time of: a date from 1900 to now, or
    one DateError (never an OverflowError or another error)."""
    from facetrack.ingest.dates import EARLIEST, DateError, corrected_date, parse_date

    now = dt.datetime.now()
    try:
        parse_date(written)
        when = corrected_date(written, kept)
    except DateError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert EARLIEST <= when <= now + dt.timedelta(seconds=1)


@fuzz(200)
@given(when=st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
       now=st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(9998, 1, 1)))
def test_fuzz_the_due_sentence_and_stored_dates(when, now):
    """Whatever date a store holds, the due sentence is one sentence, and a camera date is used
    only when it can be a photo's."""
    from types import SimpleNamespace

    from facetrack.ingest.dates import EARLIEST, usable_exif_date
    from facetrack.stats.schedule import due_sentence

    sentence = due_sentence([SimpleNamespace(taken_at=when)], now)
    assert sentence.endswith(".") and "\n" not in sentence
    used = usable_exif_date(when, now)
    assert used is None or EARLIEST <= used <= now


def test_fuzz_typed_dates_on_a_capture(store_dir, warmed):
    """Any date typed on a capture's card: a 400 with a sentence and the date as it was, or a
    date from 1900 to now; every page still answers."""
    with Store.open(store_dir, read_only_ok=True) as store:
        cid = store.captures("demo")[0].id
    app = create_app(store_dir, profile="demo", port=PORT, token=TOKEN, measurer_factory=lambda: warmed)
    with TestClient(app, base_url=ORIGIN) as client:
        client.get(f"/photos?token={TOKEN}")

        @fuzz(150)
        @given(written=iso_like())
        def check(written):
            with Store.open(store_dir, read_only_ok=True) as store:
                before = store.capture("demo", cid).taken_at
            answer = client.post(f"/date/{cid}", content=urlencode({"date": written}).encode(), headers={
                "origin": ORIGIN, "content-type": "application/x-www-form-urlencoded"})
            no_500(answer)
            with Store.open(store_dir, read_only_ok=True) as store:
                after = store.capture("demo", cid).taken_at
            if answer.status_code == 200:
                assert dt.datetime(1900, 1, 1) <= after <= dt.datetime.now()
            else:
                assert answer.status_code == 400 and "date not changed: " in answer.text and after == before

        check()
        for path in ("/photos", "/trends", "/compare", "/report"):
            no_500(client.get(path))
    app.close()


def test_fuzz_dated_uploads(store_dir, warmed):
    """Photos whose camera date says anything (year 0, 9999, junk), sent with any date part: a
    4xx or a page, never a 500; nothing stored (the photos have no face)."""
    from PIL import Image

    noise = np.random.default_rng(1).integers(0, 255, (96, 96, 3), np.uint8)

    def photo(stamp):
        import io

        exif = Image.Exif()
        if stamp is not None:
            exif.get_ifd(0x8769)[36867] = stamp
        out = io.BytesIO()
        Image.fromarray(noise).save(out, "JPEG", exif=exif.tobytes())
        return out.getvalue()

    camera = st.one_of(st.none(), text, st.tuples(st.integers(0, 10000), st.integers(0, 13), st.integers(0, 32)).map(
        lambda t: f"{t[0]:04d}:{t[1]:02d}:{t[2]:02d} 12:00:00"))
    with fuzzed(store_dir, warmed) as client:
        @fuzz(60)
        @given(stamp=camera, date=st.one_of(st.just(""), iso_like()))
        def check(stamp, date):
            body = (b'--b\r\nContent-Disposition: form-data; name="date"\r\n\r\n' + date.encode("utf-8") + b"\r\n"
                    b'--b\r\nContent-Disposition: form-data; name="photos"; filename="p.jpg"\r\n'
                    b"Content-Type: image/jpeg\r\n\r\n" + photo(stamp) + b"\r\n--b--\r\n")
            answer = client.post("/upload?profile=demo", content=body, headers={
                "origin": ORIGIN, "content-type": "multipart/form-data; boundary=b"})
            no_500(answer)
            assert answer.status_code == 400

        check()


def test_fuzz_picture_routes_and_fetch_headers(store_dir, warmed):
    """The before / after pictures, the time-lapse and the downloads with any ids, any picture
    name and any Sec-Fetch-* headers: refused or answered, never a 500; a request another site
    made (Sec-Fetch-Site neither same-origin nor none) is always a 403."""
    with Store.open(store_dir, read_only_ok=True) as store:
        ids = [c.id for c in store.captures("demo")]
    cid = st.one_of(st.sampled_from([*ids[:2], ids[-1], 0, 99999]), st.integers(0, 10 ** 18))
    route = st.one_of(
        st.tuples(cid, cid).map(lambda t: f"/compare/pair/{t[0]}/{t[1]}.png"),
        st.tuples(cid, cid).map(lambda t: f"/compare/flicker/{t[0]}/{t[1]}.gif"),
        st.tuples(cid, cid, st.sampled_from(["before", "after", "x", "%2e%2e", ""])).map(
            lambda t: f"/compare/aligned/{t[0]}/{t[1]}/{t[2]}.jpg"),
        st.sampled_from(["/timelapse.gif", "/download/timelapse.mp4", "/download/captures.json",
                         "/download/report.html", "/download/x"]))
    site = st.one_of(st.none(), st.sampled_from(["same-origin", "none", "same-site", "cross-site", "SAME-ORIGIN",
                                                 ""]), text)
    with fuzzed(store_dir, warmed) as client:
        @fuzz(120)
        @given(path=route, site=site, mode=st.one_of(st.none(), st.sampled_from(["navigate", "no-cors", "cors"])),
               dest=st.one_of(st.none(), st.sampled_from(["document", "image", "empty"])),
               profile=st.one_of(st.none(), st.just("demo"), text))
        def check(path, site, mode, dest, profile):
            headers = {k: v for k, v in (("sec-fetch-site", site), ("sec-fetch-mode", mode),
                                         ("sec-fetch-dest", dest)) if v is not None}
            params = {"profile": profile} if profile is not None else None
            answer = client.get(path, params=params, headers={k: v.encode("latin-1") for k, v in headers.items()})
            no_500(answer)
            if site is not None and site.strip().lower() not in ("same-origin", "none"):
                assert answer.status_code == 403
            elif answer.status_code == 200:
                assert answer.headers["cross-origin-resource-policy"] == "same-origin"

        check()
