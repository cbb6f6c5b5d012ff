"""Every accessible output read by two readers nobody here wrote, pdf.js (Firefox) and PDFium
(Chrome): every sheet and the collection, in both shipped themes. Each must read the sources'
words in their order and in their roles, the figures' alternative texts, and no text outside
the structure tree but artifacts. Broken copies of a real output show that each check sees
what it is for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.collection import build_collection
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet
from fichepress.source.model import Sheet

from .conftest import Built
from .helpers import (
    SEPARATORS,
    collection_figures,
    collection_reading,
    sheet_figures,
    sheet_reading,
)
from .readers import pdfium_read, pdfjs
from .readers.compare import Wanted, compare, without, words
from .readers.reading import Page, elements, runs

READ_APART = frozenset({"Lbl", "Figure"})
"""Read apart from the words: list labels (a theme's bullets) and figures (their Alt)."""

ROLES = frozenset(
    {"Document", "Art", "Sect", "Div", "Part", "NonStruct", "Span", "P", "H1", "H2", "H3"}
    | {"H4", "H5", "H6", "L", "LI", "Lbl", "LBody", "BlockQuote", "Caption", "Figure", "Link"}
    | {"Reference", "Note", "TOC", "TOCI", "Quote", "Code", "Table", "TR", "TH", "TD"}
)
"""The standard roles of PDF 1.7 fichepress may write (a reader maps the others through the
role map: an unknown role reaching the reader means a role map left out)."""


@dataclass(frozen=True)
class Output:
    """An accessible PDF, and what the sources say a reader must get of it."""

    name: str
    path: Path
    wanted: list[Wanted]
    figures: list[str]


def _sheets(project: Project) -> list[tuple[str, Sheet]]:
    """The sheets of a project in number order, each with its file's stem (its PDFs' name)."""
    loaded = [(path.stem, load_sheet(path, project).sheet) for path in project.sheet_files()]
    return sorted(loaded, key=lambda pair: pair[1].number)


def _outputs(theme: str, project: Project, out: Path, sheets_report: Report) -> list[Output]:
    """Each accessible sheet of a build, and the collection built in `out`."""
    series = load_series(project)
    pages = {o.sheet: o.pages for o in sheets_report.outputs if o.variant == "accessible"}
    found, first_pages, next_page = [], [], 1
    for stem, sheet in _sheets(project):
        found.append(
            Output(
                f"{theme}/{stem}",
                out / "accessible" / f"{stem}.pdf",
                list(sheet_reading(sheet, series)),
                sheet_figures(series),
            )
        )
        first_pages.append(next_page)  # the accessible collection has no blank page
        next_page += pages[stem]
    sheets = [sheet for _, sheet in _sheets(project)]
    found.append(
        Output(
            f"{theme}/collection",
            out / "accessible" / "collection.pdf",
            collection_reading(sheets, series, first_pages),
            collection_figures(series),
        )
    )
    return found


@pytest.fixture(scope="module")
def outputs(
    series_build: tuple[Project, Path, Report],
    sobre_build: Built,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[Output]:
    """Every accessible output of both themes: the session's builds of the sheets (fiches;
    sobre with its collection), and fiches' collection built here beside its sheets."""
    project, out, report = series_build
    assert report.ok
    collection = tmp_path_factory.mktemp("readers-collection")
    assert build_collection(load_edition(project), collection).ok
    fiches = _outputs("fiches", project, out, report)
    fiches[-1] = Output(
        fiches[-1].name,
        collection / "accessible" / "collection.pdf",
        fiches[-1].wanted,
        fiches[-1].figures,
    )
    assert sobre_build.sheets.ok and sobre_build.collection.ok
    sobre = _outputs("sobre", sobre_build.project, sobre_build.out, sobre_build.sheets)
    every = fiches + sobre
    assert len(every) == 2 * (len(_sheets(project)) + 1)
    assert all(output.path.is_file() for output in every)
    return every


Reader = Callable[[list[Path]], dict[Path, list[Page]]]


def _pdfium(paths: list[Path]) -> dict[Path, list[Page]]:
    return {path: pdfium_read.read(path) for path in paths}


READERS: dict[str, Reader] = {"pdfjs": pdfjs.read, "pdfium": _pdfium}


EACH_READER = [pytest.param("pdfjs", marks=pytest.mark.process), "pdfium"]
"""pdf.js runs under node: a process."""


@pytest.fixture(scope="module", params=EACH_READER)
def read(request: pytest.FixtureRequest, outputs: list[Output]) -> dict[str, list[Page]]:
    """Every output as one reader reads it."""
    pages = READERS[request.param]([output.path for output in outputs])
    return {output.name: pages[output.path] for output in outputs}


# --- what a reader must get ------------------------------------------------------------------


def reading_problems(pages: list[Page], wanted: list[Wanted]) -> list[str]:
    """How the words read differ from the sources' (order, words, roles, links)."""
    found = words(without(runs(pages), READ_APART))
    return compare(wanted, found, extra=SEPARATORS).problems


def figure_problems(pages: list[Page], figures: list[str]) -> list[str]:
    """The figures read, in order, against the sources' alternative texts."""
    read = [element.alt for element in elements(pages) if element.role == "Figure"]
    if read != figures:
        return [f"the figures read have the alternative texts {read}, the sources' {figures}"]
    return []


def stray_problems(pages: list[Page]) -> list[str]:
    """The text read outside the structure tree (artifacts excepted)."""
    return [
        f"page {number}: {stray.why}: {stray.text!r}"
        for number, page in enumerate(pages, 1)
        for stray in page.stray
    ]


def role_problems(pages: list[Page]) -> list[str]:
    """Roles a reader does not know, and list or note elements out of their places."""
    problems = []
    for page in pages:
        for element in elements([page]):
            if element.role not in ROLES:
                problems.append(f"an element of role {element.role!r}, which readers do not know")
            kids = [kid.role for kid in element.children if not isinstance(kid, str)]
            if element.role == "L" and set(kids) - {"LI", "L", "Caption"}:
                problems.append(f"a list holds {kids}: only list items (LI)")
            if element.role == "LI" and set(kids) - {"Lbl", "LBody"}:
                problems.append(f"a list item holds {kids}: only Lbl and LBody")
            if element.role == "Link" and not element.objects:
                problems.append("a Link that holds no link annotation")
            if element.role == "Note" and not element.id:
                problems.append("a Note without an ID")
    return problems


def _check(
    read: dict[str, list[Page]],
    outputs: list[Output],
    problems: Callable[[list[Page], Output], list[str]],
) -> dict[str, list[str]]:
    found = {output.name: problems(read[output.name], output) for output in outputs}
    return {name: found[name] for name in found if found[name]}


def test_each_reader_reads_the_sources_words_in_order_in_their_roles(
    read: dict[str, list[Page]], outputs: list[Output]
) -> None:
    assert _check(read, outputs, lambda pages, o: reading_problems(pages, o.wanted)) == {}
    # every word of the sources was met (not the comparison of nothing with nothing)
    assert all(sum(len(w.text.split()) for w in o.wanted) > 400 for o in outputs)


def test_each_reader_reads_every_figure_by_its_alternative_text(
    read: dict[str, list[Page]], outputs: list[Output]
) -> None:
    assert _check(read, outputs, lambda pages, o: figure_problems(pages, o.figures)) == {}


def test_each_reader_finds_no_text_outside_the_tree_but_artifacts(
    read: dict[str, list[Page]], outputs: list[Output]
) -> None:
    assert _check(read, outputs, lambda pages, _: stray_problems(pages)) == {}


def test_each_reader_knows_every_role_and_finds_lists_whole(
    read: dict[str, list[Page]], outputs: list[Output]
) -> None:
    assert _check(read, outputs, lambda pages, _: role_problems(pages)) == {}
    # one H1 per sheet (its title: see the words' roles), one more on the collection's cover
    sheets = sum(1 for output in outputs if not output.name.endswith("/collection")) // 2
    for output in outputs:
        titles = [element for element in elements(read[output.name]) if element.role == "H1"]
        assert len(titles) == (1 + sheets if output.name.endswith("/collection") else 1)
