"""The one named landmark map, derived from MediaPipe's canonical face mesh.

The ``face_landmarker.task`` file is a zip holding
``geometry_pipeline_metadata_landmarks.binarypb``: MediaPipe's canonical face mesh (468
vertices in centimetres, y up, z towards the viewer, exactly mirror-symmetric about x = 0)
and the 33 weighted landmarks MediaPipe itself uses for Procrustes pose estimation.

Everything geometric here is *derived* from that mesh, not typed by hand:

* mirror pairs (each vertex's reflection through x = 0 is another vertex),
* the midline (the vertices with x = 0),
* the face oval (the mesh's single boundary loop),
* zygion, gonion, chin, and the jaw and cheek contour segments (rules on the oval),
* the cheek surface regions (rules on vertex positions).

A few groups are anatomical conventions that the mesh geometry alone cannot name: the eye
contour and eyebrow of the subject's *right* side, the lip contours, and the ten iris points
(468-477, which the 468-vertex mesh does not contain). They are written once below as
``ANCHORS``; the left side is obtained through the derived mirror pairs, and tests check
that every anchor is consistent with the mesh (and, on real faces, with the model).

Left and right are always the subject's own. In the canonical frame the subject's left is
at x > 0: a frontal face seen by the camera has its left side on the image's right.
"""

from __future__ import annotations

import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np

GEOMETRY_ENTRY = "geometry_pipeline_metadata_landmarks.binarypb"
N_MESH = 468
N_LANDMARKS = 478

#: Anatomical conventions of MediaPipe's 478-point topology (subject's right side only;
#: the left side is derived through the mirror pairs). Lip loops span both sides.
ANCHORS: Mapping[str, tuple[int, ...]] = MappingProxyType({
    "eye_right": (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
    "eye_upper_right": (246, 161, 160, 159, 158, 157, 173),
    "eye_lower_right": (7, 163, 144, 145, 153, 154, 155),
    "eye_outer_corner_right": (33,),
    "eye_inner_corner_right": (133,),
    "brow_right": (46, 53, 52, 65, 55, 70, 63, 105, 66, 107),
    "brow_upper_right": (70, 63, 105, 66, 107),
    "lips_outer": (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0,
                   37, 39, 40, 185),
    "lips_inner": (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13,
                   82, 81, 80, 191),
    "mouth_corner_right": (61,),
    # Iris rings: centre, then the points at image +x, -y, -x, +y of an upright face.
    "iris_right": (468, 469, 470, 471, 472),
    "iris_centre_right": (468,),
})

#: Iris mirror pairs (right -> left). The ring is ordered by image direction, so the
#: medial point of one iris (+x on the right eye) pairs with the medial one of the other.
IRIS_MIRROR = MappingProxyType({468: 473, 469: 476, 470: 475, 471: 474, 472: 477})


@dataclass(frozen=True)
class CanonicalGeometry:
    """The raw content of the geometry metadata inside a ``.task`` file."""

    vertices: np.ndarray  # (468, 3) float64, centimetres
    triangles: np.ndarray  # (T, 3) int
    pose_ids: np.ndarray  # (33,) int, MediaPipe's Procrustes basis
    pose_weights: np.ndarray  # (33,) float64


@dataclass(frozen=True)
class FaceTopology:
    """Named landmark groups, mirror pairs and the canonical mesh: everything metrics need.

    ``groups`` maps a name to a tuple of landmark indices (ordered where order matters:
    contours run top to bottom, loops keep the mesh's order). ``mirror[i]`` is the index of
    the landmark that is i's reflection through the face's midline (an involution over all
    478 landmarks; midline points map to themselves).
    """

    canonical: np.ndarray
    triangles: np.ndarray
    pose_ids: np.ndarray
    pose_weights: np.ndarray
    mirror: np.ndarray
    groups: Mapping[str, tuple[int, ...]] = field(repr=False)

    def __getitem__(self, name: str) -> tuple[int, ...]:
        return self.groups[name]

    def idx(self, name: str) -> np.ndarray:
        return np.asarray(self.groups[name], dtype=np.intp)

    def point(self, name: str) -> int:
        (only,) = self.groups[name]
        return only


# --- reading the .task file -------------------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _fields(buf: bytes):
    """Yield (field number, wire type, value) of a protobuf message (wire format only)."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _repeated_floats(items) -> np.ndarray:
    chunks = [value for wire, value in items]
    return np.frombuffer(b"".join(chunks), dtype="<f4").astype(np.float64)


def _repeated_uints(items) -> np.ndarray:
    out = []
    for wire, value in items:
        if wire == 0:
            out.append(value)
        else:  # packed
            pos = 0
            while pos < len(value):
                v, pos = _varint(value, pos)
                out.append(v)
    return np.asarray(out, dtype=np.intp)


def parse_geometry_metadata(buf: bytes) -> CanonicalGeometry:
    """Decode MediaPipe's ``GeometryPipelineMetadata`` message.

    Layout (mediapipe/modules/face_geometry/protos): field 1 canonical_mesh (Mesh3d: field 3
    vertex_buffer of x, y, z, u, v floats; field 4 index_buffer of triangle indices),
    field 2 procrustes_landmark_basis (repeated: field 1 landmark_id, field 2 weight).
    """
    mesh = None
    basis = []
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 2:
            mesh = value
        elif number == 2 and wire == 2:
            entry = {n: v for n, _, v in _fields(value)}
            weight = np.frombuffer(entry.get(2, b"\0\0\0\0"), "<f4")[0]
            basis.append((entry.get(1, 0), float(weight)))
    if mesh is None or not basis:
        raise ValueError("geometry metadata has no canonical mesh or no Procrustes basis")
    floats, indices = [], []
    for number, wire, value in _fields(mesh):
        if number == 3:
            floats.append((wire, value))
        elif number == 4:
            indices.append((wire, value))
    if any(wire == 2 for wire, _ in floats):
        floats = [(5, v) for _, v in floats]  # packed floats decode the same way
    vertex_buffer = _repeated_floats(floats)
    if vertex_buffer.size % 5:
        raise ValueError("canonical mesh vertex buffer is not a multiple of 5 floats")
    vertices = vertex_buffer.reshape(-1, 5)[:, :3]
    triangles = _repeated_uints(indices).reshape(-1, 3)
    ids = np.array([i for i, _ in basis], dtype=np.intp)
    weights = np.array([w for _, w in basis], dtype=np.float64)
    return CanonicalGeometry(vertices, triangles, ids, weights)


def read_canonical_geometry(model_path: str | Path) -> CanonicalGeometry:
    """Read the canonical geometry from a ``face_landmarker.task`` file."""
    with zipfile.ZipFile(model_path) as archive:
        return parse_geometry_metadata(archive.read(GEOMETRY_ENTRY))


def load_topology(model_path: str | Path) -> FaceTopology:
    """Read the ``.task`` file and derive the full named landmark map from it."""
    return build_topology(read_canonical_geometry(model_path))


# --- derivations (pure) ------------------------------------------------------------------

def mirror_pairs(vertices: np.ndarray, tol: float = 1e-4) -> np.ndarray:
    """Index of each vertex's reflection through x = 0; raises if the mesh is not symmetric."""
    reflected = vertices * np.array([-1.0, 1.0, 1.0])
    dist = np.linalg.norm(vertices[:, None, :] - reflected[None, :, :], axis=2)
    pairs = dist.argmin(axis=1)
    if dist[np.arange(len(vertices)), pairs].max() > tol:
        raise ValueError("canonical mesh is not mirror-symmetric")
    if not np.array_equal(pairs[pairs], np.arange(len(vertices))):
        raise ValueError("mirror pairing of the canonical mesh is not an involution")
    return pairs


def boundary_loops(triangles: np.ndarray) -> list[list[int]]:
    """Closed loops of edges used by exactly one triangle."""
    edges = Counter()
    for a, b, c in triangles:
        for u, v in ((a, b), (b, c), (c, a)):
            edges[(min(u, v), max(u, v))] += 1
    adjacency = defaultdict(list)
    for (u, v), count in edges.items():
        if count == 1:
            adjacency[u].append(v)
            adjacency[v].append(u)
    loops, seen = [], set()
    for start in sorted(adjacency):
        if start in seen:
            continue
        loop, prev, cur = [start], None, start
        seen.add(start)
        while True:
            nxt = [n for n in adjacency[cur] if n != prev and n not in seen]
            if not nxt:
                break
            prev, cur = cur, nxt[0]
            loop.append(cur)
            seen.add(cur)
        loops.append([int(i) for i in loop])
    return loops


def _mirrored(ids, mirror) -> tuple[int, ...]:
    return tuple(int(mirror[i]) for i in ids)


def build_topology(geometry: CanonicalGeometry) -> FaceTopology:
    """Derive mirror pairs and every named group from the canonical geometry."""
    v = geometry.vertices
    if v.shape != (N_MESH, 3):
        raise ValueError(f"canonical mesh has {v.shape[0]} vertices, expected {N_MESH}")
    mesh_mirror = mirror_pairs(v)
    mirror = np.concatenate([mesh_mirror, np.arange(N_MESH, N_LANDMARKS)])
    for a, b in IRIS_MIRROR.items():
        mirror[a], mirror[b] = b, a

    loops = boundary_loops(geometry.triangles)
    oval = max(loops, key=len)
    midline_ids = np.flatnonzero(np.abs(v[:, 0]) < 1e-6)
    top = int(midline_ids[np.argmax(v[midline_ids, 1])])
    k = oval.index(top)
    oval = oval[k:] + oval[:k]
    if v[oval[1], 0] > 0:  # run from the top towards the subject's right (x < 0) first
        oval = [oval[0]] + oval[1:][::-1]
    chin_pos = int(np.argmin(v[oval, 1]))
    chin = oval[chin_pos]
    oval_right = oval[: chin_pos + 1]  # top -> chin along the subject's right side

    groups: dict[str, tuple[int, ...]] = dict(ANCHORS)
    eye_bottom = v[list(ANCHORS["eye_lower_right"]), 1].min()
    lower = [i for i in oval_right if v[i, 1] < eye_bottom and v[i, 0] < 0]
    zygion = max(lower, key=lambda i: -v[i, 0])
    below = oval_right[oval_right.index(zygion): oval_right.index(chin) + 1]
    chord = v[chin, :2] - v[zygion, :2]
    normal = np.array([chord[1], -chord[0]]) / np.linalg.norm(chord)  # points outwards (-x)
    gonion = max(below[1:-1], key=lambda i: float((v[i, :2] - v[zygion, :2]) @ normal))
    g = below.index(gonion)

    mouth_level = v[ANCHORS["mouth_corner_right"][0], 1]
    eye_centre_x = v[list(ANCHORS["eye_right"]), 0].mean()
    oval_set = set(oval)
    cheek = tuple(int(i) for i in np.flatnonzero(
        (v[:, 0] < eye_centre_x) & (v[:, 1] < eye_bottom) & (v[:, 1] > mouth_level)
    ) if int(i) not in oval_set)

    # Malar region: below the eye, between the outer eye corner and the eye centre, from
    # the nose tip's height up to a quarter of the way below the eye (the cheekbone's
    # anterior surface, below the lower lid).
    nose_tip = int(midline_ids[np.argmax(v[midline_ids, 2])])
    outer_x = v[ANCHORS["eye_outer_corner_right"][0], 0]
    malar_top = eye_bottom - 0.25 * (eye_bottom - v[nose_tip, 1])
    malar = tuple(int(i) for i in np.flatnonzero(
        (v[:, 0] >= outer_x) & (v[:, 0] <= eye_centre_x)
        & (v[:, 1] > v[nose_tip, 1]) & (v[:, 1] < malar_top)
    ) if int(i) not in oval_set)

    groups.update({
        "face_oval": tuple(oval),
        "oval_right": tuple(oval_right),
        "midline": tuple(int(i) for i in midline_ids[np.argsort(-v[midline_ids, 1])]),
        "forehead_top": (top,),
        "chin": (chin,),
        "nose_tip": (nose_tip,),
        # The nose's ridge: midline points from the inner eye corners' height to the tip.
        "nose_ridge": tuple(int(i) for i in midline_ids[np.argsort(-v[midline_ids, 1])]
                            if v[nose_tip, 1] <= v[i, 1] <= v[ANCHORS["eye_inner_corner_right"][0], 1]),
        "zygion_right": (zygion,),
        "gonion_right": (gonion,),
        "cheek_contour_right": tuple(below[: g + 1]),  # zygion -> gonion
        "ramus_right": tuple(below[: g + 1]),
        "jaw_right": tuple(below[g:]),  # gonion -> chin (mandibular body)
        "cheek_right": cheek,
        "malar_right": malar,
        # The lower face outline: right zygion -> chin -> left zygion.
        "lower_oval": tuple(below + [int(mirror[i]) for i in reversed(below[:-1])]),
    })
    for name in list(groups):
        if name.endswith("_right"):
            groups[name[: -len("_right")] + "_left"] = _mirrored(groups[name], mirror)
    return FaceTopology(
        canonical=v.copy(),
        triangles=geometry.triangles.copy(),
        pose_ids=geometry.pose_ids.copy(),
        pose_weights=geometry.pose_weights.copy(),
        mirror=mirror,
        groups=MappingProxyType(groups),
    )
