"""Real-world scale from the iris: widths in millimetres, each with its uncertainty.

The horizontal visible iris diameter varies little between adults (about 11.7 mm, SD about
0.5 mm), so it can turn landmark distances into millimetres without a ruler in the photo.
All distances are measured in 3D in the same landmark frame, so head rotation and
distance to the camera cancel out.

Notes
-----
Two values are comparable when the same iris diameter is assumed. The population spread
of the iris (about 4 %) is an uncertainty of the absolute value for a person, not of a
change over time for the same person: it is the same factor every week. An override
(``iris_mm``) measured for the person removes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from facetrack.topology import N_LANDMARKS, FaceTopology
from facetrack.metrics.align import interocular

IRIS_MM = 11.7  # adult horizontal visible iris diameter, mm
IRIS_SD_MM = 0.5


def iris_diameter(points: np.ndarray, topology: FaceTopology, side: str) -> float:
    """Horizontal iris diameter, in the array's units: the opposite pair of ring points
    that lies most nearly along the line between the two eyes."""
    p = np.asarray(points, np.float64)
    ring = p[topology.idx(f"iris_{side}")[1:]]  # the centre first, then the ring of 4
    axis = p[topology.idx("eye_left")].mean(axis=0) - p[topology.idx("eye_right")].mean(axis=0)
    length = float(np.linalg.norm(axis))
    if not length > 0:
        raise ValueError("the iris landmarks are collapsed (the eyes coincide)")
    axis /= length
    pairs = [ring[0] - ring[2], ring[1] - ring[3]]
    best = max(pairs, key=lambda d: abs(float(d @ axis)) / (np.linalg.norm(d) + 1e-12))
    return float(np.linalg.norm(best))


def widths_mm(points: np.ndarray, topology: FaceTopology, *, iris_mm: float = IRIS_MM) -> dict[str, float]:
    """Inter-ocular, bizygomatic and bigonial widths of one set of 478 landmarks, in mm."""
    p = np.asarray(points, np.float64)
    if p.shape != (N_LANDMARKS, 3) or not np.isfinite(p).all():
        raise ValueError(f"widths in mm need the {N_LANDMARKS} landmarks (with the irises), all finite")
    iris = 0.5 * (iris_diameter(p, topology, "left") + iris_diameter(p, topology, "right"))
    if not iris > 0:
        raise ValueError("the iris landmarks are collapsed")
    mm = iris_mm / iris

    def dist(a, b):
        return float(np.linalg.norm(p[topology.point(a)] - p[topology.point(b)])) * mm

    return {"interocular_mm": interocular(p, topology) * mm,
            "bizygomatic_width_mm": dist("zygion_left", "zygion_right"),
            "bigonial_width_mm": dist("gonion_left", "gonion_right")}


@dataclass(frozen=True)
class Width:
    name: str
    value: float  # mm, median over the views
    spread: float  # mm, 1.4826 x MAD over the views (measurement noise)
    uncertainty: float  # mm: noise and the assumed iris size's spread, combined

    def __str__(self) -> str:
        return f"{self.value:.1f} ± {self.uncertainty:.1f} mm"


def robust_widths(views: Sequence[np.ndarray], topology: FaceTopology, *, iris_mm: float = IRIS_MM,
                  iris_sd_mm: float = IRIS_SD_MM) -> dict[str, Width]:
    """Widths over several views of one capture: median, spread, and total uncertainty.

    ``iris_sd_mm`` is the uncertainty of the assumed iris size (the adult population's
    spread by default; set it lower when ``iris_mm`` was measured for the person).
    """
    per_view = [widths_mm(v, topology, iris_mm=iris_mm) for v in views]
    if not per_view:
        raise ValueError("no landmark views to measure")
    out = {}
    for name in per_view[0]:
        x = np.array([v[name] for v in per_view])
        value = float(np.median(x))
        spread = float(1.4826 * np.median(np.abs(x - value))) if len(x) > 1 else 0.0
        total = float(np.hypot(spread, value * iris_sd_mm / iris_mm))
        out[name] = Width(name, value, spread, total)
    return out
