"""What a build tells: each cause once, at its own file, line and column, with the number of
PDFs it was found in; the findings kept in the manifest as data; one JSON shape for every
command."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.cli.output import report_document
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.series.report import Report
from fichepress.serve.watch import rebuild

from .conftest import copy_project

pytestmark = pytest.mark.e2e  # every test here builds PDFs

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
    # the sheet's own warning is said in the same words by both PDFs: told once
    [sheet] = [told for told in err.splitlines() if f"sheets/{REFERENCE}.yaml" in told]
    assert sheet.startswith(f"warning: sheets/{REFERENCE}.yaml:") and sheet.endswith("(in 2 PDFs)")


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


SCHEMA = json.loads((Path(__file__).parent / "data" / "report.schema.json").read_text("utf-8"))


def reported(*args: str) -> tuple[int, dict[str, Any]]:
    """A command's exit code and its JSON document, valid against the schema."""
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    return result.exit_code, document


def watched(project: Project) -> dict[str, Any]:
    """The event of one rebuild of `watch --format json`, valid against the schema."""
    events: list[dict[str, Any]] = []

    def tell(report: Report, summary: str) -> None:
        event = json.loads(json.dumps(report_document("watch", project, report, summary)))
        jsonschema.validate(event, SCHEMA)
        events.append(event)

    out = project.root / "build"
    rebuild(project, out, None, variants=["print", "accessible"], strict=False, collection=True,
            say=lambda level, message: None, tell=tell)  # fmt: skip
    [event] = events
    return event


def test_every_command_reports_in_one_json_shape(
    built: tuple[Mistaken, str], tmp_path: Path
) -> None:
    root = tmp_path / "project"
    shutil.copytree(built[0].project.root, root)
    project = Project(root)
    at = ("--project", str(root))
    code, build = reported("build", *at)  # up to date, with its warnings
    assert (
        code == 0 and build["ok"] and build["counts"] == {"errors": 0, "warnings": 3, "advice": 0}
    )
    copyfit = [f for f in build["findings"] if f["rule"] == "copyfit"]
    assert [(f["severity"], f["variant"], f["page"], f["count"]) for f in copyfit] == [
        ("warning", "", 2, 2)
    ]
    (line, column), (row, col) = built[0].theme, built[0].imported
    css = [
        (f["file"], f["line"], f["column"], f["count"])
        for f in build["findings"]
        if f["rule"] == "css"
    ]
    assert sorted(css) == [
        ("styles/fiches/extra.css", row, col, PDFS),
        ("styles/fiches/theme.css", line, column, PDFS),
    ]
    assert reported("collection", *at)[1]["command"] == "collection"
    assert reported("check", *at)[1]["ok"]
    pdf = str(root / "build" / "print" / f"{REFERENCE}.pdf")
    code, preflight = reported("preflight", pdf)
    assert code == 0 and preflight["outputs"][0]["status"] == "checked"
    assert watched(project)["ok"]

    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("number: 3", "number: trois"), "utf-8")
    for command in ("build", "collection", "check"):
        code, failed = reported(command, *at)
        assert code == 1 and not failed["ok"], command
        assert failed["counts"]["errors"] >= 1, command
    assert not watched(project)["ok"]
    code, unread = reported("preflight", str(sheet))
    assert code == 1 and unread["findings"][0]["rule"] == "FILE"
