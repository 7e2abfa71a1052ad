"""CLI commands around the weekly capture: ``capture``, ``status`` and ``baseline``."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import click

from .cli import (_open_store, _parse_when, data_dir_option, main, model_option, profile_option,
                  source_options)
from .errors import FacetrackError

#: A capture is due once this many days have passed since the last one.
DUE_AFTER_DAYS = 7


def _gate_config(config_file: Path | None, overrides: tuple[str, ...]):
    from dataclasses import fields, replace

    from .capture.gates import GateConfig

    config = GateConfig.from_toml(config_file) if config_file else GateConfig()
    known = {f.name for f in fields(GateConfig)}
    values = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in known:
            raise click.BadParameter(f"{item!r}: use KEY=VALUE with KEY one of {', '.join(sorted(known))}",
                                     param_hint="--gate")
        try:
            values[key] = float(value)
        except ValueError:
            raise click.BadParameter(f"{item!r}: {value!r} is not a number", param_hint="--gate") from None
    return replace(config, **values)


@main.command("capture")
@source_options
@click.option("--no-preview", is_flag=True, help="No window: capture from the best stretch of good frames.")
@click.option("--hold", default=0.7, show_default=True, help="Seconds every check must pass before the burst.")
@click.option("--burst", default=15, show_default=True, help="Frames in the burst.")
@click.option("--timeout", default=120.0, show_default=True,
              help="Live sources: give up after this many seconds without a capture.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file with a [gates] table of thresholds.")
@click.option("--gate", "gate_overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one threshold (repeatable), e.g. --gate max_yaw=4.")
@click.option("--taken-at", help="Capture time to record (ISO 8601; default: now).")
@profile_option
@data_dir_option
@model_option
def capture_cmd(camera, video, images, no_preview, width, height, hold, burst, timeout, config_file,
                gate_overrides, taken_at, profile, data_dir, model):
    """Take this week's standardized capture, guided by on-screen instructions.

    Sit in front of the camera and follow the instruction at the top of the preview
    (mirrored, like a mirror); with no source given, webcam 0 is used. Once every check passes for --hold seconds, a burst of
    --burst frames is taken and measured, and the sharpest frame is kept as the photo.
    Space captures at once; Esc cancels and stores nothing.

    Without a preview (--no-preview, or no display), a video or image folder is scanned
    and the burst comes from its longest stretch of good frames; if there is none, the
    command fails and names each check that never passed with the best value seen.

    \b
    Examples:
        facetrack capture --profile me
        facetrack capture --video session.mp4 --no-preview
    """
    from .capture.guided import guided_capture
    from .capture.preview import PreviewWindow, display_available
    from .capture.session import CaptureSettings
    from .capture.sources import open_source
    from .landmarks import Landmarker
    from .measure import Measurer
    from .store import check_profile_name

    check_profile_name(profile)
    if sum(x is not None for x in (camera, video, images)) > 1:
        raise click.UsageError("give at most one of --camera, --video, --images")
    if camera is None and video is None and images is None:
        camera = 0
    config = _gate_config(config_file, gate_overrides)
    settings = CaptureSettings(hold_s=hold, burst=burst, timeout_s=timeout)
    when = _parse_when(taken_at)
    preview = not no_preview and display_available()
    kwargs = {"width": width, "height": height} if camera is not None else {}
    frames = open_source(camera=camera, video=video, images=images, **kwargs)
    source = f"camera {camera}" if camera is not None else str(video or images)
    with contextlib.ExitStack() as stack:
        measurer = stack.enter_context(Measurer.from_model(model))
        tracker = stack.enter_context(Landmarker(measurer.model_path, video=True))
        store = stack.enter_context(_open_store(data_dir))
        display = stack.enter_context(PreviewWindow()) if preview else None
        outcome = guided_capture(frames, store=store, measurer=measurer, tracker=tracker, profile=profile,
                                 config=config, settings=settings, first=preview or camera is not None,
                                 display=display, source=source, taken_at=when,
                                 camera=source if camera is not None else None)
    m = outcome.measured
    click.echo(f"captured {source} as capture {outcome.capture_id} (profile {profile!r}): "
               f"{len(m.kept)} burst frames measured, frame {m.capture.quality['frame_kept']} kept"
               + (", manual" if m.capture.quality["manual"] else ""))
    if outcome.baseline_id is None:
        click.echo("this is the profile's first capture: it is the baseline later captures line up with")


@main.command("status")
@profile_option
@data_dir_option
def status_cmd(profile, data_dir):
    """When the last capture was, whether this week's is due, and which is the baseline.

    \b
    Example:
        facetrack status --profile me
    """
    from .repeatability import is_current

    with _open_store(data_dir) as store:
        captures = store.captures(profile)
        baseline = store.baseline(profile)
        made, calibration = store.repeatability(profile)
    calibrated = (f"repeatability calibrated on {made.date().isoformat()} "
                  f"({next(iter(calibration.values())).n_captures} captures)" if made
                  else "repeatability not calibrated (`facetrack calibrate repeatability`)")
    if made and not is_current(calibration):
        calibrated += ", with older metric definitions: calibrate again (`facetrack calibrate repeatability`)"
    if not captures:
        click.echo(f"profile {profile!r}: no captures yet; a capture is due (`facetrack capture`)")
        click.echo(calibrated)
        return
    last = captures[-1]
    days = (dt.datetime.now() - last.taken_at).total_seconds() / 86400
    click.echo(f"profile {profile!r}: {len(captures)} captures")
    click.echo(f"last capture: {last.id} on {last.taken_at.isoformat(sep=' ')} ({days:.1f} days ago)")
    if days >= DUE_AFTER_DAYS:
        click.echo("this week's capture is due")
    else:
        due = last.taken_at + dt.timedelta(days=DUE_AFTER_DAYS)
        click.echo(f"next capture due on {due.date().isoformat()}")
    click.echo(f"baseline: capture {baseline.id} on {baseline.taken_at.isoformat(sep=' ')} "
               f"({Path(baseline.source_path).name})")
    click.echo(calibrated)


@main.command("baseline")
@click.argument("capture_id", type=int, required=False)
@profile_option
@data_dir_option
def baseline_cmd(capture_id, profile, data_dir):
    """Show the profile's baseline capture, or make CAPTURE_ID the baseline.

    The baseline sets the pose and distance later captures must match, and its outline
    is the ghost in the preview. By default it is the profile's first capture.

    \b
    Examples:
        facetrack baseline --profile me
        facetrack baseline 12 --profile me
    """
    with _open_store(data_dir) as store:
        if capture_id is not None:
            store.set_baseline(profile, capture_id)
        baseline = store.baseline(profile)
    if baseline is None:
        raise FacetrackError(f"profile {profile!r} has no captures yet")
    click.echo(f"baseline: capture {baseline.id} on {baseline.taken_at.isoformat(sep=' ')}")
