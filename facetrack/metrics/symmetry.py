"""Symmetry metrics: mirror asymmetry indices (global and regional) and signed indices.

Mirror indices are unsided: mirroring a face leaves them unchanged. Signed indices compare
the subject's left with the right and change sign when the face is mirrored.
"""

from __future__ import annotations

import numpy as np

from facetrack.metrics.align import AlignedFace
from facetrack.metrics.geometry import polygon_area

#: Regions of the regional asymmetry indices: named landmark groups, both sides.
REGIONS: dict[str, tuple[str, ...]] = {
    "eyes": ("eye_right", "eye_left"),
    "brows": ("brow_right", "brow_left"),
    "mouth": ("lips_outer", "lips_inner"),
    "jaw": ("lower_oval",),
    "cheeks": ("cheek_right", "cheek_left", "malar_right", "malar_left"),
}


def asymmetry_index(face: AlignedFace) -> float:
    """Global mirror asymmetry, in percent of the inter-ocular distance.

    Definition: the 468 mesh points are mirrored through the face's midline (x -> -x, and
    every point relabelled through the mirror pairs derived from the canonical mesh), the
    mirrored set is aligned back onto the original by the best rotation and translation,
    and the RMS distance between corresponding points is divided by the inter-ocular
    distance (eye-contour centroids) and multiplied by 100. A perfectly symmetric face
    scores 0; mirroring a face leaves its score unchanged.

    What moves it: any left/right difference in shape (one-sided swelling, a lopsided
    smile, a tilted brow), and also residual head yaw and the model's own noise, which is
    why it is reported with its spread. Noise can only add to an RMS, so a photo of poorer
    quality reads higher: on grace_hopper, copies blurred, compressed, rescaled or re-lit
    read a median 22 % (up to 66 %) above the unaltered photo (``benchmarks/precision.py``).

    A geometric proxy, not a diagnosis.

    Notes: comparable between captures with a neutral expression, the same model and metric
    version, and similar image quality (camera, light, distance); it is scale-free.
    """
    residuals = face.mirror_residuals
    return 100.0 * float(np.sqrt(np.mean(residuals ** 2))) / face.interocular()


def regional_asymmetry(face: AlignedFace, region: str) -> float:
    """Mirror asymmetry of one facial region, in percent of the inter-ocular distance.

    Definition: the whole face is mirrored as for ``asymmetry_index`` and re-aligned onto
    the original by the rigid motion that best fits MediaPipe's 33 weighted pose landmarks
    (forehead, nose bridge, eye corners, cheekbones; weights made mirror-symmetric). One
    alignment on this stable frame serves every region, so a region's asymmetry is neither
    hidden by aligning it on itself nor leaked into other regions by a change elsewhere
    (a lifted mouth corner does not tilt the eyes). The value is the RMS of the point-to-mirror-partner
    distances over the region's landmark groups, divided by the inter-ocular distance,
    times 100. Regions: eyes (``eye_left``/``eye_right`` contours), brows
    (``brow_left``/``brow_right``), mouth (``lips_outer``, ``lips_inner``), jaw
    (``lower_oval``: zygion to chin to zygion), cheeks (``cheek_left``/``cheek_right``
    surface regions and ``malar_left``/``malar_right``).

    Units: percent of the inter-ocular distance (0 on the canonical face).

    What moves it: a left/right difference in that region's shape or position (a droopy
    lid, one brow higher, a lopsided mouth, one-sided jaw or cheek swelling), residual yaw,
    and model noise.

    A geometric proxy, not a diagnosis.

    Notes: comparable between neutral captures with the same model and metric version;
    scale-free and unchanged when the face is mirrored.
    """
    ids = np.unique(np.concatenate([face.topology.idx(g) for g in REGIONS[region]]))
    residuals = face.stable_mirror_residuals[ids]
    return 100.0 * float(np.sqrt(np.mean(residuals ** 2))) / face.interocular()


def mouth_corner_tilt(face: AlignedFace) -> float:
    """Tilt of the line through the mouth corners, in degrees; positive: left corner higher.

    Definition: the angle between the line from the subject's right mouth corner
    (``mouth_corner_right``) to the left one (``mouth_corner_left``) and the canonical
    horizontal, in the frontal plane. Head roll is removed by the pose normalization, so
    the reference is the face's own horizontal (set by the eyes, nose and face outline).

    Units: degrees; positive when the subject's left corner is higher, 0 on the canonical
    face, negated when the face is mirrored.

    What moves it: a one-sided smile or pull of one corner, one-sided weakness or
    tension, and a non-neutral expression.

    A geometric proxy, not a diagnosis.

    Notes: comparable between neutral captures with the same model and metric version.
    """
    d = face.point("mouth_corner_left") - face.point("mouth_corner_right")
    return float(np.degrees(np.arctan2(d[1], d[0])))


def eye_aperture(face: AlignedFace, side: str) -> float:
    """Mean opening of one eye: contour area over corner-to-corner width (frontal plane)."""
    contour = face.group(f"eye_{side}")[:, :2]
    width = np.linalg.norm((face.point(f"eye_outer_corner_{side}")
                            - face.point(f"eye_inner_corner_{side}"))[:2])
    return polygon_area(contour) / width


def eye_aperture_ratio(face: AlignedFace) -> float:
    """Left eye opening relative to the right, as a log ratio in percent.

    Definition: each eye's aperture is the area of its contour (``eye_<side>``) in the
    frontal plane divided by its corner-to-corner width (``eye_outer_corner_<side>`` to
    ``eye_inner_corner_<side>``), i.e. its mean height; the value is
    100 x ln(aperture_left / aperture_right). A log ratio is symmetric: mirroring the face
    negates it, and +10 means the left eye is open about 10 % more than the right.

    Units: percent (log ratio); 0 on the canonical face.

    What moves it: a drooping or swollen lid on one side, a one-sided squint or wink, and
    the model's lid noise (blinks must be excluded by the capture's expression gate).

    A geometric proxy, not a diagnosis.

    Notes: comparable between neutral, eyes-open captures with the same model and metric
    version.
    """
    return 100.0 * float(np.log(eye_aperture(face, "left") / eye_aperture(face, "right")))


def brow_height_difference(face: AlignedFace) -> float:
    """Left brow height minus right brow height, in percent of the inter-ocular distance.

    Definition: each brow's height is the vertical distance in the canonical frame from
    its eye contour's centroid (``eye_<side>``) up to the mean of its upper brow points
    (``brow_upper_<side>``); the value is (left - right) / inter-ocular distance x 100.

    Units: percent of the inter-ocular distance; positive when the left brow sits higher
    above its eye; 0 on the canonical face; negated when the face is mirrored.

    What moves it: one brow raised or lowered relative to the other (habit, tension, a
    one-sided brow lift), and a non-neutral expression.

    A geometric proxy, not a diagnosis.

    Notes: comparable between neutral captures with the same model and metric version.
    """
    heights = {
        side: float(face.centroid(f"brow_upper_{side}")[1] - face.centroid(f"eye_{side}")[1])
        for side in ("left", "right")
    }
    return 100.0 * (heights["left"] - heights["right"]) / face.interocular()
