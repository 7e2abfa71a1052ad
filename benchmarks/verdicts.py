"""How sure a verdict is: false claims on unchanged faces and detection of known changes.

On real captures (``verdict_captures``: every frame of the two vendored clips and two stills'
capture-like re-takes, each measured as a user's photo; known warps of them), with the verdicts
of ``facetrack.stats.verdicts`` and the noise of ``facetrack.stats.noise``:

a. **False claims** on unchanged series: all pairs of captures of one source, each pair a
   before/after a week apart (its family verdict "changed", and each measure "beyond noise");
   random date orders of 12 captures (fewer for a still's 8 re-takes) as weekly trends (the
   trend summary's family). CROSS-VALIDATED: every series is judged with defaults derived
   without it (``FOLDS``), and, for reference, with the shipped defaults.
b. **Detection** of known warps (``verdict_captures.WARPS``) at 2-8 %: before = one real
   capture, after = a DIFFERENT capture warped (real between-capture noise is in every pair);
   and 12 weekly captures changing steadily (trend). The smallest size each measure shows 80 %
   of the time. The issue's target: a 6 % widening of the lower face is "changed", with a width
   measure beyond noise, on at least 6 of the 8 portraits of ``verdict_captures.PORTRAITS``.
c. **Over-reporting**: each measure's response (measured change / the change of the warped
   landmarks) to the warps; a response above ``OVER`` is named.
d. **Alternatives** for the lead: nu0, a smaller headline family, Holm and Benjamini-Hochberg.

Run: ``.venv/bin/python benchmarks/verdicts.py`` (part of ``make bench``; the first run measures
the 1,870 warped captures, 10-25 minutes on 2 cores; later runs read benchmarks/results/verdict_captures.json).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import verdict_captures as vc  # noqa: E402
from verdict_captures import calib  # noqa: E402
from verdict_checks import (HEADLINE, folds, pair_detection, pair_false_claims, portraits,  # noqa: E402
                            smallest_shown, trend_detection, trend_false_claims)

OVER = 1.15  # a response above this is over-reporting


# ---------------------------------------------------------------------------------------------
# Printing

def _pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f} %"


def _table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def noise_rows(derived: dict, metrics) -> list[list[str]]:
    from facetrack.stats.noise import Noise
    from facetrack.stats.verdicts import smallest_real_change

    noise = {n: Noise(n, d["s0"], d["nu0"], d["s0"], d["nu0"]) for n, d in derived.items()}
    # 12 photos whose own scatter is the default's: 10 more degrees of freedom
    later = {n: Noise(n, d["s0"], d["nu0"] + 10, d["s0"], d["nu0"]) for n, d in derived.items()}
    rows = []
    for m in metrics:
        if m.name not in derived:
            continue
        d, f = derived[m.name], m.unit.factor
        src = d["sources"]
        rows.append([m.label, m.unit.symbol, f"{d['s0'] * f:.3g}", f"{d['nu0']:g}", d["from"],
                     f"{src['calm'][1]} / {src['expressive'][1]} / {src['stills'][1]}",
                     f"{smallest_real_change(m, noise, metrics) * f:.3g}",
                     f"{smallest_real_change(m, later, metrics) * f:.3g}"])
    return rows


def alternatives(cache, sources, changed, metrics) -> list[dict]:
    """The targets under other choices: nu0, the family, Holm for the measures after the first."""
    out = []
    for nu0 in (4.0, 6.0, 10.0, 20.0, 1e6):
        for fam_name, family in (("all", None), ("headline", HEADLINE)):
            table = calib.table(calib.derive(cache, nu0=nu0))
            worst = 0.0
            for name, source, frames, t in folds(cache, nu0):
                recs = [r for r in sources[source] if frames is None or r["frame"] in frames]
                worst = max(worst, pair_false_claims(recs, t, metrics, family=family, comparable=True,
                                                    check=False)["changed"])
            det = pair_detection(sources, changed, table, metrics, family=family)
            for holm in (False, True):
                hits = sum(p["hit"] for p in portraits(sources, changed, table, metrics, family=family, holm=holm))
                out.append({"nu0": nu0, "family": fam_name, "holm": holm, "worst_pair_false_claims": worst,
                            "portraits_6pct": hits,
                            "stretch_changed": {s: det[("lower_face_stretch", s)]["changed"] for s in vc.SIZES}})
    return out


def collect() -> dict:
    from facetrack.metrics import ALL_METRICS
    from facetrack.stats.verdicts import family_of

    # the shape family (landmark and silhouette measures): the skin measures are a family of their
    # own, judged apart (no verdict pools two families) and benchmarked in benchmarks/skin.py
    metrics = [m for m in ALL_METRICS if family_of(m) == "shape"]
    labels = {m.name: m.label for m in metrics}
    cache = calib.load_cache()
    derived = calib.derive(cache)
    shipped = calib.table(derived)
    sources = vc.unchanged()
    changed = vc.measure_changed()

    print(f"\nNoise (calibration/make_default_noise.py; week factor {next(iter(derived.values()))['factor']:.2f}); "
          "smallest real change = one before/after, family of all measures:")
    _table(["measure", "unit", "s0", "nu0", "from", "n calm / expressive / stills", "smallest real change",
            "... after 12 photos"], noise_rows(derived, metrics))

    print("\na. False claims on unchanged series (defaults made without the series tested):")
    fold_rows, per_measure, figures = [], {}, {}
    worst_pair = worst_trend = worst_cmp = worst_trend_one = 0.0
    for name, source, frames, table in folds(cache):
        recs = [r for r in sources[source] if frames is None or r["frame"] in frames]
        pf = pair_false_claims(recs, table, metrics)
        pc = pair_false_claims(recs, table, metrics, comparable=True)
        tf = trend_false_claims(recs, table, metrics)
        # the same trends on series of one expression (a protocol's neutral face, or a held smile)
        groups = [g for g in (calib.comparable_groups(recs) if source in calib.CLIPS or source in vc.UNSEEN
                              else [recs]) if len(g) >= 8]
        one = max((trend_false_claims(g, table, metrics)["changed"] for g in groups), default=float("nan"))
        per_measure[name] = pc["per_measure"]
        fold_rows.append([name, pf["pairs"], _pct(pf["changed"]), _pct(pc["changed"]), _pct(pc["cannot_tell"]),
                          _pct(tf["changed"]), _pct(one), _pct(max(pc["per_measure"].values()))])
        worst_pair, worst_cmp = max(worst_pair, pf["changed"]), max(worst_cmp, pc["changed"])
        worst_trend = max(worst_trend, tf["changed"])
        worst_trend_one = max(worst_trend_one, one) if one == one else worst_trend_one
    _table(["tested series, defaults from", "pairs", "pair 'changed' (no comparability check)",
            "pair 'changed' (comparable pairs judged, the product)", "... 'cannot tell'",
            "trend summary 'changed'", "... series of one expression", "worst measure (comparable pairs)"],
           fold_rows)
    print("\na2. The skin family on the same folds (its own family: the four skin measures):")
    skin = [m for m in ALL_METRICS if family_of(m) == "skin"]
    skin_rows = []
    for name, source, frames, table in folds(cache):
        recs = [r for r in sources[source] if frames is None or r["frame"] in frames]
        if not any(m.name in table for m in skin):
            continue
        pc = pair_false_claims(recs, table, skin, comparable=True)
        tf = trend_false_claims(recs, table, skin)
        skin_rows.append([name, pc["pairs"], _pct(pc["changed"]), _pct(tf["changed"])])
        figures["verdicts_skin_pair_false_claims_pct"] = max(figures.get("verdicts_skin_pair_false_claims_pct", 0.0),
                                                              round(100 * pc["changed"], 1))
    _table(["tested series, defaults from", "pairs", "pair 'changed' (as the product judges)",
            "trend summary 'changed'"], skin_rows)
    print("\nWith the shipped defaults (in-sample, for reference):")
    rows = []
    for source, recs in sources.items():
        pf = pair_false_claims(recs, shipped, metrics)
        tf = trend_false_claims(recs, shipped, metrics)
        rows.append([source, pf["pairs"], _pct(pf["changed"]), _pct(tf["changed"])])
    _table(["series", "pairs", "pair 'changed'", "trend summary 'changed'"], rows)
    print("\nPer measure, share of comparable pairs beyond noise, by fold:")
    names = [m.name for m in metrics if m.name in shipped]
    _table(["measure", *[f"fold {k + 1}" for k in range(len(per_measure))]],
           [[labels[n], *[_pct(p.get(n)) for p in per_measure.values()]] for n in names])
    print("(folds in the order of the table above)")
    figures.update(verdicts_pair_false_claims_pct=round(100 * worst_cmp, 1),
                   verdicts_pair_false_claims_all_pct=round(100 * worst_pair, 1),
                   verdicts_trend_false_claims_pct=round(100 * worst_trend, 1),
                   verdicts_trend_false_claims_one_expression_pct=round(100 * worst_trend_one, 1))
    tables = {"folds": fold_rows, "per_measure_false_claims": per_measure}

    print("\nb. Detection of known warps (shipped defaults). Pairs: before = a real capture, after = a different "
          "one warped, all such pairs of each source; trends: 12 weekly captures changing steadily by the size.")
    det = pair_detection(sources, changed, shipped, metrics)
    trend = trend_detection(sources, changed, shipped, metrics)
    rows = []
    for warp in vc.WARPS:
        for size in vc.SIZES:
            d = det[(warp, size)]
            targeted = sorted(d["per_measure"], key=lambda n: -d["per_measure"][n])[:3]
            rows.append([warp, f"{100 * size:g} %", d["pairs"], _pct(d["changed"]),
                         ", ".join(f"{labels[n]} {_pct(d['per_measure'][n])}" for n in targeted)])
    _table(["warp", "size", "comparable pairs", "pair 'changed'", "measures most often beyond noise"], rows)
    rows = []
    for (warp, size), t in sorted(trend.items()):
        targeted = sorted(t["per_measure"], key=lambda n: -t["per_measure"][n])[:3]
        rows.append([warp, f"{100 * size:g} %", t["series"], _pct(t["changed"]),
                     ", ".join(f"{labels[n]} {_pct(t['per_measure'][n])}" for n in targeted)])
    print()
    _table(["warp (12 weekly captures)", "size by week 12", "series", "trend summary 'changed'",
            "measures most often beyond noise"], rows)
    print("\nSmallest size each measure shows beyond noise in >= 80 % of pairs (trends: of series), per warp "
          "(measures the warp moves by at least their s0 at 8 %):")
    rows = []
    shown = smallest_shown(det, names)
    shown_trend = smallest_shown({k: v for k, v in trend.items()}, names)
    for n in names:
        cells = []
        for warp in vc.WARPS:
            moved = abs(det[(warp, 0.08)]["response"].get(n, 0)) > 0 and _moves(changed, warp, n, shipped[n][0])
            if not moved and not (n.startswith("silhouette") and warp in vc.TREND_WARPS):
                cells.append("")
                continue
            p, t = shown[n][warp], shown_trend[n].get(warp) if warp in vc.TREND_WARPS else None
            cells.append(f"{'-' if p is None else f'{100 * p:g} %'}"
                         + (f" / {'-' if t is None else f'{100 * t:g} %'}" if warp in vc.TREND_WARPS else ""))
        rows.append([labels[n], *cells])
    _table(["measure", *[f"{w} (pair{' / trend' if w in vc.TREND_WARPS else ''})" for w in vc.WARPS]], rows)

    print("\nThe issue's target: a 6 % widening of the lower face on 8 portraits, two captures each:")
    target = portraits(sources, changed, shipped, metrics)
    target_cmp = portraits(sources, changed, shipped, metrics, comparable=True)
    _table(["portrait (before->after)", "verdict", "width measures beyond noise", "all beyond noise",
            "verdict with comparability"],
           [[p["portrait"], p["verdict"], ", ".join(labels[w] for w in p["widths"]) or "-",
             ", ".join(labels[w] for w in p["beyond"]) or "-", q["verdict"]] for p, q in zip(target, target_cmp)])
    hits = sum(p["hit"] for p in target)
    hits_cmp = sum(q["verdict"] == "changed" and p["hit"] for p, q in zip(target, target_cmp))
    print(f"... with the comparability check ('cannot tell' for a pair it finds not comparable): {hits_cmp} of 8")
    figures["verdicts_portraits_6pct_detected_comparable"] = hits_cmp
    tables["portraits"] = target
    tables["detection"] = {f"{w} {s:g}": v for (w, s), v in det.items()}
    tables["trend_detection"] = {f"{w} {s:g}": v for (w, s), v in trend.items()}
    print(f"'changed' with a width measure beyond noise: {hits} of {len(target)} (target: at least 6)")
    figures["verdicts_portraits_6pct_detected"] = hits
    figures["verdicts_stretch_6pct_pair_changed_pct"] = round(100 * det[("lower_face_stretch", 0.06)]["changed"], 1)

    print(f"\nc. Response to known warps (median measured / expected change at 6-8 %; above {OVER} over-reports):")
    over = set()
    rows = []
    for n in names:
        cells = []
        for warp in vc.WARPS:
            r = [det[(warp, s)]["response"].get(n) for s in (0.06, 0.08)]
            r = [x for x in r if x is not None]
            if not r or not _moves(changed, warp, n, shipped[n][0]):
                cells.append("")
                continue
            value = float(np.mean(r))
            cells.append(f"{value:.2f}" + (" OVER" if value > OVER else ""))
            if value > OVER:
                over.add(n)
        rows.append([labels[n], *cells])
    _table(["measure", *vc.WARPS], rows)
    print(f"over-reporting measures: {', '.join(labels[n] for n in sorted(over)) or 'none'}")
    figures["verdicts_over_reporting_measures"] = len(over)
    tables["over_reporting"] = sorted(over)

    print("\nd. Alternatives (worst cross-validated pair false-claim rate, the 8 portraits at 6 %, "
          "pairs 'changed' under a lower-face stretch):")
    alts = alternatives(cache, sources, changed, metrics)
    _table(["nu0", "family", "measures after the first", "worst pair 'changed' (unchanged)", "portraits at 6 %",
            *[f"stretch {100 * s:g} % 'changed'" for s in vc.SIZES]],
           [[f"{a['nu0']:g}" if a["nu0"] < 1e5 else "inf", a["family"], "Holm" if a["holm"] else "Bonferroni",
             _pct(a["worst_pair_false_claims"]), f"{a['portraits_6pct']} of 8",
             *[_pct(a["stretch_changed"][s]) for s in vc.SIZES]] for a in alts])
    tables["alternatives"] = alts
    return {"figures": figures, "tables": tables}


def _moves(changed: dict, warp: str, name: str, s0: float) -> bool:
    """Whether the warp at 8 % moves the measure's landmarks by at least its s0 (median)."""
    exp = [r["expected"][name] for k, r in changed.items() if k.split(":")[2] == warp
           and abs(float(k.split(":")[3]) - 0.08) < 1e-9 and name in r.get("expected", {})]
    return bool(exp) and abs(float(np.median(exp))) >= s0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    collect()
