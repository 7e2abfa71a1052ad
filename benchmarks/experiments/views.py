"""Design experiment: which test-time views, and which way of combining them.

Behind the default of ``facetrack.measure.DEFAULT_AUGMENTATIONS`` (10 views: the photo,
rotations of -4/+4 degrees, scales 0.85/1.15, each also flipped) combined by the median.
On the precision benchmark's perturbation suite of both portraits, every variant is
detected once under 18 views (rotations up to +-8 degrees, scales 0.75 to 1.3, each also
flipped); subsets of those views and several combiners are then compared by how many of
the issue-3 precision targets the estimate misses (18 metrics with a target x 2 portraits)
and by the geometric mean of SD / target over those 36 cells (lower is better; below 1
would mean on target on average). Variants that import refuses (face too small) are left
out, as in the precision benchmark.

Not part of ``make bench``. Run: ``.venv/bin/python benchmarks/experiments/views.py``
(about 30 s).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANGLES = (0.0, -4.0, 4.0, -8.0, 8.0)
SCALES = (1.0, 0.85, 1.15, 0.75, 1.3)


def view_sets() -> dict[str, list[tuple[float, float, bool]]]:
    pairs = lambda ps: [(a, s, f) for a, s in ps for f in (False, True)]  # noqa: E731
    default = pairs([(0, 1.0), (-4, 1.0), (4, 1.0), (0, 0.85), (0, 1.15)])
    every = pairs([(a, 1.0) for a in ANGLES] + [(0, s) for s in SCALES[1:]])
    return {
        "default 10 (rot +-4, scale 0.85/1.15, x flip)": default,
        "wider 10 (rot +-8, scale 0.75/1.3, x flip)": pairs([(0, 1.0), (-8, 1.0), (8, 1.0), (0, 0.75), (0, 1.3)]),
        "rotations only 10 (0, +-4, +-8, x flip)": pairs([(a, 1.0) for a in ANGLES]),
        "no flip 9 (rot +-4/+-8, scales)": [v for v in every if not v[2]],
        "all 18": every,
    }


def main() -> None:
    from scipy import stats
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.errors import InputError
    from facetrack.measure import Augmentation, Measurer, augment_image, check_measurable, map_back
    from facetrack.metrics import REGISTRY, compute_metrics
    from precision import perturbation_suite, target

    sets = view_sets()
    wanted = sorted({v for vs in sets.values() for v in vs})
    per_portrait = {}
    with Measurer.from_model() as m:
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            variants = []
            for variant in perturbation_suite(image):
                h, w = variant.shape[:2]
                plain = m.landmarker.detect(variant)
                try:
                    if plain is None:
                        continue
                    check_measurable(plain, m.topology, name)
                except InputError:
                    continue
                values = {}
                for angle, scale, flip in wanted:
                    aug = Augmentation(angle, scale, flip)
                    found = m.landmarker.detect(augment_image(variant, aug))
                    if found is not None:
                        values[(angle, scale, flip)] = compute_metrics(map_back(found.points, aug, w, h, m.topology),
                                                                       m.topology)
                variants.append(values)
            per_portrait[name] = variants
    combiners = {"median": np.median, "20% trimmed mean": lambda x: stats.trim_mean(x, 0.2), "mean": np.mean}
    metrics = [mt for mt in REGISTRY if target(mt)[1] is not None]
    print(f"Precision targets missed (of {len(metrics) * len(per_portrait)}) on the perturbation suite, "
          "by view set and combiner:")
    print("(" + ", ".join(f"{k}: {len(v)} variants" for k, v in per_portrait.items()) + ")")
    print(f"{'view set':48s} " + " ".join(f"{c:>22s}" for c in combiners))
    for set_name, views in sets.items():
        line = f"{set_name:48s} "
        for combine in combiners.values():
            ratios = []
            for variants in per_portrait.values():
                for mt in metrics:
                    est = np.array([combine([v[k][mt.name] for k in views if k in v]) for v in variants])
                    unit, goal = target(mt)
                    sd = est.std(ddof=1)
                    ratios.append((100 * sd / abs(est.mean()) if unit == "% rel" else sd) / goal)
            missed = sum(r > 1 for r in ratios)
            line += f" {missed:9d} missed, {np.exp(np.mean(np.log(ratios))):4.2f}"
        print(line)


if __name__ == "__main__":
    main()
