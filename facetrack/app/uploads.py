"""Request bodies read with limits, and uploaded photos streamed to disk under the data dir.

- ``read_body``: the whole body of a small request (a camera frame, the settings form),
  refused before anything is read when its Content-Length is over the limit, and while it
  is read as soon as the bytes that came (chunked or not) pass it.
- ``save_uploads``: a multipart upload's photos written to files as they arrive, with the
  same running limit on the whole body, into a folder of the app's ``Scratch`` space.
- ``Scratch``: the app's own scratch folder in the data dir (``.facetrack-app-<pid>-...``),
  locked for the app's life; each upload gets a folder in it, removed whatever happens to
  the request. The folder goes when the app ends, and a killed app's folder goes at the
  next start of any app on the same data dir (its lock is free then).

Every refusal is a ``Refused``: an HTTP status and one sentence for the person.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

SCRATCH_PREFIX = ".facetrack-app-"
LOCK_NAME = "lock"
#: A body whose next bytes take longer than this to come is refused (a stalled client).
BODY_IDLE_S = 30.0
#: A whole body must come within this long (a byte every few seconds would keep it open for
#: ever; 50 MB from this same computer takes well under a second).
BODY_TOTAL_S = 120.0
#: Parts of an upload besides its photos (a browser sends none): more is refused.
MAX_OTHER_PARTS = 16
MAX_NAME_CHARS = 100


class Refused(Exception):
    """A request refused: its HTTP status and why, in one sentence."""

    def __init__(self, status: int, sentence: str):
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence


def _megabytes(limit: int) -> str:
    return f"{limit / 2 ** 20:g} MB" if limit >= 2 ** 20 else f"{limit / 2 ** 10:g} kB"


async def _chunks(request, limit: int, what: str):
    """The body's chunks, refused (413) once more than ``limit`` bytes came or are announced."""
    import anyio
    from starlette.requests import ClientDisconnect

    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise Refused(413, f"{what} is over {_megabytes(limit)} (told by its length, before reading it)")
    received = 0
    stream = request.stream().__aiter__()
    deadline = anyio.current_time() + BODY_TOTAL_S
    while True:
        wait = min(BODY_IDLE_S, deadline - anyio.current_time())
        try:
            with anyio.fail_after(max(0.0, wait)):
                chunk = await stream.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            if wait < BODY_IDLE_S:
                raise Refused(408, f"{what} took over {BODY_TOTAL_S:g} s to arrive") from None
            raise Refused(408, f"{what} stopped arriving (nothing for {BODY_IDLE_S:g} s)") from None
        except ClientDisconnect:
            raise Refused(400, f"{what} was cut off before its end") from None
        received += len(chunk)
        if received > limit:
            raise Refused(413, f"{what} is over {_megabytes(limit)}")
        if chunk:
            yield chunk


async def read_body(request, limit: int, what: str = "the request") -> bytes:
    """The whole body, at most ``limit`` bytes (``Refused`` otherwise)."""
    parts = []
    async for chunk in _chunks(request, limit, what):
        parts.append(chunk)
    return b"".join(parts)


DATE_FIELD = "date"  # the page sends each photo's date as a ``date`` part just before the photo
MAX_DATE_CHARS = 40


@dataclass(frozen=True)
class Upload:
    name: str  # the file's name as the browser gave it (for messages only)
    path: Path  # where it was written
    date: str = ""  # the ``date`` field sent just before the file (the page's date for it), if any


def _safe(name: str) -> str:
    """A file name made only of letters, digits and ``._-`` (never a path)."""
    kept = "".join(ch for ch in name if ch.isascii() and (ch.isalnum() or ch in "._-"))
    return kept.strip(".")[:MAX_NAME_CHARS] or "photo"


class _Parts:
    """python-multipart's callbacks: each file of the ``field`` written to ``folder``."""

    def __init__(self, folder: Path, field: str, max_files: int, charset: str):
        self.folder, self.field, self.max_files, self.charset = folder, field, max_files, charset
        self.uploads: list[Upload] = []
        self.others = 0
        self.finished = False  # the closing boundary came: nothing was cut off
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = self._value = b""
        self._file = None
        self._upload: Upload | None = None
        self._date: bytearray | None = None  # the ``date`` part being read
        self._next_date = ""  # the last ``date`` part: it goes with the next file
        self.dates = 0  # ``date`` parts so far (at most one per photo)

    def callbacks(self) -> dict:
        return {"on_part_begin": self.begin, "on_part_data": self.data, "on_part_end": self.end,
                "on_header_field": self.header_field, "on_header_value": self.header_value,
                "on_header_end": self.header_end, "on_headers_finished": self.headers_finished,
                "on_end": self.finish}

    def finish(self) -> None:
        self.finished = True

    def begin(self) -> None:
        self._headers, self._upload = [], None

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        self._headers.append((self._name.lower(), self._value))
        self._name = self._value = b""

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode(self.charset, "replace")
        if name == DATE_FIELD and b"filename" not in options:  # one per photo: not counted as another part
            self.dates += 1
            if self.dates > self.max_files:
                raise Refused(413, f"at most {self.max_files} photos (and their dates) can be uploaded at once")
            self._date = bytearray()
            return
        if name != self.field or b"filename" not in options:
            self.others += 1
            if self.others > MAX_OTHER_PARTS:
                raise Refused(400, f"the upload has more than {MAX_OTHER_PARTS} parts that are not photos")
            return
        if len(self.uploads) >= self.max_files:
            raise Refused(413, f"at most {self.max_files} photos can be uploaded at once")
        shown = os.path.basename(options[b"filename"].decode(self.charset, "replace").replace("\\", "/"))
        path = self.folder / f"{len(self.uploads):03d}-{_safe(shown)}"
        self._file = open(path, "xb")
        self._upload = Upload(shown, path, self._next_date)
        self._next_date = ""
        self.uploads.append(self._upload)

    def data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
        elif self._date is not None:
            self._date += data[start:end]
            if len(self._date) > MAX_DATE_CHARS:
                raise Refused(400, f"a photo's date must be at most {MAX_DATE_CHARS} characters, like 2026-01-05")

    def end(self) -> None:
        if self._date is not None:
            self._next_date = self._date.decode(self.charset, "replace").strip()
            self._date = None
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def save_uploads(request, folder: Path, *, field: str, limit: int, max_files: int) -> list[Upload]:
    """The files of the multipart form field ``field``, written into ``folder`` as they come;
    the whole body at most ``limit`` bytes. A file chosen with no name and no bytes (a form
    sent with nothing chosen) is left out. ``Refused`` for anything else."""
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import MultipartParser, parse_options_header

    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not params.get(b"boundary"):
        raise Refused(400, "send the photos as a form upload (multipart/form-data), as the Photos page does")
    parts = _Parts(folder, field, max_files, "utf-8")  # what browsers send (a charset given is not trusted)
    try:
        parser = MultipartParser(params[b"boundary"], parts.callbacks())
        async for chunk in _chunks(request, limit, "the upload"):
            parser.write(chunk)
        parser.finalize()
    except (FormParserError, ValueError) as exc:
        raise Refused(400, "the upload is not a well-formed form: send it again from the Photos page") from exc
    finally:
        parts.close()
    if not parts.finished and (parts.uploads or parts.others):
        raise Refused(400, "the upload is not a well-formed form (it stops before its end): send it again "
                           "from the Photos page")
    return [u for u in parts.uploads if u.name or u.path.stat().st_size]


class Scratch:
    """The app's scratch folder in the data dir ``root``, made on first use."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.folder: Path | None = None
        self._lock = None

    def _make(self) -> Path:
        if self.folder is None:
            folder = self.root / f"{SCRATCH_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the store makes it
            folder.mkdir(mode=0o700)
            self._lock = _hold_lock(folder)
            self.folder = folder
        return self.folder

    @contextlib.contextmanager
    def request_folder(self):
        """A new folder for one request's files, removed when the request is done."""
        import tempfile

        folder = Path(tempfile.mkdtemp(dir=self._make()))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _hold_lock(folder: Path):
    """An open file in ``folder`` locked for this process's life (None without file locks).
    It is locked under another name first and renamed into place, so a lock file is never
    seen unlocked while its process lives."""
    try:
        import fcntl
    except ImportError:  # no file locks here: the process id in the name tells instead
        return None
    part = folder / f".{LOCK_NAME}-new"
    handle = open(part, "w")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.replace(part, folder / LOCK_NAME)
    return handle


def _abandoned(folder: Path) -> bool:
    """Whether a scratch folder's app is gone: its lock file is free (or, without one, its
    process id names no running process)."""
    lock = folder / LOCK_NAME
    try:
        import fcntl
    except ImportError:
        fcntl = None
    if fcntl is not None and lock.is_file():
        try:
            fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        finally:
            os.close(fd)
        return True
    from facetrack.store.images import alive

    pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
    return pid.isdigit() and not alive(int(pid))


def remove_abandoned(root: Path) -> list[Path]:
    """Remove the scratch folders that apps killed on the data dir ``root`` left; the removed."""
    removed = []
    try:
        entries = list(Path(root).iterdir())
    except OSError:
        return removed
    for path in entries:
        if path.name.startswith(SCRATCH_PREFIX) and path.is_dir() and not path.is_symlink():
            if _abandoned(path):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed
