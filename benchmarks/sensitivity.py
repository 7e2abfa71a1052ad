"""Sensitivity of the metrics to known synthetic changes on the real portraits.

For every case in ``facetrack.lab.sensitivity.CASES`` (cheeks widened, cheek contour bulged,
lower face lengthened so the jaw angles open, left mouth corner lifted) at three amounts,
prints the expected change of each intended metric (the warp applied to the landmarks),
the measured change (the robust estimate on the warped photo), their ratio (recovery;
target 0.7 to 1.3) with its noise (+- MDC95 / expected: how far two captures of an
unchanged face can differ, in units of the expected change), the landmark gain (how far the landmarks themselves followed the
warp; see ``facetrack.lab.sensitivity.landmark_gain``), and the unrelated metrics whose change exceeded their MDC95.

Run: ``.venv/bin/python benchmarks/sensitivity.py`` (part of ``make bench``).
"""

from __future__ import annotations

import sys

TARGET = (0.7, 1.3)


def collect() -> dict[str, object]:
    """Print the sensitivity table; return its rows and how many missed the recovery target."""
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.detect.measure import Measurer
    from facetrack.lab.sensitivity import CASES, repeat_noise, responses, unrelated

    missed = clearly = 0
    rows = []
    with Measurer.from_model() as m:
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            mdc = repeat_noise(m, image)
            print(f"\n{name}: MDC95 of the robust estimate (8 capture-like repeats): "
                  + ", ".join(f"{k} {mdc[k]:.3g}" for k in ("jaw_angle_mean", "midface_width_ratio",
                                                              "cheek_fullness_left", "mouth_corner_tilt")))
            print(f"{'case':24s} {'amount':>7s} {'metric':22s} {'expected':>9s} {'measured':>9s} "
                  f"{'recovery':>8s} {'+-noise':>7s} {'lm gain':>7s}  unrelated beyond MDC")
            by_case = responses(m, image)
            for case in CASES:
                for r in by_case[case.name]:
                    beyond = [k for k in unrelated(r, mdc) if abs(r.measured[k]) >= mdc[k]]
                    for metric in case.intended:
                        rec = r.recovery(metric)
                        noise = mdc[metric] / abs(r.expected[metric])
                        ok = TARGET[0] <= rec <= TARGET[1]
                        missed += not ok
                        clearly += rec + noise < TARGET[0] or rec - noise > TARGET[1]
                        rows.append({"portrait": name, "case": case.name, "amount": r.amount, "metric": metric,
                                     "expected": round(r.expected[metric], 5),
                                     "measured": round(r.measured[metric], 5), "recovery": round(rec, 3),
                                     "recovery_noise": round(noise, 3),
                                     "landmark_gain": round(r.landmark_gain, 3)})
                        print(f"{case.name:24s} {r.amount:7.2f} {metric:22s} {r.expected[metric]:+9.4f} "
                              f"{r.measured[metric]:+9.4f} {rec:8.2f} {noise:7.2f} {r.landmark_gain:7.2f}{'' if ok else ' MISS'}  "
                              f"{', '.join(beyond) or '-'}")
    print("\nlm gain: how far the landmarks the warp moves most followed it (1 = fully, 0 = not at all);"
          "\na gain near the recovery means the landmark model, not the metric, loses the change.")
    recoveries = [r["recovery"] for r in rows]
    print(f"\nrecovery outside {TARGET[0]}-{TARGET[1]}: {missed} of {len(rows)} rows "
          f"(range {min(recoveries):.2f}-{max(recoveries):.2f}); outside by more than the noise: {clearly}")
    return {"rows": rows, "rows_missed": missed, "rows_clearly_missed": clearly,
            "recovery_min": min(recoveries), "recovery_max": max(recoveries)}


if __name__ == "__main__":
    collect()
    sys.exit(0)
