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
- ``pages``: the pages' Jinja2 templates (``templates/``, frame ``base.html``) and ``render``;
  their style and scripts are ``static/`` (served at ``/static``, see ``routes``).
- ``security``: the ``Guard`` (host, origin, per-launch token, content policy).
- ``uploads``: request bodies read with limits, uploads streamed into the app's scratch
  folder in the data dir; ``frames``: a camera frame checked before it is decoded;
  ``cache``: the before / after and time-lapse pictures kept within a byte budget, and the
  pool heavy pictures and downloads run on (never the pages' threads).

Limits: every body has one (uploads ``photos.MAX_UPLOAD_BYTES``, frames
``frames.MAX_FRAME_BYTES``, the settings form ``settings.MAX_FORM_BYTES``); work that takes
time (import, decode, measure, store reads) runs off the event loop. The server cuts a
connection whose request head has not come within ``HEAD_TIMEOUT_S`` and answers 503 past
``MAX_CONNECTIONS``.

Two apps on one data dir may run at once (as the CLI may beside the app): every write is an
SQLite transaction, a photo is stored once (``DuplicateCapture``), ``gates.toml`` is replaced
whole, and each app has its own scratch folder.

A new page: a module with its endpoints, its template in ``templates/`` (named in ``pages``), its routes in ``routes``
and its link in ``pages.NAV``.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from pathlib import Path

from facetrack.app.cache import HeavyPool, PictureCache
from facetrack.app.common import Models, repair_stored_dates
from facetrack.app.live import Sessions
from facetrack.app.security import Guard, new_token
from facetrack.app.uploads import Scratch, remove_abandoned
from facetrack.errors import FacetrackError

HOST = "127.0.0.1"
#: A connection must send its whole request head within this long (of opening, or of the
#: previous answer): a client that trickles its headers is cut off.
HEAD_TIMEOUT_S = 10.0
#: Connections at once (a browser opens six or so); more are answered 503.
MAX_CONNECTIONS = 64
#: Past this many connections a new one cuts the oldest that have sent no request head yet.
CROWDED = MAX_CONNECTIONS - 16
#: On Ctrl-C (or SIGTERM, SIGHUP) requests still running get this long to end, then are cut
#: (a stalled upload would hold the app open for ever).
SHUTDOWN_WAIT_S = 5.0
#: The largest incomplete request head h11 buffers (bytes); a complete head is held to
#: ``security.MAX_HEADER_BYTES`` by the Guard.
MAX_HEAD_BYTES = 16 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def _refused(request, exc):  # a library error is one line, never a traceback
    from starlette.responses import Response

    return Response(f"refused: {exc}\n", status_code=400, media_type="text/plain")


async def _out_of_calendar(request, exc):  # a stored date at the calendar's end, read-only store
    from starlette.responses import Response

    return Response("refused: a photo's date in this store cannot be right (before 1900 or far in the future): "
                    "correct it with `facetrack redate`\n", status_code=409, media_type="text/plain")


class App:
    """The ASGI app: the Starlette app of ``routes`` behind the ``Guard``. ``close()`` ends the
    captures (waiting a little for their threads), removes the scratch folder and releases
    the models."""

    def __init__(self, starlette, guard: Guard):
        self.starlette = starlette
        self.guard = guard

    @property
    def state(self):
        return self.starlette.state

    async def __call__(self, scope, receive, send):
        await self.guard(scope, receive, send)

    def close(self) -> None:
        self.state.captures.close()
        self.state.heavy.close()
        self.state.scratch.close()
        self.state.models.close()
        self.state.pictures.clear()


def create_app(data_dir, *, profile: str = "default", port: int, token: str, measurer_factory=None) -> App:
    """The ASGI app for the store in ``data_dir``, guarded for ``port`` and ``token``."""
    from starlette.applications import Starlette

    from facetrack.app.routes import routes

    app = Starlette(routes=routes(), exception_handlers={FacetrackError: _refused, OverflowError: _out_of_calendar})
    app.state.data_dir = Path(data_dir)
    app.state.profile = profile
    app.state.port = port
    app.state.token = token
    app.state.models = Models(measurer_factory)
    app.state.thumbnails = {}
    app.state.pictures = PictureCache()  # before / after and the time-lapse, within a byte budget
    app.state.heavy = HeavyPool()  # the threads those pictures and the downloads are made on
    app.state.captures = Sessions()
    remove_abandoned(app.state.data_dir)  # left by an app killed on this data dir
    app.state.date_repairs = repair_stored_dates(app.state.data_dir)  # dates no photo can have
    app.state.scratch = Scratch(app.state.data_dir)
    return App(app, Guard(app, port=port, token=token))


def head_timeout_protocol(timeout_s: float, crowded: int = CROWDED):
    """uvicorn's h11 protocol with a deadline for each request head: ``timeout_s`` from the
    connection opening, or from the previous answer, however slowly bytes keep coming
    (uvicorn's own keep-alive timeout restarts with every byte). Past ``crowded`` connections,
    a new one cuts the oldest still waiting for their heads (half-sent or idle), so connections
    that send nothing cannot keep the user's pages out until their deadline."""
    import asyncio

    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting: dict = {}  # the connections waiting for a request head, oldest first

    class HeadTimeoutProtocol(H11Protocol):
        _head_deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._head_deadline = self.loop.call_later(timeout_s, self._cut)
            waiting[self] = None

        def _disarm(self) -> None:
            waiting.pop(self, None)
            if self._head_deadline is not None:
                self._head_deadline.cancel()
                self._head_deadline = None

        def _cut(self) -> None:
            self._head_deadline = None
            waiting.pop(self, None)
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()
            excess = len(self.server_state.connections) - crowded
            for other in [c for c in waiting if c is not self][:max(0, excess)]:
                other._disarm()
                other._cut()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the head has come

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's head

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeadTimeoutProtocol


def server_config(app, port: int, *, head_timeout_s: float = HEAD_TIMEOUT_S):
    """uvicorn's settings for the app: 127.0.0.1 only, h11 with a deadline for request heads,
    a bounded head size and number of connections."""
    import uvicorn

    return uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off",
                          http=head_timeout_protocol(head_timeout_s), limit_concurrency=MAX_CONNECTIONS,
                          h11_max_incomplete_event_size=MAX_HEAD_BYTES, timeout_keep_alive=5,
                          timeout_graceful_shutdown=SHUTDOWN_WAIT_S)


#: The signals that end the app the way Ctrl-C does (the same clean-up): Ctrl-C, ``kill`` and a
#: closed terminal.
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
                       if hasattr(signal, name))


@contextlib.contextmanager
def _ending_signals(server):
    """uvicorn's ``capture_signals`` for ``ENDING_SIGNALS``, without raising the signal again
    afterwards: uvicorn's re-raised SIGTERM killed the process before ``serve``'s clean-up, and
    SIGHUP was not caught at all. Each ends the server; ``serve`` then cleans up and returns."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    original = {sig: signal.signal(sig, server.handle_exit) for sig in ENDING_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in original.items():
            signal.signal(sig, handler)


def serve(data_dir, *, profile: str = "default", port: int | None = None,
          on_ready=None) -> None:
    """Run the app on 127.0.0.1 until interrupted; ``on_ready(url)`` is called with the URL
    (holding this launch's token) once the server listens."""
    import uvicorn

    from facetrack.app.launcher import port_is_free, read_bookmark

    mark = read_bookmark(data_dir)  # the data dir's own port and key (``launcher``), when it has them
    if port is None and mark is not None and port_is_free(mark.port):
        port = mark.port
    port = port or free_port()
    token = mark.key if mark is not None else new_token()
    app = create_app(data_dir, profile=profile, port=port, token=token)
    config = server_config(app, port)
    url = f"http://{HOST}:{port}/photos?token={token}"

    class Announcing(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if on_ready:
                on_ready(url)

        capture_signals = _ending_signals

    server = Announcing(config)
    try:
        server.run()
    finally:
        app.close()
