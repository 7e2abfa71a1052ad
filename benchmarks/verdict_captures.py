"""The captures the verdicts benchmark judges: real unchanged captures and known warps of them.

Unchanged captures are the calibration's (calibration/noise_captures.json: every frame of the
two real clips and the stills' re-takes, each measured as a user's photo). Changed captures are
real frames (or re-takes) with a known warp (``facetrack.lab.warps``) applied before they are
measured the same way, at several sizes:

- for before/after pairs: fixed "after" frames of each source, each warped at every size;
- for trends: series of 12 different frames of one clip in a random order, the k-th (k = 0..11)
  warped by size x k / 11, so the series changes steadily by ``size`` over 11 weeks.

Every measurement is cached in benchmarks/results/verdict_captures.json (minutes the first time;
a rerun reads it). Each record is the calibration's (``measure_record``) plus the expected change
of each landmark metric: the warp applied to the landmarks of the unwarped frame (what a perfect
landmark model would report).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "results" / "verdict_captures.json"
sys.path.insert(0, str(ROOT / "calibration"))

import make_default_noise as calib  # noqa: E402

#: Known changes: name -> (warp function name, amount per unit of size). Size is the change of
#: the face's width for the two widenings (cheek_widening moves each side by half of it), the
#: chin's drop in face widths for lengthening, the left mouth corner's lift in eye distances.
WARPS = {
    "lower_face_stretch": ("lower_face_stretch", 1.0),
    "cheek_widening": ("cheek_widening", 0.5),
    "lower_face_lengthening": ("lower_face_lengthening", 1.0),
    "mouth_corner_lift": ("mouth_corner_lift", 1.0),
}
SIZES = (0.02, 0.04, 0.06, 0.08)
#: Source -> frames (clip frames, or still re-take numbers) used as "after" in pairs.
PAIR_AFTER = {"calm": (2, 5, 8, 11, 14, 17), "expressive": (0, 12, 24, 36, 48, 60),
              "grace_hopper": (0, 1), "astronaut": (0, 1)}
#: The 8 portraits of the issue's target: (source, before, after): 6 webcam pairs (the same
#: expression: the expressive clip's neutral stretch is frames 0-18, its held smile 19-69), 2 stills
#: (before and after two different re-takes).
PORTRAITS = (("calm", 0, 5), ("calm", 9, 14), ("calm", 4, 17), ("expressive", 3, 12),
             ("expressive", 40, 24), ("expressive", 55, 60), ("grace_hopper", 3, 0), ("astronaut", 5, 1))
#: Unchanged series the defaults never see: source -> (clip file, frames). single_face.mp4's
#: held smile (frames 22-68; the defaults use its neutral frames 0-17 only).
UNSEEN = {"calm_smile": ("single_face.mp4", tuple(range(22, 69)))}
TREND_WARPS = ("lower_face_stretch", "cheek_widening")
TREND_SIZES = (0.01, 0.02, 0.04, 0.06)
TREND_SERIES = 8  # per clip, warp and size
TREND_N = 12
TREND_SEED = 31


def unchanged() -> dict[str, list[dict]]:
    """Source -> its unchanged captures (records), clips and stills alike; refused frames
    left out (with their frame number kept in "frame")."""
    cache = calib.load_cache()
    out = {}
    for name, src in cache["clips"].items():
        out[name] = [dict(r, frame=f) for f, r in zip(src["frames"], src["captures"]) if "metrics" in r]
    for name, src in cache["stills"].items():
        out[name] = [dict(r, frame=i) for i, r in enumerate(src["captures"]) if "metrics" in r]
    measured = measure_unseen()
    for name, (_, frames) in UNSEEN.items():
        out[name] = [dict(measured[key(name, f, "none", 0.0)], frame=f) for f in frames
                     if "metrics" in measured[key(name, f, "none", 0.0)]]
    return out


def measure_unseen(progress=print) -> dict[str, dict]:
    """The ``UNSEEN`` frames, measured as a user's photos (cached with the warped captures)."""
    from facetrack.capture.sources import video_frames

    done = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    jobs = [(name, f) for name, (_, frames) in UNSEEN.items() for f in frames if key(name, f, "none", 0.0) not in done]
    if not jobs:
        return done
    from facetrack.detect.measure import Measurer

    progress(f"measuring {len(jobs)} unchanged frames the defaults never see")
    CACHE.parent.mkdir(exist_ok=True)
    with Measurer.from_model() as m:
        for name, (file, frames) in UNSEEN.items():
            images = {fr.index: fr.image for fr in video_frames(calib.DATA / file, max_frames=max(frames) + 1)}
            for f in frames:
                if key(name, f, "none", 0.0) not in done:
                    done[key(name, f, "none", 0.0)] = calib._rounded(calib.try_record(m, images[f]))
    CACHE.write_text(json.dumps(done, separators=(",", ":")))
    return done


def trend_plans(sources: dict[str, list[dict]]) -> list[dict]:
    """Every trend series: clip, warp, size, and its 12 frames in date order."""
    plans = []
    for c, clip in enumerate(calib.CLIPS):
        frames = [r["frame"] for r in sources[clip]]
        for w, warp in enumerate(TREND_WARPS):
            for size in TREND_SIZES:
                rng = np.random.default_rng([TREND_SEED, c, w, round(1000 * size)])
                for s in range(TREND_SERIES):
                    order = [int(f) for f in rng.choice(frames, TREND_N, replace=False)]
                    plans.append({"source": clip, "warp": warp, "size": size, "series": s, "frames": order})
    return plans


def key(source: str, frame: int, warp: str, amount: float) -> str:
    return f"{source}:{frame}:{warp}:{amount:.5f}"


def _image(source: str, frame: int, images: dict) -> np.ndarray:
    if source not in images:
        if source in calib.CLIPS:
            wanted = calib.CLIPS[source][1]
            images[source] = dict(zip(wanted, calib.clip_frames(source)))
        else:
            images[source] = dict(enumerate(calib.still_retakes(source)))
    return images[source][frame]


def wanted_keys(sources: dict[str, list[dict]]) -> list[tuple[str, int, str, float]]:
    jobs = []
    for source, frames in PAIR_AFTER.items():
        for f in frames:
            for warp in WARPS:
                for size in SIZES:
                    jobs.append((source, f, warp, size))
    for source, before, after in PORTRAITS:
        for size in SIZES:
            jobs.append((source, after, "lower_face_stretch", size))
    for plan in trend_plans(sources):
        for k, f in enumerate(plan["frames"][1:], start=1):
            jobs.append((plan["source"], f, plan["warp"], plan["size"] * k / (TREND_N - 1)))
    seen, out = set(), []
    for j in jobs:
        if key(*j) not in seen:
            seen.add(key(*j))
            out.append(j)
    return out


def measure_changed(progress=print) -> dict[str, dict]:
    """Every warped capture the benchmark needs, measured once and cached."""
    from facetrack.lab import warps
    from facetrack.metrics import compute_metrics

    sources = unchanged()
    done = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    jobs = [j for j in wanted_keys(sources) if key(*j) not in done]
    if not jobs:
        return done
    progress(f"measuring {len(jobs)} warped captures (cached in {CACHE.relative_to(ROOT)})")
    from facetrack.detect.measure import Measurer

    images: dict = {}
    CACHE.parent.mkdir(exist_ok=True)
    with Measurer.from_model() as m:
        for i, (source, frame, warp_name, size) in enumerate(jobs):
            image = _image(source, frame, images)
            jpeg = calib.JPEG_QUALITY if source in calib.CLIPS else None
            seen_as = warps.jpeg_roundtrip(image, jpeg) if jpeg else image
            face = m.landmarker.detect(seen_as)
            fn, per_size = WARPS[warp_name]
            warp = getattr(warps, fn)(face.points, m.topology, size * per_size)
            record = calib.try_record(m, warps.warp_image(image, warp), jpeg=jpeg)
            base = compute_metrics(face.points, m.topology)
            moved = compute_metrics(warps.warp_points(face.points, warp), m.topology)
            record["expected"] = {k: moved[k] - base[k] for k in base}
            done[key(source, frame, warp_name, size)] = calib._rounded(record)
            if i % 25 == 24 or i == len(jobs) - 1:
                CACHE.write_text(json.dumps(done, separators=(",", ":")))
                progress(f"  {i + 1}/{len(jobs)}")
    return done


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    measure_changed()
