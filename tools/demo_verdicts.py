"""What the demo's verdicts say: each measure's change over the 12 weeks (trend) and between the
first and the last week (before/after), its smallest real change and its verdict, as the pages
judge them (facetrack.stats.noise + facetrack.stats.verdicts).

    .venv/bin/python tools/demo_verdicts.py              # builds the demo in a scratch folder
    .venv/bin/python tools/demo_verdicts.py --widening 0 # the same frames without the change

The figures of docs/demo.md come from this script.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from facetrack import demo
from facetrack.detect.measure import Measurer
from facetrack.ingest.importer import import_photos
from facetrack.metrics import ALL_METRICS
from facetrack.metrics.labels import format_change, format_noise
from facetrack.stats.comparable import comparability
from facetrack.stats.noise import profile_noise
from facetrack.stats.verdicts import compare_pair, trend_verdicts
from facetrack.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widening", type=float, default=demo.WIDENING)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Measurer.from_model() as measurer:
        root = Path(tmp)
        photos = demo.build_series(root / "photos", measurer.landmarker, measurer.topology,
                                   schedule=demo.plan(widening=args.widening))
        with Store.open(root / "store") as store:
            import_photos(photos, store=store, measurer=measurer, profile="demo")
            captures = store.captures("demo")
    noise = profile_noise(captures)
    trends = trend_verdicts(captures, noise)
    first, last = captures[0], captures[-1]
    pair = compare_pair(first, last, noise, comparable=comparability(first, last))
    print(f"widening {100 * args.widening:g} %: before/after of week 1 and week 12: {pair.verdict} ({pair.reason})")
    print(f"{'measure':34s} {'trend change':>16s} {'verdict':>13s} | {'week 1 to 12':>16s} "
          f"{'smallest real':>16s} {'verdict':>13s}")
    for metric in ALL_METRICS:
        t = trends.get(metric.name)
        p = next((v for v in pair.measures if v.metric.name == metric.name), None)
        if t is None or p is None:
            continue
        change = "-" if t.change is None else format_change(metric, t.change)
        pair_change = "-" if p.change is None else format_change(metric, p.change)
        limit = format_noise(metric, p.smallest_real_change)
        print(f"{metric.label:34s} {change:>16s} {t.verdict:>13s} | {pair_change:>16s} {limit:>16s} {p.verdict:>13s}")
    print("beyond noise, trend:", ", ".join(n for n, t in trends.items() if t.beyond_noise) or "none")
    print("beyond noise, week 1 to 12:", ", ".join(v.metric.name for v in pair.measures if v.beyond_noise) or "none")


if __name__ == "__main__":
    main()
