"""The skin channel: the skin measures (``metrics.skin``) of a photo or of a burst's frames,
combined, with the reason for every missing value.

Each frame is measured on its own, against its own wall (the wall is lit by the same light at
the same instant, so a camera whose exposure moves during a burst is followed frame by frame),
from the full picture's person mask and the frame's landmarks. A measure is given when at least
half the frames give it; its value is the 20 % trimmed mean of theirs (``metrics.trimmed_mean``)
and its spread their robust SD. Otherwise it is missing, with the frames' most common reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from facetrack.metrics import get_metric, trimmed_mean
from facetrack.metrics.skin import NAMES, measure_skin
from facetrack.records import MetricValue
from facetrack.topology import FaceTopology

#: A measure needs a value in at least this share of the frames.
MIN_SHARE = 0.5


@dataclass(frozen=True)
class SkinResult:
    values: dict[str, MetricValue] = field(default_factory=dict)  # the trustworthy measures only
    problems: dict[str, str] = field(default_factory=dict)  # measure -> why it has no value


def combine_skin(per_frame: list) -> SkinResult:
    """Combine the ``SkinMeasurement`` of each frame (see the module's notes)."""
    if not per_frame:
        raise ValueError("no frames to measure the skin on")
    values, problems = {}, {}
    for name in NAMES:
        found = np.array([getattr(m, name).value for m in per_frame if getattr(m, name).value is not None])
        if len(found) >= max(1, int(np.ceil(MIN_SHARE * len(per_frame)))):
            spread = float(1.4826 * np.median(np.abs(found - np.median(found)))) if len(found) > 1 else None
            values[name] = MetricValue(trimmed_mean(found), spread, len(found), get_metric(name).version)
            continue
        reasons = Counter(getattr(m, name).reason for m in per_frame if getattr(m, name).value is None)
        why = reasons.most_common(1)[0][0]
        problems[name] = why if len(per_frame) == 1 else f"{why} ({sum(reasons.values())} of {len(per_frame)} frames)"
    return SkinResult(values, problems)


def measure_skin_frames(segmenter, frames: Iterable[tuple[np.ndarray, np.ndarray]],
                        topology: FaceTopology) -> SkinResult:
    """The skin measures of one photo or a burst: ``frames`` are (RGB uint8 image, its face's
    landmarks in the image's pixels); ``segmenter`` a ``detect.segmentation.Segmenter``."""
    return combine_skin([measure_skin(image, points, segmenter.person_mask(image), topology)
                         for image, points in frames])
