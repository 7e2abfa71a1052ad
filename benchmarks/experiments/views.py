"""Design experiment: which test-time views, and which way of combining them.

Behind the default of ``facetrack.detect.measure.DEFAULT_AUGMENTATIONS`` (10 views: the photo,
rotations of -4/+4 degrees, scales 0.85/1.15, each also flipped) and the way they are
combined (``facetrack.metrics.combine_views``: the average of the direct views' and the
mirrored views' 20 % trimmed means, "balanced 20% trimmed"; before metric version 2, one
median of all views).
On the precision benchmark's perturbation suite of both portraits, every variant is
measured once (``Measurer.measure_photo``) under 42 views (rotations up to +-8 degrees, scales
0.75 to 1.3 and combinations of both, each also flipped); subsets of those views and several combiners are then compared by how many of
the issue-3 precision targets the estimate misses (18 metrics with a target x 2 portraits)
and by the geometric mean of SD / target over those 36 cells (lower is better; below 1
would mean on target on average). Variants that import refuses (face too small) are left
out, as in the precision benchmark, and a flipped variant's estimates are read on the unflipped
face (``precision.as_unflipped``); the model's left/right bias is printed as read. With ``tests/data/single_face.mp4`` present, the
same for the frame-to-frame SD over its neutral frames (18 cells). Last, how far the estimate from 18 views lies from the default's, on average
over each source's variants, in units of the default's SD: a shift means the view set is part
of what a value means.

Not part of ``make bench``. Run: ``.venv/bin/python benchmarks/experiments/views.py``
(about 2 minutes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANGLES = (0.0, -4.0, 4.0, -8.0, 8.0)
SCALES = (1.0, 0.85, 1.15, 0.75, 1.3)


#: every (angle, scale) measured: rotations x scales, a few in between, and the widest scales
GRID = tuple((a, s) for a in ANGLES for s in SCALES[:3]) + (
    (-2.0, 0.92), (2.0, 1.08), (-6.0, 1.08), (6.0, 0.92), (0.0, 0.75), (0.0, 1.3))


def view_sets() -> dict[str, list]:
    """Named sets of ``facetrack.detect.measure.Augmentation``; "all 42" holds every view measured."""
    from facetrack.detect.measure import Augmentation

    pairs = lambda ps: [Augmentation(a, s, f) for a, s in ps for f in (False, True)]  # noqa: E731
    every = pairs([(a, 1.0) for a in ANGLES] + [(0, s) for s in SCALES[1:]])
    return {
        "default 10 (rot +-4, scale 0.85/1.15, x flip)": pairs([(0, 1.0), (-4, 1.0), (4, 1.0), (0, 0.85), (0, 1.15)]),
        "wider 10 (rot +-8, scale 0.75/1.3, x flip)": pairs([(0, 1.0), (-8, 1.0), (8, 1.0), (0, 0.75), (0, 1.3)]),
        "rotations only 10 (0, +-4, +-8, x flip)": pairs([(a, 1.0) for a in ANGLES]),
        "no flip 9 (rot +-4/+-8, scales)": [v for v in every if not v.flip],
        "all 18": every,
        "rot x scale 30 (5 angles x 3 scales, x flip)": pairs(GRID[:15]),
        "all 42": pairs(GRID),
    }


def main() -> None:
    from scipy import stats
    from skimage import data

    from facetrack.capture.sources import video_frames
    from facetrack.demo import portrait
    from facetrack.errors import InputError
    from facetrack.detect.measure import Measurer
    from facetrack.records import ViewKind

    def is_mirrored(kind: str) -> bool:
        return ViewKind.parse(kind).mirrored
    from facetrack.metrics import REGISTRY, combine_views, compute_metrics, get_metric
    from precision import NEUTRAL_FRAMES, VIDEO, perturbation_suite, read_sd, target

    sets = {name: [str(aug.kind) for aug in augs] for name, augs in view_sets().items()}
    sources = {}
    with Measurer.from_model(augmentations=view_sets()["all 42"], silhouette=False) as m:

        def per_view(image, flipped=False):  # every view's metrics, by view kind, and the flip flag
            return {str(v.kind): compute_metrics(v.points, m.topology) for v in m.measure_photo(image).views}, flipped

        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            variants = []
            for variant, flipped in perturbation_suite(image):
                try:  # as in the precision benchmark: what import refuses is left out
                    variants.append(per_view(variant, flipped))
                except InputError:
                    continue
            sources[name] = variants
        if VIDEO.exists():
            sources["video frames"] = [per_view(f.image) for f in video_frames(VIDEO, max_frames=NEUTRAL_FRAMES)]

    def default(values, flips):  # facetrack's own combination, since metric version 2
        return combine_views([{"m": v} for v in values], flips)["m"].value

    def balanced_by(stat):
        def combine(values, flips):
            v, f = np.asarray(values), np.asarray(flips, bool)
            return 0.5 * (stat(v[f]) + stat(v[~f])) if f.any() and (~f).any() else stat(v)
        return combine

    combiners = {"median (before v2)": lambda x, f: np.median(x),
                 "20% trimmed mean": lambda x, f: stats.trim_mean(x, 0.2), "mean": lambda x, f: np.mean(x),
                 "balanced medians": balanced_by(np.median), "balanced 20% trimmed": default,
                 "balanced means": balanced_by(np.mean)}

    def raw_estimate(combine, variant, kinds: list[str], metric: str) -> float:
        """The estimate as read on the variant itself (a flipped variant shows the mirror face)."""
        views = variant[0]
        present = [k for k in kinds if k in views]
        return combine([views[k][metric] for k in present], [is_mirrored(k) for k in present])

    def estimate(combine, variant, kinds: list[str], metric: str) -> float:
        """The estimate as read on the unflipped face (``precision.as_unflipped``, one metric)."""
        if not variant[1]:
            return raw_estimate(combine, variant, kinds, metric)
        mt = get_metric(metric)
        if mt.kind == "sided":
            return raw_estimate(combine, variant, kinds, mt.mirror)
        sign = -1.0 if mt.kind == "signed" else 1.0
        return sign * raw_estimate(combine, variant, kinds, metric)

    default_kinds = next(iter(sets.values()))
    print("How differently the model reads the photo and its mirror image: median over the direct views minus")
    print("median over the mirrored views (default 10 views), averaged over each source's variants:")
    direct = [k for k in default_kinds if not is_mirrored(k)]
    mirrored = [k for k in default_kinds if is_mirrored(k)]
    median = combiners["median (before v2)"]
    for name, variants in sources.items():
        gaps = []
        for mt in REGISTRY:
            if mt.kind == "signed":
                diff = np.mean([raw_estimate(median, v, direct, mt.name) - raw_estimate(median, v, mirrored, mt.name)
                                for v in variants])
                gaps.append(f"{mt.name} {diff:+.2f} {mt.units.split(' ')[0]}")
        print(f"  {name}: " + ", ".join(gaps))
    print()
    metrics = [mt for mt in REGISTRY if target(mt)[1] is not None]
    groups = {"portraits (perturbation suite)": [k for k in sources if k != "video frames"]}
    if "video frames" in sources:
        groups["video (frame to frame)"] = ["video frames"]
    print("Precision targets missed, and the geometric mean of SD / target, by view set and combiner")
    print("(" + ", ".join(f"{k}: {len(v)} variants" for k, v in sources.items()) + ")")
    for group, names in groups.items():
        print(f"\n{group}, {len(metrics) * len(names)} cells")
        print(f"{'view set':48s} " + " ".join(f"{c:>22s}" for c in combiners))
        for set_name, kinds in sets.items():
            line = f"{set_name:48s} "
            for combine in combiners.values():
                ratios = []
                for name in names:
                    for mt in metrics:
                        unit, goal = target(mt)
                        est = [estimate(combine, v, kinds, mt.name) for v in sources[name]]
                        ratios.append(read_sd(est, unit) / goal)
                missed = sum(r > 1 for r in ratios)
                line += f" {missed:9d} missed, {np.exp(np.mean(np.log(ratios))):4.2f}"
            print(line)

    names = list(sets)
    default_kinds, more = sets[names[0]], sets["all 18"]
    print("\nHow far 18 views read from the default 10, on average over each source's variants "
          "(in units of the default's SD; the three largest):")
    for name, variants in sources.items():
        shifts = []
        for mt in REGISTRY:
            base = np.array([estimate(default, v, default_kinds, mt.name) for v in variants])
            other = np.array([estimate(default, v, more, mt.name) for v in variants])
            shift = float(np.mean(other - base))
            shifts.append((abs(shift) / base.std(ddof=1), mt, shift))
        print(f"  {name}: " + ", ".join(f"{mt.name} {shift:+.3g} {mt.units.split(' ')[0]} ({r:.2f} SD)"
                                         for r, mt, shift in sorted(shifts, key=lambda t: -t[0])[:3]))


if __name__ == "__main__":
    main()
