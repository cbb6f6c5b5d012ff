"""The package's shape: imports run one way through the stages, never in a circle.

`tools/stages.py` reads the imports of `src/fichepress` (in functions and for type checkers
too). Every module is in a stage folder (docs/architecture.md), no module is over 600 lines and
no function over 60: what the issue of the house set out is held here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "fichepress"


def _stages() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stages", ROOT / "tools" / "stages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("stages", module)
    spec.loader.exec_module(module)
    return module


stages = _stages()
NAMES = stages.module_names(PACKAGE)
EDGES, BROKEN = stages.edges(NAMES, PACKAGE)


def test_the_reader_sees_every_module_and_its_imports() -> None:
    assert "fichepress.series.run" in NAMES and "fichepress.series.builder" in NAMES
    assert any(
        e.source == "fichepress.series.run" and e.target == "fichepress.series.builder"
        for e in EDGES
    )


def test_no_module_imports_one_that_is_not_there() -> None:
    assert BROKEN == []


def test_no_circle_of_imports() -> None:
    assert stages.cycles(EDGES) == []


def test_the_reader_finds_a_circle() -> None:
    made = [stages.Edge("a", "b", "a.py:1", False), stages.Edge("b", "a", "b.py:1", True)]
    assert stages.cycles(made) == [["a", "b"]]


def test_no_import_runs_up_a_stage() -> None:
    up = [
        str(edge)
        for edge in EDGES
        if (source := stages.stage_of(edge.source)) is not None
        and (target := stages.stage_of(edge.target)) is not None
        and target > source
    ]
    assert up == []


def test_every_module_is_in_a_stage() -> None:
    assert [name for name in NAMES if stages.stage_of(name) is None] == []


def test_no_module_over_600_lines_nor_function_over_60() -> None:
    assert stages.sizes(NAMES, PACKAGE) == []
