"""Jawline metrics, measured on the frontal (x, y) projection of the pose-normalized face."""

from __future__ import annotations

import numpy as np

from facetrack.metrics.align import AlignedFace
from facetrack.metrics.geometry import angle_between, fit_line, oriented


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


def jaw_angle_mean(face: AlignedFace) -> float:
    """Mean of the left and right frontal jaw angles, in degrees.

    Definition: (``jaw_angle`` left + ``jaw_angle`` right) / 2, each from line fits through
    the ramus (``ramus_<side>``) and mandibular body (``jaw_<side>``) face-oval points.

    Units: degrees (about 132 on the canonical face).

    What moves it: the same as each side's jaw angle; averaging the two sides cancels
    part of the residual yaw (which opens one side and closes the other) and the model's
    side-to-side noise, so it is the steadier jawline number.

    A geometric proxy of the outline the camera sees, not the skeletal gonial angle and not
    a diagnosis.

    Notes: comparable only between captures with the same model version, metric version
    and a neutral, closed mouth.
    """
    return 0.5 * (jaw_angle(face, "left") + jaw_angle(face, "right"))


def jaw_angle_difference(face: AlignedFace) -> float:
    """Jaw angle of the subject's left side minus that of the right side, in degrees.

    Definition: ``jaw_angle`` left - ``jaw_angle`` right (see ``jaw_angle``). Positive when
    the left jaw corner is the more open (rounder) one; mirroring the face negates it.

    Units: degrees (0 on the canonical face).

    What moves it: a one-sided change of the jaw corner's outline (swelling, a one-sided
    habit of chewing), and residual head yaw, which opens one side and closes the other.

    A geometric proxy, not a diagnosis.

    Notes: comparable between frontal, neutral captures with the same model and metric
    version.
    """
    return jaw_angle(face, "left") - jaw_angle(face, "right")


def lower_face_taper(face: AlignedFace) -> float:
    """Angle between the left and right mandibular body lines, in degrees.

    Definition: a line is fitted (total least squares) through the face-oval points from
    each gonion down to the chin (``jaw_left``, ``jaw_right``) in the frontal plane of the
    canonical frame, each directed towards the chin; the value is the angle between the
    two directions. A V-shaped lower face that narrows quickly from the jaw corners to the
    chin has a large taper angle; a broad, square lower face has a small one.

    Units: degrees (about 123 on the canonical face, 119-120 on the test portraits).

    What moves it: fullness along the lower jawline and under the chin (which squares the
    lower outline) lowers it; a slimmer, more defined lower face raises it. An open mouth
    (the chin drops) and head pitch that survives normalization move it too.

    A geometric proxy of the outline, not a bone measurement and not a diagnosis.

    Notes: comparable between captures with a neutral, closed mouth, the same model and
    metric version; it is scale-free.
    """
    directions = []
    for side in ("left", "right"):
        body = _xy(face.group(f"jaw_{side}"))
        _, d = fit_line(body)
        directions.append(oriented(d, body[-1] - body[0]))
    return angle_between(directions[0], directions[1])
