"""The guidance overlay: frame + gate results + baseline -> the image the user sees.

``render_overlay`` is a pure function. It mirrors the frame (people expect a preview to
behave like a mirror), then draws on it: the most important instruction, pose indicators,
a ghost of the baseline capture's outline to line up with, the subject's current outline,
and a countdown or burst progress once every gate passes. The measured frame is never
touched: the caller keeps the original.

Everything given in image coordinates (landmarks, the ghost) is in the unmirrored frame's
pixels; mirroring them is this module's job, so callers never do geometry in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrack.topology import FaceTopology
from facetrack.capture.gates import GateResult, first_failure

#: The ghost outline: (group, closed) pairs, drawn as polylines.
OUTLINE_GROUPS: tuple[tuple[str, bool], ...] = (
    ("face_oval", True), ("eye_right", True), ("eye_left", True),
    ("brow_upper_right", False), ("brow_upper_left", False),
    ("nose_ridge", False), ("lips_outer", True),
)

GHOST = (255, 255, 255)
PASS = (60, 200, 90)
FAIL = (235, 80, 60)
INK = (255, 255, 255)
BANNER = (25, 25, 25)
FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


def outline_polylines(points: np.ndarray, topology: FaceTopology) -> tuple[np.ndarray, ...]:
    """The face's outline (jaw and cheeks, eyes, brows, nose, lips) as (N, 2) pixel polylines."""
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    return tuple(pts[topology.idx(name)] for name, _ in OUTLINE_GROUPS)


@dataclass(frozen=True)
class Progress:
    """Where the auto-capture is: holding still (seconds left) or taking the burst."""

    hold_left_s: float | None = None
    burst_taken: int | None = None
    burst_size: int | None = None


def guidance_lines(results: list[GateResult], progress: Progress | None = None) -> list[str]:
    """The text the overlay writes, most important first (ASCII, for OpenCV's fonts)."""
    failing = first_failure(results)
    if failing is not None:
        lines = [failing.instruction]
        others = sum(1 for r in results if not r.passed) - 1
        if others > 0:
            lines.append(f"({others} more to fix after this)")
        return lines
    if progress and progress.burst_taken is not None:
        return [f"capturing {progress.burst_taken}/{progress.burst_size} - hold still"]
    if progress and progress.hold_left_s is not None:
        return [f"perfect - hold still {progress.hold_left_s:.1f} s"]
    return ["perfect - hold still"]


def _mirror_x(points: np.ndarray, width: int, mirror: bool) -> np.ndarray:
    pts = np.array(points, dtype=np.float64)[:, :2]
    if mirror:
        pts[:, 0] = width - pts[:, 0]
    return pts


def _polyline(canvas, pts, closed, colour, thickness):
    import cv2

    cv2.polylines(canvas, [np.round(pts).astype(np.int32).reshape(-1, 1, 2)], closed, colour,
                  thickness, cv2.LINE_AA)


def _text_width(text: str, scale: float) -> int:
    import cv2

    return cv2.getTextSize(text, FONT, scale, max(1, int(2 * scale)))[0][0]


def banner_layout(lines: list[str], width: int) -> list[tuple[str, float]]:
    """The banner's lines as drawn on a frame ``width`` px wide: (text, font scale) each.

    The first line (the instruction) is set at the frame's text scale, the others at 0.7 of
    it. A line wider than the banner wraps at spaces; a single word still too wide is set
    smaller until it fits, so no text is ever cut at the right edge.
    """
    scale = max(width / 900.0, 0.45)
    room = width - int(18 * scale) - max(4, int(8 * scale))  # the left inset and a right margin
    drawn: list[tuple[str, float]] = []
    for i, line in enumerate(lines):
        size = scale * (1.0 if i == 0 else 0.7)
        row = ""
        for word in line.split():
            candidate = f"{row} {word}" if row else word
            if row and _text_width(candidate, size) > room:
                drawn.append((row, size))
                candidate = word
            row = candidate
        drawn.append((row, size))
    return [(text, _fitting(text, size, room)) for text, size in drawn]


def _fitting(text: str, scale: float, room: int) -> float:
    while scale > 0.1 and _text_width(text, scale) > room:
        scale *= 0.9
    return scale


def _banner(canvas: np.ndarray, lines: list[str], colour) -> None:
    import cv2

    scale = max(canvas.shape[1] / 900.0, 0.45)
    rows = banner_layout(lines, canvas.shape[1])
    step = int(34 * scale)
    height = min(step * len(rows) + int(12 * scale), canvas.shape[0])
    band = canvas[:height]
    cv2.addWeighted(band, 0.35, np.full_like(band, BANNER), 0.65, 0, dst=band)
    cv2.rectangle(canvas, (0, 0), (int(8 * scale), height), colour, -1)
    for i, (text, size) in enumerate(rows):
        cv2.putText(canvas, text, (int(18 * scale), step * (i + 1) - int(4 * scale)), FONT,
                    size, INK, max(1, int(2 * size)), cv2.LINE_AA)


def _pose_indicator(canvas: np.ndarray, results: list[GateResult], mirror: bool) -> None:
    """A target box: the dot is (yaw, pitch) from the reference, the box the tolerance,
    the bar underneath the roll. In a mirrored preview the dot moves the way the head does."""
    import cv2

    by_name = {r.name: r for r in results}
    if not {"yaw", "pitch", "roll"} <= set(by_name):
        return
    h, w = canvas.shape[:2]
    size = max(int(min(w, h) * 0.16), 40)
    x0, y0 = int(0.03 * w), h - size - int(0.05 * h)
    centre = np.array([x0 + size / 2, y0 + size / 2])
    span = 15.0  # degrees from the centre to the box's edge
    # a pose gate's tolerance is |value| - excess
    tol = [abs(r.value) - r.excess for r in (by_name["yaw"], by_name["pitch"])]
    cv2.rectangle(canvas, (x0, y0), (x0 + size, y0 + size), BANNER, -1)
    half = np.array(tol) / span * size / 2
    cv2.rectangle(canvas, tuple(np.round(centre - half).astype(int)), tuple(np.round(centre + half).astype(int)),
                  PASS, 1)
    yaw, pitch = by_name["yaw"].value, by_name["pitch"].value
    dx = (-yaw if mirror else yaw) / span * size / 2
    dot = centre + np.clip([dx, -pitch / span * size / 2], -size / 2, size / 2)
    ok = by_name["yaw"].passed and by_name["pitch"].passed
    cv2.circle(canvas, tuple(np.round(dot).astype(int)), max(3, size // 14), PASS if ok else FAIL, -1)
    angle = np.radians(-by_name["roll"].value if mirror else by_name["roll"].value)
    centre = np.array([centre[0], y0 + size + 12])
    arm = size / 2 * np.array([np.cos(angle), -np.sin(angle)])
    cv2.line(canvas, tuple(np.round(centre - arm).astype(int)), tuple(np.round(centre + arm).astype(int)),
             PASS if by_name["roll"].passed else FAIL, 2, cv2.LINE_AA)


def render_overlay(frame: np.ndarray, results: list[GateResult], *,
                   face_points: np.ndarray | None = None,
                   ghost: tuple[np.ndarray, ...] | None = None,
                   topology: FaceTopology | None = None,
                   progress: Progress | None = None, mirror: bool = True) -> np.ndarray:
    """The preview image for one frame (RGB uint8, a new array; ``frame`` is not modified).

    ``face_points``: the current landmarks (drawn as a thin outline, needs ``topology``);
    ``ghost``: the baseline's outline polylines (``outline_polylines`` of its landmarks),
    in the same camera's pixel coordinates; ``progress``: the hold countdown or the burst.
    """
    import cv2

    h, w = frame.shape[:2]
    canvas = cv2.flip(frame, 1) if mirror else frame.copy()
    failing = first_failure(results)
    colour = PASS if failing is None else FAIL
    if ghost:
        lines = [_mirror_x(line, w, mirror) for line in ghost]
        # blend only the ghost's bounding box: the rest of the frame is left as it is
        every = np.concatenate(lines)
        x0, y0 = np.clip(np.floor(every.min(axis=0)).astype(int) - 4, 0, [w, h])
        x1, y1 = np.clip(np.ceil(every.max(axis=0)).astype(int) + 5, 0, [w, h])
        if x1 > x0 and y1 > y0:
            region = canvas[y0:y1, x0:x1]
            layer = region.copy()
            for line, (_, closed) in zip(lines, OUTLINE_GROUPS):
                _polyline(layer, line - [x0, y0], closed, GHOST, max(2, w // 300))
            cv2.addWeighted(layer, 0.6, region, 0.4, 0, dst=region)
    if face_points is not None and topology is not None:
        oval = np.asarray(face_points)[topology.idx("face_oval")]
        _polyline(canvas, _mirror_x(oval, w, mirror), True, colour, 1)
    _pose_indicator(canvas, results, mirror)
    _banner(canvas, guidance_lines(results, progress), colour)
    if failing is None and progress is not None:
        done = (progress.burst_taken / progress.burst_size if progress.burst_taken is not None
                else 0.0)
        cv2.rectangle(canvas, (0, h - 8), (int(w * done), h), PASS, -1)
    return canvas
