"""A photo whose face is not the profile's person is not added silently (issue 31), and adding
older photos never moves the baseline. Real faces: the vendored webcam clip's man (neutral and
smiling), grace_hopper and astronaut, some under known changes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import save_jpeg
from facetrack.cli import main
from facetrack.lab.warps import CaptureConditions, cheek_widening, warp_image
from facetrack.stats.identity import MAX_DISTANCE, matches_profile, shape_of_views
from facetrack.store import Store
from videos import clip_frames

DATA = Path(__file__).resolve().parent / "data"


def _cast(image, gains):
    return np.clip(image * np.array(gains, np.float32), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def images(grace_hopper, astronaut, measurer) -> dict[str, np.ndarray]:
    frames = clip_frames(DATA / "face_noface.mov", {2, 40})
    small = clip_frames(DATA / "single_face.mp4", {8, 50})
    points = measurer.measure_photo(grace_hopper).landmarks.points
    return {
        "man": frames[2], "man_smiling": frames[40], "man_other_camera": small[8], "man_other_smiling": small[50],
        "grace": grace_hopper, "grace_rotated": CaptureConditions(angle=-6, scale=0.9).apply(grace_hopper),
        "grace_warm": _cast(grace_hopper, (1.15, 1.0, 0.85)), "grace_dark": CaptureConditions(brightness=-0.35).apply(
            grace_hopper), "grace_wider": warp_image(grace_hopper, cheek_widening(points, measurer.topology, 0.04)),
        "astronaut": astronaut, "astronaut_cool": _cast(astronaut, (0.85, 1.0, 1.15)),
    }


@pytest.fixture(scope="module")
def shapes(images, measurer) -> dict[str, np.ndarray]:
    return {name: shape_of_views(measurer.measure_photo(image).views, measurer.topology)
            for name, image in images.items()}


@pytest.mark.parametrize("profile, photo, same", [
    # a person's own photos: smiling, another camera, rotated, another light, a colour cast, a real change
    ("man", "man_smiling", True), ("man", "man_other_camera", True), ("man", "man_other_smiling", True),
    ("grace", "grace_rotated", True), ("grace", "grace_warm", True), ("grace", "grace_dark", True),
    ("grace", "grace_wider", True), ("astronaut", "astronaut_cool", True),
    # other people
    ("man", "grace", False), ("man", "astronaut", False), ("grace", "man", False), ("grace", "astronaut", False),
    ("astronaut", "grace", False), ("astronaut", "man", False), ("grace", "man_other_camera", False),
])
def test_same_person_or_not(shapes, profile, photo, same):
    match = matches_profile(shapes[photo], [shapes[profile]])
    assert match.same is same, match
    assert match.limit == MAX_DISTANCE and match.compared_with == 1


def test_an_empty_profile_matches_anyone(shapes):
    assert matches_profile(shapes["grace"], []).same


@pytest.fixture(scope="module")
def files(tmp_path_factory, images) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("identity")
    return {name: save_jpeg(image, root / f"{name}.jpg") for name, image in images.items()}


def _state(root: Path) -> tuple:
    with Store.open(root) as store:
        return store.counts(), sorted(p.name for p in root.rglob("*") if p.is_file() and p.suffix != ".db"
                                      and "-wal" not in p.name and "-shm" not in p.name)


def _import(root: Path, *args) -> object:
    return CliRunner().invoke(main, ["import", *map(str, args), "--data-dir", str(root)])


def test_cli_refuses_another_persons_photo_in_one_line(tmp_path, files):
    assert _import(tmp_path, files["man"], "--taken-at", "2026-01-05T09:00").exit_code == 0
    before = _state(tmp_path)
    result = _import(tmp_path, files["astronaut"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "astronaut.jpg" in lines[0]
    assert "does not look like the person in this profile's photo" in lines[0] and "--same-person" in lines[0]
    assert _state(tmp_path) == before
    # the person's own photos are imported
    own = _import(tmp_path, files["man_smiling"], files["man_other_camera"])
    assert own.exit_code == 0, own.stderr
    # said to be the same person: imported
    forced = _import(tmp_path, files["astronaut"], "--same-person")
    assert forced.exit_code == 0 and "imported" in forced.stdout


def test_a_first_batch_is_checked_against_its_first_photo(tmp_path, files):
    result = _import(tmp_path, files["grace"], files["grace_rotated"], files["man"])
    assert result.exit_code == 1
    assert "man.jpg" in result.stderr and "2 imported, 0 skipped as duplicate, 1 rejected" in result.stdout
    with Store.open(tmp_path) as store:
        assert len(store.captures("default")) == 2


def test_parallel_import_refuses_too(tmp_path, files):
    result = _import(tmp_path, files["grace"], files["grace_warm"], files["astronaut"], files["grace_dark"],
                     "--workers", "2")
    assert result.exit_code == 1 and "astronaut.jpg" in result.stderr
    assert "3 imported" in result.stdout


def test_older_photos_never_move_the_baseline(tmp_path, files):
    runner = CliRunner()
    assert _import(tmp_path, files["grace"], "--taken-at", "2026-03-01T09:00").exit_code == 0
    assert _import(tmp_path, files["grace_rotated"], "--taken-at", "2026-01-01T09:00").exit_code == 0
    with Store.open(tmp_path) as store:
        first, older = store.captures("default")[1], store.captures("default")[0]
        assert older.taken_at < first.taken_at and store.baseline("default").id == first.id
    changed = runner.invoke(main, ["baseline", str(older.id), "--data-dir", str(tmp_path)])
    assert changed.exit_code == 0
    assert changed.stdout.strip() == (f"Capture {older.id} of 2026-01-01 is now the baseline instead of capture "
                                      f"{first.id} of 2026-03-01: later captures line up with it and before/after "
                                      "compares with it.")
    again = runner.invoke(main, ["baseline", str(older.id), "--data-dir", str(tmp_path)])
    assert "was already the baseline; nothing changed" in again.stdout
    assert _import(tmp_path, files["grace_warm"], "--taken-at", "2025-06-01T09:00").exit_code == 0
    with Store.open(tmp_path) as store:
        assert store.baseline("default").id == older.id


def test_a_first_batch_makes_its_earliest_photo_the_baseline(tmp_path, files, measurer):
    from facetrack.ingest.importer import import_photos

    with Store.open(tmp_path) as store:
        report = import_photos([files["grace"], files["grace_warm"]], store=store, measurer=measurer, profile="p",
                               dates=[dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 1, 1, 9)])
        (first, second) = [cid for _, cid in report.imported]
        assert store.baseline("p").id == second  # the earlier photo, though imported second


# The app: an upload of another person's photo asks; confirmed, it is imported -------------------
APP_ORIGIN = "http://127.0.0.1:8765"


@pytest.fixture
def app_client(store_dir, measurer):
    from starlette.testclient import TestClient

    from facetrack.app.server import create_app

    app = create_app(store_dir, profile="demo", port=8765, token="secret-token", measurer_factory=lambda: measurer)
    with TestClient(app, base_url=APP_ORIGIN) as c:
        c.get("/photos?token=secret-token")
        yield c
    app.close()


def _jpeg(path: Path) -> bytes:
    return path.read_bytes()


def test_the_app_asks_before_adding_another_persons_photo(app_client, store_dir, files):
    with Store.open(store_dir) as store:
        before = len(store.captures("demo"))
    headers = {"origin": APP_ORIGIN}
    asked = app_client.post("/upload", headers=headers,
                            files=[("photos", ("stranger.jpg", _jpeg(files["grace"]), "image/jpeg"))])
    assert asked.status_code == 409
    assert "refused stranger.jpg: the face does not look like the person in this profile" in asked.text
    assert "Is stranger.jpg a photo of the same person as this profile" in asked.text
    assert 'action="/upload?same_person=yes"' in asked.text  # the way to confirm: the same form, confirmed
    with Store.open(store_dir) as store:
        assert len(store.captures("demo")) == before
    own = app_client.post("/upload", headers=headers,  # the demo's man, from the other clip: no question
                          files=[("photos", ("me.jpg", _jpeg(files["man_other_camera"]), "image/jpeg"))])
    assert own.status_code == 200 and "imported me.jpg as the photo of " in own.text
    confirmed = app_client.post("/upload?same_person=yes", headers=headers,
                                files=[("photos", ("stranger.jpg", _jpeg(files["grace"]), "image/jpeg"))])
    assert confirmed.status_code == 200 and "imported stranger.jpg as the photo of " in confirmed.text
    with Store.open(store_dir) as store:
        assert len(store.captures("demo")) == before + 2


def test_the_apps_baseline_change_is_confirmed_in_words(app_client, store_dir):
    with Store.open(store_dir) as store:
        old, new = store.baseline("demo"), store.captures("demo")[5]
    answer = app_client.post(f"/baseline/{new.id}", headers={"origin": APP_ORIGIN})  # its answer, or where it leads
    assert answer.status_code == 200
    assert re.search(f"of {new.taken_at.date().isoformat()} is now the baseline instead of (capture {old.id}|the photo) "
                     f"of {old.taken_at.date().isoformat()}", answer.text), answer.text
    again = app_client.post(f"/baseline/{new.id}", headers={"origin": APP_ORIGIN})
    assert "was already the baseline; nothing changed" in again.text
