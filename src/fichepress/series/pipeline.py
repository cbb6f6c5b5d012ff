"""What the PDF of each variant goes through after WeasyPrint, by variant name (`PIPELINES`,
beside the variants' data in `core/variants.py`): its finishing, its checks, and what is kept
of each page for the collection.

An output is parsed once (`open_pdf`): finished in place, then checked and its fonts read as
it stands, never parsed again from the bytes saved. The rules and the finishing are imported
when a PDF is made, not before: a build where everything is up to date never reads them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from fichepress.core.findings import Finding
from fichepress.core.variants import ACCESSIBLE, PRINT, VariantName

if TYPE_CHECKING:
    import pikepdf

    from fichepress.checks.ua_source import Source

Results = list[dict[str, Any]]
"""What the checks need of each page of a collection's part, as kept beside it (JSON)."""


@dataclass(frozen=True)
class Finished:
    """A finished PDF, and what finishing learned that its checks can use."""

    data: bytes
    known: Mapping[int, Any] = field(default_factory=dict)
    """The check results of pages read already, by 0-based index (see the checks' `known`)."""
    source: Source | None = None
    """What a tagged PDF must read as, from its HTML."""


@dataclass(frozen=True)
class Pipeline:
    """What a variant's PDF goes through once WeasyPrint has made it."""

    tool: str
    """What the build's messages call its checks."""
    finish: Callable[[pikepdf.Pdf, str | Element], Finished]
    """WeasyPrint's PDF made ready, in place, from its HTML (text, or the tree WeasyPrint
    parsed): the open PDF stands finished, its bytes are saved."""
    check: Callable[[pikepdf.Pdf, Mapping[int, Any], Source | None], list[Finding]]
    """Every finding of the variant's rules (`known`: the results of pages checked already;
    the source, to compare a tagged PDF with)."""
    page_results: Callable[[pikepdf.Pdf], Results]
    """What the checks need of each page, kept beside a collection's part: its pages are
    copied into the collection, their results are not computed again."""
    read_page: Callable[[dict[str, Any]], Any]
    """One page's results as `page_results` keeps them, read back for `check`'s `known`."""
    part_findings: Callable[[pikepdf.Pdf, Finished, Results], list[Finding]] | None = None
    """What the whole collection's check cannot tell of a part (its pages numbered from 1):
    how a tagged part reads against its HTML, which the joined collection does not know."""


def open_pdf(data: bytes) -> pikepdf.Pdf:
    """The PDF WeasyPrint made, open: the one time an output is parsed."""
    import pikepdf

    return pikepdf.open(io.BytesIO(data))


def _finish_print(pdf: pikepdf.Pdf, html: str | Element) -> Finished:
    from fichepress.pdf.prepress import finish_print

    return Finished(finish_print(pdf))


def _check_print(
    pdf: pikepdf.Pdf, known: Mapping[int, Any], source: Source | None
) -> list[Finding]:
    from fichepress.checks.printing import check_print_pdf

    return check_print_pdf(pdf, known)


def _print_results(pdf: pikepdf.Pdf) -> Results:
    from fichepress.checks.printing import page_results_of

    return [result.as_json() for result in page_results_of(pdf)]


def _print_page(page: dict[str, Any]) -> Any:
    from fichepress.checks.printing import PageResult

    return PageResult.from_json(page)


def _finish_accessible(pdf: pikepdf.Pdf, html: str | Element) -> Finished:
    """The structure rebuilt from the HTML; the repair knows what it wrote in each page: the
    check reads the rest of the PDF."""
    from fichepress.checks.accessibility import PageMarks
    from fichepress.checks.ua_source import source_of
    from fichepress.pdf.expected import expected_tree
    from fichepress.pdf.tagging import repair_pdf

    expected = expected_tree(html)
    data, scans = repair_pdf(pdf, expected)
    known = {index: PageMarks.of(scan) for index, scan in enumerate(scans)}
    return Finished(data, known, source_of(expected))


def _check_accessible(
    pdf: pikepdf.Pdf, known: Mapping[int, Any], source: Source | None
) -> list[Finding]:
    from fichepress.checks.accessibility import check_accessible_pdf

    return check_accessible_pdf(pdf, known, source=source)


def _accessible_results(pdf: pikepdf.Pdf) -> Results:
    from fichepress.checks.accessibility import page_marks_of

    return [marks.as_json() for marks in page_marks_of(pdf)]


def _accessible_page(page: dict[str, Any]) -> Any:
    from fichepress.checks.accessibility import PageMarks

    return PageMarks.from_json(page)


def _accessible_part(pdf: pikepdf.Pdf, finished: Finished, results: Results) -> list[Finding]:
    from fichepress.checks.accessibility import check_source_pdf

    if finished.source is None:
        return []
    known = {index: _accessible_page(page) for index, page in enumerate(results)}
    return check_source_pdf(pdf, finished.source, known)


PIPELINES: dict[VariantName, Pipeline] = {
    PRINT.name: Pipeline(
        tool="preflight",
        finish=_finish_print,
        check=_check_print,
        page_results=_print_results,
        read_page=_print_page,
    ),
    ACCESSIBLE.name: Pipeline(
        tool="check",
        finish=_finish_accessible,
        check=_check_accessible,
        page_results=_accessible_results,
        read_page=_accessible_page,
        part_findings=_accessible_part,
    ),
}
"""Every variant's pipeline by name: the same names as `VARIANTS`."""
