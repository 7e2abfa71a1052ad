"""The checks of the verdicts benchmark (``verdicts.py``): captures built from measured
records, noise from a default table, cross-validation folds, false claims on unchanged series
and detection of known warps, all with ``facetrack.stats.verdicts`` and ``facetrack.stats.noise``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import verdict_captures as vc  # noqa: E402
from verdict_captures import calib  # noqa: E402

ALPHA = 0.05
TREND_DRAWS = 1000  # random date orders per source
T0 = dt.datetime(2026, 1, 5, 9, 0)
#: The width measures of the issue's target.
WIDTHS = ("midface_width_ratio", "silhouette_width_40", "silhouette_width_55", "silhouette_width_70",
          "silhouette_cheek_left", "silhouette_cheek_right")
#: A smaller headline family (an alternative for the lead): the shape a routine aims at.
HEADLINE = ("midface_width_ratio", "bigonial_bizygomatic_ratio", "jaw_angle_mean", "lower_face_taper",
            "cheek_fullness_left", "cheek_fullness_right", "silhouette_width_55", "silhouette_width_70",
            "asymmetry_index")


# ---------------------------------------------------------------------------------------------
# Captures and noise

def capture(record: dict, cid: int, when: dt.datetime, source: str):
    from facetrack.records import Capture, MetricValue, QualityNotes

    quality = QualityNotes(interocular_px=record["iod"], expression=record.get("expression"),
                           brightness=record.get("brightness"), light_balance=record.get("light_balance"))
    metrics = {k: MetricValue(v[0], v[1], int(v[2]), int(v[3])) for k, v in record["metrics"].items()
               if v[0] is not None}
    return Capture(cid, "bench", when, "given", source, Path(source), "", record["width"], 0,
                   tuple(record["pose"]), quality, metrics)


def series(records: list[dict], source: str):
    """The records as captures a week apart, in the order given."""
    return [capture(r, i + 1, T0 + dt.timedelta(weeks=i), source) for i, r in enumerate(records)]


def noise_for(table: dict[str, tuple[float, float]], captures=()) -> dict:
    """``stats.noise.profile_noise`` with another default table (a fold's)."""
    from facetrack.stats.noise import profile_noise

    return profile_noise(captures, defaults=table)


def thresholds(noise: dict, metrics) -> np.ndarray:
    """Each metric's smallest real change of a before/after (NaN: no noise estimate)."""
    from facetrack.stats.verdicts import smallest_real_change

    return np.array([smallest_real_change(m, noise, metrics) or np.nan for m in metrics])


def values(records: list[dict], names: list[str]) -> np.ndarray:
    return np.array([[r["metrics"][n][0] if n in r["metrics"] and r["metrics"][n][0] is not None else np.nan
                      for n in names] for r in records], dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Folds: defaults made without the series they judge

def _sub_cache(cache: dict, keep: dict[str, list[int]] | None = None, stills: bool = True) -> dict:
    """The calibration cache with only some frames of each clip (``keep``: clip -> frames) and
    with or without the stills."""
    out = {"jpeg_quality": cache["jpeg_quality"], "clips": {}, "stills": cache["stills"] if stills else {}}
    for name, src in cache["clips"].items():
        frames = keep.get(name, src["frames"]) if keep is not None else src["frames"]
        pairs = [(f, r) for f, r in zip(src["frames"], src["captures"]) if f in set(frames)]
        out["clips"][name] = {"file": src["file"], "frames": [f for f, _ in pairs], "captures": [r for _, r in pairs]}
    return out


def folds(cache: dict, nu0: float = calib.NU0) -> list[tuple[str, str, list[int] | None, dict]]:
    """(fold name, tested source, its tested frames or None for all, default table made without them)."""
    expressive = cache["clips"]["expressive"]["frames"]
    half_a, half_b = expressive[: len(expressive) // 2], expressive[len(expressive) // 2:]

    def table(sub: dict, **kw) -> dict:
        return calib.table(calib.derive(sub, nu0=nu0, **kw))

    no_stills = {"jpeg_quality": cache["jpeg_quality"], "clips": cache["clips"], "stills": {}}
    return [
        ("calm, from expressive + stills", "calm", None,
         table(_sub_cache(cache, {"calm": []}), clips=("expressive",))),
        ("expressive, from calm + stills (no week factor)", "expressive", None,
         table(cache, clips=("calm",))),
        ("expressive 2nd half, from calm + 1st half + stills", "expressive", half_b,
         table(_sub_cache(cache, {"expressive": half_a}))),
        ("expressive 1st half, from calm + 2nd half + stills", "expressive", half_a,
         table(_sub_cache(cache, {"expressive": half_b}))),
        ("grace_hopper re-takes, from the clips", "grace_hopper", None, table(no_stills, use_stills=False)),
        ("astronaut re-takes, from the clips", "astronaut", None, table(no_stills, use_stills=False)),
        ("calm clip's smile (frames 22-68), shipped defaults", "calm_smile", None, table(cache)),
    ]


# ---------------------------------------------------------------------------------------------
# a. False claims

def pair_false_claims(records: list[dict], table: dict, metrics, *, family: tuple[str, ...] | None = None,
                      comparable: bool = False, check: bool = True) -> dict:
    """All pairs (i < j) of ``records`` as before/after: the share called "changed", "cannot
    tell" (``comparable``: with ``stats.comparable`` judging each pair), and each measure's
    share beyond noise. ``family``: only these measures are tested (a smaller family)."""
    from facetrack.stats.comparable import comparability
    from facetrack.stats.verdicts import compare_pair

    ms = [m for m in metrics if m.name in table and (family is None or m.name in family)]
    noise = noise_for({m.name: table[m.name] for m in ms})
    names = [m.name for m in ms]
    x = values(records, names)
    limit = thresholds(noise, ms)
    i, j = np.triu_indices(len(records), 1)
    diff = np.abs(x[j] - x[i])
    beyond = diff > limit
    blocked = np.zeros(len(i), bool)
    caps = series(records, "unchanged")
    if comparable:  # the verdicts module itself: the pair's differences add error, some measures cannot tell
        verdicts = [compare_pair(caps[a], caps[b], noise, metrics=ms, comparable=comparability(caps[a], caps[b]))
                    for a, b in zip(i, j)]
        blocked = np.array([v.verdict == "cannot tell" for v in verdicts])
        shown = [{m.metric.name: m for m in v.measures} for v in verdicts]
        beyond = np.array([[n in d and d[n].verdict == "beyond noise" for n in names] for d in shown])
        changed = np.array([v.verdict == "changed" for v in verdicts])
    else:
        changed = beyond.any(axis=1) & ~blocked
    if check and not comparable:  # the vectorised verdicts are the verdicts module's own
        for k in range(0, len(i), max(1, len(i) // 40)):
            v = compare_pair(caps[i[k]], caps[j[k]], noise, metrics=ms)
            assert (v.verdict == "changed") == bool(changed[k]), (v.verdict, changed[k])
    measured = ~np.isnan(diff)
    per = {n: float(beyond[:, c][measured[:, c] & ~blocked].mean()) if (measured[:, c] & ~blocked).any()
           else float("nan") for c, n in enumerate(names)}
    return {"pairs": int(len(i)), "changed": float(changed.mean()), "cannot_tell": float(blocked.mean()),
            "per_measure": per}


def trend_false_claims(records: list[dict], table: dict, metrics, *, draws: int = TREND_DRAWS,
                       seed: int = 5) -> dict:
    """Random date orders of 12 captures (all, when fewer) as weekly trends: the share whose
    trend summary has a measure beyond noise, and each measure's share."""
    from facetrack.stats.verdicts import trend_verdicts

    rng = np.random.default_rng(seed)
    n = min(12, len(records))
    ms = [m for m in metrics if m.name in table]
    hits = {m.name: 0 for m in ms}
    tested = dict(hits)
    family = 0
    for _ in range(draws):
        pick = [records[k] for k in rng.choice(len(records), n, replace=False)]
        caps = series(pick, "unchanged")
        verdicts = trend_verdicts(caps, noise_for(table, caps), metrics=ms, baseline=caps[0])
        any_beyond = False
        for name, v in verdicts.items():
            if v.change is not None:
                tested[name] += 1
                hits[name] += v.beyond_noise
                any_beyond |= v.beyond_noise
        family += any_beyond
    return {"series": draws, "n": n, "changed": family / draws,
            "per_measure": {k: hits[k] / tested[k] if tested[k] else float("nan") for k in hits}}


# ---------------------------------------------------------------------------------------------
# b. Detection of known changes

def _direction(changed: dict, names: list[str]) -> np.ndarray:
    """The sign of each measure's expected change (the warped landmarks'); the silhouette
    measures, which have no landmark expectation, follow their median measured change."""
    out = np.zeros(len(names))
    for c, n in enumerate(names):
        exp = [r["expected"].get(n) for r in changed if r.get("expected", {}).get(n) is not None]
        out[c] = np.sign(np.median(exp)) if exp else np.nan
    return out


def pair_detection(sources: dict, changed: dict, table: dict, metrics, *,
                   family: tuple[str, ...] | None = None) -> dict:
    """For every warp and size: over all (before, warped after) pairs of one source with
    different frames that ``stats.comparable`` judges comparable, the share "changed" and
    each measure's share beyond noise in the warp's direction; also the median response
    (measured change of the warped frame against the same frame unwarped, over the warped
    landmarks' change)."""
    from facetrack.stats.comparable import comparability

    from facetrack.stats.verdicts import compare_pair

    ms = [m for m in metrics if m.name in table and (family is None or m.name in family)]
    names = [m.name for m in ms]
    noise = noise_for({n: table[n] for n in names})
    out = {}
    for warp in vc.WARPS:
        for size in vc.SIZES:
            rows, hits, fam, resp = 0, np.zeros(len(names)), 0, {n: [] for n in names}
            warped_all = []
            for source, frames in vc.PAIR_AFTER.items():
                by_frame = {r["frame"]: r for r in sources[source]}
                for f in frames:
                    after = changed.get(vc.key(source, f, warp, size))
                    if after is None or "metrics" not in after or f not in by_frame:
                        continue
                    warped_all.append(after)
                    base = by_frame[f]
                    for c, n in enumerate(names):
                        e = after["expected"].get(n)
                        if n in after["metrics"] and n in base["metrics"] and e and abs(e) > 1e-9:
                            resp[n].append((after["metrics"][n][0] - base["metrics"][n][0]) / e)
                    after_capture = series([after], source)[0]
                    # each pair judged by the verdicts module itself (the pair's differences add error)
                    judged = [compare_pair(bc, after_capture, noise, metrics=ms, comparable=comparability(bc, after_capture))
                              for bc in (series([r], source)[0] for r in sources[source] if r["frame"] != f)]
                    judged = [v for v in judged if v.verdict != "cannot tell"]
                    if not judged:
                        continue
                    direction = _direction([after], names)
                    silhouettes = np.isnan(direction)
                    direction[silhouettes] = 1.0 if warp in ("lower_face_stretch", "cheek_widening") else 0.0
                    for v in judged:
                        shown = {m.metric.name: m for m in v.measures}
                        for c, n in enumerate(names):
                            m = shown.get(n)
                            hits[c] += bool(m is not None and m.beyond_noise and np.sign(m.change) == direction[c])
                        fam += v.verdict == "changed"
                    rows += len(judged)
            out[(warp, size)] = {"pairs": rows, "changed": fam / rows if rows else float("nan"),
                                 "per_measure": dict(zip(names, (hits / rows).tolist())) if rows else {},
                                 "response": {n: float(np.median(v)) for n, v in resp.items() if v}}
    return out


def portraits(sources: dict, changed: dict, table: dict, metrics, *, size: float = 0.06,
              family: tuple[str, ...] | None = None, holm: bool = False, comparable: bool = False) -> list[dict]:
    """The issue's 8 portraits, a 6 % widening of the lower face: each pair's verdict and its
    width measures beyond noise (``holm``: Holm's step-down for the measures after the first)."""
    from facetrack.stats.comparable import comparability
    from facetrack.stats.verdicts import compare_pair

    ms = [m for m in metrics if m.name in table and (family is None or m.name in family)]
    noise = noise_for({m.name: table[m.name] for m in ms})
    out = []
    for source, before, after in vc.PORTRAITS:
        b = next(r for r in sources[source] if r["frame"] == before)
        a = changed[vc.key(source, after, "lower_face_stretch", size)]
        caps = series([b, a], source)
        v = compare_pair(caps[0], caps[1], noise, metrics=ms,
                         comparable=comparability(*caps) if comparable else None)
        beyond = {m.metric.name for m in v.measures if m.beyond_noise}
        if holm and v.verdict == "changed":
            beyond = holm_beyond(v.measures)
        widths = sorted(beyond & set(WIDTHS))
        out.append({"portrait": f"{source} {before}->{after}", "verdict": v.verdict, "widths": widths,
                    "beyond": sorted(beyond), "hit": v.verdict == "changed" and bool(widths)})
    return out


def holm_beyond(measures, alpha: float = ALPHA) -> set[str]:
    """Holm's step-down over a pair's tested measures: the names it calls beyond noise."""
    tested = sorted((m for m in measures if m.p is not None), key=lambda m: m.p)
    out = set()
    for k, m in enumerate(tested):
        if m.p > alpha / (len(tested) - k):
            break
        out.add(m.metric.name)
    return out


def trend_detection(sources: dict, changed: dict, table: dict, metrics) -> dict:
    """For every trend warp and size: over the series of ``verdict_captures.trend_plans``, the
    share whose trend summary says a measure changed, and each measure's share beyond noise in
    the warp's direction."""
    from facetrack.stats.verdicts import trend_verdicts

    ms = [m for m in metrics if m.name in table]
    out = {}
    for plan in vc.trend_plans(sources):
        by_frame = {r["frame"]: r for r in sources[plan["source"]]}
        records = [by_frame[plan["frames"][0]]]
        for k, f in enumerate(plan["frames"][1:], start=1):
            records.append(changed.get(vc.key(plan["source"], f, plan["warp"], plan["size"] * k / (vc.TREND_N - 1))))
        if any(r is None or "metrics" not in r for r in records):
            continue
        caps = series(records, plan["source"])
        verdicts = trend_verdicts(caps, noise_for(table, caps), metrics=ms, baseline=caps[0])
        row = out.setdefault((plan["warp"], plan["size"]), {"series": 0, "changed": 0, "hits": {}})
        row["series"] += 1
        row["changed"] += any(v.beyond_noise for v in verdicts.values())
        for name, v in verdicts.items():
            if v.change is None:
                continue
            exp = np.median([r["expected"][name] for r in records[1:] if name in r.get("expected", {})] or [1.0])
            right = v.beyond_noise and np.sign(v.change) == (np.sign(exp) if abs(exp) > 1e-9 else 1.0)
            row["hits"][name] = row["hits"].get(name, 0) + int(right)
    for row in out.values():
        row["changed"] /= row["series"]
        row["per_measure"] = {k: h / row["series"] for k, h in row.pop("hits").items()}
    return out


def smallest_shown(detection: dict, names: list[str], level: float = 0.8) -> dict[str, dict[str, float | None]]:
    """measure -> warp -> the smallest size it shows beyond noise at least ``level`` of the time."""
    out = {}
    for n in names:
        for warp in vc.WARPS:
            sizes = [s for w, s in detection if w == warp
                     and detection[(w, s)]["per_measure"].get(n, 0) >= level]
            out.setdefault(n, {})[warp] = min(sizes) if sizes else None
    return out
