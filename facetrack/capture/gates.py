"""Quality gates: is this frame a standard capture? Pure functions, one per condition.

Each gate returns a ``GateResult``: whether it passed, the measured value, the allowed
range and a plain-language instruction for the user when it fails. Every threshold lives
in ``GateConfig`` (defaults here; a TOML file or flags override them).

Left and right are the subject's own. Yaw > 0 means the head is turned towards the
subject's left, so the instruction is to turn slightly to the right.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from facetrack.errors import InputError
from facetrack.detect.landmarks import HeadPose, Landmarks
from facetrack.metrics.align import interocular
from facetrack.metrics.silhouette import (CHEEK_ROW, LUMA, EdgeRules, background_beside, face_axes,
                                          outline_distance, row_centre)
from facetrack.topology import FaceTopology


#: Every instruction a failing gate can give, in plain words (ASCII, for OpenCV's fonts).
#: Two are templates: ``many_faces`` takes ``n``, ``uneven`` takes ``side`` ("left"/"right").
INSTRUCTIONS: dict[str, str] = {
    "no_face": "no face found: sit in front of the camera",
    "many_faces": "{n} faces in view: only one person in front of the camera",
    "move_right": "move a little to your right",
    "move_left": "move a little to your left",
    "camera_up": "raise the camera a little, or sit a little lower",
    "camera_down": "lower the camera a little, or sit a little higher",
    "yaw_right": "turn your head slightly to your right",
    "yaw_left": "turn your head slightly to your left",
    "chin_down": "lower your chin a little",
    "chin_up": "raise your chin a little",
    "roll_left": "level your head: tilt it slightly to your left",
    "roll_right": "level your head: tilt it slightly to your right",
    "closer": "move a little closer to the camera",
    "further": "move a little further from the camera",
    "too_dark": "the face is too dark: add light in front of you",
    "too_bright": "the face is too bright: move away from the direct light",
    "uneven": "the light is uneven (your {side} side is brighter): face the window or the lamp",
    "blurred": "the picture is blurred: hold still and clean the lens",
    "smile": "relax your mouth: a neutral face, no smile",
    "mouth_open": "close your mouth gently",
    "brows": "relax your forehead: let your brows rest",
    "squint": "relax your eyes: no squinting",
    "blink": "open your eyes and look at the camera",
    "background": "stand in front of a plain wall that contrasts with your skin (for the silhouette)",
}


@dataclass(frozen=True)
class Setting:
    """What a person needs to change one capture setting: its plain name, its unit in words,
    one sentence on what it does, and the values it may take (``low`` to ``high``, whole
    numbers only when ``whole``)."""

    label: str
    unit: str
    meaning: str
    low: float
    high: float
    whole: bool = False

    @property
    def allowed(self) -> str:
        """The values it may take, in words."""
        if self.whole:
            choices = [f"{v:g}" for v in range(int(self.low), int(self.high) + 1)]
            return f"{', '.join(choices[:-1])} or {choices[-1]} ({self.unit})"
        return f"a number from {self.low:g} to {self.high:g} ({self.unit})"


def _setting(default: float, label: str, unit: str, meaning: str, low: float, high: float,
             whole: bool = False):
    return field(default=default, metadata={"setting": Setting(label, unit, meaning, low, high, whole)})


DEGREES = "degrees"
SCORE = "a score: 0 is not at all, 1 fully"
BRIGHTNESS = "brightness: 0 is black, 255 white"


@dataclass(frozen=True)
class GateConfig:
    """Every capture threshold in one place. Each field's ``setting`` metadata (``setting_of``)
    says what it is in plain words and the range it must lie in; a value outside it, not a
    finite number, or a minimum not below its maximum is refused (ValueError, "must be ...
    but got ...") wherever a config is made: defaults, TOML file, ``--gate`` flags, the app."""

    max_yaw: float = _setting(5.0, "Head turned sideways", DEGREES, "How far the head may be turned to the left "
                              "or right (from straight ahead, or from the pose of your last photo taken with the "
                              "camera).", 0.5, 30)
    max_pitch: float = _setting(5.0, "Chin up or down", DEGREES, "How far the chin may be raised or lowered "
                                "(from level, or from the pose of your last photo taken with the camera).", 0.5, 30)
    max_roll: float = _setting(5.0, "Head leaning", DEGREES, "How far the head may lean towards a shoulder.",
                               0.5, 30)
    size_tolerance: float = _setting(0.07, "Distance from the camera", "fraction of the face's size last time: "
                                     "0.07 is 7 %", "How much bigger or smaller the face may look than in your "
                                     "last photo taken with the camera, so every photo is taken from the same "
                                     "distance.", 0.01, 0.5)
    min_iod_px: float = _setting(60.0, "Smallest face", "pixels between the eyes", "Before the first photo taken "
                                 "with the camera, the eyes must be at least this far apart in the picture.", 20, 2000)
    max_centre_offset: float = _setting(0.15, "Face off centre", "fraction of the picture: 0.15 is 15 %",
                                        "How far the middle of the face may be from the middle of the picture.",
                                        0.01, 0.5)
    min_sharpness: float = _setting(40.0, "Sharpness", "a sharpness score: higher is sharper", "How sharp the "
                                    "face must be; a blurred or moving picture scores lower.", 0, 1000)
    min_brightness: float = _setting(60.0, "Darkest face", BRIGHTNESS, "The face's average brightness must be "
                                     "at least this.", 0, 255)
    max_brightness: float = _setting(200.0, "Brightest face", BRIGHTNESS, "The face's average brightness must "
                                     "be at most this.", 0, 255)
    max_clipped: float = _setting(0.05, "Pure black or white", "fraction of the face: 0.05 is 5 %", "How much "
                                  "of the face may be pure black or pure white, where the detail is lost.", 0, 1)
    min_cheek_ratio: float = _setting(0.75, "Even light", "the darker cheek's brightness over the brighter "
                                      "one's: 1 is even", "How evenly the two cheeks must be lit.", 0, 1)
    max_smile: float = _setting(0.3, "Smile", SCORE, "How much of a smile the face may show.", 0, 1)
    max_jaw_open: float = _setting(0.15, "Open mouth", SCORE, "How far the mouth may be open.", 0, 1)
    max_brow_raise: float = _setting(0.4, "Raised brows", SCORE, "How far the brows may be raised.", 0, 1)
    max_squint: float = _setting(0.8, "Squinting", SCORE, "How much the eyes may squint.", 0, 1)
    max_blink: float = _setting(0.5, "Closed eyes", SCORE, "How far the eyes may be closed.", 0, 1)
    # The plain background the silhouette metrics need: 0 no check, 1 warn after the capture
    # (the default: the capture goes ahead), 2 a gate that holds the capture until it passes.
    plain_background: float = _setting(1.0, "Plain background", "0 not checked, 1 a warning after the photo, "
                                       "2 wait until it passes", "Whether a plain wall behind you is checked; "
                                       "the silhouette measures need one.", 0, 2, whole=True)
    max_background_sd: float = _setting(EdgeRules.max_background_sd, "Busy background", "brightness spread on "
                                        "the 0 to 255 scale", "How much the background beside the cheeks may vary; "
                                        "a plain wall varies little.", 1, 128)
    min_background_contrast: float = _setting(EdgeRules.min_contrast, "Background contrast", "colour difference: "
                                              "0 is the same colour, 442 black against white", "How different the background beside the "
                                              "cheeks must be from the skin.", 0, 442)

    def __post_init__(self):
        for f in fields(self):
            value, setting = getattr(self, f.name), f.metadata["setting"]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{f.name} must be {setting.allowed} but got {value!r}")
            if not (math.isfinite(value) and setting.low <= value <= setting.high) or (
                    setting.whole and value != int(value)):
                raise ValueError(f"{f.name} must be {setting.allowed} but got {value!r}")
            object.__setattr__(self, f.name, float(value))
        for low, high in ORDERED:
            if not getattr(self, low) < getattr(self, high):
                raise ValueError(f"{low} must be below {high} but got {getattr(self, low)!r} and "
                                 f"{getattr(self, high)!r}")

    @classmethod
    def from_toml(cls, path: str | Path, **overrides) -> "GateConfig":
        """Defaults, then the ``[gates]`` table of a TOML file, then ``overrides``."""
        path = Path(path)
        try:
            table = tomllib.loads(path.read_text()).get("gates", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(path, f"cannot read the gate config: {exc}") from None
        if not isinstance(table, dict):
            raise InputError(path, f"[gates] must be a table of settings but got {table!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise InputError(path, f"unknown gate setting(s): {', '.join(unknown)}")
        try:
            return replace(cls(), **table, **{k: v for k, v in overrides.items() if v is not None})
        except ValueError as exc:
            raise InputError(path, str(exc)) from None

    def to_toml(self) -> str:
        """The ``[gates]`` table ``from_toml`` reads (every threshold, this config's values)."""
        return "[gates]\n" + "".join(f"{f.name} = {getattr(self, f.name)!r}\n" for f in fields(self))

    def with_overrides(self, items) -> "GateConfig":
        """This config with ``KEY=VALUE`` items applied (``--gate max_yaw=4``); ValueError
        names an item that is not a known threshold and a number."""
        known = {f.name for f in fields(self)}
        values = {}
        for item in items:
            key, sep, value = item.partition("=")
            key = key.strip().replace("-", "_")
            if not sep or key not in known:
                raise ValueError(f"{item!r}: use KEY=VALUE with KEY one of {', '.join(sorted(known))}")
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"{item!r}: {value!r} is not a number") from None
        return replace(self, **values)


#: (minimum, maximum) pairs: the minimum must be below the maximum.
ORDERED = (("min_brightness", "max_brightness"),)


def setting_of(name: str) -> Setting:
    """The plain name, unit, meaning and range of the ``GateConfig`` field ``name``."""
    for f in fields(GateConfig):
        if f.name == name:
            return f.metadata["setting"]
    raise KeyError(f"no capture setting {name!r}")


@dataclass(frozen=True)
class Baseline:
    """What a guided capture must match: the pose and face size of the profile's latest guided
    capture (``ingest.guided.capture_reference``), never an imported photo's."""

    pose: HeadPose
    iod_px: float
    outline: np.ndarray | None = None  # (N, 2) pixel points of the ghost, optional


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    value: float
    allowed: str
    instruction: str  # what the user should do; "" when passed
    excess: float = 0.0  # how far beyond its limit the value is, in the value's units (<= 0 passes)


def _result(name, passed, value, allowed, instruction, excess) -> GateResult:
    return GateResult(name, bool(passed), float(value), allowed, "" if passed else instruction,
                      float(excess))


def iod_px(face: Landmarks, topology: FaceTopology) -> float:
    """The face's size in the image: inter-ocular distance in pixels."""
    return interocular(face.points, topology, frontal=True)


def face_count_gate(n_faces: int) -> GateResult:
    if n_faces == 0:
        return _result("one_face", False, 0, "1", INSTRUCTIONS["no_face"], 1)
    return _result("one_face", n_faces == 1, n_faces, "1",
                   INSTRUCTIONS["many_faces"].format(n=n_faces), n_faces - 1)


def pose_gates(pose: HeadPose, config: GateConfig, baseline: Baseline | None = None) -> list[GateResult]:
    ref = baseline.pose if baseline else HeadPose(0.0, 0.0, 0.0)
    yaw, pitch, roll = pose.yaw - ref.yaw, pose.pitch - ref.pitch, pose.roll - ref.roll
    return [
        _result("yaw", abs(yaw) <= config.max_yaw, yaw, f"±{config.max_yaw:g}°",
                INSTRUCTIONS["yaw_right"] if yaw > 0 else INSTRUCTIONS["yaw_left"], abs(yaw) - config.max_yaw),
        _result("pitch", abs(pitch) <= config.max_pitch, pitch, f"±{config.max_pitch:g}°",
                INSTRUCTIONS["chin_down"] if pitch > 0 else INSTRUCTIONS["chin_up"],
                abs(pitch) - config.max_pitch),
        _result("roll", abs(roll) <= config.max_roll, roll, f"±{config.max_roll:g}°",
                INSTRUCTIONS["roll_left"] if roll > 0 else INSTRUCTIONS["roll_right"], abs(roll) - config.max_roll),
    ]


def size_gate(face: Landmarks, topology: FaceTopology, config: GateConfig,
              baseline: Baseline | None = None) -> GateResult:
    iod = iod_px(face, topology)
    if baseline is None:
        return _result("size", iod >= config.min_iod_px, iod, f">= {config.min_iod_px:g} px",
                       INSTRUCTIONS["closer"], config.min_iod_px - iod)
    rel = iod / baseline.iod_px - 1.0
    return _result("size", abs(rel) <= config.size_tolerance, 100 * rel,
                   f"±{100 * config.size_tolerance:g} % of the baseline",
                   INSTRUCTIONS["further"] if rel > 0 else INSTRUCTIONS["closer"],
                   100 * (abs(rel) - config.size_tolerance))


def centre_gate(face: Landmarks, topology: FaceTopology, config: GateConfig) -> GateResult:
    w, h = face.image_size
    centre = face.points[topology.idx("face_oval"), :2].mean(axis=0)
    offset = (centre - np.array([w / 2, h / 2])) / np.array([w, h])
    worst = float(np.abs(offset).max())
    if abs(offset[0]) >= abs(offset[1]):
        # the image is not mirrored: a face right of centre in the image is to the subject's left
        hint = INSTRUCTIONS["move_right"] if offset[0] > 0 else INSTRUCTIONS["move_left"]
    else:
        hint = (INSTRUCTIONS["camera_up"] if offset[1] < 0 else INSTRUCTIONS["camera_down"])
    return _result("centred", worst <= config.max_centre_offset, worst,
                   f"<= {config.max_centre_offset:g} of the frame", hint, worst - config.max_centre_offset)


def _luma(image: np.ndarray) -> np.ndarray:
    return image[..., :3].astype(np.float32) @ LUMA.astype(np.float32)


def _box(image: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """The part of the image inside the bounding box of ``pts`` (clipped to the image)."""
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(pts.min(axis=0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(pts.max(axis=0)).astype(int) + 1, 1, [w, h])
    return image[y0:y1, x0:x1]


def face_crop(image: np.ndarray, face: Landmarks, topology: FaceTopology, *, iod: float = 64.0) -> np.ndarray:
    """The face's luminance, bounding box of the face oval, rescaled so the eyes are ``iod`` px apart.

    Sharpness and exposure are measured on this crop, so they do not depend on the
    distance to the camera or the camera's resolution.
    """
    import cv2

    crop = _luma(_box(image, face.points[topology.idx("face_oval"), :2]))
    scale = iod / max(iod_px(face, topology), 1.0)
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def sharpness_gate(crop: np.ndarray, config: GateConfig) -> GateResult:
    """Variance of the Laplacian of ``face_crop`` (it also falls with contrast, so a dark
    face scores lower; the exposure gate, checked first, catches that case)."""
    import cv2

    value = float(cv2.Laplacian(crop, cv2.CV_32F).var())
    return _result("sharpness", value >= config.min_sharpness, value, f">= {config.min_sharpness:g}",
                   INSTRUCTIONS["blurred"], config.min_sharpness - value)


def exposure_gate(crop: np.ndarray, config: GateConfig) -> GateResult:
    mean = float(crop.mean())
    clipped = float(np.mean((crop <= 2) | (crop >= 253)))
    passed = config.min_brightness <= mean <= config.max_brightness and clipped <= config.max_clipped
    hint = (INSTRUCTIONS["too_dark"] if mean < config.min_brightness else INSTRUCTIONS["too_bright"])
    return _result("exposure", passed, mean,
                   f"{config.min_brightness:g}-{config.max_brightness:g}, <= {100 * config.max_clipped:g} % clipped",
                   hint, max(config.min_brightness - mean, mean - config.max_brightness,
                             255 * (clipped - config.max_clipped)))


def cheek_brightness(image: np.ndarray, face: Landmarks, topology: FaceTopology) -> tuple[float, float]:
    """The mean brightness (0-255) of the subject's left and right cheek."""
    left, right = (float(_luma(_box(image, face.points[topology.idx(f"cheek_{side}"), :2])).mean())
                   for side in ("left", "right"))
    return left, right


def even_light_gate(image: np.ndarray, face: Landmarks, topology: FaceTopology,
                    config: GateConfig) -> GateResult:
    left, right = cheek_brightness(image, face, topology)
    ratio = min(left, right) / max(left, right, 1e-6)
    brighter = "left" if left > right else "right"
    return _result("even_light", ratio >= config.min_cheek_ratio, ratio, f">= {config.min_cheek_ratio:g}",
                   INSTRUCTIONS["uneven"].format(side=brighter),
                   config.min_cheek_ratio - ratio)


def background_gate(image: np.ndarray, face: Landmarks, topology: FaceTopology, config: GateConfig) -> GateResult:
    """Beside both cheeks, on the silhouette's middle row (55 % of the way from the eyes to the
    chin), just outside the landmarks' face oval, the background must be plain (low luminance
    SD) and unlike the skin just inside: the silhouette's own test (``metrics.silhouette.
    background_beside``), 0.05 IOD further out and in, since the oval only roughly follows
    the edge. The value is the worse side's SD over its limit, or its limit over its
    contrast (> 1 fails)."""
    axes = face_axes(face.points, topology)
    origin = row_centre(axes, CHEEK_ROW)
    worst = 0.0
    for side in (-1, 1):
        direction = side * axes.across
        edge = outline_distance(face.points, topology, origin, direction)
        if edge is None:
            return _result("plain_background", False, 9.0, "<= 1 (plain, contrasting)", INSTRUCTIONS["background"], 8.0)
        contrast, sd = background_beside(image[..., :3], origin, direction, edge, axes.iod, gap=0.05)
        worst = max(worst, sd / config.max_background_sd, config.min_background_contrast / max(contrast, 1e-6))
    return _result("plain_background", worst <= 1.0, worst, "<= 1 (plain, contrasting)",
                   INSTRUCTIONS["background"], worst - 1.0)


def expression_gates(face: Landmarks, config: GateConfig) -> list[GateResult]:
    b = face.blendshapes

    def both(name):
        return max(b.get(name + "Left", 0.0), b.get(name + "Right", 0.0))

    checks = (
        ("no_smile", both("mouthSmile"), config.max_smile, INSTRUCTIONS["smile"]),
        ("mouth_closed", b.get("jawOpen", 0.0), config.max_jaw_open, INSTRUCTIONS["mouth_open"]),
        ("brows_relaxed", max(b.get("browInnerUp", 0.0), both("browOuterUp")), config.max_brow_raise,
         INSTRUCTIONS["brows"]),
        ("no_squint", both("eyeSquint"), config.max_squint, INSTRUCTIONS["squint"]),
        ("eyes_open", both("eyeBlink"), config.max_blink, INSTRUCTIONS["blink"]),
    )
    return [_result(name, value <= limit, value, f"<= {limit:g}", hint, value - limit)
            for name, value, limit, hint in checks]


def evaluate(image: np.ndarray, faces: list[Landmarks], topology: FaceTopology,
             config: GateConfig = GateConfig(), baseline: Baseline | None = None) -> list[GateResult]:
    """Every gate for one frame, in priority order (only ``one_face`` when it fails).

    The order is the order in which a user should fix things: one face, position, pose
    (a turned head also looks narrower, so pose comes before distance), distance, light,
    sharpness, then expression. ``first_failure`` picks the
    instruction to show.
    """
    first = face_count_gate(len(faces))
    if not first.passed:
        return [first]
    face = faces[0]
    crop = face_crop(image, face, topology)
    return [first, centre_gate(face, topology, config), *pose_gates(face.pose, config, baseline),
            size_gate(face, topology, config, baseline), exposure_gate(crop, config),
            even_light_gate(image, face, topology, config), sharpness_gate(crop, config),
            *expression_gates(face, config),
            *([background_gate(image, face, topology, config)] if config.plain_background >= 2 else [])]


def first_failure(results: list[GateResult]) -> GateResult | None:
    return next((r for r in results if not r.passed), None)
