"""The package's shape, checked: import direction, no cycles, module and function sizes.

These are the bars of the reorganising step (DEVELOPERS.md, "Module map"). Run
``python tests/test_architecture.py`` for a plain list of every violation.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "engage"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100
UI_LIBRARIES = ("click", "rich")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, name: str, modules: dict[str, Path]) -> Iterator[tuple[int, str, bool, str]]:
    """Yield (line, imported module, inside a function, top-level package) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    functions: list[tuple[int, int]] = [
        (n.lineno, n.end_lineno or n.lineno)
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]

    def inside(line: int) -> bool:
        return any(a <= line <= b for a, b in functions)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, inside(node.lineno), alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            yield node.lineno, target, inside(node.lineno), target.split(".")[0]
            for alias in node.names:  # `from . import x` / `from .pkg import submodule`
                sub = f"{target}.{alias.name}"
                if sub in modules:
                    yield node.lineno, sub, inside(node.lineno), target.split(".")[0]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for _, target, _, _ in _imports(path, name, modules):
            if target in modules and target != name:
                graph[name].add(target)
    return graph


def ui_violations() -> list[str]:
    """Return the imports of click or rich outside engage/cli."""
    modules = _modules()
    out = []
    for name, path in modules.items():
        if name == "engage.cli" or name.startswith("engage.cli."):
            continue
        for line, _, _, top in _imports(path, name, modules):
            if top in UI_LIBRARIES:
                out.append(f"{path.relative_to(ROOT)}:{line}: imports {top} outside engage/cli")
    return out


def cycles() -> list[list[str]]:
    """Return one cycle per strongly connected component of more than one module (imports in functions count)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
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
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def size_violations() -> list[str]:
    """Return modules over MAX_MODULE_LINES lines and functions over MAX_FUNCTION_LINES lines."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        rel = path.relative_to(ROOT)
        if lines > MAX_MODULE_LINES:
            out.append(f"{rel}: {lines} lines (limit {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out.append(f"{rel}:{node.lineno}: {node.name}() {length} lines (limit {MAX_FUNCTION_LINES})")
    return out


def unexplained_local_imports() -> list[str]:
    """Return imports inside functions without a comment (on the line or the line above) giving the reason."""
    modules = _modules()
    out = []
    for name, path in modules.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, target, local, _ in _imports(path, name, modules):
            if not local:
                continue
            # The reason is a comment on the import's line, or above the block of imports it opens.
            here, above = lines[line - 1], line - 2
            while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            if "#" not in here and not (above >= 0 and lines[above].strip().startswith("#")):
                out.append(f"{path.relative_to(ROOT)}:{line}: import of {target} inside a function, without a reason")
    return out


def test_no_ui_library_below_the_cli() -> None:
    assert ui_violations() == []


def test_no_import_cycle() -> None:
    assert cycles() == []


def test_no_module_or_function_too_long() -> None:
    assert size_violations() == []


def test_imports_inside_functions_say_why() -> None:
    assert unexplained_local_imports() == []


def test_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """The checks above can fail: a two-module cycle in a scratch graph is found."""
    global _graph
    real = _graph
    try:
        _graph = lambda: {"a": {"b"}, "b": {"a"}, "c": set()}  # noqa: E731
        assert cycles() == [["a", "b"]]
    finally:
        _graph = real


if __name__ == "__main__":
    problems = [*ui_violations(), *(" -> ".join(c) for c in cycles()), *size_violations(), *unexplained_local_imports()]
    print("\n".join(problems) or "architecture: all bars met")
    sys.exit(1 if problems else 0)
