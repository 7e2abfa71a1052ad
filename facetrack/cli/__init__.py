"""The facetrack command line: thin commands over the library.

Each command parses its arguments, calls the library, and prints. The commands live in one
module per group (``data``, ``capture``, ``calibrate``, ``report``, ``model``); ``common``
holds the shared options and the error handling: every library error becomes one line on
stderr (``error: <file>: <problem>``) and a non-zero exit.
"""

from __future__ import annotations

import click

from facetrack import __version__
from facetrack.cli import app, calibrate, capture, data, model, report, shortcut
from facetrack.cli.common import FacetrackGroup


@click.group(cls=FacetrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="facetrack")
def main():
    """Local, private, measurement-grade face progress tracker.

    Nothing leaves this machine. Example, from photos to a trend chart:

    \b
        facetrack import ~/Pictures/face/*.jpg
        facetrack trends -o trends.png
    """


for _module in (model, data, capture, calibrate, report, app, shortcut):
    for _command in _module.COMMANDS:
        main.add_command(_command)
