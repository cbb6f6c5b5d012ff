"""Inputs that would keep the renderer busy for minutes are refused in a moment, with their
place: a sheet thousands of pages long, a 100-megapixel picture."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from PIL import Image

from fichepress.core.project import Project

from .conftest import copy_project

REFERENCE = "03-strategie-globale.yaml"


# Every test runs fichepress in a process of its own.
pytestmark = pytest.mark.process


def fichepress(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fichepress", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_body(project: Project, body: list[object]) -> Path:
    path = project.sheets / REFERENCE
    sheet = yaml.safe_load(path.read_text(encoding="utf-8"))
    sheet["body"] = body
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True, width=10**9), encoding="utf-8")
    return path


def test_a_sheet_of_thousands_of_pages_is_refused_before_rendering(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", [REFERENCE])
    # 900 kB of text (the YAML limit is 1 MB): some 2,000 pages laid out as a sheet.
    paragraph = "Une phrase assez longue pour remplir une ligne de la fiche, ou presque. " * 40
    with_body(project, [{"paragraph": paragraph} for _ in range(310)])
    start = time.monotonic()
    done = fichepress(project.root, "build", "-j", "1", "--no-collection")
    seconds = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert f"sheets/{REFERENCE}:" in done.stderr
    assert "some 359 pages, for a budget of 2: it is not laid out beyond 20 pages" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((project.root / "build").glob("*/*.pdf"))
    assert seconds < 60  # rendering it would take many minutes; refusing it, a moment
    checked = fichepress(project.root, "check")
    assert checked.returncode == 1 and "not laid out beyond 20 pages" in checked.stderr


def test_a_sheet_of_thousands_of_tiny_blocks_is_refused(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", [REFERENCE])
    with_body(project, [{"paragraph": f"{n}."} for n in range(5000)])
    done = fichepress(project.root, "check")
    assert done.returncode == 1
    assert "texts (paragraphs, items, resources), more than 300 for a budget of 2" in done.stderr


def test_a_100_megapixel_logo_is_refused_with_its_place(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", [REFERENCE])
    # 10,000 × 10,000 pixels, a few kilobytes on disk: decoding it would take a gigabyte.
    Image.new("1", (10_000, 10_000)).save(project.sheets / "logos" / "huge.png")
    series = project.series_file
    text = series.read_text(encoding="utf-8")
    logo = yaml.safe_load(text)["publisher"]["logo"]
    series.write_text(text.replace(logo, "logos/huge.png", 1), encoding="utf-8")
    for command in ("check", "build"):
        done = fichepress(project.root, command)
        assert done.returncode == 1
        assert "sheets/series.yaml:" in done.stderr
        assert "is 10,000 × 10,000 pixels (100 megapixels)" in done.stderr
        assert "Traceback" not in done.stderr
