"""CLI: ``facetrack shortcut``, facetrack on the desktop and in the applications menu."""

from __future__ import annotations

import click

from facetrack.cli.common import data_dir_option


@click.command("shortcut")
@click.option("--new-key", is_flag=True,
              help="Make a new key for the bookmarked address (an old bookmark stops working).")
@data_dir_option
def shortcut_cmd(new_key, data_dir):
    """Put facetrack on the desktop and in the applications menu: clicking it starts the app
    and opens it in the browser, with no terminal.

    It also gives this data dir an address of its own that stays the same from one launch to
    the next, so a bookmark of it keeps working (docs/app.md says why this keeps the app as
    safe as before). Run it again after moving facetrack to another Python.

    \b
    Example:
        facetrack shortcut
    """
    from facetrack.app.launcher import make_bookmark, write_launchers
    from facetrack.errors import InputError
    from facetrack.store import default_data_dir

    root = data_dir or default_data_dir()
    try:
        written = write_launchers(root)
        mark = make_bookmark(root, new_key=new_key)
    except (OSError, ValueError) as exc:
        raise InputError(f"the shortcut could not be written: {exc}") from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"the address to bookmark (it stays the same): {mark.url()}")


COMMANDS = (shortcut_cmd,)
