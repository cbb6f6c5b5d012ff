"""`python tools/stages.py src/fichepress`: do the modules import one way, with no circle?

Prints each import reaching a later stage, each circle of modules, each import of a module that
is not there, each module in no stage (exit 1 on any), then modules over 600 lines and functions
over 60 (exit 1 with --strict-size). Imports in functions and under `if TYPE_CHECKING:` count.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

STAGES: tuple[tuple[str, ...], ...] = (
    *[(n,) for n in ("core", "source", "html", "pdf", "checks", "scaffold", "series", "serve")],
    ("cli", "__main__"),
)
"""From the bottom (the package's `__init__` below all): import your stage or earlier ones."""
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 600, 60


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str
    typing: bool

    def __str__(self) -> str:
        return f"{self.where}: {self.source} -> {self.target}{' (typing)' * self.typing}"


def module_names(folder: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__.py`)."""
    names = {}
    for path in sorted(folder.rglob("*.py")):
        parts = [folder.name, *path.relative_to(folder).with_suffix("").parts]
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _imports(node: ast.AST, typing: bool = False) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import under `node` (in functions too), and whether only type checkers run it."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append((child, typing))
        checking = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
        found += _imports(child, typing or checking)
    return found


def _known(dotted: str, names: dict[str, Path]) -> str | None:
    """The module a dotted name is, or is in (`pkg.mod.function` is in `pkg.mod`)."""
    while dotted and dotted not in names:
        dotted = dotted.rpartition(".")[0]
    return dotted or None


def edges(names: dict[str, Path], folder: Path) -> tuple[list[Edge], list[str]]:
    """The imports from one module of the package to another, absolute or relative; and
    those that name a module of the package that is not there (after a move, say)."""
    found, broken = [], []
    for name, path in names.items():
        package = (name if path.name == "__init__.py" else name.rpartition(".")[0]).split(".")
        for node, typing in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(folder.parent)}:{node.lineno}"
            if isinstance(node, ast.Import):
                modules = wanted = [alias.name for alias in node.names]
            else:
                base = [node.module] if node.module else []
                if node.level:
                    base = package[: len(package) - node.level + 1] + base
                modules = [".".join(base)]
                wanted = [".".join([*base, alias.name]) for alias in node.names]
            inside = [m for m in modules if m.split(".")[0] == folder.name]
            broken += [f"{where}: {m}" for m in inside if m not in names]
            for target in dict.fromkeys(_known(dotted, names) for dotted in wanted):
                if target and target != name:
                    found.append(Edge(name, target, where, typing))
    return found, broken


def stage_of(name: str) -> int | None:
    """The index of a module's stage: -1 for the package's `__init__`, None for none."""
    parts = name.split(".")
    return -1 if len(parts) == 1 else next((i for i, s in enumerate(STAGES) if parts[1] in s), None)


def cycles(found: list[Edge]) -> list[list[str]]:
    """The groups of modules that reach each other by imports (a few dozen modules: simple)."""
    graph: dict[str, set[str]] = {}
    for edge in found:
        graph.setdefault(edge.source, set()).add(edge.target)
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen, todo = set[str](), [start]
        while todo:
            new = graph.get(todo.pop(), set()) - seen
            seen |= new
            todo += new
        reach[start] = seen
    groups = {frozenset(n for n in reach[m] if m in reach.get(n, ())) | {m} for m in reach}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def sizes(names: dict[str, Path], folder: Path) -> list[str]:
    """Modules over MAX_MODULE_LINES, functions over MAX_FUNCTION_LINES (`def` to its end)."""
    found = []
    for path in names.values():
        text, shown = path.read_text(encoding="utf-8"), path.relative_to(folder.parent)
        if (count := len(text.splitlines())) > MAX_MODULE_LINES:
            found.append(f"{shown}: {count} lines")
        todo: list[tuple[ast.AST, str]] = [(ast.parse(text), "")]
        while todo:
            node, prefix = todo.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name, size = prefix + child.name, (child.end_lineno or 0) - child.lineno + 1
                    if not isinstance(child, ast.ClassDef) and size > MAX_FUNCTION_LINES:
                        found.append(f"{shown}:{child.lineno}: {name}: {size} lines")
                    todo.append((child, name + "."))
    return found


def main(argv: list[str]) -> int:
    names = module_names(folder := Path(argv[0]).resolve())
    found, broken = edges(names, folder)
    staged = {edge: (stage_of(edge.source), stage_of(edge.target)) for edge in found}
    up = [e for e, (s, t) in staged.items() if s is not None and t is not None and t > s]
    circles, long = cycles(found), sizes(names, folder)
    unstaged = sorted(name for name in names if stage_of(name) is None)
    lines = [f"up: {edge}" for edge in up]
    for circle in circles:
        lines.append(f"circle: {' <-> '.join(circle)}")
        lines += [f"  {e}" for e in found if e.source in circle and e.target in circle]
    lines += [f"no such module: {b}" for b in broken] + [f"in no stage: {n}" for n in unstaged]
    for line in [*lines, *(f"too long: {line}" for line in long)]:
        print(line)
    print(
        f"{len(names)} modules, {len(found)} imports: {len(up)} up, {len(circles)} circles,"
        f" {len(unstaged)} in no stage, {len(broken)} broken; {len(long)} sizes over the limits"
    )
    return 1 if lines or ("--strict-size" in argv and long) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
