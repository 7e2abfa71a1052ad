"""Camera calibration from a printed checkerboard: intrinsics, lens distortion, undistortion.

A webcam's wide lens bends straight lines near the edges of the picture; a face that sits
a little off-centre one week would then measure differently. ``calibrate_camera`` finds
the camera matrix and distortion from several views of a checkerboard (OpenCV, with
sub-pixel corner refinement) and refuses a calibration it cannot trust: too few views,
views that are too alike (all facing the camera squarely: the focal length is then not
determined), or a high reprojection error. ``undistort`` applies it to frames before
landmarks are found.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from facetrack.errors import FacetrackError
from facetrack.records import CameraCalibration

#: Inner corners (columns, rows) of the board facetrack prints, and its square size.
PATTERN = (9, 6)
SQUARE_MM = 25.0
MIN_VIEWS = 8
MAX_RMS_PX = 1.0
MIN_TILT_SPREAD_DEG = 10.0


class CalibrationError(FacetrackError):
    """The views do not give a calibration that can be trusted."""


def board_object_points(pattern=PATTERN, square_mm: float = SQUARE_MM) -> np.ndarray:
    cols, rows = pattern
    grid = np.zeros((rows * cols, 3), np.float32)
    grid[:, :2] = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2) * square_mm
    return grid


def find_corners(image: np.ndarray, pattern=PATTERN) -> np.ndarray | None:
    """The board's inner corners to sub-pixel accuracy, (N, 1, 2) float32, or None."""
    import cv2

    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    found, corners = cv2.findChessboardCorners(
        grey, pattern, flags=cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE)
    if not found:
        return None
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-4)
    return cv2.cornerSubPix(grey, corners, (5, 5), (-1, -1), criteria)


def calibrate_camera(images: Iterable[np.ndarray], *, camera: str = "camera", pattern=PATTERN,
                     square_mm: float = SQUARE_MM, min_views: int = MIN_VIEWS,
                     max_rms_px: float = MAX_RMS_PX) -> CameraCalibration:
    """Calibrate from views of the checkerboard; raise ``CalibrationError`` saying why not."""
    import cv2

    corners, size, seen = [], None, 0
    for image in images:
        seen += 1
        h, w = image.shape[:2]
        if size is not None and (w, h) != size:
            raise CalibrationError(f"{camera}: views have different sizes ({size} and {(w, h)})")
        size = (w, h)
        found = find_corners(image, pattern)
        if found is not None:
            corners.append(found)
    if len(corners) < min_views:
        raise CalibrationError(f"{camera}: the board was found in {len(corners)} of {seen} views; "
                               f"at least {min_views} are needed (show the whole board, in focus, at several angles)")
    objects = [board_object_points(pattern, square_mm)] * len(corners)
    rms, k, dist, rvecs, _ = cv2.calibrateCamera(objects, corners, size, None, None)
    tilts = [np.degrees(np.arccos(abs(cv2.Rodrigues(r)[0][2, 2]))) for r in rvecs]
    if np.ptp(tilts) < MIN_TILT_SPREAD_DEG:
        raise CalibrationError(f"{camera}: the views are too alike (board tilts {min(tilts):.0f}-{max(tilts):.0f}°); "
                               f"tilt the board by at least {MIN_TILT_SPREAD_DEG:g}° more in some views")
    if not np.isfinite(rms) or rms > max_rms_px:
        raise CalibrationError(f"{camera}: reprojection error {rms:.2f} px is above {max_rms_px:g} px; "
                               "use a flat, well-lit board and sharp views")
    return CameraCalibration(camera, size[0], size[1], k, dist.ravel(), float(rms), len(corners))


def undistort(image: np.ndarray, calibration: CameraCalibration) -> np.ndarray:
    """The frame as an ideal pinhole camera would see it (same size and camera matrix)."""
    import cv2

    h, w = image.shape[:2]
    if (w, h) != (calibration.width, calibration.height):
        raise CalibrationError(f"{calibration.camera}: calibrated at {calibration.width}x{calibration.height}, "
                               f"frame is {w}x{h}; calibrate again at this resolution")
    return cv2.undistort(image, calibration.matrix, calibration.distortion)


def undistorted(frames, calibration: CameraCalibration):
    """The frames of a source, undistorted (``Frame`` objects in, ``Frame`` objects out)."""
    from dataclasses import replace

    for frame in frames:
        yield replace(frame, image=undistort(frame.image, calibration))


def board_figure(pattern=PATTERN, square_mm: float = SQUARE_MM):
    """A printable A4 (landscape) page with the board at true size and its square size."""
    from matplotlib.figure import Figure

    cols, rows = pattern[0] + 1, pattern[1] + 1
    width_mm, height_mm = 297.0, 210.0
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width_mm)
    ax.set_ylim(height_mm, 0)
    ax.set_axis_off()
    x0 = (width_mm - cols * square_mm) / 2
    y0 = (height_mm - rows * square_mm) / 2
    from matplotlib.patches import Rectangle

    for r in range(rows):
        for c in range(cols):
            if (r + c) % 2 == 0:
                ax.add_patch(Rectangle((x0 + c * square_mm, y0 + r * square_mm), square_mm, square_mm,
                                       color="black", linewidth=0))
    ax.text(width_mm / 2, height_mm - 6, f"facetrack calibration board: {pattern[0]}x{pattern[1]} inner corners, "
            f"squares {square_mm:g} mm. Print at 100 % (no scaling) and check one square with a ruler.",
            ha="center", va="center", fontsize=8)
    return fig


def synthetic_views(matrix: np.ndarray, distortion: np.ndarray, size: tuple[int, int],
                    poses: Sequence[tuple[np.ndarray, np.ndarray]], *, pattern=PATTERN,
                    square_mm: float = SQUARE_MM, supersample: int = 3) -> list[np.ndarray]:
    """Render the board as a camera with these intrinsics and distortion would see it.

    ``poses``: (rvec, tvec) of the board in camera coordinates (mm). Used to test the
    calibration against known answers.
    """
    import cv2

    w, h = size
    cols, rows = pattern[0] + 1, pattern[1] + 1
    px = 40  # texture pixels per square
    margin = px
    texture = np.full((rows * px + 2 * margin, cols * px + 2 * margin), 255, np.uint8)
    for r in range(rows):
        for c in range(cols):
            if (r + c) % 2 == 0:
                texture[margin + r * px: margin + (r + 1) * px, margin + c * px: margin + (c + 1) * px] = 0
    # texture pixel -> board mm: the first inner corner is at (margin + px, margin + px)
    s = square_mm / px
    tex_to_board = np.array([[s, 0, -(margin + px) * s], [0, s, -(margin + px) * s], [0, 0, 1]])
    # the distorted pixel grid -> ideal (undistorted) pixel coordinates
    ys, xs = np.mgrid[0:h * supersample, 0:w * supersample].astype(np.float32)
    grid = np.stack([(xs + 0.5) / supersample - 0.5, (ys + 0.5) / supersample - 0.5], axis=-1).reshape(-1, 1, 2)
    ideal = cv2.undistortPoints(grid, matrix, distortion, R=None, P=matrix, criteria=
                                    (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 40, 1e-6))
    ideal = ideal.reshape(h * supersample, w * supersample, 2)
    views = []
    for rvec, tvec in poses:
        r = cv2.Rodrigues(np.asarray(rvec, np.float64))[0]
        board_to_img = matrix @ np.column_stack([r[:, 0], r[:, 1], np.asarray(tvec, np.float64).ravel()])
        img_to_tex = np.linalg.inv(board_to_img @ tex_to_board)
        pts = np.concatenate([ideal, np.ones(ideal.shape[:2] + (1,), np.float32)], axis=-1) @ img_to_tex.T
        mapx = (pts[..., 0] / pts[..., 2]).astype(np.float32)
        mapy = (pts[..., 1] / pts[..., 2]).astype(np.float32)
        big = cv2.remap(texture, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
        views.append(cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA))
    return views
