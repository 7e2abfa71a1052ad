"""CLI commands that report: ``compare``, ``timelapse``, ``report`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import (_calibration, _open_store, _topology, _warn_if_stale, data_dir_option, main,
                  model_option, profile_option)
from .errors import ReportError


def _pair(store, profile: str, a: int | None, b: int | None):
    """(before, after) captures: A and B, else the baseline and the latest."""
    captures = store.captures(profile)
    _warn_if_stale(captures, profile)
    if len(captures) < 2:
        raise ReportError(f"comparing needs at least 2 captures, profile {profile!r} has {len(captures)}")
    by_id = {c.id: c for c in captures}
    for cid in (a, b):
        if cid is not None and cid not in by_id:
            raise ReportError(f"profile {profile!r} has no capture {cid} (see `facetrack list`)")
    before = by_id[a] if a is not None else store.baseline(profile)
    after = by_id[b] if b is not None else captures[-1]
    if before.id == after.id:
        raise ReportError(f"before and after are the same capture ({before.id}); name two captures")
    if before.taken_at > after.taken_at:
        before, after = after, before
    return captures, before, after


@main.command("compare")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Before/after image (.png, .svg, .pdf); a .gif flicking between the two is written beside it. "
                   "Default: compare-A-B.png")
@profile_option
@data_dir_option
@model_option
def compare_cmd(a, b, output, profile, data_dir, model):
    """Before and after: two captures aligned side by side, and every metric's change.

    A and B are capture ids (see `facetrack list`); the default is the baseline and the
    latest capture. Each change is called "beyond noise" only when it is larger than the
    two measurements' combined noise (MDC95).

    \b
    Examples:
        facetrack compare
        facetrack compare 3 17 -o before-after.png
    """
    from rich.console import Console
    from rich.table import Table

    from .compare import compare_captures
    from .report.pictures import align_photo, before_after_figure, flicker_frames, gif_bytes
    from .report.trends import save_figure

    topology = _topology(model)
    with _open_store(data_dir) as store:
        _, before, after = _pair(store, profile, a, b)
        views = {c.id: store.landmark_views(c.id) for c in (before, after)}
        _, mdc = _calibration(store, profile)
    changes = compare_captures(before, after, mdc=mdc)
    aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
    output = output or Path(f"compare-{before.id}-{after.id}.png")
    save_figure(before_after_figure(*aligned, topology, changes), output)
    gif = output.with_suffix(".gif")
    gif.write_bytes(gif_bytes(flicker_frames(*aligned)))
    table = Table("metric", "units", "before", "after", "change", "noise (MDC95)", "verdict",
                  title=f"capture {before.id} ({before.taken_at.date()}) -> capture {after.id} "
                        f"({after.taken_at.date()})")
    for c in changes:
        style = "bold" if c.beyond_noise else None
        table.add_row(c.metric.name, c.metric.units, f"{c.before:.4g}", f"{c.after:.4g}", f"{c.change:+.3g}",
                      f"{c.noise:.3g}", c.verdict, style=style)
    Console(width=None if sys.stdout.isatty() else 140).print(table)  # pipes get whole lines
    if mdc:
        click.echo("noise levels: this profile's repeatability calibration")
    click.echo(str(output))
    click.echo(str(gif))


@main.command("timelapse")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Video file (.mp4).")
@click.option("--seconds", default=0.5, show_default=True, help="Seconds each capture is shown.")
@profile_option
@data_dir_option
@model_option
def timelapse_cmd(output, seconds, profile, data_dir, model):
    """A video of every capture, aligned on the eyes and nose, with its date.

    \b
    Example:
        facetrack timelapse -o me.mp4 --profile me
    """
    from .report.pictures import align_photo, write_timelapse

    topology = _topology(model)
    with _open_store(data_dir) as store:
        captures = store.captures(profile)
        if len(captures) < 2:
            raise ReportError(f"a time-lapse needs at least 2 captures, profile {profile!r} has {len(captures)}")
        photos = [align_photo(c, store.landmark_views(c.id), topology) for c in captures]
    click.echo(str(write_timelapse(photos, output, seconds_per_capture=seconds)))


@main.command("report")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="HTML file to write.")
@click.option("--before", "a", type=int, default=None, help="Capture id for 'before' (default: the baseline).")
@click.option("--after", "b", type=int, default=None, help="Capture id for 'after' (default: the latest).")
@profile_option
@data_dir_option
@model_option
def report_cmd(output, a, b, profile, data_dir, model):
    """One self-contained HTML file: summary, trends, before/after, captures, methods.

    Images are embedded; the page fetches nothing and opens offline in any browser.

    \b
    Example:
        facetrack report -o report.html --profile me
    """
    from .report.html import render_report

    topology = _topology(model)
    with _open_store(data_dir) as store:
        captures, before, after = _pair(store, profile, a, b)
        views = {c.id: store.landmark_views(c.id) for c in (before, after)}
        baseline = store.baseline(profile)
        made, mdc = _calibration(store, profile)
    html = render_report(captures, views, topology, profile=profile, baseline_id=baseline.id,
                         before_id=before.id, after_id=after.id, mdc=mdc,
                         calibrated=made.date().isoformat() if made else None)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    click.echo(str(output))


@main.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,
              help="Default: from the file's suffix.")
@profile_option
@data_dir_option
def export_cmd(output, fmt, profile, data_dir):
    """Export one row per capture, one column per metric (with spreads, versions and metadata).

    \b
    Examples:
        facetrack export -o captures.csv
        facetrack export --format parquet -o captures.parquet
    """
    from .report.export import export_captures

    with _open_store(data_dir) as store:
        captures = store.captures(profile)
    _warn_if_stale(captures, profile)
    click.echo(str(export_captures(captures, output, fmt)))


@main.command("widths")
@profile_option
@data_dir_option
@model_option
def widths_cmd(profile, data_dir, model):
    """Absolute widths in millimetres per capture, scaled by the iris, with uncertainties.

    Inter-ocular distance, bizygomatic (cheekbone) and bigonial (jaw corner) widths. The
    scale comes from the iris: 11.7 mm unless set with `facetrack calibrate scale`.

    \b
    Example:
        facetrack widths --profile me
    """
    from rich.console import Console
    from rich.table import Table

    from .metrics.scale import IRIS_MM, robust_widths

    topology = _topology(model)
    with _open_store(data_dir) as store:
        captures = store.captures(profile)
        if not captures:
            raise ReportError(f"profile {profile!r} has no captures")
        iris = store.iris_mm(profile)
        rows = [(c, robust_widths([v.points for v in store.landmark_views(c.id)], topology,
                                  iris_mm=iris or IRIS_MM, iris_sd_mm=0.1 if iris else 0.5))
                for c in captures]
    table = Table("id", "taken at", "inter-ocular", "bizygomatic", "bigonial",
                  title=f"widths in mm (iris {iris or IRIS_MM:g} mm, {'measured' if iris else 'adult average'})")
    for c, w in rows:
        table.add_row(str(c.id), c.taken_at.date().isoformat(), str(w["interocular_mm"]),
                      str(w["bizygomatic_width_mm"]), str(w["bigonial_width_mm"]))
    Console(width=None if sys.stdout.isatty() else 120).print(table)
