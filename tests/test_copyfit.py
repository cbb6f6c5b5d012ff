"""Copyfitting: a sheet over its page budget is told by how much and from which YAML block;
a page left more than half empty is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import weasyprint

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.pdf.copyfit import measure
from fichepress.series.builder import build

REFERENCE = "03-strategie-globale"


def line_of(path: Path, text: str) -> int:
    source = path.read_text("utf-8")
    return source[: source.index(text)].count("\n") + 1


@pytest.mark.e2e
def test_over_budget_says_how_much_and_where(project: Project, tmp_path: Path) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(
        sheet.read_text("utf-8").replace("kicker:", "page_budget: 1\nkicker:"), "utf-8"
    )
    report = build(load_edition(project), tmp_path / "out", variants=["print"])
    [warning] = report.warnings
    line = line_of(sheet, "selection:")
    assert str(warning).startswith(f"sheets/{REFERENCE}.yaml:{line}:1: selection: the print PDF")
    match = re.search(
        r"runs (\d+) lines \((\d+) mm\) over its budget of 1 page: page 2 starts"
        r" with selection; shorten the text or raise page_budget",
        str(warning),
    )
    assert match, warning
    lines, height = int(match.group(1)), int(match.group(2))
    assert 35 <= lines <= 70 and 150 <= height <= 260  # the whole of page 2
    strict = build(load_edition(project), tmp_path / "strict", variants=["print"], strict=True)
    assert strict.failed == {f"sheets/{REFERENCE}.yaml"}


@pytest.mark.e2e
def test_the_block_that_crosses_the_limit_is_named(project: Project, tmp_path: Path) -> None:
    """A longer text pushes the last resources of the selection onto a third page."""
    sheet = project.sheets / f"{REFERENCE}.yaml"
    text = sheet.read_text("utf-8")
    longer = "Trois exemples urbains de pratiques de revitalisation intégrée. " * 40
    text = text.replace(
        "commentary: Trois exemples urbains de pratiques de revitalisation intégrée.",
        f"commentary: {longer.strip()}",
    )
    sheet.write_text(text, "utf-8")
    report = build(load_edition(project), tmp_path / "out", variants=["accessible"])
    # the group that no longer fits moves whole to page 3, which leaves page 2 part empty
    warning, emptied = report.warnings
    assert "page 2 of the accessible PDF is only" in str(emptied)
    assert "over its budget of 2 pages: page 3 starts with selection.groups[" in str(warning)
    key = re.search(r"starts with (\S+);", str(warning)).group(1)  # type: ignore[union-attr]
    assert f": {key}: the accessible PDF runs" in str(warning)
    assert warning.line > line_of(sheet, "selection:")


@pytest.mark.e2e
def test_a_page_less_than_half_filled_is_named(project: Project, tmp_path: Path) -> None:
    sheet = project.sheets / "07-courte.yaml"
    sheet.write_text(
        "number: 7\ntitle: Une fiche courte\nkicker: Presque rien.\n"
        "body:\n  - paragraph: Un seul paragraphe.\n",
        "utf-8",
    )
    report = build(load_edition(project, [sheet]), tmp_path / "out", variants=["print"])
    assert [str(w) for w in report.warnings] == [
        f"sheets/07-courte.yaml: page 1 of the print PDF is only {pct}% filled"
        for pct in [re.search(r"only (\d+)% filled", str(report.warnings[0])).group(1)]  # type: ignore[union-attr]
    ]
    assert int(re.search(r"(\d+)%", str(report.warnings[0])).group(1)) < 50  # type: ignore[union-attr]


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
