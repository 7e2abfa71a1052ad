"""The capture checks in a person's words: each check's plain name, the instruction to follow
now as a sentence, and, when a capture ends without a photo, one sentence on what did not work
and how to fix it.

The checks and their instructions live in ``capture.gates`` (``INSTRUCTIONS``; the result
names are ``GateResult.name``). A failing result's instruction tells which way to move; this
module reads that back (``instruction_key``) so the final sentence can say what stayed wrong
("Your head stayed turned to your left") and not only what to do. Nothing here shows an
internal name, a count or a threshold: those go into the support details.

Left and right are the subject's own, as in the gates' instructions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from facetrack.capture.gates import INSTRUCTIONS, GateConfig, GateResult

#: Every check ``gates.evaluate`` can return, in its order, with its plain name. The names are
#: the ones the report uses for a capture's checks (``report.wording.CHECKS``; a test keeps them equal).
CHECK_LABELS: Mapping[str, str] = {
    "one_face": "one face in view",
    "centred": "face in the middle of the picture",
    "yaw": "facing the camera",
    "pitch": "chin level",
    "roll": "head upright",
    "size": "the same distance from the camera as last time",
    "exposure": "good light on the face",
    "even_light": "even light on both sides",
    "sharpness": "a sharp picture",
    "no_smile": "no smile",
    "mouth_closed": "mouth closed",
    "brows_relaxed": "brows relaxed",
    "no_squint": "eyes relaxed",
    "eyes_open": "eyes open",
    "plain_background": "a plain background",
}
#: Without an earlier guided capture to line up with, the size check only asks for a face large
#: enough in the picture.
FIRST_SIZE_LABEL = "close enough to the camera"

#: What stayed wrong and how to fix it, by the instruction a failing check gave (``INSTRUCTIONS``
#: key). Each is completed to one sentence by ``failure_sentence``. ``{side}`` is the subject's
#: brighter side.
FAILURES: Mapping[str, str] = {
    "no_face": "No face was found in the picture: sit facing the camera with your whole face in view",
    "many_faces": ("More than one face was in the picture: make sure only you are in front of the camera, "
                   "with no other people or pictures of faces behind you"),
    "move_right": "You stayed too far to your left: move a little to your right, so your face is in the middle",
    "move_left": "You stayed too far to your right: move a little to your left, so your face is in the middle",
    "camera_up": "Your face stayed too high in the picture: raise the camera a little, or sit a little lower",
    "camera_down": "Your face stayed too low in the picture: lower the camera a little, or sit a little higher",
    "yaw_right": "Your head stayed turned to your left: turn it slightly to your right until you face the camera",
    "yaw_left": "Your head stayed turned to your right: turn it slightly to your left until you face the camera",
    "chin_down": "Your chin stayed raised: lower it a little so you look straight into the camera",
    "chin_up": "Your chin stayed lowered: raise it a little so you look straight into the camera",
    "roll_left": "Your head stayed tilted to your right: level it by tilting it slightly to your left",
    "roll_right": "Your head stayed tilted to your left: level it by tilting it slightly to your right",
    "closer": "You were too far from the camera: move a little closer",
    "further": "You were too close to the camera: move back a little",
    "too_dark": "Your face was too dark: add light in front of you, for example face a window or a lamp",
    "too_bright": "Your face was too bright: move away from the direct light",
    "uneven": ("The light on your face was uneven, your {side} side brighter: face the window or the lamp "
               "so both sides are lit the same"),
    "blurred": "The picture stayed blurred: hold still, clean the camera lens and add light",
    "smile": "You were smiling: relax your mouth into a neutral face, no smile",
    "mouth_open": "Your mouth was open: close it gently",
    "brows": "Your brows were raised: relax your forehead and let them rest",
    "squint": "Your eyes were squinting: relax them",
    "blink": "Your eyes were closed: open them and look at the camera",
    "background": ("The background beside your face was not plain: stand in front of a plain wall "
                   "that contrasts with your skin"),
}
TRY_AGAIN = ", and try again."

#: What the capture page asks before a photo, for the skin measures (``metrics.skin``) as much as the shape.
GUIDE = ("For numbers you can compare week to week: take the photo in the same place and the same light each "
         "time, in front of the same plain wall, with no make-up. Massage or exercise in the last 30 minutes "
         "makes the skin redder for a while: take the photo before your routine, or wait half an hour after it.")


def light_moved_sentence(exposure_change: float | None, colour_change: float | None) -> str | None:
    """The warning after a photo whose burst saw the camera's exposure or white balance move
    (``capture.light_drift``: % over the burst), else None. A warning, never a refusal."""
    from facetrack.capture.light_drift import MAX_COLOUR_CHANGE, MAX_EXPOSURE_CHANGE

    moved = [what for what, change, limit in (("brightness", exposure_change, MAX_EXPOSURE_CHANGE),
                                              ("colour", colour_change, MAX_COLOUR_CHANGE))
             if change is not None and change >= limit]
    if not moved:
        return None
    return (f"The camera's {' and '.join(moved)} changed while the photo was being taken: it was still adjusting "
            "to the light. The photo was kept; next time, sit in the light for a few seconds before the photo "
            "and keep the light the same (no lamp switched on or off, no passing sun), so the skin measures "
            "compare better.")
#: Every check passed at some moment, but never all at once for the hold and the burst.
NOT_LONG_ENOUGH = ("Every check passed, but not for long enough at once: once the picture says hold still, "
                   "keep still for a few seconds" + TRY_AGAIN)
NO_FRAMES = "The camera sent no pictures: check that it is connected and not used by another app" + TRY_AGAIN

#: The browser's camera errors (``getUserMedia``'s ``DOMException.name``), each with its fix.
CAMERA_PROBLEMS: Mapping[str, str] = {
    "NotFoundError": ("No camera was found: connect a camera, or add a photo you already have on the "
                      "Photos page instead."),
    "NotAllowedError": ("The browser was not allowed to use the camera: allow the camera for this page "
                        "(the camera icon in the address bar), then try again."),
    "NotReadableError": ("The camera is busy: close other apps or browser tabs that use it "
                         "(video calls, other camera apps), then try again."),
    "OverconstrainedError": "The camera cannot give a usable picture size: try another camera, then try again.",
}
CAMERA_PROBLEM_OTHER = "The camera could not be started: check that it is connected and not in use, then try again."


def camera_problem(error_name: str | None) -> str:
    """The sentence, with its fix, for a browser camera error ("NotAllowedError": permission denied)."""
    aliases = {"DevicesNotFoundError": "NotFoundError", "PermissionDeniedError": "NotAllowedError",
               "SecurityError": "NotAllowedError", "TrackStartError": "NotReadableError",
               "AbortError": "NotReadableError"}
    name = aliases.get(error_name or "", error_name or "")
    return CAMERA_PROBLEMS.get(name, CAMERA_PROBLEM_OTHER)


def check_names(config: GateConfig = GateConfig()) -> tuple[str, ...]:
    """The checks ``gates.evaluate`` gives for a frame with one face under ``config``, in order."""
    names = tuple(CHECK_LABELS)
    return names if config.plain_background >= 2 else names[:-1]


def check_label(name: str, *, baseline: bool = True) -> str:
    """A check's plain name, capitalised: "no_smile" -> "No smile"."""
    label = FIRST_SIZE_LABEL if name == "size" and not baseline else CHECK_LABELS.get(name, name.replace("_", " "))
    return label[:1].upper() + label[1:]


def as_sentence(text: str) -> str:
    """"move a little to your right" -> "Move a little to your right."."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")


NUMBERS = ("No", "One", "Two", "Three", "Four", "Five", "Six")


def instruction_sentence(result: GateResult) -> str:
    """A failing check's instruction as the sentence shown now ("2 faces in view: ..." reads
    "Two faces in view: ...")."""
    key, fields = instruction_key(result.instruction)
    if key == "many_faces" and fields.get("n", "").isdigit() and int(fields["n"]) < len(NUMBERS):
        return as_sentence(INSTRUCTIONS[key].format(n=NUMBERS[int(fields["n"])]))
    return as_sentence(result.instruction)


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


@lru_cache(maxsize=256)
def _instruction_key(instruction: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    for key, template in INSTRUCTIONS.items():
        match = _pattern(template).match(instruction)
        if match:
            return key, tuple(match.groupdict().items())
    return None, ()


def instruction_key(instruction: str) -> tuple[str | None, dict[str, str]]:
    """Which ``INSTRUCTIONS`` entry a failing check gave, with its filled-in fields:
    "the light is uneven (your left side is brighter): ..." -> ("uneven", {"side": "left"})."""
    key, fields = _instruction_key(instruction)
    return key, dict(fields)


def failure_sentence(result: GateResult) -> str:
    """One sentence for a check that kept failing: what stayed wrong, how to fix it, try again."""
    key, fields = instruction_key(result.instruction)
    if key in FAILURES:
        return FAILURES[key].format(**fields) + TRY_AGAIN
    # a check this module does not know yet: its own instruction, which is plain already
    label = check_label(result.name)
    return f"{label} did not pass: {result.instruction or 'follow the instruction on the picture'}{TRY_AGAIN}"
