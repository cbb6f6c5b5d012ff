"""`fichepress init`: a new series project that builds as it is, from a clone or from the wheel."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core import project as project_module
from fichepress.core.project import Project, installed_folder
from fichepress.html.edition import load_edition
from fichepress.html.themes import load_theme
from fichepress.scaffold.skeleton import project_files
from fichepress.series.builder import build
from fichepress.series.collection import build_collection
from fichepress.source.schema import MODELINE, SERIES_MODELINE


@pytest.mark.e2e
def test_init_makes_a_project_that_builds_strictly(tmp_path: Path) -> None:
    folder = tmp_path / "serie"
    args = ["init", str(folder), "--title", "Fiches du Nord", "--organisation", "Action Nord"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "next: cd" in result.stdout and "make sheets" in result.stdout
    sheet = folder / "sheets" / "01-une-premiere-fiche.yaml"
    assert sheet.read_text("utf-8").splitlines()[0] == MODELINE
    series = (folder / "sheets" / "series.yaml").read_text("utf-8")
    assert series.splitlines()[0] == SERIES_MODELINE and "theme: action-nord" in series
    assert "extends: fiches" in (folder / "styles" / "action-nord" / "theme.yaml").read_text()
    # the installed theme and its fonts are used by name, never copied
    assert [p.name for p in (folder / "styles").iterdir()] == ["action-nord"]
    assert not (folder / "fonts").exists()
    assert "sheets:" in (folder / "Makefile").read_text() and (folder / "README.md").is_file()
    checked = CliRunner().invoke(main, ["check", "--project", str(folder)])
    assert checked.exit_code == 0, checked.output
    project = Project(folder.resolve())
    out = folder / "build"
    report = build(load_edition(project), out, strict=True, jobs=1)
    assert report.ok and not report.warnings, [str(p) for p in report.problems]
    whole = build_collection(load_edition(project), out, strict=True, jobs=1)
    assert whole.ok, [str(p) for p in whole.problems]
    assert len([*out.glob("print/*.pdf"), *out.glob("accessible/*.pdf")]) == 4


def _init(folder: Path) -> Project:
    args = ["init", str(folder), "--title", "Fiches du Nord", "--organisation", "Action Nord"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return Project(folder.resolve())


def test_the_organisations_theme_shows_what_it_may_override(tmp_path: Path) -> None:
    """Every swatch of fiches, with its values, commented out; uncommented, they load and give
    fiches' colours; the logo is said to be in series.yaml."""
    text = project_files("T", "Action Nord", datetime.date(2024, 5, 1))[
        "styles/action-nord/theme.yaml"
    ]
    fiches = load_theme(Project(tmp_path), "fiches")
    assert fiches.folder.parent.parent == installed_folder()  # the installed one
    for name, swatch in fiches.config.swatches.items():
        cmyk = " ".join(f"{v:g}" for v in swatch.cmyk)
        assert f"#   {name}:" in text and f"cmyk {cmyk} / rgb {swatch.rgb}" in text, name
    assert "\n# swatches:\n" in text and "\n# logos:\n" in text
    assert "publisher.logo` in sheets/series.yaml" in text
    project = _init(tmp_path / "serie")
    theme_file = project.styles / "action-nord" / "theme.yaml"
    assert theme_file.read_text(encoding="utf-8") == text
    before = load_theme(project, "action-nord").config.swatches
    head, _, rest = text.partition("\n# swatches:\n")
    block, _, tail = rest.partition("\n\n")
    swatches = block.replace("#   ", "  ")  # the block uncommented, as an author would
    uncommented = f"{head}\nswatches:\n{swatches}\n\n{tail}"
    theme_file.write_text(uncommented.replace("#1d3557", "#123456"), encoding="utf-8")
    after = load_theme(project, "action-nord").config.swatches
    assert after["deep"].rgb == "#123456"
    assert {k: v for k, v in after.items() if k != "deep"} == {
        k: v for k, v in before.items() if k != "deep"
    }


@pytest.mark.e2e
def test_a_new_fichepress_theme_rebuilds_the_pdfs_without_touching_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project that extends the installed fiches: when fichepress's fiches changes (a new
    version), the next build makes new PDFs; the project's files are untouched."""
    installed = installed_folder()
    assert installed is not None
    copy = tmp_path / "installed"
    for name in ("styles/fiches", "styles/sobre", "fonts/lato"):
        shutil.copytree(installed / name, copy / name)
    monkeypatch.setattr(project_module, "_located", lambda: copy)
    project = _init(tmp_path / "serie")
    files = {p: p.read_bytes() for p in project.root.rglob("*") if p.is_file()}
    build_args = ["build", "--strict", "-j", "1", "--no-collection", "--project", str(project.root)]
    first = CliRunner().invoke(main, build_args)
    assert first.exit_code == 0, first.output
    pdf = project.root / "build" / "print" / "01-une-premiere-fiche.pdf"
    before = pdf.read_bytes()
    again = CliRunner().invoke(main, build_args)
    assert again.exit_code == 0 and "up to date" in again.output, again.output
    theme = copy / "styles" / "fiches" / "theme.yaml"
    text = theme.read_text(encoding="utf-8")
    assert '"cmyk 100 70 20 40 / rgb #1d3557"' in text
    theme.write_text(
        text.replace("cmyk 100 70 20 40 / rgb #1d3557", "cmyk 0 100 0 0 / rgb #c0006f")
    )
    upgraded = CliRunner().invoke(main, build_args)
    assert upgraded.exit_code == 0, upgraded.output
    assert "up to date" not in upgraded.output
    assert pdf.read_bytes() != before
    assert {p: p.read_bytes() for p in files} == files  # the project's sources are the same


def test_init_never_writes_into_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "is not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
