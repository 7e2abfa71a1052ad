"""Inputs an unlucky user or an attacker may give: special files, huge files, odd names, huge
photos. Each is refused before it is read, with one line naming it, or read correctly."""

from __future__ import annotations

import os
import signal

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.store import Store


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result, *words):
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.output
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture(autouse=True)
def no_hang():
    """A read that blocks (a named pipe) fails the test instead of hanging it."""
    def expired(*_):
        raise TimeoutError("the command blocked")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def special(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.jpg"
        os.mkfifo(path)
        return path
    if kind == "device":
        return "/dev/zero"
    if kind == "sparse":
        path = tmp_path / "huge.jpg"
        with open(path, "wb") as fh:
            fh.truncate(30 * 1024 ** 3)  # 30 GB, holding nothing
        return path
    if kind == "loop":
        path = tmp_path / "loop.jpg"
        os.symlink(path, path)
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, words", [
    ("fifo", "is a named pipe"),
    ("device", "is a device"),
    ("sparse", "is too large (32.2 GB"),
    ("loop", "is a symbolic link loop"),
])
def test_import_refuses_special_and_huge_files_before_reading(tmp_path, kind, words):
    path = special(tmp_path, kind)
    store = tmp_path / "store"
    result = run("import", path, "--data-dir", store)
    line = one_line_error(result, str(path), words)
    assert result.exit_code == 2 and "facetrack can read" not in line
    with Store.open(store) as s:
        assert s.counts()["captures"] == 0


@pytest.mark.parametrize("kind, words", [("device", "is a device, not a video file"),
                                         ("fifo", "is a named pipe, not a video file")])
def test_capture_refuses_a_special_file_as_video(tmp_path, kind, words):
    path = special(tmp_path, kind)
    one_line_error(run("capture", "--video", path, "--no-preview", "--data-dir", tmp_path / "s"), words)


def test_a_newline_in_a_file_name_keeps_the_error_on_one_line(tmp_path):
    path = tmp_path / "bad\nname.jpg"
    path.write_text("not an image")
    line = one_line_error(run("import", path, "--data-dir", tmp_path / "s"), "'", "not an image")
    assert repr(str(path)) in line


def test_a_capture_from_one_good_photo_says_why_it_is_not_enough(tmp_path, grace_hopper):
    photo = tmp_path / "me.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    line = one_line_error(run("capture", "--video", photo, "--no-preview", "--gate", "max_pitch=10",
                              "--data-dir", tmp_path / "s"), "a longer stretch")
    assert not line.rstrip().endswith(":")


def test_a_photo_over_the_pixel_limit_keeps_its_own_geometry(tmp_path, grace_hopper, measurer):
    """A 6400x6400 photo is measured on a reduced copy; the capture records the photo's own
    size and landmarks in its pixels, so its aligned picture shows the face."""
    from facetrack.capture.photo import MAX_PIXELS
    from facetrack.report.pictures import align_photo

    side = 6400
    assert side * side > MAX_PIXELS
    big = cv2.resize(grace_hopper, (side, side * grace_hopper.shape[0] // grace_hopper.shape[1]),
                     interpolation=cv2.INTER_LINEAR)
    small_path, big_path = tmp_path / "small.jpg", tmp_path / "big.jpg"
    cv2.imwrite(str(small_path), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(big_path), cv2.cvtColor(big, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    del big
    root = tmp_path / "store"
    assert run("import", small_path, big_path, "--data-dir", root, "--workers", "1").exit_code == 0
    with Store.open(root) as store:
        small, large = store.captures("default")
        assert (large.width, large.height) == (side, side * grace_hopper.shape[0] // grace_hopper.shape[1])
        pictures = [align_photo(c, store.landmark_views(c.id), measurer.topology).image for c in (small, large)]
        views = store.landmark_views(large.id)
    # the landmarks lie inside the big photo, at its scale (eyes hundreds of pixels apart)
    assert views[0].points[:, 0].max() > 0.25 * side and large.quality.interocular_px > 400
    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY).astype(float).ravel() for p in pictures)
    assert np.corrcoef(a, b)[0, 1] > 0.9  # both aligned pictures show the same face, in place
