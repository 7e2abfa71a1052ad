"""``facetrack app``: the weekly routine's data in a local web page (photos, trends, before /
after, report and export), over the same library as the command line.

Every page reads the store afresh; every change (upload, baseline, delete) goes through the
same library calls as the CLI (``ingest.importer``, ``Store``), with the same refusals.
Images are served by capture id only: no path from the browser reaches the file system.

The package, by module:

- ``server``: ``create_app`` (the Starlette app, its shared state, behind the ``Guard``) and
  ``serve`` (uvicorn on 127.0.0.1).
- ``routes``: every URL and its handler, the one place routes are built.
- ``common``: what every handler shares: ``request.app.state`` (listed there), the request's
  profile, ``render`` (a page inside the common header), plain-text answers.
- One module per page, its endpoints plain functions: ``photos`` (list, upload, baseline,
  delete, photo and thumbnail), ``trends``, ``compare`` (before / after), ``report`` (and
  downloads), ``settings`` (the capture checks), ``capture`` (the browser camera's guided
  capture; ``live`` runs it in a thread of its own).
- ``pages``: the HTML templates (Python strings, Jinja2) and the page frame.
- ``security``: the ``Guard`` (host, origin, per-launch token, content policy).

A new page: a module with its endpoints, its template in ``pages``, its routes in ``routes``
and its link in ``pages.NAV``.
"""

from __future__ import annotations

import socket
from pathlib import Path

from facetrack.app.common import Models
from facetrack.app.security import Guard, new_token
from facetrack.errors import FacetrackError

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def _refused(request, exc):  # a library error is one line, never a traceback
    from starlette.responses import Response

    return Response(f"refused: {exc}\n", status_code=400, media_type="text/plain")


class App:
    """The ASGI app: the Starlette app of ``routes`` behind the ``Guard``; ``close()`` ends a
    running capture and releases the models."""

    def __init__(self, starlette, guard: Guard):
        self.starlette = starlette
        self.guard = guard

    @property
    def state(self):
        return self.starlette.state

    async def __call__(self, scope, receive, send):
        await self.guard(scope, receive, send)

    def close(self) -> None:
        if self.state.live is not None:
            self.state.live.close()
            self.state.live = None
        self.state.models.close()


def create_app(data_dir, *, profile: str = "default", port: int, token: str, measurer_factory=None) -> App:
    """The ASGI app for the store in ``data_dir``, guarded for ``port`` and ``token``."""
    from starlette.applications import Starlette

    from facetrack.app.routes import routes

    app = Starlette(routes=routes(), exception_handlers={FacetrackError: _refused})
    app.state.data_dir = Path(data_dir)
    app.state.profile = profile
    app.state.port = port
    app.state.token = token
    app.state.models = Models(measurer_factory)
    app.state.thumbnails = {}
    app.state.live = None
    return App(app, Guard(app, port=port, token=token))


def serve(data_dir, *, profile: str = "default", port: int | None = None,
          on_ready=None) -> None:
    """Run the app on 127.0.0.1 until interrupted; ``on_ready(url)`` is called with the URL
    (holding this launch's token) once the server listens."""
    import uvicorn

    port = port or free_port()
    token = new_token()
    app = create_app(data_dir, profile=profile, port=port, token=token)
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off")
    url = f"http://{HOST}:{port}/photos?token={token}"

    class Announcing(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if on_ready:
                on_ready(url)

    server = Announcing(config)
    try:
        server.run()
    finally:
        app.close()
