"""How much two photos may differ in pose, expression, face size and light and still be compared.

For every measure m and every kind of difference f (head turned, chin up or down, head
leaning, each expression score, face size, brightness, light from one side), this measures
how fast m's error grows with f, as the slope k(m, f) of |change of m| against |difference
in f| (through the origin), on real faces:

- pose, face size and light: the stock stills (grace_hopper, astronaut) and a neutral frame
  of the webcam clip, each under known changes (benchmarks/faces.py): the head turned or
  raised (a cylinder warp; the model's own pose reading is the difference), in-plane
  rotations, a smaller face in the same picture, brightness and light falling from one side;
- expression: every pair of frames of the two vendored clips (the same man, neutral then
  smiling, with blinks and pressed lips): a least-squares fit, all expression scores and the
  pose differences at once (non-negative slopes, with an intercept for the noise).

The between-capture noise s(m) is the SD between two frames of the neutral start of the
clips (frames 0-15, seconds apart: the best case, so the limits are on the strict side).
A measure's limit for f is where the error f adds reaches that noise: s(m) / k(m, f). The
pair's limit for f is the 10th percentile over the measures (the measures most sensitive to
f; a single measure's slope is itself noisy), rounded; `stats.comparable.LIMITS` holds them.

    .venv/bin/python benchmarks/comparability.py          # uses benchmarks/results/faces.pkl
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faces import CACHE, load  # noqa: E402

EXPRESSION_NAMES = ("smile", "jaw_open", "brows_up", "squint", "blink", "pucker", "press")
#: The stills' known changes used: in-plane rotation, a smaller face, brightness, light from one side.
#: (The cylinder warps that turn or raise the head are measured too, in ``cylinder:``, and shown, but
#: the model reads a third of their angle and the rest is a distortion, not a pose: the clips' real
#: pose differences set those limits.)
STILL_FACTORS = {"roll": "roll", "scale": "size", "gain": "brightness", "side_light": "balance",
                 "yaw": "cylinder:yaw", "pitch": "cylinder:pitch"}
NEUTRAL_FRAMES = range(0, 16)
OUT = Path(__file__).resolve().parent / "results" / "comparability.json"


def factors(face) -> dict[str, float]:
    """The values a difference is taken of: pose (degrees), expression scores, log face size
    (eye distance over the picture's width), log brightness, log2 light balance."""
    q = face.quality
    out = dict(zip(("yaw", "pitch", "roll"), face.pose))
    out.update({f"expr:{k}": v for k, v in (q.get("expression") or {}).items()})
    out["size"] = math.log(q["interocular_px"] / face.width)
    out["brightness"] = math.log(q["brightness"]) if q.get("brightness") else float("nan")
    out["balance"] = math.log2(q["light_balance"]) if q.get("light_balance") else float("nan")
    return out


def noise(faces, metrics) -> dict[str, float]:
    """Between-capture SD per measure: pairs of neutral frames of each clip, |difference| / sqrt 2 (RMS)."""
    out = {}
    for m in metrics:
        diffs = []
        for clip in ("single_face", "face_noface"):
            vals = [f.metrics.get(m) for f in faces if f.source == clip and int(f.amount) in NEUTRAL_FRAMES]
            vals = [v for v in vals if v is not None]
            diffs += [a - b for a, b in itertools.combinations(vals, 2)]
        if len(diffs) >= 10:
            out[m] = float(np.sqrt(np.mean(np.square(diffs)) / 2))
    return out


def still_slopes(faces, metrics) -> dict[str, dict[str, float]]:
    """k(m, f) for the pose, size and light factors, from the stills' known changes."""
    out: dict[str, dict[str, float]] = {}
    for change, factor in STILL_FACTORS.items():
        xs, ds = {m: [] for m in metrics}, {m: [] for m in metrics}
        for source in {f.source for f in faces if f.change == "none"}:
            base = next(f for f in faces if f.source == source and f.change == "none")
            fb = factors(base)
            for f in faces:
                if f.source != source or f.change != change:
                    continue
                key = factor.removeprefix("cylinder:")
                x = abs(factors(f)[key] - fb[key])
                for m in metrics:
                    if m in f.metrics and m in base.metrics:
                        xs[m].append(x)
                        ds[m].append(abs(f.metrics[m] - base.metrics[m]))
        out[factor] = {m: float(np.dot(xs[m], ds[m]) / np.dot(xs[m], xs[m]))
                       for m in metrics if len(xs[m]) >= 4 and np.dot(xs[m], xs[m]) > 0}
        SPAN[factor] = max((max(x) for x in xs.values() if x), default=0.0)
    return out


#: factor -> the largest difference in the data its slopes come from (beyond it, nothing is known).
SPAN: dict[str, float] = {}


def expression_slopes(faces, metrics) -> dict[str, dict[str, float]]:
    """k(m, expression) from all pairs of frames of each clip: |d m| = c + sum k_f |d f|, k >= 0."""
    from scipy.optimize import nnls

    names = [f"expr:{e}" for e in EXPRESSION_NAMES] + ["yaw", "pitch", "roll"]
    out: dict[str, dict[str, float]] = {n[5:]: {} for n in names if n.startswith("expr:")}
    for m in metrics:
        rows, target = [], []
        for clip in ("single_face", "face_noface"):
            frames = [f for f in faces if f.source == clip and m in f.metrics]
            fx = [factors(f) for f in frames]
            for (a, fa), (b, fb) in itertools.combinations(zip(frames, fx), 2):
                rows.append([1.0] + [abs(fa.get(n, 0) - fb.get(n, 0)) for n in names])
                target.append(abs(a.metrics[m] - b.metrics[m]))
        if len(rows) < 50:
            continue
        coef, _ = nnls(np.array(rows), np.array(target))
        for n, x in zip(names, np.array(rows)[:, 1:].T):
            SPAN[n[5:] if n.startswith("expr:") else f"clip:{n}"] = float(x.max())
        for n, k in zip(names, coef[1:]):
            out.setdefault(n[5:] if n.startswith("expr:") else f"clip:{n}", {})[m] = float(k)
    return out


def limits(noise_sd, slopes, percentile: float = 10) -> dict[str, tuple[float, dict[str, float]]]:
    """Per factor: the pair's limit (a low percentile of the per-measure limits) and those limits."""
    out = {}
    for factor, ks in slopes.items():
        per = {m: noise_sd[m] / k for m, k in ks.items() if m in noise_sd and k > 0}
        fitted = float(np.percentile(list(per.values()), percentile)) if per else float("inf")
        out[factor] = (min(fitted, SPAN.get(factor, float("inf"))), fitted, per)
    return out


def _down(value: float) -> float:
    """``value`` rounded down to 2 significant digits."""
    if not math.isfinite(value) or value <= 0:
        return value
    step = 10 ** (math.floor(math.log10(value)) - 1)
    return round(math.floor(value / step) * step, 10)


#: Which measured row sets each limit of ``stats.comparable.LIMITS``.
SOURCES = {"yaw": "clip:yaw", "pitch": "clip:pitch", "roll": "roll", "size": "size", "brightness": "brightness",
           "balance": "balance"}


def suggested(table) -> str:
    values = {k: _down(table[row]["limit"] / (100 if k in ("size", "brightness") else 1)) for k, row in SOURCES.items()}
    expression = {e: _down(table[e]["limit"]) for e in EXPRESSION_NAMES}
    return ", ".join(f"{k}={v:g}" for k, v in values.items()) + "; expression " + ", ".join(
        f"{k}={v:g}" for k, v in expression.items())


def clip_pairs(faces):
    """(pairs, comparable pairs, Counter of reasons) over every pair of frames within each clip."""
    import collections
    import datetime as dt

    from facetrack.records import Capture, QualityNotes
    from facetrack.stats.comparable import comparability

    def capture(f):
        return Capture(0, "p", dt.datetime(2026, 1, 1), "exif", "", Path(""), "0" * 64, f.width, 0, f.pose,
                       QualityNotes.from_dict(f.quality), {})

    pairs = comparable = 0
    reasons: collections.Counter = collections.Counter()
    for clip in ("single_face", "face_noface"):
        caps = [capture(f) for f in faces if f.source == clip]
        for a, b in itertools.combinations(caps, 2):
            result = comparability(a, b)
            pairs += 1
            comparable += result.comparable
            reasons.update(" ".join(r.split()[:3]) for r in result.reasons)
    return pairs, comparable, reasons


UNITS = {"cylinder:yaw": ("degrees", 1), "cylinder:pitch": ("degrees", 1), "roll": ("degrees", 1),
         "clip:yaw": ("degrees", 1), "clip:pitch": ("degrees", 1), "clip:roll": ("degrees", 1),
         "size": ("% face size", 100), "brightness": ("% brightness", 100), "balance": ("log2 cheek ratio", 1)}


def main() -> None:
    from facetrack.stats.default_noise import DEFAULT_NOISE

    faces = load()
    metrics = sorted({m for f in faces for m in f.metrics})
    s = {m: sd for m, (sd, _) in DEFAULT_NOISE.items()} if "--clip-noise" not in sys.argv else noise(faces, metrics)
    slopes = {**still_slopes(faces, metrics), **expression_slopes(faces, metrics)}
    result = limits(s, slopes)
    source = "the clips' neutral frames" if "--clip-noise" in sys.argv else "stats.default_noise (between captures)"
    print(f"faces: {len(faces)} measured ({CACHE.name}); noise: {source}")
    print(f"{'difference':<15} {'limit':>7} {'fitted':>7} {'data':>6}  {'unit':<17} most sensitive measures "
          "(their own limit)")
    table = {}
    for factor, (limit, fitted, per) in result.items():
        unit, scale = UNITS.get(factor, ("score 0-1", 1))
        def show(v):
            return 100 * (math.exp(v) - 1) if factor in ("size", "brightness") else v

        worst = sorted(per.items(), key=lambda kv: kv[1])[:3]
        print(f"{factor:<15} {show(limit):>7.2f} {show(fitted):>7.2f} {show(SPAN.get(factor, math.inf)):>6.2f}  "
              f"{unit:<17} " + ", ".join(f"{m} {show(v):.2f}" for m, v in worst))
        table[factor] = {"limit": show(limit), "fitted": show(fitted), "data_span": show(SPAN.get(factor, math.inf)),
                         "unit": unit, "per_measure": {m: show(v) for m, v in per.items()}}
    print("where the most sensitive measures' added error reaches their noise (2 significant digits; the pair "
          "limits in use are stats.comparable.LIMITS, and within them the error is added to each measure): "
          + suggested(table))
    pairs, comparable, reasons = clip_pairs(faces)
    print(f"with stats.comparable.LIMITS: {comparable} of {pairs} pairs of clip frames comparable "
          f"({100 * comparable / pairs:.0f} %); reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    OUT.write_text(json.dumps({"noise_sd": s, "limits": table}, indent=1))
    print(f"written to {OUT.relative_to(OUT.parents[2])}")
    print(f"written to {write_sensitivity(slopes).relative_to(OUT.parents[2])}")


#: Which measured slopes ``stats.pair_sensitivity`` keeps, under the names ``stats.comparable`` uses.
SENSITIVITY_SOURCES = {"clip:yaw": "yaw", "clip:pitch": "pitch", "roll": "roll", "size": "size",
                       "brightness": "brightness", "balance": "balance", **{e: e for e in EXPRESSION_NAMES}}


def write_sensitivity(slopes) -> Path:
    """facetrack/stats/pair_sensitivity.py: each measure's added error per unit of each difference
    (the slopes above) and the largest difference each was measured over."""
    path = OUT.parents[1].parent / "facetrack" / "stats" / "pair_sensitivity.py"
    lines = ['"""How much each difference between two photos adds to each measure\'s difference: the',
             "measured slopes (measure units per unit of difference), and the largest difference each was",
             "measured over (``SPANS``; beyond it nothing is known).", "",
             "GENERATED by `.venv/bin/python benchmarks/faces.py && .venv/bin/python benchmarks/comparability.py`:",
             "do not edit by hand. Differences: yaw, pitch (degrees, the clips' real pose changes), roll (degrees,",
             "the stills' known rotations), size and brightness (natural log of the ratio), balance (log2 of the",
             "ratio of the cheeks' brightness), and the expression scores (0-1) of ``stats.comparable``.",
             '"""', "", "#: difference -> measure -> added error per unit of difference",
             "SLOPES: dict[str, dict[str, float]] = {"]
    for source, name in SENSITIVITY_SOURCES.items():
        row = ", ".join(f'"{m}": {k:.4g}' for m, k in sorted(slopes.get(source, {}).items()) if k > 0)
        lines.append(f'    "{name}": {{{row}}},')
    lines += ["}", "#: difference -> the largest difference in the data its slopes come from", "SPANS: dict[str, float] = {"]
    lines += [f'    "{name}": {SPAN.get(source, math.inf):.4g},' for source, name in SENSITIVITY_SOURCES.items()]
    lines += ["}", ""]
    path.write_text("\n".join(lines))
    return path


if __name__ == "__main__":
    main()
