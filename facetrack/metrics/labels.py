"""The metrics in words, for people rather than programs: plain names, one sentence on what each
measures and what a higher value means, units a person knows, and one way to write a value,
a change and the noise.

The registry's ``name`` (``cheek_fullness_left``) is the stable key in the store, the
exports and the command line, and its ``units`` the stored values' own; the label
("Cheek fullness (left)"), the meaning and the shown units are what a page, a chart or the
report says. Left and right are the subject's own.

A shown value is the stored value times the unit's ``factor`` (a jaw-to-cheekbone width
ratio of 0.816 is shown as "81.6 % of cheekbone width"), written with the unit's
``decimals``: every page, chart and report writes values through ``format_value``,
``format_change`` and ``format_noise``, so one measure reads the same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from facetrack.metrics.symmetry import REGIONS

_SIDED = {
    "jaw_angle": "Jaw angle",
    "cheek_fullness": "Cheek fullness",
    "malar_projection": "Cheekbone projection",
    "silhouette_cheek": "Silhouette: cheek",
}

_PLAIN = {
    "jaw_angle_mean": "Jaw angle (mean)",
    "bigonial_bizygomatic_ratio": "Jaw width / cheekbone width",
    "lower_face_taper": "Lower-face taper",
    "midface_width_ratio": "Mid-face width",
    "asymmetry_index": "Asymmetry (whole face)",
    "mouth_corner_tilt": "Mouth-corner tilt",
    "eye_aperture_ratio": "Eye opening, left vs right",
    "brow_height_difference": "Brow height, left vs right",
    "jaw_angle_difference": "Jaw angle, left vs right",
    "skin_lightness": "Skin lightness (cheeks)",
    "skin_redness": "Skin redness (cheeks)",
    "skin_redness_contrast": "Redness, cheeks against forehead",
    "skin_evenness": "Uneven skin tone (cheeks)",
}


def _name(metric) -> str:
    return metric if isinstance(metric, str) else metric.name


def label(name) -> str:
    """The plain-language name of metric ``name``; an unknown name is returned as it is.

    >>> label("cheek_fullness_left")
    'Cheek fullness (left)'
    >>> label("silhouette_width_55")
    'Silhouette: face width at 55 %'
    """
    name = _name(name)
    if name in _PLAIN:
        return _PLAIN[name]
    for stem, text in _SIDED.items():
        for side in ("left", "right"):
            if name == f"{stem}_{side}":
                return f"{text} ({side})"
    region = name.removeprefix("asymmetry_")
    if region in REGIONS:
        return f"Asymmetry ({region})"
    if name.startswith("silhouette_width_"):
        return f"Silhouette: face width at {name.rsplit('_', 1)[1]} %"
    return name


#: Group names as a page shows them.
GROUP_LABELS: Mapping[str, str] = {"jaw": "Jaw", "midface": "Mid-face", "symmetry": "Symmetry",
                                   "silhouette": "Silhouette (plain background)", "skin": "Skin (against your wall)"}


# --- what each metric measures ------------------------------------------------------------
_SIDED_MEANING = {
    "jaw_angle": "The angle at your {side} jaw corner, seen from the front; higher means a softer, rounder "
                 "jaw corner, lower a more defined one.",
    "cheek_fullness": "How far the outline of your {side} cheek bulges out beyond a straight line from "
                      "cheekbone to jaw corner; higher means a fuller cheek, lower a hollower one.",
    "malar_projection": "How far your {side} cheekbone area sits in front of your outer eye corners and "
                        "nose tip, from the camera's depth estimate (the noisiest measure); higher means "
                        "a more projected upper cheek.",
    "silhouette_cheek": "How far the real outline of your {side} cheek reaches out from the middle of your "
                        "face, halfway down from the eyes to the chin, seen against the background; higher "
                        "means it reaches further out (it needs a plain wall behind you).",
}
_MEANING = {
    "jaw_angle_mean": "The mean of your two jaw-corner angles seen from the front, the steadier jawline "
                      "number; higher means softer, rounder jaw corners, lower more defined ones.",
    "bigonial_bizygomatic_ratio": "The width of your jaw across the jaw corners compared with the width "
                                  "across your cheekbones; higher means a wider jaw or fuller lower cheeks.",
    "lower_face_taper": "The angle between the two sides of your jaw, from the jaw corners down to the chin; "
                        "higher means a slimmer, more V-shaped lower face, lower a broader, squarer one.",
    "midface_width_ratio": "The width of your face across the cheeks compared with the distance between "
                           "your eyes; higher means fuller cheeks and lower face.",
    "asymmetry_index": "How much your whole face differs from its mirror image; 0 would be perfectly "
                       "symmetric, higher means more difference between left and right.",
    "mouth_corner_tilt": "The tilt of the line through your mouth corners; above 0 your left corner is "
                         "higher, below 0 your right one, 0 is level.",
    "eye_aperture_ratio": "How much more open your left eye is than your right; above 0 the left opens "
                          "more, below 0 the right, 0 means both open the same.",
    "brow_height_difference": "How much higher your left brow sits above its eye than your right brow; "
                              "above 0 the left is higher, below 0 the right.",
    "jaw_angle_difference": "Your left jaw-corner angle minus your right one; above 0 the left corner is "
                            "softer (a wider angle), below 0 the right one.",
    "skin_lightness": "How light the skin of your cheeks is compared with the wall behind you; higher means "
                      "lighter skin, lower darker or more tanned skin (it needs a plain wall behind you).",
    "skin_redness": "How red the skin of your cheeks is compared with the wall behind you; higher means redder "
                    "cheeks, and a massage or exercise in the last half hour makes them read redder for a while.",
    "skin_redness_contrast": "How much redder your cheeks are than your forehead in the same photo; higher means "
                             "the cheeks are redder than the forehead, 0 that both are alike.",
    "skin_evenness": "How much the colour of your cheeks varies from spot to spot once the smooth shading of the "
                     "light is taken out; higher means blotchier, less even skin tone.",
}
_REGION_WORDS = {"eyes": "your eyes", "brows": "your brows", "mouth": "your mouth", "jaw": "your jawline",
                 "cheeks": "your cheeks and cheekbones"}


def meaning(metric) -> str:
    """One sentence: what ``metric`` (a Metric or its name) measures, and what a higher value means."""
    name = _name(metric)
    if name in _MEANING:
        return _MEANING[name]
    for stem, text in _SIDED_MEANING.items():
        for side in ("left", "right"):
            if name == f"{stem}_{side}":
                return text.format(side=side)
    region = name.removeprefix("asymmetry_")
    if region in REGIONS:
        return (f"How much the area of {_REGION_WORDS.get(region, region)} differs from its mirror image; 0 "
                "would be perfectly symmetric, higher means more difference between left and right there.")
    if name.startswith("silhouette_width_"):
        return (f"The real width of your face {name.rsplit('_', 1)[1]} % of the way down from the eyes to the "
                "chin, seen against the background; higher means a wider face there (it needs a plain wall "
                "behind you).")
    raise KeyError(f"unknown metric {name!r}")


# --- units a person knows -----------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """How a metric's values are shown: ``factor`` x the stored value, with ``decimals``
    digits after the point, followed by ``symbol``; ``words`` and ``meaning`` explain it."""

    symbol: str  # written after a number: "°", "% of eye distance"
    words: str  # the unit in words: "degrees"
    meaning: str  # one line: what a value in it means
    factor: float = 1.0
    decimals: int = 1

    def number(self, value: float, sign: bool = False) -> str:
        """``value`` (already shown units) with the unit's decimals; never "-0.0"."""
        text = f"{value:+.{self.decimals}f}" if sign else f"{value:.{self.decimals}f}"
        if float(text) == 0:
            text = f"{0:.{self.decimals}f}"
        return text

    def attach(self, number: str) -> str:
        return number + self.symbol if self.symbol == "°" else f"{number} {self.symbol}"

    @property
    def axis(self) -> str:
        """A chart axis's label: the symbol, or the words for a symbol that cannot stand alone (°)."""
        return self.words if self.symbol == "°" else self.symbol


DEGREES = Unit("°", "degrees", "An angle: a right angle is 90°.")
EYE_DISTANCE = Unit("% of eye spacing", "percent of the distance between your eyes",
                    "100 % is the distance between the centres of your eyes (about 6 cm on most adults), "
                    "so 1 % is about 0.6 mm.")
CHEEKBONE_WIDTH = Unit("% of cheekbone width", "percent of the width across your cheekbones",
                       "100 % would be a jaw as wide as your face across the cheekbones.", factor=100.0)
AREA = Unit("% of face size", "percent of the size of your face",
            "An area: how far the cheek's outline bulges beyond a straight line from cheekbone to jaw corner, "
            "compared with the size of your face; 1 % is a patch of about 1.4 by 1.4 cm on an adult face.",
            decimals=2)
EYE_OPENING = Unit("% more open on the left", "percent more open, left eye compared with right",
                   "+10 means the left eye opens about 10 % wider than the right; 0 means both open the same.")
LIGHTNESS = Unit("lightness points", "points of lightness, your wall being 100",
                 "A scale from 0 (black) to 100 (the colour of your wall); 1 point is about the smallest "
                 "difference an eye sees side by side.")
REDNESS = Unit("redness points", "points of redness, your wall being 0",
               "0 is the neutral colour of your wall and skin usually reads 10 to 25; 1 point is about the "
               "smallest difference an eye sees side by side, and irritated skin reads 1 to 3 points higher.")
COLOUR_SPREAD = Unit("colour points", "points of colour difference",
                     "0 would be one even colour; 1 point is about the smallest colour difference an eye sees "
                     "side by side.")
#: The stored units (``Metric.units``) and the unit each is shown in.
UNITS: Mapping[str, Unit] = {
    "deg": DEGREES,
    "% of inter-ocular distance": EYE_DISTANCE,
    "x inter-ocular distance": Unit(EYE_DISTANCE.symbol, EYE_DISTANCE.words, EYE_DISTANCE.meaning, factor=100.0),
    "% of face width^2": AREA,
    "% (log ratio left/right)": EYE_OPENING,
    "CIELAB L*": LIGHTNESS,
    "CIELAB a*": REDNESS,
    "CIELAB colour difference": COLOUR_SPREAD,
}
_RATIOS = {"bigonial_bizygomatic_ratio": CHEEKBONE_WIDTH, "midface_width_ratio": UNITS["x inter-ocular distance"]}


def unit(metric) -> Unit:
    """The unit ``metric`` (a ``Metric``: its ``name`` and stored ``units``) is shown in."""
    if metric.name in _RATIOS:
        return _RATIOS[metric.name]
    try:
        return UNITS[metric.units]
    except KeyError:
        raise KeyError(f"metric {metric.name!r} has units {metric.units!r} with no words for them") from None


def unit_words(metric) -> str:
    """``metric``'s unit in words: "degrees", "percent of the distance between your eyes"."""
    return unit(metric).words


def unit_meaning(metric) -> str:
    """One line on what a value in ``metric``'s unit means."""
    return unit(metric).meaning


def _finite(value) -> bool:
    return value is not None and math.isfinite(value)


#: How a missing value (no measurement: a silhouette without a plain background) reads.
MISSING = "not measured"


def shown(metric, value: float) -> float:
    """``value`` (in the metric's stored units) in the units it is shown in."""
    return value * unit(metric).factor


def format_value(metric, value: float | None, *, with_unit: bool = True) -> str:
    """A value as every page writes it: "132.7°", "81.6 % of cheekbone width"; "not measured"."""
    if not _finite(value):
        return MISSING
    u = unit(metric)
    number = u.number(value * u.factor)
    return u.attach(number) if with_unit else number


def format_change(metric, change: float | None, *, with_unit: bool = True) -> str:
    """A change as every page writes it, always signed: "+2.1°", "-0.6 % of cheekbone width"."""
    if not _finite(change):
        return MISSING
    u = unit(metric)
    number = u.number(change * u.factor, sign=True)
    return u.attach(number) if with_unit else number


#: The smallest change a verdict calls real (``stats.verdicts.smallest_real_change``), as a page
#: names and explains it. Its promise is the benchmark's (docs/metrics.md, "How sure a verdict is").
NOISE_NAME = "smallest real change"
NOISE_MEANING = ("A change smaller than this cannot be told apart from how much two photos of an unchanged face "
                 "differ. It comes from photos of real faces taken again, and from your own photos as you take "
                 "more, and it allows for every measure being checked at once.")
#: What one before/after and a series can show, as the verdicts benchmark measured it
#: (docs/metrics.md, "What a change must be to be seen": a widening found in at least 80 % of pairs
#: or series).
WHAT_CAN_BE_SEEN = ("Measured on real photos: one before/after shows a widening of the face of about 4 % or more "
                    "(with a plain wall behind you); a series of 12 weekly photos shows changes between 2 and 4 %. "
                    "A longer lower face or a lifted mouth corner is rarely seen.")
#: The verdicts of a change, and what they mean.
VERDICTS: Mapping[bool, str] = {True: "beyond noise", False: "within noise"}
VERDICT_MEANING = ("Beyond noise: larger than the smallest real change. Within noise does not mean nothing "
                   "changed, only that a change this small cannot be told from day-to-day noise.")
UNKNOWN_NOISE = "not known yet"


def format_noise(metric, noise: float | None, *, with_unit: bool = True) -> str:
    """The smallest real change (MDC95) as every page writes it: "1.9°"; "not known yet" when
    it is unknown (a single view, no spread)."""
    if not _finite(noise):
        return UNKNOWN_NOISE
    u = unit(metric)
    number = u.number(noise * u.factor)
    return u.attach(number) if with_unit else number


def format_reading(metric, value: float, spread: float | None) -> str:
    """One capture's value with its spread over the views: "133.1 ± 0.8°"."""
    if not _finite(value):
        return MISSING
    u = unit(metric)
    if not _finite(spread) or spread <= 0:
        return format_value(metric, value)
    return u.attach(f"{u.number(value * u.factor)} ± {u.number(spread * u.factor)}")
