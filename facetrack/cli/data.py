"""CLI: the data in the store: ``import``, ``list``, ``metrics``, ``recompute``, ``redate``, and
keeping it safe: ``backup``, ``restore``, ``delete``, ``check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from facetrack.cli.common import (EXIT_ERROR, EXIT_REJECTED, data_dir_option, model_option, open_store, parse_when,
                                  print_table, profile_option, topology_of, warn, with_progress)
from facetrack.errors import StoreError, shown


@click.command("import")
@click.argument("photos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--taken-at", help="Capture time when the photo has no EXIF date (ISO 8601).")
@click.option("--workers", type=int, default=0,
              help="Processes measuring photos, this one included (default: every core for 8 or more photos).")
@click.option("--same-person", is_flag=True,
              help="The photos are of the profile's person even if their face does not look like it.")
@profile_option
@data_dir_option
@model_option
def import_cmd(photos, taken_at, workers, same_person, profile, data_dir, model):
    """Import photos: detect the face, measure it, and store it.

    Each photo is stored whole or not at all; a photo already imported (same SHA-256) is
    skipped. The capture time comes from EXIF DateTimeOriginal, else --taken-at, else the
    file's modification time. Each photo runs the capture's checks (pose, expression, light...):
    one that fails some is still imported, noted as less comparable. A photo whose face does
    not look like the profile's person is refused (exit 1) unless --same-person says it is.

    \b
    Example:
        facetrack import week01.jpg week02.jpg --profile me
    """
    import contextlib

    from facetrack.detect.measure import Measurer
    from facetrack.detect.model import resolve
    from facetrack.capture.gates import GateConfig
    from facetrack.ingest.importer import default_workers, import_photos
    from facetrack.ingest.workers import Helpers
    from facetrack.store import check_profile_name, default_data_dir

    check_profile_name(profile)
    when = parse_when(taken_at)
    workers = min(workers, len(photos)) if workers > 0 else default_workers(len(photos))
    model_path = resolve(model).path
    saved = Path(data_dir or default_data_dir()) / "gates.toml"  # the checks' settings saved by `facetrack app`
    config = GateConfig.from_toml(saved) if saved.is_file() else GateConfig()
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(open_store(data_dir))
        # helpers start loading the model now, while this process loads its own
        helpers = stack.enter_context(Helpers(model_path, photos, workers - 1)) if workers > 1 else None
        measurer = stack.enter_context(Measurer(model_path))
        report = with_progress(photos, lambda progress: import_photos(
            photos, store=store, measurer=measurer, profile=profile, taken_at=when,
            progress=progress, workers=workers, helpers=helpers, config=config, same_person=same_person))
    from facetrack.ingest.dates import exif_note

    for path, cid in report.imported:
        click.echo(f"imported {shown(path)} as capture {cid}")
        if note := exif_note(path):
            warn(f"{shown(path)}: {note}")
    for path, cid in report.duplicates:
        click.echo(f"skipped {shown(path)}: already imported as capture {cid}")
    for path, problem in report.rejected:
        hint = "; if it is the same person, import it with --same-person" if path in report.other_person else ""
        click.echo(f"error: {shown(path)}: {problem}{hint}", err=True)
    if len(photos) > 1:
        click.echo(f"{len(report.imported)} imported, {len(report.duplicates)} skipped as "
                   f"duplicate, {len(report.rejected)} rejected")
    if report.other_person:
        sys.exit(EXIT_ERROR)
    if report.rejected:
        sys.exit(EXIT_REJECTED)


@click.command("list")
@profile_option
@data_dir_option
def list_cmd(profile, data_dir):
    """List a profile's captures, oldest first.

    \b
    Example:
        facetrack list --profile me
    """
    from rich.table import Table

    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
    if not captures:
        click.echo(f"no captures in profile {profile!r}")
        return
    table = Table("id", "taken at", "source", "yaw", "pitch", "roll", "views")
    for c in captures:
        pose = [f"{v:+.1f}" for v in c.pose] if c.pose else ["", "", ""]
        table.add_row(str(c.id), c.taken_at.isoformat(sep=" "), Path(c.source_path).name, *pose,
                      str(c.quality.views if c.quality.views is not None else ""))
    print_table(table)


@click.command("metrics")
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
    from facetrack.ingest.recompute import stale_warning
    from facetrack.metrics import ALL_METRICS
    from facetrack.report.export import metrics_csv, metrics_json

    if describe:
        for m in ALL_METRICS:
            click.echo(f"{m.name} \"{m.label}\" (v{m.version}, {m.group}, {m.units}): {m.description}")
        return
    with open_store(data_dir, reading=True) as store:
        captures = store.captures(profile)
    warn(stale_warning(captures, profile))
    if as_json:
        click.echo(metrics_json(captures))
        return
    if as_csv:
        click.echo(metrics_csv(captures), nl=False)
        return
    if not captures:
        click.echo(f"no captures in profile {profile!r}")
        return
    from rich.table import Table

    table = Table("metric", *[c.taken_at.date().isoformat() for c in captures])
    for m in ALL_METRICS:
        table.add_row(m.name, *[f"{c.metrics[m.name].value:.4g}" if m.name in c.metrics else "-" for c in captures])
    print_table(table)


@click.command("recompute")
@click.option("--all", "force", is_flag=True, help="Recompute every capture, not only stale ones.")
@click.option("--silhouette", is_flag=True,
              help="Measure every capture's silhouette again from its stored photo (needs no new capture).")
@click.option("--skin", is_flag=True,
              help="Measure every capture's skin colour against its wall again from its stored photo.")
@profile_option
@data_dir_option
@model_option
def recompute_cmd(force, silhouette, skin, profile, data_dir, model):
    """Recompute metric values from the stored landmarks (after a metric version change).

    A capture is stale when a metric is missing or its stored version differs from the
    current definition. Photos, landmarks and capture times are never changed. With
    --silhouette, the silhouette metrics are measured again from each stored photo; with --skin,
    the skin measures (a guided capture's from its kept frame).

    \b
    Examples:
        facetrack recompute --profile me
        facetrack recompute --silhouette --profile me
        facetrack recompute --skin --profile me
    """
    from facetrack.ingest.recompute import recompute_profile, recompute_silhouettes, remeasure_skin
    from facetrack.store import check_profile_name

    check_profile_name(profile)
    topology = topology_of(model)
    if silhouette or skin:
        from facetrack.detect.segmentation import Segmenter

        failed = []
        with open_store(data_dir) as store, Segmenter() as segmenter:
            for wanted, what, kwargs in ((silhouette, "silhouettes", {}), (skin, "skins", {"measure": remeasure_skin})):
                if wanted:
                    report = recompute_silhouettes(store, profile, segmenter, topology, **kwargs)
                    click.echo(f"{len(report.updated)} {what} measured again, {len(report.failed)} failed")
                    failed += report.failed
        report.failed = failed
    else:
        with open_store(data_dir) as store:
            report = recompute_profile(store, profile, topology, force=force)
        click.echo(f"{len(report.updated)} recomputed, {len(report.current)} already current, "
                   f"{len(report.failed)} failed")
    for cid, problem in report.failed:
        click.echo(f"error: capture {cid}: {problem}", err=True)
    if report.failed:
        sys.exit(EXIT_ERROR)


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Archive to write (.tar).")
@data_dir_option
def backup_cmd(output, data_dir):
    """Write one archive with the database and every image, with a hash of each file.

    \b
    Example:
        facetrack backup -o facetrack-2026-11-22.tar
    """
    from facetrack.store.backup import backup

    with open_store(data_dir, reading=True) as store:
        manifest = backup(store, output)
    click.echo(f"{output}: {len(manifest['files'])} files")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def restore_cmd(archive, data_dir):
    """Restore a backup into an empty data dir, after checking every file's hash.

    A damaged or incomplete archive is refused, and an existing store is never overwritten.

    \b
    Example:
        facetrack restore facetrack-2026-11-22.tar --data-dir ~/facetrack-restored
    """
    from facetrack.store import default_data_dir
    from facetrack.store.backup import restore

    n = restore(archive, data_dir or default_data_dir())
    click.echo(f"restored {n} captures from {archive}")


@click.command("delete")
@click.option("--capture", "capture_id", type=int, default=None, help="Delete this capture.")
@click.option("--profile", "profile", default=None, help="Delete this whole profile.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@data_dir_option
def delete_cmd(capture_id, profile, yes, data_dir):
    """Delete a capture or a whole profile: its rows and its photos (asks first).

    \b
    Examples:
        facetrack delete --capture 12
        facetrack delete --profile old --yes
    """
    if (capture_id is None) == (profile is None):
        raise click.UsageError("give either --capture ID or --profile NAME")
    what = f"capture {capture_id}" if capture_id is not None else f"profile {profile!r} and all its captures"
    if not yes:
        click.confirm(f"delete {what}, with its photos? This cannot be undone", abort=True)
    with open_store(data_dir) as store:
        if capture_id is not None:
            if not store.delete_capture(capture_id):
                raise StoreError(f"there is no capture {capture_id}")
        else:
            if profile not in store.profiles():
                raise StoreError(f"there is no profile {profile!r}")
            store.delete_profile(profile)
    click.echo(f"deleted {what}")


@click.command("check")
@click.option("--repair", is_flag=True, help="Remove orphan photos (files no capture refers to); nothing else.")
@click.option("--quick", is_flag=True, help="Do not read every photo to check its SHA-256.")
@data_dir_option
def check_cmd(repair, quick, data_dir):
    """Check the store: the database's integrity, every photo present and matching its hash,
    and no orphan photo. Exits 1 when the store has problems.

    \b
    Examples:
        facetrack check
        facetrack check --repair
    """
    from facetrack.store.check import check_store, remove_orphans

    with open_store(data_dir, reading=not repair) as store:
        report = check_store(store, hashes=not quick)
        removed = remove_orphans(store, report) if repair else 0
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    for rel in report.orphans:
        click.echo(f"{'removed' if repair else 'orphan'}: {rel}")
    click.echo(f"{report.captures} captures, {report.images} photos verified, {len(report.problems)} problems, "
               f"{len(report.orphans)} orphans" + (f" ({removed} removed)" if repair else ""))
    if not report.ok:
        sys.exit(EXIT_ERROR)


@click.command("redate")
@click.argument("capture_id", metavar="CAPTURE_ID")
@click.argument("date")
@profile_option
@data_dir_option
def redate_cmd(capture_id, date, profile, data_dir):
    """Correct the date a capture was taken; trends, compare and status follow it.

    DATE is YYYY-MM-DD (the capture keeps its time of day) or YYYY-MM-DDTHH:MM, and not in
    the future. The store keeps a record of the original date.

    \b
    Examples:
        facetrack redate 12 2026-03-16 --profile me
        facetrack redate 12 2026-03-16T08:30 --profile me
    """
    from facetrack.ingest.dates import redate

    if not capture_id.isdigit():
        raise StoreError(f"{capture_id!r} is not a capture id: give the number `facetrack list` shows")
    with open_store(data_dir) as store:
        fix = redate(store, profile, int(capture_id), date)
    if fix.before == fix.after:
        click.echo(f"capture {fix.capture_id} already has the date {fix.after.isoformat(sep=' ')}")
    else:
        click.echo(f"capture {fix.capture_id}: {fix.before.isoformat(sep=' ')} -> {fix.after.isoformat(sep=' ')}")


COMMANDS = (import_cmd, list_cmd, metrics_cmd, recompute_cmd, redate_cmd, backup_cmd, restore_cmd, delete_cmd,
            check_cmd)
