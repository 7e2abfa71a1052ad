"""The record types passed between the stages: landmark views, metric values, captures,
quality notes, calibrations. Frozen dataclasses that check their own shape and range, with
"must be ... but got ..." messages; no stage logic and no I/O.

The store writes and reads these records; detection, capture, ingest, statistics and
reports make and use them without importing the store.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Mapping

import numpy as np

from facetrack.topology import N_LANDMARKS

_TOKEN = re.compile(r"^(rot|scale)([-+0-9.eE]+)$")


@dataclass(frozen=True)
class ViewKind:
    """How one set of landmarks of a capture was obtained.

    A photo's views are the photo itself (``original``) and augmented copies (rotated by
    ``angle`` degrees, scaled by ``scale``, mirrored); a guided capture's views belong to
    burst frame ``frame``: the video-mode tracker's landmarks, an image-mode detection
    (``image``), and the mirror image's (``flip``). Stored as text: "original", "rot+4",
    "scale0.85,flip", "burst:3", "burst:3,image", "burst:3,flip".
    """

    frame: int | None = None
    angle: float = 0.0
    scale: float = 1.0
    flip: bool = False
    image: bool = False

    def __post_init__(self):
        if self.frame is not None and (not isinstance(self.frame, int) or self.frame < 0):
            raise ValueError(f"a view's burst frame must be an index >= 0 but got {self.frame!r}")
        if not (math.isfinite(self.angle) and math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"a view's angle must be finite and its scale > 0 but got {self.angle}, {self.scale}")

    @property
    def original(self) -> bool:
        """The unaltered photo (or, for a guided capture, the kept frame's own tracking)."""
        return self == ViewKind()

    @property
    def mirrored(self) -> bool:
        """Found on the mirror image (and mapped back through the mirror pairs)."""
        return self.flip

    def __str__(self) -> str:
        parts = [f"burst:{self.frame}"] if self.frame is not None else []
        parts += [f"rot{self.angle:+g}"] if self.angle else []
        parts += [f"scale{self.scale:g}"] if self.scale != 1 else []
        parts += ["image"] if self.image else []
        parts += ["flip"] if self.flip else []
        return ",".join(parts) or "original"

    @classmethod
    def parse(cls, text: str) -> "ViewKind":
        """The kind a stored text names; ValueError for anything else."""
        values: dict[str, object] = {}
        for i, token in enumerate(str(text).split(",")):
            if token == "original" and i == 0 and text == "original":
                return cls()
            if token.startswith("burst:") and i == 0 and token[6:].isdigit():
                values["frame"] = int(token[6:])
            elif token in ("flip", "image") and token not in values:
                values[token] = True
            elif (m := _TOKEN.match(token)) and ("angle" if m[1] == "rot" else "scale") not in values:
                try:
                    values["angle" if m[1] == "rot" else "scale"] = float(m[2])
                except ValueError:
                    break
            else:
                break
        else:
            try:
                kind = cls(**values)
            except ValueError:
                kind = None
            if kind is not None and str(kind) == text:
                return kind
        raise ValueError(f"a view kind must be like 'original', 'rot+4,flip' or 'burst:3,image' but got {text!r}")


@dataclass(frozen=True)
class LandmarkView:
    """One set of landmarks of a capture, in the stored image's pixel coordinates."""

    kind: ViewKind | str
    points: np.ndarray  # (N_LANDMARKS, 3)
    blendshapes: Mapping[str, float] = field(default_factory=dict)
    matrix: np.ndarray | None = None  # the model's 4x4 face transform, when it gave one

    def __post_init__(self):
        if not isinstance(self.kind, ViewKind):
            object.__setattr__(self, "kind", ViewKind.parse(self.kind))
        shape = np.shape(self.points)
        if shape != (N_LANDMARKS, 3):
            raise ValueError(f"a landmark view's points must have shape ({N_LANDMARKS}, 3) but got {shape}")


@dataclass(frozen=True)
class MetricValue:
    """A capture's value of one metric: combined over its views, with their robust spread."""

    value: float
    spread: float | None
    n: int  # views combined
    version: int  # the metric definition's version


@dataclass(frozen=True)
class QualityNotes:
    """What facetrack noted about how a capture was taken and measured.

    Photo import fills ``views``, ``views_tried`` and ``interocular_px``; a guided capture
    also the burst fields. Both note the checks that failed (``failed_gates``: an imported
    photo runs the same checks as a guided capture), the expression and the light, so two
    captures can be judged comparable or not (``stats.comparable``). A field that does not
    apply, or was not recorded when the capture was stored, is None.
    """

    views: int | None = None  # landmark views the metrics combine
    views_tried: int | None = None  # augmented copies searched (photo import)
    interocular_px: float | None = None  # face size: eye centres' distance in pixels
    burst: int | None = None  # frames in the burst (guided capture)
    frames_measured: int | None = None  # burst frames that passed the re-check
    frame_kept: int | None = None  # source frame index of the stored photo
    manual: bool | None = None  # captured by a key press, not by the gates
    failed_gates: tuple[str, ...] | None = None  # gates failing when a manual capture was taken
    sharpness: float | None = None  # the kept frame's sharpness score
    silhouette_missing: Mapping[str, str] | None = None  # silhouette metric -> why it has no value
    skin_missing: Mapping[str, str] | None = None  # skin measure -> why it has no value
    expression: Mapping[str, float] | None = None  # expression score (0-1, ``stats.comparable.EXPRESSIONS``)
    brightness: float | None = None  # the face's mean brightness, 0 black to 255 white
    light_balance: float | None = None  # the subject's left cheek's brightness over the right's (1: even)
    burst_exposure_change: float | None = None  # % the picture's brightness moved over the burst (``capture.light_drift``)
    burst_colour_change: float | None = None  # % its colour balance moved over the burst

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "failed_gates":
                if value is None:
                    continue
                if not isinstance(value, (list, tuple)) or not all(isinstance(g, str) for g in value):
                    raise ValueError(f"failed_gates must be a list of gate names but got {value!r}")
                object.__setattr__(self, "failed_gates", tuple(value))
            elif f.name in ("silhouette_missing", "skin_missing"):
                if value is not None and not (isinstance(value, Mapping) and all(
                        isinstance(k, str) and isinstance(v, str) for k, v in value.items())):
                    raise ValueError(f"{f.name} must map metric names to reasons but got {value!r}")
            elif f.name == "expression":
                if value is not None and not (isinstance(value, Mapping) and all(
                        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
                        and math.isfinite(v) and 0 <= v <= 1 for k, v in value.items())):
                    raise ValueError(f"expression must map expression names to scores from 0 to 1 but got {value!r}")
                if value is not None:
                    object.__setattr__(self, "expression", {k: float(v) for k, v in value.items()})
            elif f.name == "manual":
                if value is not None and not isinstance(value, bool):
                    raise ValueError(f"manual must be true or false but got {value!r}")
            elif value is not None:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                if not ok or value < 0 or (f.type.startswith("int") and value != int(value)):
                    raise ValueError(f"{f.name} must be a number >= 0 but got {value!r}")

    def to_dict(self) -> dict[str, object]:
        """The notes that apply (fields that are None left out), as stored in JSON."""
        out = {k: v for k, v in asdict(self).items() if v is not None}
        if "failed_gates" in out:
            out["failed_gates"] = list(out["failed_gates"])
        for name in ("silhouette_missing", "skin_missing", "expression"):
            if name in out:
                out[name] = dict(out[name])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "QualityNotes":
        if not isinstance(data, Mapping):
            raise ValueError(f"quality notes must be a JSON object but got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"quality notes must have only known fields but got {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class NewCapture:
    """A measured capture, ready to store."""

    taken_at: dt.datetime
    taken_at_source: str  # "exif", "given", "mtime", "capture"
    source_path: str
    image_bytes: bytes
    image_ext: str
    sha256: str
    width: int
    height: int
    pose: tuple[float, float, float] | None  # yaw, pitch, roll in degrees
    quality: QualityNotes
    views: tuple[LandmarkView, ...]
    metrics: Mapping[str, MetricValue]


@dataclass(frozen=True)
class Capture:
    """A stored capture with its metric values (its landmark views are read separately)."""

    id: int
    profile: str
    taken_at: dt.datetime
    taken_at_source: str
    source_path: str
    image_path: Path
    sha256: str
    width: int
    height: int
    pose: tuple[float, float, float] | None
    quality: QualityNotes
    metrics: Mapping[str, MetricValue]


@dataclass(frozen=True)
class Repeatability:
    """A profile's own noise for one metric, from repeated captures of an unchanged face."""

    metric: str
    sem: float  # pooled within-sitting SD of repeated captures, in the metric's units
    n_captures: int
    n_sittings: int
    version: int | None = None  # the metric's definition version it was measured with (None: unknown)

    @property
    def mdc95(self) -> float:
        from facetrack.metrics.noise import mdc95

        return mdc95(self.sem)


@dataclass(frozen=True)
class CameraCalibration:
    """A camera's intrinsics at one resolution, from views of the printed checkerboard."""

    camera: str  # "camera 0", or the file or folder the views came from
    width: int
    height: int
    matrix: np.ndarray  # 3x3 K
    distortion: np.ndarray  # (k1, k2, p1, p2, k3)
    rms_px: float  # RMS reprojection error
    views: int

    @property
    def focal_px(self) -> tuple[float, float]:
        return float(self.matrix[0, 0]), float(self.matrix[1, 1])

    @property
    def principal_point(self) -> tuple[float, float]:
        return float(self.matrix[0, 2]), float(self.matrix[1, 2])
