"""Plain-language names of the metrics, for people rather than programs.

The registry's ``name`` (``cheek_fullness_left``) is the stable key in the store, the
exports and the command line; the label ("Cheek fullness (left)") is what a page shows.
Left and right are the subject's own.
"""

from __future__ import annotations

from typing import Mapping

from facetrack.metrics.symmetry import REGIONS

_SIDED = {
    "jaw_angle": "Jaw angle",
    "cheek_fullness": "Cheek fullness",
    "malar_projection": "Cheekbone projection",
    "silhouette_cheek": "Silhouette: cheek",
}

_PLAIN = {
    "jaw_angle_mean": "Jaw angle (mean)",
    "bigonial_bizygomatic_ratio": "Jaw width / cheekbone width",
    "lower_face_taper": "Lower-face taper",
    "midface_width_ratio": "Mid-face width",
    "asymmetry_index": "Asymmetry (whole face)",
    "mouth_corner_tilt": "Mouth-corner tilt",
    "eye_aperture_ratio": "Eye opening, left vs right",
    "brow_height_difference": "Brow height, left vs right",
    "jaw_angle_difference": "Jaw angle, left vs right",
}


def label(name: str) -> str:
    """The plain-language name of metric ``name``; an unknown name is returned as it is.

    >>> label("cheek_fullness_left")
    'Cheek fullness (left)'
    >>> label("silhouette_width_55")
    'Silhouette: face width at 55 %'
    """
    if name in _PLAIN:
        return _PLAIN[name]
    for stem, text in _SIDED.items():
        for side in ("left", "right"):
            if name == f"{stem}_{side}":
                return f"{text} ({side})"
    region = name.removeprefix("asymmetry_")
    if region in REGIONS:
        return f"Asymmetry ({region})"
    if name.startswith("silhouette_width_"):
        return f"Silhouette: face width at {name.rsplit('_', 1)[1]} %"
    return name


#: Group names as a page shows them.
GROUP_LABELS: Mapping[str, str] = {"jaw": "Jaw", "midface": "Mid-face", "symmetry": "Symmetry",
                                   "silhouette": "Silhouette (plain background)"}
