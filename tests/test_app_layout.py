"""Layout in Chromium (issue 33): a failing capture's reason and Try again, and a running
capture's Capture now and Cancel, are in view without scrolling at 1280x900 and at 390 px
wide; the offline report fits a 390 px screen with its chart captions at least 12 px."""

from __future__ import annotations

import re

import pytest

from test_app_browser import ARGS, CHROMIUM, browser, playwright, server, smiling_camera  # noqa: F401

SCREENS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
IN_VIEW = """ids => ids.map(id => { const r = document.getElementById(id).getBoundingClientRect();
  return [id, r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0
                && r.right <= innerWidth]; })"""


def in_view(tab, *ids) -> dict[str, bool]:
    return dict(tab.evaluate(IN_VIEW, list(ids)))


@pytest.mark.parametrize("screen", SCREENS)
def test_without_a_camera_the_reason_and_try_again_are_in_view(browser, server, screen):  # noqa: F811
    context = browser.new_context(viewport=SCREENS[screen])  # no fake device: no camera
    try:
        tab = context.new_page()
        tab.goto(server[0])
        tab.goto(server[0].split("/photos")[0] + "/capture?profile=nocamera")
        tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=15_000)
        assert in_view(tab, "advice", "again") == {"advice": True, "again": True}
        assert tab.evaluate("scrollY") == 0  # by the layout, not by scrolling
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_a_failing_capture_keeps_its_buttons_then_its_reason_in_view(playwright, server, smiling_camera,  # noqa: F811
                                                                     screen):
    """With the frozen preview of a real face above the fold: Capture now and Cancel while it
    runs, then the sentence and Try again once it gives up, without the person scrolling."""
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                   args=[*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                         f"--use-file-for-fake-video-capture={smiling_camera}"])
    try:
        tab = b.new_context(viewport=SCREENS[screen]).new_page()
        tab.goto(server[0])
        tab.goto(server[0].split("/photos")[0] + f"/capture?profile=layout{screen}")
        tab.wait_for_function("() => document.getElementById('preview').naturalWidth > 0 && "
                              "!document.getElementById('buttons').hidden", timeout=30_000)
        assert in_view(tab, "now", "cancel", "instruction") == {"now": True, "cancel": True, "instruction": True}
        tab.wait_for_function("() => !document.getElementById('left').hidden")
        left = tab.locator("#left").inner_text()  # the timer restarts with each improvement: it says so
        assert re.search(r"Gives up in \d+ s unless something improves; each improvement gives it more time, "
                         r"up to \d+ s from now\.", left), left
        tab.wait_for_function("() => document.body.dataset.capture === 'failed'", timeout=90_000)
        assert in_view(tab, "advice", "again") == {"advice": True, "again": True}
        assert tab.evaluate("scrollY") == 0
    finally:
        b.close()


@pytest.fixture(scope="module")
def offline_report(server, tmp_path_factory):  # noqa: F811
    """The report the app's download gives, saved as a file."""
    import http.cookiejar
    import urllib.request

    url, _, _ = server
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    opener.open(url, timeout=30).read()  # the printed link: the key becomes a cookie
    data = opener.open(url.split("/photos")[0] + "/download/report.html?profile=demo", timeout=300).read()
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_bytes(data)
    return path


def test_the_offline_report_fits_a_phone_with_readable_chart_captions(browser, offline_report):  # noqa: F811
    context = browser.new_context(viewport=SCREENS["phone"], device_scale_factor=2)
    try:
        tab = context.new_page()
        tab.goto(offline_report.as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
        sizes = tab.evaluate("""() => [...document.querySelectorAll('svg.panel text')]
            .filter(t => t.textContent.trim()).map(t => { const svg = t.ownerSVGElement;
              const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
              return parseFloat(getComputedStyle(t).fontSize) * scale; })""")  # as shown, in px
        assert len(sizes) > 50
        assert min(sizes) >= 12, sorted(sizes)[:5]  # every caption, tick and note of the charts
        small = tab.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .filter(e => !e.closest('details:not([open])') && !e.closest('svg'))
            .map(e => [e.tagName, parseFloat(getComputedStyle(e).fontSize)]).filter(([, s]) => s < 12)""")
        assert small == [], small[:5]
    finally:
        context.close()


def test_the_new_pages_fit_a_phone(browser, server):  # noqa: F811
    """The photo's own page (a thumbnail opens it), the settings with the launcher's button and the
    report page with its downloads: nothing scrolls sideways at 390 px."""
    context = browser.new_context(viewport=SCREENS["phone"])
    try:
        tab = context.new_page()
        tab.goto(server[0])
        base = server[0].split("/photos")[0]
        tab.goto(base + "/photos?profile=demo")
        tab.locator(".card a").first.click()
        tab.wait_for_url("**/photos/*")
        assert tab.locator("h1").inner_text().startswith("Photo of ")
        assert tab.locator("img.photo-full").evaluate("img => img.complete && img.naturalWidth > 0")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        for path in ("/settings", "/report"):
            tab.goto(base + path)
            assert tab.evaluate("document.documentElement.scrollWidth") <= 390, path
    finally:
        context.close()
