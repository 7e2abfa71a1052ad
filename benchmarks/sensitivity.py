"""Sensitivity of the metrics to known synthetic changes on the real portraits.

For every case in ``facetrack.sensitivity.CASES`` (cheeks widened, cheek contour bulged,
lower face lengthened so the jaw angles open, left mouth corner lifted) at three amounts,
prints the expected change of each intended metric (the warp applied to the landmarks),
the measured change (the robust estimate on the warped photo), their ratio (recovery;
target 0.7 to 1.3), and the unrelated metrics whose change exceeded their MDC95.

Run: ``.venv/bin/python benchmarks/sensitivity.py`` (part of ``make bench``).
"""

from __future__ import annotations

import sys

TARGET = (0.7, 1.3)


def collect() -> dict[str, object]:
    """Print the sensitivity table; return its rows and how many missed the recovery target."""
    from skimage import data

    from facetrack.demo import portrait
    from facetrack.measure import Measurer
    from facetrack.sensitivity import CASES, repeat_noise, responses, unrelated

    missed = 0
    rows = []
    with Measurer.from_model() as m:
        for name, image in (("grace_hopper", portrait()), ("astronaut", data.astronaut())):
            mdc = repeat_noise(m, image)
            print(f"\n{name}: MDC95 of the robust estimate (8 capture-like repeats): "
                  + ", ".join(f"{k} {mdc[k]:.3g}" for k in ("jaw_angle_mean", "midface_width_ratio",
                                                              "cheek_fullness_left", "mouth_corner_tilt")))
            print(f"{'case':24s} {'amount':>7s} {'metric':22s} {'expected':>9s} {'measured':>9s} "
                  f"{'recovery':>8s}  unrelated beyond MDC")
            by_case = responses(m, image)
            for case in CASES:
                for r in by_case[case.name]:
                    beyond = [k for k in unrelated(r, mdc) if abs(r.measured[k]) >= mdc[k]]
                    for metric in case.intended:
                        rec = r.recovery(metric)
                        ok = TARGET[0] <= rec <= TARGET[1]
                        missed += not ok
                        rows.append({"portrait": name, "case": case.name, "amount": r.amount, "metric": metric,
                                     "expected": round(r.expected[metric], 5),
                                     "measured": round(r.measured[metric], 5), "recovery": round(rec, 3)})
                        print(f"{case.name:24s} {r.amount:7.2f} {metric:22s} {r.expected[metric]:+9.4f} "
                              f"{r.measured[metric]:+9.4f} {rec:8.2f}{'' if ok else ' MISS'}  "
                              f"{', '.join(beyond) or '-'}")
    recoveries = [r["recovery"] for r in rows]
    print(f"\nrecovery outside {TARGET[0]}-{TARGET[1]}: {missed} of {len(rows)} rows "
          f"(range {min(recoveries):.2f}-{max(recoveries):.2f})")
    return {"rows": rows, "rows_missed": missed, "recovery_min": min(recoveries),
            "recovery_max": max(recoveries)}


if __name__ == "__main__":
    collect()
    sys.exit(0)
