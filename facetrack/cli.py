"""The facetrack command line: thin commands that join the stages.

Every library error becomes one line on stderr (``error: <file>: <problem>``) and a
non-zero exit; nothing is half-written.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import FacetrackError

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


def _topology(model):
    """The named landmark map of the model facetrack resolves."""
    from .model import resolve
    from .topology import load_topology

    return load_topology(resolve(model).path)


def _open_store(data_dir):
    from .store import Store

    return Store.open(data_dir)


@click.group(cls=FacetrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="facetrack")
def main():
    """Local, private, measurement-grade face progress tracker.

    Nothing leaves this machine. Example, from photos to a trend chart:

    \b
        facetrack import ~/Pictures/face/*.jpg
        facetrack trends -o trends.png
    """


# --- model ------------------------------------------------------------------------------
@main.group()
def model():
    """Find or download the face landmarker model.

    \b
    Example:
        facetrack model path
    """


@model.command("path")
@model_option
def model_path(model):
    """Print the model file facetrack uses, and why.

    \b
    Example:
        facetrack model path --model ./face_landmarker.task
    """
    from .model import resolve

    found = resolve(model)
    click.echo(f"{found.path}\t({found.reason}; sha256 verified)")


@model.command("download")
def model_download():
    """Download the official model from MediaPipe into the user cache (explicit only).

    \b
    Example:
        facetrack model download
    """
    from .model import MODEL_URL, download

    click.echo(f"downloading {MODEL_URL}", err=True)
    click.echo(str(download()))


# --- import -------------------------------------------------------------------------------
def _parse_when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date/time (e.g. 2026-01-05T09:00)") from None


@main.command("import")
@click.argument("photos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--taken-at", help="Capture time when the photo has no EXIF date (ISO 8601).")
@click.option("--workers", type=int, default=0,
              help="Processes measuring photos, this one included (default: every core for 8 or more photos).")
@profile_option
@data_dir_option
@model_option
def import_cmd(photos, taken_at, workers, profile, data_dir, model):
    """Import photos: detect the face, measure it, and store it.

    Each photo is stored whole or not at all; a photo already imported (same SHA-256) is
    skipped. The capture time comes from EXIF DateTimeOriginal, else --taken-at, else the
    file's modification time.

    \b
    Example:
        facetrack import week01.jpg week02.jpg --profile me
    """
    import contextlib
    import os

    from .importer import import_photos
    from .measure import Measurer
    from .model import resolve
    from .store import check_profile_name
    from .workers import Helpers

    check_profile_name(profile)
    when = _parse_when(taken_at)
    if workers <= 0:
        # a helper takes ~2 s to start (this process measures meanwhile): worth it from ~8 photos
        workers = (os.cpu_count() or 1) if len(photos) >= 8 else 1
    workers = min(workers, len(photos))
    model_path = resolve(model).path
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(_open_store(data_dir))
        # helpers start loading the model now, while this process loads its own
        helpers = stack.enter_context(Helpers(model_path, photos, workers - 1)) if workers > 1 else None
        measurer = stack.enter_context(Measurer(model_path))
        report = _with_progress(photos, lambda progress: import_photos(
            photos, store=store, measurer=measurer, profile=profile, taken_at=when,
            progress=progress, workers=workers, helpers=helpers))
    for path, cid in report.imported:
        click.echo(f"imported {path} as capture {cid}")
    for path, cid in report.duplicates:
        click.echo(f"skipped {path}: already imported as capture {cid}")
    for path, problem in report.rejected:
        click.echo(f"error: {path}: {problem}", err=True)
    if len(photos) > 1:
        click.echo(f"{len(report.imported)} imported, {len(report.duplicates)} skipped as "
                   f"duplicate, {len(report.rejected)} rejected")
    if report.rejected:
        sys.exit(EXIT_REJECTED)


def _with_progress(items, run):
    if not sys.stderr.isatty() or len(items) < 2:
        return run(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("importing", total=len(items))
        return run(lambda _path: bar.advance(task))


# --- list / metrics -------------------------------------------------------------------------
@main.command("list")
@profile_option
@data_dir_option
def list_cmd(profile, data_dir):
    """List a profile's captures, oldest first.

    \b
    Example:
        facetrack list --profile me
    """
    from rich.console import Console
    from rich.table import Table

    with _open_store(data_dir) as store:
        captures = store.captures(profile)
    if not captures:
        click.echo(f"no captures in profile {profile!r}")
        return
    table = Table("id", "taken at", "source", "yaw", "pitch", "roll", "views")
    for c in captures:
        pose = [f"{v:+.1f}" for v in c.pose] if c.pose else ["", "", ""]
        table.add_row(str(c.id), c.taken_at.isoformat(sep=" "), Path(c.source_path).name, *pose,
                      str(c.quality.get("views", "")))
    Console().print(table)


@main.command("metrics")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per capture.")
@click.option("--describe", is_flag=True, help="Describe every metric instead of printing values.")
@profile_option
@data_dir_option
def metrics_cmd(as_csv, as_json, describe, profile, data_dir):
    """Print every capture's metric values (or, with --describe, what each metric means).

    \b
    Examples:
        facetrack metrics --json
        facetrack metrics --describe
    """
    from .metrics import REGISTRY

    if describe:
        for m in REGISTRY:
            click.echo(f"{m.name} (v{m.version}, {m.group}, {m.units}): {m.description}")
        return
    with _open_store(data_dir) as store:
        captures = store.captures(profile)
    _warn_if_stale(captures, profile)
    names = [m.name for m in REGISTRY]
    if as_json:
        click.echo(json.dumps([
            {"id": c.id, "taken_at": c.taken_at.isoformat(), "source": c.source_path,
             "metrics": {n: c.metrics[n].value for n in names if n in c.metrics},
             "spread": {n: c.metrics[n].spread for n in names if n in c.metrics}}
            for c in captures], indent=2))
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id", "taken_at", "source", *names])
        for c in captures:
            writer.writerow([c.id, c.taken_at.isoformat(), c.source_path,
                             *[f"{c.metrics[n].value:.6g}" if n in c.metrics else "" for n in names]])
        return
    if not captures:
        click.echo(f"no captures in profile {profile!r}")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("metric", *[c.taken_at.date().isoformat() for c in captures])
    for n in names:
        table.add_row(n, *[f"{c.metrics[n].value:.4g}" if n in c.metrics else "" for c in captures])
    Console().print(table)


def _calibration(store, profile: str) -> tuple[dt.datetime | None, dict[str, float]]:
    """When the profile's repeatability was calibrated, and its MDC95 per metric ({} when it
    never was). One line on stderr when the calibration was measured with older metric
    definitions: it is still used, the best estimate there is."""
    from .repeatability import is_current

    made, results = store.repeatability(profile)
    if results and not is_current(results):
        click.echo(f"warning: the repeatability calibration of profile {profile!r} ({made.date().isoformat()}) "
                   "was measured with older metric definitions, or before facetrack recorded them; run "
                   f"`facetrack calibrate repeatability --profile {profile}` again for current noise levels",
                   err=True)
    return made, {name: r.mdc95 for name, r in results.items()}


def _warn_if_stale(captures, profile: str) -> None:
    """One line on stderr when some captures hold values of an older metric definition."""
    from .recompute import is_stale

    stale = sum(is_stale(c) for c in captures)
    if stale:
        click.echo(f"warning: {stale} of {len(captures)} captures of profile {profile!r} hold metric values "
                   f"from older definitions; run `facetrack recompute --profile {profile}` so all are "
                   "measured the same way", err=True)


# --- recompute ------------------------------------------------------------------------------
@main.command("recompute")
@click.option("--all", "force", is_flag=True, help="Recompute every capture, not only stale ones.")
@profile_option
@data_dir_option
@model_option
def recompute_cmd(force, profile, data_dir, model):
    """Recompute metric values from the stored landmarks (after a metric version change).

    A capture is stale when a metric is missing or its stored version differs from the
    current definition. Photos, landmarks and capture times are never changed.

    \b
    Example:
        facetrack recompute --profile me
    """
    from .recompute import recompute_profile
    from .store import check_profile_name

    check_profile_name(profile)
    topology = _topology(model)
    with _open_store(data_dir) as store:
        report = recompute_profile(store, profile, topology, force=force)
    click.echo(f"{len(report.updated)} recomputed, {len(report.current)} already current, "
               f"{len(report.failed)} failed")
    for cid, problem in report.failed:
        click.echo(f"error: capture {cid}: {problem}", err=True)
    if report.failed:
        sys.exit(EXIT_ERROR)


# --- trends -------------------------------------------------------------------------------
@main.command("trends")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Chart file: .png, .svg or .pdf.")
@click.option("--metric", "names", multiple=True,
              help="Metric to chart (repeatable; default: the headline metrics).")
@click.option("--all", "all_metrics", is_flag=True, help="Chart every metric.")
@profile_option
@data_dir_option
def trends_cmd(output, names, all_metrics, profile, data_dir):
    """Draw the trend chart of a profile: one panel per metric.

    \b
    Examples:
        facetrack trends -o trends.png --profile me
        facetrack trends -o jaw.svg --metric jaw_angle_left --metric jaw_angle_right
    """
    from .errors import ReportError
    from .metrics import REGISTRY, get_metric
    from .report.trends import save_figure, trend_figure

    try:
        metrics = REGISTRY if all_metrics else [get_metric(n) for n in names] or None
    except KeyError as exc:
        raise ReportError(f"{exc.args[0]} (see `facetrack metrics --describe`)") from None
    with _open_store(data_dir) as store:
        captures = store.captures(profile)
        baseline = store.baseline(profile)
        _, noise = _calibration(store, profile)
    _warn_if_stale(captures, profile)
    fig = trend_figure(captures, metrics=metrics, title=f"facetrack: {profile}",
                       baseline_id=baseline.id if baseline else None, noise=noise)
    click.echo(str(save_figure(fig, output)))


# --- demo ---------------------------------------------------------------------------------
@main.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Demo data dir (default: <user data dir>/demo; never your own store).")
@model_option
def demo_cmd(data_dir, model):
    """Build a 12-week demo series from a real portrait, import it, and chart it.

    The series is made from matplotlib's grace_hopper.jpg with weekly capture-like
    perturbations and a known, gradual widening of the lower cheeks. It lives in its own
    data dir (default: <user data dir>/demo), never in your own store.

    \b
    Example:
        facetrack demo
    """
    from .demo import demo_data_dir, import_demo
    from .measure import Measurer
    from .report.trends import save_figure, trend_figure
    from .store import Store

    root = data_dir or demo_data_dir()
    with Measurer.from_model(model) as measurer, Store.open(root) as store:
        captures = import_demo(store, root / "photos", measurer)
    chart = save_figure(trend_figure(captures, title="facetrack demo: 12 weekly captures"),
                        root / "demo-trends.png")
    click.echo(f"{len(captures)} demo captures in {root} (profile 'demo')", err=True)
    click.echo(str(chart))


from . import cli_calibrate, cli_capture, cli_data, cli_report  # noqa: E402,F401  (register commands)

if __name__ == "__main__":  # pragma: no cover
    main()
