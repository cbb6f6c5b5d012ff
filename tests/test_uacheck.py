"""Accessibility checks (PDF/UA-1): each rule catches what it is meant to catch.

Every test starts from a good accessible PDF of the real series (zero findings), breaks exactly
one thing with pikepdf, and checks the finding: rule, severity, page and what the message says.
The reference sheet (03) has no links; sheet 01 has three link annotations on its page 2.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Dictionary, Name, String

from fichepress.build import Report
from fichepress.cli import main
from fichepress.pdfscan import parse_to_unicode, scan_page
from fichepress.preflight import Finding
from fichepress.project import Project
from fichepress.uacheck import check_accessible, reading_text

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
    return [(f.page, f.what) for f in findings]


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
def good(series_build: tuple[Project, Path, Report]) -> bytes:
    """The accessible PDF of the reference sheet: two pages, PDF/UA-1, no links."""
    _, out, _ = series_build
    return (out / "accessible" / f"{REFERENCE}.pdf").read_bytes()


@pytest.fixture(scope="module")
def linked(series_build: tuple[Project, Path, Report]) -> bytes:
    """The accessible PDF of sheet 01, with three link annotations on page 2."""
    _, out, _ = series_build
    return (out / "accessible" / f"{LINKED}.pdf").read_bytes()


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
        assert len(pdf.pages[1].obj.Annots) == 3


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
    assert finding.what == "not identified as PDF/UA-1 (pdfuaid:part: none)"


def test_id_with_pdfua_part_2(good: bytes) -> None:
    finding = only_finding(mutated(good, _set_xmp("pdfuaid:part", "2")), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == "not identified as PDF/UA-1 (pdfuaid:part: 2)"


@pytest.mark.parametrize("title", ["", None])
def test_id_empty_or_missing_title(good: bytes, title: str | None) -> None:
    finding = only_finding(mutated(good, _set_xmp("dc:title", title)), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == "no document title in the XMP metadata (dc:title)"


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
    assert finding.what == "viewers are not asked to show the title (DisplayDocTitle)"


@pytest.mark.parametrize(("lang", "shown"), [(None, ""), ("français", "français"), ("", "")])
def test_id_language_missing_or_invalid(good: bytes, lang: str | None, shown: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if lang is None:
            del pdf.Root.Lang
        else:
            pdf.Root.Lang = String(lang)

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == f'no valid document language (/Lang "{shown}")'


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
    assert finding.what == "the document is not marked as tagged (MarkInfo)"


def test_id_suspects(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.MarkInfo.Suspects = True

    finding = only_finding(mutated(good, change), "UA-ID")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == "the tagging is marked as suspect (MarkInfo /Suspects)"


# --- UA-TREE ---------------------------------------------------------------------------------


def test_tree_missing(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.StructTreeRoot

    # without a tree there is no heading either
    assert check_accessible(mutated(good, change)) == [
        Finding(0, "UA-HEADINGS", "error", "no H1 heading"),
        Finding(0, "UA-TREE", "error", "no structure tree (StructTreeRoot)"),
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
    assert finding.what == f"ParentTreeNextKey {key} is not above every key"


def test_tree_parent_tree_next_key_above_is_fine(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.StructTreeRoot.ParentTreeNextKey = 7

    assert check_accessible(mutated(good, change)) == []


def test_tree_page_without_struct_parents(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj.StructParents

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.what == "the page has marked content but no StructParents"


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
    assert finding.what == (
        "marked content no element of the tree holds (MCID 7): tag it or make it an artifact"
    )


def test_tree_orphan_marked_content_on_page_2(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        entry = parent_tree_entry(pdf, 1)
        entry[3] = None
        entry[40] = None

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (2, "error")
    assert "(MCID 3, 40)" in finding.what


def test_tree_parent_tree_names_an_element_that_does_not_hold_the_mcid(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        entry = parent_tree_entry(pdf, 0)
        assert entry[7] != entry[20]
        entry[7] = entry[20]

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.what == "MCID 7: the ParentTree names an element that does not hold it"


def test_tree_element_holds_an_mcid_the_page_does_not_have(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        paragraph = parent_tree_entry(pdf, 0)[7]
        assert isinstance(paragraph.K, Array) and 7 in [int(k) for k in paragraph.K]
        paragraph.K.append(999)

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.what == "elements hold MCIDs the page does not have (999)"


def test_tree_element_appears_twice(good: bytes) -> None:
    objgen: list[tuple[int, int]] = []

    def change(pdf: pikepdf.Pdf) -> None:
        paragraph = parent_tree_entry(pdf, 0)[7]
        objgen.append(paragraph.objgen)
        elements(pdf, "/Art")[0].K.append(paragraph)

    finding = only_finding(mutated(good, change), "UA-TREE")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == f"the element {objgen[0]} appears twice in the tree"


# --- UA-ARTIFACT -----------------------------------------------------------------------------

PAINTING = b"q 0 0 1 rg 10 10 5 5 re f Q"


def test_artifact_painting_outside_marked_content(good: bytes) -> None:
    finding = only_finding(with_content(good, PAINTING), "UA-ARTIFACT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.what == "1 painting operations are neither tagged nor artifacts"
    # WeasyPrint's `1 0 0 -1 0 792 cm` (top-down coordinates) is still in force at the end
    assert finding.where == "fill in page at (10.0, 777.0, 15.0, 782.0)"


def test_artifact_counts_the_operations_of_the_page(good: bytes) -> None:
    data = with_content(good, PAINTING + b" " + PAINTING + b" q 0 G 20 20 m 30 30 l S Q", 1)
    finding = only_finding(data, "UA-ARTIFACT")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.what == "3 painting operations are neither tagged nor artifacts"


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
    assert finding.what == "H3 follows H1: a heading level is skipped"


def test_headings_skipped_level_after_h2(good: bytes) -> None:
    finding = only_finding(mutated(good, _retag("/H3", 0, "/H4")), "UA-HEADINGS")
    assert finding.what == "H4 follows H2: a heading level is skipped"


def test_headings_two_h1_in_one_article(good: bytes) -> None:
    # the last H2 ("Une suggestion pour aller plus loin") comes after H3s: no level is skipped
    finding = only_finding(mutated(good, _retag("/H2", 1, "/H1")), "UA-HEADINGS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == "2 H1 headings in one article, not one"


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
    assert finding.what == "a list (L) holds P, not LI"


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
    assert Finding(0, "UA-LISTS", "error", "a LBody is not inside a list item (LI)") in findings


def test_lists_li_holding_a_p(good: bytes) -> None:
    finding = only_finding(mutated(good, _retag("/LBody", 4, "/P")), "UA-LISTS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.what == "a list item (LI) holds P"


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
    assert finding.what == "a Figure has no alternative text (Alt)"


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
    assert finding.what == "a link has no description (/Contents)"
    assert finding.where == FIRST_URI


@pytest.mark.parametrize("text", ["cliquez ici", "Cliquez ici.", "  en savoir   plus ", "here"])
def test_links_meaningless_out_of_context(linked: bytes, text: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        annotation(pdf).Contents = String(text)

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    shown = " ".join(text.split())
    assert finding.what == f'the link text "{shown}" means nothing out of context'
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
    assert finding.what == "a link annotation is not inside a Link element"
    assert finding.where == FIRST_URI


def test_links_annotation_in_an_element_that_is_not_a_link(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, "/Link")[0].S = Name.Span

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.what) == (2, "a link annotation is not inside a Link element")


def test_links_without_struct_parent(linked: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del annotation(pdf).StructParent

    finding = only_finding(mutated(linked, change), "UA-LINKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.what == "a link annotation has no StructParent"
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
    assert finding.what == "the tab order does not follow the structure (/Tabs /S)"


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
    assert finding.what == f'no bookmark for the H1 "{H1}"'


def test_bookmarks_compare_case_and_spaces_loosely(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_outline() as outline:
            outline.root[0].title = "3.  S’INTÉGRER dans une stratégie plus globale "

    assert check_accessible(mutated(good, change)) == []


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
    assert finding.what == "1 glyphs have no Unicode value"


def test_text_glyphs_without_unicode_are_counted(good: bytes) -> None:
    # "j" once on each page
    counts = [sum(t.count("j") for t in mcid_text(good, i).values()) for i in (0, 1)]
    assert counts == [1, 1]

    def change(pdf: pikepdf.Pdf) -> None:
        _drop_mapping(pdf.pages[0].obj.Resources.Font[BODY_FONT], "j")

    found = whats(mutated(good, change), "UA-TEXT")
    assert found == [(1, "1 glyphs have no Unicode value"), (2, "1 glyphs have no Unicode value")]


HYPHEN_CODE = b"\x0f\xff"
"""A code the body font's subset does not use, given U+2010 (hyphen) by the tests."""


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
        edit_to_unicode(font, b"endcmap", b"1 beginbfchar\n<0fff> <2010>\nendbfchar\nendcmap")
        _append_to_mcid(pdf, page_index, mcid, HYPHEN_CODE)

    return change


def test_text_word_cut_by_hyphenation(good: bytes) -> None:
    line = mcid_text(good, 0)[8]
    assert line == "collaboration et la concertation semblent "
    broken = mutated(good, _hyphen_at_the_end_of(0, 8))
    assert mcid_text(broken, 0)[8] == line + "\u2010"
    finding = only_finding(broken, "UA-TEXT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.what == "1 words are cut by hyphenation: readers get them in pieces"
    assert "cut by hyphenation" in finding.what
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
        edit_to_unicode(font, b"endcmap", b"1 beginbfchar\n<0fff> <00ad>\nendbfchar\nendcmap")
        _append_to_mcid(pdf, 1, 22, HYPHEN_CODE)

    finding = only_finding(mutated(good, change), "UA-TEXT")
    assert (finding.page, finding.what) == (
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


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["preflight", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def _broken_tabs(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.Tabs = Name.R


def test_cli_good_accessible_pdf_has_no_findings(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "good-accessible.pdf"
    path.write_bytes(good)
    assert run(str(path)) == (0, f"{path}: no findings\n", "")
    assert run("--profile", "accessible", str(path)) == (0, f"{path}: no findings\n", "")


def test_cli_broken_accessible_pdf_exits_1_with_the_finding(good: bytes, tmp_path: Path) -> None:
    good_path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good_path.write_bytes(good)
    broken.write_bytes(mutated(good, _broken_tabs))
    code, out, err = run(str(good_path), str(broken))
    assert code == 1
    assert out.splitlines() == [
        f"{good_path}: no findings",
        f"{broken}: error UA-TABS page 1: the tab order does not follow the structure (/Tabs /S)",
    ]
    assert "1 error in 2 file(s)" in err
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
    assert run(str(path)) == (0, f"{path}: no findings\n", "")  # auto: print rules
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
    files_ = json.loads(out)["files"]
    assert files_[0] == {"file": str(good_path), "errors": 0, "warnings": 0, "findings": []}
    assert files_[1]["file"] == str(broken)
    assert (files_[1]["errors"], files_[1]["warnings"]) == (2, 0)
    assert files_[1]["findings"] == [
        {
            "page": 2,
            "rule": "UA-LINKS",
            "severity": "error",
            "what": "a link has no description (/Contents)",
            "where": FIRST_URI,
        },
        {
            "page": 2,
            "rule": "UA-TABS",
            "severity": "error",
            "what": "the tab order does not follow the structure (/Tabs /S)",
            "where": "",
        },
    ]


def test_figures_a_logo_tagged_as_a_paragraph(good: bytes) -> None:
    """A logo's marked content held by a P: the picture cannot be given alternative text."""
    finding = only_finding(mutated(good, _retag("/Figure", 1, "/P")), "UA-FIGURES")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.what == (
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
