"""The package's folders are its stages: no import cycles, dependencies only downwards, few flat modules.

Read with `ast`, imports inside functions included; imports under `if TYPE_CHECKING:` are left out
(they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "decisionaid"
MAX_FLAT_MODULES = 8
#: each stage and its height: a module may import its own stage and the stages below it only.
#: The documents and the clinic stand side by side: neither imports the other.
STAGES = {"plumbing": 0, "pack": 1, "profile": 2, "evaluation": 3, "sheet": 4, "fhir": 4, "authoring": 5,
          "top": 6}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path) -> set[str]:
    """The decisionaid modules that `name` imports when it runs."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("decisionaid"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("decisionaid"):
                for alias in node.names:  # `from . import cds` imports the module cds
                    found.add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "plumbing"  # the package's own __init__: the version only
    return parts[1] if parts[1] in STAGES and len(parts) > 2 or parts[1] in STAGES and MODULES[module].name == "__init__.py" else "top"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


def test_cycle_check_sees_imports_inside_functions() -> None:
    """The check itself: a cycle closed by an import inside a function is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_few_modules_directly_in_the_package() -> None:
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert len(flat) <= MAX_FLAT_MODULES, flat


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_stages_import_only_downwards(module: str) -> None:
    stage = _stage(module)
    wrong = [target for target in GRAPH[module]
             if _stage(target) != stage and STAGES[_stage(target)] >= STAGES[stage]]
    assert wrong == [], f"{module} ({stage}) imports {wrong}, which are not below it"


def test_every_stage_folder_says_what_it_may_use() -> None:
    for stage in STAGES:
        if stage != "top":
            doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
            assert doc and len(doc.split()) >= 10, stage
