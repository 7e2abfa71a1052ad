"""The package's layering, read from every import in the code (function-level ones too).

Data flows one way: source -> frame -> landmarks -> metrics -> store -> stats -> report, with
the CLI on top. A module may import its own package and the layers below it, never above;
there is no import cycle; only the store runs SQL; only the landmark adapter imports
mediapipe; the capture stage never touches the store; library code neither prints nor exits.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "facetrack"

#: Lowest first. A module may import modules of its own entry and of entries below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("facetrack", "facetrack.errors", "facetrack.files", "facetrack.topology"),
    ("facetrack.metrics",),
    ("facetrack.records",),
    ("facetrack.detect",),
    ("facetrack.capture", "facetrack.store", "facetrack.stats", "facetrack.lab"),
    ("facetrack.ingest", "facetrack.report"),
    ("facetrack.demo",),
    ("facetrack.app",),
    ("facetrack.cli",),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(), str(p)) for p in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.Module, name: str, is_package: bool) -> set[str]:
    """Every module this module imports, by absolute name (relative imports resolved)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)  # "from pkg import module"
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    trees = modules()
    packages = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    return {name: imported(tree, name, name in packages) for name, tree in trees.items()}


def entry(module: str) -> tuple[int, str]:
    """(layer index, entry) of a facetrack module: the longest entry it falls under."""
    best = None
    for level, names in enumerate(LAYERS):
        for top in names:
            if module == top or module.startswith(top + "."):
                if best is None or len(top) > len(best[1]):
                    best = (level, top)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def internal(graph, module: str) -> set[str]:
    return {m for m in graph[module] if m in graph}


def test_every_module_is_in_a_layer(graph):
    for module in graph:
        entry(module)


def test_imports_only_run_down_the_layers(graph):
    wrong = []
    for module in graph:
        level, top = entry(module)
        for target in internal(graph, module):
            t_level, t_top = entry(target)
            if t_top != top and t_level >= level:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports that run up or across the layers:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle(graph):
    """Tarjan's strongly connected components over the modules: every one of size 1."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in internal(graph, v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.parametrize("library, allowed", [
    ("sqlite3", ("facetrack.store",)),
    ("mediapipe", ("facetrack.detect.landmarks", "facetrack.detect.segmentation")),
])
def test_only_one_place_imports(graph, library, allowed):
    users = sorted(m for m, targets in graph.items()
                   if any(t == library or t.startswith(library + ".") for t in targets))
    assert users and all(any(u == a or u.startswith(a + ".") for a in allowed) for u in users), users


@pytest.mark.parametrize("stage, may_import", [
    ("facetrack.metrics", ("facetrack.metrics", "facetrack.topology", "facetrack.records")),
    ("facetrack.capture", ("facetrack.capture", "facetrack.detect", "facetrack.metrics", "facetrack.records",
                           "facetrack.topology", "facetrack.errors")),
    ("facetrack.stats", ("facetrack.stats", "facetrack.metrics", "facetrack.records", "facetrack.errors")),
    ("facetrack.store", ("facetrack.store", "facetrack.records", "facetrack.topology", "facetrack.errors",
                         "facetrack.files")),
])
def test_a_stage_imports_only_what_it_may(graph, stage, may_import):
    wrong = sorted(f"{m} -> {t}" for m in graph if m == stage or m.startswith(stage + ".")
                   for t in internal(graph, m) if not any(t == a or t.startswith(a + ".") for a in may_import))
    assert not wrong, wrong


def test_library_code_neither_prints_nor_exits():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if module_name(path).startswith("facetrack.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                f = node.func
                if (isinstance(f, ast.Name) and f.id in ("print", "exit")) or (
                        isinstance(f, ast.Attribute) and f.attr == "exit" and isinstance(f.value, ast.Name)
                        and f.value.id == "sys"):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not found, found


def test_the_checks_see_a_violation(tmp_path, monkeypatch):
    """The layer check is not vacuous: a metrics module importing the store is caught."""
    graph = {"facetrack.metrics.x": {"facetrack.store"}, "facetrack.store": set()}
    level, top = entry("facetrack.metrics.x")
    t_level, t_top = entry("facetrack.store")
    assert t_top != top and t_level >= level
    with pytest.raises(AssertionError):
        test_a_stage_imports_only_what_it_may(graph, "facetrack.metrics", ("facetrack.metrics",))
