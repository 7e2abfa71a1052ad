"""Real faces measured as captures, for the comparability and identity benchmarks, cached.

Every frame of the two vendored clips (tests/data: single_face.mp4, 72 frames, neutral then
smiling; face_noface.mov frames 0-72, the same man with small pose changes) is measured as
one imported photo would be (10 views, silhouette), and so are the two stock stills
(grace_hopper, astronaut) under known changes: in-plane rotations, rescaling (a smaller face
in the same picture: fewer pixels on the face), brightness, a light falling from one side,
colour casts and the lab's shape warps. Each entry keeps what a capture records (pose,
expression, face size, brightness, light balance, failed checks), its metric values and
its views' landmarks.

    .venv/bin/python benchmarks/faces.py      # (re)builds benchmarks/results/faces.pkl (~3 min)
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / "results" / "faces.pkl"
CLIPS = {"single_face": (ROOT / "tests/data/single_face.mp4", 72), "face_noface": (ROOT / "tests/data/face_noface.mov", 73)}


@dataclass
class Face:
    source: str  # "single_face", "face_noface", "grace_hopper", "astronaut"
    person: str  # who it is: "webcam_man", "grace_hopper", "astronaut"
    change: str  # "frame", "none", "roll", "scale", "gain", "side_light", "cast", "warp:..."
    amount: float  # frame index, or the change's size
    pose: tuple[float, float, float]
    quality: dict  # QualityNotes.to_dict()
    metrics: dict[str, float]
    views: list[np.ndarray] = field(repr=False)  # each view's (478, 3) points
    mirrored: list[bool] = field(repr=False)
    width: int = 0


def side_light(image: np.ndarray, centre_x: float, half: float, amount: float) -> np.ndarray:
    """Light falling more from one side: a gain rising linearly across the face by ``amount``
    (the image's right, the subject's left, brighter for amount > 0)."""
    x = np.arange(image.shape[1], dtype=np.float32)
    gain = 1 + amount * np.clip((x - centre_x) / half, -1, 1) / 2
    return np.clip(image.astype(np.float32) * gain[None, :, None], 0, 255).astype(np.uint8)


def smaller(image: np.ndarray, scale: float) -> np.ndarray:
    """The face ``scale`` times as large, in a picture of the same size (a plain border around)."""
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, scale)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def turned(image: np.ndarray, points: np.ndarray, topology, degrees: float, axis: str) -> np.ndarray:
    """The head turned about a vertical (``axis`` "yaw") or horizontal ("pitch") axis by about
    ``degrees``: the face treated as a cylinder and rotated (the model's own pose reading of the
    result is what the benchmark uses)."""
    import cv2

    h, w = image.shape[:2]
    col = 0 if axis == "yaw" else 1
    oval = points[topology.idx("face_oval"), col]
    c, radius = oval.mean(), 1.3 * np.ptp(oval) / 2
    n = w if axis == "yaw" else h
    xs = np.arange(n, dtype=np.float64)
    theta = np.arcsin(np.clip((xs - c) / radius, -1, 1))
    moved = np.where(np.abs(xs - c) < radius, c + radius * np.sin(theta - np.radians(degrees)), xs).astype(np.float32)
    if axis == "yaw":
        mapx, mapy = np.repeat(moved[None, :], h, axis=0), np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    else:
        mapx, mapy = np.repeat(np.arange(w, dtype=np.float32)[None, :], h, axis=0), np.repeat(moved[:, None], w, axis=1)
    return cv2.remap(image, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def measure(measurer, image, source, person, change, amount) -> Face | None:
    from facetrack.errors import InputError
    from facetrack.ingest.importer import photo_checks
    from facetrack.capture.gates import GateConfig
    from facetrack.metrics.align import interocular
    from facetrack.records import QualityNotes
    from facetrack.stats.comparable import expression_of

    try:
        result = measurer.measure_photo(image, source=source)
    except InputError as exc:
        print(f"  {source} {change} {amount}: {exc.problem}", file=sys.stderr)
        return None
    topo = measurer.topology
    iod = interocular(result.landmarks.points, topo, frontal=True)
    checks = photo_checks(image, result.landmarks, topo, GateConfig(), iod)
    quality = QualityNotes(views=len(result.views), interocular_px=round(iod, 1),
                           expression=expression_of(v.blendshapes for v in result.views), **checks)
    pose = result.landmarks.pose
    return Face(source, person, change, float(amount), (pose.yaw, pose.pitch, pose.roll), quality.to_dict(),
                {k: v.value for k, v in result.metrics.items()},
                [np.asarray(v.points, np.float32) for v in result.views], [v.kind.mirrored for v in result.views],
                image.shape[1])


#: The clip frame used as a still: face_noface.mov's frame 5 (neutral, 960x540).
WEBCAM_STILL = 5


def stills() -> dict[str, np.ndarray]:
    from skimage import data

    from facetrack.capture.sources import video_frames
    from facetrack.demo import portrait

    frame = next(f for f in video_frames(CLIPS["face_noface"][0]) if f.index == WEBCAM_STILL)
    return {"grace_hopper": portrait(), "astronaut": np.ascontiguousarray(data.astronaut()), "webcam_still": frame.image}


def build(measurer) -> list[Face]:
    from facetrack.capture.sources import video_frames
    from facetrack.lab import warps

    faces: list[Face] = []
    for name, (path, n) in CLIPS.items():
        for frame in video_frames(path, max_frames=n):
            f = measure(measurer, frame.image, name, "webcam_man", "frame", frame.index)
            if f is not None:
                faces.append(f)
        print(f"{name}: {sum(f.source == name for f in faces)} frames measured", file=sys.stderr)
    topo = measurer.topology
    for name, image in stills().items():
        base = measurer.measure_photo(image)
        pts = base.landmarks.points
        oval = pts[topo.idx("face_oval"), 0]
        cx, half = float(oval.mean()), float(np.ptp(oval) / 2)
        variants = [("none", 0.0, image)]
        variants += [(axis, d, turned(image, pts, topo, d, axis)) for axis in ("yaw", "pitch")
                     for d in (-15, -10, -6, -3, 3, 6, 10, 15)]
        variants += [("roll", a, warps.CaptureConditions(angle=a).apply(image)) for a in (-12, -8, -5, -3, 3, 5, 8, 12)]
        variants += [("scale", s, smaller(image, s)) for s in (0.9, 0.8, 0.7, 0.6, 0.5)]
        variants += [("gain", g, warps.CaptureConditions(brightness=g).apply(image))
                     for g in (-0.5, -0.35, -0.2, 0.2, 0.35, 0.5)]
        variants += [("side_light", a, side_light(image, cx, half, a)) for a in (-0.8, -0.5, -0.3, 0.3, 0.5, 0.8)]
        for i, cast in enumerate(((1.15, 1.0, 0.85), (0.85, 1.0, 1.15), (1.0, 1.1, 0.9), (1.2, 0.95, 0.8))):
            variants.append(("cast", i, np.clip(image * np.array(cast, np.float32), 0, 255).astype(np.uint8)))
        rng = np.random.default_rng(1)
        variants += [("capture_like", i, warps.jpeg_roundtrip(warps.CaptureConditions.random(rng).apply(image), 85))
                     for i in range(6)]
        for warp_name, make, amounts in (("cheek_widening", warps.cheek_widening, (0.02, 0.04)),
                                         ("lower_face_stretch", warps.lower_face_stretch, (0.03, 0.06)),
                                         ("lower_face_lengthening", warps.lower_face_lengthening, (0.03, 0.06))):
            variants += [(f"warp:{warp_name}", a, warps.warp_image(image, make(pts, topo, a))) for a in amounts]
        for change, amount, img in variants:
            f = measure(measurer, img, name, "webcam_man" if name == "webcam_still" else name, change, amount)
            if f is not None:
                faces.append(f)
        print(f"{name}: {sum(f.source == name for f in faces)} variants measured", file=sys.stderr)
    return faces


def load(rebuild: bool = False) -> list[Face]:
    """The measured faces, from the cache when it is there."""
    if CACHE.is_file() and not rebuild:
        with CACHE.open("rb") as fh:
            return pickle.load(fh)
    from facetrack.detect.measure import Measurer

    with Measurer.from_model() as measurer:
        faces = build(measurer)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with CACHE.open("wb") as fh:
        pickle.dump(faces, fh)
    return faces


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import faces as module  # pickled as faces.Face, so other benchmarks can load the cache

    faces = module.load(rebuild=True)
    print(f"{len(faces)} faces measured, cached in {CACHE.relative_to(ROOT)}")
