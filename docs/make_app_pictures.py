"""Screenshots of `facetrack app` on the demo store, for the README: a desktop and a phone.

    .venv/bin/python docs/make_app_pictures.py        # after `make demo`; writes docs/img/app_*.png

Needs Debian's chromium (`apt-get install chromium`); Playwright drives it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "img"


def main() -> None:
    from playwright.sync_api import sync_playwright

    from facetrack.demo import demo_data_dir

    proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--profile", "demo",
                             "--data-dir", str(demo_data_dir())], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        base = url.split("/photos")[0]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            shots = (("app_trends", (1280, 800), "/trends", 'svg[data-metric="jaw_angle_mean"] .point'),
                     ("app_photos_phone", (390, 844), "/photos", None))
            for name, size, path, hover in shots:
                context = browser.new_context(viewport={"width": size[0], "height": size[1]})
                tab = context.new_page()
                tab.goto(url)
                tab.goto(base + path)
                tab.wait_for_function("() => [...document.images].filter(i => i.getAttribute('src') && i.getBoundingClientRect().top < innerHeight)"
                                      ".every(i => i.complete && i.naturalWidth > 0)")  # the thumbnails in view
                if hover:  # a point's hover card: date, value +- spread, the photo
                    tab.locator(hover).nth(7).hover()
                    tab.wait_for_function("() => document.querySelector('#tip img').complete")
                tab.screenshot(path=str(OUT / f"{name}.png"))
                context.close()
                print(OUT / f"{name}.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
