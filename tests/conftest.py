"""Shared fixtures: a disposable copy of the project, and one real build of the series."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build
from fichepress.series.collection import build_collection
from fichepress.series.report import Report

ROOT = Path(__file__).resolve().parent.parent


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
