"""Copyfitting: a sheet over its page budget is told by how much, from which YAML block and what
to do (lines to cut, or the budget a block the theme starts on a new page needs); a page left
more than half empty is advice (the series may make it a warning or an error), with the room
left in lines; two messages never contradict each other, and both variants say it once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import weasyprint
from click.testing import CliRunner

from fichepress.checks.copyfit import copyfit_problems
from fichepress.cli import main
from fichepress.core.findings import Finding, grouped, told
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.pdf.copyfit import PageFill, measure
from fichepress.series.builder import build
from fichepress.source.load import load_sheet

REFERENCE = "03-strategie-globale"
SHORT = """number: 7
title: Une fiche courte
kicker: Ce qu'une fiche dit en une phrase.
body:
  - paragraph: >-
      Une fiche tient en deux pages. Elle s'ouvre sur un paragraphe qui dit l'essentiel,
      puis le développe.
  - heading: Trois repères
  - paragraph: Le but, le public et la suite.
  - quote: Une citation courte, mise en valeur dans la page.
"""
"""A new sheet of four body blocks: less than half a page."""
SELECTION = """selection:
  heading: Notre sélection
  groups:
    - heading: Des outils pratiques
      resources:
        - kind: Guide
          title: "Exemple : un guide fictif"
          authors: Organisme fictif (exemple)
          year: 2024
          commentary: Une phrase qui dit pourquoi cette ressource est utile.
"""
"""A small selection, which the theme `fiches` starts on a new page."""
SCHEMA = json.loads((Path(__file__).parent / "data" / "report.schema.json").read_text("utf-8"))


def line_of(path: Path, text: str) -> int:
    source = path.read_text("utf-8")
    return source[: source.index(text)].count("\n") + 1


def short_sheet(project: Project, text: str = SHORT) -> Path:
    """The sheet `text` as the project's only sheet."""
    for path in project.sheet_files():
        path.unlink()
    sheet = project.sheets / "07-courte.yaml"
    sheet.write_text(text, "utf-8")
    return sheet


def copyfit(findings: list[Finding]) -> list[tuple[Finding, int]]:
    return grouped(f for f in findings if f.rule == "copyfit")


@pytest.mark.e2e
def test_a_short_sheet_builds_under_strict_with_advice(project: Project) -> None:
    sheet = short_sheet(project)
    args = ["build", "--strict", "--project", str(project.root), str(sheet)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    line = line_of(sheet, "  - quote:")
    [advice] = result.stderr.splitlines()
    match = re.fullmatch(
        rf"advice: sheets/07-courte.yaml:{line}:5: body\[3\]: page 1 is only (\d+)% filled:"
        r" about (\d+) lines of room left \(in 2 PDFs\)",
        advice,
    )
    assert match, advice
    assert int(match.group(1)) < 50 and 10 <= int(match.group(2)) <= 40
    assert result.stdout.rstrip().endswith("(0 errors, 0 warnings, 1 advice)")
    assert "wrote build/print/07-courte.pdf (1 page)\n" in result.stdout  # not "1 pages"
    # the same advice for machines, told again while the PDFs stay up to date
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["ok"] and document["counts"] == {"errors": 0, "warnings": 0, "advice": 1}
    [finding] = document["findings"]
    assert (finding["severity"], finding["rule"], finding["line"], finding["key"]) == (
        "advice",
        "copyfit",
        line,
        "body[3]",
    )
    assert (finding["variant"], finding["page"], finding["count"]) == ("", 1, 2)


@pytest.mark.e2e
def test_the_series_may_make_an_underfilled_page_an_error(project: Project) -> None:
    sheet = short_sheet(project)
    series = project.sheets / "series.yaml"
    series.write_text(series.read_text("utf-8") + "underfilled_pages: error\n", "utf-8")
    args = ["build", "--project", str(project.root), "--variant", "print", str(sheet)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "error: sheets/07-courte.yaml:" in result.stderr
    assert "body[3]: page 1 is only" in result.stderr
    assert "print PDF not written: its errors stop it" in result.stderr
    assert not (project.root / "build" / "print" / "07-courte.pdf").exists()


@pytest.mark.e2e
def test_a_block_the_theme_starts_on_a_new_page_asks_for_a_budget(
    project: Project, tmp_path: Path
) -> None:
    """The selection starts page 2 whatever the length of the text: no text cut helps, and
    the half-empty page 1 it leaves is part of the one message."""
    sheet = short_sheet(project, SHORT.replace("kicker:", "page_budget: 1\nkicker:") + SELECTION)
    report = build(load_edition(project), tmp_path / "out", strict=True)
    assert report.failed == {"sheets/07-courte.yaml"}
    [(finding, count)] = copyfit(report.problems)
    assert count == 2 and finding.severity == "warning" and finding.page == 2
    line = line_of(sheet, "selection:")
    assert re.fullmatch(
        rf"sheets/07-courte.yaml:{line}:1: selection: the theme starts selection on a new page,"
        r" so the sheet needs at least 2 pages whatever the length of its text, over its budget"
        r" of 1 page \(page 1 is left only \d\d% filled before it\): set page_budget: 2, or"
        r" remove selection \(in 2 PDFs\)",
        told(finding, count),
    ), told(finding, count)
    assert not [f for f in [*report.warnings, *report.problems] if f.severity == "advice"]


@pytest.mark.e2e
def test_within_budget_the_advice_names_the_forced_break(project: Project, tmp_path: Path) -> None:
    sheet = short_sheet(project, SHORT + SELECTION)
    report = build(load_edition(project), tmp_path / "out", variants=["print"], strict=True)
    assert report.ok and not report.failed
    (advice, _), (last, _) = copyfit(report.warnings)  # page 2, the selection's, too
    assert last.severity == "advice" and last.page == 2 and "before" not in last.message
    assert advice.severity == "advice" and advice.line == line_of(sheet, "  - quote:")
    assert re.fullmatch(
        r"sheets/07-courte.yaml:\d+:5: body\[3\]: page 1 is only \d+% filled: about \d+ lines"
        r" of room left before selection, which the theme starts on a new page \(print PDF\)",
        str(advice),
    ), advice


@pytest.mark.e2e
def test_over_budget_by_its_text_says_how_many_lines_to_cut(
    project: Project, tmp_path: Path
) -> None:
    more = "".join(
        f"  - paragraph: Un paragraphe de plus, le numéro {i}, qui allonge la fiche d'une"
        " ligne ou deux.\n"
        for i in range(30)
    )
    sheet = short_sheet(project, SHORT.replace("kicker:", "page_budget: 1\nkicker:") + more)
    report = build(load_edition(project), tmp_path / "out", variants=["print"])
    [(warning, _)] = copyfit(report.warnings)
    match = re.fullmatch(
        r"sheets/07-courte.yaml:(\d+):5: (body\[\d+\]): the sheet runs (\d+) lines \((\d+) mm\)"
        r" over its budget of 1 page: page 2 starts with \2; cut about (\d+) lines, or set"
        r" page_budget: 2 \(print PDF\)",
        str(warning),
    )
    assert match, warning
    assert match.group(3) == match.group(5) and 5 <= int(match.group(5)) <= 40
    k = int(match.group(2)[5:-1])
    assert int(match.group(1)) == line_of(sheet, f"numéro {k - 4},")
    assert "shorten" not in str(warning) and "filled" not in str(warning)


@pytest.mark.e2e
def test_the_block_that_crosses_the_limit_is_named(project: Project, tmp_path: Path) -> None:
    """A longer text pushes the last resources of the selection onto a third page: that is
    text to cut (the selection starting page 2 is within the budget), told once."""
    sheet = project.sheets / f"{REFERENCE}.yaml"
    text = sheet.read_text("utf-8")
    longer = "Trois exemples urbains de pratiques de revitalisation intégrée. " * 40
    text = text.replace(
        "commentary: Trois exemples urbains de pratiques de revitalisation intégrée.",
        f"commentary: {longer.strip()}",
    )
    sheet.write_text(text, "utf-8")
    report = build(load_edition(project), tmp_path / "out", variants=["accessible"])
    [warning] = [w for w in report.warnings if w.rule == "copyfit"]
    [pages] = [output.pages for output in report.outputs]
    assert "over its budget of 2 pages: page 3 starts with selection.groups[" in str(warning)
    assert re.search(
        rf"; cut about \d+ lines, or set page_budget: {pages} \(accessible PDF\)$", str(warning)
    )
    key = re.search(r"starts with (\S+);", str(warning)).group(1)  # type: ignore[union-attr]
    assert f": {key}: the sheet runs" in str(warning)
    assert warning.line > line_of(sheet, "selection:")


@pytest.mark.parametrize("paragraphs", [3, 40])
def test_measure_counts_lines_and_fill(paragraphs: int) -> None:
    html = (
        "<html><style>@page { size: A6; margin: 10mm } body { margin: 0 } p { margin: 0;"
        " line-height: 20px; font-size: 12px }</style><body>"
        + "".join(f'<p data-src="body[{i}]">ligne {i}</p>' for i in range(paragraphs))
        + "</body></html>"
    )
    fill = measure(weasyprint.HTML(string=html).render())
    area = (148 - 20) / 25.4 * 96  # A6 height less margins, in CSS px
    per_page = int(area // 20)
    assert [page.lines for page in fill] == (
        [paragraphs] if paragraphs <= per_page else [per_page, paragraphs - per_page]
    )
    assert fill[0].first_block == "body[0]"
    assert abs(fill[0].filled - min(1.0, paragraphs * 20 / area)) < 0.01
    if paragraphs > per_page:
        assert fill[1].first_block == f"body[{per_page}]"
        assert abs(fill[1].height_mm - (paragraphs - per_page) * 20 * 25.4 / 96) < 0.5


def test_measure_finds_a_forced_break_and_the_room_left() -> None:
    """A block with `break-before: page` starts page 2 (forced); the long block after it runs
    on to page 3, which starts where page 2 ran out of room (not forced)."""
    html = (
        "<html><style>@page { size: A6; margin: 10mm } body { margin: 0 } p { margin: 0;"
        " line-height: 20px; font-size: 12px } .new { break-before: page }</style><body>"
        '<p data-src="body[0]">un</p><p data-src="body[1]">deux</p>'
        '<section class="new" data-src="selection"><p data-src="selection.intro">'
        + "<br>".join(["ligne"] * 30)
        + "</p></section></body></html>"
    )
    fill = measure(weasyprint.HTML(string=html).render())
    area = (148 - 20) / 25.4 * 96
    per_page = int(area // 20)
    assert [page.forced for page in fill] == [None, "selection", None]
    assert [page.lines for page in fill] == [2, per_page, 30 - per_page]
    assert fill[0].last_block == "body[1]" and fill[0].room_lines == per_page - 2
    assert fill[1].room_lines == 0 and fill[2].first_block == "selection.intro"


def page(number: int, filled: float, forced: str | None = None) -> PageFill:
    return PageFill(
        number,
        filled,
        200 * filled,
        int(40 * filled),
        "body[0]",
        "body[3]",
        40 - int(40 * filled),
        forced,
    )


def test_copyfit_rules_never_contradict() -> None:
    """Over budget: one warning, the half-empty page before a forced break part of it; within
    budget: each half-empty page, at the severity the series asks for."""
    project = Project(Path(__file__).resolve().parent.parent)
    source = load_sheet(project.sheets / f"{REFERENCE}.yaml", project)
    shown = f"sheets/{REFERENCE}.yaml"
    forced = [page(1, 0.3), page(2, 0.6, "selection")]
    [over] = copyfit_problems(source, shown, "print", forced, 1)
    assert over.severity == "warning" and over.key == "selection" and over.page == 2
    assert over.message.endswith(
        "over its budget of 1 page (page 1 is left only 30% filled before it): set"
        " page_budget: 2, or remove selection"
    )
    [advice] = copyfit_problems(source, shown, "print", forced, 2)
    assert (advice.severity, advice.key, advice.page) == ("advice", "body[3]", 1)
    assert advice.message == (
        "page 1 is only 30% filled: about 28 lines of room left before selection, which the"
        " theme starts on a new page"
    )
    [error] = copyfit_problems(source, shown, "print", forced[:1], 2, "error")
    assert error.severity == "error" and "before" not in error.message
    [text] = copyfit_problems(source, shown, "print", [page(1, 0.98), page(2, 0.3)], 1)
    assert text.key == "body[0]" and text.message.endswith(
        "cut about 12 lines, or set page_budget: 2"
    )
