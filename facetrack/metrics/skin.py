"""Skin tone and redness, measured against the user's own wall (pure numpy).

The wall behind the user is lit by the same light as the face, so it is a white reference
taken in the same picture: dividing the skin's linear RGB by the wall's (a von Kries
normalisation, the wall taken as white) cancels most of the camera's exposure and white
balance. The normalised colour is then converted to CIELAB (D65 white, so the wall reads
L* = 100, a* = b* = 0).

Regions, from the landmarks: each cheek is the part of the face mesh inside ``CHEEK_BOX``
(canonical centimetres: below the lower eyelid, lateral to the nostrils, above the lips,
inside the face oval), the forehead the part inside ``FOREHEAD_BOX`` (above the brows,
below the mesh's hairline, between the eyes' centres). Pixels are kept where the person
mask is confident (>= 0.9); clipped pixels (a channel at 250 or more), specular highlights
(luminance above ``specular`` x the region's median) and dark pixels (luminance below
``dark`` x the median: hair, stubble, moles, shadow) are left out. The wall is the
background (mask < 0.1) in two bands beside the head, 0.6 to 1.4 inter-ocular distances
beyond the face oval (clear of the head's own shadow on the wall), at cheek height.

Measures (CIELAB units, wall = white):

- ``skin_lightness``: L* of the cheeks' pixels (a 20 % trimmed mean per cheek, the two
  cheeks averaged);
- ``skin_redness``: a* of the cheeks' pixels (likewise);
- ``skin_redness_contrast``: cheeks' a* minus the forehead's a*, the same picture;
- ``skin_evenness``: the cheeks' blotchiness: the skin averaged in cells of 1/20 of the
  inter-ocular distance, a quadratic surface fitted over each cheek (the smooth shading)
  and removed, then sqrt(robust SD of a*² + robust SD of L*²) of the residuals.

A value is None, with the reason in words, whenever it cannot be trusted (``SkinRules``).
These are colour proxies of one camera's picture, not a diagnosis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from facetrack.metrics.colour import (LUMINANCE, linear_to_lab, robust_sd, srgb_to_linear, surface_residuals,
                                      trimmed)
from facetrack.metrics.geometry import fit_similarity
from facetrack.metrics.silhouette import face_axes
from facetrack.topology import N_LANDMARKS, N_MESH, FaceTopology

NAMES = ("skin_lightness", "skin_redness", "skin_redness_contrast", "skin_evenness")

#: Regions in canonical centimetres (x towards the subject's left, y up): (x0, x1, y0, y1).
CHEEK_BOX = (2.6, 5.6, -1.6, 1.5)  # the subject's left cheek; the right one is mirrored
FOREHEAD_BOX = (-2.5, 2.5, 5.7, 7.6)


@dataclass(frozen=True)
class SkinRules:
    """When a skin value can be trusted. Levels are linear light (0-1), shares 0-1."""

    max_yaw: float = 12.0  # degrees: the cheeks face the light and the camera alike
    max_pitch: float = 15.0
    clip_code: int = 250  # an sRGB code at or above this counts as clipped
    max_wall_clipped: float = 0.01  # share of the wall's pixels with a clipped channel
    max_wall_level: float = 0.88  # the wall's brightest channel (median), near clipping above
    min_wall_level: float = 0.02  # ... and too dark (noisy) below
    max_wall_residual: float = 0.06  # robust SD of the wall's luminance about a plane, over its level
    max_wall_outliers: float = 0.25  # share of the wall's pixels more than 12 % off the plane
    max_side_ratio: float = 1.5  # left and right wall luminance within this factor
    max_side_tint: float = 0.08  # ... and their r/g, b/g within this (relative)
    min_wall_px: int = 150  # per side
    wall_near: float = 0.6  # the wall bands, in inter-ocular distances beyond the face oval
    wall_far: float = 1.4
    min_region_px: int = 80  # per cheek and forehead, after the exclusions
    max_skin_clipped: float = 0.05  # share of the cheeks' pixels clipped
    min_skin_level: float = 0.01  # the cheeks' median luminance (before normalisation)
    specular: float = 1.3
    dark: float = 0.5
    cells_per_iod: float = 20.0
    min_cells: int = 12  # per cheek, for the evenness


@dataclass(frozen=True)
class SkinValue:
    """One skin measure: a value, or None with the reason in words."""

    value: float | None
    reason: str = ""

    def __post_init__(self):
        if self.value is None and not self.reason:
            raise ValueError("a missing skin value must have a reason but got none")
        if self.value is not None and (not math.isfinite(self.value) or self.reason):
            raise ValueError(f"a skin value must be finite with no reason but got {self.value!r}, {self.reason!r}")


@dataclass(frozen=True)
class SkinMeasurement:
    """The four skin measures of one picture, and the wall they are referred to."""

    skin_lightness: SkinValue
    skin_redness: SkinValue
    skin_redness_contrast: SkinValue
    skin_evenness: SkinValue
    wall: tuple[float, float, float] | None = None  # the wall's linear RGB, when usable
    pixels: dict[str, int] = field(default_factory=dict)  # region -> pixels used

    def values(self) -> dict[str, float]:
        return {n: getattr(self, n).value for n in NAMES if getattr(self, n).value is not None}

    def problems(self) -> dict[str, str]:
        return {n: getattr(self, n).reason for n in NAMES if getattr(self, n).value is None}


def _missing(reason: str, **extra) -> SkinMeasurement:
    return SkinMeasurement(*(SkinValue(None, reason) for _ in NAMES), **extra)


def _validate(image, points, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"the image must be RGB uint8 (H, W, 3) but got {image.dtype} {image.shape}")
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] not in (N_MESH, N_LANDMARKS) or p.shape[1] != 3 or not np.isfinite(p).all():
        raise ValueError(f"the landmarks must be finite ({N_LANDMARKS}, 3) pixels but got {p.shape}")
    m = np.asarray(mask, dtype=np.float32)
    if m.shape != image.shape[:2]:
        raise ValueError(f"the mask must have the image's shape {image.shape[:2]} but got {m.shape}")
    if not (np.isfinite(m).all() and m.min() >= 0 and m.max() <= 1):
        raise ValueError(f"the mask must hold confidences 0-1 but got {float(np.nanmin(m))}-{float(np.nanmax(m))}")
    return image, p[:N_MESH], m


def head_angles(points: np.ndarray, topology: FaceTopology) -> tuple[float, float]:
    """(yaw, pitch) in degrees of landmarks in pixels (z as MediaPipe gives it), from the
    rotation aligning them to the canonical face; (0, 0) is a face looking into the camera."""
    src = np.asarray(points, dtype=np.float64)[:N_MESH] * np.array([1.0, -1.0, -1.0])  # y up, z to the viewer
    ids = topology.pose_ids
    rotation = fit_similarity(src[ids], topology.canonical[ids], topology.pose_weights).rotation
    forward = rotation[2]  # the face's own forward axis in the camera's frame
    return (math.degrees(math.atan2(forward[0], forward[2])),
            math.degrees(math.atan2(forward[1], math.hypot(forward[0], forward[2]))))


def region_pixels(points: np.ndarray, topology: FaceTopology, shape: tuple[int, int],
                  box: tuple[float, float, float, float]) -> np.ndarray:
    """A boolean (H, W) mask of the pixels whose place on the face mesh lies inside ``box``
    (canonical cm: x0, x1, y0, y1). Each mesh triangle near the box is rasterised and its
    pixels mapped to the canonical face by their barycentric coordinates."""
    h, w = shape
    out = np.zeros((h, w), bool)
    canon = topology.canonical[:, :2]
    pix = np.asarray(points, dtype=np.float64)[:N_MESH, :2]
    x0, x1, y0, y1 = box
    tris = topology.triangles
    c = canon[tris]
    near = (c[..., 0].max(1) >= x0) & (c[..., 0].min(1) <= x1) & (c[..., 1].max(1) >= y0) & (c[..., 1].min(1) <= y1)
    for tri in tris[near]:
        p, q = pix[tri], canon[tri]
        lo = np.maximum(np.floor(p.min(axis=0)).astype(int), 0)
        hi = np.minimum(np.ceil(p.max(axis=0)).astype(int), (w - 1, h - 1))
        if (hi < lo).any():
            continue
        xs, ys = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1))
        centres = np.stack([xs.ravel() + 0.5, ys.ravel() + 0.5], axis=1)
        edges = np.array([p[1] - p[0], p[2] - p[0]]).T
        if abs(np.linalg.det(edges)) < 1e-9:
            continue
        b12 = np.linalg.solve(edges, (centres - p[0]).T).T
        bary = np.column_stack([1 - b12.sum(axis=1), b12])
        inside = (bary >= -1e-9).all(axis=1)
        where = bary[inside] @ q
        keep = (where[:, 0] >= x0) & (where[:, 0] <= x1) & (where[:, 1] >= y0) & (where[:, 1] <= y1)
        out[ys.ravel()[inside][keep], xs.ravel()[inside][keep]] = True
    return out


def mirrored(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return (-box[1], -box[0], box[2], box[3])


def wall_bands(points: np.ndarray, topology: FaceTopology, shape: tuple[int, int],
               near: float = 0.6, far: float = 1.4) -> dict[str, np.ndarray]:
    """Boolean (H, W) masks of the bands beside the head where the wall is looked for: from
    ``near`` to ``far`` inter-ocular distances beyond the face oval (clear of the head's own
    shadow on the wall), from 10 to 65 % of the way from the eye line to the chin, on the
    subject's "left" and "right"."""
    axes = face_axes(points, topology)
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    rel = np.stack([xs + 0.5, ys + 0.5], axis=-1) - axes.eye_mid
    u, v = rel @ axes.across, rel @ axes.down
    oval = (np.asarray(points, dtype=np.float64)[topology.idx("face_oval"), :2] - axes.eye_mid)
    ou, ov = oval @ axes.across, oval @ axes.down
    rows = (v >= 0.10 * axes.span) & (v <= 0.65 * axes.span)
    band = (ov >= 0.0) & (ov <= 0.75 * axes.span)
    out = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        edge = float((sign * ou[band]).max()) if band.any() else float((sign * ou).max())
        out[side] = rows & (sign * u >= edge + near * axes.iod) & (sign * u <= edge + far * axes.iod)
    return out


def wall_reference(image: np.ndarray, mask: np.ndarray, bands: dict[str, np.ndarray],
                   rules: SkinRules) -> tuple[np.ndarray | None, str]:
    """The wall's linear RGB (both sides' medians averaged), or None and why it is unusable."""
    medians = []
    for side in ("left", "right"):
        sel = bands[side] & (mask < 0.1)
        if sel.sum() < rules.min_wall_px:
            return None, "too little plain wall is visible beside the face"
        codes = image[sel]
        if (codes >= rules.clip_code).any(axis=1).mean() > rules.max_wall_clipped:
            return None, "the wall beside the face is clipped (over-exposed): dim the light or the exposure"
        lin = srgb_to_linear(codes)
        level = np.median(lin, axis=0)
        if level.max() > rules.max_wall_level:
            return None, "the wall beside the face is too bright (close to clipping)"
        if level.max() < rules.min_wall_level:
            return None, "the wall beside the face is too dark"
        ys, xs = np.nonzero(sel)
        luma = lin @ LUMINANCE
        residual = surface_residuals(np.column_stack([xs, ys]), luma, degree=1) / max(float(np.median(luma)), 1e-6)
        if robust_sd(residual) > rules.max_wall_residual or (np.abs(residual) > 0.12).mean() > rules.max_wall_outliers:
            return None, "the wall beside the face is not plain (a pattern, a picture or an edge)"
        medians.append(level)
    left, right = medians
    ratio = float((left @ LUMINANCE) / (right @ LUMINANCE))
    tint = np.abs(np.log((left[[0, 2]] / left[1]) / (right[[0, 2]] / right[1])))
    if max(ratio, 1 / ratio) > rules.max_side_ratio or tint.max() > rules.max_side_tint:
        return None, "the wall is lit differently left and right of the face"
    return (left + right) / 2, ""


def _skin(image, keep, wall, rules) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(Lab of the kept pixels, their (x, y), share clipped, median level) of one region."""
    ys, xs = np.nonzero(keep)
    codes = image[ys, xs]
    clipped = (codes >= rules.clip_code).any(axis=1)
    lin = srgb_to_linear(codes)
    luma = lin @ LUMINANCE
    level = float(np.median(luma[~clipped])) if (~clipped).any() else 0.0
    use = ~clipped & (luma <= rules.specular * level) & (luma >= rules.dark * level)
    return linear_to_lab(lin[use] / wall), np.column_stack([xs[use], ys[use]]), float(clipped.mean()), level


def _evenness(lab: np.ndarray, xy: np.ndarray, cell: float, rules: SkinRules) -> float | None:
    """sqrt(robust SD(a*)² + robust SD(L*)²) of the cell means about a quadratic surface."""
    ids = np.floor(xy / cell).astype(np.int64)
    _, inverse, counts = np.unique(ids, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    if len(counts) < rules.min_cells:
        return None
    sums = np.zeros((len(counts), 4))
    np.add.at(sums, inverse, np.column_stack([lab[:, :2], xy]))
    means = sums / counts[:, None]
    full = counts >= max(1, int(0.5 * counts.max()))
    if full.sum() < rules.min_cells:
        return None
    means = means[full]
    resid = [surface_residuals(means[:, 2:], means[:, k], degree=2) for k in (0, 1)]
    return float(math.hypot(robust_sd(resid[0]), robust_sd(resid[1])))


def measure_skin(image, points, mask, topology: FaceTopology, rules: SkinRules = SkinRules()) -> SkinMeasurement:
    """The skin measures of one picture: ``image`` RGB uint8 (sRGB), ``points`` the face's
    landmarks in its pixels (478 or 468, x, y, z), ``mask`` the person confidence (H, W)."""
    image, points, mask = _validate(image, points, mask)
    yaw, pitch = head_angles(points, topology)
    if abs(yaw) > rules.max_yaw or abs(pitch) > rules.max_pitch:
        return _missing(f"the face is turned (left-right {yaw:+.0f}°, up-down {pitch:+.0f}°; "
                        f"at most ±{rules.max_yaw:g}° and ±{rules.max_pitch:g}°)")
    wall, why = wall_reference(image, mask, wall_bands(points, topology, mask.shape, rules.wall_near, rules.wall_far),
                               rules)
    if wall is None:
        return _missing(why)
    wall_rgb = tuple(float(c) for c in wall)
    cell = face_axes(points, topology).iod / rules.cells_per_iod
    person = mask >= 0.9
    cheeks, pixels = [], {}
    for side, box in (("left", CHEEK_BOX), ("right", mirrored(CHEEK_BOX))):
        lab, xy, clipped, level = _skin(image, region_pixels(points, topology, mask.shape, box) & person, wall, rules)
        if clipped > rules.max_skin_clipped:
            return _missing("the skin of the cheeks is clipped (over-exposed)", wall=wall_rgb)
        if level < rules.min_skin_level:
            return _missing("the skin is too dark in this picture (under-exposed)", wall=wall_rgb)
        if len(lab) < rules.min_region_px:
            return _missing("too little cheek skin is visible", wall=wall_rgb)
        pixels[f"cheek_{side}"] = len(lab)
        cheeks.append((lab, xy))
    lightness = float(np.mean([trimmed(lab[:, 0]) for lab, _ in cheeks]))
    redness = float(np.mean([trimmed(lab[:, 1]) for lab, _ in cheeks]))
    lab, _, clipped, level = _skin(image, region_pixels(points, topology, mask.shape, FOREHEAD_BOX) & person,
                                   wall, rules)
    pixels["forehead"] = len(lab)
    if len(lab) < rules.min_region_px or clipped > rules.max_skin_clipped or level < rules.min_skin_level:
        contrast = SkinValue(None, "too little clear forehead skin is visible (hair, a highlight or a shadow)")
    else:
        contrast = SkinValue(redness - trimmed(lab[:, 1]))
    spreads = [_evenness(lab, xy, cell, rules) for lab, xy in cheeks]
    evenness = (SkinValue(None, "the cheeks are too small in the picture to measure their evenness")
                if None in spreads else SkinValue(float(np.mean(spreads))))
    return SkinMeasurement(SkinValue(lightness), SkinValue(redness), contrast, evenness, wall_rgb, pixels)
