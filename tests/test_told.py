"""What a build tells: each cause once, at its own file, line and column, with the number of
PDFs it was found in; the findings kept in the manifest as data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.findings import Finding
from fichepress.core.project import Project

from .conftest import copy_project

REFERENCE = "03-strategie-globale"
PDFS = 4
"""The reference sheet in both variants, and the collection in both."""


@dataclass(frozen=True)
class Mistaken:
    """A project whose theme holds a CSS mistake, and one in a stylesheet it imports."""

    project: Project
    theme: tuple[int, int]
    """Line and column of the theme's mistake."""
    imported: tuple[int, int]


def place(path: Path, text: str) -> tuple[int, int]:
    source = path.read_text("utf-8")
    before = source[: source.index(text)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def mistaken(root: Path) -> Mistaken:
    project = copy_project(root, [f"{REFERENCE}.yaml"])
    theme = project.styles / "fiches" / "theme.css"
    text = theme.read_text("utf-8").replace("html {\n", "html {\n  frobnicate: 3px;\n", 1)
    theme.write_text('@import "extra.css";\n' + text, "utf-8")
    extra = project.styles / "fiches" / "extra.css"
    extra.write_text("p {\n  colr: var(--ink);\n}\n", "utf-8")
    sheet = project.sheets / f"{REFERENCE}.yaml"  # over its budget: a copyfit warning per PDF
    sheet.write_text(sheet.read_text("utf-8").replace("kicker:", "page_budget: 1\nkicker:"))
    return Mistaken(project, place(theme, "frobnicate"), place(extra, "colr"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Mistaken, str]:
    """The project built once from the command line: what it said on standard error."""
    found = mistaken(tmp_path_factory.mktemp("told"))
    result = CliRunner().invoke(main, ["build", "--project", str(found.project.root)])
    assert result.exit_code == 0, result.output
    return found, result.stderr


def test_a_css_mistake_is_one_line_at_its_css_place(built: tuple[Mistaken, str]) -> None:
    found, err = built
    (line, column), (at, col) = found.theme, found.imported
    assert sorted(told for told in err.splitlines() if "Ignored" in told) == [
        f"warning: styles/fiches/extra.css:{at}:{col}: Ignored `colr: var(--ink)`, unknown property"
        f" (in {PDFS} PDFs)",
        f"warning: styles/fiches/theme.css:{line}:{column}: Ignored `frobnicate: 3px`, unknown"
        f" property (in {PDFS} PDFs)",
    ]
    # the sheet's own warnings are still its own, once per PDF (they differ by variant)
    assert len([told for told in err.splitlines() if f"sheets/{REFERENCE}.yaml" in told]) == 2


def test_an_up_to_date_build_tells_the_same(built: tuple[Mistaken, str]) -> None:
    found, err = built
    again = CliRunner().invoke(main, ["build", "--project", str(found.project.root)])
    assert again.exit_code == 0, again.output
    assert "everything is up to date" in again.stdout
    assert again.stderr == err


def test_the_manifest_keeps_findings_as_data(built: tuple[Mistaken, str]) -> None:
    found, _ = built
    document = json.loads((found.project.root / "build" / "manifest.json").read_text("utf-8"))
    kept = [w for output in document["outputs"] for w in output["warnings"]]
    assert kept and all(Finding.from_json(w).as_json() == w for w in kept)
    css = [Finding.from_json(w) for w in kept if w["rule"] == "css"]
    assert len(css) == 2 * PDFS and {f.variant for f in css} == {"print", "accessible"}
    copyfit = [Finding.from_json(w) for w in kept if w["rule"] == "copyfit"]
    assert {(f.variant, f.page, f.severity) for f in copyfit} == {
        ("print", 2, "warning"),
        ("accessible", 2, "warning"),
    }


def test_an_older_manifest_holding_texts_is_built_again(tmp_path: Path) -> None:
    found = mistaken(tmp_path / "project")
    args = ["build", "--project", str(found.project.root), "--variant", "print"]
    assert CliRunner().invoke(main, args).exit_code == 0
    manifest = found.project.root / "build" / "manifest.json"
    document = json.loads(manifest.read_text("utf-8"))
    for output in document["outputs"]:  # as an older fichepress wrote them
        output["warnings"] = [str(Finding.from_json(w)) for w in output["warnings"]]
    document["project"]["warnings"] = ["sheets/x.yaml: print PDF: a note"]
    manifest.write_text(json.dumps(document), "utf-8")
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert "build/manifest.json is damaged (outputs[0].warnings: is not a list of findings)" in (
        again.stderr
    )
    assert "  wrote build/print/collection.pdf" in again.stdout
    assert f"  wrote build/print/{REFERENCE}.pdf" in again.stdout
