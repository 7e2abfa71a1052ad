"""Capture benchmarks: the live loop's per-frame latency, and headless capture on real webcam video.

1. Live-loop latency on 640x480 video: decode -> landmarks (video mode, every frame) ->
   face count (image mode, every 0.5 s of frames, as ``guided_capture`` does) -> gates ->
   overlay, per frame, p50 and p95. Target: p95 <= 33 ms (keeps up with 30 fps).
   Run on tests/data/single_face.mp4 padded to 640x480 when present, and always on a
   640x480 clip built from grace_hopper.
2. Headless capture on tests/data (skipped, with a note, when absent):
   - single_face.mp4 with its neutral frames looped to 4 s, then its smiling frames
     (common.long_neutral_webcam_clip), at the default hold and burst: the burst must come
     from the neutral part. The clip as it is (18 neutral frames, where a capture needs 36)
     must be refused by the expression gate.
   - face_noface.mov: the face leaves the frame; the capture must cope (one_face fails
     there) and still take its burst from the frames with the face.
3. `facetrack capture --video` on the grace_hopper clip as a whole process: wall time and
   peak memory.
4. The early stop (``CaptureSettings.stop_when_stuck_s``, as the app uses it) on a clip that
   cannot pass: single_face.mp4's smiling frames played back and forth as a live camera for
   two minutes. Prints the frame it stops at (by the frames' timestamps) and the sentence.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import SHARED_DATA, long_neutral_webcam_clip, run_measured

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 33.0


def _write_640x480(frames, path: Path, fps: float = 30.0) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 480))
    for rgb in frames:
        h, w = rgb.shape[:2]
        scale = min(640 / w, 480 / h)
        small = cv2.resize(rgb, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((480, 640, 3), np.uint8)
        y0, x0 = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
        canvas[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
        writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


STAGES = ("decode", "landmarks", "count", "gates", "overlay")


def loop_latency(video: Path, model_path: Path, topology, passes: int = 3) -> dict[str, np.ndarray]:
    """Per-frame ms of decode -> landmarks -> face count -> gates -> overlay, over ``passes`` runs
    of the clip: {"total": ..., and each of ``STAGES``}."""
    from dataclasses import replace

    from facetrack.capture.gates import evaluate
    from facetrack.capture.overlay import outline_polylines, render_overlay
    from facetrack.capture.session import CaptureSettings, FaceCounter
    from facetrack.capture.sources import video_frames
    from facetrack.detect.landmarks import Landmarker

    times: dict[str, list[float]] = {k: [] for k in ("total", *STAGES)}
    with Landmarker(model_path, video=True) as tracker, Landmarker(model_path) as image_mode:
        counter = FaceCounter(image_mode, CaptureSettings().count_faces_every_s)
        ghost = None
        offset = 0
        for _ in range(passes):
            frames = video_frames(video)
            last = 0
            while True:
                t0 = time.perf_counter()
                frame = next(frames, None)
                if frame is None:
                    break
                frame = replace(frame, timestamp_ms=offset + frame.timestamp_ms)
                t1 = time.perf_counter()
                faces = tuple(tracker.detect_all(frame.image, frame.timestamp_ms))
                t2 = time.perf_counter()
                faces = list(counter.faces(frame, faces))
                t3 = time.perf_counter()
                results = evaluate(frame.image, faces, topology)
                t4 = time.perf_counter()
                if ghost is None and faces:
                    ghost = outline_polylines(faces[0].points, topology)
                render_overlay(frame.image, results, face_points=faces[0].points if faces else None,
                               ghost=ghost, topology=topology)
                t5 = time.perf_counter()
                for key, start, stop in (("total", t0, t5), ("decode", t0, t1), ("landmarks", t1, t2),
                                         ("count", t2, t3), ("gates", t3, t4), ("overlay", t4, t5)):
                    times[key].append(1e3 * (stop - start))
                last = frame.timestamp_ms
            offset = last + 33
    return {k: np.array(v[5:]) for k, v in times.items()}  # the first frames include start-up


def landmarks_alone(video: Path, model_path: Path, passes: int = 3) -> np.ndarray:
    """Per-frame ms of the landmarker alone on pre-decoded frames: the floor of the loop's time."""
    from facetrack.capture.sources import video_frames
    from facetrack.detect.landmarks import Landmarker

    frames = [f.image for f in video_frames(video)]
    times = []
    with Landmarker(model_path, video=True) as tracker:
        for i in range(passes * len(frames)):
            t0 = time.perf_counter()
            tracker.detect_all(frames[i % len(frames)], 33 * i)
            times.append(1e3 * (time.perf_counter() - t0))
    return np.array(times[5:])


def headless(video: Path, measurer, hold: float):
    """Scan the video headless into a throwaway store (a fresh tracker: its smoothing is time-based)."""
    from facetrack.ingest.guided import guided_capture
    from facetrack.capture.session import CaptureSettings
    from facetrack.capture.sources import video_frames
    from facetrack.detect.landmarks import Landmarker
    from facetrack.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store.open(tmp) as store, \
            Landmarker(measurer.model_path, video=True) as tracker:
        return guided_capture(video_frames(video), store=store, measurer=measurer, tracker=tracker,
                              profile="bench", settings=CaptureSettings(hold_s=hold), first=False,
                              source=video.name)


def early_stop(single: Path, model_path: Path, topology, stuck_s: float = 20.0) -> dict[str, float]:
    """The app's early stop on a clip that cannot pass: the smiling frames, back and forth for 2 min."""
    from common import WEBCAM_SMILING

    from facetrack.capture.session import CaptureSettings, NoCaptureError, run_session
    from facetrack.capture.sources import Frame, video_frames
    from facetrack.detect.landmarks import Landmarker

    smiling = [f.image for f in video_frames(single) if f.index in WEBCAM_SMILING]
    loop = smiling + smiling[-2:0:-1]
    read = []

    def frames():
        for i in range(120 * 30):
            read.append(i)
            yield Frame(loop[i % len(loop)], int(round(i * 1000 / 30)), i, "looped smile")

    settings = CaptureSettings(stop_when_stuck_s=stuck_s)
    t0 = time.perf_counter()
    with Landmarker(model_path, video=True) as tracker, Landmarker(model_path) as counter:
        try:
            run_session(frames(), tracker=tracker, topology=topology, settings=settings, counter=counter)
            verdict, advice = "captured (unexpected)", ""
        except NoCaptureError as exc:
            verdict, advice = exc.why, exc.advice
    seconds = time.perf_counter() - t0
    stopped_s = read[-1] / 30
    print(f"  early stop (nothing improved for {stuck_s:g} s), smiling frames looped for 120 s: {verdict} "
          f"at frame {read[-1]} ({stopped_s:.1f} s of frames, {seconds:.1f} s to run): {advice!r}")
    return {"early_stop_frame_smiling_loop": read[-1], "early_stop_s_of_frames": round(stopped_s, 2)}


def whole_process(clip: Path) -> dict[str, float]:
    """`facetrack capture --video CLIP --no-preview` into an empty store: wall time and peak memory."""
    exe = Path(sys.executable).parent / "facetrack"
    with tempfile.TemporaryDirectory() as tmp:
        # The portrait looks slightly down (pitch about -5.7 deg): with no baseline yet, the
        # first capture's pitch gate (5 deg from frontal) is widened to 8 deg.
        run = run_measured([str(exe), "capture", "--video", str(clip), "--no-preview", "--gate", "max_pitch=8",
                            "--data-dir", tmp, "--profile", "bench"])
    if run.returncode != 0:
        raise RuntimeError(f"facetrack capture failed: {run.stderr[-500:]}")
    print(f"facetrack capture --video (90 frames 640x480, headless, pitch gate 8 deg) as a whole process: "
          f"{run.seconds:.2f} s, peak {run.peak_mb:.0f} MB")
    return {"capture_video_s": round(run.seconds, 2), "capture_peak_mb": round(run.peak_mb)}


def collect() -> dict[str, float]:
    from facetrack.capture.sources import video_frames
    from facetrack.capture.session import CaptureSettings, NoCaptureError
    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer

    out: dict[str, float] = {}
    with Measurer.from_model() as measurer, tempfile.TemporaryDirectory() as tmp:
        clips = {}
        rng = np.random.default_rng(0)
        image = portrait()
        import cv2

        jittered = [cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), image.shape[1::-1],
                                   borderMode=cv2.BORDER_REPLICATE) for dx, dy in rng.uniform(-2, 2, (90, 2))]
        clips["grace_hopper"] = _write_640x480(jittered, Path(tmp) / "gh.avi")
        single = SHARED_DATA / "single_face.mp4"
        if single.is_file():
            clips["single_face"] = _write_640x480((f.image for f in video_frames(single)),
                                                  Path(tmp) / "single.avi")
        print("Live loop (decode -> landmarks -> face count every 0.5 s -> gates -> overlay), per frame, 640x480:")
        for name, path in clips.items():
            stages = loop_latency(path, measurer.model_path, measurer.topology)
            ms = stages["total"]
            p50, p95 = np.percentile(ms, [50, 95])
            verdict = "meets" if p95 <= TARGET_P95_MS else "MISSES"
            floor = np.percentile(landmarks_alone(path, measurer.model_path), [50, 95])
            print(f"  {name:<14} p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  ({len(ms)} frames; {verdict} "
                  f"p95 <= {TARGET_P95_MS:g} ms); landmarker alone p50 {floor[0]:.1f} p95 {floor[1]:.1f} ms")
            print("  " + " " * 14 + " stages in the loop, p50/p95 ms: " + ", ".join(
                f"{k} {np.percentile(stages[k], 50):.1f}/{np.percentile(stages[k], 95):.1f}" for k in STAGES))
            out.update({f"live_loop_p50_ms_{name}": round(p50, 1), f"live_loop_p95_ms_{name}": round(p95, 1),
                        f"landmarker_alone_p50_ms_{name}": round(floor[0], 1)})
        out.update(whole_process(clips["grace_hopper"]))

        if not SHARED_DATA.is_dir():
            print(f"(shared-video capture checks skipped: {SHARED_DATA} not found)")
            return out
        print("Headless capture on real webcam video (default hold and burst):")
        clip = long_neutral_webcam_clip(single, Path(tmp) / "long_neutral.avi")
        outcome = headless(clip, measurer, hold=CaptureSettings().hold_s)
        kept = outcome.measured.kept
        neutral = max(kept) < 120
        out["single_face_burst_in_neutral_start"] = bool(neutral)
        print(f"  single_face.mp4, neutral frames looped to 4 s then the smile: burst frames "
              f"{min(kept)}-{max(kept)} ({len(kept)} measured), "
              f"{'all in' if neutral else 'NOT all in'} the neutral part (frames 0-119)")
        try:
            headless(single, measurer, hold=CaptureSettings().hold_s)
            refused = "captured (unexpected: its neutral start is 18 frames, a capture needs 36)"
        except NoCaptureError as exc:
            refused = "refused: " + str(exc).split(": ", 1)[1][:90] + "..."
        print(f"  single_face.mp4 as it is: {refused}")
        out.update(early_stop(single, measurer.model_path, measurer.topology))
        noface = SHARED_DATA / "face_noface.mov"
        outcome = headless(noface, measurer, hold=0.1)
        kept, log = outcome.measured.kept, outcome.log
        no_face = log.frames - log.passes["one_face"]
        out["face_noface_burst_with_face"] = bool(max(kept) <= 72 and no_face >= 90)
        print(f"  face_noface.mov: burst frames {min(kept)}-{max(kept)} ({len(kept)} measured); "
              f"{no_face}/{log.frames} frames without a face rejected by one_face (the face leaves at 73)")
    return out


if __name__ == "__main__":
    collect()
    sys.exit(0)
