"""Import photos: read -> detect and measure -> store, one file at a time, each atomic."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np


from facetrack.capture.gates import GateConfig, cheek_brightness, evaluate
from facetrack.capture.photo import read_photo
from facetrack.errors import InputError
from facetrack.ingest.dates import DateError, check_taken_at, file_date, usable_exif_date
from facetrack.detect.measure import Measurer
from facetrack.metrics.align import interocular
from facetrack.store import DuplicateCapture, Store

from facetrack.records import NewCapture, QualityNotes
from facetrack.stats.comparable import expression_of, light_balance
from facetrack.stats.identity import matches_profile, shape_of_views


#: A helper process takes about 2 s to start (this process measures meanwhile): parallel
#: import pays off from about this many photos.
PARALLEL_FROM = 8


def default_workers(n_photos: int, cores: int | None = None) -> int:
    """Processes to measure ``n_photos`` with, this one included: every core from
    ``PARALLEL_FROM`` photos, else one; never more than there are photos."""
    import os

    cores = os.cpu_count() if cores is None else cores
    return max(1, min(n_photos, (cores or 1) if n_photos >= PARALLEL_FROM else 1))


class OtherPerson(InputError):
    """The photo's face does not look like the person of the profile's photos (``stats.identity``)."""

    def __reduce__(self):
        return (OtherPerson, (self.path, self.problem))


@dataclass
class ImportReport:
    imported: list[tuple[Path, int]] = field(default_factory=list)
    duplicates: list[tuple[Path, int]] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)
    measured_by_helpers: int = 0  # photos measured by helper processes (``workers > 1``)
    other_person: list[Path] = field(default_factory=list)  # rejected: another person's face (also in ``rejected``)

    @property
    def ok(self) -> bool:
        return not self.rejected


def taken_at_for(path: Path, exif_time: dt.datetime | None,
                 given: dt.datetime | None, date: dt.datetime | None = None) -> tuple[dt.datetime, str]:
    """The photo's own ``date`` given by the caller (checked), else EXIF DateTimeOriginal,
    else the ``given`` time, else the file's modification time; with where it came from
    ("exif" also for a ``date`` equal to the EXIF one)."""
    exif_time = usable_exif_date(exif_time)  # a camera date that cannot be right is not used
    if date is not None:
        when = check_taken_at(date)
        return when, "exif" if when == exif_time else "given"
    if exif_time is not None:
        return exif_time, "exif"
    if given is not None:
        return check_taken_at(given), "given"
    return file_date(path), "mtime"


def _checked_dates(paths: list[Path], dates) -> list[dt.datetime | None]:
    """One date (or None) per photo, in the photos' order."""
    if dates is None:
        return [None] * len(paths)
    dates = list(dates)
    if len(dates) != len(paths):
        raise ValueError(f"dates must give one date (or None) per photo but got {len(dates)} for {len(paths)}")
    return dates


def photo_checks(image: np.ndarray, face, topology, config: GateConfig, iod_px: float) -> dict[str, object]:
    """A photo's capture checks (the guided capture's gates, with ``config``'s thresholds: pose
    from straight ahead, centring, size, light, sharpness, expression) and what it was taken
    with: the ``QualityNotes`` fields ``failed_gates``, ``brightness`` and ``light_balance``.
    ``iod_px``: the face's eye distance in the file's own pixels (``image`` may be a reduced copy)."""
    results = evaluate(image, [face], topology, config)
    failed = tuple(r.name for r in results
                   if (iod_px < config.min_iod_px if r.name == "size" else not r.passed))
    exposure = next(r for r in results if r.name == "exposure")
    return {"failed_gates": failed, "brightness": round(exposure.value, 1),
            "light_balance": light_balance(*cheek_brightness(image, face, topology))}


def _capture_from(path: Path, photo, sha: str, result, topology, taken_at, views_tried: int,
                  date: dt.datetime | None = None, config: GateConfig | None = None) -> NewCapture:
    """The capture of a measured photo, in the pixels of the stored file: a photo measured on a
    reduced copy (over ``MAX_PIXELS``) has its landmarks scaled back to the file's own size. A
    photo failing a capture check is still imported, with the checks it failed noted (less
    comparable, like a guided capture taken with failed checks)."""
    when, when_source = taken_at_for(path, photo.taken_at, taken_at, date)
    pose = result.landmarks.pose
    width, height = photo.full_size
    factor = np.array([*photo.scale, photo.scale[0]])  # z is in x's units
    views = tuple(replace(v, points=np.asarray(v.points) * factor) for v in result.views)
    iod = interocular(result.landmarks.points * factor, topology, frontal=True)
    checks = photo_checks(photo.image, result.landmarks, topology, config or GateConfig(), iod)
    return NewCapture(
        taken_at=when, taken_at_source=when_source, source_path=str(path.resolve()),
        image_bytes=photo.data, image_ext=photo.format.lower().replace("jpeg", "jpg"),
        sha256=sha, width=width, height=height, pose=(pose.yaw, pose.pitch, pose.roll),
        quality=QualityNotes(views=len(result.views), views_tried=views_tried, interocular_px=round(iod, 1),
                             silhouette_missing=result.silhouette_missing, skin_missing=result.skin_missing,
                             expression=expression_of(v.blendshapes for v in result.views), **checks),
        views=views, metrics={**result.metrics, **result.skin},
    )


def profile_shapes(store: Store, profile: str, topology) -> list[np.ndarray]:
    """The face shapes of a profile's captures (``stats.identity``), to check new photos against."""
    shapes = (shape_of_views(store.landmark_views(c.id), topology) for c in store.captures(profile))
    return [s for s in shapes if s is not None]


def check_same_person(path, views, shapes: list[np.ndarray], topology) -> None:
    """OtherPerson unless the face of ``views`` matches ``shapes`` (a profile's; none: anyone);
    a matching face's shape joins ``shapes``, so a batch's later photos are checked against it too."""
    shape = shape_of_views(views, topology)
    if shape is None:
        return
    match = matches_profile(shape, shapes)
    if not match.same:
        n = match.compared_with
        raise OtherPerson(path, f"the face does not look like the person in this profile's "
                                f"{'photo' if n == 1 else f'{n} photos'} (its face shape differs by {match.distance:.3f}, "
                                f"the same person's by at most {match.limit:.3f}), so it was not imported")
    shapes.append(shape)


def import_photo(path: str | Path, *, store: Store, measurer: Measurer, profile: str,
                 taken_at: dt.datetime | None = None, date: dt.datetime | None = None,
                 config: GateConfig | None = None, same_person: bool = False,
                 shapes: list[np.ndarray] | None = None) -> tuple[int, bool]:
    """Import one photo; return (capture id, created). Raises InputError for a bad file or
    a bad ``date``.

    ``date``: the photo's date as the caller knows it (e.g. its EXIF date or its file's
    date, as the person confirmed or edited it); it wins over the EXIF date. Without it:
    the EXIF date, else ``taken_at``, else the file's modification time. A photo already in
    the profile (same SHA-256) is not stored again: (its id, False), its date unchanged.
    ``config``: the capture checks' thresholds (default ``GateConfig()``); see ``photo_checks``.
    A face that does not look like the profile's person (``shapes``: its captures' face shapes,
    read from the store when None) raises ``OtherPerson``, unless ``same_person`` says it is.
    """
    path = Path(path)
    if date is not None:
        _check_date(path, date)
    photo = read_photo(path)
    sha = hashlib.sha256(photo.data).hexdigest()
    existing = store.find_by_hash(profile, sha)
    if existing is not None:
        return existing, False
    result = measurer.measure_photo(photo.image, source=path)
    if not same_person:
        check_same_person(path, result.views, profile_shapes(store, profile, measurer.topology)
                          if shapes is None else shapes, measurer.topology)
    capture = _capture_from(path, photo, sha, result, measurer.topology, taken_at, len(measurer.augmentations),
                            date, config)
    return _add(store, profile, capture)


def _check_date(path: Path, date: dt.datetime) -> None:
    """InputError naming the photo when its given date cannot be a photo's date."""
    try:
        check_taken_at(date)
    except DateError as exc:
        raise InputError(path, f"its date {exc}") from None


def _add(store: Store, profile: str, capture: NewCapture) -> tuple[int, bool]:
    """(capture id, created): a photo another process stored meanwhile is a duplicate."""
    try:
        return store.add_capture(profile, capture), True
    except DuplicateCapture as exc:
        return exc.capture_id, False


def import_photos(paths: Iterable[str | Path], *, store: Store, measurer: Measurer, profile: str,
                  taken_at: dt.datetime | None = None,
                  progress: Callable[[Path], None] | None = None, workers: int = 1,
                  helpers=None, dates: Sequence[dt.datetime | None] | None = None,
                  config: GateConfig | None = None, same_person: bool = False) -> ImportReport:
    """Import many photos; a bad file is reported and skipped, never half-stored.

    ``dates``: one date (or None) per photo, in the same order: each photo's date as the
    caller knows it, which wins over its EXIF date (see ``import_photo``); a photo whose
    date is in the future is rejected. ``workers > 1`` measures photos in that many
    processes, this one included (one landmarker each; see ``workers``); only this process
    writes to the store, one capture at a time, in the order given. ``helpers`` (a
    ``workers.Helpers`` started earlier for the same paths) are used instead of starting new ones.
    The first photos of a profile make the earliest of them its baseline; later imports never
    move it (``Store.add_capture``). A photo whose face does not look like the profile's person
    (its captures', or for a new profile the first photo's) is rejected and listed in
    ``other_person``, unless ``same_person``.
    """
    paths = [Path(p) for p in paths]
    dates = _checked_dates(paths, dates)
    first = store.baseline(profile) is None
    shapes = None if same_person else profile_shapes(store, profile, measurer.topology)
    if helpers is not None or (workers > 1 and len(paths) > 1):
        report = _import_parallel(paths, store=store, measurer=measurer, profile=profile, taken_at=taken_at,
                                  progress=progress, workers=workers, helpers=helpers, dates=dates, config=config,
                                  shapes=shapes)
    else:
        report = _import_serial(paths, store=store, measurer=measurer, profile=profile, taken_at=taken_at,
                                progress=progress, dates=dates, config=config, shapes=shapes)
    if first and report.imported:  # a profile's first photos: the earliest of them is its baseline
        ids = {cid for _, cid in report.imported}
        store.set_baseline(profile, next(c.id for c in store.captures(profile) if c.id in ids))
    return report


def _import_serial(paths, *, store, measurer, profile, taken_at, progress, dates, config, shapes) -> ImportReport:
    report = ImportReport()
    for path, date in zip(paths, dates):
        try:
            cid, created = import_photo(path, store=store, measurer=measurer, profile=profile,
                                        taken_at=taken_at, date=date, config=config,
                                        same_person=shapes is None, shapes=shapes)
        except InputError as exc:
            report.rejected.append((path, exc.problem))
            if isinstance(exc, OtherPerson):
                report.other_person.append(path)
        else:
            (report.imported if created else report.duplicates).append((path, cid))
        if progress:
            progress(path)
    return report


def _import_parallel(paths, *, store, measurer, profile, taken_at, progress, workers, helpers, dates,
                     config, shapes) -> ImportReport:
    from facetrack.ingest.workers import measure_files

    report = ImportReport()
    outcomes: dict[int, object] = {}
    seen: dict[str, int] = {}
    written = 0

    def write_ready(i: int, outcome) -> None:
        """Keep the outcome; write every outcome whose turn has come, in the order given."""
        nonlocal written
        outcomes[i] = outcome
        while written in outcomes:
            path, outcome = paths[written], outcomes.pop(written)
            if isinstance(outcome, InputError):
                report.rejected.append((path, outcome.problem))
            elif dates[written] is not None and (bad := _date_problem(path, dates[written])):
                report.rejected.append((path, bad))
            else:
                photo, sha, result = outcome
                existing = store.find_by_hash(profile, sha) or seen.get(sha)
                other = None if existing is not None or shapes is None else _other_person(
                    path, result.views, shapes, measurer.topology)
                if existing is not None:
                    report.duplicates.append((path, existing))
                elif other is not None:
                    report.rejected.append((path, other))
                    report.other_person.append(path)
                else:
                    capture = _capture_from(path, photo, sha, result, measurer.topology, taken_at,
                                            len(measurer.augmentations), dates[written], config)
                    cid, created = _add(store, profile, capture)
                    seen[sha] = cid
                    (report.imported if created else report.duplicates).append((path, cid))
            written += 1
            if progress:
                progress(path)

    if helpers is None:
        report.measured_by_helpers = measure_files([str(p) for p in paths], measurer, workers, write_ready)
    else:
        if helpers.paths != [str(p) for p in paths]:
            raise ValueError("these helpers were started for other photos")
        report.measured_by_helpers = helpers.run(measurer, write_ready)
    return report


def _other_person(path, views, shapes, topology) -> str | None:
    try:
        check_same_person(path, views, shapes, topology)
    except OtherPerson as exc:
        return exc.problem
    return None


def _date_problem(path: Path, date: dt.datetime) -> str | None:
    try:
        _check_date(path, date)
    except InputError as exc:
        return exc.problem
    return None
