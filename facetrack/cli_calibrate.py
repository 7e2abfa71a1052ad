"""CLI: ``facetrack calibrate``: measure the instrument (for now: each user's own noise)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from .cli import _open_store, data_dir_option, main, model_option, profile_option, source_options
from .errors import InputError

MIN_CAPTURES = 3


@main.group("calibrate")
def calibrate():
    """Calibrate the measurement: your own repeatability (noise) per metric.

    \b
    Example:
        facetrack calibrate repeatability --camera 0 --count 5
    """


def _measure_frames(frames, name: str, *, measurer, tracker_factory, first: bool,
                    display=None) -> dict[str, float]:
    """Metric values of one repeated capture taken from a frame source (not stored)."""
    from .capture.guided import measure_burst
    from .capture.session import CaptureSettings, run_session

    with tracker_factory() as tracker:
        burst, manual, _ = run_session(frames, tracker=tracker, topology=measurer.topology,
                                       settings=CaptureSettings(), first=first, display=display, name=name)
    measured = measure_burst(burst, measurer=measurer, manual=manual, source=name)
    return {k: v.value for k, v in measured.capture.metrics.items()}


def _measure_source(path: Path, *, measurer, tracker_factory) -> dict[str, float]:
    """One repeated capture from a file: a photo, or a video/folder scanned headless."""
    from .capture.photo import read_photo
    from .capture.sources import IMAGE_SUFFIXES, open_source

    if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
        result = measurer.measure_photo(read_photo(path).image, source=path)
        return {k: v.value for k, v in result.metrics.items()}
    if not path.exists():
        raise InputError(path, "no such file or folder")
    frames = open_source(images=path) if path.is_dir() else open_source(video=path)
    return _measure_frames(frames, str(path), measurer=measurer, tracker_factory=tracker_factory, first=False)


def _measure_camera(index: int, *, measurer, tracker_factory, preview: bool) -> dict[str, float]:
    from .capture.preview import PreviewWindow
    from .capture.sources import open_source

    with contextlib.ExitStack() as stack:
        display = stack.enter_context(PreviewWindow()) if preview else None
        return _measure_frames(open_source(camera=index), f"camera {index}", measurer=measurer,
                               tracker_factory=tracker_factory, first=True, display=display)


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
    from rich.console import Console
    from rich.table import Table

    from .capture.preview import display_available
    from .landmarks import Landmarker
    from .measure import Measurer
    from .metrics import REGISTRY
    from .repeatability import repeatability, with_versions
    from .store import check_profile_name

    check_profile_name(profile)
    if bool(sources) == (camera is not None):
        raise click.UsageError("give either SOURCES or --camera")
    n = len(sources) if sources else count
    if n < MIN_CAPTURES:
        raise click.UsageError(f"repeatability needs at least {MIN_CAPTURES} captures, got {n}")
    values = []
    with Measurer.from_model(model) as measurer:
        def tracker_factory():
            return Landmarker(measurer.model_path, video=True)

        if sources:
            for path in sources:
                values.append(_measure_source(path, measurer=measurer, tracker_factory=tracker_factory))
                click.echo(f"measured {path}", err=True)
        else:
            preview = not no_preview and display_available()
            for i in range(count):
                if i and sys.stdin.isatty():
                    click.pause(f"capture {i}/{count} done: stand up, sit back down, then press any key")
                values.append(_measure_camera(camera, measurer=measurer, tracker_factory=tracker_factory,
                                              preview=preview))
    results = with_versions(repeatability([values]))
    with _open_store(data_dir) as store:
        store.save_repeatability(profile, results.values())
    table = Table("metric", "units", "SEM", "MDC95", title=f"repeatability of profile {profile!r} ({n} captures)")
    for metric in REGISTRY:
        if metric.name in results:
            r = results[metric.name]
            table.add_row(metric.name, metric.units, f"{r.sem:.3g}", f"{r.mdc95:.3g}")
    Console(width=None if sys.stdout.isatty() else 120).print(table)



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
    from .metrics.scale import IRIS_MM

    with _open_store(data_dir) as store:
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
    from .camera import board_figure

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
    from .camera import calibrate_camera
    from .capture.sources import open_source

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
    with _open_store(data_dir) as store:
        store.save_camera(result)
    fx, fy = result.focal_px
    cx, cy = result.principal_point
    click.echo(f"{label} at {result.width}x{result.height}: focal {fx:.1f}/{fy:.1f} px, principal point "
               f"({cx:.1f}, {cy:.1f}), reprojection error {result.rms_px:.3f} px from {result.views} views; stored")
