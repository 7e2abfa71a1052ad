"""The guidance overlay on real frames: the right instruction is written, the ghost is where
the baseline's face was, and the preview (only the preview) is mirrored."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facetrack.capture.gates import INSTRUCTIONS, Baseline, GateConfig, GateResult, evaluate, first_failure, iod_px
from facetrack.capture.overlay import (FONT, OUTLINE_GROUPS, Progress, banner_layout, guidance_lines,
                                       outline_polylines, render_overlay)

from test_capture_gates import half_dark, rolled, shifted
from videos import stretches


@pytest.fixture(scope="module")
def setup(measurer, grace_hopper):
    face = measurer.landmarker.detect(grace_hopper)
    images = stretches(grace_hopper, face.points, measurer.topology)
    images.update({"uneven": half_dark(grace_hopper), "rolled": rolled(grace_hopper, 10),
                   "off_centre": shifted(grace_hopper, 160), "empty": np.full_like(grace_hopper, 128)})
    return face, images


def banner_text_width(image, row_height):
    """Width of the bright (text) pixels in the banner's first line."""
    band = image[: row_height, 20:].astype(int)
    bright = np.flatnonzero((band.min(axis=2) > 200).any(axis=0))
    return 0 if bright.size == 0 else bright[-1] - bright[0] + 1


@pytest.mark.parametrize("kind, gate, words", [
    ("turned", "yaw", "turn your head slightly to your"),
    ("small", "size", "move a little closer"),
    ("blurred", "sharpness", "blurred"),
    ("dark", "exposure", "too dark"),
    ("uneven", "even_light", "the light is uneven"),
    ("rolled", "roll", "level your head"),
    ("off_centre", "centred", "move a little to your"),
    ("smiling", "no_smile", "relax your mouth"),
    ("empty", "one_face", "no face found"),
])
def test_the_instruction_of_the_failing_gate_is_written(setup, measurer, kind, gate, words):
    face, images = setup
    image = np.ascontiguousarray(images[kind])
    faces = measurer.landmarker.detect_all(image)
    # the baseline is the good portrait; for the smile, its own pose (so only the mouth differs)
    pose = faces[0].pose if kind == "smiling" else face.pose
    results = evaluate(image, faces, measurer.topology, GateConfig(),
                       Baseline(pose, iod_px(face, measurer.topology)))
    failing = first_failure(results)
    assert failing is not None and failing.name == gate and words in failing.instruction
    lines = guidance_lines(results)
    assert lines[0] == failing.instruction
    out = render_overlay(image, results, face_points=faces[0].points if faces else None,
                         topology=measurer.topology)
    assert out.shape == image.shape and out.dtype == np.uint8
    # the instruction's words are all drawn, and the first line is as wide as its text in
    # the overlay's font
    rows = banner_layout(lines, image.shape[1])
    assert " ".join(text for text, _ in rows).startswith(failing.instruction)
    scale = max(image.shape[1] / 900.0, 0.45)
    text, size = rows[0]
    expected = cv2.getTextSize(text, FONT, size, max(1, int(2 * size)))[0][0]
    assert abs(banner_text_width(out, int(34 * scale)) - expected) <= 0.08 * expected + 4


def every_instruction():
    """Each instruction a gate can give, templates filled with their widest values."""
    return [text.format(n=10, side="right") for text in INSTRUCTIONS.values()]


@pytest.mark.parametrize("width", [320, 400, 512, 640, 960, 1280, 1920])
def test_every_instruction_fits_the_frame(width):
    """Drawn at the frame's width, no instruction loses a word or a pixel at the right edge."""
    height = width * 3 // 4
    frame = np.zeros((height, width, 3), np.uint8)
    for text in every_instruction():
        rows = banner_layout([text, "(3 more to fix after this)"], width)
        # wrapping keeps every word, in order
        assert " ".join(t for t, _ in rows) == text + " (3 more to fix after this)"
        results = [GateResult("yaw", False, 9.0, "±5°", text, 4.0)]
        out = render_overlay(frame, results, mirror=False)
        ink = np.argwhere(out.min(axis=2) > 200)  # white text on the dark banner
        assert ink.size, text
        # the text stops short of the right edge: nothing was cut
        assert ink[:, 1].max() < width - 2, (width, text)
        assert ink[:, 0].max() < height // 2, (width, text)


def test_a_long_line_wraps_and_a_short_one_does_not():
    assert len(banner_layout([INSTRUCTIONS["uneven"].format(side="right")], 512)) >= 2
    assert len(banner_layout([INSTRUCTIONS["closer"]], 1280)) == 1


def test_all_pass_shows_the_countdown_then_the_burst(setup, measurer):
    face, images = setup
    image = images["good"]
    results = evaluate(image, [face], measurer.topology, GateConfig(),
                       Baseline(face.pose, iod_px(face, measurer.topology)))
    assert first_failure(results) is None
    assert guidance_lines(results, Progress(hold_left_s=0.4)) == ["perfect - hold still 0.4 s"]
    assert guidance_lines(results, Progress(burst_taken=3, burst_size=15)) == ["capturing 3/15 - hold still"]
    plain = render_overlay(image, results, progress=Progress(burst_taken=0, burst_size=15))
    half = render_overlay(image, results, progress=Progress(burst_taken=8, burst_size=15))
    # the progress bar along the bottom grows with the burst
    assert np.abs(half[-4:].astype(int) - plain[-4:].astype(int)).sum(axis=2).astype(bool).mean() > 0.4


def test_the_ghost_is_drawn_where_the_baseline_face_was(setup, measurer):
    face, images = setup
    h, w = images["good"].shape[:2]
    canvas = np.full((h, w, 3), 60, np.uint8)  # a plain frame, so every change is the overlay's
    results = evaluate(canvas, [], measurer.topology)
    ghost = outline_polylines(face.points, measurer.topology)
    with_ghost = render_overlay(canvas, results, ghost=ghost).astype(int)
    without = render_overlay(canvas, results).astype(int)
    changed = np.argwhere(np.abs(with_ghost - without).sum(axis=2) > 30)[:, ::-1]  # (x, y)
    assert len(changed) > 500
    # dense points along the mirrored outline (the preview is a mirror)
    ends = [(line, np.roll(line, -1, axis=0)) if closed else (line[:-1], line[1:])
            for line, (_, closed) in zip(ghost, OUTLINE_GROUPS)]
    dense = np.concatenate([np.linspace(a, b, 12) for starts, stops in ends for a, b in zip(starts, stops)])
    dense[:, 0] = w - dense[:, 0]
    nearest = np.min(np.linalg.norm(changed[:, None, :] - dense[None, :, :], axis=2), axis=1)
    assert np.quantile(nearest, 0.99) < 4.0
    # and the whole face oval is covered
    oval = face.points[measurer.topology.idx("face_oval"), :2].copy()
    oval[:, 0] = w - oval[:, 0]
    gaps = np.min(np.linalg.norm(oval[:, None, :] - changed[None, :, :], axis=2), axis=1)
    assert gaps.max() < 2.5
    # unmirrored, the ghost sits on the baseline's own pixels
    flat = render_overlay(canvas, results, ghost=ghost, mirror=False).astype(int)
    plain = render_overlay(canvas, results, mirror=False).astype(int)
    moved = np.argwhere(np.abs(flat - plain).sum(axis=2) > 30)[:, ::-1]
    raw = face.points[measurer.topology.idx("face_oval"), :2]
    assert np.min(np.linalg.norm(raw[:, None, :] - moved[None, :, :], axis=2), axis=1).max() < 2.5


def test_the_frame_is_not_modified(setup, measurer):
    face, images = setup
    image = images["good"].copy()
    before = image.copy()
    results = evaluate(image, [face], measurer.topology)
    render_overlay(image, results, face_points=face.points, topology=measurer.topology,
                   ghost=outline_polylines(face.points, measurer.topology))
    assert np.array_equal(image, before)


def test_pose_indicator_moves_like_a_mirror(setup, measurer):
    """Yaw > 0 (turned to the subject's left) puts the dot left of centre in the mirrored preview."""
    face, images = setup
    image = np.full_like(images["good"], 60)
    base = evaluate(images["good"], [face], measurer.topology)
    from dataclasses import replace

    def dot_x(yaw, mirror):
        results = [replace(r, value=yaw, passed=False, excess=abs(yaw) - 5) if r.name == "yaw" else r
                   for r in base]
        out = render_overlay(image, results, mirror=mirror).astype(int)
        red = np.argwhere((out[..., 0] > 200) & (out[..., 1] < 120))
        return red[:, 1].mean()

    assert dot_x(10.0, True) < dot_x(-10.0, True)
    assert dot_x(10.0, False) > dot_x(-10.0, False)
