"""The images folder: each photo stored once, byte-exact, named by its SHA-256.

``images/ab/<sha256>.<ext>``: the path comes from the hash and a cleaned extension only.
A file is written atomically (a ``.<pid>-*.part`` file, then a rename), so a reader never
sees half a photo, and a part file left by a killed process can be told from a live one's.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

IMAGES_DIR = "images"
#: Every path facetrack derives from stored data has this form, and nothing else is used.
IMAGE_REL = re.compile(r"^images/([0-9a-f]{2})/([0-9a-f]{64})\.([a-z0-9]{1,5})$")


def image_rel(sha256: str, ext: str) -> str:
    """The image's path inside the data dir, from its hash and extension alone."""
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:5] or "img"
    return f"{IMAGES_DIR}/{sha256[:2]}/{sha256}.{ext}"


def is_image_rel(rel: object, sha256: str | None = None) -> bool:
    """Whether ``rel`` (as stored) is an image path of the content-addressed form, inside
    ``images/`` (and, given ``sha256``, the path of that hash)."""
    m = IMAGE_REL.match(rel) if isinstance(rel, str) else None
    return bool(m) and m[1] == m[2][:2] and (sha256 is None or m[2] == sha256)


def write_image(target: Path, data: bytes) -> bool:
    """Write an image file atomically unless it is already there; True if created."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{os.getpid()}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine)."""
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
