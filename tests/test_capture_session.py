"""Guided capture end to end, on a video built from a real portrait with known bad stretches."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.capture.gates import Baseline, GateConfig, GateResult, evaluate, iod_px
from facetrack.ingest.guided import guided_capture
from facetrack.capture.session import (BurstFinder, CaptureCancelled, CaptureSettings, CheckedFrame,
                                       NoCaptureError)
from facetrack.capture.sources import Frame, video_frames
from facetrack.cli import main
from facetrack.errors import InputError
from facetrack.detect.landmarks import Landmarker
from facetrack.metrics import REGISTRY, compute_metrics, trimmed_mean
from facetrack.store import Store

from videos import FPS, PLAN, labels, stretches, write_video

GOOD = range(30, 60)  # the only good stretch long enough for hold + burst (see videos.PLAN)


@pytest.fixture(scope="module")
def clips(tmp_path_factory, measurer, grace_hopper):
    face = measurer.landmarker.detect(grace_hopper)
    images = stretches(grace_hopper, face.points, measurer.topology)
    root = tmp_path_factory.mktemp("clips")
    baseline_png = root / "baseline.png"
    cv2.imwrite(str(baseline_png), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    return {
        "images": images,
        "baseline_png": baseline_png,
        "session": write_video(root / "session.avi", images),
        "smiling": write_video(root / "smiling.avi", images, (("smiling", 30),)),
    }


@pytest.fixture
def store_with_baseline(tmp_path, clips):
    result = CliRunner().invoke(main, ["import", str(clips["baseline_png"]), "--data-dir", str(tmp_path),
                                       "--taken-at", "2026-11-01T09:00"])
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.fixture
def tracker(model_path):
    with Landmarker(model_path, video=True) as t:
        yield t


def counts(root):
    with Store.open(root) as store:
        return store.counts()


def test_the_video_has_the_stretches_it_claims(clips, measurer, grace_hopper):
    """Each kind of bad stretch fails the gate it is built to fail (and the good one passes)."""
    face = measurer.landmarker.detect(grace_hopper)
    baseline = Baseline(face.pose, iod_px(face, measurer.topology))
    expected = {"good": set(), "turned": {"yaw"}, "small": {"size"}, "blurred": {"sharpness"},
                "dark": {"exposure"}, "smiling": {"no_smile"}}
    for kind, image in clips["images"].items():
        results = evaluate(image, measurer.landmarker.detect_all(image), measurer.topology,
                           GateConfig(), baseline)
        failed = {r.name for r in results if not r.passed}
        assert expected[kind] <= failed and (failed or kind == "good"), (kind, failed)


def test_headless_capture_triggers_only_inside_the_good_stretch(clips, store_with_baseline, measurer):
    root = store_with_baseline
    result = CliRunner().invoke(main, ["capture", "--video", str(clips["session"]), "--no-preview",
                                       "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    with Store.open(root) as store:
        capture = store.captures("default")[-1]
        views = store.landmark_views(capture.id)
        baseline_capture = store.baseline("default")
    assert capture.taken_at_source == "capture" and capture.id != baseline_capture.id
    burst = sorted({v.kind.frame for v in views if v.kind.frame is not None})
    assert len(burst) == 15 and capture.quality.frames_measured == 15
    # the hold (0.7 s at 15 fps) comes first: the burst starts 11 frames into the stretch
    assert burst[0] >= GOOD.start + round(0.7 * FPS) and burst[-1] < GOOD.stop, burst
    assert capture.quality.frame_kept in burst and capture.image_path.suffix == ".png"
    # every stored burst frame, decoded again from the video, passes every gate
    frames = {f.index: f.image for f in video_frames(clips["session"]) if f.index in burst}
    face = measurer.landmarker.detect(cv2.cvtColor(cv2.imread(str(clips["baseline_png"])), cv2.COLOR_BGR2RGB))
    baseline = Baseline(face.pose, iod_px(face, measurer.topology))
    for index, image in frames.items():
        results = evaluate(image, measurer.landmarker.detect_all(image), measurer.topology,
                           GateConfig(), baseline)
        assert all(r.passed for r in results), (index, [r for r in results if not r.passed])
    # all metrics are there, from the 45 views (per frame: tracker, image mode, mirror image)
    assert set(capture.metrics) == {m.name for m in REGISTRY} and all(m.n >= 42 for m in capture.metrics.values())
    # each value balances the direct views against the mirrored ones (one in three), so the
    # model's left/right bias cancels: the average of the two groups' 20 % trimmed means
    mirrored = np.array([v.kind.mirrored for v in views])
    assert mirrored.sum() == 15 and (~mirrored).sum() == 30
    per_view = [compute_metrics(v.points, measurer.topology) for v in views]
    for name in ("mouth_corner_tilt", "brow_height_difference", "jaw_angle_mean", "cheek_fullness_left"):
        x = np.array([p[name] for p in per_view])
        expected = 0.5 * (trimmed_mean(x[mirrored]) + trimmed_mean(x[~mirrored]))
        assert capture.metrics[name].value == pytest.approx(expected, rel=1e-4, abs=1e-4), name


def test_a_source_without_a_good_stretch_names_the_gate_and_stores_nothing(clips, store_with_baseline):
    root = store_with_baseline
    before = counts(root)
    result = CliRunner().invoke(main, ["capture", "--video", str(clips["smiling"]), "--no-preview",
                                       "--data-dir", str(root)])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and str(clips["smiling"]) in line
    assert "no frame passed no_smile (best 0." in line and "relax your mouth" in line
    assert counts(root) == before


def test_status_and_baseline_commands(clips, store_with_baseline):
    root = store_with_baseline
    runner = CliRunner()
    status = runner.invoke(main, ["status", "--data-dir", str(root)])
    assert status.exit_code == 0 and "baseline: capture 1" in status.output
    assert "due" in status.output  # the only capture is from 2026-11-01
    capture = runner.invoke(main, ["capture", "--video", str(clips["session"]), "--no-preview",
                                   "--data-dir", str(root)])
    assert capture.exit_code == 0, capture.output
    status = runner.invoke(main, ["status", "--data-dir", str(root)])
    assert "next capture due on" in status.output and "last capture: 2" in status.output
    assert runner.invoke(main, ["baseline", "2", "--data-dir", str(root)]).exit_code == 0
    assert "baseline: capture 2" in runner.invoke(main, ["status", "--data-dir", str(root)]).output
    bad = runner.invoke(main, ["baseline", "99", "--data-dir", str(root)])
    assert bad.exit_code == 1 and "no capture 99" in bad.output


def test_empty_profile_status(tmp_path):
    result = CliRunner().invoke(main, ["status", "--data-dir", str(tmp_path), "--profile", "new"])
    assert result.exit_code == 0 and "no captures yet" in result.output


# --- the burst logic, table-driven on synthetic pass/fail sequences ---------------------------
def checked(index, passed, ms_per_frame=100):
    frame = Frame(np.zeros((2, 2, 3), np.uint8), index * ms_per_frame, index, "test")
    return CheckedFrame(frame, (object(),), (GateResult("g", passed, 0.0, "", ""),))


@pytest.mark.parametrize("pattern, first, expected", [
    # hold 0.3 s at 100 ms per frame: 3 frames of hold, then a burst of 3
    ("111111", True, [3, 4, 5]),
    ("11111", True, None),  # too short
    ("1111011111", True, None),  # a failure in the burst restarts the hold
    ("11111101111111", True, [3, 4, 5]),  # live: the first stretch wins
    ("11111101111111", False, [10, 11, 12]),  # scan: the longest stretch wins
    ("0001111110", False, [6, 7, 8]),
])
def test_burst_finder(pattern, first, expected):
    finder = BurstFinder(CaptureSettings(hold_s=0.3, burst=3), first=first)
    for i, c in enumerate(pattern):
        finder.update(checked(i, c == "1"))
        if finder.finished:
            break
    burst = finder.result()
    assert (None if burst is None else [c.frame.index for c in burst]) == expected


def test_manual_trigger_takes_the_next_frames_whatever_the_gates():
    finder = BurstFinder(CaptureSettings(hold_s=0.3, burst=3), first=True)
    finder.update(checked(0, False))
    finder.trigger()
    for i in range(1, 4):
        finder.update(checked(i, False))
    assert finder.finished and [c.frame.index for c in finder.result()] == [1, 2, 3]


# --- the live loop with a scripted display ------------------------------------------------------
class ScriptedDisplay:
    def __init__(self, keys):
        self.keys, self.shown = dict(keys), []

    def show(self, image):
        self.shown.append(image)

    def key(self):
        return self.keys.get(len(self.shown) - 1)


def test_esc_cancels_and_stores_nothing(clips, store_with_baseline, measurer, tracker):
    root = store_with_baseline
    before = counts(root)
    display = ScriptedDisplay({40: "cancel"})
    with Store.open(root) as store, pytest.raises(CaptureCancelled):
        guided_capture(video_frames(clips["session"]), store=store, measurer=measurer, tracker=tracker,
                       profile="default", display=display, source="session")
    assert len(display.shown) == 41 and counts(root) == before
    # the preview is mirrored; the measured frames are not
    first = next(video_frames(clips["session"])).image
    assert np.abs(display.shown[0][60:, :].astype(int) - first[60:, ::-1]).mean() < 40
    assert np.abs(display.shown[0][60:, :].astype(int) - first[60:, :]).mean() > \
        np.abs(display.shown[0][60:, :].astype(int) - first[60:, ::-1]).mean()


def test_space_captures_manually_and_says_so(clips, store_with_baseline, measurer, tracker):
    root = store_with_baseline
    display = ScriptedDisplay({1: "capture"})  # during the turned stretch
    with Store.open(root) as store:
        outcome = guided_capture(video_frames(clips["session"]), store=store, measurer=measurer,
                                 tracker=tracker, profile="default", display=display, source="session")
        capture = next(c for c in store.captures("default") if c.id == outcome.capture_id)
    assert capture.quality.manual is True and capture.quality.failed_gates
    assert max(outcome.measured.kept) < GOOD.start  # taken at once, not from the good stretch


# --- cameras that fail --------------------------------------------------------------------------
def test_a_camera_that_cannot_be_opened(tmp_path, monkeypatch):
    class Closed:
        def __init__(self, index):
            pass

        def isOpened(self):
            return False

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoCapture", Closed)
    result = CliRunner().invoke(main, ["capture", "--camera", "3", "--no-preview", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == \
        "error: camera 3: cannot be opened (is it connected and not used by another app?)"
    assert counts(tmp_path)["captures"] == 0


def test_a_camera_that_stops_mid_session_stores_nothing(tmp_path, monkeypatch, grace_hopper):
    bgr = cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR)

    class Dying:
        """Delivers 20 good frames (not enough for hold + burst at 30 fps), then nothing."""

        def __init__(self, index):
            self.reads = 0

        def isOpened(self):
            return True

        def set(self, *args):
            return True

        def read(self):
            self.reads += 1
            return (True, bgr.copy()) if self.reads <= 20 else (False, None)

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoCapture", Dying)
    result = CliRunner().invoke(main, ["capture", "--camera", "0", "--no-preview", "--data-dir", str(tmp_path),
                                       "--gate", "max_pitch=10"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: camera 0: stopped delivering frames after 20 frames"
    assert counts(tmp_path)["captures"] == 0


def test_gate_flags_are_checked(tmp_path, clips):
    result = CliRunner().invoke(main, ["capture", "--video", str(clips["session"]), "--no-preview",
                                       "--data-dir", str(tmp_path), "--gate", "max_wobble=3"])
    assert result.exit_code == 2 and "max_wobble=3" in result.output


def test_no_frames_at_all(tmp_path, store_with_baseline, measurer, tracker):
    with Store.open(store_with_baseline) as store, pytest.raises(NoCaptureError, match="delivered no frames"):
        guided_capture(iter(()), store=store, measurer=measurer, tracker=tracker, profile="default",
                       source="empty")


def test_labels_match_the_plan():
    assert len(labels()) == sum(n for _, n in PLAN)
    assert labels()[GOOD.start:GOOD.stop] == ["good"] * len(GOOD)


def test_folder_source_scans_like_a_video(tmp_path, clips, store_with_baseline):
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i, kind in enumerate(["dark"] * 3 + ["good"] * 20):
        noisy = np.clip(clips["images"][kind] + rng.normal(0, 2, clips["images"][kind].shape), 0, 255)
        cv2.imwrite(str(folder / f"{i:03d}.png"), cv2.cvtColor(noisy.astype(np.uint8), cv2.COLOR_RGB2BGR))
    result = CliRunner().invoke(main, ["capture", "--images", str(folder), "--no-preview", "--burst", "5",
                                       "--data-dir", str(store_with_baseline)])
    assert result.exit_code == 0, result.output
    with Store.open(store_with_baseline) as store:
        capture = store.captures("default")[-1]
    assert capture.quality.frame_kept >= 3 + 7  # after the dark frames and a 0.7 s hold at 100 ms


def test_a_missing_video_raises_input_error_on_the_first_frame():
    with pytest.raises(InputError, match="no such video file"):
        next(video_frames("/nonexistent/clip.mp4"))


def test_the_same_frame_twice_is_refused_not_duplicated(tmp_path, clips, store_with_baseline):
    folder = tmp_path / "same"
    folder.mkdir()
    for i in range(12):  # the baseline photo itself, 12 times: every frame is the stored one
        (folder / f"{i:03d}.png").write_bytes(clips["baseline_png"].read_bytes())
    before = counts(store_with_baseline)
    result = CliRunner().invoke(main, ["capture", "--images", str(folder), "--no-preview", "--burst", "3",
                                       "--data-dir", str(store_with_baseline)])
    assert result.exit_code == 1 and "already stored as capture 1" in result.output
    assert counts(store_with_baseline) == before
