"""`facetrack shortcut` and the Settings button (issue 33): a Linux launcher that
desktop-file-validate accepts and whose Exec line starts the app, the macOS and Windows
launchers, and the data dir's bookmark (its own port and key, 0600) that keeps one address
across launches without letting anything else in."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from facetrack.app import launcher
from facetrack.cli import main

VALIDATE = shutil.which("desktop-file-validate")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home of the test's own: the applications menu's folder and a desktop named in user-dirs.dirs."""
    home = tmp_path / "home"
    (home / "Bureau").mkdir(parents=True)
    (home / ".config").mkdir()
    (home / ".config" / "user-dirs.dirs").write_text('XDG_DESKTOP_DIR="$HOME/Bureau"\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home


def exec_argv(entry: str) -> list[str]:
    """The Exec line of a desktop entry as a launcher splits it (the Desktop Entry
    specification: a string value's escapes, then the Exec key's quoting)."""
    line = next(l for l in entry.splitlines() if l.startswith("Exec="))[len("Exec="):]
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[m.group(1)], line)
    args, i = [], 0
    while i < len(value):
        if value[i] == " ":
            i += 1
            continue
        arg = ""
        if value[i] == '"':
            i += 1
            while value[i] != '"':
                if value[i] == "\\":
                    assert value[i + 1] in '"`$\\', value
                    i += 1
                arg += value[i]
                i += 1
            i += 1
        else:
            while i < len(value) and value[i] != " ":
                arg += value[i]
                i += 1
        args.append(arg.replace("%%", "%"))
    return args


def test_shortcut_writes_a_launcher_to_the_menu_and_the_desktop(home, tmp_path):
    root = tmp_path / "my photos $HOME \"quoted\" 100%"
    result = CliRunner().invoke(main, ["shortcut", "--data-dir", str(root)])
    assert result.exit_code == 0, result.output
    menu = home / ".local" / "share" / "applications" / "facetrack.desktop"
    desktop = home / "Bureau" / "facetrack.desktop"
    assert f"wrote {menu}" in result.output and f"wrote {desktop}" in result.output
    assert menu.read_text() == desktop.read_text()
    assert desktop.stat().st_mode & stat.S_IXUSR  # a desktop's launcher runs only when executable
    entry = menu.read_text()
    assert "Name=facetrack\n" in entry and "Terminal=false\n" in entry and "Type=Application\n" in entry
    assert exec_argv(entry) == [sys.executable, "-m", "facetrack.cli", "app", "--data-dir", str(root.resolve())]
    mark = launcher.read_bookmark(root)
    assert f"the address to bookmark (it stays the same): {mark.url()}" in result.output


@pytest.mark.skipif(VALIDATE is None, reason="desktop-file-validate is not installed (apt-get install "
                                              "desktop-file-utils)")
@pytest.mark.parametrize("name", ["facetrack", "my photos", 'a "quoted" $dir with \\ and `ticks` and 100%'])
def test_desktop_file_validate_accepts_the_launcher(home, tmp_path, name):
    root = tmp_path / name
    (written, *_) = launcher.write_linux(root, applications=home / "apps", desktop=None)
    check = subprocess.run([VALIDATE, str(written)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == "" and check.stderr == "", check.stdout + check.stderr
    assert exec_argv(written.read_text())[-1] == str(root.resolve())


def test_a_path_with_a_line_break_is_refused(tmp_path):
    with pytest.raises(ValueError, match="without line breaks"):
        launcher.desktop_entry(tmp_path / "two\nlines")


def test_the_launchers_exec_line_starts_the_app_at_the_bookmarked_address(home, tmp_path):
    """The Exec line, run as a launcher runs it (the browser a harmless program), starts the app
    on the data dir's own port with its key; started again, it opens the running app."""
    root = tmp_path / "store"
    CliRunner().invoke(main, ["shortcut", "--data-dir", str(root)])
    argv = exec_argv((home / ".local" / "share" / "applications" / "facetrack.desktop").read_text())
    mark = launcher.read_bookmark(root)
    env = {**os.environ, "BROWSER": "true", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == mark.url()
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(mark.url(), timeout=10)
        assert answer.value.code == 303 and "facetrack_token=" in answer.value.headers["set-cookie"]
        with pytest.raises(urllib.error.HTTPError) as refused:  # without the key: refused, as before
            opener.open(f"http://127.0.0.1:{mark.port}/photos", timeout=10)
        assert refused.value.code == 403
        again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
        assert again.returncode == 0 and again.stdout.strip() == mark.url()  # the running app, opened
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_bookmark_is_the_data_dirs_own_and_its_owners_only(tmp_path):
    root = tmp_path / "store"
    first = launcher.make_bookmark(root)
    path = root / launcher.BOOKMARK_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(root.stat().st_mode) == 0o700
    assert first.port in launcher.PORTS and len(first.key) >= 40
    assert launcher.make_bookmark(root) == first == launcher.read_bookmark(root)  # the same every time
    renewed = launcher.make_bookmark(root, new_key=True)
    assert renewed.port == first.port and renewed.key != first.key
    assert launcher.make_bookmark(tmp_path / "other").key != renewed.key  # each data dir its own
    path.chmod(0o644)  # another user could read it: not used, and replaced
    assert launcher.read_bookmark(root) is None
    replaced = launcher.make_bookmark(root)
    assert replaced.key != renewed.key and stat.S_IMODE(path.stat().st_mode) == 0o600
    for text in ("not json", '{"port": 80, "key": "' + "k" * 43 + '"}', '{"port": 25000, "key": "short"}',
                 '{"port": 25000, "key": "' + "<script>" * 6 + '"}', "[]"):
        path.write_text(text)
        assert launcher.read_bookmark(root) is None, text


def test_without_a_bookmark_every_launch_has_its_own_key(tmp_path):
    urls = []
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--data-dir",
                                 str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            urls.append(proc.stdout.readline().strip())
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert urls[0] != urls[1] and not (tmp_path / launcher.BOOKMARK_FILE).exists()


def test_with_a_bookmark_every_launch_has_the_same_address(tmp_path):
    mark = launcher.make_bookmark(tmp_path)
    for _ in range(2):
        proc = subprocess.Popen([sys.executable, "-m", "facetrack.cli", "app", "--no-browser", "--data-dir",
                                 str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == mark.url()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        time.sleep(0.2)


def test_macos_and_windows_launchers(tmp_path):
    root = tmp_path / "my store"
    plist, script = launcher.write_macos(root, applications=tmp_path / "Applications", python="/usr/bin/python3")
    assert plist.parent.parent.name == "facetrack.app"
    info = plistlib.loads(plist.read_bytes())
    assert info["CFBundleExecutable"] == "facetrack" == script.name and info["CFBundlePackageType"] == "APPL"
    assert script.stat().st_mode & stat.S_IXUSR
    assert script.read_text() == (f"#!/bin/sh\nexec '/usr/bin/python3' '-m' 'facetrack.cli' 'app' '--data-dir' "
                                  f"'{root.resolve()}'\n")
    (cmd,) = launcher.write_windows(root, places=[tmp_path / "Programs"], python=r"C:\Python\python.exe")
    text = cmd.read_bytes().decode()
    assert text.startswith("@echo off\r\n") and r'"C:\Python\pythonw.exe" "-m" "facetrack.cli" "app"' in text
    with pytest.raises(ValueError, match="Linux, macOS or Windows"):
        launcher.write_launchers(root, platform="plan9")


def test_the_settings_button_writes_the_launcher_and_says_so(home, store_dir, measurer):
    from facetrack.app.server import create_app

    app = create_app(store_dir, profile="demo", port=8774, token="secret-token", measurer_factory=lambda: measurer)
    with TestClient(app, base_url="http://127.0.0.1:8774") as c:
        c.get("/photos?token=secret-token")
        page = c.get("/settings").text
        assert 'action="/shortcut"' in page and "Add facetrack to the desktop" in page
        answer = c.post("/shortcut", headers={"origin": "http://127.0.0.1:8774"}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/settings?note=")
        said = c.get(answer.headers["location"]).text
    mark = launcher.read_bookmark(store_dir)
    assert "facetrack is now on your desktop and in the applications menu" in said
    assert f"the address {mark.url()} stays the same" in said
    assert (home / ".local" / "share" / "applications" / "facetrack.desktop").is_file()
    assert (home / "Bureau" / "facetrack.desktop").is_file()
