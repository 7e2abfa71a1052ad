"""Mid-face fullness proxies, measured on the pose-normalized face."""

from __future__ import annotations

import numpy as np

from facetrack.metrics.align import AlignedFace
from facetrack.metrics.geometry import bulge_area

OUTWARD = {"right": np.array([-1.0, 0.0]), "left": np.array([1.0, 0.0])}


def face_width(face: AlignedFace) -> float:
    """Bizygomatic width in canonical units (frontal plane)."""
    return float(np.linalg.norm((face.point("zygion_left") - face.point("zygion_right"))[:2]))


def cheek_fullness(face: AlignedFace, side: str) -> float:
    """Cheek contour convexity of one side, in percent of face width squared.

    Definition: the signed area between the face-oval contour from the zygion to the
    gonion (``cheek_contour_<side>``) and the straight chord joining those two points, in
    the frontal plane, positive where the contour bulges outwards, divided by the squared
    bizygomatic width and multiplied by 100.

    What moves it: fuller lower/mid cheeks push the contour outwards and raise it; hollower
    cheeks flatten the contour and lower it (it can go negative). Residual yaw, a smile or
    puffed cheeks move it too.

    A geometric proxy of the outline the camera sees; it does not measure fat, muscle or
    skin and is not a diagnosis.

    Notes: comparable between captures with a neutral expression, the same model and the
    same metric version; it is scale-free.
    """
    contour = face.group(f"cheek_contour_{side}")[:, :2]
    return 100.0 * bulge_area(contour, OUTWARD[side]) / face_width(face) ** 2


def midface_width_ratio(face: AlignedFace) -> float:
    """Face width across the cheeks relative to the inter-ocular distance (dimensionless).

    Definition: the mean frontal-plane distance between each face-oval point of the right
    cheek contour (``cheek_contour_right``: zygion down to gonion) and its mirror partner
    on the left contour (``cheek_contour_left``), divided by the distance between the eye
    contour centroids (``eye_left``, ``eye_right``). The eyes are the reference because
    fullness does not move them.

    Units: ratio (about 2.2 on the canonical face, 2.0 on the test portraits).

    What moves it: fuller cheeks and lower face push the outline outwards on both sides
    and raise it; a leaner mid-face lowers it. Residual yaw barely moves it (one side
    narrows as the other widens); a smile or puffed cheeks do.

    A geometric proxy of the outline the camera sees; it does not measure fat, muscle or
    skin and is not a diagnosis.

    Notes: comparable between neutral captures with the same model and metric version;
    it is scale-free.
    """
    right = face.group("cheek_contour_right")[:, :2]
    left = face.group("cheek_contour_left")[:, :2]
    return float(np.linalg.norm(left - right, axis=1).mean()) / face.interocular(frontal=True)


def malar_projection(face: AlignedFace, side: str) -> float:
    """Forward projection of one cheekbone area, in percent of the inter-ocular distance.

    Definition: the signed distance from the centroid of the malar region
    (``malar_<side>``: the mesh points below the lower lid, between the outer eye corner
    and the eye centre, down to the height of the nose tip) to the plane through the two
    outer eye corners (``eye_outer_corner_left``/``_right``) and the nose tip
    (``nose_tip``), positive towards the camera, divided by the inter-ocular distance
    (eye contour centroids), times 100. The region lies behind the plane, so values are
    negative; larger (less negative) means a more projected cheek.

    Units: percent of the inter-ocular distance (about -17 on the canonical face).

    What moves it: fuller, more projected upper cheeks raise it; flattening lowers it.
    It rests on MediaPipe's depth estimate (z), which is inferred from a single image and
    is the noisiest coordinate; head pitch that survives normalization moves it too.

    A geometric proxy, not a measurement of tissue volume and not a diagnosis.

    Notes: comparable between neutral captures with the same camera set-up, model and
    metric version; it is scale-free.
    """
    a = face.point("eye_outer_corner_right")
    b = face.point("eye_outer_corner_left")
    c = face.point("nose_tip")
    normal = np.cross(b - a, c - a)
    normal /= np.linalg.norm(normal)
    if normal[2] < 0:
        normal = -normal
    depth = float((face.centroid(f"malar_{side}") - a) @ normal)
    return 100.0 * depth / face.interocular()
