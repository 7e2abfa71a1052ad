"""Recompute stored metrics from stored landmarks, after a metric definition changes.

Every capture keeps every landmark view it was measured from. When a metric's version in
the registry differs from the version a capture's value was computed with, or a metric
was added, the capture's values are recomputed from those landmarks, with the same robust
combination as at capture time. The photo, the landmarks and the capture time are never
touched; only the metric values of that capture are replaced, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facetrack.detect.measure import measure_views
from facetrack.errors import InputError
from facetrack.metrics import SILHOUETTE, SKIN, VERSIONS
from facetrack.store import Store
from facetrack.records import Capture, MetricValue
from facetrack.stats.comparable import expression_of
from facetrack.topology import FaceTopology


SILHOUETTE_NAMES = frozenset(m.name for m in SILHOUETTE)
SKIN_NAMES = frozenset(m.name for m in SKIN)
#: Measured on the photo (the silhouette, the skin), not from the landmarks: recompute keeps them.
PHOTO_NAMES = SILHOUETTE_NAMES | SKIN_NAMES


@dataclass
class RecomputeReport:
    updated: list[int] = field(default_factory=list)
    current: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def is_stale(capture: Capture) -> bool:
    """True when the stored landmark metrics are not exactly the registry's names and versions
    (the silhouette and skin metrics, measured on the photo, may be missing by design)."""
    stored = {name: value.version for name, value in capture.metrics.items() if name not in PHOTO_NAMES}
    return stored != dict(VERSIONS)


def stale_warning(captures, profile: str) -> str | None:
    """What to tell the user when some captures hold values of an older metric definition."""
    stale = sum(is_stale(c) for c in captures)
    if not stale:
        return None
    return (f"{stale} of {len(captures)} captures of profile {profile!r} hold metric values "
            f"from older definitions; run `facetrack recompute --profile {profile}` so all are "
            "measured the same way")


def _stored_photo(store: Store, capture: Capture):
    """(the stored photo's image as measured, its views' consensus landmarks in that image's pixels)."""
    import numpy as np

    from facetrack.capture.photo import read_photo
    from facetrack.detect.outline import photo_views

    photo = read_photo(capture.image_path)
    points = np.mean([v.points for v in photo_views(capture, store.landmark_views(capture.id))], axis=0)
    sx, sy = photo.scale  # the file's pixels -> the (possibly reduced) image measured
    return photo.image, points / np.array([sx, sy, sx])


def remeasure_silhouette(store: Store, capture: Capture, segmenter, topology: FaceTopology) -> int:
    """Measure a stored capture's silhouette again from its stored photo and landmarks, and
    store the values (the landmark metrics stay as they are); returns how many it has."""
    from dataclasses import replace

    from facetrack.detect.outline import measure_outline, outline_values

    image, points = _stored_photo(store, capture)
    outline = measure_outline(segmenter, image, points, topology)
    kept = {n: v for n, v in capture.metrics.items() if n not in SILHOUETTE_NAMES}
    store.replace_metrics(capture.id, {**kept, **outline_values(outline)})
    store.set_quality(capture.id, replace(capture.quality, silhouette_missing=outline.problems))
    return len(outline.values)


def remeasure_skin(store: Store, capture: Capture, segmenter, topology: FaceTopology) -> int:
    """Measure a stored capture's skin again from its stored photo and landmarks (a guided
    capture's is its kept frame, so one frame instead of the burst), store the values and the
    reasons for the missing ones; the other metrics stay as they are. Returns how many it has."""
    from dataclasses import replace

    from facetrack.detect.skin import measure_skin_frames

    image, points = _stored_photo(store, capture)
    skin = measure_skin_frames(segmenter, [(image, points)], topology)
    kept = {n: v for n, v in capture.metrics.items() if n not in SKIN_NAMES}
    store.replace_metrics(capture.id, {**kept, **skin.values})
    store.set_quality(capture.id, replace(capture.quality, skin_missing=skin.problems))
    return len(skin.values)


def recompute_silhouettes(store: Store, profile: str, segmenter, topology: FaceTopology, *,
                          measure=remeasure_silhouette) -> RecomputeReport:
    """Every capture of a profile: its silhouette (or, with ``measure=remeasure_skin``, its
    skin) measured again from its stored photo."""
    report = RecomputeReport()
    for capture in store.captures(profile):
        try:
            measure(store, capture, segmenter, topology)
        except (ValueError, InputError) as exc:
            report.failed.append((capture.id, str(exc)))
            continue
        report.updated.append(capture.id)
    return report


def fill_expression(store: Store, capture: Capture) -> bool:
    """Note a capture's expression from its stored views, when it has none yet; whether it did."""
    from dataclasses import replace

    if capture.quality.expression is not None:
        return False
    expression = expression_of(v.blendshapes for v in store.landmark_views(capture.id))
    if expression is None:
        return False
    store.set_quality(capture.id, replace(capture.quality, expression=expression))
    return True


def recompute_capture(store: Store, capture_id: int, topology: FaceTopology) -> dict[str, MetricValue]:
    """Current metric values of one capture from its stored landmark views."""
    return measure_views(store.landmark_views(capture_id), topology)[1]


def recompute_profile(store: Store, profile: str, topology: FaceTopology, *,
                      force: bool = False) -> RecomputeReport:
    """Recompute the stale captures of a profile (every capture with ``force``). A capture
    stored before expressions were recorded gets them from its stored views' blendshapes, so
    its comparability with others is judged on expression too."""
    report = RecomputeReport()
    for capture in store.captures(profile):
        fill_expression(store, capture)
        if not force and not is_stale(capture):
            report.current.append(capture.id)
            continue
        try:
            values = recompute_capture(store, capture.id, topology)
        except ValueError as exc:
            report.failed.append((capture.id, str(exc)))
            continue
        kept = {n: v for n, v in capture.metrics.items() if n in PHOTO_NAMES}  # from the photo, not landmarks
        store.replace_metrics(capture.id, {**values, **kept})
        report.updated.append(capture.id)
    return report
