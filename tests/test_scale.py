"""Millimetres from the iris, on the real portraits."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from facetrack.cli import main
from facetrack.metrics.scale import IRIS_MM, robust_widths, widths_mm


@pytest.fixture(scope="module")
def widths(measurer, portraits):
    return {name: robust_widths([v.points for v in measurer.measure_photo(img).views], measurer.topology)
            for name, img in portraits.items()}


@pytest.mark.parametrize("name", ["grace_hopper", "astronaut"])
def test_widths_fall_in_the_adult_range(widths, name):
    w = widths[name]
    assert 55 <= w["interocular_mm"].value <= 75
    assert 110 <= w["bizygomatic_width_mm"].value <= 160
    assert w["bigonial_width_mm"].value < w["bizygomatic_width_mm"].value
    for width in w.values():  # the iris assumption alone is about 4 %
        assert 0.04 * width.value <= width.uncertainty < 0.1 * width.value


def test_widths_scale_with_the_assumed_iris_and_ignore_the_image_scale(measurer, grace_hopper):
    face = measurer.landmarker.detect(grace_hopper)
    small = measurer.landmarker.detect(cv2.resize(grace_hopper, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA))
    a = widths_mm(face.points, measurer.topology)
    b = widths_mm(face.points, measurer.topology, iris_mm=2 * IRIS_MM)
    c = widths_mm(small.points, measurer.topology)
    for k in a:
        assert b[k] == pytest.approx(2 * a[k])
        assert c[k] == pytest.approx(a[k], rel=0.05)


def test_widths_need_the_irises(topology):
    with pytest.raises(ValueError, match="478"):
        widths_mm(topology.canonical, topology)
    with pytest.raises(ValueError, match="collapsed"):
        pts = np.zeros((478, 3))
        widths_mm(pts, topology)


def test_widths_and_scale_commands(tmp_path, grace_hopper):
    photo = tmp_path / "p.png"
    cv2.imwrite(str(photo), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    root = str(tmp_path / "s")
    runner = CliRunner()
    assert runner.invoke(main, ["import", str(photo), "--data-dir", root]).exit_code == 0
    default = runner.invoke(main, ["widths", "--data-dir", root])
    assert default.exit_code == 0 and "adult average" in default.output and " mm" in default.output
    assert runner.invoke(main, ["calibrate", "scale", "--iris-mm", "12.87", "--data-dir", root]).exit_code == 0
    measured = runner.invoke(main, ["widths", "--data-dir", root])
    assert "measured" in measured.output

    def iod(text):
        row = next(line for line in text.splitlines() if line.strip().startswith("│ 1"))
        return float(row.split("│")[3].split("±")[0])

    assert iod(measured.output) == pytest.approx(1.1 * iod(default.output), rel=0.01)
    bad = runner.invoke(main, ["calibrate", "scale", "--iris-mm", "30", "--data-dir", root])
    assert bad.exit_code == 1 and "outside the human range" in bad.output
