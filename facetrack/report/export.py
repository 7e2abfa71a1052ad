"""Export a profile's captures as a table: one row per capture, one column per metric.

Columns: capture metadata (id, taken_at, taken_at_source, source, width, height, yaw,
pitch, roll), then each metric's value (column named after the metric), its spread
(``<name>_spread``) and its definition's version (``<name>_version``). A value that was not
measured (a silhouette metric without a plain background) is empty in CSV, null in JSON and
null (NaN) in parquet.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Sequence

from facetrack.errors import ReportError
from facetrack.metrics import ALL_METRICS
from facetrack.records import Capture

FORMATS = ("csv", "parquet", "json")


def source_name(path: str) -> str:
    """A capture's source as a file meant to be shared may carry it: the photo's own file name,
    never the folders it was in (they name the user and the computer's layout)."""
    return re.split(r"[\\/]", str(path or ""))[-1]


def captures_frame(captures: Sequence[Capture]):
    """A pandas DataFrame of the captures (see the module docstring for the columns)."""
    import pandas as pd

    rows = []
    for c in captures:
        yaw, pitch, roll = c.pose if c.pose else (None, None, None)
        row = {"id": c.id, "taken_at": c.taken_at, "taken_at_source": c.taken_at_source,
               "source": source_name(c.source_path), "width": c.width, "height": c.height,
               "yaw": yaw, "pitch": pitch, "roll": roll}
        for m in ALL_METRICS:
            value = c.metrics.get(m.name)
            row[m.name] = value.value if value else None
            row[f"{m.name}_spread"] = value.spread if value else None
            row[f"{m.name}_version"] = value.version if value else None
        rows.append(row)
    columns = ["id", "taken_at", "taken_at_source", "source", "width", "height", "yaw", "pitch", "roll"]
    for m in ALL_METRICS:
        columns += [m.name, f"{m.name}_spread", f"{m.name}_version"]
    frame = pd.DataFrame(rows, columns=columns)
    for m in ALL_METRICS:
        frame[f"{m.name}_version"] = frame[f"{m.name}_version"].astype("Int64")
    return frame


def export_captures(captures: Sequence[Capture], path: str | Path, fmt: str | None = None) -> Path:
    """Write the table to ``path`` as csv, parquet or json (default: from the suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ReportError(f"{path}: unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    if not captures:
        raise ReportError("nothing to export: this profile has no captures")
    frame = captures_frame(captures)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "json":
        frame.to_json(path, orient="records", date_format="iso", indent=2)
    else:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ReportError(f"{path}: parquet export needs pyarrow (pip install 'facetrack[parquet]')") from None
        frame.to_parquet(path, index=False)
    return path


def parquet_available() -> bool:
    """Whether Parquet can be written here (pyarrow is an optional extra)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def spreadsheet_csv(captures: Sequence[Capture]) -> str:
    """Every capture as a spreadsheet reads it (the app's CSV download): one row per photo, its
    date and time, how it was taken and dated, the head's turn and tilts, then each measure under
    its plain name with the unit it is shown in ("Jaw angle (mean), degrees"), in those units with
    the decimals every page writes. No file path (an upload's was a temporary file), no spread or
    definition version: ``export_captures`` keeps the machine names and every column."""
    from facetrack.metrics.labels import unit
    from facetrack.report.wording import how_taken

    def number(value, digits: int = 1) -> str:
        return "" if value is None or value != value else f"{value:.{digits}f}"

    units = {m.name: unit(m) for m in ALL_METRICS}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Time", "How it was taken", "Head turned sideways, degrees",
                     "Chin up or down, degrees", "Head tilted to a shoulder, degrees", "Photo width, pixels",
                     "Photo height, pixels", *(f"{m.label}, {units[m.name].axis}" for m in ALL_METRICS)])
    for c in captures:
        pose = c.pose if c.pose else (None, None, None)
        row = [c.taken_at.date().isoformat(), c.taken_at.strftime("%H:%M"), how_taken(c), *map(number, pose),
               c.width, c.height]
        for m in ALL_METRICS:
            value = c.metrics.get(m.name)
            u = units[m.name]
            row.append("" if value is None or value.value is None or value.value != value.value
                       else u.number(value.value * u.factor))
        writer.writerow(row)
    return out.getvalue()


def metrics_json(captures: Sequence[Capture]) -> str:
    """`facetrack metrics --json`: one object per capture with its values and spreads."""
    names = [m.name for m in ALL_METRICS]
    return json.dumps([
        {"id": c.id, "taken_at": c.taken_at.isoformat(), "source": source_name(c.source_path),
         "metrics": {n: c.metrics[n].value if n in c.metrics else None for n in names},
         "spread": {n: c.metrics[n].spread if n in c.metrics else None for n in names}}
        for c in captures], indent=2)


def metrics_csv(captures: Sequence[Capture]) -> str:
    """`facetrack metrics --csv`: one row per capture, one column per metric (6 digits)."""
    names = [m.name for m in ALL_METRICS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "taken_at", "source", *names])
    for c in captures:
        writer.writerow([c.id, c.taken_at.isoformat(), source_name(c.source_path),
                         *[f"{c.metrics[n].value:.6g}" if n in c.metrics else "" for n in names]])
    return out.getvalue()


def pair_json(verdict) -> str:
    """`facetrack compare --json`: a before/after's verdict (a ``verdicts.PairVerdict``) and
    each measure's, in stored units with the metric keys of `facetrack metrics --json`."""
    def capture(c: Capture) -> dict:
        return {"id": c.id, "date": c.taken_at.date().isoformat()}

    return json.dumps({
        "before": capture(verdict.before), "after": capture(verdict.after),
        "verdict": verdict.verdict, "reason": verdict.reason,
        "measures": [{"name": m.metric.name, "label": m.metric.label, "before": m.before, "after": m.after,
                      "change": m.change, "smallest_real_change": m.smallest_real_change, "verdict": m.verdict}
                     for m in verdict.measures],
    }, indent=2)
