"""Hypothesis fuzzing of the photo decoders behind `facetrack import` and the app's upload: any
damage to a JPEG, PNG, WebP, TIFF or BMP, and any bytes at all, is read or refused with one
``InputError`` (never another exception), and no program is ever started."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from facetrack.capture.photo import FORMATS, read_photo
from facetrack.errors import InputError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                database=None)


def encoded(fmt: str) -> bytes:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (40, 48, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, fmt)
    return buf.getvalue()


def damaged(data: bytes):
    """``data`` with some bytes overwritten, some inserted, and cut somewhere."""
    return st.tuples(st.lists(st.tuples(st.integers(0, len(data) - 1), st.binary(min_size=1, max_size=6)),
                              min_size=1, max_size=4),
                     st.integers(0, len(data) + 8)).map(lambda t: _apply(data, *t))


def _apply(data, edits, cut):
    out = bytearray(data)
    for at, new in edits:
        out[at:at + len(new)] = new
    return bytes(out[:cut])


@pytest.fixture
def nothing_runs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a program was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_damaged_photo_is_read_or_refused_in_one_line(fmt, tmp_path_factory, nothing_runs):
    folder = tmp_path_factory.mktemp(fmt)

    @FUZZ
    @given(data=damaged(encoded(fmt)))
    def check(data):
        path = folder / "photo.jpg"
        path.write_bytes(data)
        try:
            photo = read_photo(path)
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
        else:
            assert photo.image.dtype == np.uint8 and photo.image.ndim == 3 and photo.image.shape[2] == 3

    check()


def test_any_bytes_are_read_or_refused_in_one_line(tmp_path, nothing_runs):
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=300), st.sampled_from(
        [b"%!PS-Adobe-3.0 EPSF-3.0\n", b"%PDF-1.4\n", b"GIF89a", b"\x00\x00\x00\x0cjP  ", b"\x89PNG\r\n\x1a\n",
         b"II*\x00", b"MM\x00*", b"BM", b"RIFF\x00\x00\x00\x00WEBP", b"\xff\xd8\xff"]).flatmap(
        lambda head: st.binary(max_size=200).map(lambda rest: head + rest))))
    def check(data):
        path = tmp_path / "photo.jpg"
        path.write_bytes(data)
        try:
            read_photo(path)
        except InputError as exc:
            assert "\n" not in str(exc)

    check()
