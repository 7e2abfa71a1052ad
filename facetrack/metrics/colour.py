"""Colour arithmetic for the skin measures (pure numpy): sRGB decoding, CIELAB, robust fits.

A camera's sRGB values are gamma-encoded: a ratio of two encoded values is not a ratio of
light. Every ratio here is therefore taken in linear light (``srgb_to_linear``). CIELAB is
computed for the D65 white (sRGB's own white), so linear RGB (1, 1, 1), the reference
after a von Kries normalisation, is L* = 100, a* = b* = 0.
"""

from __future__ import annotations

import numpy as np

#: Linear sRGB (D65) -> CIE XYZ (IEC 61966-2-1).
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
#: The D65 white point (XYZ of linear sRGB (1, 1, 1)).
D65 = SRGB_TO_XYZ.sum(axis=1)
#: Relative luminance of linear sRGB.
LUMINANCE = SRGB_TO_XYZ[1]


def srgb_to_linear(values) -> np.ndarray:
    """Linear light (0-1) of sRGB code values (uint8 0-255, or floats 0-1 when not integers)."""
    v = np.asarray(values)
    c = v.astype(np.float64) / 255.0 if np.issubdtype(v.dtype, np.integer) else v.astype(np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear) -> np.ndarray:
    """sRGB code values (uint8) of linear light, clipped to 0-1 as a camera clips."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    encoded = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
    return np.round(255.0 * encoded).astype(np.uint8)


def linear_to_lab(rgb) -> np.ndarray:
    """CIELAB (L*, a*, b*) of linear sRGB, (..., 3), with D65 as the white."""
    xyz = np.asarray(rgb, dtype=np.float64) @ SRGB_TO_XYZ.T / D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(np.maximum(xyz, 0.0)), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def robust_sd(x) -> float:
    """1.4826 x the median absolute deviation from the median: an SD that ignores outliers."""
    x = np.asarray(x, dtype=np.float64)
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def trimmed(x, proportion: float = 0.2) -> float:
    """Mean after cutting ``proportion`` of the values from each end: robust like a median, but
    it follows a small shift of 8-bit values smoothly (a median moves in the codes' steps)."""
    v = np.sort(np.asarray(x, dtype=np.float64))
    cut = int(proportion * len(v))
    return float(v[cut:len(v) - cut].mean())


def surface_residuals(xy: np.ndarray, values: np.ndarray, degree: int = 1) -> np.ndarray:
    """``values`` minus a least-squares surface of ``degree`` 1 (a plane) or 2 (a quadratic)
    in the coordinates ``xy`` (N, 2): what a smooth shading does not explain."""
    xy = np.asarray(xy, dtype=np.float64)
    centred = (xy - xy.mean(axis=0)) / max(float(xy.std()), 1e-12)
    x, y = centred[:, 0], centred[:, 1]
    columns = [np.ones_like(x), x, y] + ([x * x, x * y, y * y] if degree == 2 else [])
    design = np.stack(columns, axis=1)
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coef
