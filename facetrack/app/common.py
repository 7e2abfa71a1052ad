"""What every page's handlers share: the app's state on ``request.app.state``, the profile a
request is for, a page rendered inside the common header (with the profile cookie), and
plain-text answers.

``request.app.state`` holds (set once by ``server.create_app``):

- ``data_dir``: the store's folder (``Path``); ``profile``: the profile of the command line;
- ``port`` and ``token``: this launch's own (the ``security.Guard`` checks them);
- ``models``: the ``Models`` (the measurer and the face map, loaded on first use);
- ``thumbnails``: the photos page's small pictures by the photo's SHA-256;
- ``captures``: the browser captures by id (``live.Sessions``);
- ``scratch``: the app's scratch folder in the data dir, for uploads (``uploads.Scratch``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from facetrack.app import pages

PROFILE_COOKIE = "facetrack_profile"


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
    return request.app.state.data_dir


def current_profile(request) -> str:
    """The profile this request is for: ``?profile=``, else the cookie, else the launch's."""
    from facetrack.store import check_profile_name

    name = request.query_params.get("profile") or request.cookies.get(PROFILE_COOKIE) or request.app.state.profile
    return check_profile_name(name)


def render(request, title: str, template: str, status: int = 200, **values):
    """A whole page: ``template`` rendered with ``values`` inside the header, and the profile
    it shows remembered in a cookie."""
    from starlette.responses import HTMLResponse

    from facetrack.store import Store

    name = current_profile(request)
    with Store.open(data_dir(request), read_only_ok=True) as store:
        profiles = sorted({*store.profiles(), name})
    response = HTMLResponse(pages.render(title, template, profile=name, profiles=profiles, **values),
                            status_code=status)
    response.set_cookie(PROFILE_COOKIE, name, httponly=True, samesite="strict")
    return response


def plain(text: str, status: int):
    """A one-line plain-text answer."""
    from starlette.responses import Response

    return Response(text.rstrip("\n") + "\n", status_code=status, media_type="text/plain")


def no_such_capture():
    return plain("no such capture in this profile", 404)
