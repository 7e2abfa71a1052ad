"""What every command shares: the error handling, the common options, opening the store,
and printing a library's warnings.

Every library error becomes one line on stderr (``error: <file>: <problem>``) and a
non-zero exit; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from facetrack.errors import FacetrackError

EXIT_ERROR = 1
EXIT_REJECTED = 2


class FacetrackGroup(click.Group):
    """A click group that turns facetrack's own errors into one clean line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except FacetrackError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


def profile_option(f):
    return click.option("--profile", default="default", show_default=True,
                        help="Profile (person) the captures belong to.")(f)


def data_dir_option(f):
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None,
                        help="Data dir (default: $FACETRACK_HOME or the user data dir).")(f)


def model_option(f):
    return click.option("--model", "model", type=click.Path(dir_okay=False, path_type=Path),
                        default=None,
                        help="face_landmarker.task to use (default: see `facetrack model path`).")(f)


def source_options(f):
    """--camera / --video / --images (one frame source) and the camera's requested size."""
    options = (
        click.option("--camera", type=int, default=None, help="Webcam index."),
        click.option("--video", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Read frames from a video file."),
        click.option("--images", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Read frames from a folder of images (name order)."),
        click.option("--width", default=1280, show_default=True, help="Requested camera width."),
        click.option("--height", default=720, show_default=True, help="Requested camera height."),
    )
    for option in reversed(options):
        f = option(f)
    return f


def topology_of(model):
    """The named landmark map of the model facetrack resolves."""
    from facetrack.detect.model import resolve
    from facetrack.topology import load_topology

    return load_topology(resolve(model).path)


def open_store(data_dir, *, reading: bool = False):
    """The store; ``reading`` commands also work on a store on a read-only disk."""
    from facetrack.store import Store

    return Store.open(data_dir, read_only_ok=reading)


def parse_when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    from facetrack.ingest.dates import DateError, check_taken_at, parse_date

    try:
        return check_taken_at(parse_date(value)[0])  # one check for every date (ingest.dates)
    except DateError as exc:
        raise click.BadParameter(str(exc)) from None


def warn(message: str | None) -> None:
    """A library's warning, when it has one: one line on stderr."""
    if message:
        click.echo(f"warning: {message}", err=True)


def with_progress(items, run):
    """``run(progress)`` with a progress bar on a terminal (``progress`` is None elsewhere)."""
    if not sys.stderr.isatty() or len(items) < 2:
        return run(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("importing", total=len(items))
        return run(lambda _path: bar.advance(task))


def print_table(table, width: int | None = None) -> None:
    """A rich table on stdout; a pipe gets whole lines (``width`` columns, default: as wide as it needs)."""
    from rich.console import Console

    Console(width=None if sys.stdout.isatty() else width).print(table)
