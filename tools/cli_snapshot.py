"""Every command's output on the demo store, in one text file: run it before and after a
change that must not change behaviour, and diff the two files.

    .venv/bin/python tools/cli_snapshot.py /tmp/before.txt
    ... change ...
    .venv/bin/python tools/cli_snapshot.py /tmp/after.txt
    diff /tmp/before.txt /tmp/after.txt

It builds the demo into a scratch data dir, runs each command there (help texts too), and
records the exit code, stdout, stderr, and the text of every file a command writes that is
text (CSV, JSON, HTML without its embedded pictures). Paths of the scratch folder are
replaced by <tmp>.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

EXE = str(Path(sys.executable).parent / "facetrack")

COMMANDS = (
    ["list"], ["metrics"], ["metrics", "--csv"], ["metrics", "--json"], ["metrics", "--describe"],
    ["status"], ["baseline"], ["widths"], ["compare"], ["compare", "2", "9", "-o", "{out}/pair.png"],
    ["trends", "-o", "{out}/trends.png"], ["trends", "-o", "{out}/one.svg", "--metric", "jaw_angle_mean"],
    ["trends", "-o", "{out}/x.png", "--metric", "nope"],
    ["report", "-o", "{out}/report.html"], ["export", "-o", "{out}/export.csv"],
    ["export", "-o", "{out}/export.json"], ["timelapse", "-o", "{out}/lapse.mp4"],
    ["recompute"], ["recompute", "--all"], ["compare", "1", "999"], ["list", "--profile", "bad/name"],
    ["import", "{out}/missing.jpg"], ["backup", "-o", "{out}/backup.tar"],
    ["model", "path"],
)
HELP = ("", "model", "import", "list", "metrics", "recompute", "trends", "demo", "capture", "status",
        "baseline", "calibrate", "compare", "timelapse", "report", "export", "widths", "backup",
        "restore", "delete")


def run(args: list[str], data: Path | None) -> str:
    cmd = [EXE, *args] + (["--data-dir", str(data), "--profile", "demo"] if data else [])
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return f"$ facetrack {' '.join(args)}\nexit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"


def main(target: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        data, out = tmp_path / "data", tmp_path / "out"
        out.mkdir()
        parts = [run(["demo", "--data-dir", str(data)], None)]
        for args in COMMANDS:
            parts.append(run([a.format(out=out) for a in args], data))
        for name in HELP:
            parts.append(run([*name.split(), "--help"] if name else ["--help"], None))
        for f in sorted(out.iterdir()):
            if f.suffix in (".csv", ".json"):
                parts.append(f"=== {f.name}\n{f.read_text()}")
            elif f.suffix == ".html":
                text = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "data:...", f.read_text())
                parts.append(f"=== {f.name}\n{text}")
            else:
                parts.append(f"=== {f.name}: {'written' if f.stat().st_size else 'EMPTY'}")
        text = "\n".join(parts)
        for form in (str(tmp_path), str(tmp_path).replace("/", "\\/")):
            text = text.replace(form, "<tmp>")
        text = re.sub(r"\(\d+\.\d days ago\)", "(N days ago)", text)
        text = re.sub(r"generated \d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?", "generated <now>", text)
    Path(target).write_text(text)
    print(f"{target}: {len(COMMANDS) + len(HELP) + 1} commands")


if __name__ == "__main__":
    main(sys.argv[1])
