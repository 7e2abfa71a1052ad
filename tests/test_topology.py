"""The named landmark map, derived from the canonical mesh inside the .task file."""

import numpy as np
import pytest

from facetrack.topology import ANCHORS, N_LANDMARKS, N_MESH, read_canonical_geometry


def test_geometry_matches_mediapipe_metadata(model_path):
    geo = read_canonical_geometry(model_path)
    assert geo.vertices.shape == (N_MESH, 3)
    assert len(geo.pose_ids) == 33 and np.all(geo.pose_weights > 0)
    assert geo.triangles.max() == N_MESH - 1


def test_mirror_pairing_is_an_involution(topology):
    m = topology.mirror
    assert m.shape == (N_LANDMARKS,)
    assert np.array_equal(m[m], np.arange(N_LANDMARKS))


def test_mirror_pairing_maps_canonical_mesh_onto_its_mirror_image(topology):
    v = topology.canonical
    mirrored = v[topology.mirror[:N_MESH]] * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(mirrored, v, atol=1e-5)


def test_midline_and_pair_counts(topology):
    fixed = np.flatnonzero(topology.mirror[:N_MESH] == np.arange(N_MESH))
    assert len(fixed) == 28
    assert (N_MESH - len(fixed)) // 2 == 220
    assert set(topology["midline"]) == set(fixed.tolist())


def test_pose_weights_are_mirror_symmetric(topology):
    weight = dict(zip(topology.pose_ids.tolist(), topology.pose_weights.tolist()))
    for i, w in weight.items():
        assert weight[int(topology.mirror[i])] == pytest.approx(w)


def test_face_oval_is_the_mesh_boundary_and_runs_top_right_chin_left(topology):
    oval = topology["face_oval"]
    v = topology.canonical
    assert len(oval) == 36 == len(set(oval))
    assert oval[0] == topology.point("forehead_top")
    assert v[oval[1], 0] < 0  # runs towards the subject's right first
    assert topology.point("chin") == topology["oval_right"][-1] == topology["oval_left"][-1]


@pytest.mark.parametrize("name", [n[: -len("_right")] for n in ANCHORS if n.endswith("_right")]
                         + ["zygion", "gonion", "cheek_contour", "jaw", "ramus", "cheek", "oval"])
def test_left_groups_mirror_right_groups_and_sit_on_the_left(topology, name):
    right = topology[f"{name}_right"]
    left = topology[f"{name}_left"]
    assert tuple(int(topology.mirror[i]) for i in right) == left
    mesh_left = [i for i in left if i < N_MESH and topology.mirror[i] != i]
    if name.startswith("iris"):  # not in the 468-vertex mesh: checked on real faces instead
        assert all(i >= N_MESH for i in left) and set(left).isdisjoint(right)
        return
    assert mesh_left, name
    assert np.all(topology.canonical[mesh_left, 0] > 0)  # subject's left is x > 0


def test_lip_loops_are_closed_under_mirroring(topology):
    for name in ("lips_outer", "lips_inner"):
        ids = set(topology[name])
        assert {int(topology.mirror[i]) for i in ids} == ids


def test_jaw_landmarks_are_where_anatomy_puts_them(topology):
    v = topology.canonical
    zyg, gon, chin = (topology.point(n) for n in ("zygion_right", "gonion_right", "chin"))
    eye_bottom = v[list(topology["eye_lower_right"]), 1].min()
    assert v[zyg, 1] < eye_bottom  # below the eye
    assert v[chin, 1] < v[gon, 1] < v[zyg, 1]
    assert v[zyg, 0] < v[gon, 0] < 0  # face narrows from zygion to gonion
