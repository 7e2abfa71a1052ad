"""A guided capture, end to end: reference -> session -> burst measurement -> one stored capture.

The reference (the pose and distance to match, and the ghost outline) is the profile's latest
guided capture that passed every check (``capture_reference``), never an imported photo: a photo
taken elsewhere, with another camera or framing, would ask for a distance and pose this camera
cannot give. Without one, the session's absolute checks apply (straight ahead, close enough).

The burst is measured like an imported photo, but over frames instead of augmented
copies. Every burst frame passed every gate in the session (on the tracker's landmarks,
which are stored as its first view). It is then detected again in image mode, which sees
every face (the tracker follows one), so a frame where a second person walked in is
dropped, and on its mirror image, mapped back through the mirror pairs. The metrics are
the average of the trimmed means over the direct views (two per frame) and over the
mirrored ones (one per frame), which cancels the model's own left/right bias, with a
robust spread (``measure.measure_views``). The sharpest frame is kept, losslessly, as the
capture's photo, and everything is stored in one transaction.

Burst views are stored in their own frame's pixel coordinates (same camera, same size);
metrics are pose-normalized, so ``recompute`` can use them all. The kept frame's own
detection is the view named "original".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, replace

import numpy as np

from facetrack.capture.camera import undistorted
from facetrack.capture.light_drift import light_drift
from facetrack.errors import FacetrackError
from facetrack.detect.landmarks import HeadPose
from facetrack.detect.outline import combine_outline, outline_values, outline_views
from facetrack.detect.measure import Augmentation, Measurer, augment_image, map_back, measure_views
from facetrack.detect.skin import measure_skin_frames
from facetrack.metrics.align import interocular
from facetrack.store import Store
from facetrack.records import Capture, LandmarkView, NewCapture, QualityNotes, ViewKind
from facetrack.capture.gates import Baseline, GateConfig, cheek_brightness
from facetrack.stats.comparable import expression_of, light_balance
from facetrack.capture.overlay import outline_polylines
from facetrack.capture.advice import NO_FRAMES
from facetrack.capture.session import (NO_FRAMES_WHY, CaptureSettings, CheckedFrame, Display, GateLog, NoCaptureError,
                                       run_session)

FLIP = Augmentation(flip=True)


#: ``BurstError.advice``: the burst's frames did not show one face when checked again.
UNSTEADY = ("The photo could not be taken because your face was not the only one in view, or was lost, "
            "while it was being taken: stay alone in front of the camera and hold still, and try again.")


class BurstError(FacetrackError):
    """Too few burst frames survived the re-check. ``advice`` is the plain sentence for a person."""

    advice = UNSTEADY


def capture_reference(captures: list[Capture]) -> Capture | None:
    """The capture a new guided capture lines up with: of ``captures`` (oldest first, as
    ``Store.captures`` gives them), the latest guided capture (``taken_at_source`` "capture")
    taken with every check passing (a manual capture that failed some is left out); None
    when there is none. Imported photos never are: their framing is another camera's."""
    guided = [c for c in captures if c.taken_at_source == "capture" and not c.quality.failed_gates]
    return guided[-1] if guided else None


def baseline_from_capture(capture: Capture, views: list[LandmarkView], topology, *,
                          frame_size: tuple[int, int] | None = None) -> Baseline:
    """The pose, face size and outline that later captures must match.

    When the reference photo has another width than the camera's frames, its size and
    outline are rescaled by the width ratio (this assumes the same field of view, which
    holds for the same camera at another resolution, not for another camera).
    """
    original = next((v for v in views if v.kind.original), views[0])
    scale = 1.0 if frame_size is None else frame_size[0] / capture.width
    pts = np.asarray(original.points, dtype=np.float64) * scale
    pose = HeadPose(*capture.pose) if capture.pose else HeadPose(0.0, 0.0, 0.0)
    return Baseline(pose=pose, iod_px=interocular(pts, topology, frontal=True),
                    outline=outline_polylines(pts, topology))


@dataclass(frozen=True)
class BurstMeasurement:
    capture: NewCapture
    kept: tuple[int, ...]  # frame indices of the burst frames that were measured
    dropped: tuple[tuple[int, str], ...]  # (frame index, why)


def measure_burst(burst: tuple[CheckedFrame, ...], *, measurer: Measurer, manual: bool = False, source: str = "camera",
                  taken_at: dt.datetime | None = None, min_fraction: float = 0.5) -> BurstMeasurement:
    """Re-check and measure a burst; the sharpest surviving frame becomes the photo.

    The gates were applied to every frame in the session; here only the face count is
    checked again (in image mode).
    """
    import cv2

    topo = measurer.topology
    found_views, kept, dropped = [], [], []
    outline_per_view, outline_reasons = [], {}
    skin_frames = []  # (frame, its views' consensus landmarks): the skin is measured per frame
    burst_light = []  # (frame, its face): did the camera's exposure or white balance move (a warning)
    best = None
    for checked in burst:
        image, index = checked.frame.image, checked.frame.index
        faces = measurer.landmarker.detect_all(image)  # image mode: sees every face in view
        if len(faces) != 1:
            dropped.append((index, f"{len(faces)} faces on re-check"))
            continue
        tracked = checked.faces[0]
        failed = [r.name for r in checked.results if not r.passed]
        height, width = image.shape[:2]
        frame_views = [LandmarkView(ViewKind(frame=index), tracked.points, tracked.blendshapes, tracked.matrix),
                       LandmarkView(ViewKind(frame=index, image=True), faces[0].points, faces[0].blendshapes,
                                    faces[0].matrix)]
        flipped = measurer.landmarker.detect(augment_image(image, FLIP))
        if flipped is not None:
            frame_views.append(LandmarkView(ViewKind(frame=index, flip=True),
                                            map_back(flipped.points, FLIP, width, height, topo),
                                            flipped.blendshapes, flipped.matrix))
        found_views += frame_views
        if measurer.segmenter is not None:  # the silhouette, on the burst only (never the live loop)
            anchor = np.mean([v.points for v in frame_views], axis=0)
            views_here, why = outline_views(measurer.segmenter, image, anchor, topo)
            outline_per_view += views_here
            for name, reasons in why.items():
                outline_reasons.setdefault(name, []).extend(reasons)
            skin_frames.append((image, anchor))
        score = next(r.value for r in checked.results if r.name == "sharpness")
        kept.append(index)
        burst_light.append((image, faces[0].points))
        if best is None or score > best[0]:
            best = (score, checked, tracked, failed)
    if best is None or len(kept) < max(1, int(np.ceil(min_fraction * len(burst)))):
        why = "; ".join(f"frame {i}: {w}" for i, w in dropped[:3])
        raise BurstError(f"{source}: the burst was not steady: only {len(kept)} of {len(burst)} frames "
                         f"showed exactly one face on re-check ({why})")
    _, checked, face, failed = best
    used, metrics = measure_views(found_views, topo)
    missing = skin_missing = None
    if measurer.segmenter is not None:
        outline = combine_outline(outline_per_view, outline_reasons)
        metrics, missing = {**metrics, **outline_values(outline)}, outline.problems
        skin = measure_skin_frames(measurer.segmenter, skin_frames, topo)  # each frame against its own wall
        metrics, skin_missing = {**metrics, **skin.values}, skin.problems
    views = list(used)
    # the kept frame's own detection leads, named "original" (the ghost and reports use it)
    lead = next(i for i, v in enumerate(views) if v.kind == ViewKind(frame=checked.frame.index))
    views.insert(0, replace(views.pop(lead), kind=ViewKind()))
    ok, png = cv2.imencode(".png", cv2.cvtColor(checked.frame.image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise BurstError(f"{source}: the captured frame could not be encoded")
    data = png.tobytes()
    pose = face.pose
    height, width = checked.frame.image.shape[:2]
    exposure = next((r.value for r in checked.results if r.name == "exposure"), None)
    drift = light_drift(burst_light)
    capture = NewCapture(
        taken_at=(taken_at or dt.datetime.now()).replace(microsecond=0), taken_at_source="capture",
        source_path=source, image_bytes=data, image_ext="png", sha256=hashlib.sha256(data).hexdigest(),
        width=width, height=height, pose=(pose.yaw, pose.pitch, pose.roll),
        quality=QualityNotes(burst=len(burst), frames_measured=len(kept), views=len(views),
                             frame_kept=checked.frame.index, manual=manual, failed_gates=tuple(failed),
                             silhouette_missing=missing, skin_missing=skin_missing,
                             sharpness=round(float(best[0]), 1),
                             expression=expression_of(v.blendshapes for v in found_views),
                             brightness=None if exposure is None else round(exposure, 1),
                             light_balance=light_balance(*cheek_brightness(checked.frame.image, face, topo)),
                             burst_exposure_change=drift.exposure_change if drift else None,
                             burst_colour_change=drift.colour_change if drift else None,
                             interocular_px=round(interocular(face.points, topo, frontal=True), 1)),
        views=tuple(views), metrics=metrics)
    return BurstMeasurement(capture, tuple(kept), tuple(dropped))


@dataclass(frozen=True)
class CaptureOutcome:
    capture_id: int
    measured: BurstMeasurement
    baseline_id: int | None  # the guided capture this one lined up with (None: none, absolute checks)
    log: GateLog  # every gate's pass count and best value over the frames seen


def guided_capture(frames, *, store: Store, measurer: Measurer, tracker, profile: str,
                   config: GateConfig = GateConfig(), settings: CaptureSettings = CaptureSettings(),
                   first: bool = True, display: Display | None = None, source: str = "camera",
                   taken_at: dt.datetime | None = None, camera: str | None = None) -> CaptureOutcome:
    """Capture one standardized photo of ``profile`` from ``frames`` and store it.

    The profile's latest guided capture (``capture_reference``), if any, sets the pose and
    distance to match, and its outline is the ghost; when only those checks keep failing, the
    session lets go of it (``CaptureSettings.reference_patience_s``). When ``camera`` names a
    camera calibrated at the frames' size, every frame is undistorted first. Nothing is stored
    unless a whole burst is measured.
    """
    frames = iter(frames)
    head = next(frames, None)  # a camera that cannot be opened raises here, before anything else
    if head is None:
        raise NoCaptureError(f"{source}: delivered no frames", advice=NO_FRAMES, why=NO_FRAMES_WHY)
    frames = itertools.chain([head], frames)
    height, width = head.image.shape[:2]
    calibration = store.camera(camera, width, height) if camera else None
    if calibration is not None:
        frames = undistorted(frames, calibration)
    base_capture = capture_reference(store.captures(profile))
    baseline = None
    if base_capture is not None:
        baseline = baseline_from_capture(base_capture, store.landmark_views(base_capture.id),
                                         measurer.topology, frame_size=(width, height))
    with contextlib.ExitStack() as stack:
        counter = None  # every face in view, which the tracker (following one face) cannot tell
        if settings.count_faces_every_s is not None:
            from facetrack.detect.landmarks import Landmarker

            counter = stack.enter_context(Landmarker(measurer.model_path))
        burst, manual, log = run_session(frames, tracker=tracker, topology=measurer.topology, config=config,
                                         baseline=baseline, settings=settings, first=first, display=display,
                                         ghost=baseline.outline if baseline else None, name=source,
                                         counter=counter)
    measured = measure_burst(burst, measurer=measurer, manual=manual,
                             source=source, taken_at=taken_at)
    existing = store.find_by_hash(profile, measured.capture.sha256)
    if existing is not None:
        raise FacetrackError(f"{source}: this exact frame is already stored as capture {existing}; "
                             "nothing new was stored")
    cid = store.add_capture(profile, measured.capture)
    return CaptureOutcome(cid, measured, base_capture.id if base_capture else None, log)
