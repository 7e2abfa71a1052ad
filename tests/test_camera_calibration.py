"""Camera calibration against checkerboard views rendered with known intrinsics and distortion."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.capture.camera import (CalibrationError, board_object_points, calibrate_camera, find_corners,
                              synthetic_views, undistort)
from facetrack.cli import main
from facetrack.store import Store

SIZE = (640, 480)
K = np.array([[610.0, 0, 327.0], [0, 612.0, 238.0], [0, 0, 1]])
D = np.array([-0.28, 0.09, 0.0006, -0.0004, 0.0])


def poses(n, seed=0, tilt=35.0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        rvec = np.radians([*rng.uniform(-tilt, tilt, 2), rng.uniform(-15, 15)])
        tvec = np.array([rng.uniform(-90, -40), rng.uniform(-70, -30), rng.uniform(380, 520)])
        out.append((rvec, tvec))
    return out


@pytest.fixture(scope="module")
def views():
    return synthetic_views(K, D, SIZE, poses(10), supersample=2)


def test_recovers_focal_length_and_principal_point(views):
    c = calibrate_camera(views, camera="synthetic")
    assert c.views == 10 and c.rms_px < 0.5
    for found, true in ((c.focal_px[0], K[0, 0]), (c.focal_px[1], K[1, 1]),
                        (c.principal_point[0], K[0, 2]), (c.principal_point[1], K[1, 2])):
        assert abs(found / true - 1) < 0.02, (found, true)


def test_undistortion_straightens_the_board(views):
    """After undistortion, the corners fit the ideal pinhole projection of a flat board."""
    c = calibrate_camera(views)

    def line_error(image):
        corners = find_corners(image).reshape(6, 9, 2)  # rows of 9 corners
        errors = []
        for row in corners:
            centred = row - row.mean(axis=0)
            errors.append(np.linalg.svd(centred, compute_uv=False)[1] / np.sqrt(len(row)))
        return float(np.max(errors))

    before = line_error(views[0])
    after = line_error(undistort(views[0], c))
    assert after < 0.2 < before, (before, after)


def test_too_few_views_are_refused(views):
    with pytest.raises(CalibrationError, match="found in 3 of 3 views; at least 8"):
        calibrate_camera(views[:3], camera="synthetic")


def test_views_without_the_board_are_refused():
    blank = [np.full((480, 640), 200, np.uint8)] * 9
    with pytest.raises(CalibrationError, match="found in 0 of 9 views"):
        calibrate_camera(blank)


def test_views_that_are_all_alike_are_refused():
    same = [(np.radians([0.5 * i, 0.0, 0.0]), np.array([-60.0, -45.0, 450.0 + 5 * i])) for i in range(8)]
    with pytest.raises(CalibrationError, match="too alike"):
        calibrate_camera(synthetic_views(K, D, SIZE, same, supersample=1))


def test_object_points_follow_the_board():
    pts = board_object_points((9, 6), 25.0)
    assert pts.shape == (54, 3) and pts[1, 0] == 25.0 and pts[9, 1] == 25.0 and pts[:, 2].max() == 0


def test_calibrate_commands(tmp_path, views):
    folder = tmp_path / "board"
    folder.mkdir()
    for i, view in enumerate(views):
        cv2.imwrite(str(folder / f"{i:02d}.png"), view)
    root = tmp_path / "store"
    runner = CliRunner()
    result = runner.invoke(main, ["calibrate", "camera", "--images", str(folder), "--name", "camera 0",
                                  "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "reprojection error" in result.output and "10 views" in result.output
    with Store.open(root) as store:
        stored = store.camera("camera 0", 640, 480)
        assert stored is not None and abs(stored.focal_px[0] / K[0, 0] - 1) < 0.02
        assert store.camera("camera 0", 1280, 720) is None
    few = tmp_path / "few"
    few.mkdir()
    cv2.imwrite(str(few / "a.png"), views[0])
    bad = runner.invoke(main, ["calibrate", "camera", "--images", str(few), "--data-dir", str(root)])
    assert bad.exit_code == 1 and bad.output.startswith("error: few: the board was found in 1 of 1 views")
    board = runner.invoke(main, ["calibrate", "board", "-o", str(tmp_path / "board.pdf")])
    assert board.exit_code == 0 and (tmp_path / "board.pdf").read_bytes().startswith(b"%PDF")


def test_the_printed_board_is_true_to_size_and_detectable():
    import io

    from PIL import Image

    from facetrack.capture.camera import board_figure

    buf = io.BytesIO()
    dpi = 4 * 25.4  # 4 px per mm
    board_figure().savefig(buf, format="png", dpi=dpi)
    image = np.asarray(Image.open(buf).convert("RGB"))
    corners = find_corners(image).reshape(6, 9, 2)
    spacing = np.linalg.norm(np.diff(corners, axis=1), axis=2)
    assert np.allclose(spacing, 25.0 * 4, rtol=0.01)


def test_captures_from_a_calibrated_camera_are_undistorted(tmp_path, monkeypatch, grace_hopper):
    from facetrack.capture.camera import CameraCalibration

    h, w = grace_hopper.shape[:2]
    calibration = CameraCalibration("camera 0", w, h, np.array([[500.0, 0, w / 2], [0, 500.0, h / 2], [0, 0, 1]]),
                                    np.array([-0.15, 0.02, 0, 0, 0]), 0.1, 10)
    root = tmp_path / "store"
    with Store.open(root) as store:
        store.save_camera(calibration)
    bgr = cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR)

    class Camera:
        def __init__(self, index):
            pass

        def isOpened(self):
            return True

        def set(self, *args):
            return True

        def read(self):
            return True, bgr.copy()

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoCapture", Camera)
    result = CliRunner().invoke(main, ["capture", "--camera", "0", "--no-preview", "--hold", "0", "--burst", "5",
                                       "--gate", "max_pitch=8", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    with Store.open(root) as store:
        (capture,) = store.captures("default")
    stored = cv2.cvtColor(cv2.imread(str(capture.image_path)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(stored, undistort(grace_hopper, calibration))
    assert not np.array_equal(stored, grace_hopper)
