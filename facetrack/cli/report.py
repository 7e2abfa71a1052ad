"""CLI: what the captures show: ``trends``, ``compare``, ``timelapse``, ``report``, ``export``
and ``widths``."""

from __future__ import annotations

from pathlib import Path

import click

from facetrack.cli.common import data_dir_option, model_option, open_store, print_table, profile_option, topology_of, warn
from facetrack.errors import ReportError
from facetrack.metrics import ALL_METRICS
from facetrack.stats.repeatability import Calibration


def _pair(store, profile: str, a: int | None, b: int | None):
    """(captures, before, after): A and B, else the baseline and the latest."""
    from facetrack.ingest.recompute import stale_warning
    from facetrack.stats.compare import choose_pair

    captures = store.captures(profile)
    warn(stale_warning(captures, profile))
    baseline = store.baseline(profile) if len(captures) >= 2 else None
    return (captures, *choose_pair(captures, baseline, profile, a, b))


@click.command("trends")
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
    from facetrack.ingest.recompute import stale_warning
    from facetrack.metrics import get_metric
    from facetrack.report.charts import save_figure, trend_figure

    try:
        metrics = ALL_METRICS if all_metrics else [get_metric(n) for n in names] or None
    except KeyError as exc:
        raise ReportError(f"{exc.args[0]} (see `facetrack metrics --describe`)") from None
    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
        baseline = store.baseline(profile)
        calibration = Calibration(*store.repeatability(profile))
    warn(calibration.warning(profile))
    warn(stale_warning(captures, profile))
    fig = trend_figure(captures, metrics=metrics, title=f"facetrack: {profile}",
                       baseline_id=baseline.id if baseline else None, repeats=calibration.results)
    click.echo(str(save_figure(fig, output)))


@click.command("compare")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Before/after image (.png, .svg, .pdf); a .gif flicking between the two is written beside it. "
                   "Default: compare-A-B.png")
@click.option("--json", "as_json", is_flag=True,
              help="Print the verdict and every measure's as JSON, and write no picture.")
@profile_option
@data_dir_option
@model_option
def compare_cmd(a, b, output, as_json, profile, data_dir, model):
    """Before and after: two captures aligned side by side, and the verdict on every measure.

    A and B are capture ids (see `facetrack list`); the default is the baseline and the
    latest capture. The pair is "changed" when a measure changed by more than its smallest
    real change (the noise between two captures of an unchanged face, corrected for all the
    measures tested at once), "no change" otherwise, and "cannot tell" when the two photos
    differ too much in pose, expression, distance or light to be compared.

    \b
    Examples:
        facetrack compare
        facetrack compare 3 17 -o before-after.png
        facetrack compare 3 17 --json
    """
    from rich.table import Table

    from facetrack.report.charts import save_figure
    from facetrack.report.pictures import (align_photo, before_after_figure, flicker_frames, gif_bytes,
                                           photo_silhouettes)
    from facetrack.report.export import pair_json
    from facetrack.report.wording import pair_sentence
    from facetrack.stats.compare import judge_pair

    with open_store(data_dir, reading=True) as store:
        captures, before, after = _pair(store, profile, a, b)
        views = {c.id: store.landmark_views(c.id) for c in (before, after)} if not as_json else {}
        calibration = Calibration(*store.repeatability(profile))
    warn(calibration.warning(profile))
    verdict = judge_pair(captures, before, after, calibration.results)
    if as_json:
        click.echo(pair_json(verdict))
        return
    topology = topology_of(model)
    aligned = [align_photo(c, views[c.id], topology) for c in (before, after)]
    output = output or Path(f"compare-{before.id}-{after.id}.png")
    save_figure(before_after_figure(*aligned, topology, verdict, photo_silhouettes(*aligned, topology)), output)
    gif = output.with_suffix(".gif")
    gif.write_bytes(gif_bytes(flicker_frames(*aligned)))
    table = Table("metric", "units", "before", "after", "change", "smallest real change", "verdict",
                  title=f"capture {before.id} ({before.taken_at.date()}) -> capture {after.id} "
                        f"({after.taken_at.date()})")
    for m in verdict.measures:
        def num(x, spec):
            return "-" if x is None else format(x, spec)
        table.add_row(m.metric.name, m.metric.units, num(m.before, ".4g"), num(m.after, ".4g"), num(m.change, "+.3g"),
                      num(m.smallest_real_change, ".3g"), m.verdict, style="bold" if m.beyond_noise else None)
    print_table(table, 140)
    click.echo(f"verdict: {verdict.verdict}: {pair_sentence(verdict)}")
    click.echo(str(output))
    click.echo(str(gif))


@click.command("timelapse")
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
    from facetrack.report.pictures import align_photo, write_timelapse

    topology = topology_of(model)
    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
        if len(captures) < 2:
            raise ReportError(f"a time-lapse needs at least 2 captures, profile {profile!r} has {len(captures)}")
        photos = [align_photo(c, store.landmark_views(c.id), topology) for c in captures]
    click.echo(str(write_timelapse(photos, output, seconds_per_capture=seconds)))


@click.command("report")
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
    from facetrack.report.html import render_report

    topology = topology_of(model)
    with open_store(data_dir, reading=True) as store:
        captures, before, after = _pair(store, profile, a, b)
        views = {c.id: store.landmark_views(c.id) for c in (before, after)}
        baseline = store.baseline(profile)
        calibration = Calibration(*store.repeatability(profile))
        corrected = store.date_corrections(profile)
    warn(calibration.warning(profile))
    made = calibration.made_at
    html = render_report(captures, views, topology, profile=profile, baseline_id=baseline.id,
                         before_id=before.id, after_id=after.id, repeats=calibration.results,
                         calibrated=made.date().isoformat() if made else None, corrected=corrected)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    click.echo(str(output))


@click.command("export")
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
    from facetrack.ingest.recompute import stale_warning
    from facetrack.report.export import export_captures

    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
    warn(stale_warning(captures, profile))
    click.echo(str(export_captures(captures, output, fmt)))


@click.command("widths")
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
    from rich.table import Table

    from facetrack.metrics.scale import IRIS_MM, robust_widths

    topology = topology_of(model)
    with open_store(data_dir, reading=True) as store:
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
    print_table(table, 120)


COMMANDS = (trends_cmd, compare_cmd, timelapse_cmd, report_cmd, export_cmd, widths_cmd)
