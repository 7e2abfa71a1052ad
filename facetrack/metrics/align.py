"""Input validation and pose normalization of landmark arrays (pure numpy).

Every metric is computed in MediaPipe's canonical face frame: the landmarks are aligned to
the canonical mesh by a weighted similarity transform (rotation, uniform scale,
translation) fitted on the 33 pose landmarks with MediaPipe's own weights. After this,
head pose, distance to the camera and position in the image no longer matter, and one
unit is one canonical centimetre (a *model* centimetre, not a measured one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from facetrack.topology import N_LANDMARKS, N_MESH, FaceTopology
from facetrack.metrics.geometry import Similarity, fit_similarity, rigid_residuals


#: Larger coordinates are refused: no image is that large, and squaring them would overflow.
MAX_COORDINATE = 1e9


def validate_points(points) -> np.ndarray:
    """Return the 468 mesh points of a (478, 3) or (468, 3) array as float64.

    Raises ValueError for a wrong shape, non-finite values, coordinates beyond
    ``MAX_COORDINATE`` or collapsed points.
    """
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] not in (N_MESH, N_LANDMARKS):
        raise ValueError(
            f"landmarks must have shape ({N_LANDMARKS}, 3) or ({N_MESH}, 3), got {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError("landmarks contain NaN or infinite values")
    if np.abs(arr).max() > MAX_COORDINATE:
        raise ValueError(f"landmark coordinates beyond ±{MAX_COORDINATE:g} are not image or model coordinates")
    mesh = arr[:N_MESH]
    centred = mesh - mesh.mean(axis=0)
    sv = np.linalg.svd(centred, compute_uv=False)
    if not sv[0] > 0 or sv[2] <= 1e-9 * sv[0]:
        raise ValueError("landmarks are collapsed (all on one point, line or plane)")
    return mesh


def to_canonical(points, topology: FaceTopology) -> np.ndarray:
    """Align the 468 mesh points to the canonical mesh frame (weighted Procrustes)."""
    mesh = validate_points(points)
    ids = topology.pose_ids
    transform = fit_similarity(mesh[ids], topology.canonical[ids], topology.pose_weights)
    aligned = transform.apply(mesh)
    if not np.isfinite(aligned).all():
        raise ValueError("landmarks could not be aligned to the canonical face")
    return aligned


def image_to_canonical_transform(points, topology: FaceTopology) -> Similarity:
    """The similarity taking image-pixel landmarks into the canonical frame."""
    mesh = validate_points(points)
    ids = topology.pose_ids
    return fit_similarity(mesh[ids], topology.canonical[ids], topology.pose_weights)


@dataclass(frozen=True)
class AlignedFace:
    """Landmarks in the canonical frame, with the named map to look groups up by name."""

    points: np.ndarray
    topology: FaceTopology

    @classmethod
    def from_points(cls, points, topology: FaceTopology) -> "AlignedFace":
        return cls(to_canonical(points, topology), topology)

    def group(self, name: str) -> np.ndarray:
        return self.points[self.topology.idx(name)]

    def point(self, name: str) -> np.ndarray:
        return self.points[self.topology.point(name)]

    def centroid(self, name: str) -> np.ndarray:
        return self.group(name).mean(axis=0)

    def interocular(self, *, frontal: bool = False) -> float:
        """Inter-ocular distance (eye-contour centroids) in canonical units."""
        return interocular(self.points, self.topology, frontal=frontal)

    @cached_property
    def mirror_residuals(self) -> np.ndarray:
        """Per-point distance between the face and its mirror image, rigidly re-aligned.

        Computed once per face and shared by the global and regional asymmetry indices.
        """
        return rigid_residuals(mirror_landmarks(self.points, self.topology), self.points)

    @cached_property
    def stable_mirror_residuals(self) -> np.ndarray:
        """As ``mirror_residuals``, but the re-alignment is fitted on the pose landmarks only.

        The pose landmarks (forehead, nose bridge, eye corners, cheekbones, with
        MediaPipe's weights, made symmetric) barely move with expression, so a change in
        one region (a lifted mouth corner) does not tilt the alignment and leak into the
        residuals of another (the eyes).
        """
        topo = self.topology
        weights = np.zeros(len(self.points))
        weights[topo.pose_ids] = topo.pose_weights
        weights = 0.5 * (weights + weights[topo.mirror[: len(weights)]])
        return rigid_residuals(mirror_landmarks(self.points, topo), self.points, weights)


def interocular(points, topology: FaceTopology, *, frontal: bool = False) -> float:
    """Distance between the centroids of the two eye contours, in the array's own units.

    ``frontal=True`` measures in the (x, y) plane only (pixels of an image, or the frontal
    plane of the canonical frame); otherwise in 3D.
    """
    dims = 2 if frontal else 3
    p = np.asarray(points, dtype=np.float64)[:, :dims]
    return float(np.linalg.norm(p[topology.idx("eye_left")].mean(axis=0)
                                - p[topology.idx("eye_right")].mean(axis=0)))


def mirror_landmarks(points, topology: FaceTopology) -> np.ndarray:
    """The mirror image of a face: reflect x and relabel every point through the mirror pairs.

    The result is a valid face whose left is the original's right. For pixel coordinates
    of an image flipped horizontally, use ``unflip_landmarks`` instead.
    """
    arr = np.asarray(points, dtype=np.float64)
    n = arr.shape[0]
    out = arr[topology.mirror[:n]].copy()
    out[:, 0] = -out[:, 0]
    return out


def unflip_landmarks(points, width: float, topology: FaceTopology) -> np.ndarray:
    """Map landmarks detected on a horizontally flipped image back onto the original image."""
    out = mirror_landmarks(points, topology)
    out[:, 0] += width
    return out
