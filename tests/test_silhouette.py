"""The silhouette channel on real faces: it recovers a known change of the outline, it is
missing (never wrong) where the outline cannot be seen, it does not depend on the image's
scale, mirroring swaps left and right, and its values reach every output format."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.detect.outline import NAMES, combine_outline
from facetrack.lab.warps import lower_face_stretch, warp_image
from facetrack.metrics import SILHOUETTE, mirror_values
from facetrack.store import Store

WIDTHS = ("silhouette_width_40", "silhouette_width_55", "silhouette_width_70")


@pytest.fixture(scope="module")
def webcam_frame(webcam_clip):
    """A neutral frame of the real webcam clip: a man in front of a plain door."""
    from facetrack.capture.sources import video_frames

    return next(f.image for f in video_frames(webcam_clip) if f.index == 8)


@pytest.fixture(scope="module")
def busy_frame(measurer, webcam_frame):
    """The same man in front of gravel (a real photo, scikit-image's ``gravel``)."""
    from skimage import data

    mask = measurer.segmenter.person_mask(webcam_frame)[..., None]
    gravel = cv2.resize(np.repeat(data.gravel()[..., None], 3, axis=2), webcam_frame.shape[1::-1])
    return (mask * webcam_frame + (1 - mask) * gravel).astype(np.uint8)


def silhouette_of(measurer, image):
    result = measurer.measure_photo(np.ascontiguousarray(image))
    return {k: v.value for k, v in result.metrics.items() if k in NAMES}, result.silhouette_missing


def test_every_silhouette_value_is_there_in_front_of_a_plain_door(measurer, webcam_frame):
    values, missing = silhouette_of(measurer, webcam_frame)
    assert set(values) == set(NAMES) and not missing
    assert 1.9 < values["silhouette_width_55"] < 2.0  # the face is about twice as wide as the eyes are apart
    assert values["silhouette_width_40"] > values["silhouette_width_55"] > values["silhouette_width_70"]


def test_a_known_stretch_of_the_lower_face_is_recovered(measurer, webcam_frame):
    """4 % wider below the eyes (the eyes do not move): the silhouette widths grow by 4 %,
    within 0.85-1.15 of it; the landmarks' mid-face width by about half of that."""
    before, _ = silhouette_of(measurer, webcam_frame)
    base = measurer.measure_photo(webcam_frame)
    warped = warp_image(webcam_frame, lower_face_stretch(base.landmarks.points, measurer.topology, 0.04))
    after, missing = silhouette_of(measurer, warped)
    for name in WIDTHS:
        recovery = (after[name] / before[name] - 1) / 0.04
        assert 0.85 <= recovery <= 1.15, (name, recovery)
    landmarks = measurer.measure_photo(warped).metrics["midface_width_ratio"].value
    assert (landmarks / base.metrics["midface_width_ratio"].value - 1) / 0.04 < 0.75


def test_a_busy_background_gives_no_value(measurer, busy_frame):
    values, missing = silhouette_of(measurer, busy_frame)
    assert not values and set(missing) == set(NAMES)
    assert all("busy background" in why or "disagree" in why for why in missing.values()), missing


def test_hair_an_ear_or_a_cap_at_the_outline_gives_no_width(measurer, grace_hopper):
    """grace_hopper: her cap, glasses and ears meet the outline, and a flag is behind her."""
    values, missing = silhouette_of(measurer, grace_hopper)
    assert not any(name in values for name in WIDTHS)
    assert all(missing[name] for name in WIDTHS)


@pytest.mark.parametrize("scale", [0.75, 1.5])
def test_the_values_do_not_depend_on_the_image_scale(measurer, webcam_frame, scale):
    before, _ = silhouette_of(measurer, webcam_frame)
    size = (round(webcam_frame.shape[1] * scale), round(webcam_frame.shape[0] * scale))
    after, _ = silhouette_of(measurer, cv2.resize(webcam_frame, size, interpolation=cv2.INTER_AREA))
    for name in WIDTHS:
        assert after[name] == pytest.approx(before[name], rel=0.01), name


def test_mirroring_swaps_left_and_right(measurer, webcam_frame):
    values, _ = silhouette_of(measurer, webcam_frame)
    mirrored, _ = silhouette_of(measurer, webcam_frame[:, ::-1])
    back = mirror_values(mirrored)
    for name in NAMES:
        assert back[name] == pytest.approx(values[name], rel=0.015), name


@pytest.mark.parametrize("shape", [(37, 53), (37, 53, 3)])
def test_bilinear_sampling_equals_scipy_map_coordinates(shape):
    """The edge search samples the mask and the photo bilinearly, edge values outside."""
    from scipy.ndimage import map_coordinates

    from facetrack.metrics.silhouette import _sample

    rng = np.random.default_rng(0)
    image = rng.random(shape)
    xy = np.c_[rng.uniform(-5, 60, 500), rng.uniform(-5, 45, 500)]  # some outside the array
    planes = image[..., None] if image.ndim == 2 else image
    expected = np.stack([map_coordinates(planes[..., c], [xy[:, 1] - 0.5, xy[:, 0] - 0.5], order=1, mode="nearest")
                         for c in range(planes.shape[2])], axis=-1).reshape(_sample(image, xy).shape)
    np.testing.assert_allclose(_sample(image, xy), expected, atol=1e-12)


def test_views_that_disagree_or_are_too_few_give_no_value():
    agree = [(False, {"silhouette_width_55": 2.0}), (True, {"silhouette_width_55": 2.01}),
             (False, {"silhouette_width_55": 2.0})]
    # direct and mirrored views weigh alike: (2.0 + 2.01) / 2
    assert combine_outline(agree).values["silhouette_width_55"] == pytest.approx(2.005)
    apart = agree + [(True, {"silhouette_width_55": 2.2})]
    assert "disagree" in combine_outline(apart).problems["silhouette_width_55"]
    assert "silhouette_width_55" in combine_outline(agree[:2]).problems


def test_the_values_reach_every_output_format(measurer, webcam_frame, grace_hopper, tmp_path):
    root = tmp_path / "store"
    for name, image in (("door.png", webcam_frame), ("flag.png", grace_hopper)):
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(tmp_path / "door.png"), str(tmp_path / "flag.png"),
                                "--data-dir", str(root), "--workers", "1",
                                "--same-person"]).exit_code == 0  # two people in one profile, said to be one
    with Store.open(root) as store:
        door, flag = sorted(store.captures("default"), key=lambda c: c.source_path)
        assert set(NAMES) <= set(door.metrics) and not set(WIDTHS) & set(flag.metrics)
        assert set(WIDTHS) <= set(flag.quality.silhouette_missing)
    import pandas as pd

    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / f"e.{fmt}"
        assert runner.invoke(main, ["export", "-o", str(out), "--data-dir", str(root)]).exit_code == 0
        frame = {"csv": pd.read_csv, "parquet": pd.read_parquet, "json": pd.read_json}[fmt](out)
        rows = {r["source"].rsplit("/", 1)[-1]: r for r in frame.to_dict("records")}
        for name in (m.name for m in SILHOUETTE):
            assert name in frame.columns
            assert rows["door.png"][name] == pytest.approx(door.metrics[name].value, rel=1e-6)
        assert all(pd.isna(rows["flag.png"][name]) for name in WIDTHS)
    listed = json.loads(runner.invoke(main, ["metrics", "--json", "--data-dir", str(root)]).output)
    by_source = {r["source"].rsplit("/", 1)[-1]: r for r in listed}
    assert by_source["flag.png"]["metrics"]["silhouette_width_55"] is None
    assert by_source["door.png"]["metrics"]["silhouette_width_55"] > 1.5
    table = runner.invoke(main, ["metrics", "--data-dir", str(root)]).output
    width_row = next(line for line in table.splitlines() if "silhouette_wid" in line)  # the name may be cut
    cells = [c.strip() for c in width_row.split("│")[2:-1]]  # the captures' columns, in import order
    assert len(cells) == 2 and "-" in cells and any(c.replace(".", "").isdigit() for c in cells), cells


def test_the_plain_background_gate_holds_a_capture_only_when_asked(measurer, webcam_frame, busy_frame):
    """By default the background is not a gate (the capture warns afterwards); with
    plain_background=2 it holds the capture until the wall beside both cheeks is plain."""
    from facetrack.capture.gates import INSTRUCTIONS, GateConfig, evaluate

    strict = GateConfig(plain_background=2)
    for image, passes in ((webcam_frame, True), (busy_frame, False)):
        faces = measurer.landmarker.detect_all(image)
        assert "plain_background" not in {r.name for r in evaluate(image, faces, measurer.topology)}
        (gate,) = [r for r in evaluate(image, faces, measurer.topology, strict) if r.name == "plain_background"]
        assert gate.passed is passes and (gate.value < 0.75 if passes else gate.value > 1.4), gate
        if not passes:
            assert gate.instruction == INSTRUCTIONS["background"]
