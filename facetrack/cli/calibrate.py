"""CLI: ``facetrack calibrate``: measure the instrument (for now: each user's own noise)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from facetrack.cli.common import data_dir_option, model_option, open_store, print_table, profile_option, source_options
from facetrack.errors import shown


@click.group("calibrate")
def calibrate():
    """Calibrate the measurement: your own repeatability (noise) per metric.

    \b
    Example:
        facetrack calibrate repeatability --camera 0 --count 5
    """


@calibrate.command("repeatability")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--camera", type=int, default=None, help="Take the repeated captures with this webcam.")
@click.option("--count", default=5, show_default=True, help="Captures to take with --camera.")
@click.option("--no-preview", is_flag=True, help="With --camera: no window.")
@profile_option
@data_dir_option
@model_option
def repeatability_cmd(sources, camera, count, no_preview, profile, data_dir, model):
    """Measure your own noise: several captures in one sitting, of an unchanged face.

    With --camera, you are guided through --count captures; stand up and sit back down
    between them, so that each one is set up afresh like a weekly capture. Or give
    SOURCES taken that way: photos, videos or image folders (each one capture). For every
    metric this computes the standard error of measurement (SEM) and the minimal
    detectable change MDC95 = 1.96 x sqrt(2) x SEM, and stores them with the profile:
    trend noise bands and before/after verdicts then use them.

    \b
    Examples:
        facetrack calibrate repeatability --camera 0 --count 5 --profile me
        facetrack calibrate repeatability take1.jpg take2.jpg take3.jpg take4.jpg take5.jpg
    """
    from rich.table import Table

    from facetrack.capture.preview import display_available
    from facetrack.detect.measure import Measurer
    from facetrack.ingest.calibrate import MIN_CAPTURES, measure_camera, measure_source
    from facetrack.metrics import REGISTRY
    from facetrack.stats.repeatability import repeatability, with_versions
    from facetrack.store import check_profile_name

    check_profile_name(profile)
    if bool(sources) == (camera is not None):
        raise click.UsageError("give either SOURCES or --camera")
    n = len(sources) if sources else count
    if n < MIN_CAPTURES:
        raise click.UsageError(f"repeatability needs at least {MIN_CAPTURES} captures, got {n}")
    values = []
    with Measurer.from_model(model) as measurer:
        if sources:
            for path in sources:
                values.append(measure_source(path, measurer=measurer))
                click.echo(f"measured {shown(path)}", err=True)
        else:
            preview = not no_preview and display_available()
            for i in range(count):
                if i and sys.stdin.isatty():
                    click.pause(f"capture {i}/{count} done: stand up, sit back down, then press any key")
                values.append(measure_camera(camera, measurer=measurer, preview=preview))
    results = with_versions(repeatability([values]))
    with open_store(data_dir) as store:
        store.save_repeatability(profile, results.values())
    table = Table("metric", "units", "SEM", "MDC95", title=f"repeatability of profile {profile!r} ({n} captures)")
    for metric in REGISTRY:
        if metric.name in results:
            r = results[metric.name]
            table.add_row(metric.name, metric.units, f"{r.sem:.3g}", f"{r.mdc95:.3g}")
    print_table(table, 120)


@calibrate.command("scale")
@click.option("--iris-mm", type=float, default=None,
              help="Your own horizontal visible iris diameter in mm (e.g. from an optician).")
@click.option("--reset", is_flag=True, help="Go back to the adult average (11.7 mm).")
@profile_option
@data_dir_option
def scale_cmd(iris_mm, reset, profile, data_dir):
    """Set the iris diameter that turns landmark distances into millimetres.

    Without a measured value, facetrack assumes the adult average of 11.7 mm (SD about
    0.5 mm, so absolute widths carry about 4 % uncertainty; changes over time do not,
    since the same factor applies every week).

    \b
    Example:
        facetrack calibrate scale --iris-mm 12.1 --profile me
    """
    from facetrack.metrics.scale import IRIS_MM

    with open_store(data_dir) as store:
        if reset or iris_mm is not None:
            store.set_iris_mm(profile, None if reset else iris_mm)
        value = store.iris_mm(profile)
    click.echo(f"profile {profile!r}: iris diameter {value or IRIS_MM:g} mm "
               f"({'measured' if value else 'adult average'})")


@calibrate.command("board")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="PDF (or PNG/SVG) to print.")
def board_cmd(output):
    """Write the printable checkerboard (A4 landscape, 25 mm squares, 9x6 inner corners).

    \b
    Example:
        facetrack calibrate board -o board.pdf
    """
    from facetrack.capture.camera import board_figure

    output.parent.mkdir(parents=True, exist_ok=True)
    board_figure().savefig(output)
    click.echo(str(output))


@calibrate.command("camera")
@source_options
@click.option("--name", default=None, help="Store as this camera (default: 'camera N', or the file name).")
@click.option("--frames", default=60, show_default=True, help="Frames to read from a camera or video.")
@data_dir_option
def camera_cmd(camera, video, images, width, height, name, frames, data_dir):
    """Calibrate a camera with the printed board; captures from it are then undistorted.

    Hold the board (`facetrack calibrate board`) in front of the camera at several angles
    and distances, the whole board visible. The reprojection error is reported; a
    calibration with too few views, views that are all alike, or an error above 1 px is
    refused with the reason.

    \b
    Examples:
        facetrack calibrate camera --camera 0
        facetrack calibrate camera --images ./board-photos --name "camera 0"
    """
    from facetrack.capture.camera import calibrate_camera
    from facetrack.capture.sources import open_source

    if sum(x is not None for x in (camera, video, images)) != 1:
        raise click.UsageError("give one of --camera, --video, --images")
    kwargs = {"max_frames": frames}
    if camera is not None:
        kwargs.update(width=width, height=height)
    elif images is not None:
        kwargs = {}
    source = open_source(camera=camera, video=video, images=images, **kwargs)
    label = name or (f"camera {camera}" if camera is not None else Path(video or images).name)
    result = calibrate_camera((f.image for f in source), camera=label)
    with open_store(data_dir) as store:
        store.save_camera(result)
    fx, fy = result.focal_px
    cx, cy = result.principal_point
    click.echo(f"{label} at {result.width}x{result.height}: focal {fx:.1f}/{fy:.1f} px, principal point "
               f"({cx:.1f}, {cy:.1f}), reprojection error {result.rms_px:.3f} px from {result.views} views; stored")


COMMANDS = (calibrate,)
