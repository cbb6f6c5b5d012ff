"""One Finding for every kind of thing found: its line, its JSON, each cause told once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fichepress.core.errors import Problem
from fichepress.core.findings import Finding, grouped, page_order, stopping, told

BLEED = Finding(page=1, rule="BLEED", severity="error", message="a fill", where="re f")


def test_a_source_problem_reads_as_before() -> None:
    assert str(Problem("sheets/a.yaml", 3, 2, "title", "is too long")) == (
        "sheets/a.yaml:3:2: title: is too long"
    )
    assert str(Problem("sheets/a.yaml", message="is empty")) == "sheets/a.yaml: is empty"
    assert sorted([Problem("b", 1), Problem("a", 9), Problem("a", 2)]) == [
        Problem("a", 2),
        Problem("a", 9),
        Problem("b", 1),
    ]


def test_each_kind_has_its_line() -> None:
    assert str(replace(BLEED, file="x.pdf")) == "x.pdf: error BLEED page 1: a fill (re f)"
    assert str(replace(BLEED, file="sheets/x.yaml", variant="print")) == (
        "sheets/x.yaml: print PDF preflight: error BLEED page 1: a fill (re f)"
    )
    assert str(replace(BLEED, file="sheets/x.yaml", variant="accessible", rule="UA-X")) == (
        "sheets/x.yaml: accessible PDF check: error UA-X page 1: a fill (re f)"
    )
    note = Finding("sheets/x.yaml", message="a note", rule="weasyprint", variant="print")
    assert str(note) == "sheets/x.yaml: print PDF: a note"
    contrast = replace(note, rule="contrast", variant="accessible")
    assert str(contrast) == "sheets/x.yaml: accessible PDF contrast: a note"
    css = Finding("styles/t/theme.css", 12, 3, message="Ignored `a: b`", rule="css")
    assert str(css) == "styles/t/theme.css:12:3: Ignored `a: b`"


def test_json_round_trips_and_refuses_anything_else() -> None:
    finding = replace(BLEED, file="sheets/x.yaml", line=4, key="k", variant="print")
    document = finding.as_json()
    assert set(document) == {
        "file", "line", "column", "key", "message", "severity", "rule", "variant", "page", "where"
    }  # fmt: skip
    assert Finding.from_json(document) == finding
    wrong: list[Any] = [
        "sheets/x.yaml: print PDF: a note",  # a manifest of an older fichepress
        {**document, "line": "4"},
        {**document, "page": -1},
        {**document, "line": True},
        {**document, "severity": "fatal"},
        {**document, "extra": 1},
        {k: v for k, v in document.items() if k != "where"},
    ]
    for data in wrong:
        with pytest.raises(ValueError):
            Finding.from_json(data)


def test_pdf_findings_sort_by_page() -> None:
    findings = [replace(BLEED, page=2, message="a"), replace(BLEED, page=1, message="z")]
    assert [f.page for f in sorted(findings, key=page_order)] == [1, 2]


def test_a_cause_found_in_several_pdfs_is_told_once() -> None:
    css = Finding("styles/t/theme.css", 12, 3, message="Ignored", severity="warning", rule="css")
    found = [
        replace(css, variant="print"),
        replace(css, variant="accessible"),
        replace(BLEED, variant="print"),
        replace(css, variant="print"),
    ]
    [(first, count), (second, once)] = grouped(found)
    assert (first, count) == (css, 3)
    assert told(first, count) == "styles/t/theme.css:12:3: Ignored (in 3 PDFs)"
    assert (second.variant, once) == ("print", 1)
    assert told(second, once) == str(second)


def test_advice_is_told_and_kept_but_stops_nothing() -> None:
    advice = Finding("sheets/x.yaml", 4, 5, "body[3]", "page 1 is only 40% filled", "advice")
    advice = replace(advice, rule="copyfit", variant="print", page=1)
    assert Finding.from_json(advice.as_json()) == advice
    warning, error = replace(advice, severity="warning"), replace(advice, severity="error")
    found = [advice, warning, error]
    assert stopping(found, strict=False) == [error]
    assert stopping(found, strict=True) == [warning, error]
    assert stopping([advice], strict=True) == []
    # a print shop's error in a PDF the build wrote is told; it stops the PDF under --strict
    bleed = replace(error, rule="BLEED", key="", line=0, column=0)
    assert (stopping([bleed], strict=False), stopping([bleed], strict=True)) == ([], [bleed])


def test_a_copyfit_finding_says_the_same_in_every_variant_and_is_told_once() -> None:
    """Its words are the same in both variants: the variant is named after them, or the
    number of PDFs when both say it."""
    advice = Finding(
        "sheets/x.yaml", 4, 5, "body[3]", "page 1 is only 40% filled", "advice", "copyfit"
    )
    print_, accessible = replace(advice, variant="print"), replace(advice, variant="accessible")
    assert str(print_) == "sheets/x.yaml:4:5: body[3]: page 1 is only 40% filled (print PDF)"
    [(both, count)] = grouped([print_, accessible])
    assert told(both, count) == (
        "sheets/x.yaml:4:5: body[3]: page 1 is only 40% filled (in 2 PDFs)"
    )
