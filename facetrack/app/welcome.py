"""The first page of an empty store, and the demo.

An empty store (no capture in any profile) opens on the welcome page: what facetrack does,
the two ways in (take a photo, add photos), and a demo. The demo is built on request with
``facetrack demo``'s own code in a data dir of its own beside the user's
(``common.demo_dir``), never inside it; while it is shown every page says so and offers the
way back, and taking or adding a photo leaves it first, so nothing of the user's goes into
it and nothing of it into the user's store.
"""

from __future__ import annotations

import threading

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse

from facetrack.app import pages
from facetrack.app.common import DEMO_PROFILE, data_dir, demo_dir, demo_shown, render

_BUILDING = threading.Lock()  # one demo built at a time


def store_is_empty(root) -> bool:
    """Whether the store in ``root`` has no capture in any profile (or no store at all)."""
    from facetrack.store import Store
    from facetrack.store.connection import DB_NAME

    if not (root / DB_NAME).exists():
        return True
    with Store.open(root, read_only_ok=True) as store:
        return not any(store.captures(p) for p in store.profiles())


def opens_on_welcome(request) -> bool:
    """Whether the app's first page is the welcome page: the user's store is empty and the
    demo is not shown."""
    return not demo_shown(request) and store_is_empty(data_dir(request))


def welcome(request):
    return render(request, "Welcome", pages.WELCOME)


def build_demo(root, measurer) -> None:
    """The demo's store in ``root`` (built once; kept for the next time)."""
    from facetrack.demo import import_demo
    from facetrack.store import Store

    from facetrack.errors import StoreError

    with _BUILDING:
        if root.is_symlink() or (root.exists() and not root.is_dir()):
            # whatever it points at is not the demo this app made: never shown as the demo
            raise StoreError(f"{root} is a link or a file, not the demo's own folder: remove it, "
                             "and the demo is made there again")
        root.mkdir(parents=True, exist_ok=True)
        with Store.open(root) as store:
            if len(store.captures(DEMO_PROFILE)) >= 2:
                return
            import_demo(store, root / "photos", measurer)


async def show_demo(request):
    """Build the demo if needed (off the event loop: it takes some seconds), then show it."""
    from facetrack.errors import FacetrackError

    root = demo_dir(data_dir(request))
    try:
        measurer = await run_in_threadpool(request.app.state.models.measurer)
        await run_in_threadpool(build_demo, root, measurer)
    except (FacetrackError, OSError) as exc:
        return await run_in_threadpool(render, request, "Welcome", pages.WELCOME, 503,
                                       message=f"The demo could not be made: {exc}", error=True)
    request.app.state.demo_shown = True
    return RedirectResponse("/trends", status_code=303)


def leave_demo(request):
    request.app.state.demo_shown = False
    return RedirectResponse("/", status_code=303)


def leaving_demo(endpoint):
    """``endpoint`` after leaving the demo: a photo taken or added goes to the user's store,
    and the pages show it."""
    import inspect

    if inspect.iscoroutinefunction(endpoint):
        async def left(request):
            request.app.state.demo_shown = False
            return await endpoint(request)
    else:
        def left(request):
            request.app.state.demo_shown = False
            return endpoint(request)
    left.__name__ = endpoint.__name__
    return left
