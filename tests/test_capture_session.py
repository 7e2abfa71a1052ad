"""Guided capture end to end, on a video built from a real portrait with known bad stretches.

The stores here start with an imported photo (the profile's baseline for the verdicts); it is never
the capture's reference: only a guided capture is (``ingest.guided.capture_reference``).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.capture.gates import Baseline, GateConfig, GateResult, evaluate, iod_px
from facetrack.ingest.guided import capture_reference, guided_capture
from facetrack.capture.session import (BurstFinder, CaptureCancelled, CaptureSettings, CheckedFrame,
                                       NoCaptureError, ReferenceWatch)
from facetrack.capture.sources import Frame, video_frames
from facetrack.cli import main
from facetrack.errors import InputError
from facetrack.detect.landmarks import Landmarker
from facetrack.metrics import REGISTRY, compute_metrics, trimmed_mean
from facetrack.store import Store

from videos import FPS, PLAN, labels, smaller, stretches, write_video

GOOD = range(30, 60)  # the only good stretch long enough for hold + burst (see videos.PLAN)
#: The portrait's chin is lowered about 6 degrees, a still cannot raise it, and without a guided
#: capture to line up with the absolute check asks for level within 5: these captures allow 8.
PORTRAIT = GateConfig(max_pitch=8.0)
PORTRAIT_GATE = ["--gate", "max_pitch=8"]


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
                                       "--data-dir", str(root), *PORTRAIT_GATE])
    assert result.exit_code == 0, result.output
    with Store.open(root) as store:
        capture = store.captures("default")[-1]
        views = store.landmark_views(capture.id)
        baseline_capture = store.baseline("default")
    assert capture.taken_at_source == "capture" and capture.id != baseline_capture.id
    assert "first guided capture" in result.output  # the imported photo was no reference
    burst = sorted({v.kind.frame for v in views if v.kind.frame is not None})
    assert len(burst) == 15 and capture.quality.frames_measured == 15
    # the hold (0.7 s at 15 fps) comes first: the burst starts 11 frames into the stretch
    assert burst[0] >= GOOD.start + round(0.7 * FPS) and burst[-1] < GOOD.stop, burst
    assert capture.quality.frame_kept in burst and capture.image_path.suffix == ".png"
    # every stored burst frame, decoded again from the video, passes every gate (against the
    # portrait's own pose and size, which the good stretch shows)
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
                                       "--data-dir", str(root), *PORTRAIT_GATE])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and str(clips["smiling"]) in line
    # (the warped smile also reads as a lowered chin, which no reference excuses now)
    assert "no frame passed " in line and " no_smile (best 0." in line and "relax your mouth" in line
    assert counts(root) == before


# --- the reference: the latest guided capture, never an imported photo, never a dead end ----------
def noisy_frames(image, n, *, seed=0, start=0):
    """``n`` frames of ``image`` 100 ms apart, each with its own sensor noise."""
    rng = np.random.default_rng(seed)
    return [Frame(np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8), 100 * i, i, "frames")
            for i in range(start, start + n)]


@pytest.fixture
def store_with_closer_photo(tmp_path, clips):
    """A profile whose baseline is an imported photo framed much closer (another camera, another
    day): against it every frame of the session would be "too close"."""
    closer = tmp_path / "closer.png"
    cv2.imwrite(str(closer), cv2.cvtColor(smaller(clips["images"]["good"], 1.4), cv2.COLOR_RGB2BGR))
    result = CliRunner().invoke(main, ["import", str(closer), "--data-dir", str(tmp_path / "store"),
                                       "--taken-at", "2026-10-01T09:00"])
    assert result.exit_code == 0, result.output
    return tmp_path / "store"


def test_an_imported_photo_framed_differently_is_not_the_reference(clips, store_with_closer_photo, measurer,
                                                                   tracker):
    with Store.open(store_with_closer_photo) as store:
        imported = store.baseline("default")
        assert capture_reference(store.captures("default")) is None
        outcome = guided_capture(video_frames(clips["session"]), store=store, measurer=measurer, tracker=tracker,
                                 profile="default", first=False, source="session", config=PORTRAIT)
        assert outcome.baseline_id is None and store.baseline("default").id == imported.id
        assert capture_reference(store.captures("default")).id == outcome.capture_id
    assert min(outcome.measured.kept) >= GOOD.start and max(outcome.measured.kept) < GOOD.stop


def test_the_latest_guided_capture_is_the_reference_until_it_alone_holds_the_capture_back(
        clips, store_with_baseline, measurer, model_path):
    root = store_with_baseline
    first = CliRunner().invoke(main, ["capture", "--video", str(clips["session"]), "--no-preview",
                                      "--data-dir", str(root), *PORTRAIT_GATE])
    assert first.exit_code == 0, first.output
    further = smaller(clips["images"]["good"], 0.8)  # 20 % smaller than the guided capture: too far
    with Store.open(root) as store:
        guided = store.captures("default")[-1]
        assert capture_reference(store.captures("default")).id == guided.id
        # 4 s of frames failing only the distance to the reference: not yet given up on
        with Landmarker(model_path, video=True) as tracker, pytest.raises(NoCaptureError) as refused:
            guided_capture(noisy_frames(further, 40), store=store, measurer=measurer, tracker=tracker,
                           profile="default", first=False, source="further", config=PORTRAIT)
        assert "no frame passed size" in refused.value.details
        assert refused.value.advice.startswith("You were too far from the camera")
        # kept longer, the reference is let go after 5 s and the absolute checks take the photo
        with Landmarker(model_path, video=True) as tracker:
            outcome = guided_capture(noisy_frames(further, 80, seed=1), store=store, measurer=measurer,
                                     tracker=tracker, profile="default", first=False, source="further", config=PORTRAIT)
    assert outcome.baseline_id == guided.id
    assert min(outcome.measured.kept) >= 50 + round(0.7 * 10)  # after the 5 s and the 0.7 s hold


@pytest.mark.parametrize("failing, absolute_passes, blocked", [
    ({"size"}, True, True),
    ({"yaw", "size"}, True, True),
    ({"size", "no_smile"}, True, False),  # the smile is the person's to fix, not the reference's
    ({"size"}, False, False),  # too small even on its own: the absolute check says so
    (set(), True, False),
])
def test_only_frames_held_back_by_the_reference_alone_count_towards_letting_it_go(failing, absolute_passes,
                                                                                blocked):
    def results(names):
        return [GateResult(n, n not in names, 0.0, "", "") for n in ("one_face", "yaw", "size", "no_smile")]

    watch = ReferenceWatch(1.0)
    verdicts = [watch.blocked(100 * i, results(failing), lambda: results(set() if absolute_passes else {"size"}))
                for i in range(12)]
    assert verdicts[-1] is blocked and verdicts[9] is False  # 1 s counts from the second frame on
    assert ReferenceWatch(None).blocked(0, results({"size"}), lambda: results(set())) is False
    with pytest.raises(ValueError, match="reference_patience_s must be a positive number"):
        CaptureSettings(reference_patience_s=0)


def test_status_and_baseline_commands(clips, store_with_baseline):
    root = store_with_baseline
    runner = CliRunner()
    status = runner.invoke(main, ["status", "--data-dir", str(root)])
    assert status.exit_code == 0 and "baseline: capture 1" in status.output
    assert "due" in status.output  # the only capture is from 2026-11-01
    capture = runner.invoke(main, ["capture", "--video", str(clips["session"]), "--no-preview",
                                   "--data-dir", str(root), *PORTRAIT_GATE])
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
                                       "--data-dir", str(store_with_baseline), *PORTRAIT_GATE])
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
                                       "--data-dir", str(store_with_baseline), *PORTRAIT_GATE])
    assert result.exit_code == 1 and "already stored as capture 1" in result.output
    assert counts(store_with_baseline) == before


def test_after_an_imported_photo_framed_closer_a_real_webcam_capture_succeeds_and_leads_the_next(
        tmp_path, webcam_clip, measurer, model_path):
    """The issue's story on the real clip: an older photo of the man, framed closer, is imported
    (the baseline); the camera's captures still succeed, the second lining up with the first."""
    from common import long_neutral_webcam_clip

    from facetrack.capture.session import SUGGESTED_STUCK_S

    clip = long_neutral_webcam_clip(webcam_clip, tmp_path / "neutral.avi")
    still = next(f.image for f in video_frames(clip) if f.index == 5)
    photo = tmp_path / "older.png"
    cv2.imwrite(str(photo), cv2.cvtColor(smaller(still, 1.5), cv2.COLOR_RGB2BGR))
    root = tmp_path / "store"
    imported = CliRunner().invoke(main, ["import", str(photo), "--data-dir", str(root), "--taken-at", "2026-10-01"])
    assert imported.exit_code == 0, imported.output
    settings = CaptureSettings(stop_when_stuck_s=SUGGESTED_STUCK_S)  # as the app runs it
    brighter = (Frame(np.clip(f.image.astype(np.int16) + 6, 0, 255).astype(np.uint8), f.timestamp_ms, f.index,
                      f.source) for f in video_frames(clip))
    with Store.open(root) as store:
        outcomes = []
        for frames in (video_frames(clip), brighter):
            with Landmarker(model_path, video=True) as tracker:
                outcomes.append(guided_capture(frames, store=store, measurer=measurer, tracker=tracker,
                                               profile="default", settings=settings, source="camera"))
        assert store.baseline("default").taken_at_source != "capture"  # the import stays the baseline
    assert outcomes[0].baseline_id is None and outcomes[1].baseline_id == outcomes[0].capture_id
