"""Every accessible output read by two readers nobody here wrote, pdf.js (Firefox) and PDFium
(Chrome): every sheet and the collection, in both shipped themes. Each must read the sources'
words in their order and in their roles, the figures' alternative texts, and no text outside
the structure tree but artifacts. Broken copies of a real output show that each check sees
what it is for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.collection import build_collection
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet
from fichepress.source.model import Sheet

from .conftest import ROOT, Built
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


# --- each check sees what it is for: broken copies of a real output ---------------------------


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, in tree order."""
    found: list[pikepdf.Dictionary] = []

    def visit(node: pikepdf.Object) -> None:
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids else []:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                visit(kid)

    visit(pdf.Root.StructTreeRoot)
    return found


def _role(pdf: pikepdf.Pdf, role: str, index: int = 0) -> pikepdf.Dictionary:
    return [e for e in _elements(pdf) if str(e.S) == "/" + role][index]


def _drop_mcid(pdf: pikepdf.Pdf) -> None:
    """A paragraph no longer reads its second line: the line is marked, but no element's."""
    paragraph = _role(pdf, "P", 3)
    kids = [kid for kid in paragraph.K if isinstance(kid, int)]
    assert len(kids) > 2
    paragraph.K.remove(kids[1])


def _shown_text(pdf: pikepdf.Pdf, before: list[pikepdf.ContentStreamInstruction]) -> None:
    """The page's first text, shown once more at the end of the page inside `before`."""
    page = pdf.pages[0]
    instructions = pikepdf.parse_content_stream(page)
    font = next(i for i in instructions if str(i.operator) == "Tf")
    shown = next(i for i in instructions if str(i.operator) in ("Tj", "TJ"))
    text: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage] = [
        pikepdf.ContentStreamInstruction([], pikepdf.Operator("BT")),
        font,
        pikepdf.ContentStreamInstruction([1, 0, 0, 1, 72, 72], pikepdf.Operator("Tm")),
        shown,
        pikepdf.ContentStreamInstruction([], pikepdf.Operator("ET")),
    ]
    after = [pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")) for _ in before]
    whole = [*before, *text, *after]
    page.contents_add(pdf.make_stream(pikepdf.unparse_content_stream(whole)))


def _untagged(pdf: pikepdf.Pdf) -> None:
    _shown_text(pdf, [])


def _tagged_in_artifact(pdf: pikepdf.Pdf) -> None:
    _shown_text(
        pdf,
        [
            pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact], pikepdf.Operator("BMC")),
            pikepdf.ContentStreamInstruction(
                [pikepdf.Name.P, pikepdf.Dictionary(MCID=900)], pikepdf.Operator("BDC")
            ),
        ],
    )


def _wrong_alt(pdf: pikepdf.Pdf) -> None:
    _role(pdf, "Figure").Alt = pikepdf.String("logo")


def _swapped(pdf: pikepdf.Pdf) -> None:
    """The first two paragraphs of the body read the other way round."""
    first = _role(pdf, "P", 3)
    parent = first.P
    kids = list(parent.K)
    index = next(i for i, kid in enumerate(kids) if kid.objgen == first.objgen)
    parent.K[index], parent.K[index + 1] = kids[index + 1], kids[index]


def _heading_as_paragraph(pdf: pikepdf.Pdf) -> None:
    _role(pdf, "H2").S = pikepdf.Name.P


def _unknown_role(pdf: pikepdf.Pdf) -> None:
    _role(pdf, "P", 3).S = pikepdf.Name("/Paragraphe")


def _item_outside_its_body(pdf: pikepdf.Pdf) -> None:
    _role(pdf, "LBody").S = pikepdf.Name.P


def _link_as_span(pdf: pikepdf.Pdf) -> None:
    _role(pdf, "Link").S = pikepdf.Name.Span


BREAKAGES: dict[str, tuple[str, Callable[[pikepdf.Pdf], None], str]] = {
    "marked, read by no element": ("03", _drop_mcid, "stray"),
    "text marked as nothing": ("03", _untagged, "stray"),
    "tagged content inside an artifact": ("03", _tagged_in_artifact, "stray"),
    "a logo's wrong alternative text": ("03", _wrong_alt, "figures"),
    "two paragraphs read the other way round": ("03", _swapped, "reading"),
    "a heading tagged as a paragraph": ("03", _heading_as_paragraph, "reading"),
    "a role without a role map": ("03", _unknown_role, "roles"),
    "a list item without its body": ("03", _item_outside_its_body, "roles"),
    "a link that is no Link": ("01", _link_as_span, "reading"),
}
"""What is broken, in which reference sheet, and the check that must see it."""


@pytest.fixture(scope="module")
def broken(reference_pdfs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Output]:
    """The committed accessible PDFs of sheets 01 and 03 (intact, named by their number), and a
    copy of one of them broken in each way of BREAKAGES."""
    project = Project(ROOT)
    series = load_series(project)
    sheets = {stem[:2]: (stem, sheet) for stem, sheet in _sheets(project)}
    folder = tmp_path_factory.mktemp("broken")
    found = {}
    for number in ("01", "03"):
        stem, sheet = sheets[number]
        path = reference_pdfs / "accessible" / f"{stem}.pdf"
        found[number] = Output(
            number, path, list(sheet_reading(sheet, series)), sheet_figures(series)
        )
    for index, (name, (number, breaking, _)) in enumerate(BREAKAGES.items()):
        with pikepdf.open(found[number].path) as pdf:
            breaking(pdf)
            path = folder / f"{index}.pdf"
            pdf.save(path)
        found[name] = Output(name, path, found[number].wanted, found[number].figures)
    return found


@pytest.fixture(scope="module", params=EACH_READER)
def read_broken(request: pytest.FixtureRequest, broken: dict[str, Output]) -> dict[str, list[Page]]:
    pages = READERS[request.param]([output.path for output in broken.values()])
    return {name: pages[output.path] for name, output in broken.items()}


CHECKS: dict[str, Callable[[list[Page], Output], list[str]]] = {
    "reading": lambda pages, output: reading_problems(pages, output.wanted),
    "figures": lambda pages, output: figure_problems(pages, output.figures),
    "stray": lambda pages, _: stray_problems(pages),
    "roles": lambda pages, _: role_problems(pages),
}


def test_the_reference_sheets_read_clean(
    read_broken: dict[str, list[Page]], broken: dict[str, Output]
) -> None:
    for number in ("01", "03"):
        assert {
            name: check(read_broken[number], broken[number]) for name, check in CHECKS.items()
        } == {name: [] for name in CHECKS}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_each_check_sees_a_broken_copy(
    breakage: str, read_broken: dict[str, list[Page]], broken: dict[str, Output]
) -> None:
    _, _, check = BREAKAGES[breakage]
    assert CHECKS[check](read_broken[breakage], broken[breakage])
