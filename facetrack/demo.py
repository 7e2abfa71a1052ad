"""The built-in demo: 12 weekly photos of a real face, with one known change of stated size.

Source: 12 frames of a real webcam clip of one man in front of a plain door, his face neutral
(``facetrack/demo_data``: the frames, their licence and PROVENANCE.md; made by
``tools/extract_demo_frames.py``). Each week shows a different frame, so the weeks differ as
two captures of an unchanged face do (here the best case: frames 0.6 s apart), and the
plain wall behind him gives the silhouette measures their values.

The known change (``known_warp``, ``facetrack.lab.warps.cheek_widening``): the outline of
the cheeks and jaw moves outwards, nothing in week 1, growing linearly to ``WIDENING / 2`` of
the face's width on each side by week 12 (the face ``WIDENING``, 8 %, wider); the eyes, nose
and mouth do not move. The width measures move with it (the silhouette widths, mid-face
width, cheek fullness, the jaw's width and angles); the symmetry measures do not. The
photos go through the same import path as a user's photos.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrack.lab.warps import Warp, cheek_widening, warp_image
from facetrack.topology import FaceTopology

WEEKS = 12
START = dt.datetime(2026, 1, 5, 9, 0, 0)
#: How much wider the face is across the cheeks and jaw in the last week than in the first
#: (each side's outline moves out by half of it, as a fraction of the face's width).
WIDENING = 0.08
#: The clip frame (``demo_data/frameNNN.jpg``) shown in each week, in week order: a fixed
#: shuffle, so the clip's own slow drift over its frames does not line up with the weeks.
WEEK_FRAMES = (6, 0, 12, 1, 15, 13, 9, 3, 5, 10, 2, 8)


def known_change(widening: float = WIDENING, weeks: int = WEEKS) -> str:
    """The demo's change in words, as the CLI and the app state it."""
    return (f"The demo's {weeks} weekly photos are frames of one real webcam clip, to which facetrack added "
            f"one known change: the outline of the cheeks and jaw moves outwards week by week, by "
            f"{50 * widening:g} % of the face's width on each side by week {weeks} (the face {100 * widening:g} % "
            "wider), with the eyes, nose and mouth unchanged.")


@dataclass(frozen=True)
class DemoWeek:
    week: int
    taken_at: dt.datetime
    frame: int  # the clip frame the week's photo is made from
    widening: float  # the face is this much wider across the cheeks and jaw (0.08: 8 %)
    jpeg_quality: int


def demo_data_dir() -> Path:
    """Where ``facetrack demo`` keeps its store: ``<user data dir>/demo`` (never your own store)."""
    from facetrack.store import default_data_dir

    return default_data_dir() / "demo"


def frame_path(frame: int) -> Path:
    """The demo photo made from clip frame ``frame`` (package data)."""
    path = Path(__file__).resolve().parent / "demo_data" / f"frame{frame:03d}.jpg"
    if not path.is_file():
        raise FileNotFoundError(f"the demo's photo {path.name} is missing from {path.parent}: reinstall facetrack")
    return path


def frame_image(frame: int) -> np.ndarray:
    """The demo photo made from clip frame ``frame`` (RGB uint8)."""
    from PIL import Image

    with Image.open(frame_path(frame)) as img:
        return np.asarray(img.convert("RGB"))


def portrait() -> np.ndarray:
    """matplotlib's stock portrait ``grace_hopper.jpg`` (RGB uint8): a real face for the
    benchmarks and tests (the demo itself is made from ``demo_data``)."""
    import matplotlib.cbook as cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as img:
        return np.asarray(img.convert("RGB"))


def plan(weeks: int = WEEKS, widening: float = WIDENING, seed: int = 7) -> list[DemoWeek]:
    """The weekly schedule: each week's frame, its share of the known change, its time of
    day and JPEG quality (random, as a phone's or webcam app's would be)."""
    if not 2 <= weeks <= len(WEEK_FRAMES):
        raise ValueError(f"weeks must be between 2 and {len(WEEK_FRAMES)} but got {weeks}")
    rng = np.random.default_rng(seed)
    return [
        DemoWeek(week=k, taken_at=START + dt.timedelta(weeks=k, minutes=int(rng.integers(0, 90))),
                 frame=WEEK_FRAMES[k], widening=widening * k / (weeks - 1),
                 jpeg_quality=int(rng.integers(85, 96)))
        for k in range(weeks)
    ]


def known_warp(points: np.ndarray, topology: FaceTopology, widening: float) -> Warp:
    """The demo's change of a photo with landmarks ``points``: each side's cheek and jaw
    outline ``widening / 2`` x face width further out, the face ``widening`` wider."""
    return cheek_widening(points, topology, widening / 2)


def write_jpeg(image: np.ndarray, path: Path, quality: int, taken_at: dt.datetime) -> Path:
    """Save as JPEG with EXIF DateTimeOriginal, as a phone or webcam app would."""
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    Image.fromarray(image).save(path, "JPEG", quality=quality, exif=exif)
    return path


def build_series(out_dir: Path, landmarker, topology: FaceTopology, *,
                 schedule: list[DemoWeek] | None = None) -> list[Path]:
    """Write the weekly demo photos into ``out_dir``; return their paths in order. Each
    week's frame is changed by its share of the known widening (``known_warp``), placed by
    the frame's own landmarks."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for week in schedule or plan():
        image = frame_image(week.frame)
        found = landmarker.detect(image)
        if found is None:  # the frames come with facetrack; this means the model is broken
            raise RuntimeError(f"the demo's frame {week.frame} yielded no face: check the model file")
        changed = warp_image(image, known_warp(found.points, topology, week.widening))
        paths.append(write_jpeg(changed, out_dir / f"week{week.week + 1:02d}.jpg", week.jpeg_quality,
                                week.taken_at))
    return paths


def import_demo(store, photos_dir: Path, measurer) -> list:
    """(Re)build the ``demo`` profile of ``store``: write the weekly photos into
    ``photos_dir`` and import them as a user's photos are. Returns its captures."""
    from facetrack.errors import FacetrackError
    from facetrack.ingest.importer import import_photos

    store.delete_profile("demo")
    photos = build_series(photos_dir, measurer.landmarker, measurer.topology)
    report = import_photos(photos, store=store, measurer=measurer, profile="demo", same_person=True)  # one person, by construction
    if report.rejected:
        path, problem = report.rejected[0]
        raise FacetrackError(f"demo photo {path.name} was rejected: {problem}")
    return store.captures("demo")
