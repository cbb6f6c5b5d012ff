"""Shared fixtures: a disposable copy of the project, and one real build of the series."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fichepress.build import Report, build
from fichepress.project import Project

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
    report = build(project, out)
    return project, out, report
