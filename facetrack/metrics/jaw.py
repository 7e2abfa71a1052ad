"""Jawline metrics, measured on the frontal (x, y) projection of the pose-normalized face."""

from __future__ import annotations

import numpy as np

from .align import AlignedFace
from .geometry import angle_between, fit_line, oriented


def _xy(points: np.ndarray) -> np.ndarray:
    return points[..., :2]


def jaw_angle(face: AlignedFace, side: str) -> float:
    """Frontal jaw angle of one side, in degrees.

    Definition: the angle at the jaw corner between a line fitted (total least squares)
    through the face-oval points of the ramus (``ramus_<side>``: zygion down to gonion) and
    a line fitted through the points of the mandibular body (``jaw_<side>``: gonion down to
    the chin), in the frontal plane of the canonical frame. The ramus line is oriented
    upwards from the gonion, the body line towards the chin.

    Units: degrees (about 132 on MediaPipe's canonical face).

    What moves it: a more square, defined jaw corner makes it smaller; a softer, rounder
    lower face or submental fullness that blurs the corner makes it larger. Head pitch and
    yaw that survive pose normalization, and an open mouth (the chin drops), move it too.

    A geometric proxy of the outline the camera sees, not the skeletal gonial angle and not
    a diagnosis.

    Notes: comparable only between captures of the same person with the same model
    version, the same metric version and a neutral, closed mouth.
    """
    ramus = _xy(face.group(f"ramus_{side}"))
    body = _xy(face.group(f"jaw_{side}"))
    gonion = _xy(face.point(f"gonion_{side}"))
    _, d_ramus = fit_line(ramus)
    _, d_body = fit_line(body)
    d_ramus = oriented(d_ramus, ramus[0] - gonion)
    d_body = oriented(d_body, body[-1] - gonion)
    return angle_between(d_ramus, d_body)


def bigonial_bizygomatic_ratio(face: AlignedFace) -> float:
    """Lower-face width relative to mid-face width (dimensionless).

    Definition: frontal-plane distance between the two gonion landmarks (jaw corners,
    ``gonion_left``/``gonion_right``) divided by the distance between the two zygion
    landmarks (widest face-oval points below the eyes, ``zygion_left``/``zygion_right``).

    What moves it: a wider or more prominent jaw, or fuller lower cheeks, raise it; a
    narrower lower face lowers it. About 0.78 on the canonical face.

    A geometric proxy of the visible outline, not a bone measurement and not a diagnosis.

    Notes: comparable between captures with the same model, metric version and neutral
    expression; it is unitless, so distance to the camera does not matter.
    """
    bigonial = np.linalg.norm(_xy(face.point("gonion_left") - face.point("gonion_right")))
    bizygomatic = np.linalg.norm(_xy(face.point("zygion_left") - face.point("zygion_right")))
    return float(bigonial / bizygomatic)
