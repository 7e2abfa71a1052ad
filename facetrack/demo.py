"""The built-in demo: a 12-week series made from a real portrait, with a known change.

Source: ``grace_hopper.jpg``, the public portrait that ships with matplotlib. Each week's
photo gets a capture-like perturbation (small rotation, scale, brightness change, JPEG
quality) and a gradual, known change: a smooth warp that pushes both lower-cheek
contours outwards, reaching ``cheek_widening`` x face width per side in the last week.
The photos go through the same import path as a user's photos.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrack.topology import FaceTopology
from facetrack.lab.warps import CaptureConditions, cheek_bulge, warp_image

WEEKS = 12
START = dt.datetime(2026, 1, 5, 9, 0, 0)


@dataclass(frozen=True)
class DemoWeek:
    week: int
    taken_at: dt.datetime
    widening: float  # applied cheek bulge, fraction of face width (peak, per side)
    conditions: CaptureConditions


def demo_data_dir() -> Path:
    """Where ``facetrack demo`` keeps its store: ``<user data dir>/demo`` (never your own store)."""
    from facetrack.store import default_data_dir

    return default_data_dir() / "demo"


def portrait() -> np.ndarray:
    """The real portrait the demo is built from (RGB uint8)."""
    import matplotlib.cbook as cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as img:
        return np.asarray(img.convert("RGB"))


def plan(weeks: int = WEEKS, cheek_widening: float = 0.08, seed: int = 7) -> list[DemoWeek]:
    """The weekly schedule: the known change and random capture-like perturbations."""
    rng = np.random.default_rng(seed)
    return [
        DemoWeek(
            week=k,
            taken_at=START + dt.timedelta(weeks=k, minutes=int(rng.integers(0, 90))),
            widening=cheek_widening * k / (weeks - 1),
            conditions=CaptureConditions.random(rng),
        )
        for k in range(weeks)
    ]


def write_jpeg(image: np.ndarray, path: Path, quality: int, taken_at: dt.datetime) -> Path:
    """Save as JPEG with EXIF DateTimeOriginal, as a phone or webcam app would."""
    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    Image.fromarray(image).save(path, "JPEG", quality=quality, exif=exif)
    return path


def build_series(out_dir: Path, landmarker, topology: FaceTopology, *,
                 schedule: list[DemoWeek] | None = None) -> list[Path]:
    """Write the weekly demo photos into ``out_dir``; return their paths in order."""
    base = portrait()
    found = landmarker.detect(base)
    if found is None:  # the portrait ships with matplotlib; this means the model is broken
        raise RuntimeError("the demo portrait yielded no face: check the model file")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for week in schedule or plan():
        changed = warp_image(base, cheek_bulge(found.points, topology, week.widening))
        img = week.conditions.apply(changed)
        paths.append(write_jpeg(img, out_dir / f"week{week.week:02d}.jpg", week.conditions.jpeg_quality,
                                week.taken_at))
    return paths


def import_demo(store, photos_dir: Path, measurer) -> list:
    """(Re)build the ``demo`` profile of ``store``: write the weekly photos into
    ``photos_dir`` and import them as a user's photos are. Returns its captures."""
    from facetrack.errors import FacetrackError
    from facetrack.ingest.importer import import_photos

    store.delete_profile("demo")
    photos = build_series(photos_dir, measurer.landmarker, measurer.topology)
    report = import_photos(photos, store=store, measurer=measurer, profile="demo")
    if report.rejected:
        path, problem = report.rejected[0]
        raise FacetrackError(f"demo photo {path.name} was rejected: {problem}")
    return store.captures("demo")
