"""The default between-capture noise of every measure: (SD of one capture's value, degrees of
freedom), in the metric's stored units.

PROVISIONAL: three times the old within-photo repeat SD (calibration/default_noise.json), to be
replaced by ``calibration/make_default_noise.py``'s measurement on real repeat captures.
"""

#: metric -> (s0, nu0)
DEFAULT_NOISE: dict[str, tuple[float, float]] = {
    "asymmetry_brows": (0.5832, 8.0),
    "asymmetry_cheeks": (0.5031, 8.0),
    "asymmetry_eyes": (0.5318, 8.0),
    "asymmetry_index": (0.3313, 8.0),
    "asymmetry_jaw": (0.7823, 8.0),
    "asymmetry_mouth": (0.3175, 8.0),
    "bigonial_bizygomatic_ratio": (0.007466, 8.0),
    "brow_height_difference": (0.9338, 8.0),
    "cheek_fullness_left": (0.03339, 8.0),
    "cheek_fullness_right": (0.05118, 8.0),
    "eye_aperture_ratio": (6.446, 8.0),
    "jaw_angle_difference": (1.088, 8.0),
    "jaw_angle_left": (1.278, 8.0),
    "jaw_angle_mean": (1.039, 8.0),
    "jaw_angle_right": (1.646, 8.0),
    "lower_face_taper": (1.777, 8.0),
    "malar_projection_left": (0.4364, 8.0),
    "malar_projection_right": (0.3407, 8.0),
    "midface_width_ratio": (0.03347, 8.0),
    "mouth_corner_tilt": (0.8068, 8.0),
    "silhouette_width_40": (0.015, 8.0),
    "silhouette_width_55": (0.015, 8.0),
    "silhouette_width_70": (0.015, 8.0),
    "silhouette_cheek_left": (0.012, 8.0),
    "silhouette_cheek_right": (0.012, 8.0),
}
