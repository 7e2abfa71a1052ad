"""CLI: the models (``facetrack model path``) and ``facetrack demo``."""

from __future__ import annotations

from pathlib import Path

import click

from facetrack.cli.common import model_option


# --- model ------------------------------------------------------------------------------
@click.group("model")
def model():
    """The models facetrack measures with (they come with facetrack; nothing is downloaded).

    \b
    Example:
        facetrack model path
    """


@model.command("path")
@model_option
def model_path(model):
    """Print the model files facetrack uses, and why: the face landmarker (first line) and
    the person segmentation model of the silhouette metrics (second line).

    \b
    Example:
        facetrack model path --model ./face_landmarker.task
    """
    from facetrack.detect.model import resolve
    from facetrack.detect.segmentation import segmenter_path

    found = resolve(model)
    click.echo(f"{found.path}\t({found.reason}; sha256 verified)")
    click.echo(f"{segmenter_path()}\t(comes with facetrack: MediaPipe's person segmenter, "
               "Apache-2.0; sha256 verified)")


# --- demo ---------------------------------------------------------------------------------
@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Demo data dir (default: <user data dir>/demo; never your own store).")
@model_option
def demo_cmd(data_dir, model):
    """Build a 12-week demo series from a real webcam clip, import it, and chart it.

    The 12 weekly photos are frames of one man's webcam clip (a plain wall behind him) that
    come with facetrack, with one known change added: the outline of his cheeks and jaw moves
    outwards week by week, the face 8 % wider by week 12. It lives in its own data dir
    (default: <user data dir>/demo), never in your own store.

    \b
    Example:
        facetrack demo
    """
    from facetrack.demo import demo_data_dir, import_demo, known_change
    from facetrack.detect.measure import Measurer
    from facetrack.report.charts import save_figure, trend_figure
    from facetrack.store import Store

    root = data_dir or demo_data_dir()
    with Measurer.from_model(model) as measurer, Store.open(root) as store:
        captures = import_demo(store, root / "photos", measurer)
    chart = save_figure(trend_figure(captures, title="facetrack demo: 12 weekly captures"),
                        root / "demo-trends.png")
    click.echo(f"{len(captures)} demo captures in {root} (profile 'demo')", err=True)
    click.echo(known_change(), err=True)
    click.echo(str(chart))


COMMANDS = (model, demo_cmd)
