"""What every page's handlers share: the app's state on ``request.app.state``, the profile a
request is for, the store a page shows (the user's, or the demo's while it is shown), a page
rendered inside the common header, and plain-text answers.

``request.app.state`` holds (set once by ``server.create_app``):

- ``data_dir``: the store's folder (``Path``); ``profile``: the profile of the command line;
- ``port`` and ``token``: this launch's own (the ``security.Guard`` checks them);
- ``models``: the ``Models`` (the measurer and the face map, loaded on first use);
- ``thumbnails``: the photos page's small pictures by the photo's SHA-256;
- ``captures``: the browser captures by id (``live.Sessions``);
- ``scratch``: the app's scratch folder in the data dir, for uploads (``uploads.Scratch``).

Set here on first use: ``demo_shown`` (whether the pages show the demo's store, see
``welcome``) and ``pictures`` (the before/after pictures by the pair's ids, see ``compare``).

The profile: ``?profile=`` when given (then remembered in ``PROFILE_FILE`` in the data dir,
so the choice belongs to the data dir, never to a browser, host or port; remembered only on
the user's own navigation, ``own_navigation``), else the one
remembered there, else the launch's profile when it has captures, else the profile with the
most captures, else the launch's. Writes (capture, upload, settings) always go to the
user's own store (``data_dir``), never to the demo's.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from facetrack.app import pages

PROFILE_FILE = "app-profile.txt"  # the profile last shown, in the data dir
DEMO_PROFILE = "demo"


class Models:
    """The measurer and the face map, each loaded the first time a page needs it. The measurer
    is ``measurer_factory()``'s (its caller's to close), else one loaded here (closed by
    ``close``)."""

    def __init__(self, measurer_factory=None):
        self._factory = measurer_factory
        self._measurer = None
        self._topology = None
        self._lock = threading.Lock()

    def measurer(self):
        with self._lock:
            if self._measurer is None:
                from facetrack.detect.measure import Measurer

                self._measurer = (self._factory or Measurer.from_model)()
            return self._measurer

    def topology(self):
        with self._lock:
            if self._topology is None:
                from facetrack.detect.model import resolve
                from facetrack.topology import load_topology

                self._topology = load_topology(resolve().path)
            return self._topology

    def close(self) -> None:
        with self._lock:
            if self._measurer is not None and self._factory is None:
                self._measurer.close()
            self._measurer = None


def data_dir(request) -> Path:
    """The user's own store (every write goes here)."""
    return request.app.state.data_dir


def demo_dir(root: Path) -> Path:
    """Where the app builds its demo for the store ``root``: a sibling folder named for it,
    never inside the user's store."""
    root = Path(root).resolve()
    return root.parent / f"{root.name}-facetrack-demo"


def demo_shown(request) -> bool:
    return bool(getattr(request.app.state, "demo_shown", False))


def shown_dir(request) -> Path:
    """The store a page shows: the demo's while it is shown, else the user's."""
    return demo_dir(data_dir(request)) if demo_shown(request) else data_dir(request)


def _remembered(root: Path) -> str | None:
    from facetrack.errors import StoreError
    from facetrack.store import check_profile_name

    try:
        return check_profile_name((Path(root) / PROFILE_FILE).read_text(encoding="utf-8").strip())
    except (OSError, UnicodeError, StoreError):  # none, or a hand-edited file: no choice kept
        return None


def remember_profile(root: Path, name: str) -> None:
    """Keep ``name`` as the data dir's chosen profile (written whole, or not at all)."""
    path = Path(root) / PROFILE_FILE
    if _remembered(root) == name:
        return
    part = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        part.write_text(name + "\n", encoding="utf-8")
        os.replace(part, path)
    except OSError:
        pass  # a read-only data dir: the choice is not kept, the page still shows it
    finally:
        part.unlink(missing_ok=True)


def chosen_profile(root: Path, launch: str) -> str:
    """The profile a page of the store ``root`` opens on, without ``?profile=``: the one
    remembered in the data dir, else ``launch`` when it has captures, else the profile with
    the most captures, else ``launch``."""
    from facetrack.store import Store

    remembered = _remembered(root)
    if remembered:
        return remembered
    from facetrack.store.connection import DB_NAME

    if not (Path(root) / DB_NAME).exists():
        return launch
    with Store.open(root, read_only_ok=True) as store:
        counts = {p: len(store.captures(p)) for p in store.profiles()}
    if counts.get(launch):
        return launch
    full = sorted((p for p in counts if counts[p]), key=lambda p: (-counts[p], p))
    return full[0] if full else launch


def own_navigation(request) -> bool:
    """Whether the request is the user's own move to a page: a browser says (``Sec-Fetch-*``)
    that it opens a whole page (not a picture, script or fetch) from the app itself or from the
    address bar. Only then is a GET's ``?profile=`` remembered: a GET never changes what the
    app keeps otherwise. A client that sends no such headers (not a browser) counts as the
    user's own."""
    headers = request.headers
    return (headers.get("sec-fetch-site", "none") in ("same-origin", "none")
            and headers.get("sec-fetch-mode", "navigate") == "navigate"
            and headers.get("sec-fetch-dest", "document") == "document")


def current_profile(request) -> str:
    """The user's profile this request is for: ``?profile=`` (then remembered in the data dir),
    else ``chosen_profile``."""
    from facetrack.store import check_profile_name

    given = request.query_params.get("profile")
    if given:
        name = check_profile_name(given)
        if not demo_shown(request) and own_navigation(request):
            remember_profile(data_dir(request), name)
        return name
    return chosen_profile(data_dir(request), request.app.state.profile)


def shown_profile(request) -> str:
    """The profile a page shows: the demo's while it is shown, else ``current_profile``."""
    return DEMO_PROFILE if demo_shown(request) else current_profile(request)


def render(request, title: str, template: str, status: int = 200, **values):
    """A whole page: ``template`` rendered with ``values`` inside the header, with when the next
    weekly photo is due and, while the demo is shown, a banner saying so."""
    from starlette.responses import HTMLResponse

    from facetrack.stats.schedule import due_sentence
    from facetrack.store import Store
    from facetrack.store.schema import valid_profile_name

    if not values.get("message"):  # what the change that led here did (``notes``)
        from facetrack.app.notes import note

        values["message"] = note(request)
    demo = demo_shown(request)
    name = shown_profile(request)
    with Store.open(shown_dir(request), read_only_ok=True) as store:
        profiles = [DEMO_PROFILE] if demo else sorted({*filter(valid_profile_name, store.profiles()), name})
        captures = store.captures(name) if name in store.profiles() else []
    due = due_sentence(captures, dt.datetime.now()) if not demo else None
    repaired = [] if demo else getattr(request.app.state, "date_repairs", {}).pop(name, [])
    if repaired:  # said once, on the profile's next page
        values["message"] = " ".join([*repaired, *([values["message"]] if values.get("message") else [])])
    response = HTMLResponse(pages.render(title, template, profile=name, profiles=profiles, due=due, demo=demo,
                                         **values), status_code=status)
    return response


def repair_stored_dates(root: Path) -> dict[str, list[str]]:
    """Re-date the captures of the store ``root`` whose dates cannot be a photo's (a store
    written before dates were checked: year 1, 9999, in the future), each noted in the store's
    audit (``ingest.dates.repair_dates``); the sentences saying so, by profile. A store that
    cannot be written is left as it is."""
    from facetrack.errors import FacetrackError
    from facetrack.ingest.dates import repair_dates
    from facetrack.store import Store
    from facetrack.store.connection import DB_NAME

    if not (Path(root) / DB_NAME).exists():
        return {}
    try:
        with Store.open(root, read_only_ok=True) as store:
            return {p: said for p in store.profiles() if (said := repair_dates(store, p))}
    except (FacetrackError, OSError):
        return {}


def plain(text: str, status: int):
    """A one-line plain-text answer."""
    from starlette.responses import Response

    return Response(text.rstrip("\n") + "\n", status_code=status, media_type="text/plain")


def no_such_capture():
    return plain("no such capture in this profile", 404)
