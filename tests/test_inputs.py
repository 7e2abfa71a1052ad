"""Every kind of input a user may give import: refused with one clear line, or read correctly."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from facetrack.cli import main
from facetrack.store import Store


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def snapshot(root):
    with Store.open(root) as store:
        counts = store.counts()
    return counts, sorted(p.relative_to(root) for p in (root / "images").rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path, grace_hopper):
    root = tmp_path / "store"
    path = tmp_path / "first.png"
    cv2.imwrite(str(path), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    assert run("import", path, "--data-dir", root).exit_code == 0
    return root


def _jpeg_bytes(image, quality=90):
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _on_canvas(image, scale):
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full_like(image, 128)
    y, x = (image.shape[0] - small.shape[0]) // 2, (image.shape[1] - small.shape[1]) // 2
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    return canvas


def _rotated(image, angle):
    h, w = image.shape[:2]
    return cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                          borderMode=cv2.BORDER_REPLICATE)


def huge_png(path, side=20000):
    """A valid 20000 x 20000 PNG written row by row (never held in memory)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * side
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def _write(path, data):
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return path


BAD = {
    "zero_bytes": (lambda d, img: _write(d / "empty.jpg", b""), "is empty (0 bytes)"),
    "truncated_jpeg": (lambda d, img: _write(d / "cut.jpg", _jpeg_bytes(img)[:4000]),
                       "damaged or truncated"),
    "directory": (lambda d, img: (d / "folder.jpg").mkdir() or d / "folder.jpg", "is a directory"),
    "missing": (lambda d, img: d / "nowhere.jpg", "no such file"),
    "not_an_image": (lambda d, img: _write(d / "x.jpg", "hello"), "not an image"),
    "face_too_small": (lambda d, img: Image.fromarray(_on_canvas(img, 0.4)).save(d / "small.png") or d / "small.png",
                       "the face is too small (eyes 3"),
    "face_too_turned": (lambda d, img: Image.fromarray(_rotated(img, 45)).save(d / "tilt.png") or d / "tilt.png",
                        "the face is turned too far (roll +4"),
    "huge": (lambda d, img: huge_png(d / "huge.png"), "is too large to read safely"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_in_one_line_and_the_store_is_unchanged(store, tmp_path, grace_hopper, case):
    make, words = BAD[case]
    bad = make(tmp_path, grace_hopper)
    before = snapshot(store)
    result = run("import", bad, "--data-dir", store)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: ") and words in lines[0], lines
    assert snapshot(store) == before


def test_a_huge_image_is_refused_within_2_gb(tmp_path):
    path = huge_png(tmp_path / "huge.png")
    code = ("import resource, sys\n"
            "from facetrack.errors import InputError\n"
            "from facetrack.capture.photo import read_photo\n"
            f"try:\n    read_photo({str(path)!r})\nexcept InputError as e:\n    print(e)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    message, peak_kb = done.stdout.strip().splitlines()
    assert "too large" in message and int(peak_kb) < 2 * 1024 * 1024


def _variant(img, kind, path):
    if kind == "grey":
        Image.fromarray(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)).save(path)
    elif kind == "rgba":
        Image.fromarray(np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])).save(path)
    elif kind == "png16":
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.uint16) * 257
        Image.fromarray(grey).save(path)
    elif kind == "cmyk":
        Image.fromarray(img).convert("CMYK").save(path, "JPEG", quality=92)
    elif kind == "exif_rotated":  # pixels stored turned 90° counter-clockwise, tag 6 says "turn clockwise"
        exif = Image.Exif()
        exif[0x0112] = 6
        Image.fromarray(np.ascontiguousarray(np.rot90(img, 1))).save(path, "JPEG", quality=92, exif=exif)
    return path


@pytest.mark.parametrize("kind", ["grey", "rgba", "png16", "cmyk", "exif_rotated"])
def test_unusual_but_valid_photos_are_read_correctly(tmp_path, grace_hopper, kind):
    path = _variant(grace_hopper, kind, tmp_path / f"v.{'jpg' if kind in ('cmyk', 'exif_rotated') else 'png'}")
    root = tmp_path / "store"
    result = run("import", path, "--data-dir", root)
    assert result.exit_code == 0, result.output
    with Store.open(root) as store:
        (capture,) = store.captures("default")
    yaw, pitch, roll = capture.pose
    assert abs(roll - 3.1) < 3 and abs(yaw) < 5  # upright, like the original (roll about +3°)
    assert (capture.width, capture.height) == (512, 600)


# Formats: only those facetrack chooses, told from the file's header, never one that runs a program.
EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{} loop\n")  # Ghostscript would never end


@pytest.fixture
def no_program_runs(monkeypatch):
    """Fails the test if Pillow's EPS decoder is used or any program is started (with or without
    Ghostscript installed)."""
    from PIL import EpsImagePlugin

    used = []

    def refuse(what):
        def spy(*args, **kwargs):
            used.append(what)
            raise AssertionError(f"{what} was used")
        return spy

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", refuse("EpsImagePlugin"))
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", refuse("Ghostscript"))
    for name in ("Popen", "run", "call", "check_call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse(f"subprocess.{name}"))
    return used


def test_a_postscript_file_named_jpg_is_refused_without_running_ghostscript(store, tmp_path, no_program_runs):
    from facetrack.capture.photo import NOT_A_PHOTO

    bad = _write(tmp_path / "loop.jpg", EPS)
    before = snapshot(store)
    result = run("import", bad, "--data-dir", store)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0 and lines == [f"error: {bad}: {NOT_A_PHOTO}"], result.output
    assert no_program_runs == [] and snapshot(store) == before


def _saved_as(image, fmt) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt, read", [
    ("JPEG", True), ("PNG", True), ("WEBP", True), ("TIFF", True), ("BMP", True),
    ("EPS", False), ("GIF", False), ("PPM", False), ("ICO", False), ("TGA", False), ("PCX", False),
    ("AVIF", False), ("JPEG2000", False), ("PDF", False), ("SGI", False), ("DDS", False),
])
def test_photos_are_read_in_the_chosen_formats_only_whatever_their_name(tmp_path, grace_hopper, fmt, read,
                                                                          no_program_runs):
    from facetrack.capture.photo import NOT_A_PHOTO, read_photo
    from facetrack.errors import InputError

    small = np.ascontiguousarray(grace_hopper[:64, :64])
    data = EPS if fmt == "EPS" else _saved_as(small, fmt)
    path = _write(tmp_path / "photo.jpg", data)  # the name says JPEG whatever it holds
    if read:
        photo = read_photo(path)
        assert photo.format == fmt and photo.image.shape == (64, 64, 3)
    else:
        with pytest.raises(InputError) as refused:
            read_photo(path)
        assert refused.value.problem == NOT_A_PHOTO
    assert no_program_runs == []


@pytest.mark.parametrize("damage", [
    lambda d: d[:len(d) // 3],  # cut in its pixel data
    lambda d: d[:20],  # a header and nothing else
    lambda d: d[:8] + b"\x00" * 64 + d[72:],  # a zeroed header
], ids=["cut", "header_only", "zeroed_header"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP", "BMP"])
def test_a_damaged_photo_in_each_format_is_one_line(tmp_path, grace_hopper, fmt, damage):
    from facetrack.capture.photo import NOT_A_PHOTO

    import warnings

    path = _write(tmp_path / f"cut.{fmt.lower()}", damage(_saved_as(np.ascontiguousarray(grace_hopper), fmt)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("import", path, "--data-dir", tmp_path / "store")
    assert [str(w.message) for w in caught] == []  # a decoder's warning would be a second line on stderr
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    problem = lines[0].removeprefix(f"error: {path}: ")
    assert problem.startswith("is a damaged or truncated image (") or problem == NOT_A_PHOTO, lines[0]
