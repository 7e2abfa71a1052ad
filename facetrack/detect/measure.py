"""Measure one photo robustly: landmarks on augmented copies, metrics combined robustly.

A single detection carries the model's own noise and its left/right bias. For a still
photo, facetrack therefore also detects the face on slightly rotated and rescaled copies
and on the horizontally flipped image, maps every set of landmarks back onto the original
image (the flipped ones through the mirror pairs), computes every metric on each, and
reports the average of the direct views' and the mirrored views' trimmed means (which
cancels the model's left/right bias) with a robust spread (``metrics.combine_views``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from facetrack.errors import InputError
from facetrack.detect.landmarks import Landmarker, Landmarks
from facetrack.metrics import VERSIONS, Measurement, combine_views, compute_metrics, unflip_landmarks
from facetrack.detect.model import resolve
from facetrack.detect.outline import measure_outline, outline_values
from facetrack.detect.segmentation import Segmenter
from facetrack.detect.skin import measure_skin_frames
from facetrack.records import LandmarkView, MetricValue, ViewKind
from facetrack.topology import FaceTopology, load_topology


@dataclass(frozen=True)
class Augmentation:
    """Rotate by ``angle`` degrees and scale about the image centre, then optionally flip."""

    angle: float = 0.0
    scale: float = 1.0
    flip: bool = False

    @property
    def kind(self) -> ViewKind:
        return ViewKind(angle=self.angle, scale=self.scale, flip=self.flip)


#: The default test-time augmentation set: 10 views.
DEFAULT_AUGMENTATIONS: tuple[Augmentation, ...] = tuple(
    Augmentation(angle, scale, flip)
    for angle, scale in ((0.0, 1.0), (-4.0, 1.0), (4.0, 1.0), (0.0, 0.85), (0.0, 1.15))
    for flip in (False, True)
)


def _affine(aug: Augmentation, width: int, height: int) -> np.ndarray:
    import cv2

    return cv2.getRotationMatrix2D((width / 2.0, height / 2.0), aug.angle, aug.scale)


def augment_image(image: np.ndarray, aug: Augmentation) -> np.ndarray:
    import cv2

    height, width = image.shape[:2]
    out = image
    if aug.angle or aug.scale != 1:
        out = cv2.warpAffine(image, _affine(aug, width, height), (width, height),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if aug.flip:
        out = np.ascontiguousarray(out[:, ::-1])
    return out


def map_back(points: np.ndarray, aug: Augmentation, width: int, height: int,
             topology: FaceTopology) -> np.ndarray:
    """Landmarks found on an augmented copy, in the original image's pixel coordinates."""
    pts = unflip_landmarks(points, width, topology) if aug.flip else np.array(points, dtype=np.float64)
    if aug.angle or aug.scale != 1:
        m = _affine(aug, width, height)
        a_inv = np.linalg.inv(m[:, :2])
        pts[:, :2] = (pts[:, :2] - m[:, 2]) @ a_inv.T
        pts[:, 2] /= aug.scale
    return pts


@dataclass(frozen=True)
class PhotoMeasurement:
    landmarks: Landmarks  # the detection on the unaltered image
    views: tuple[LandmarkView, ...]
    metrics: dict[str, MetricValue]  # the landmark metrics and the trustworthy silhouette ones
    silhouette_missing: dict[str, str] | None = None  # silhouette metric -> why it has no value
    # The skin measures (``detect.skin``): the trustworthy values, and why the others have none;
    # kept apart from ``metrics`` here, stored beside them by the importer.
    skin: dict[str, MetricValue] = field(default_factory=dict)
    skin_missing: dict[str, str] | None = None


def count_faces(landmarker: Landmarker, image: np.ndarray, faces: list[Landmarks] | None = None) -> int:
    """How many faces a photo shows. MediaPipe's short-range detector misses faces that are
    small in a wide (or tall) photo, so such a photo is also searched in two overlapping
    halves; a face found there counts when its centre is outside every face already found."""
    faces = landmarker.detect_all(image) if faces is None else faces
    boxes = [(f.points[:, :2].min(axis=0), f.points[:, :2].max(axis=0)) for f in faces]
    h, w = image.shape[:2]
    if max(w / h, h / w) < 1.2:
        return len(boxes)
    axis = 0 if w >= h else 1  # split along the long side: x (columns) or y (rows)
    long = image.shape[1 - axis]
    for start, stop in ((0, int(0.6 * long)), (int(0.4 * long), long)):
        tile = image[:, start:stop] if axis == 0 else image[start:stop]
        offset = np.zeros(2)
        offset[axis] = start
        for face in landmarker.detect_all(np.ascontiguousarray(tile)):
            pts = face.points[:, :2] + offset
            centre = pts.mean(axis=0)
            if not any(np.all((lo <= centre) & (centre <= hi)) for lo, hi in boxes):
                boxes.append((pts.min(axis=0), pts.max(axis=0)))
    return len(boxes)


#: A photo is measured only when the face is at least this large and this frontal.
MIN_IOD_PX = 40.0  # inter-ocular distance in pixels
MAX_YAW_DEG = 20.0
MAX_PITCH_DEG = 25.0
MAX_ROLL_DEG = 30.0


def check_measurable(face: Landmarks, topology: FaceTopology, source) -> None:
    """Refuse a face too small or too turned for meaningful numbers (``InputError``)."""
    from facetrack.metrics.align import interocular

    iod = interocular(face.points, topology, frontal=True)
    if iod < MIN_IOD_PX:
        raise InputError(source, f"the face is too small (eyes {iod:.0f} px apart, at least "
                                 f"{MIN_IOD_PX:g} px needed): use a closer or larger photo")
    pose = face.pose
    for name, value, limit in (("yaw", pose.yaw, MAX_YAW_DEG), ("pitch", pose.pitch, MAX_PITCH_DEG),
                               ("roll", pose.roll, MAX_ROLL_DEG)):
        if abs(value) > limit:
            raise InputError(source, f"the face is turned too far ({name} {value:+.0f}°, at most ±{limit:g}°): "
                                     "use a photo facing the camera")


class Measurer:
    """The model and the named landmark map, loaded once and reused for every photo."""

    def __init__(self, model_path: str | Path, *, augmentations=DEFAULT_AUGMENTATIONS, silhouette: bool = True):
        self.model_path = Path(model_path)
        self.topology = load_topology(self.model_path)
        self.landmarker = Landmarker(self.model_path)
        self.augmentations = tuple(augmentations)
        self.segmenter = Segmenter() if silhouette else None

    @classmethod
    def from_model(cls, model: str | Path | None = None, **kwargs) -> "Measurer":
        return cls(resolve(model).path, **kwargs)

    def close(self) -> None:
        self.landmarker.close()
        if self.segmenter is not None:
            self.segmenter.close()

    def __enter__(self) -> "Measurer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def measure_photo(self, image: np.ndarray, *, source: str | Path = "image") -> PhotoMeasurement:
        """Detect exactly one face and measure it over the augmented views."""
        faces = self.landmarker.detect_all(image)
        n = count_faces(self.landmarker, image, faces)
        if n > 1:
            raise InputError(source, f"{n} faces found; a capture must show exactly one face")
        if not faces:
            raise InputError(source, "no face found" + (" (one may be too small in this wide photo: crop it)"
                                                        if n else ""))
        check_measurable(faces[0], self.topology, source)
        views, metrics = measure_views(self.detect_views(image, original=faces[0]), self.topology)
        missing = None
        if self.segmenter is not None:
            anchor = np.mean([v.points for v in views], axis=0)  # the views' consensus: steadier rows
            outline = measure_outline(self.segmenter, image, anchor, self.topology)
            metrics = {**metrics, **outline_values(outline)}
            missing = outline.problems
            skin = measure_skin_frames(self.segmenter, [(image, anchor)], self.topology)
            return PhotoMeasurement(faces[0], views, metrics, missing, skin.values, skin.problems)
        return PhotoMeasurement(faces[0], views, metrics, missing)

    def detect_views(self, image: np.ndarray, *, original: Landmarks | None = None,
                     augmentations: Iterable[Augmentation] | None = None) -> list[LandmarkView]:
        """The largest face's landmarks on each augmented copy of ``image`` (by default
        ``self.augmentations``), mapped back onto ``image``; a copy where no face is found is
        left out. ``original`` is the detection on the unaltered image, when already made."""
        height, width = image.shape[:2]
        views = []
        for aug in self.augmentations if augmentations is None else augmentations:
            if aug.kind.original and original is not None:
                found = original
            else:
                found = self.landmarker.detect(augment_image(image, aug))
            if found is None:
                continue
            points = map_back(found.points, aug, width, height, self.topology)
            views.append(LandmarkView(aug.kind, points, found.blendshapes, found.matrix))
        return views


def measure_views(views: Iterable[LandmarkView], topology: FaceTopology
                  ) -> tuple[tuple[LandmarkView, ...], dict[str, MetricValue]]:
    """Every metric of a capture from its landmark views, combined robustly.

    Each view's metrics are computed; views whose landmarks give no valid metrics are left
    out. The rest are combined with direct and mirrored views (told apart by their kind)
    balanced, see ``metrics.combine_views``, and tagged with each metric's version. Photo
    import, guided capture and ``recompute`` all measure through here. Returns the views
    used and the values; raises ValueError when no view gives valid metrics.
    """
    used, per_view = [], []
    for view in views:
        try:
            per_view.append(compute_metrics(view.points, topology))
        except ValueError:
            continue
        used.append(view)
    if not used:
        raise ValueError("no landmark view gives valid metrics")
    combined: dict[str, Measurement] = combine_views(per_view, [v.kind.mirrored for v in used])
    values = {name: MetricValue(m.value, m.spread, m.n, VERSIONS[name]) for name, m in combined.items()}
    return tuple(used), values
