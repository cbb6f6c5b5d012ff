"""Accessibility checks (PDF/UA-1): each rule catches what it is meant to catch.

Every test starts from a good accessible PDF of the real series (zero findings), breaks exactly
one thing with pikepdf, and checks the finding: rule, severity, page and what the message says.
The reference sheet (03) has no links; sheet 01 has two link annotations on its page 2.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Dictionary, Name, String

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.ua_source import Source, reading_text
from fichepress.cli import main
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.pdf.fonts import parse_to_unicode
from fichepress.pdf.scan import scan_page
from fichepress.series.builder import Builder
from fichepress.series.report import Report
from fichepress.source.load import load_sheets

from .conftest import ROOT, Built

REFERENCE = "03-strategie-globale"
LINKED = "01-partir-du-territoire"
BODY_FONT = "/CUXTZP"
"""The body font (Lato, Type0, Identity-H, subset) of the reference sheet's accessible PDF."""
H1 = "3. S’intégrer dans une stratégie plus globale"
SERIES_LINE = "Agir contre la pauvreté et l’exclusion sociale dans les territoires"
KICKER = "Un élément clé pour des actions structurantes dans vos territoires."
FIRST_URI = "https://example.org/portrait-en-cinq-etapes"
"""Where the first link annotation of sheet 01 (page 2) points."""


# --- helpers ---------------------------------------------------------------------------------


def open_pdf(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def save(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def mutated(data: bytes, change: Callable[[pikepdf.Pdf], object]) -> bytes:
    """A copy of the PDF `data` after `change` has edited it."""
    with open_pdf(data) as pdf:
        change(pdf)
        return save(pdf)


def append_content(pdf: pikepdf.Pdf, page_index: int, content: bytes) -> None:
    """Paint `content` after everything else on the page."""
    pdf.pages[page_index].contents_add(pdf.make_stream(content), prepend=False)


def with_content(data: bytes, content: bytes, page_index: int = 0) -> bytes:
    return mutated(data, lambda pdf: append_content(pdf, page_index, content))


def findings_of(data: bytes, rule: str) -> list[Finding]:
    return [finding for finding in check_accessible(data) if finding.rule == rule]


def only_finding(data: bytes, rule: str) -> Finding:
    """The one finding of the PDF, which must be of `rule`."""
    findings = check_accessible(data)
    assert [finding.rule for finding in findings] == [rule], findings
    return findings[0]


def whats(data: bytes, rule: str) -> list[tuple[int, str]]:
    """(page, what) of every finding of the PDF, all of which must be errors of `rule`."""
    findings = check_accessible(data)
    assert {(f.rule, f.severity) for f in findings} == {(rule, "error")}, findings
    return [(f.page, f.message) for f in findings]


def kids(element: Any) -> list[Any]:
    value = element.get("/K")
    if value is None:
        return []
    return list(value) if isinstance(value, Array) else [value]


def elements(pdf: pikepdf.Pdf, role: str | None = None) -> list[Any]:
    """The structure elements of the tree in reading order (depth first), of `role` if given."""
    found: list[Any] = []

    def visit(element: Any) -> None:
        found.append(element)
        for kid in kids(element):
            if isinstance(kid, Dictionary) and "/S" in kid:
                visit(kid)

    for top in kids(pdf.Root.StructTreeRoot):
        visit(top)
    return [e for e in found if role is None or str(e.S) == role]


def parent_tree_entry(pdf: pikepdf.Pdf, key: int) -> Any:
    """The value of `key` in the ParentTree (a flat number tree, as accessible.py writes it)."""
    nums: Any = pdf.Root.StructTreeRoot.ParentTree.Nums
    for i in range(0, len(nums), 2):
        if int(nums[i]) == key:
            return nums[i + 1]
    raise KeyError(key)


def annotation(pdf: pikepdf.Pdf, page_index: int = 1, number: int = 0) -> Any:
    return pdf.pages[page_index].obj.Annots[number]


def edit_to_unicode(font: Any, old: bytes, new: bytes) -> None:
    """Rewrite the font's ToUnicode CMap, `old` becoming `new` (which must be there)."""
    cmap = font.ToUnicode.read_bytes()
    assert cmap.count(old) == 1, old
    font.ToUnicode.write(cmap.replace(old, new))


def mcid_text(data: bytes, page_index: int) -> dict[int, str]:
    with open_pdf(data) as pdf:
        return scan_page(pdf.pages[page_index]).mcid_text


@pytest.fixture(scope="module")
def good(reference_pdfs: Path) -> bytes:
    """The accessible PDF of the reference sheet: two pages, PDF/UA-1, no links."""
    return (reference_pdfs / "accessible" / f"{REFERENCE}.pdf").read_bytes()


@pytest.fixture(scope="module")
def linked(reference_pdfs: Path) -> bytes:
    """The accessible PDF of sheet 01, with two link annotations on page 2."""
    return (reference_pdfs / "accessible" / f"{LINKED}.pdf").read_bytes()


# --- the good PDFs ---------------------------------------------------------------------------


def test_the_good_accessible_pdfs_have_no_finding(good: bytes, linked: bytes) -> None:
    assert check_accessible(good) == []
    assert check_accessible(linked) == []


def test_every_good_accessible_pdf_of_the_series_has_no_finding(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    paths = sorted((out / "accessible").glob("*.pdf"))
    assert len(paths) >= 3
    for path in paths:
        assert check_accessible(path.read_bytes()) == [], path.name


def test_a_round_trip_through_pikepdf_keeps_the_pdfs_clean(good: bytes, linked: bytes) -> None:
    assert check_accessible(mutated(good, lambda pdf: None)) == []
    assert check_accessible(mutated(linked, lambda pdf: None)) == []


def test_the_structure_the_tests_rely_on(good: bytes, linked: bytes) -> None:
    with open_pdf(good) as pdf:
        assert [str(e.S) for e in elements(pdf) if str(e.S)[1] == "H"] == [
            "/H1",
            "/H2",
            "/H3",
            "/H3",
            "/H3",
            "/H2",
        ]
        assert len(elements(pdf, "/Figure")) == 2
        assert all(str(figure.Alt) for figure in elements(pdf, "/Figure"))
        assert [int(page.obj.StructParents) for page in pdf.pages] == [0, 1]
        assert int(pdf.Root.StructTreeRoot.ParentTreeNextKey) == 2
    with open_pdf(linked) as pdf:
        assert "/Annots" not in pdf.pages[0].obj
        first = annotation(pdf)
        assert (first.Subtype, first.A.URI) == (Name.Link, FIRST_URI)
        assert len(pdf.pages[1].obj.Annots) == 2


# --- UA-ID -----------------------------------------------------------------------------------


def _set_xmp(key: str, value: str | None) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            if value is None:
                del xmp[key]
            else:
                xmp[key] = value

    return change


def test_id_without_pdfua_part(good: bytes) -> None:
    finding = only_finding(mutated(good, _set_xmp("pdfuaid:part", None)), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "not identified as PDF/UA-1 (pdfuaid:part: none)"


def test_id_with_pdfua_part_2(good: bytes) -> None:
    finding = only_finding(mutated(good, _set_xmp("pdfuaid:part", "2")), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "not identified as PDF/UA-1 (pdfuaid:part: 2)"


@pytest.mark.parametrize("title", ["", None])
def test_id_empty_or_missing_title(good: bytes, title: str | None) -> None:
    finding = only_finding(mutated(good, _set_xmp("dc:title", title)), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "no document title in the XMP metadata (dc:title)"


@pytest.mark.parametrize("display", [False, None, "no preferences"])
def test_id_display_doc_title_false_or_missing(good: bytes, display: object) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if display == "no preferences":
            del pdf.Root.ViewerPreferences
        elif display is None:
            del pdf.Root.ViewerPreferences.DisplayDocTitle
        else:
            pdf.Root.ViewerPreferences.DisplayDocTitle = display

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "viewers are not asked to show the title (DisplayDocTitle)"


@pytest.mark.parametrize(("lang", "shown"), [(None, ""), ("français", "français"), ("", "")])
def test_id_language_missing_or_invalid(good: bytes, lang: str | None, shown: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if lang is None:
            del pdf.Root.Lang
        else:
            pdf.Root.Lang = String(lang)

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == f'no valid document language (/Lang "{shown}")'


@pytest.mark.parametrize("lang", ["fr", "fr-CA", "en-US"])
def test_id_valid_languages_are_fine(good: bytes, lang: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Lang = String(lang)

    assert check_accessible(mutated(good, change)) == []


@pytest.mark.parametrize("marked", [False, None])
def test_id_not_marked(good: bytes, marked: bool | None) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if marked is None:
            del pdf.Root.MarkInfo
        else:
            pdf.Root.MarkInfo.Marked = marked

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "the document is not marked as tagged (MarkInfo)"


def test_id_suspects(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.MarkInfo.Suspects = True

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "the tagging is marked as suspect (MarkInfo /Suspects)"


# --- UA-TREE ---------------------------------------------------------------------------------


def test_tree_missing(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.StructTreeRoot

    # without a tree there is no heading either
    assert check_accessible(mutated(good, change)) == [
        Finding(page=0, rule="UA-HEADINGS", severity="error", message="no H1 heading"),
        Finding(
            page=0, rule="UA-TREE", severity="error", message="no structure tree (StructTreeRoot)"
        ),
    ]


def test_tree_without_parent_tree_next_key(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.StructTreeRoot.ParentTreeNextKey

    assert whats(mutated(good, change), "UA-TREE") == [(0, "no ParentTreeNextKey")]


@pytest.mark.parametrize("key", [0, 1])
def test_tree_parent_tree_next_key_too_small(good: bytes, key: int) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.StructTreeRoot.ParentTreeNextKey = key

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == f"ParentTreeNextKey {key} is not above every key"


def test_tree_parent_tree_next_key_above_is_fine(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.StructTreeRoot.ParentTreeNextKey = 7

    assert check_accessible(mutated(good, change)) == []


def test_tree_page_without_struct_parents(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj.StructParents

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "the page has marked content but no StructParents"


def test_tree_two_pages_sharing_struct_parents(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.pages[1].obj.StructParents = 0

    found = whats(mutated(good, change), "UA-TREE")
    assert (2, "StructParents 0 is shared with page 1") in found
    # page 2's marked content is then looked up in page 1's entry: it names the wrong elements
    assert {page for page, _ in found} == {2}
    assert (2, "MCID 0: the ParentTree names an element that does not hold it") in found


def test_tree_orphan_marked_content_names_the_mcid(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        parent_tree_entry(pdf, 0)[7] = None

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == (
        "marked content no element of the tree holds (MCID 7): tag it or make it an artifact"
    )


def test_tree_orphan_marked_content_on_page_2(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        entry = parent_tree_entry(pdf, 1)
        entry[3] = None
        entry[40] = None

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (2, "error")
    assert "(MCID 3, 40)" in finding.message


def test_tree_parent_tree_names_an_element_that_does_not_hold_the_mcid(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        entry = parent_tree_entry(pdf, 0)
        assert entry[7] != entry[20]
        entry[7] = entry[20]

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "MCID 7: the ParentTree names an element that does not hold it"


def test_tree_element_holds_an_mcid_the_page_does_not_have(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        paragraph = parent_tree_entry(pdf, 0)[7]
        assert isinstance(paragraph.K, Array) and 7 in [int(k) for k in paragraph.K]
        paragraph.K.append(999)

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "elements hold MCIDs the page does not have (999)"


def test_tree_element_appears_twice(good: bytes) -> None:
    objgen: list[tuple[int, int]] = []

    def change(pdf: pikepdf.Pdf) -> None:
        paragraph = parent_tree_entry(pdf, 0)[7]
        objgen.append(paragraph.objgen)
        elements(pdf, "/Art")[0].K.append(paragraph)

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == f"the element {objgen[0]} appears twice in the tree"


# --- UA-ARTIFACT -----------------------------------------------------------------------------

PAINTING = b"q 0 0 1 rg 10 10 5 5 re f Q"


def test_artifact_painting_outside_marked_content(good: bytes) -> None:
    finding = only_finding(with_content(good, PAINTING), "UA-ARTIFACT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "1 painting operations are neither tagged nor artifacts"
    # WeasyPrint's `1 0 0 -1 0 792 cm` (top-down coordinates) is still in force at the end
    assert finding.where == "fill in page at (10.0, 777.0, 15.0, 782.0)"


def test_artifact_counts_the_operations_of_the_page(good: bytes) -> None:
    data = with_content(good, PAINTING + b" " + PAINTING + b" q 0 G 20 20 m 30 30 l S Q", 1)
    finding = only_finding(data, "UA-ARTIFACT")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "3 painting operations are neither tagged nor artifacts"


def test_artifact_painting_marked_as_artifact_is_fine(good: bytes) -> None:
    assert check_accessible(with_content(good, b"/Artifact BMC " + PAINTING + b" EMC")) == []


def test_artifact_on_a_page_without_struct_parents(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj.StructParents
        append_content(pdf, 1, PAINTING)

    findings = check_accessible(mutated(good, change))
    assert [(f.page, f.rule) for f in findings] == [(2, "UA-ARTIFACT"), (2, "UA-TREE")]


# --- UA-HEADINGS -----------------------------------------------------------------------------


def _retag(role: str, number: int, new: str) -> Callable[[pikepdf.Pdf], None]:
    """Change the /S of the `number`th element of `role` (in reading order) to `new`."""

    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, role)[number].S = Name(new)

    return change


def test_headings_no_h1(good: bytes) -> None:
    assert whats(mutated(good, _retag("/H1", 0, "/H2")), "UA-HEADINGS") == [
        (0, "H2 follows no heading: a heading level is skipped"),
        (0, "no H1 heading"),
    ]


def test_headings_skipped_level(good: bytes) -> None:
    finding = only_finding(mutated(good, _retag("/H2", 0, "/H3")), "UA-HEADINGS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "H3 follows H1: a heading level is skipped"


def test_headings_skipped_level_after_h2(good: bytes) -> None:
    finding = only_finding(mutated(good, _retag("/H3", 0, "/H4")), "UA-HEADINGS")
    assert finding.message == "H4 follows H2: a heading level is skipped"


def test_headings_two_h1_in_one_article(good: bytes) -> None:
    # the last H2 ("Une suggestion pour aller plus loin") comes after H3s: no level is skipped
    finding = only_finding(mutated(good, _retag("/H2", 1, "/H1")), "UA-HEADINGS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "2 H1 headings in one article, not one"


def test_headings_going_back_up_is_fine(good: bytes) -> None:
    # H1 H2 H3 H3 H3 H2 → H1 H2 H3 H3 H2 H2: going up any number of levels is allowed
    assert check_accessible(mutated(good, _retag("/H3", 2, "/H2"))) == []


# --- UA-LISTS --------------------------------------------------------------------------------


def test_lists_a_p_directly_in_a_list(good: bytes) -> None:
    # the first list of the sheet: LI (Lbl, LBody); the LI becomes a P
    with open_pdf(good) as pdf:
        item = elements(pdf, "/LI")[0]
        assert [str(k.S) for k in kids(item)] == ["/Lbl", "/LBody"]
    assert whats(mutated(good, _retag("/LI", 0, "/P")), "UA-LISTS") == [
        (0, "a LBody is not inside a list item (LI)"),
        (0, "a Lbl is not inside a list item (LI)"),
        (0, "a list (L) holds P, not LI"),
    ]


def test_lists_a_new_empty_p_in_a_list(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        lists = elements(pdf, "/L")[0]
        paragraph = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.P, P=lists, Pg=lists.Pg, K=Array())
        )
        lists.K.append(paragraph)

    finding = only_finding(mutated(good, change), "UA-LISTS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "a list (L) holds P, not LI"


def test_lists_lbody_whose_parent_is_not_an_li(good: bytes) -> None:
    # an item of the second list holds an LBody only; the LI becomes a Div
    with open_pdf(good) as pdf:
        item = elements(pdf, "/LI")[4]
        assert [str(k.S) for k in kids(item)] == ["/LBody"]
    assert whats(mutated(good, _retag("/LI", 4, "/Div")), "UA-LISTS") == [
        (0, "a LBody is not inside a list item (LI)"),
        (0, "a list (L) holds Div, not LI"),
    ]


def test_lists_lbody_moved_out_of_its_li(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        item = elements(pdf, "/LI")[4]
        (body,) = kids(item)
        assert body.P.objgen == item.objgen
        item.K = Array([])
        elements(pdf, "/Sect")[0].K.append(body)

    findings = check_accessible(mutated(good, change))
    assert (
        Finding(
            page=0,
            rule="UA-LISTS",
            severity="error",
            message="a LBody is not inside a list item (LI)",
        )
        in findings
    )


def test_lists_li_holding_a_p(good: bytes) -> None:
    finding = only_finding(mutated(good, _retag("/LBody", 4, "/P")), "UA-LISTS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "a list item (LI) holds P"


# --- UA-FIGURES ------------------------------------------------------------------------------


@pytest.mark.parametrize("alt", [None, "", "   "])
def test_figures_without_alternative_text(good: bytes, alt: str | None) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        figure = elements(pdf, "/Figure")[1]
        if alt is None:
            del figure.Alt
        else:
            figure.Alt = String(alt)

    finding = only_finding(mutated(good, change), "UA-FIGURES")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "a Figure has no alternative text (Alt)"


def test_figures_both_without_alternative_text(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        for figure in elements(pdf, "/Figure"):
            del figure.Alt

    assert (
        whats(mutated(good, change), "UA-FIGURES")
        == [(0, "a Figure has no alternative text (Alt)")] * 2
    )


# --- UA-LINKS --------------------------------------------------------------------------------


def test_links_without_contents(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del annotation(pdf).Contents

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "a link has no description (/Contents)"
    assert finding.where == FIRST_URI


@pytest.mark.parametrize("text", ["cliquez ici", "Cliquez ici.", "  en savoir   plus ", "here"])
def test_links_meaningless_out_of_context(linked: bytes, text: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        annotation(pdf).Contents = String(text)

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    shown = " ".join(text.split())
    assert finding.message == f'the link text "{shown}" means nothing out of context'
    assert finding.where == FIRST_URI


def test_links_annotation_outside_a_link_element(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        target = annotation(pdf).objgen
        (link,) = (
            e
            for e in elements(pdf, "/Link")
            if any(isinstance(k, Dictionary) and k.get("/Obj") == annotation(pdf) for k in kids(e))
        )
        link.K = Array(
            [
                k
                for k in kids(link)
                if not (isinstance(k, Dictionary) and k.get("/Type") == Name.OBJR)
                or k.Obj.objgen != target
            ]
        )

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "a link annotation is not inside a Link element"
    assert finding.where == FIRST_URI


def test_links_annotation_in_an_element_that_is_not_a_link(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/Link")[0].S = Name.Span

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.message) == (2, "a link annotation is not inside a Link element")


def test_links_without_struct_parent(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del annotation(pdf).StructParent

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "a link annotation has no StructParent"
    assert finding.where == FIRST_URI


@pytest.mark.parametrize("key", [99, 3])
def test_links_struct_parent_naming_no_link_that_holds_the_annotation(
    linked: bytes, key: int
) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        annotation(pdf).StructParent = key

    findings = check_accessible(mutated(linked, change))
    assert findings
    assert {f.rule for f in findings} <= {"UA-LINKS", "UA-TREE"}


# --- UA-TABS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("page_index", "tabs"), [(0, Name.R), (1, Name.C), (1, None)])
def test_tabs_not_following_the_structure(good: bytes, page_index: int, tabs: Name | None) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if tabs is None:
            del pdf.pages[page_index].obj.Tabs
        else:
            pdf.pages[page_index].obj.Tabs = tabs

    finding = only_finding(mutated(good, change), "UA-TABS")
    assert (finding.page, finding.severity) == (page_index + 1, "error")
    assert finding.message == "the tab order does not follow the structure (/Tabs /S)"


# --- UA-BOOKMARKS ----------------------------------------------------------------------------


def test_bookmarks_missing(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.Outlines

    assert whats(mutated(good, change), "UA-BOOKMARKS") == [
        (0, f'no bookmark for the H1 "{H1}"'),
        (0, 'no bookmark for the H2 "Notre sélection"'),
        (0, 'no bookmark for the H2 "Une suggestion pour aller plus loin"'),
    ]


def test_bookmarks_of_the_h1_renamed(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            assert outline.root[0].title == H1
            outline.root[0].title = "Stratégie"

    finding = only_finding(mutated(good, change), "UA-BOOKMARKS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == f'no bookmark for the H1 "{H1}"'


def test_bookmarks_compare_case_and_spaces_loosely(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            outline.root[0].title = "3.  S’INTÉGRER dans une stratégie plus globale "

    assert check_accessible(mutated(good, change)) == []


def test_bookmarks_leading_to_another_page(good: bytes) -> None:
    """ "Notre sélection" is on page 2: its bookmark sent to page 1."""

    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            item = next(i for i in outline.root[0].children if i.title == "Notre sélection")
            item.destination = Array([pdf.pages[0].obj, Name.Fit])

    finding = only_finding(mutated(good, change), "UA-BOOKMARKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == (
        'the bookmark "Notre sélection" leads to page 1, not to page 2 where its H2 is'
    )


def test_bookmarks_one_for_each_heading_of_the_same_title(sobre_build: Built) -> None:
    """In the collection every sheet has its "Notre sélection": one bookmark for all of them
    is not enough, each must lead to its own (the session's collection is sobre's)."""
    data = (sobre_build.out / "accessible" / "collection.pdf").read_bytes()
    assert check_accessible(data) == []

    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            stack, same = list(outline.root), []
            while stack:
                item = stack.pop(0)
                same += [item] if item.title == "Notre sélection" else []
                stack = list(item.children) + stack
            assert len(same) >= 2
            same[1].destination = same[0].destination

    findings = check_accessible(mutated(data, change))
    assert [(f.rule, f.severity) for f in findings] == [("UA-BOOKMARKS", "error")]
    assert findings[0].message.startswith('the bookmark "Notre sélection" leads to page ')


# --- UA-TEXT ---------------------------------------------------------------------------------


def _drop_mapping(font: Any, character: str) -> None:
    """Remove the ToUnicode entry of the code that stands for `character` in a font."""
    cmap = font.ToUnicode.read_bytes()
    codes = [code for code, text in parse_to_unicode(cmap).items() if text == character]
    assert len(codes) == 1, codes
    line = re.compile(rb"<0*%x> <[0-9a-fA-F]+>\n" % codes[0], re.IGNORECASE)
    assert len(line.findall(cmap)) == 1
    cmap = line.sub(b"", cmap)
    count = re.search(rb"(\d+) beginbfchar", cmap)
    assert count is not None
    cmap = cmap.replace(count.group(0), b"%d beginbfchar" % (int(count.group(1)) - 1))
    font.ToUnicode.write(cmap)


def test_text_glyph_without_unicode(good: bytes) -> None:
    # "À" appears once in the marked content of the sheet: page 1, "À la différence de …"
    counts = [sum(t.count("À") for t in mcid_text(good, i).values()) for i in (0, 1)]
    assert counts == [1, 0]

    def change(pdf: pikepdf.Pdf) -> None:
        _drop_mapping(pdf.pages[0].obj.Resources.Font[BODY_FONT], "À")

    broken = mutated(good, change)
    assert any("\ufffd la différence" in t for t in mcid_text(broken, 0).values())
    finding = only_finding(broken, "UA-TEXT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "1 glyphs have no Unicode value"


def test_text_glyphs_without_unicode_are_counted(good: bytes) -> None:
    # "j" once on each page
    counts = [sum(t.count("j") for t in mcid_text(good, i).values()) for i in (0, 1)]
    assert counts == [1, 1]

    def change(pdf: pikepdf.Pdf) -> None:
        _drop_mapping(pdf.pages[0].obj.Resources.Font[BODY_FONT], "j")

    found = whats(mutated(good, change), "UA-TEXT")
    assert found == [(1, "1 glyphs have no Unicode value"), (2, "1 glyphs have no Unicode value")]


HYPHEN_CODE = b"\x00\x66"
"""The body font's hyphen, which the tests read as U+2010 (hyphen) or U+00AD (soft hyphen):
a glyph the embedded font has, with its width (UA-FONTS checks both)."""


def _append_to_mcid(pdf: pikepdf.Pdf, page_index: int, mcid: int, code: bytes) -> None:
    """Show `code` at the end of the last text-showing instruction of the marked-content
    sequence `mcid` of the page."""
    page = pdf.pages[page_index]
    instructions = list(pikepdf.parse_content_stream(page))
    current, font, last = None, None, None
    for index, instruction in enumerate(instructions):
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "BDC" and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
            current = int(operands[1].MCID)
        elif operator == "EMC":
            current = None
        elif operator == "Tf":
            font = str(operands[0])
        elif operator in ("TJ", "Tj") and current == mcid:
            assert font == BODY_FONT
            last = index
    assert last is not None
    shows = instructions[last].operator
    operand = instructions[last].operands[0]
    shown: Any = (
        Array([*operand, String(code)]) if str(shows) == "TJ" else String(bytes(operand) + code)
    )
    instructions[last] = pikepdf.ContentStreamInstruction([shown], shows)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _hyphen_at_the_end_of(page_index: int, mcid: int) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        font = pdf.pages[0].obj.Resources.Font[BODY_FONT]
        edit_to_unicode(font, b"<0066> <002d>", b"<0066> <2010>")
        _append_to_mcid(pdf, page_index, mcid, HYPHEN_CODE)

    return change


def test_text_word_cut_by_hyphenation(good: bytes) -> None:
    line = mcid_text(good, 0)[8]
    assert line == "collaboration et la concertation semblent "
    broken = mutated(good, _hyphen_at_the_end_of(0, 8))
    assert mcid_text(broken, 0)[8] == line + "\u2010"
    finding = only_finding(broken, "UA-TEXT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "1 words are cut by hyphenation: readers get them in pieces"
    assert "cut by hyphenation" in finding.message
    assert finding.where == '"' + (line + "\u2010")[-30:] + '"'


def test_text_hyphen_inside_a_line_is_fine(good: bytes) -> None:
    # the same hyphen followed by more text of the same sequence is no cut
    def change(pdf: pikepdf.Pdf) -> None:
        _hyphen_at_the_end_of(0, 8)(pdf)
        _append_to_mcid(pdf, 0, 8, b"\x00\x27")  # "e"

    assert check_accessible(mutated(good, change)) == []


def test_text_soft_hyphen_at_the_end_of_a_line(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        font = pdf.pages[1].obj.Resources.Font[BODY_FONT]
        edit_to_unicode(font, b"<0066> <002d>", b"<0066> <00ad>")
        _append_to_mcid(pdf, 1, 22, HYPHEN_CODE)

    finding = only_finding(mutated(good, change), "UA-TEXT")
    assert (finding.page, finding.message) == (
        2,
        "1 words are cut by hyphenation: readers get them in pieces",
    )


# --- reading_text ----------------------------------------------------------------------------


def test_reading_text_of_the_good_pdf(good: bytes) -> None:
    with open_pdf(good) as pdf:
        blocks = reading_text(pdf)
    assert blocks[:3] == [("P", SERIES_LINE), ("H1", H1), ("P", KICKER)]
    # CSS sets the series line and the kicker in capitals: ActualText gives them back as written
    assert mcid_text(good, 0)[0] == SERIES_LINE.upper()
    assert not any("\u2010" in text for _, text in blocks)
    assert ("H2", "Notre sélection") in blocks
    assert [role for role, _ in blocks].count("Figure") == 2


# --- the command line ------------------------------------------------------------------------


CHECKED = "ok: 1 file checked (0 errors, 0 warnings)\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["preflight", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def _broken_tabs(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.Tabs = Name.R


def test_cli_good_accessible_pdf_has_no_findings(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "good-accessible.pdf"
    path.write_bytes(good)
    assert run(str(path)) == (
        0,
        f"{path}: no findings\n{CHECKED}",
        "",
    )
    assert run("--profile", "accessible", str(path)) == (
        0,
        f"{path}: no findings\n{CHECKED}",
        "",
    )


def test_cli_broken_accessible_pdf_exits_1_with_the_finding(good: bytes, tmp_path: Path) -> None:
    good_path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good_path.write_bytes(good)
    broken.write_bytes(mutated(good, _broken_tabs))
    code, out, err = run(str(good_path), str(broken))
    assert code == 1
    assert out.splitlines() == [
        f"{good_path}: no findings",
        f"{broken}: error UA-TABS page 1: the tab order does not follow the structure (/Tabs /S)",
        "failed: 2 files checked (1 error, 0 warnings)",
    ]
    assert "Traceback" not in out + err


def test_cli_profile_print_on_an_accessible_pdf(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "accessible.pdf"
    path.write_bytes(good)
    code, out, _ = run("--profile", "print", str(path))
    assert code == 1
    assert f"{path}: error PDFX: not identified as PDF/X-4" in out
    assert "UA-" not in out


def test_cli_profile_accessible_on_a_print_pdf(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    _, build_dir, _ = series_build
    path = tmp_path / "print.pdf"
    path.write_bytes((build_dir / "print" / f"{REFERENCE}.pdf").read_bytes())
    assert run(str(path)) == (
        0,
        f"{path}: no findings\n{CHECKED}",
        "",
    )  # auto: print rules
    code, out, _ = run("--profile", "accessible", str(path))
    assert code == 1
    assert f"{path}: error UA-ID: not identified as PDF/UA-1 (pdfuaid:part: none)" in out
    assert "PDFX" not in out


def test_cli_json(good: bytes, linked: bytes, tmp_path: Path) -> None:
    good_path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good_path.write_bytes(good)

    def change(pdf: pikepdf.Pdf) -> None:
        del annotation(pdf).Contents
        pdf.pages[1].obj.Tabs = Name.R

    broken.write_bytes(mutated(linked, change))
    code, out, _ = run("--format", "json", str(good_path), str(broken))
    assert code == 1
    report = json.loads(out)
    assert report["counts"] == {"errors": 2, "warnings": 0, "advice": 0}
    assert [(o["path"], o["variant"]) for o in report["outputs"]] == [
        (str(good_path), "accessible"),
        (str(broken), "accessible"),
    ]
    assert {f["file"] for f in report["findings"]} == {str(broken)}
    kept = ("page", "rule", "severity", "message", "where")
    assert [{k: f[k] for k in kept} for f in report["findings"]] == [
        {
            "page": 2,
            "rule": "UA-LINKS",
            "severity": "error",
            "message": "a link has no description (/Contents)",
            "where": FIRST_URI,
        },
        {
            "page": 2,
            "rule": "UA-TABS",
            "severity": "error",
            "message": "the tab order does not follow the structure (/Tabs /S)",
            "where": "",
        },
    ]


def test_figures_a_logo_tagged_as_a_paragraph(good: bytes) -> None:
    """A logo's marked content held by a P: the picture cannot be given alternative text."""
    finding = only_finding(mutated(good, _retag("/Figure", 1, "/P")), "UA-FIGURES")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == (
        "a picture is tagged as P, not held by a Figure: it cannot be given alternative text"
    )
    assert finding.where.startswith("MCID ")


def test_figures_a_picture_inside_a_figure_is_fine(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        figure = elements(pdf, "/Figure")[1]
        kids = figure.K if isinstance(figure.K, Array) else Array([figure.K])
        span = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Span, P=figure, Pg=figure.Pg, K=kids)
        )
        figure.K = Array([span])
        tree = pdf.Root.StructTreeRoot.ParentTree.Nums
        for index in range(1, len(tree), 2):
            if isinstance(tree[index], Array):
                for position, holder in enumerate(tree[index]):
                    if holder is not None and holder.objgen == figure.objgen:
                        tree[index][position] = span

    assert check_accessible(mutated(good, change)) == []


# --- UA-ORDER and UA-SOURCE: the PDF reads as its source -------------------------------------

QUOTE = "Exercice tantôt périlleux, tantôt fabuleux, sortir des vases…"
COPYRIGHT = "© 2019 Communagir - Tous droits réservés"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """The blocks the reference sheet's accessible PDF must read as, from its HTML."""
    project, out = Project(ROOT), tmp_path_factory.mktemp("unused")
    sources, problems = load_sheets(project, [project.sheets / f"{REFERENCE}.yaml"])
    assert problems == []
    return Builder(load_edition(project, []), out).source(sources[0].sheet)


def against(data: bytes, source: Source) -> list[tuple[str, int, str]]:
    return [(f.rule, f.page, f.message) for f in check_accessible(data, source=source)]


def test_source_the_blocks_of_the_reference_sheet(source: Source) -> None:
    kinds = [block.kind for block in source.blocks]
    assert kinds[:3] == ["P", "H1", "P"]
    assert kinds.count("BlockQuote > P") == 1
    assert kinds.count("L > LI > LBody") == 4  # the labelled list
    assert kinds.count("L > LI > LBody > P") == 12  # six resources: title, then what it is
    assert kinds[-4:] == ["P", "Figure", "Figure", "P"]  # credit, two logos, copyright
    assert source.blocks[-1].text == COPYRIGHT
    assert (source.title, source.lang) == (H1, "fr-CA")
    assert {block.lang for block in source.blocks} == {"fr-CA"}


def test_source_the_good_pdfs_read_as_their_source(good: bytes, source: Source) -> None:
    assert against(good, source) == []


def test_source_a_pull_quote_not_tagged_as_a_blockquote(good: bytes, source: Source) -> None:
    data = mutated(good, _retag("/BlockQuote", 0, "/Div"))
    assert check_accessible(data) == []  # nothing else can tell a quote from a paragraph
    assert against(data, source) == [
        ("UA-SOURCE", 1, f'"{QUOTE}" is tagged P; the source makes it BlockQuote > P'),
    ]


def test_source_credits_read_before_the_content(good: bytes, source: Source) -> None:
    """The credits (the last section, on page 2) moved to the front of the article."""

    def change(pdf: pikepdf.Pdf) -> None:
        article = elements(pdf, "/Art")[0]
        credits_ = article.K[len(article.K) - 1]
        del article.K[len(article.K) - 1]
        article.K.insert(0, credits_)

    data = mutated(good, change)
    order = [f for f in check_accessible(data) if f.rule == "UA-ORDER"]
    assert [(f.page, f.severity) for f in order] == [(2, "error")]
    assert order[0].message == (
        f'"{COPYRIGHT}" (page 2) is read before "{SERIES_LINE[:60]}…" (page 1): the reading'
        " order does not follow the pages"
    )
    found = against(data, source)
    assert {rule for rule, _, _ in found} == {"UA-ORDER", "UA-SOURCE"}
    assert ("UA-SOURCE", 2, f'"{COPYRIGHT}" is read out of the source\'s order') in found
    assert sum(what.endswith("out of the source's order") for _, _, what in found) == 4


def _split(pdf: pikepdf.Pdf) -> None:
    """Cut the third paragraph of the body in two elements, as WeasyPrint does at a page
    break, keeping the ParentTree right."""
    paragraph = next(p for p in elements(pdf, "/P") if len(kids(p)) == 15)
    parent = paragraph.P
    rest = kids(paragraph)[8:]
    paragraph.K = Array(kids(paragraph)[:8])
    second = pdf.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.P, P=parent, Pg=paragraph.Pg, K=Array(rest))
    )
    position = next(i for i, k in enumerate(parent.K) if k.objgen == paragraph.objgen)
    parent.K.insert(position + 1, second)
    holders = parent_tree_entry(pdf, 0)
    for mcid in rest:
        holders[int(mcid)] = second


def test_source_a_paragraph_cut_in_two_elements(good: bytes, source: Source) -> None:
    data = mutated(good, _split)
    assert check_accessible(data) == []  # a sound tree, but two paragraphs for one
    ((rule, page, what),) = against(data, source)
    assert (rule, page) == ("UA-SOURCE", 1)
    assert what.startswith('"Diversifier les cibles et combiner les types de solutions')
    assert what.endswith(
        "is 2 elements, not one: a block must stay one element across page and column breaks"
    )


def test_source_a_text_that_is_not_the_source(good: bytes, source: Source) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/H3")[0].ActualText = String("Des outils")

    assert against(mutated(good, change), source) == [
        ("UA-SOURCE", 2, '"Des outils" is read where the source has "Des outils pratiques"'),
    ]


def test_source_a_block_left_out_of_the_tree(good: bytes, source: Source) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        quote = elements(pdf, "/BlockQuote")[0]
        parent = quote.P
        parent.K = Array([k for k in parent.K if k.objgen != quote.objgen])

    found = against(mutated(good, change), source)
    assert ("UA-SOURCE", 0, f'"{QUOTE}" from the source is not in the structure tree') in found
    assert {rule for rule, _, _ in found} == {"UA-SOURCE", "UA-TREE"}  # its MCIDs, orphans


def test_source_a_block_the_source_does_not_have(good: bytes, source: Source) -> None:
    assert against(good, replace(source, blocks=source.blocks[:-1])) == [
        ("UA-SOURCE", 2, f'the tree holds "{COPYRIGHT}", which the source does not'),
    ]


def test_cli_source_compares_the_pdf_with_its_sheet(good: bytes, tmp_path: Path) -> None:
    path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    path.write_bytes(good)
    broken.write_bytes(mutated(good, _retag("/BlockQuote", 0, "/Div")))
    sheet = Project(ROOT).sheets / f"{REFERENCE}.yaml"
    project = ("--project", str(ROOT))
    assert run(*project, "--source", str(sheet), str(path)) == (
        0,
        f"{path}: no findings\n{CHECKED}",
        "",
    )
    code, out, _ = run(*project, "--source", str(sheet), str(broken))
    assert code == 1
    assert out == (
        f'{broken}: error UA-SOURCE page 1: "{QUOTE}" is tagged P; the source makes it'
        " BlockQuote > P\nfailed: 1 file checked (1 error, 0 warnings)\n"
    )
    other = Project(ROOT).sheets / f"{LINKED}.yaml"
    code, out, _ = run(*project, "--source", str(other), str(path))
    assert code == 1
    assert "UA-SOURCE" in out
    code, _, err = run(*project, "--source", str(sheet), str(path), str(broken))
    assert code == 2
    assert "--source goes with one PDF only" in err


# --- UA-CONTRAST: text on its background, as painted ----------------------------------------


def _recolour(old: bytes, new: bytes) -> Callable[[pikepdf.Pdf], None]:
    """Replace a fill colour operator everywhere on page 1."""

    def change(pdf: pikepdf.Pdf) -> None:
        content = pdf.pages[0].obj.Contents
        data = content.read_bytes()
        assert old in data
        content.write(data.replace(old, new))

    return change


def contrast_of(data: bytes) -> list[Finding]:
    return [f for f in check_accessible(data, contrast=True) if f.rule == "UA-CONTRAST"]


def test_contrast_the_good_pdfs_pass(good: bytes, linked: bytes) -> None:
    assert check_accessible(good, contrast=True) == []
    assert check_accessible(linked, contrast=True) == []


def test_contrast_a_border_is_not_a_background(good: bytes) -> None:
    """The pull quote is framed by a red border, painted as a ring around its text: the text
    is on white paper, not on red."""
    with open_pdf(good) as pdf:
        paints = scan_page(pdf.pages[0]).paints
    quote = next(p for p in paints if p.kind == "text" and p.text.startswith("Exercice"))
    rings = [p for p in paints if p.kind == "fill" and not p.solid]
    assert any(
        r.bbox[0] <= quote.bbox[0] and quote.bbox[2] <= r.bbox[2] and r.bbox[1] <= quote.bbox[1]
        for r in rings
    )
    assert contrast_of(good) == []


def test_contrast_pale_body_text(good: bytes) -> None:
    data = mutated(good, _recolour(b"0.101961 0.101961 0.101961 rg", b"0.6 0.6 0.6 rg"))
    assert check_accessible(data) == []  # the build checks contrast from the layout instead
    findings = contrast_of(data)
    assert [(f.page, f.severity) for f in findings] == [(1, "error")]
    assert findings[0].message == (
        "text in #999999 on #ffffff has a contrast of 2.85:1, under the 4.5:1 of WCAG AA"
    )
    assert findings[0].where.startswith('"')


def test_contrast_text_on_a_coloured_band(good: bytes) -> None:
    """The title is white on the navy band: a navy-ish title is measured against the band,
    where against the white paper it would pass."""
    data = mutated(good, _recolour(b"1 1 1 rg", b"0.2 0.3 0.45 rg"))
    whats_ = [f.message for f in contrast_of(data)]
    assert whats_
    title = [what for what in whats_ if " in #334c73 " in what]
    assert title
    assert all(" on #1d3557 " in what for what in title), whats_
    assert any(what.startswith("large text in #334c73") for what in title)


def test_cli_preflight_checks_contrast(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "pale.pdf"
    path.write_bytes(mutated(good, _recolour(b"0.101961 0.101961 0.101961 rg", b"0.6 0.6 0.6 rg")))
    code, out, _ = run(str(path))
    assert code == 1
    assert "error UA-CONTRAST page 1: text in #999999 on #ffffff" in out


def test_source_a_document_in_the_wrong_language(good: bytes, source: Source) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.Lang = String("en")

    data = mutated(good, change)
    assert check_accessible(data) == []  # a valid language, only the source says it is wrong
    assert against(data, source) == [
        ("UA-SOURCE", 1, f'"{SERIES_LINE[:60]}…" is read as en; the source\'s language is fr-CA'),
    ]


def test_source_a_part_in_another_language_tagged_as_the_document(
    good: bytes, source: Source
) -> None:
    """The source puts the pull quote in English; the PDF gives it no language of its own."""
    blocks = tuple(
        replace(b, lang="en") if b.kind == "BlockQuote > P" else b for b in source.blocks
    )
    assert against(good, replace(source, blocks=blocks)) == [
        ("UA-SOURCE", 1, f'"{QUOTE}" is read as fr-CA; the source\'s language is en'),
    ]

    def tag_it(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/BlockQuote")[0].Lang = String("en")

    assert against(mutated(good, tag_it), replace(source, blocks=blocks)) == []


def test_source_a_title_that_is_not_the_source(good: bytes, source: Source) -> None:
    data = mutated(good, _set_xmp("dc:title", "Fiche"))
    assert check_accessible(data) == []
    assert against(data, source) == [
        ("UA-SOURCE", 0, f'the document\'s title is "Fiche", the source\'s "{H1}"'),
    ]


def test_source_a_link_that_is_not_clickable(
    series_build: tuple[Project, Path, Report], linked: bytes
) -> None:
    """Sheet 01's first resource links to FIRST_URI: its annotation taken off the page."""
    project, out, _ = series_build
    sources, _ = load_sheets(project, [project.sheets / f"{LINKED}.yaml"])
    linked_source = Builder(load_edition(project, []), out).source(sources[0].sheet)
    assert against(linked, linked_source) == []

    def unclickable(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[1].obj
        page.Annots = Array([a for a in page.Annots if str(a.A.URI) != FIRST_URI])

    found = against(mutated(linked, unclickable), linked_source)
    # the Link element still points at the annotation: UA-LINKS says so too
    assert [(rule, page) for rule, page, _ in found] == [("UA-LINKS", 0), ("UA-SOURCE", 2)]
    assert found[1][2].endswith(f"the link to {FIRST_URI} is not clickable")


def test_source_a_ligature_read_as_one_character(good: bytes, source: Source) -> None:
    """The body font's "fi" ligature mapped to U+FB01: readers and searches get "ﬁ"."""

    def change(pdf: pikepdf.Pdf) -> None:
        edit_to_unicode(pdf.pages[0].Resources.Font[BODY_FONT], b"<00660069>", b"<fb01>")

    found = against(mutated(good, change), source)
    assert found
    assert {rule for rule, _, _ in found} == {"UA-SOURCE"}
    assert all(" is read where the source has " in what for _, _, what in found)
    assert any("ﬁ" in what for _, _, what in found)


def test_source_guillemets_read_as_straight_quotes(good: bytes, source: Source) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        edit_to_unicode(pdf.pages[1].Resources.Font[BODY_FONT], b"<00ab>", b"<0022>")

    found = against(mutated(good, change), source)
    assert [(rule, page) for rule, page, _ in found] == [("UA-SOURCE", 2)]
    assert "KUBISCH" in found[0][2] and '"' in found[0][2]


def test_source_a_running_footer_tagged_as_content(good: bytes, source: Source) -> None:
    """The page number and running title must be artifacts: here the page number of page 1
    is made content, held by a P of its own in the tree (sound, but not the source's)."""

    def change(pdf: pikepdf.Pdf) -> None:
        contents = pdf.pages[0].obj.Contents
        data = contents.read_bytes()
        holders = parent_tree_entry(pdf, 0)
        mcid = len(holders)
        found = list(re.finditer(rb"/Artifact\s*<<\s*/Type\s*/Pagination\s*>>\s*BDC", data))
        assert len(found) == 2
        last = found[-1]  # the page number, "1 / 2"
        data = data[: last.start()] + f"/P << /MCID {mcid} >> BDC".encode() + data[last.end() :]
        contents.write(data)
        header = elements(pdf, "/Div")[0]
        footer = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.P, P=header, Pg=pdf.pages[0].obj, K=mcid)
        )
        header.K.append(footer)
        holders.append(footer)

    data = mutated(good, change)
    assert check_accessible(data) == []  # a sound tree: only the source can tell
    found = against(data, source)
    assert [(rule, page) for rule, page, _ in found] == [("UA-SOURCE", 1)]
    assert found[0][2].startswith('the tree holds "1')
    assert found[0][2].endswith('", which the source does not')


# --- link annotations, languages, role map, figure boxes -------------------------------------


def test_links_a_link_element_pointing_at_an_annotation_on_no_page(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[1].obj
        page.Annots = Array([a for a in page.Annots if str(a.A.URI) != FIRST_URI])

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert finding.message == "a Link element points at an annotation that is on no page"


def test_id_an_element_language_that_is_not_a_tag(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/BlockQuote")[0].Lang = String("english!")

    finding = only_finding(mutated(good, change), "UA-ID")
    assert finding.message == 'an element\'s language "english!" is not a language tag'


def test_tree_a_role_map_remapping_a_standard_type(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.StructTreeRoot.RoleMap = Dictionary(P=Name.H1)

    whats_ = [(f.rule, f.message) for f in check_accessible(mutated(good, change))]
    assert ("UA-TREE", "the RoleMap remaps the standard type /P to /H1") in whats_


def test_tree_a_type_of_its_own_mapped_or_not(good: bytes) -> None:
    def own_type(mapped: bool) -> Callable[[pikepdf.Pdf], None]:
        def change(pdf: pikepdf.Pdf) -> None:
            elements(pdf, "/BlockQuote")[0].S = Name("/PullQuote")
            if mapped:
                pdf.Root.StructTreeRoot.RoleMap = Dictionary(PullQuote=Name.BlockQuote)

        return change

    assert check_accessible(mutated(good, own_type(True))) == []
    finding = only_finding(mutated(good, own_type(False)), "UA-TREE")
    assert finding.message == "types mapped to no standard type: PullQuote"


def test_figures_boxes_are_where_the_logos_are_painted(good: bytes) -> None:
    """The repair turns WeasyPrint's BBox (CSS pixels from the top) into points from the
    bottom: each logo's box holds what paints it."""
    with open_pdf(good) as pdf:
        figures = elements(pdf, "/Figure")
        assert len(figures) == 2
        paints = scan_page(pdf.pages[1]).paints
        for figure in figures:
            assert figure.Pg.objgen == pdf.pages[1].obj.objgen
            x0, y0, x1, y1 = (float(v) for v in figure.A.BBox)
            assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 792
            inside = [
                p
                for p in paints
                if p.kind == "fill"
                and x0 - 1 <= p.bbox[0]
                and p.bbox[2] <= x1 + 1
                and y0 - 1 <= p.bbox[1]
                and p.bbox[3] <= y1 + 1
            ]
            assert len(inside) >= 3  # a logo's shapes


def test_figures_a_box_off_the_page(good: bytes) -> None:
    """WeasyPrint's own box for the funder's logo: CSS pixels, from the top."""

    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/Figure")[0].A.BBox = Array([71.81, 916.39, 203.68, 957.96])

    finding = only_finding(mutated(good, change), "UA-FIGURES")
    assert finding.message == (
        'the Figure "Travail, Emploi et Solidarité sociale Québec": its BBox'
        " [71.81 916.39 203.68 957.96] is not within its page (points, from the bottom left)"
    )


# --- words in another language -----------------------------------------------------------------

VOICES = "Voices From the Field III"
"""The English title in the French further reading of the reference sheet."""
KUBISCH = '"Anne C. KUBISCH, « Huit leçons fondamentales pour améliorer …"'


def _spoken_spans(pdf: pikepdf.Pdf) -> list[Any]:
    return [span for span in elements(pdf, "/Span") if "/Lang" in span]


def test_source_words_in_another_language_keep_their_lang(good: bytes, source: Source) -> None:
    """Sheet 3 marks "Voices From the Field III" as English: a copy of its PDF where the words
    lost their /Lang, or got another, reads them in the wrong language."""
    [reference] = [b for b in source.blocks if b.passages]
    assert [(p.text, p.lang) for p in reference.passages] == [(VOICES, "en")]
    with open_pdf(good) as pdf:
        assert [str(span.Lang) for span in _spoken_spans(pdf)] == ["en"]

    def no_lang(pdf: pikepdf.Pdf) -> None:
        del _spoken_spans(pdf)[0].Lang

    def german(pdf: pikepdf.Pdf) -> None:
        _spoken_spans(pdf)[0].Lang = String("de")

    def capitals(pdf: pikepdf.Pdf) -> None:
        _spoken_spans(pdf)[0].Lang = String("EN")

    told = f'in {KUBISCH}, "{VOICES}" is read as %s; the source says its language is en: the'
    told += " PDF must give it a /Lang of its own"
    assert check_accessible(mutated(good, no_lang)) == []  # only the source tells
    assert against(mutated(good, no_lang), source) == [("UA-SOURCE", 2, told % "fr-CA")]
    assert against(mutated(good, german), source) == [("UA-SOURCE", 2, told % "de")]
    assert against(mutated(good, capitals), source) == []  # language tags ignore case


def test_source_words_read_in_a_language_the_source_does_not_give(
    good: bytes, source: Source
) -> None:
    """A /Lang on words the source has in the sheet's language: they are read in English."""

    def english_start(pdf: pikepdf.Pdf) -> None:
        [span] = _spoken_spans(pdf)
        paragraph = span.P
        first = next(i for i, kid in enumerate(paragraph.K) if isinstance(kid, int))
        mcid = int(paragraph.K[first])
        wrapper = pdf.make_indirect(
            Dictionary(
                Type=Name.StructElem, S=Name.Span, P=paragraph, Pg=span.Pg, K=mcid, Lang="en"
            )
        )
        paragraph.K[first] = wrapper
        parent_tree_entry(pdf, int(span.Pg.StructParents))[mcid] = wrapper

    data = mutated(good, english_start)
    assert against(data, source) == [
        (
            "UA-SOURCE",
            2,
            f"in {KUBISCH}, {KUBISCH} is read as en; the source's language there is fr-CA",
        )
    ]


def test_cli_source_tells_words_that_lost_their_language(good: bytes, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(mutated(good, lambda pdf: _spoken_spans(pdf)[0].__delitem__("/Lang")))
    sheet = Project(ROOT).sheets / f"{REFERENCE}.yaml"
    code, out, _ = run("--project", str(ROOT), "--source", str(sheet), str(broken))
    assert code == 1
    assert out == (
        f'{broken}: error UA-SOURCE page 2: in {KUBISCH}, "{VOICES}" is read as fr-CA; the'
        " source says its language is en: the PDF must give it a /Lang of its own\n"
        "failed: 1 file checked (1 error, 0 warnings)\n"
    )
