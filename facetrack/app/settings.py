"""The settings page: the capture checks' thresholds (``GateConfig``), kept in ``gates.toml``
in the data dir, which ``facetrack capture`` also reads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from facetrack.app import pages
from facetrack.app.common import data_dir, render
from facetrack.app.notes import back_to
from facetrack.app.uploads import Refused, read_body

GATES_FILE = "gates.toml"  # the capture settings, in the data dir (``facetrack capture`` reads it too)
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 100


def gates_path(root: Path) -> Path:
    return Path(root) / GATES_FILE


def gate_config(root: Path):
    """The saved capture settings of the data dir ``root``, else the defaults."""
    from facetrack.capture.gates import GateConfig

    path = gates_path(root)
    return GateConfig.from_toml(path) if path.is_file() else GateConfig()


def _write_atomically(path: Path, text: str) -> None:
    """``text`` in ``path``, whole: written under a name of its own, then renamed into place."""
    part = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        part.write_text(text)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


#: The settings chosen from a few named choices (a list on the page, not a number), by value.
CHOICES = {"plain_background": ("not checked", "a warning after the photo", "wait until it passes")}


def setting_rows(config, defaults) -> list[dict]:
    """Each check as the page shows it: plain name, what it does, unit, allowed range (the
    input's min and max), value and default; a setting of ``CHOICES`` as its named choices."""
    from dataclasses import fields

    rows = []
    for f in fields(config):
        setting = f.metadata["setting"]
        value, default = getattr(config, f.name), getattr(defaults, f.name)
        choices = [(f"{i:g}", words) for i, words in enumerate(CHOICES.get(f.name, ()))]
        rows.append({"name": f.name, "label": setting.label, "meaning": setting.meaning, "unit": setting.unit,
                     "low": f"{setting.low:g}", "high": f"{setting.high:g}", "step": "1" if setting.whole else "any",
                     "allowed": "one of the choices" if choices else setting.allowed, "value": f"{value:g}",
                     "default": dict(choices).get(f"{default:g}", f"{default:g}"), "choices": choices})
    return rows


def in_words(text: str) -> str:
    """A refusal's sentence with each setting's plain name for its internal one."""
    from dataclasses import fields

    from facetrack.capture.gates import GateConfig

    for f in sorted(fields(GateConfig), key=lambda f: -len(f.name)):
        text = text.replace(f.name, f.metadata["setting"].label)
    return text


def settings(request, message=None, error=False, status=200, tech=None):
    from facetrack.capture.gates import GateConfig
    from facetrack.errors import InputError

    defaults = GateConfig()
    try:
        config = gate_config(data_dir(request))
    except InputError as exc:  # a hand-edited file: shown, left as it is until saved or reset
        config = defaults
        message, error = (f"{message}. " if message else "") + "The saved settings cannot be used: " \
            "the defaults are shown; save or reset them here", True
        tech = str(exc)
    return render(request, "Settings", pages.SETTINGS, status=status, message=message, error=error, tech=tech,
                  rows=setting_rows(config, defaults), path=gates_path(data_dir(request)))


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """The fields of an url-encoded form; ``Refused`` when it is not one."""
    from urllib.parse import parse_qsl

    try:
        text = body.decode("utf-8", "strict")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict",
                         max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the settings must come as the settings page's form") from None


def not_a_number(items: list[tuple[str, str]]) -> str | None:
    """The refusal of the first known setting whose box is empty or holds no number, in
    words ("max_yaw must be a number from 0.5 to 30 (degrees) but the box was empty"), else None."""
    import math
    from dataclasses import fields

    from facetrack.capture.gates import GateConfig

    known = {f.name: f.metadata["setting"] for f in fields(GateConfig)}
    for key, value in items:
        if key not in known:
            continue
        if not value.strip():
            return f"{key} must be {known[key].allowed} but the box was empty"
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return f"{key} must be {known[key].allowed} but got {value.strip()[:40]!r}"
    return None


def _saved(root: Path, items: list[tuple[str, str]]):
    """The saved settings with ``items`` changed, written (whole, or not at all); the new config."""
    from facetrack.errors import InputError

    names = [k for k, _ in items]
    twice = sorted({k for k in names if names.count(k) > 1})
    if twice:
        raise ValueError(f"each setting must be given once but got {', '.join(twice)} more than once")
    try:
        current = gate_config(root)
    except InputError:
        from facetrack.capture.gates import GateConfig

        current = GateConfig()
    config = current.with_overrides([f"{k}={v}" for k, v in items])
    _write_atomically(gates_path(root), config.to_toml())
    return config


async def save(request):
    """Change the settings the form gives (the others keep their saved values); every value is
    checked (``GateConfig``) before the file is written, and a refusal leaves it as it was."""
    root = data_dir(request)
    try:
        items = []
        items = parse_form(await read_body(request, MAX_FORM_BYTES, "the settings form"))
        await run_in_threadpool(_saved, root, items)
    except Refused as exc:
        return await run_in_threadpool(settings, request, f"not saved: {exc.sentence}", True, exc.status)
    except ValueError as exc:  # the sentence in plain names; the library's own words for support
        said = in_words(not_a_number(items) or str(exc)).rstrip(".")
        return await run_in_threadpool(settings, request, f"not saved: {said}.", True, 400, str(exc))
    except OSError as exc:
        return await run_in_threadpool(settings, request, f"not saved: {gates_path(root)} cannot be written "
                                       f"({exc.strerror or exc})", True, 503)
    return back_to(request, "/settings", "Saved: the next capture uses these settings.")


def _shortcut(root) -> str:
    """The launchers written for the data dir ``root`` (``app.launcher``), in a sentence."""
    from facetrack.app.launcher import make_bookmark, write_launchers

    written = write_launchers(root)
    mark = make_bookmark(root)
    where = "on your desktop and in the applications menu" if len(written) > 1 else "in the applications menu"
    return (f"facetrack is now {where}: clicking it starts facetrack and opens this page. From the next start "
            f"on, the address {mark.url()} stays the same, so you can bookmark it.")


async def shortcut(request):
    """The Settings button "Add facetrack to the desktop": ``facetrack shortcut`` for this data dir."""
    try:
        said = await run_in_threadpool(_shortcut, data_dir(request))
    except (OSError, ValueError) as exc:
        return await run_in_threadpool(settings, request, f"The shortcut could not be written: {exc}.", True, 503)
    return back_to(request, "/settings", said)


async def reset(request):
    gates_path(data_dir(request)).unlink(missing_ok=True)
    return back_to(request, "/settings", "Reset: every check is back to its default.")
