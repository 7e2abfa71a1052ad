"""The live preview window (OpenCV HighGUI): shows overlay images, reads keys.

The images it gets are already mirrored and annotated by ``render_overlay``; this module
only puts them on screen. Space or Enter captures manually, Esc (or closing the window)
cancels.
"""

from __future__ import annotations

import os
import sys

import numpy as np

WINDOW = "facetrack capture (Space: capture now, Esc: cancel)"
KEYS_CAPTURE = (ord(" "), 13, 10)
KEY_ESC = 27


def display_available() -> bool:
    """Whether a window can be shown (on Linux: an X11 or Wayland session is running)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


class PreviewWindow:
    """A ``Display`` on an OpenCV window. Use as a context manager."""

    def __init__(self, title: str = WINDOW):
        self.title = title
        self._shown = False

    def show(self, image: np.ndarray) -> None:
        import cv2

        cv2.imshow(self.title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        self._shown = True

    def key(self) -> str | None:
        import cv2

        code = cv2.waitKey(1) & 0xFF
        if code == KEY_ESC:
            return "cancel"
        if code in KEYS_CAPTURE:
            return "capture"
        if self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "cancel"  # the user closed the window
        return None

    def close(self) -> None:
        import cv2

        if self._shown:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)

    def __enter__(self) -> "PreviewWindow":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
