"""Symmetry metrics (pure numpy)."""

from __future__ import annotations

import numpy as np

from .align import AlignedFace, mirror_landmarks
from .geometry import rigid_rms


def interocular_distance(face: AlignedFace) -> float:
    """Distance between the centroids of the two eye contours (canonical units, 3D)."""
    return float(np.linalg.norm(face.group("eye_left").mean(axis=0)
                                - face.group("eye_right").mean(axis=0)))


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
    why it is reported with its spread.

    A geometric proxy, not a diagnosis.

    Notes: comparable between captures with a neutral expression, the same model and metric
    version; it is scale-free.
    """
    mirrored = mirror_landmarks(face.points, face.topology)
    return 100.0 * rigid_rms(mirrored, face.points) / interocular_distance(face)
