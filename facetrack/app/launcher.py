"""Opening facetrack without a terminal: a launcher ("facetrack" on the desktop and in the
applications menu) that starts ``facetrack app`` for one data dir and opens it, and an address
that keeps working as a bookmark from one launch to the next.

The bookmark (``BOOKMARK_FILE`` in the data dir, readable by its owner only): a port and a key
of the data dir's own. Once it exists, ``facetrack app`` on that data dir listens on that port
when it is free and takes that key instead of a new one for each launch, so the address it opens
(``http://127.0.0.1:<port>/photos?token=<key>``) is the same every time. Why this keeps the
protection (docs/app.md, "A bookmark that keeps working"):

- Other web pages still cannot use the app: the Guard's checks of Host, Origin, Sec-Fetch-Site
  and the SameSite=Strict cookie do not depend on the key changing; another site never learns
  the key (it is never in a page, a Referer is only sent to the app itself).
- Other users of this computer cannot read the key: the file is 0600 inside the data dir (whose
  folder is the owner's only); a file another user could read is refused and replaced.
- What changes: a key written down (the bookmark, the browser's history) stays valid across
  launches, as the per-launch key stays valid for one launch. Anyone who can read the user's
  browser profile can already read the data dir. ``facetrack shortcut --new-key`` makes a new
  key (the old bookmark then stops working) and deleting the file returns to a key per launch.

The launcher runs this Python with ``-m facetrack.cli app --data-dir <dir>``: on Linux a
``.desktop`` file (the freedesktop.org Desktop Entry format, checked by
``desktop-file-validate``), on macOS an application bundle, on Windows a ``.cmd`` file run by
the Start menu and desktop shortcut (docs/app.md, "Opening facetrack without a terminal").
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

BOOKMARK_FILE = "app-bookmark.json"
#: The ports a data dir's bookmark is chosen from (above the usual servers', below the
#: ephemeral range most systems give out).
PORTS = range(20_000, 30_000)
NAME = "facetrack"
COMMENT = "Take this week's photo of your face and see what changed"


@dataclass(frozen=True)
class Bookmark:
    """A data dir's own port and key (``facetrack app`` uses both when the file exists)."""

    port: int
    key: str

    def url(self, port: int | None = None) -> str:
        return f"http://127.0.0.1:{port or self.port}/photos?token={self.key}"


def _private(path: Path) -> bool:
    """Whether only the owner may read ``path`` (always true where modes do not exist)."""
    if os.name != "posix":
        return True
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def read_bookmark(root) -> Bookmark | None:
    """The data dir's bookmark, or None (none, not the owner's alone, or not one)."""
    path = Path(root) / BOOKMARK_FILE
    try:
        if not _private(path):
            return None
        given = json.loads(path.read_text(encoding="utf-8"))
        port, key = given["port"], given["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(port, int) and port in PORTS and isinstance(key, str) and len(key) >= 32
            and key.replace("-", "").replace("_", "").isalnum()):
        return None
    return Bookmark(port, key)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def make_bookmark(root, *, new_key: bool = False) -> Bookmark:
    """The data dir's bookmark, made (a free port of ``PORTS``, a new key) when there is none,
    or none that only its owner can read; ``new_key``: a new key for the same port. Written
    0600, whole."""
    root = Path(root)
    kept = read_bookmark(root)
    port = kept.port if kept else next(p for p in (secrets.choice(PORTS) for _ in range(200)) if port_is_free(p))
    mark = Bookmark(port, kept.key if kept and not new_key else secrets.token_urlsafe(32))
    root.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new data dir is its owner's only, as the store's
    path = root / BOOKMARK_FILE
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"port": mark.port, "key": mark.key}, f)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return mark


# --- the launchers ---------------------------------------------------------------------------
def command(root, python: str | None = None) -> list[str]:
    """What a launcher runs: this Python, ``-m facetrack.cli app --data-dir <root>``."""
    return [python or sys.executable, "-m", "facetrack.cli", "app", "--data-dir", str(Path(root).resolve())]


def _exec_argument(arg: str) -> str:
    """One argument of a Desktop Entry's Exec key: quoted when it must be, with ``"``, `` ` ``,
    ``$`` and ``\\`` escaped inside quotes and ``%`` doubled (the specification's rules)."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`='):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(root, python: str | None = None) -> str:
    """The Linux launcher: a Desktop Entry that starts the app (which opens the browser)."""
    # the Exec key's own quoting, then a string value's escaping of backslashes
    exec_line = " ".join(_exec_argument(a) for a in command(root, python)).replace("\\", "\\\\")
    # a value of a desktop entry is one line: a line break in a path would end it
    if "\n" in exec_line or "\r" in exec_line:
        raise ValueError(f"the data dir must be a path without line breaks but got {str(root)!r}")
    return ("[Desktop Entry]\n"
            "Type=Application\n"
            "Version=1.0\n"
            f"Name={NAME}\n"
            "GenericName=Face progress tracker\n"
            f"Comment={COMMENT}\n"
            f"Exec={exec_line}\n"
            "Icon=camera-photo\n"
            "Terminal=false\n"
            "StartupNotify=false\n"
            "Categories=Graphics;Photography;\n")


def user_dir(name: str, fallback: str) -> Path:
    """An XDG user folder (``DESKTOP``) from ``user-dirs.dirs``, else ``~/<fallback>``."""
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "user-dirs.dirs"
    try:
        for line in config.read_text(encoding="utf-8").splitlines():
            if line.startswith(f"XDG_{name}_DIR="):
                value = line.split("=", 1)[1].strip().strip('"')
                return Path(value.replace("$HOME", str(Path.home())))
    except OSError:
        pass
    return Path.home() / fallback


def linux_places() -> tuple[Path, Path]:
    """Where the Linux launcher goes: the applications menu's folder and the desktop."""
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "applications", user_dir("DESKTOP", "Desktop")


def _write(path: Path, text: str, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")  # its own line ends, on every system
    path.chmod(mode)
    return path


def write_linux(root, *, applications: Path, desktop: Path | None, python: str | None = None) -> list[Path]:
    """``facetrack.desktop`` in the applications menu's folder and, when given, on the desktop
    (executable: GNOME and KDE start a desktop's launcher only when it is)."""
    entry = desktop_entry(root, python)
    written = [_write(Path(applications) / f"{NAME}.desktop", entry, 0o644)]
    if desktop is not None:
        written.append(_write(Path(desktop) / f"{NAME}.desktop", entry, 0o755))
    return written


def info_plist() -> str:
    """The bundle's Info.plist (written by ``plistlib``, Apple's format)."""
    import plistlib

    return plistlib.dumps({"CFBundleName": NAME, "CFBundleExecutable": NAME,
                           "CFBundleIdentifier": "org.facetrack.launcher", "CFBundlePackageType": "APPL",
                           "LSUIElement": True}).decode("utf-8")


def _sh_quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def write_macos(root, *, applications: Path, python: str | None = None) -> list[Path]:
    """``facetrack.app`` in ``applications`` (~/Applications): a bundle whose program runs the
    app in the background (Launchpad and Finder show it; drag it to the Dock or desktop)."""
    bundle = Path(applications) / f"{NAME}.app" / "Contents"
    script = "#!/bin/sh\nexec " + " ".join(_sh_quote(a) for a in command(root, python)) + "\n"
    return [_write(bundle / "Info.plist", info_plist(), 0o644),
            _write(bundle / "MacOS" / NAME, script, 0o755)]


def write_windows(root, *, places: list[Path], python: str | None = None) -> list[Path]:
    """``facetrack.cmd`` in each of ``places`` (the Start menu's Programs folder and the
    desktop): it starts the app with ``pythonw`` (no console window stays open)."""
    from pathlib import PureWindowsPath

    args = command(root, python)
    exe = PureWindowsPath(args[0])
    windowless = exe.with_name("pythonw.exe") if exe.name.lower() == "python.exe" else exe
    line = " ".join(f'"{a}"' for a in [str(windowless), *args[1:]])
    text = f'@echo off\r\nstart "" {line}\r\n'
    return [_write(Path(p) / f"{NAME}.cmd", text, 0o644) for p in places]


def write_launchers(root, *, platform: str | None = None, python: str | None = None) -> list[Path]:
    """The launchers of this system (``sys.platform`` unless given) for the data dir ``root``,
    and its bookmark; the files written."""
    platform = platform or sys.platform
    make_bookmark(root)
    if platform.startswith("linux") or platform.startswith("freebsd"):
        applications, desktop = linux_places()
        return write_linux(root, applications=applications, desktop=desktop if desktop.is_dir() else None,
                           python=python)
    if platform == "darwin":
        return write_macos(root, applications=Path.home() / "Applications", python=python)
    if platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        programs = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs"
        desktop = Path(os.environ.get("USERPROFILE") or Path.home()) / "Desktop"
        return write_windows(root, places=[programs, *([desktop] if desktop.is_dir() else [])], python=python)
    raise ValueError(f"the system must be Linux, macOS or Windows but got {platform!r}")


def running_at(mark: Bookmark, timeout_s: float = 2.0) -> bool:
    """Whether facetrack already runs at the bookmark's port with its key (it then answers the
    key with a 303 and its cookie; anything else there is not it)."""
    import http.client

    if port_is_free(mark.port):
        return False
    conn = http.client.HTTPConnection("127.0.0.1", mark.port, timeout=timeout_s)
    try:
        conn.request("GET", f"/photos?token={mark.key}", headers={"Host": f"127.0.0.1:{mark.port}"})
        answer = conn.getresponse()
        return answer.status == 303 and "facetrack_token=" in (answer.getheader("set-cookie") or "")
    except OSError:
        return False
    finally:
        conn.close()
