"""oci/'s imports, read from the source (never executed): no import circle outside
oci/models/, and ocicli's package (oci/cli/) never reaches the server's code.

Every import counts, at module level or inside a function (a function-level import
still ties the two modules together; it only defers the circle to run time), and
under ``if TYPE_CHECKING:`` too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from tests.helpers.paths import REPO

PACKAGE = REPO / "oci"
# SQLAlchemy models name each other in their relationships: circles there are normal.
CIRCLES_ALLOWED_IN = "oci.models"
# What ocicli (oci/cli/) may import of oci: its own modules and the shared choices.
CLI_MAY_IMPORT = ("oci.cli", "oci.choices")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package under ``root`` by dotted name, packages included."""
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports_of(name: str, path: Path, known: Iterable[str]) -> Iterator[Import]:
    """What module ``name`` (at ``path``) imports of ``known`` modules, wherever it does."""
    known = set(known)
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = nearest(alias.name, known)
                if target:
                    yield Import(name, target, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(name, is_package, node.module, node.level)
            for alias in node.names:
                # `from package import module` imports the module; otherwise the
                # name is an attribute of the module `base` itself.
                target = nearest(f"{base}.{alias.name}", known) if alias.name != "*" else None
                target = target if target and target != base else nearest(base, known)
                if target:
                    yield Import(name, target, node.lineno)


def absolute(importer: str, is_package: bool, module: str | None, level: int) -> str:
    """The absolute name of ``from <level dots><module> import ...`` in ``importer``."""
    if level == 0:
        return module or ""
    parts = importer.split(".") if is_package else importer.split(".")[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def nearest(name: str, known: set[str]) -> str | None:
    """``name`` if it is one of ours, else its nearest enclosing package of ours."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def import_graph(root: Path = PACKAGE) -> dict[str, dict[str, int]]:
    """{importer: {imported: first line}}, for imports between our own modules."""
    found = modules(root)
    graph: dict[str, dict[str, int]] = {name: {} for name in found}
    for name, path in found.items():
        for imp in imports_of(name, path, found):
            if imp.imported != name:
                graph[name].setdefault(imp.imported, imp.line)
    return graph


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative) with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def a_circle(graph: dict[str, dict[str, int]], component: list[str]) -> list[str]:
    """One shortest circle through the component's first module, named module by module."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node]):
            if child == start:
                return [*paths[node], start]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no circle through {start}")  # a component always has one


def describe(graph: dict[str, dict[str, int]], circle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in pairwise(circle)]
    return " -> ".join([*steps, circle[-1]])


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def circles(graph: dict[str, dict[str, int]]) -> list[str]:
    """Each import circle that leaves oci.models, as 'a (line n) -> b (line m) -> a'."""
    return [
        describe(graph, a_circle(graph, component))
        for component in strongly_connected(graph)
        if not all(within(name, CIRCLES_ALLOWED_IN) for name in component)
    ]


def test_no_import_circle_outside_the_models() -> None:
    found = circles(import_graph())
    assert found == [], "import circles:\n" + "\n".join(found)


def test_the_command_line_client_never_imports_the_server() -> None:
    found = modules()
    wrong = [
        f"{imp.importer} (line {imp.line}) imports {imp.imported}"
        for name, path in found.items()
        if within(name, "oci.cli")
        for imp in imports_of(name, path, found)
        if not any(within(imp.imported, allowed) for allowed in CLI_MAY_IMPORT)
    ]
    assert wrong == [], "oci/cli/ may import only oci.cli and oci.choices:\n" + "\n".join(wrong)


# --- the checks themselves, on made-up packages --------------------------------------


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "oci"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"__init__.py": "", "a.py": "from oci import b\n", "b.py": "import oci.a\n"},
            ["oci.a (line 1) -> oci.b (line 1) -> oci.a"],
            id="module-level",
        ),
        pytest.param(
            {
                "__init__.py": "",
                "a.py": "from oci.b import f\n",
                "b.py": "def f():\n    from .c import g\n",
                "c.py": "def g():\n    from oci.a import x\n",
            },
            ["oci.a (line 1) -> oci.b (line 2) -> oci.c (line 2) -> oci.a"],
            id="function-level-and-relative",
        ),
        pytest.param(
            {
                "__init__.py": "",
                "models/__init__.py": "from oci.models.m import M\n",
                "models/m.py": "from oci.models.n import N\n",
                "models/n.py": "from oci.models import m\n",
            },
            [],
            id="within-the-models",
        ),
        pytest.param(
            {
                "__init__.py": "",
                "models/__init__.py": "from oci.models.m import M\n",
                "models/m.py": "from oci.db import Base\n",
                "db.py": "from oci.models import M\n",
            },
            ["oci.db (line 1) -> oci.models (line 1) -> oci.models.m (line 1) -> oci.db"],
            id="leaving-the-models",
        ),
        pytest.param(
            {"__init__.py": "", "a.py": "import os\nfrom oci import b\n", "b.py": "import json\n"},
            [],
            id="no-circle",
        ),
    ],
)
def test_circles_are_found_and_named(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    assert circles(import_graph(package(tmp_path, files))) == expected
