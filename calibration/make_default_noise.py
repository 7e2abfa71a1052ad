"""Derive facetrack/stats/default_noise.py: the default between-capture noise of every measure.

A measure's default s0_m is the standard deviation of ONE capture's value between captures of
an unchanged face; nu0_m is how much the data behind it is worth (degrees of freedom). Both are
measured on real repeat captures, each measured exactly as a user's photo is
(``Measurer.measure_photo`` on the frame as a JPEG, quality 92, the way the capture page sends it):

- the calm clip: tests/data/single_face.mp4, neutral frames 0-17 (0.6 s, one sitting);
- the expressive clip: tests/data/face_noface.mov, frames 0-72 (2.8 s, the same man: the calm
  clip's sitting at a higher resolution, then a held smile with blinks and squints);
- stills re-taken: grace_hopper and astronaut, each as 8 capture-like copies (roll ±2.5°, size
  ±6 %, light ±10 %, JPEG 75-95; ``lab.warps.CaptureConditions``). These are views of ONE photo:
  they can raise a default above the clips' figure, never lower it, and never define one alone.

The derivation (``derive``), per measure:

    s_clip   = pooled SD within the clip's groups of one expression (``comparable_groups``:
               a smiling and a neutral face are never compared, a verdict calls such a pair
               "cannot tell"; a blink or a squint is left out)
    s_stills = pooled SD within each still's re-takes
    s0       = max(s_expressive, WEEK_FACTOR x s_calm, s_stills)
    nu0      = NU0

WEEK_FACTOR (the calm clip's frames, seconds apart, are the best case, not a week) is the median
over the landmark measures of s_expressive / s_calm: how much more small changes of pose and
expression move a measure than the model's jitter between frames of a calm sitting.

Every source is ONE sitting (the expressive clip is the calm clip's sitting, filmed at another
resolution, then a held smile). No week-apart photos of one face are in the repository, so the
default is made conservative for a week in the way it is used, not by a guessed factor: nu0 is
small (``NU0`` = 6: one sitting of one man plus two stills is worth a few degrees of freedom),
so a first before/after is judged with Student's t at 6 degrees of freedom (its threshold about
1.7x the normal one under the family's correction), and as the person's own photos arrive their
scatter around their own trend (real weeks) outweighs the default (``stats.noise.combine``).

The skin measures (``metrics.SKIN``, colour against the wall behind the head) are derived the
same way, from the same captures' ``PhotoMeasurement.skin``: the clips are filmed in front of a
plain door (every frame gives them, but one of the expressive clip's); the stills' backgrounds
(a flag, a room) are mostly refused as not plain (grace_hopper none of 8, astronaut 3 of 8), so
the stills can raise a skin default but hardly ever set it. The week factor stays the landmark
measures' (the skin's own calm/expressive ratio does not set it).

The measured values of every capture are cached in calibration/noise_captures.json (the
expensive part: about 100 photos through MediaPipe); a rerun only derives. ``--remeasure``
measures again (after a change of the model or of a metric's definition); ``--remeasure-skin``
measures every capture again but replaces only its skin values in the cache (the other
measures' cached values stay exactly as they were), after a change of a skin definition.

Run: .venv/bin/python calibration/make_default_noise.py [--remeasure | --remeasure-skin]
Writes: facetrack/stats/default_noise.py, calibration/default_noise.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "noise_captures.json"
TABLE_JSON = HERE / "default_noise.json"
TABLE_PY = ROOT / "facetrack" / "stats" / "default_noise.py"
DATA = ROOT / "tests" / "data"

#: clip name -> (file, frames taken as separate captures)
CLIPS = {
    "calm": ("single_face.mp4", tuple(range(0, 18))),
    "expressive": ("face_noface.mov", tuple(range(0, 73))),
}
#: still name -> how many capture-like re-takes, and the seed of their conditions
STILLS = {"grace_hopper": 8, "astronaut": 8}
STILL_SEED = 7
JPEG_QUALITY = 92
#: Degrees of freedom of every default (see the module's docstring).
NU0 = 6.0
#: A group of captures of one expression counts from this many.
MIN_GROUP = 5
#: A smile score above this is a smiling face (a group of its own).
SMILE = 0.5
#: In a group, a capture whose expression score differs by more than this from the group's
#: median (a blink half-way, a squint) is left out: a guided capture checks the eyes are open.
EXPRESSION_SPREAD = 0.2
COMMAND = ".venv/bin/python calibration/make_default_noise.py"


# ---------------------------------------------------------------------------------------------
# Measuring (MediaPipe; cached)

def clip_frames(name: str) -> list[np.ndarray]:
    """The clip's frames taken as captures (RGB), in order."""
    from facetrack.capture.sources import video_frames

    file, wanted = CLIPS[name]
    frames = {f.index: f.image for f in video_frames(DATA / file, max_frames=max(wanted) + 1)}
    return [frames[i] for i in wanted]


def still_image(name: str) -> np.ndarray:
    if name == "grace_hopper":
        from facetrack.demo import portrait

        return portrait()
    from skimage import data

    return np.ascontiguousarray(getattr(data, name)())


def still_retakes(name: str, n: int | None = None, seed: int = STILL_SEED) -> list[np.ndarray]:
    """``n`` capture-like re-takes of a still (each already through its JPEG quality)."""
    from facetrack.lab.warps import CaptureConditions, jpeg_roundtrip

    rng = np.random.default_rng([seed, sorted(STILLS).index(name)])
    image = still_image(name)
    out = []
    for _ in range(STILLS[name] if n is None else n):
        c = CaptureConditions.random(rng)
        out.append(jpeg_roundtrip(c.apply(image), c.jpeg_quality))
    return out


def measure_record(measurer, image: np.ndarray, *, jpeg: int | None = JPEG_QUALITY) -> dict:
    """One capture as a plain record: every metric (value, spread, n, version), the pose, the
    face's size, expression and light (what ``stats.comparable`` judges a pair by)."""
    from facetrack.capture.gates import cheek_brightness
    from facetrack.lab.warps import jpeg_roundtrip
    from facetrack.metrics.align import interocular
    from facetrack.stats.comparable import expression_of, light_balance

    if jpeg is not None:
        image = jpeg_roundtrip(image, jpeg)
    result = measurer.measure_photo(image)
    face = result.landmarks
    left, right = cheek_brightness(image, face, measurer.topology)
    return {
        "metrics": {k: [v.value, v.spread, v.n, v.version]
                    for k, v in sorted({**result.metrics, **result.skin}.items())},
        "pose": [face.pose.yaw, face.pose.pitch, face.pose.roll],
        "iod": interocular(face.points, measurer.topology, frontal=True),
        "width": int(image.shape[1]),
        "expression": expression_of(v.blendshapes for v in result.views),
        "brightness": 0.5 * (left + right),
        "light_balance": light_balance(left, right),
    }


def try_record(measurer, image: np.ndarray, **kwargs) -> dict:
    """``measure_record``, or {"refused": why} for a photo facetrack refuses (no face, turned)."""
    from facetrack.errors import InputError

    try:
        return measure_record(measurer, image, **kwargs)
    except InputError as exc:
        return {"refused": exc.problem}


def measure_all(progress=print) -> dict:
    """Every capture of every source, measured (minutes)."""
    from facetrack.detect.measure import Measurer

    out = {"jpeg_quality": JPEG_QUALITY, "clips": {}, "stills": {}}
    with Measurer.from_model() as m:
        for name, (file, frames) in CLIPS.items():
            progress(f"measuring {file}: {len(frames)} frames")
            out["clips"][name] = {"file": file, "frames": list(frames),
                                  "captures": [try_record(m, im) for im in clip_frames(name)]}
        for name, n in STILLS.items():
            progress(f"measuring {name}: {n} re-takes")
            out["stills"][name] = {"seed": STILL_SEED,
                                   "captures": [try_record(m, im, jpeg=None) for im in still_retakes(name)]}
    return out


def skin_names() -> tuple[str, ...]:
    from facetrack.metrics import SKIN

    return tuple(m.name for m in SKIN)


def merge_skin(cache: dict, measured: dict) -> dict:
    """``cache`` with every capture's skin values taken from ``measured`` (the same sources
    measured again), everything else unchanged; a capture refused in either stays as cached."""
    names = set(skin_names())
    out = json.loads(json.dumps(cache))
    for kind in ("clips", "stills"):
        for name, src in out[kind].items():
            fresh = measured[kind][name]["captures"]
            if len(fresh) != len(src["captures"]):
                raise ValueError(f"{kind} {name} must have {len(src['captures'])} captures but got {len(fresh)}")
            for record, new in zip(src["captures"], fresh):
                if "metrics" not in record or "metrics" not in new:
                    continue
                kept = {k: v for k, v in record["metrics"].items() if k not in names}
                record["metrics"] = dict(sorted({**kept, **{k: v for k, v in new["metrics"].items()
                                                            if k in names}}.items()))
    return out


def load_cache(remeasure: bool = False, progress=print, *, remeasure_skin: bool = False) -> dict:
    if remeasure_skin and CACHE.exists() and not remeasure:
        cache = merge_skin(json.loads(CACHE.read_text()), measure_all(progress))
        CACHE.write_text(dump_cache(cache))
        return json.loads(CACHE.read_text())
    if CACHE.exists() and not remeasure:
        return json.loads(CACHE.read_text())
    CACHE.write_text(dump_cache(measure_all(progress)))
    return json.loads(CACHE.read_text())


def _rounded(x):
    """Floats to 7 significant digits (far below any measure's noise), recursively."""
    if isinstance(x, float):
        return float(f"{x:.7g}") if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v) for v in x]
    return x


def dump_cache(cache: dict) -> str:
    """The cache as JSON with one capture per line (readable diffs after a remeasure)."""
    cache = _rounded(cache)
    lines = ["{", f' "jpeg_quality": {cache["jpeg_quality"]},']
    for kind in ("clips", "stills"):
        lines.append(f' "{kind}": {{')
        items = list(cache[kind].items())
        for i, (name, src) in enumerate(items):
            head = {k: v for k, v in src.items() if k != "captures"}
            lines.append(f'  "{name}": {json.dumps(head)[:-1]}, "captures": [')
            caps = [f"   {json.dumps(r, separators=(',', ':'))}" for r in src["captures"]]
            lines.append(",\n".join(caps))
            lines.append("  ]}" + ("," if i < len(items) - 1 else ""))
        lines.append(" }" + ("," if kind == "clips" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Deriving (pure: cache -> table)

def values(records: list[dict], metric: str) -> np.ndarray:
    return np.array([r["metrics"][metric][0] for r in records if metric in r.get("metrics", {})
                     and r["metrics"][metric][0] is not None and math.isfinite(r["metrics"][metric][0])])


def sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) >= 2 else float("nan")


def metric_names(cache: dict) -> list[str]:
    from facetrack.metrics import ALL_METRICS

    seen = {k for src in (*cache["clips"].values(), *cache["stills"].values()) for r in src["captures"]
            for k in r.get("metrics", {})}
    return [m.name for m in ALL_METRICS if m.name in seen]


def comparable_groups(records: list[dict]) -> list[list[dict]]:
    """A clip's captures as groups of one expression: split by whether the face smiles (smile
    score above ``SMILE``), then, in each group, only the captures whose every expression score
    is within ``EXPRESSION_SPREAD`` of the group's median (a blink or a squint is left out).
    Groups of fewer than ``MIN_GROUP`` captures are dropped.

    The limits are fixed here, not taken from ``stats.comparable.LIMITS``: those limits are
    set from this noise (where a difference's error reaches it), so reading them here would
    make each depend on the other."""
    measured = [r for r in records if "metrics" in r and r.get("expression")]
    names = sorted({k for r in measured for k in r["expression"]})
    split = [[r for r in measured if r["expression"].get("smile", 0) > SMILE],
             [r for r in measured if r["expression"].get("smile", 0) <= SMILE]]
    out = []
    for group in split:
        if not group:
            continue
        median = {k: float(np.median([r["expression"].get(k, 0) for r in group])) for k in names}
        kept = [r for r in group
                if all(abs(r["expression"].get(k, 0) - median[k]) <= EXPRESSION_SPREAD for k in names)]
        if len(kept) >= MIN_GROUP:
            out.append(kept)
    return out


def pooled_sd(groups: list[np.ndarray]) -> tuple[float, int]:
    """(pooled within-group SD, captures in it) over groups of at least 2 values."""
    groups = [g for g in groups if len(g) >= 2]
    dof = sum(len(g) - 1 for g in groups)
    if not dof:
        return float("nan"), 0
    return math.sqrt(sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / dof), sum(len(g) for g in groups)


def source_sds(cache: dict) -> dict[str, dict[str, tuple[float, int]]]:
    """metric -> source -> (SD between its captures, n captures). A clip: the pooled SD over
    its groups of comparable captures (``comparable_groups``); the stills: the pooled SD of
    each still's re-takes."""
    groups = {clip: comparable_groups(src["captures"]) for clip, src in cache["clips"].items()}
    out = {}
    for name in metric_names(cache):
        row = {clip: pooled_sd([values(g, name) for g in gs]) for clip, gs in groups.items()}
        row["stills"] = pooled_sd([values(st["captures"], name) for st in cache["stills"].values()])
        out[name] = row
    return out


def week_factor(sds: dict[str, dict[str, tuple[float, int]]]) -> float:
    """Median over the landmark measures of s_expressive / s_calm."""
    from facetrack.metrics import ALL_METRICS

    groups = {m.name: m.group for m in ALL_METRICS}
    ratios = [row["expressive"][0] / row["calm"][0] for name, row in sds.items()
              if groups.get(name) not in ("silhouette", "skin") and row["calm"][0] > 0 and math.isfinite(row["expressive"][0])]
    return float(np.median(ratios))


def derive(cache: dict, *, nu0: float = NU0, clips: tuple[str, ...] | None = None,
           use_stills: bool = True) -> dict[str, dict]:
    """metric -> {"s0", "nu0", "sources": {source: [SD, n]}, "factor", "from"}.

    ``clips``/``use_stills`` restrict the sources (cross-validation: a default made without
    the series it is tested on). With one clip left, the week factor cannot be measured
    between two clips: the calm/expressive factor of the full data is not used either; the
    clip's own SD is taken as it is (the benchmark reports how that fares)."""
    sds = source_sds(cache)
    clips = tuple(cache["clips"]) if clips is None else clips
    factor = week_factor(sds) if {"calm", "expressive"} <= set(clips) else 1.0
    out = {}
    for name, row in sds.items():
        candidates = {}
        for clip in clips:
            s, n = row[clip]
            if n >= 2 and math.isfinite(s):
                candidates[clip] = s * (factor if clip == "calm" else 1.0)
        if use_stills and row["stills"][1] >= 2 and math.isfinite(row["stills"][0]):
            candidates["stills"] = row["stills"][0]
        if not candidates:
            continue
        source = max(candidates, key=candidates.get)
        out[name] = {"s0": float(f"{candidates[source]:.4g}"), "nu0": nu0, "from": source, "factor": factor,
                     "sources": {k: [float(f"{v[0]:.4g}"), v[1]] for k, v in row.items()}}
    return out


def table(derived: dict[str, dict]) -> dict[str, tuple[float, float]]:
    return {name: (d["s0"], d["nu0"]) for name, d in derived.items()}


# ---------------------------------------------------------------------------------------------
# Writing

def render_python(derived: dict[str, dict]) -> str:
    factor = next(iter(derived.values()))["factor"]
    lines = [
        '"""The default between-capture noise of every measure: (SD of one capture\'s value, degrees of',
        "freedom), in the metric's stored units.",
        "",
        f"GENERATED by `{COMMAND}`: do not edit by hand.",
        "Source: real repeat captures of unchanged faces, each frame or re-take measured as a user's photo:",
        "the calm clip (tests/data/single_face.mp4, neutral frames 0-17), the expressive clip",
        "(tests/data/face_noface.mov, frames 0-72: the same sitting, neutral then a held smile) and two",
        "stills (grace_hopper, astronaut) as capture-like re-takes. SD within groups of comparable",
        f"captures (never a smile against a neutral face). s0 = max(SD expressive, {factor:.2f} x SD calm,",
        f"SD stills); {factor:.2f} is the median ratio of the expressive to the calm clip's SD over the",
        "landmark measures. All of it is one sitting: nu0 is small, so a first before/after is judged",
        "with wide intervals and the person's own photos soon outweigh the default.",
        "n per measure (calm, expressive, stills):",
    ]
    for name, d in derived.items():
        src = d["sources"]
        lines.append(f"  {name}: {src['calm'][1]}, {src['expressive'][1]}, {src['stills'][1]} (from {d['from']})")
    lines += ['"""', "", "#: metric -> (s0, nu0)", "DEFAULT_NOISE: dict[str, tuple[float, float]] = {"]
    for name, d in derived.items():
        lines.append(f'    "{name}": ({d["s0"]!r}, {d["nu0"]!r}),')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_json(derived: dict[str, dict]) -> str:
    factor = next(iter(derived.values()))["factor"]
    return json.dumps({
        "command": COMMAND,
        "derivation": "s0 = max(SD expressive clip, week_factor x SD calm clip, pooled SD of the stills' re-takes); "
                      "each frame or re-take measured as a separate capture (a user's photo); a clip's SD pooled "
                      "within its groups of comparable captures (never a smile against a neutral face)",
        "week_factor": round(factor, 4),
        "nu0": NU0,
        "sources": {"calm": f"tests/data/{CLIPS['calm'][0]} frames {CLIPS['calm'][1][0]}-{CLIPS['calm'][1][-1]}",
                    "expressive": f"tests/data/{CLIPS['expressive'][0]} frames "
                                  f"{CLIPS['expressive'][1][0]}-{CLIPS['expressive'][1][-1]}",
                    "stills": f"grace_hopper and astronaut, {STILLS['grace_hopper']} capture-like re-takes each"},
        "metrics": derived,
    }, indent=1) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--remeasure", action="store_true", help="measure the captures again (MediaPipe)")
    parser.add_argument("--remeasure-skin", action="store_true",
                        help="measure the captures again, replacing only their skin values in the cache")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    cache = load_cache(args.remeasure, remeasure_skin=args.remeasure_skin)
    derived = derive(cache)
    TABLE_PY.write_text(render_python(derived))
    TABLE_JSON.write_text(render_json(derived))
    print(f"{'measure':28s} {'s0':>9s} {'nu0':>4s} {'from':>10s}   SD calm / expressive / stills")
    for name, d in derived.items():
        s = d["sources"]
        print(f"{name:28s} {d['s0']:9.4g} {d['nu0']:4g} {d['from']:>10s}   "
              f"{s['calm'][0]:.3g} / {s['expressive'][0]:.3g} / {s['stills'][0]:.3g}")
    print(f"week factor {next(iter(derived.values()))['factor']:.2f}; written {TABLE_PY} and {TABLE_JSON}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
