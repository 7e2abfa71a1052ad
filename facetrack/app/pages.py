"""The app's pages: Jinja2 templates in ``templates/`` (``base.html``, the frame every page
shares, one file per page, and ``partials/``), their style and scripts in ``static/`` (served
at ``STATIC_PATH``, see ``routes``). Every page is made on the server from the library's own
results; no script or style comes from anywhere but the app itself.

A page template is named by the constant the endpoints pass to ``common.render`` (``PHOTOS``
and the others); it extends ``base.html`` and fills its ``main`` block. The environment is made
on first use (nothing is read at import time), escapes every value and refuses an undefined
name.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import resources

PHOTOS = "photos.html"
TRENDS = "trends.html"
COMPARE = "compare.html"
REPORT = "report.html"
RESULT = "result.html"
SETTINGS = "settings.html"
WELCOME = "welcome.html"
CAPTURE = "capture.html"
#: One photo's own page (a thumbnail opens it).
PHOTO = "photo.html"
#: A page of its title and its message only.
MESSAGE = "message.html"

#: Where the app serves ``static/`` (the Guard protects it like every other route).
STATIC_PATH = "/static"

NAV = (("/capture", "Capture"), ("/photos", "Photos"), ("/trends", "Trends"), ("/compare", "Before / after"), ("/report", "Report"), ("/settings", "Settings"))


def static_dir():
    """The folder of the style and scripts (inside the installed package)."""
    return resources.files("facetrack.app") / "static"


@functools.cache
def static_url(name: str) -> str:
    """The address of ``static/name``, with its content's hash: a browser may keep it as long
    as it likes, and a changed file gets a new address."""
    digest = hashlib.sha256((static_dir() / name).read_bytes()).hexdigest()[:12]
    return f"{STATIC_PATH}/{name}?v={digest}"


@functools.cache
def environment():
    import jinja2

    from facetrack.metrics.labels import (NOISE_MEANING, NOISE_NAME, VERDICT_MEANING, WHAT_CAN_BE_SEEN, format_value,
                                          meaning)
    from facetrack.report.changes import pair_change
    from facetrack.capture.advice import GUIDE
    from facetrack.report.wording import failed_checks_sentence, light_moved_warning, photo_name, value_or_why

    env = jinja2.Environment(loader=jinja2.PackageLoader("facetrack.app", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    # What a template may call to write a measure: the library's one way to write each.
    env.globals.update(format_value=format_value, meaning=meaning, pair_change=pair_change,
                       failed_checks_sentence=failed_checks_sentence, noise_name=NOISE_NAME,
                       noise_meaning=NOISE_MEANING, verdict_meaning=VERDICT_MEANING, what_can_be_seen=WHAT_CAN_BE_SEEN,
                       static=static_url, nav=NAV,
                       photo_name=photo_name, value_or_why=value_or_why, light_moved_warning=light_moved_warning,
                       capture_guide=GUIDE)
    return env


def render(title: str, body_template: str, *, profile: str, profiles, message: str | None = None,
           error: bool = False, **values) -> str:
    """The page ``body_template`` (one of the names above) with ``values``, inside the frame
    (``title``, the profiles, the demo's banner, ``due``, ``message``, its ``tech``nical details)."""
    due, demo, tech = values.pop("due", None), values.pop("demo", False), values.pop("tech", None)
    return environment().get_template(body_template).render(
        **values, title=title, profile=profile, profiles=profiles, due=due, demo=demo, tech=tech,
        message=message, error=error)
