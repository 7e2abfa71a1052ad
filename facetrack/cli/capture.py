"""CLI commands around the weekly capture: ``capture``, ``status`` and ``baseline``."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import click

from facetrack.cli.common import (data_dir_option, model_option, open_store, parse_when, profile_option,
                                  source_options, warn)
from facetrack.errors import FacetrackError


def _gate_config(config_file: Path | None, overrides: tuple[str, ...]):
    from facetrack.capture.gates import GateConfig

    config = GateConfig.from_toml(config_file) if config_file else GateConfig()
    try:
        return config.with_overrides(overrides)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--gate") from None


@click.command("capture")
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
    from facetrack.ingest.guided import guided_capture
    from facetrack.capture.preview import PreviewWindow, display_available
    from facetrack.capture.session import CaptureSettings
    from facetrack.capture.sources import open_source
    from facetrack.detect.landmarks import Landmarker
    from facetrack.detect.measure import Measurer
    from facetrack.store import check_profile_name

    check_profile_name(profile)
    if sum(x is not None for x in (camera, video, images)) > 1:
        raise click.UsageError("give at most one of --camera, --video, --images")
    if camera is None and video is None and images is None:
        camera = 0
    if config_file is None:  # the settings saved by `facetrack app`, when there are any
        from facetrack.store import default_data_dir

        saved = Path(data_dir or default_data_dir()) / "gates.toml"
        config_file = saved if saved.is_file() else None
    config = _gate_config(config_file, gate_overrides)
    settings = CaptureSettings(hold_s=hold, burst=burst, timeout_s=timeout)
    when = parse_when(taken_at)
    preview = not no_preview and display_available()
    kwargs = {"width": width, "height": height} if camera is not None else {}
    frames = open_source(camera=camera, video=video, images=images, **kwargs)
    source = f"camera {camera}" if camera is not None else str(video or images)
    with contextlib.ExitStack() as stack:
        measurer = stack.enter_context(Measurer.from_model(model))
        tracker = stack.enter_context(Landmarker(measurer.model_path, video=True))
        store = stack.enter_context(open_store(data_dir))
        display = stack.enter_context(PreviewWindow()) if preview else None
        outcome = guided_capture(frames, store=store, measurer=measurer, tracker=tracker, profile=profile,
                                 config=config, settings=settings, first=preview or camera is not None,
                                 display=display, source=source, taken_at=when,
                                 camera=source if camera is not None else None)
    m = outcome.measured
    click.echo(f"captured {source} as capture {outcome.capture_id} (profile {profile!r}): "
               f"{len(m.kept)} burst frames measured, frame {m.capture.quality.frame_kept} kept"
               + (", manual" if m.capture.quality.manual else ""))
    from facetrack.detect.outline import background_advice

    warn(background_advice(m.capture.quality.silhouette_missing))
    from facetrack.capture.advice import light_moved_sentence

    warn(light_moved_sentence(m.capture.quality.burst_exposure_change, m.capture.quality.burst_colour_change))
    if outcome.baseline_id is None:
        click.echo("this is the profile's first guided capture: later captures line up with it "
                   "(the same pose and distance from the camera)")


@click.command("status")
@profile_option
@data_dir_option
def status_cmd(profile, data_dir):
    """When the last capture was, whether this week's is due, and which is the baseline.

    \b
    Example:
        facetrack status --profile me
    """
    from facetrack.stats.repeatability import Calibration
    from facetrack.stats.schedule import capture_due
    from facetrack.stats.trends import silhouette_summary

    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
        baseline = store.baseline(profile)
        calibrated = Calibration(*store.repeatability(profile)).summary()
    if not captures:
        click.echo(f"profile {profile!r}: no captures yet; a capture is due (`facetrack capture`)")
        click.echo(calibrated)
        return
    last = captures[-1]
    due = capture_due(last.taken_at, dt.datetime.now())
    click.echo(f"profile {profile!r}: {len(captures)} captures")
    from facetrack.ingest.dates import date_problem

    for c in captures:
        if problem := date_problem(c.taken_at):
            warn(f"capture {c.id}'s date cannot be right ({problem}): correct it with `facetrack redate {c.id} DATE`")
    click.echo(f"last capture: {last.id} on {last.taken_at.isoformat(sep=' ')} ({due.days_since:.1f} days ago)")
    if due.due:
        click.echo("this week's capture is due")
    else:
        click.echo(f"next capture due on {due.next_on.isoformat()}")
    click.echo(f"baseline: capture {baseline.id} on {baseline.taken_at.isoformat(sep=' ')} "
               f"({Path(baseline.source_path).name})")
    click.echo(silhouette_summary(captures))
    click.echo(calibrated)


@click.command("baseline")
@click.argument("capture_id", type=int, required=False)
@profile_option
@data_dir_option
def baseline_cmd(capture_id, profile, data_dir):
    """Show the profile's baseline capture, or make CAPTURE_ID the baseline.

    The baseline is the photo the trends and verdicts compare later ones with. It is the
    profile's first capture until you choose another; adding older photos never moves it.
    A change is confirmed in a sentence. (The pose and distance a capture lines up with, and
    the ghost in the preview, come from the latest capture taken with the camera instead.)

    \b
    Examples:
        facetrack baseline --profile me
        facetrack baseline 12 --profile me
    """
    with open_store(data_dir, reading=capture_id is None) as store:
        before = store.baseline(profile)
        if capture_id is not None:
            store.set_baseline(profile, capture_id)
        baseline = store.baseline(profile)
    if baseline is None:
        raise FacetrackError(f"profile {profile!r} has no captures yet")
    if capture_id is None:
        click.echo(f"baseline: capture {baseline.id} on {baseline.taken_at.isoformat(sep=' ')}")
    elif before is not None and before.id == baseline.id:
        click.echo(f"Capture {baseline.id} of {baseline.taken_at.date().isoformat()} was already the baseline; "
                   "nothing changed.")
    else:
        was = f" instead of capture {before.id} of {before.taken_at.date().isoformat()}" if before else ""
        click.echo(f"Capture {baseline.id} of {baseline.taken_at.date().isoformat()} is now the baseline{was}: "
                   "later captures line up with it and before/after compares with it.")


COMMANDS = (capture_cmd, status_cmd, baseline_cmd)
