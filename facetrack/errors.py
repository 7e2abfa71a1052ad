"""The project's own errors. The CLI turns each into one clean line and a non-zero exit."""

from __future__ import annotations


def shown(name: object) -> str:
    """A file name as it can be shown in a one-line message: quoted when it holds a newline
    or another control character (so the message stays one line and the name is exact)."""
    text = str(name)
    return repr(text) if any(not ch.isprintable() for ch in text) else text


class FacetrackError(Exception):
    """Base class of every error facetrack raises on purpose."""


class ModelError(FacetrackError):
    """The face landmarker model cannot be found, read or verified."""


class InputError(FacetrackError):
    """A file given by the user cannot be used (not an image, unreadable, no face...)."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{shown(self.path)}: {problem}")

    def __reduce__(self):  # keep (path, problem) across processes
        return (InputError, (self.path, self.problem))


class StoreError(FacetrackError):
    """The store cannot be opened, migrated or written."""


class ReportError(FacetrackError):
    """A report cannot be made from the data at hand (for example, too few captures)."""
