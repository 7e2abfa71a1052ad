"""CLI: ``facetrack app``, the local web page."""

from __future__ import annotations

import click

from facetrack.cli.common import data_dir_option, profile_option


@click.command("app")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port on 127.0.0.1, 1 to 65535 (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser; only print the address.")
@profile_option
@data_dir_option
def app_cmd(port, no_browser, profile, data_dir):
    """Open facetrack in your browser: photos, trends, before/after, report and export.

    The page is served by this computer to this computer only (127.0.0.1), with a key made
    for this launch in the printed address. Ctrl-C ends it.

    \b
    Example:
        facetrack app --profile me
    """
    import webbrowser

    from facetrack.app.server import serve
    from facetrack.store import default_data_dir

    root = data_dir or default_data_dir()
    if click.get_current_context().get_parameter_source("profile") is not click.core.ParameterSource.DEFAULT:
        from facetrack.app.common import remember_profile

        remember_profile(root, profile)  # an explicit --profile is the data dir's choice from now on

    def ready(url: str) -> None:
        click.echo(url)
        if not no_browser:
            webbrowser.open(url)

    from facetrack.app.launcher import read_bookmark, running_at

    mark = read_bookmark(root)
    if port is None and mark is not None and running_at(mark):  # started again: open the running app
        ready(mark.url())
        return

    try:
        serve(root, profile=profile, port=port, on_ready=ready)
    except KeyboardInterrupt:
        pass


COMMANDS = (app_cmd,)
