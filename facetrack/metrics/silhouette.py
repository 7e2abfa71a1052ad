"""Silhouette widths: the face's real outline, from a person mask, on rows set by the landmarks.

MediaPipe's landmark model pulls the face outline towards an average face, so outline metrics
from landmarks see only part of a real change. A person segmentation mask follows the real
edge of the face against the background. This module measures that edge on rows anchored on
the landmarks (pure numpy; the mask comes from ``detect.segmentation``).

Definitions (each row lies at a fraction of the way from the eye line to the chin, measured
along the face's own vertical axis, perpendicular to the line through the eye centres):

- ``silhouette_width_40/55/70``: the full width of the mask at the 40 / 55 / 70 % row, over
  the inter-ocular distance (eye-contour centroids);
- ``silhouette_cheek_left/right``: from the facial midline (the line from the eyes' midpoint
  to the chin) to the subject's left / right edge at the 55 % row, over the inter-ocular
  distance.

An edge is where the mask's confidence crosses 0.5, found at sub-pixel precision along the
row. It counts only when it is trustworthy (``EdgeRules``): a sharp, confident edge, a
plain background that contrasts with the skin, and the edge near the landmarks' face oval (hair,
an ear, a collar or the neck make the mask's edge something else). A value is missing, never
wrong, when an edge fails: the reason is returned with it.

Notes
-----
Two values are comparable only when the face is seen the same way: the same camera and
distance (the ratio is scale-free, but lens distortion is not), a neutral expression, hair
behind the ears, and a plain background beside both cheeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrack.metrics.align import interocular
from facetrack.topology import FaceTopology

ROWS = {"silhouette_width_40": 0.40, "silhouette_width_55": 0.55, "silhouette_width_70": 0.70}
CHEEK_ROW = 0.55
CHEEKS = {"silhouette_cheek_left": +1, "silhouette_cheek_right": -1}  # along +across: subject's left
LUMA = np.array([0.299, 0.587, 0.114])  # RGB -> luminance (Rec. 601)


@dataclass(frozen=True)
class EdgeRules:
    """What makes a mask edge trustworthy. Distances are in inter-ocular distances (IOD)."""

    max_transition: float = 0.12  # the 0.8 -> 0.2 confidence fall is at most this wide
    inside: float = 0.85  # confidence 0.25 IOD inside the edge at least this
    outside: float = 0.15  # ... and 0.25 IOD outside at most this
    max_from_outline: float = 0.15  # the edge within this of the landmarks' face oval
    min_contrast: float = 18.0  # RGB distance (0-255) between skin inside and background outside
    max_background_sd: float = 22.0  # luminance SD just outside the edge (a plain background)
    reach: float = 1.6  # how far from the midline an edge is looked for


@dataclass(frozen=True)
class FaceAxes:
    """The face's own frame in image pixels."""

    eye_mid: np.ndarray  # midpoint of the eye centroids
    across: np.ndarray  # unit vector, subject's right eye -> left eye
    down: np.ndarray  # unit vector, perpendicular, towards the chin
    span: float  # eye line -> chin, along ``down``
    chin_offset: float  # the chin's offset from ``eye_mid`` along ``across``
    iod: float


def face_axes(points: np.ndarray, topology: FaceTopology) -> FaceAxes:
    p = np.asarray(points, dtype=np.float64)[:, :2]
    right, left = p[topology.idx("eye_right")].mean(axis=0), p[topology.idx("eye_left")].mean(axis=0)
    across = (left - right) / np.linalg.norm(left - right)
    mid = (left + right) / 2
    chin = p[topology.point("chin")] - mid
    down = np.array([-across[1], across[0]])
    down = down if chin @ down >= 0 else -down  # a mirror image turns the frame's handedness
    span = float(chin @ down)
    if not span > 0:
        raise ValueError(f"the chin must lie below the eye line but got {span:.3g} px")
    return FaceAxes(mid, across, down, span, float(chin @ across), interocular(p, topology, frontal=True))


def row_centre(axes: FaceAxes, fraction: float) -> np.ndarray:
    """Where the facial midline crosses the row ``fraction`` of the way to the chin."""
    return axes.eye_mid + fraction * (axes.span * axes.down + axes.chin_offset * axes.across)


def _sample(image: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Bilinear samples (float64) of a (H, W) or (H, W, C) array at pixel coordinates (x, y)
    whose pixel centres sit at +0.5 (MediaPipe's convention); outside the array: edge values."""
    h, w = image.shape[:2]
    x = np.clip(np.asarray(xy[:, 0], np.float64) - 0.5, 0, w - 1)
    y = np.clip(np.asarray(xy[:, 1], np.float64) - 0.5, 0, h - 1)
    x0, y0 = np.minimum(x.astype(int), w - 2).clip(0), np.minimum(y.astype(int), h - 2).clip(0)
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = x - x0, y - y0
    if image.ndim == 3:
        fx, fy = fx[:, None], fy[:, None]

    def at(rows, cols):
        return image[rows, cols].astype(np.float64)

    top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
    bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
    return top * (1 - fy) + bottom * fy


def outline_distance(points: np.ndarray, topology: FaceTopology, origin: np.ndarray,
                      direction: np.ndarray) -> float | None:
    """Distance from ``origin`` along ``direction`` to the landmarks' face oval (its farthest crossing)."""
    oval = np.asarray(points, dtype=np.float64)[topology.idx("face_oval"), :2]
    a, b = oval, np.roll(oval, -1, axis=0)
    normal = np.array([-direction[1], direction[0]])
    sa, sb = (a - origin) @ normal, (b - origin) @ normal
    crossing = (sa * sb) <= 0
    if not crossing.any():
        return None
    t = sa[crossing] / np.where(sa[crossing] - sb[crossing] == 0, 1, sa[crossing] - sb[crossing])
    hits = a[crossing] + t[:, None] * (b[crossing] - a[crossing])
    along = (hits - origin) @ direction
    along = along[along > 0]
    return float(along.max()) if along.size else None


@dataclass(frozen=True)
class Edge:
    distance: float | None  # px from the row centre, None when not trustworthy
    problem: str = ""  # why not, in a few words


def find_edge(mask: np.ndarray, image: np.ndarray, points: np.ndarray, topology: FaceTopology,
              axes: FaceAxes, fraction: float, side: int, rules: EdgeRules = EdgeRules()) -> Edge:
    """The mask's 0.5 edge on one row, on one side (+1: subject's left, -1: right)."""
    origin, direction = row_centre(axes, fraction), side * axes.across
    step = axes.iod / 200.0
    d = np.arange(0.0, rules.reach * axes.iod, step)
    conf = _sample(mask, origin + d[:, None] * direction)
    if conf[0] < 0.5:
        return Edge(None, "the mask misses the face centre")
    below = np.flatnonzero(conf < 0.5)
    if below.size == 0:
        return Edge(None, "no edge within reach")
    i = int(below[0])
    edge = d[i - 1] + step * (conf[i - 1] - 0.5) / (conf[i - 1] - conf[i])
    hi = d[:i][conf[:i] >= 0.8]
    lo = d[i:][conf[i:] <= 0.2]
    if hi.size == 0 or lo.size == 0 or (lo[0] - hi[-1]) > rules.max_transition * axes.iod:
        return Edge(None, "a soft mask edge")
    inner, outer = (_sample(mask, (origin + (edge + s * axes.iod) * direction)[None])[0] for s in (-0.25, 0.25))
    if inner < rules.inside or outer > rules.outside:
        return Edge(None, "an unsure mask")
    outline = outline_distance(points, topology, origin, direction)
    if outline is None or abs(edge - outline) > rules.max_from_outline * axes.iod:
        return Edge(None, "hair, an ear or the neck at the edge")
    contrast, sd = background_beside(image, origin, direction, edge, axes.iod)
    if contrast < rules.min_contrast:
        return Edge(None, "a background like the skin")
    if sd > rules.max_background_sd:
        return Edge(None, "a busy background")
    return Edge(float(edge))


def background_beside(image: np.ndarray, origin: np.ndarray, direction: np.ndarray, edge: float,
                      iod: float, gap: float = 0.0) -> tuple[float, float]:
    """How the background beside a face edge looks: (contrast, luminance SD), 0-255.

    The edge lies ``edge`` px from ``origin`` along the unit vector ``direction``. Contrast is
    the RGB distance between the skin just inside (0.05-0.2 IOD) and a band just outside
    (0.05-0.3 IOD out, +-0.1 IOD wide); the SD is the band's luminance SD (a plain wall is
    low). ``gap`` (IOD) moves both samples that much further from the edge, for an edge
    only known roughly (the capture gate's, from the landmarks).
    """
    offsets = (np.linspace(0.05, 0.2, 6) + gap) * iod
    skin = _sample(image, origin + (edge - offsets)[:, None] * direction).mean(axis=0)
    normal = np.array([-direction[1], direction[0]])
    band = np.array([origin + (edge + o) * direction + n * normal
                     for o in (np.linspace(0.05, 0.3, 8) + gap) * iod for n in np.linspace(-0.1, 0.1, 5) * iod])
    background = _sample(image, band).astype(np.float64)
    return float(np.linalg.norm(background.mean(axis=0) - skin)), float(np.std(background @ LUMA))


def silhouette_values(mask: np.ndarray, image: np.ndarray, points: np.ndarray, topology: FaceTopology,
                      rules: EdgeRules = EdgeRules()) -> tuple[dict[str, float], dict[str, str]]:
    """The silhouette metrics of one view: (values, problems), every distance over the IOD.

    ``mask`` (H, W) is the person confidence of ``image`` (H, W, 3); ``points`` are the face's
    landmarks in the same pixels. A metric whose edges are not trustworthy is left out of the
    values and named in the problems with the reason.
    """
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != image.shape[:2]:
        raise ValueError(f"the mask must have the image's shape {image.shape[:2]} but got {mask.shape}")
    axes = face_axes(points, topology)
    edges = {(f, side): find_edge(mask, image, points, topology, axes, f, side, rules)
             for f in {*ROWS.values(), CHEEK_ROW} for side in (-1, 1)}
    values, problems = {}, {}
    for name, f in ROWS.items():
        left, right = edges[(f, 1)], edges[(f, -1)]
        if left.distance is None or right.distance is None:
            problems[name] = left.problem or right.problem
        else:
            values[name] = (left.distance + right.distance) / axes.iod
    for name, side in CHEEKS.items():
        edge = edges[(CHEEK_ROW, side)]
        if edge.distance is None:
            problems[name] = edge.problem
        else:
            values[name] = edge.distance / axes.iod
    return values, problems
