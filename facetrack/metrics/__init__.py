"""The metrics core: pure functions of landmark arrays, and the registry that names them.

This package never touches files, cameras, clocks or the database, and imports none of
cv2, mediapipe, sqlite3 or matplotlib. Every metric is computed on landmarks aligned to
MediaPipe's canonical face (see ``align``), so it does not depend on head pose, position
or distance to the camera.

Every metric is a proxy of what one camera sees: the landmark and silhouette metrics are
geometric, the skin metrics (``skin``) colour against the wall behind the user. None measures
fat, muscle or bone, and none is a diagnosis.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from facetrack.topology import FaceTopology
from facetrack.metrics import silhouette, skin
from facetrack.metrics.align import AlignedFace, mirror_landmarks, to_canonical, unflip_landmarks, validate_points
from facetrack.metrics.cheeks import cheek_fullness, malar_projection, midface_width_ratio
from facetrack.metrics.jaw import (bigonial_bizygomatic_ratio, jaw_angle, jaw_angle_difference, jaw_angle_mean,
                  lower_face_taper)
from facetrack.metrics.symmetry import (REGIONS, asymmetry_index, brow_height_difference, eye_aperture_ratio,
                       mouth_corner_tilt, regional_asymmetry)

__all__ = [
    "Metric", "Measurement", "REGISTRY", "SILHOUETTE", "SKIN", "ALL_METRICS", "METRIC_NAMES", "VERSIONS", "HEADLINE", "compute_metrics", "combine_views",
    "trimmed_mean", "get_metric", "mirror_values", "AlignedFace", "to_canonical", "mirror_landmarks",
    "unflip_landmarks", "validate_points",
]

SIDES = ("left", "right")


@dataclass(frozen=True)
class Metric:
    """One registered metric.

    kind: ``"sided"`` (has a mirror partner: ``mirror`` names it), ``"signed"`` (a
    left-minus-right style index that changes sign when the face is mirrored) or
    ``"unsided"`` (unchanged by mirroring).
    """

    name: str
    group: str
    units: str
    version: int
    kind: str
    function: Callable[[AlignedFace], float] | None  # None: not computed from landmarks
    definition: Callable
    mirror: str | None = None
    text: str | None = None  # the definition, when ``definition``'s docstring holds several

    @property
    def description(self) -> str:
        doc = self.text or inspect.getdoc(self.definition) or ""
        return doc.split("\n\n")[0].replace("\n", " ")

    @property
    def documentation(self) -> str:
        return self.text or inspect.getdoc(self.definition) or ""

    @property
    def label(self) -> str:
        """The plain-language name a page shows ("Cheek fullness (left)"); ``name`` is the key."""
        from facetrack.metrics.labels import label

        return label(self.name)

    @property
    def meaning(self) -> str:
        """One sentence a page shows: what the metric measures and what a higher value means."""
        from facetrack.metrics.labels import meaning

        return meaning(self.name)

    @property
    def unit(self):
        """The unit a page shows values in (``labels.Unit``: symbol, words, meaning); ``units``
        are the stored values' own."""
        from facetrack.metrics.labels import unit

        return unit(self)

    @property
    def needs_plain_background(self) -> bool:
        """Measured on the person mask's outline: given only in front of a plain background."""
        return self.group == "silhouette"


def _sided(name, group, units, version, function) -> tuple[Metric, ...]:
    return tuple(
        Metric(f"{name}_{side}", group, units, version, "sided", partial(function, side=side),
               function, mirror=f"{name}_{other}")
        for side, other in (("left", "right"), ("right", "left"))
    )


def _plain(name, group, units, version, function, kind="unsided") -> Metric:
    return Metric(name, group, units, version, kind, function, function)


def _regional(region: str, version: int) -> Metric:
    return Metric(f"asymmetry_{region}", "symmetry", "% of inter-ocular distance", version,
                  "unsided", partial(regional_asymmetry, region=region), regional_asymmetry)


#: Versions: 1, the first definitions; 2, every metric: a capture's value balances views of
#: the photo and of its mirror image, with trimmed means (``combine_views``), instead of
#: taking the median of all views.
REGISTRY: tuple[Metric, ...] = (
    *_sided("jaw_angle", "jaw", "deg", 2, jaw_angle),
    _plain("jaw_angle_mean", "jaw", "deg", 2, jaw_angle_mean),
    _plain("bigonial_bizygomatic_ratio", "jaw", "ratio", 2, bigonial_bizygomatic_ratio),
    _plain("lower_face_taper", "jaw", "deg", 2, lower_face_taper),
    *_sided("cheek_fullness", "midface", "% of face width^2", 2, cheek_fullness),
    *_sided("malar_projection", "midface", "% of inter-ocular distance", 2, malar_projection),
    _plain("midface_width_ratio", "midface", "ratio", 2, midface_width_ratio),
    _plain("asymmetry_index", "symmetry", "% of inter-ocular distance", 2, asymmetry_index),
    *(_regional(region, 2) for region in REGIONS),
    _plain("mouth_corner_tilt", "symmetry", "deg", 2, mouth_corner_tilt, kind="signed"),
    _plain("eye_aperture_ratio", "symmetry", "% (log ratio left/right)", 2, eye_aperture_ratio,
           kind="signed"),
    _plain("brow_height_difference", "symmetry", "% of inter-ocular distance", 2,
           brow_height_difference, kind="signed"),
    _plain("jaw_angle_difference", "symmetry", "deg", 2, jaw_angle_difference, kind="signed"),
)
#: Measured on a person mask (``silhouette``), not on the landmarks: missing (null) unless
#: the outline is trustworthy. Version 1: the first definitions.
_WIDTH = ("Full face width on the silhouette (the person mask's 0.5 edge) at the row {f:.0f} % of the way "
          "from the eye line to the chin, over the inter-ocular distance; needs a plain background "
          "beside both cheeks.")
_CHEEK = ("Distance from the facial midline to the {side} edge of the silhouette (the person mask) at "
          "the {f:.0f} % row, over the inter-ocular distance; needs a plain background.")
SILHOUETTE: tuple[Metric, ...] = (
    *(Metric(name, "silhouette", "x inter-ocular distance", 1, "unsided", None,
             silhouette.silhouette_values, text=_WIDTH.format(f=100 * fraction))
      for name, fraction in silhouette.ROWS.items()),
    *(Metric(name, "silhouette", "x inter-ocular distance", 1, "sided", None, silhouette.silhouette_values,
             mirror=next(other for other in silhouette.CHEEKS if other != name),
             text=_CHEEK.format(side=name.rsplit("_", 1)[1], f=100 * silhouette.CHEEK_ROW))
      for name in silhouette.CHEEKS),
)
#: Measured on the skin's colour against the wall beside the head (``skin``), not on the
#: landmarks: missing (null) unless the wall, the skin and the pose can be trusted. A family of
#: their own in the verdicts. Version 1: the first definitions.
_SKIN = (
    ("skin_lightness", "CIELAB L*", "CIELAB L* of the cheeks' skin with the wall beside the head taken as white "
     "(L* 100): a 20 % trimmed mean over each cheek's pixels, the two cheeks averaged; needs a plain wall."),
    ("skin_redness", "CIELAB a*", "CIELAB a* of the cheeks' skin with the wall beside the head taken as white "
     "(a* 0), measured as skin_lightness; higher is redder; needs a plain wall."),
    ("skin_redness_contrast", "CIELAB a*", "The cheeks' a* minus the forehead's a*, in the same photo; positive: "
     "cheeks redder than the forehead; needs a plain wall and a clear forehead."),
    ("skin_evenness", "CIELAB colour difference", "The cheeks' blotchiness: the skin's L* and a* averaged in cells "
     "of 1/20 of the inter-ocular distance, a quadratic surface removed per cheek, then the root sum of squares "
     "of the two robust SDs of what is left; higher is less even; needs a plain wall."),
)
SKIN: tuple[Metric, ...] = tuple(Metric(name, "skin", units, 1, "unsided", None, skin.measure_skin, text=text)
                                 for name, units, text in _SKIN)
#: Every metric: the landmark metrics, then the silhouette metrics, then the skin metrics.
ALL_METRICS: tuple[Metric, ...] = REGISTRY + SILHOUETTE + SKIN
METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in REGISTRY)
#: The definition version now in use, by metric name.
VERSIONS: Mapping[str, int] = MappingProxyType({m.name: m.version for m in REGISTRY})

#: The metrics a trend chart shows by default: one or two per question a user asks.
HEADLINE: tuple[str, ...] = (
    "jaw_angle_mean", "bigonial_bizygomatic_ratio", "cheek_fullness_left",
    "cheek_fullness_right", "midface_width_ratio", "asymmetry_index",
)


def get_metric(name: str) -> Metric:
    for metric in ALL_METRICS:
        if metric.name == name:
            return metric
    raise KeyError(f"unknown metric {name!r}")


def mirror_values(values: Mapping[str, float]) -> dict[str, float]:
    """The values the mirror image of a face reads, from the face's own values.

    A sided metric takes its partner's value (``cheek_fullness_left`` <- ``_right``), a
    signed index is negated, the rest are unchanged: ``compute_metrics`` of mirrored
    landmarks equals ``mirror_values`` of the original's metrics. Applying it twice gives
    the values back. Use it to compare a measurement of a mirrored photo with one of the
    photo itself. Raises KeyError for a name that is not a registered metric.
    """
    out = {}
    for name, value in values.items():
        metric = get_metric(name)
        if metric.kind == "sided":
            if metric.mirror in values:  # a partner with no value (a missing silhouette) gives none
                out[name] = float(values[metric.mirror])
        elif metric.kind == "signed":
            out[name] = -float(value)
        else:
            out[name] = float(value)
    return out


def compute_metrics(points, topology: FaceTopology,
                    metrics: Iterable[Metric] = REGISTRY) -> dict[str, float]:
    """Every metric of one landmark array (478 or 468 points, any pose, position, scale).

    Raises ValueError for degenerate input (wrong shape, NaN, collapsed points, or a
    metric that comes out non-finite); never returns NaN.
    """
    values = {}
    # Near-degenerate input can make a metric 0/0 or overflow: that comes out non-finite and
    # is refused below with a ValueError, so numpy's RuntimeWarnings would only be noise.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        face = AlignedFace.from_points(points, topology)
        for metric in metrics:
            try:
                value = float(metric.function(face))
            except ZeroDivisionError:  # a length that came out 0 in plain float arithmetic
                value = float("nan")
            if not np.isfinite(value):
                raise ValueError(f"metric {metric.name} is undefined for these landmarks")
            values[metric.name] = value
    return values


@dataclass(frozen=True)
class Measurement:
    """A robust estimate over several views: value, spread (robust SD) and view count."""

    value: float
    spread: float
    n: int


#: The share of views cut from each end before averaging (``trimmed_mean``).
TRIM = 0.2


def trimmed_mean(values: np.ndarray, proportion: float = TRIM) -> float:
    """Mean after cutting ``int(proportion x n)`` values from each end of the sorted values
    (as ``scipy.stats.trim_mean``): robust to a stray view, nearly as steady as the mean."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    cut = int(proportion * len(v))
    return float(v[cut:len(v) - cut].mean())


def combine_views(per_view: list[Mapping[str, float]],
                  mirrored: Sequence[bool] | None = None) -> dict[str, Measurement]:
    """Robust value and spread of each metric across views.

    The value is a 20 % trimmed mean (``trimmed_mean``). ``mirrored`` flags the views found
    on a mirror image of the photo (their landmarks mapped back through the mirror pairs).
    The model reads a face and its mirror image slightly differently (a left/right bias,
    e.g. about 1° of mouth-corner tilt or 4 % of brow height difference on the test
    portraits), so the views form two clusters; the value is then the mean of the two
    clusters' trimmed means, which cancels that bias whatever the number of views in each
    (a median of all views lands unpredictably between the clusters, or inside the larger
    one). Without flags, or when one cluster is empty, it is the trimmed mean of all views.

    The spread is the robust SD of the views about their own cluster's trimmed mean (1.4826 x
    the median absolute deviation): the views' noise, without the bias the value cancels.
    A single view gets spread NaN: one number carries no information about its noise.

    Notes: values are comparable between captures combined the same way; a change here
    changes every metric's version. ``benchmarks/experiments/views.py`` compares this with
    the median, the mean and other view sets.
    """
    if not per_view:
        raise ValueError("no views to combine")
    flags = np.zeros(len(per_view), bool) if mirrored is None else np.asarray(mirrored, bool)
    if flags.shape != (len(per_view),):
        raise ValueError(f"{flags.size} mirror flags for {len(per_view)} views")
    clusters = [flags, ~flags] if flags.any() and (~flags).any() else [np.ones(len(per_view), bool)]
    out = {}
    for name in per_view[0]:
        values = np.array([view[name] for view in per_view], dtype=np.float64)
        centres = [trimmed_mean(values[c]) for c in clusters]
        deviations = np.concatenate([values[c] - centre for c, centre in zip(clusters, centres)])
        spread = float(1.4826 * np.median(np.abs(deviations))) if len(values) > 1 else float("nan")
        out[name] = Measurement(float(np.mean(centres)), spread, len(values))
    return out
