"""The notebooks run top to bottom on the demo store, and are kept in git without outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_explore_your_data.ipynb", "02_metric_definitions.ipynb", "03_precision.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs not stripped"


def _digest(root: Path) -> str:
    from facetrack.store import Store

    with Store.open(root) as store:
        captures = store.captures("demo")
    return hashlib.sha256(repr([(c.id, c.sha256, sorted((k, v.value) for k, v in c.metrics.items()))
                                for c in captures]).encode()).hexdigest()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_demo_store(path, demo_dir, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    root, _ = demo_dir
    home = tmp_path / "home"
    home.mkdir()
    (home / "demo").symlink_to(root, target_is_directory=True)  # where demo_data_dir() looks
    monkeypatch.setenv("FACETRACK_HOME", str(home))  # the kernel inherits the environment
    before = _digest(root)

    book = nbformat.read(path, as_version=4)
    # Raises CellExecutionError (failing the test) on the first cell that errors.
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [o for cell in book.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= 2, f"{path.name} drew {len(figures)} figures"
    assert _digest(root) == before, f"{path.name} changed the demo store"
