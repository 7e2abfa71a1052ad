"""After a change, back to a page a person can reload: a POST that changed something answers
with a 303 to the page's own address carrying ``?note=<key>``, and that page shows the note
(what was done, in a sentence). Reloading shows the page and its note again; nothing is sent
twice. Notes live in memory for this launch (the last ``NOTES_KEPT``); an unknown key shows
the page without one.

A refusal is not a change: it answers at once with the page, its sentence and a 4xx status.
"""

from __future__ import annotations

import secrets
import threading

NOTES_KEPT = 64
_LOCK = threading.Lock()


def _notes(request) -> dict:
    state = request.app.state
    with _LOCK:
        if not hasattr(state, "notes"):
            state.notes = {}
        return state.notes


def back_to(request, path: str, note: str):
    """A 303 to the app's own ``path`` (no query), whose page will say ``note``."""
    from starlette.responses import RedirectResponse

    notes = _notes(request)
    key = secrets.token_urlsafe(8)
    with _LOCK:
        while len(notes) >= NOTES_KEPT:
            notes.pop(next(iter(notes)))
        notes[key] = note
    return RedirectResponse(f"{path}?note={key}", status_code=303)


def note(request) -> str | None:
    """The note the address names (``?note=``), else None."""
    key = request.query_params.get("note")
    return _notes(request).get(key) if key else None
