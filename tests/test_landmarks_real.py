"""The real MediaPipe model on real faces (portraits that ship with our dependencies)."""

import cv2
import numpy as np
import pytest

from facetrack.detect.landmarks import N_LANDMARKS, head_pose_from_matrix
from facetrack.metrics import unflip_landmarks

PORTRAITS = ["grace_hopper", "astronaut"]


@pytest.mark.parametrize("name", PORTRAITS)
def test_real_face_gives_478_points_inside_the_image(measurer, portraits, name):
    image = portraits[name]
    faces = measurer.landmarker.detect_all(image)
    assert len(faces) == 1
    face = faces[0]
    h, w = image.shape[:2]
    assert face.points.shape == (N_LANDMARKS, 3)
    assert face.image_size == (w, h)
    assert np.all((face.points[:, 0] > 0) & (face.points[:, 0] < w))
    assert np.all((face.points[:, 1] > 0) & (face.points[:, 1] < h))
    assert len(face.blendshapes) == 52 and "mouthSmileLeft" in face.blendshapes
    assert face.matrix.shape == (4, 4)


@pytest.mark.parametrize("name", PORTRAITS)
def test_eyes_above_mouth_and_subjects_right_eye_on_image_left(measurer, portraits, topology, name):
    p = measurer.landmarker.detect(portraits[name]).points
    eye_r, eye_l = p[topology.idx("eye_right")].mean(0), p[topology.idx("eye_left")].mean(0)
    mouth = p[topology.idx("lips_outer")].mean(0)
    assert eye_r[1] < mouth[1] and eye_l[1] < mouth[1]
    assert eye_r[0] < eye_l[0]  # an unmirrored frontal photo: subject's right on image left
    iris_r = p[topology.point("iris_centre_right")]
    assert np.linalg.norm(iris_r[:2] - eye_r[:2]) < np.linalg.norm(iris_r[:2] - eye_l[:2])


@pytest.mark.parametrize("name", PORTRAITS)
def test_head_pose_near_frontal(measurer, portraits, name):
    pose = measurer.landmarker.detect(portraits[name]).pose
    assert abs(pose.yaw) < 15 and abs(pose.pitch) < 20 and abs(pose.roll) < 15


@pytest.mark.parametrize("angle", [-12.0, 12.0])
def test_roll_follows_an_in_plane_rotation_with_the_documented_sign(measurer, grace_hopper, angle):
    h, w = grace_hopper.shape[:2]
    base = measurer.landmarker.detect(grace_hopper).pose.roll
    # cv2 rotates counter-clockwise on screen for a positive angle; the subject's right eye
    # is on the image's left, so the subject's left eye goes up: roll increases.
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(grace_hopper, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
    roll = measurer.landmarker.detect(rotated).pose.roll
    assert roll - base == pytest.approx(angle, abs=3.0)


def test_head_pose_from_a_known_rotation():
    t = np.radians(20)
    ry = np.array([[np.cos(t), 0, np.sin(t), 0], [0, 1, 0, 0], [-np.sin(t), 0, np.cos(t), 0], [0, 0, 0, 1]])
    pose = head_pose_from_matrix(ry)
    assert pose.yaw == pytest.approx(20) and pose.pitch == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("name", PORTRAITS)
def test_flipped_image_maps_back_through_the_mirror_pairs(measurer, portraits, topology, name):
    """Validates the mirror map on real detections, irises included."""
    image = portraits[name]
    w = image.shape[1]
    direct = measurer.landmarker.detect(image).points
    flipped = measurer.landmarker.detect(np.ascontiguousarray(image[:, ::-1])).points
    back = unflip_landmarks(flipped, w, topology)
    err = np.linalg.norm(back[:, :2] - direct[:, :2], axis=1)
    interocular = np.linalg.norm(direct[topology.point("iris_centre_left"), :2]
                                 - direct[topology.point("iris_centre_right"), :2])
    assert np.median(err) < 0.05 * interocular
    iris = list(topology["iris_left"]) + list(topology["iris_right"])
    assert err[iris].max() < 0.08 * interocular
