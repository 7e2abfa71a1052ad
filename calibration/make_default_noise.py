"""Derive calibration/default_noise.json: a default MDC95 per metric, before a user calibrates.

For each of the two real portraits (grace_hopper, astronaut), 8 capture-like copies are
made (rotation ±2.5°, scale ±6 %, brightness ±10 %, JPEG 75-95: the week-to-week
variation of a careful user), each measured like an imported photo; MDC95 = 1.96 x sqrt 2
x the SD of the 8 values. The default is the larger of the two portraits' values. It is
an estimate for a careful user with a steady setup; `facetrack calibrate repeatability`
measures a user's own.

Run: .venv/bin/python calibration/make_default_noise.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def main() -> None:
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer
    from facetrack.lab.sensitivity import repeat_noise

    with Measurer.from_model() as measurer:
        per_portrait = {name: repeat_noise(measurer, np.ascontiguousarray(img))
                        for name, img in (("grace_hopper", portrait()), ("astronaut", data.astronaut()))}
    names = sorted(per_portrait["grace_hopper"])
    out = {
        "derivation": "max over grace_hopper and astronaut of 1.96*sqrt(2)*SD of 8 capture-like repeats "
                      "(calibration/make_default_noise.py)",
        "mdc95": {n: round(max(p[n] for p in per_portrait.values()), 6) for n in names},
        "per_portrait": {k: {n: round(v[n], 6) for n in names} for k, v in per_portrait.items()},
    }
    path = Path(__file__).with_name("default_noise.json")
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(path)


if __name__ == "__main__":
    main()
