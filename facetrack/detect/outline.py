"""The silhouette channel: person masks of a face over several views, measured on rows set by
the landmarks (``metrics.silhouette``), combined, with the reason for every missing value.

Views: square crops around the face at two sizes, each as it is and mirrored (the mirror's
landmarks are mirrored with it, so "left" stays the subject's left). A metric is given only
when at least ``MIN_VIEWS`` views find trustworthy edges and they agree within
``MAX_DISAGREEMENT`` (relative); its value and spread combine the views as the landmark
metrics' do (``metrics.combine_views``: direct and mirrored views balanced). Otherwise it is missing, and the notes say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facetrack.metrics import combine_views, silhouette
from facetrack.metrics.silhouette import EdgeRules, silhouette_values
from facetrack.records import MetricValue
from facetrack.topology import FaceTopology

CROPS = (1.4, 1.6, 1.8)  # crop side over the face oval's height
MIN_VIEWS = 3
MAX_DISAGREEMENT = 0.03
NAMES = (*silhouette.ROWS, *silhouette.CHEEKS)


@dataclass(frozen=True)
class OutlineMeasurement:
    values: dict[str, float]  # metric -> value (only the trustworthy ones)
    spreads: dict[str, float]  # metric -> robust SD over the views
    counts: dict[str, int]  # metric -> views combined
    problems: dict[str, str] = field(default_factory=dict)  # metric -> why it is missing


def crop_views(image: np.ndarray, points: np.ndarray, topology: FaceTopology):
    """(crop, landmarks in its pixels, mirrored) for each view of the face."""
    import cv2

    p = np.asarray(points, dtype=np.float64)
    oval = p[topology.idx("face_oval"), :2]
    centre = (oval.min(axis=0) + oval.max(axis=0)) / 2
    height = float(np.ptp(oval[:, 1]))
    for k in CROPS:
        side = int(round(k * height))
        x0, y0 = np.round(centre - side / 2).astype(int)
        pad = max(0, -x0, -y0, x0 + side - image.shape[1], y0 + side - image.shape[0])
        padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0)) if pad else image
        crop = np.ascontiguousarray(padded[y0 + pad: y0 + pad + side, x0 + pad: x0 + pad + side])
        local = p.copy()
        local[:, :2] -= (x0, y0)
        yield crop, local, False
        mirrored = local.copy()
        mirrored[:, 0] = side - mirrored[:, 0]
        yield np.ascontiguousarray(crop[:, ::-1]), mirrored, True


def outline_views(segmenter, image: np.ndarray, points: np.ndarray, topology: FaceTopology,
                  rules: EdgeRules = EdgeRules()) -> tuple[list[tuple[bool, dict[str, float]]], dict[str, list[str]]]:
    """Every view's silhouette values of a face in ``image`` (landmarks ``points``, same
    pixels), and the reasons of the views that gave none: for ``combine_outline``."""
    per_view: list[tuple[bool, dict[str, float]]] = []
    reasons: dict[str, list[str]] = {name: [] for name in NAMES}
    for crop, local, mirrored in crop_views(image, points, topology):
        values, problems = silhouette_values(segmenter.person_mask(crop), crop, local, topology, rules)
        per_view.append((mirrored, values))
        for name, why in problems.items():
            reasons[name].append(why)
    return per_view, reasons


def measure_outline(segmenter, image: np.ndarray, points: np.ndarray, topology: FaceTopology,
                    rules: EdgeRules = EdgeRules()) -> OutlineMeasurement:
    """The silhouette metrics of a face in ``image`` (landmarks ``points``, same pixels)."""
    return combine_outline(*outline_views(segmenter, image, points, topology, rules))


def photo_views(capture, views):
    """The landmark views found on a capture's stored photo itself: all of an imported
    photo's; of a guided capture, the kept frame's (its other burst frames moved a little)."""
    if capture.taken_at_source != "capture":
        return list(views)
    kept = capture.quality.frame_kept
    return [v for v in views if v.kind.original or v.kind.frame == kept]


def combine_outline(per_view: list[tuple[bool, dict[str, float]]],
                    reasons: dict[str, list[str]] | None = None) -> OutlineMeasurement:
    """Combine views: each metric from at least ``MIN_VIEWS`` agreeing views, else missing."""
    values, spreads, counts, problems = {}, {}, {}, {}
    for name in NAMES:
        found = [(m, v[name]) for m, v in per_view if name in v]
        if len(found) < MIN_VIEWS:
            why = reasons.get(name) if reasons else None
            problems[name] = (max(set(why), key=why.count) if why else "too few views") + \
                f" ({len(per_view) - len(found)} of {len(per_view)} views)"
            continue
        x = np.array([v for _, v in found])
        if np.ptp(x) > MAX_DISAGREEMENT * abs(np.median(x)):
            problems[name] = f"the views disagree by {100 * np.ptp(x) / abs(np.median(x)):.1f} %"
            continue
        combined = combine_views([{name: v} for _, v in found], [m for m, _ in found])[name]
        values[name], spreads[name], counts[name] = combined.value, combined.spread, combined.n
    return OutlineMeasurement(values, spreads, counts, problems)


def outline_values(outline: OutlineMeasurement) -> dict[str, MetricValue]:
    """The trustworthy silhouette values as stored metric values (with their versions)."""
    from facetrack.metrics import get_metric

    return {name: MetricValue(value, outline.spreads[name], outline.counts[name], get_metric(name).version)
            for name, value in outline.values.items()}


def background_advice(missing: dict[str, str] | None) -> str | None:
    """What to tell the user when a capture has no silhouette values, in plain words."""
    if not missing:
        return None
    names = ", ".join(sorted(missing))
    return (f"no silhouette value for {names} ({sorted(set(missing.values()))[0]}): for them, stand in front "
            "of a plain wall that contrasts with your skin, hair behind your ears")
