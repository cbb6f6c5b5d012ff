"""Shared fixtures: a disposable copy of the project, one real build of the series, and the
committed PDFs of the reference sheets; the marks of the two test layers, and the guard that
keeps the fast one honest."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build
from fichepress.series.collection import build_collection
from fichepress.series.report import Report

ROOT = Path(__file__).resolve().parent.parent
PDFS = ROOT / "tests" / "data" / "pdf"
"""The committed PDFs, as a build lays them out (print/, accessible/); written by
`python -m tests.golden --pdfs`."""

BUILDING_FIXTURES = frozenset({"series_build", "sobre_build", "each_theme"})
"""A test using one of these (itself or through another fixture) needs a real build: e2e."""

# --- the two layers --------------------------------------------------------------------------
# e2e: needs a real WeasyPrint build (or layout) of sheets or of the collection; process: runs a
# subprocess (fichepress or another program) or worker processes. `make test-fast` runs the
# others. In a run that leaves a mark out (`-m "not e2e and not process"`), the guard below fails
# a test that does what the mark is for: a test marked wrong is caught, not silently slow.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BUILDING_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


def left_out(config: pytest.Config, mark: str) -> bool:
    """Whether this run leaves the tests marked `mark` out (`-m "not e2e ..."`)."""
    return re.search(rf"\bnot\s+{mark}\b", config.getoption("markexpr") or "") is not None


_TRIPPED: list[str] = []
"""What the guard stopped during the current phase of a test (told even if the code under
test, or a thread of it, caught the failure)."""


def _forbidden(mark: str, what: str, advice: str = "") -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        message = f"unmarked {mark} test: {what} (mark it @pytest.mark.{mark}{advice})"
        _TRIPPED.append(message)
        pytest.fail(message, pytrace=False)

    return refuse


@pytest.fixture(scope="session", autouse=True)
def _layer_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Installed when the tests start (not when pytest does: `pytest -n 2` starts its worker
    processes first), in each process that runs tests."""
    config = request.config
    guard = pytest.MonkeyPatch()
    if left_out(config, "e2e"):
        from weasyprint.document import Document

        from fichepress.pdf.write import Renderer

        guard.setattr(Renderer, "render", _forbidden("e2e", "it renders a PDF with WeasyPrint"))
        guard.setattr(Document, "write_pdf", _forbidden("e2e", "it writes a PDF with WeasyPrint"))
    if left_out(config, "process"):
        guard.setattr(subprocess.Popen, "__init__", _forbidden("process", "it runs a subprocess"))
    if left_out(config, "e2e") and left_out(config, "process"):
        from fichepress.series.workers import WorkerPool

        advice = ", or process if it builds nothing"
        guard.setattr(WorkerPool, "start", _forbidden("e2e", "it starts worker processes", advice))
    yield
    guard.undo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A test passes no phase in whose time the guard stopped something, whoever caught it."""
    report = yield
    if _TRIPPED:
        if report.passed:
            report.outcome = "failed"
            report.longrepr = _TRIPPED[0]
        _TRIPPED.clear()
    return report


def copy_project(target: Path, sheets: list[str] | None = None) -> Project:
    """A copy of this repository's project (sheets/, styles/, fonts/) under `target`.

    `sheets` lists the sheet files to keep (default: all of them).
    """
    for folder in ("styles", "fonts"):
        shutil.copytree(ROOT / folder, target / folder)
    shutil.copytree(ROOT / "sheets", target / "sheets")
    if sheets is not None:
        for path in (target / "sheets").glob("*.yaml"):
            if path.name != "series.yaml" and path.name not in sheets:
                path.unlink()
    return Project(target.resolve())


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A writable copy of the project holding only the reference sheet."""
    return copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])


@pytest.fixture(scope="session")
def reference_pdfs() -> Path:
    """The folder of the committed PDFs: print/ and accessible/ of the reference sheet,
    accessible/ of sheet 01 (with links); for the rules that need a good PDF, not a build."""
    return PDFS


@pytest.fixture(scope="session")
def series_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, Report]:
    """The whole series of this repository, built once for the session."""
    out = tmp_path_factory.mktemp("build")
    project = Project(ROOT)
    report = build(load_edition(project), out)
    return project, out, report


@dataclass(frozen=True)
class Built:
    project: Project
    out: Path
    sheets: Report
    collection: Report


@pytest.fixture(scope="session")
def sobre_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A copy of the project whose series uses the theme sobre: every sheet and the
    collection, built once for the session, strict."""
    project = copy_project(tmp_path_factory.mktemp("sobre") / "project")
    series = project.sheets / "series.yaml"
    text = series.read_text(encoding="utf-8")
    assert re.search(r"^theme: fiches$", text, re.MULTILINE)
    series.write_text(re.sub(r"^theme: fiches$", "theme: sobre", text, flags=re.MULTILINE), "utf-8")
    out = project.root / "build"
    sheets = build(load_edition(project), out, strict=True)
    collection = build_collection(load_edition(project), out, strict=True)
    return Built(project, out, sheets, collection)


@pytest.fixture(params=["fiches", "sobre"])
def each_theme(request: pytest.FixtureRequest) -> tuple[Project, Path, Report]:
    """The series built with each shipped theme (fiches: the session's build; sobre's with
    its collection): for the checks that must hold whatever the theme."""
    if request.param == "fiches":
        found: tuple[Project, Path, Report] = request.getfixturevalue("series_build")
        return found
    built: Built = request.getfixturevalue("sobre_build")
    return built.project, built.out, built.sheets
