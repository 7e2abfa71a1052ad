"""CLI commands that keep the data safe: ``backup``, ``restore`` and ``delete``."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import _open_store, data_dir_option, main
from .errors import StoreError


@main.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Archive to write (.tar).")
@data_dir_option
def backup_cmd(output, data_dir):
    """Write one archive with the database and every image, with a hash of each file.

    \b
    Example:
        facetrack backup -o facetrack-2026-11-22.tar
    """
    from .backup import backup

    with _open_store(data_dir) as store:
        manifest = backup(store, output)
    click.echo(f"{output}: {len(manifest['files'])} files")


@main.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def restore_cmd(archive, data_dir):
    """Restore a backup into an empty data dir, after checking every file's hash.

    A damaged or incomplete archive is refused, and an existing store is never overwritten.

    \b
    Example:
        facetrack restore facetrack-2026-11-22.tar --data-dir ~/facetrack-restored
    """
    from .backup import restore
    from .store import default_data_dir

    n = restore(archive, data_dir or default_data_dir())
    click.echo(f"restored {n} captures from {archive}")


@main.command("delete")
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
    with _open_store(data_dir) as store:
        if capture_id is not None:
            if not store.delete_capture(capture_id):
                raise StoreError(f"there is no capture {capture_id}")
        else:
            if profile not in store.profiles():
                raise StoreError(f"there is no profile {profile!r}")
            store.delete_profile(profile)
    click.echo(f"deleted {what}")
