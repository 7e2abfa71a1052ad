"""Mid-face fullness proxies, measured on the pose-normalized face."""

from __future__ import annotations

import numpy as np

from .align import AlignedFace
from .geometry import bulge_area

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
