"""The README is the user's document (issue 33): under 16,000 characters, and its install
section gives Linux, macOS and Windows copy-paste lines with nothing to fill in: uv's own
installer, then facetrack from the named wheel, its launcher and the app, each a command that
exists."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from facetrack.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
WHEEL = "facetrack-0.1.0-py3-none-any.whl"


def install_blocks() -> dict[str, list[str]]:
    section = README[README.index("## Install, then open it"):README.index("\n## ", README.index("## Install") + 5)]
    return {lang: [line for line in block.splitlines() if line.strip()]
            for lang, block in re.findall(r"```(sh|powershell)\n(.*?)```", section, re.S)}


def test_the_readme_stays_under_16000_characters():
    assert len(README) < 16_000, len(README)


def test_each_system_has_lines_to_paste_with_nothing_to_fill_in():
    blocks = install_blocks()
    assert set(blocks) == {"sh", "powershell"}  # Linux and macOS share the shell's lines
    for lang, lines in blocks.items():
        assert len(lines) == 4, lines
        text = "\n".join(lines)
        assert not re.search(r"<[^>]*>|\bURL\b|\.\.\.|your-|PATH/|\bNAME\b", text), text  # no placeholder
        assert "astral.sh/uv/install" in lines[0]  # installing uv, with uv's own installer
        assert "tool install --quiet" in lines[1] and WHEEL in lines[1] and "Downloads" in lines[1]
        assert lines[2].rstrip().endswith("shortcut") and lines[3].rstrip().endswith("app")
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert WHEEL == f"facetrack-{version}-py3-none-any.whl"  # the file `uv build` makes


def test_the_commands_the_install_names_exist():
    for command in ("shortcut", "app"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "--data-dir" in result.output
