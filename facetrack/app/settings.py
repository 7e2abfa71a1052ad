"""The settings page: the capture checks' thresholds (``GateConfig``), kept in ``gates.toml``
in the data dir, which ``facetrack capture`` also reads."""

from __future__ import annotations

import os
from pathlib import Path

from facetrack.app import pages
from facetrack.app.common import data_dir, render

GATES_FILE = "gates.toml"  # the capture settings, in the data dir (``facetrack capture`` reads it too)


def gates_path(root: Path) -> Path:
    return Path(root) / GATES_FILE


def gate_config(root: Path):
    """The saved capture settings of the data dir ``root``, else the defaults."""
    from facetrack.capture.gates import GateConfig

    path = gates_path(root)
    return GateConfig.from_toml(path) if path.is_file() else GateConfig()


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(text)
    os.replace(part, path)


def settings(request, message=None, error=False, status=200):
    from dataclasses import fields

    from facetrack.capture.gates import GateConfig

    config, defaults = gate_config(data_dir(request)), GateConfig()
    rows = [(f.name, f"{getattr(config, f.name):g}", f"{getattr(defaults, f.name):g}") for f in fields(config)]
    return render(request, "Settings", pages.SETTINGS, status=status, message=message, error=error,
                  rows=rows, path=gates_path(data_dir(request)))


async def save(request):
    from facetrack.capture.gates import GateConfig

    form = await request.form()
    try:
        config = GateConfig().with_overrides([f"{k}={v}" for k, v in form.items()])
    except ValueError as exc:
        return settings(request, f"not saved: {exc}", True, 400)
    _write_atomically(gates_path(data_dir(request)), config.to_toml())
    return settings(request, "saved: the next capture uses these")


async def reset(request):
    gates_path(data_dir(request)).unlink(missing_ok=True)
    return settings(request, "back to the defaults")
