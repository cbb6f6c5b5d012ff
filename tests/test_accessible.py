"""The accessible variant's structure, rebuilt from the HTML: compared with what WeasyPrint
gives alone, and read back as a screen reader would."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.ua_source import reading_text, source_of
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.pdf import artifacts
from fichepress.pdf import tagging as accessible
from fichepress.pdf.expected import expected_tree
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.matching import StructureError
from fichepress.pdf.structure import text_of, walk
from fichepress.pdf.tagging import finish_accessible_pdf
from fichepress.series.builder import Builder, build
from fichepress.series.collection import build_collection
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet

from .conftest import ROOT
from .helpers import sheet_texts

REFERENCE = "03-strategie-globale"
WITH_LINKS = "01-partir-du-territoire"


def raw_render(project: Project, slug: str) -> tuple[bytes, str]:
    """WeasyPrint's own PDF/UA-1 of a sheet, before fichepress repairs it, and its HTML."""
    builder = Builder(load_edition(project, []), project.root / "unused")
    sheet = load_sheet(project.sheets / f"{slug}.yaml", project).sheet
    html = builder.sheet_html(sheet, "accessible")
    rendered = builder.renderer.render(
        html, base_url=project.root.as_uri() + "/", variant="accessible"
    )
    return rendered.data, html


@pytest.fixture(scope="module")
def reference_pdf(reference_pdfs: Path) -> pikepdf.Pdf:
    return pikepdf.open(reference_pdfs / "accessible" / f"{REFERENCE}.pdf")


def roles(element: Any, depth: int = 0) -> list[str]:
    """The block structure under `element`, one indented role per line."""
    lines = ["  " * depth + str(element.S).lstrip("/")]
    kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.S not in ("/Span", "/Link"):
            lines += roles(kid, depth + 1)
    return lines


@pytest.mark.e2e
def test_weasyprint_alone_fails_the_checks_and_the_repair_passes_them(project: Project) -> None:
    raw, html = raw_render(project, REFERENCE)
    before = {finding.rule for finding in check_accessible(raw)}
    # page numbers and footers tagged out of the tree, words cut across columns and lines,
    # no ParentTreeNextKey
    assert {"UA-TREE", "UA-BOOKMARKS"} <= before
    assert check_accessible(finish_accessible_pdf(raw, html)) == []


def test_one_element_per_html_block_whatever_the_pages_and_columns(
    reference_pdf: pikepdf.Pdf,
) -> None:
    tree = roles(walk(reference_pdf).elements[0])
    assert tree[:24] == [
        "Document",
        "  Art",
        "    Div",  # the header
        "      P",
        "      H1",
        "      P",
        "    Div",  # the body: three paragraphs, the third one cut by the column break
        "      P",
        "      P",
        "      P",
        "      L",
        "        LI",
        "          Lbl",
        "          LBody",
        "        LI",
        "          Lbl",
        "          LBody",
        "        LI",
        "          Lbl",
        "          LBody",
        "        LI",
        "          Lbl",
        "          LBody",
        "      P",
    ]
    assert tree[24:27] == ["      BlockQuote", "        P", "    Sect"]
    assert tree.count("  Art") == 1  # not one article per page
    assert [line.strip() for line in tree].count("H1") == 1


def test_the_reader_gets_the_source_text_block_by_block(reference_pdf: pikepdf.Pdf) -> None:
    blocks = reading_text(reference_pdf)
    assert blocks[:3] == [
        ("P", "Agir contre la pauvreté et l’exclusion sociale dans les territoires"),
        ("H1", "3. S’intégrer dans une stratégie plus globale"),
        ("P", "Un élément clé pour des actions structurantes dans vos territoires."),
    ]
    third = blocks[5][1]
    assert third.startswith("À la différence de l’angle sectoriel")
    assert "Et dans la pratique\u202f? Elle implique" in third  # French spacing kept
    assert third.endswith(
        "Elle implique la concertation de parties prenantes et le croisement de"
        " plusieurs échelles, champs et secteurs d’intervention."
    )
    assert ("Figure", "Communagir") in blocks
    assert all("\u2010" not in text and "\u00ad" not in text for _, text in blocks)


@pytest.mark.parametrize("variant", ["accessible"])
def test_every_sheet_reads_as_its_source_in_order(
    series_build: tuple[Project, Path, Report], variant: str
) -> None:
    """Exact text (case, accents, guillemets, ligatures), in reading order, for every sheet."""
    project, out, _ = series_build
    series = load_series(project)
    for path in project.sheet_files():
        sheet = load_sheet(path, project).sheet
        with pikepdf.open(out / variant / f"{path.stem}.pdf") as pdf:
            read = " ".join(
                text for role, text in reading_text(pdf) if role not in ("Lbl", "Figure")
            )
        read = re.sub(r"\s+", " ", read)
        position = 0
        for text in sheet_texts(sheet, series):
            wanted = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
            found = read.find(wanted, position)
            assert found >= 0, (path.name, wanted, read[position : position + 200])
            position = found + len(wanted)


def test_page_numbers_and_running_footers_are_artifacts(reference_pdf: pikepdf.Pdf) -> None:
    for page in reference_pdf.pages:
        pagination = [
            instruction
            for instruction in pikepdf.parse_content_stream(page)
            if str(instruction.operator) == "BDC"
            and instruction.operands[0] == "/Artifact"
            and isinstance(instruction.operands[1], pikepdf.Dictionary)
            and instruction.operands[1].get("/Type") == "/Pagination"
        ]
        assert len(pagination) == 2  # the series title on the left, "n / N" on the right


def test_capitals_set_by_css_read_in_the_source_case(reference_pdf: pikepdf.Pdf) -> None:
    spans = [
        str(element.ActualText)
        for element in walk(reference_pdf).elements
        if element.get("/S") == "/Span" and "/ActualText" in element
    ]
    assert "Un élément clé pour des actions structurantes " in spans
    assert "Vidéo " in spans and "Notre sélection" in spans


def test_a_line_break_keeps_the_space_between_words(reference_pdf: pikepdf.Pdf) -> None:
    text = "".join(page.extract_text() for page in pypdf_pages(reference_pdf))
    assert "stratégie plus globale" in text.replace("\n", "")
    assert "territoriale de lutte" in text.replace("\n", "")


def pypdf_pages(pdf: pikepdf.Pdf) -> list[Any]:
    import pypdf

    out = io.BytesIO()
    pdf.save(out)
    return list(pypdf.PdfReader(out).pages)


def test_links_are_link_elements_described_by_their_text(
    series_build: tuple[Project, Path, Report],
) -> None:
    project, out, _ = series_build
    sheet = load_sheet(project.sheets / f"{WITH_LINKS}.yaml", project).sheet
    assert sheet.selection is not None
    urls = {r.url: r.title for g in sheet.selection.groups for r in g.resources if r.url}
    assert urls
    with pikepdf.open(out / "accessible" / f"{WITH_LINKS}.pdf") as pdf:
        tree = walk(pdf)
        annotations = [a for page in pdf.pages for a in page.obj.get("/Annots", [])]
        for url, title in urls.items():
            found = [a for a in annotations if str(a.A.URI) == url]
            assert found, url
            for annotation in found:
                assert str(annotation.Contents) == title
                assert tree.annotations[annotation.objgen].S == "/Link"


@pytest.mark.e2e
def test_text_drawn_by_css_stops_the_repair_with_a_clear_message(project: Project) -> None:
    css = project.styles / "fiches" / "theme.css"
    css.write_text(css.read_text("utf-8") + '\nh1::after { content: " !"; }\n', "utf-8")
    raw, html = raw_render(project, REFERENCE)
    with pytest.raises(StructureError) as error:
        finish_accessible_pdf(raw, html)
    assert str(error.value) == (
        '"3. S’intégrer dans une stratégie plus globale" reads "3.s’intégrerdansunestratégie'
        'plusglobale!" in the PDF: text drawn by CSS (content:) or a font without the right'
        " characters?"
    )
    report = build(load_edition(project), project.root / "out", variants=["accessible"])
    assert report.failed == {f"sheets/{REFERENCE}.yaml"}
    assert "accessible PDF not made: its structure could not be repaired" in str(report.problems[0])


def test_the_expected_tree_follows_the_template() -> None:
    html = (
        "<html><body><article><h1>T</h1><ul><li>un <em>deux</em></li></ul>"
        "<section><h2>S</h2><ul><li><p>a</p><p>b</p></li></ul></section>"
        '<footer><figure><img alt="Logo"></figure></footer></article></body></html>'
    )
    tree = expected_tree(html)
    art = tree.children[0]
    assert [c.type for c in art.children] == ["H1", "L", "Sect", "Sect"]
    item = art.children[1].children[0]
    assert [c.type for c in item.children] == ["Lbl", "LBody"]
    assert item.children[1].text == "un deux"
    assert [leaf.type for leaf in art.children[2].leaves()] == ["H2", "Lbl", "P", "P"]
    assert art.children[2].children[1].children[0].children[0].optional  # the label may be absent
    assert [(leaf.type, leaf.alt) for leaf in art.children[3].leaves()] == [("Figure", "Logo")]


@pytest.mark.e2e
def test_a_sheet_in_english_says_so(project: Project, tmp_path: Path) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("kicker:", "language: en\nkicker:"), "utf-8")
    report = build(load_edition(project), tmp_path / "out", variants=["accessible"])
    assert report.ok, report.problems
    with pikepdf.open(tmp_path / "out" / "accessible" / f"{REFERENCE}.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"


def test_credits_come_last_in_reading_order(reference_pdf: pikepdf.Pdf) -> None:
    blocks = reading_text(reference_pdf)
    figures = [i for i, (role, _) in enumerate(blocks) if role == "Figure"]
    headings = [i for i, (role, _) in enumerate(blocks) if role.startswith("H")]
    assert [blocks[i][1] for i in figures] == [
        "Travail, Emploi et Solidarité sociale Québec",
        "Communagir",
    ]
    assert min(figures) > max(headings)
    assert blocks[-1] == ("P", "© 2019 Communagir - Tous droits réservés")
    assert blocks[figures[0] - 1] == ("P", "Avec la participation financière de :")


# --- the content edits -----------------------------------------------------------------------


def _read_marks(data: bytes) -> list[tuple[list[int], dict[int, str], list[str]]]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            (scan.mcid_order, scan.mcid_text, scan.untagged)
            for scan in (scan_marks(page) for page in pdf.pages)
        ]


@pytest.fixture(scope="module")
def raw_sheets() -> list[tuple[str, bytes, str]]:
    """WeasyPrint's own PDF/UA-1 of every sheet of the series, with its HTML."""
    project = Project(ROOT)
    return [(path.stem, *raw_render(project, path.stem)) for path in project.sheet_files()]


@pytest.mark.e2e
def test_content_edited_in_place_reads_as_content_written_again(
    raw_sheets: list[tuple[str, bytes, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick edit of WeasyPrint's content (artifacts, spaces at line ends) gives what a full
    parse and rewrite gives, and the marks the repair hands to the check are those a reader
    finds in the saved PDF."""
    for slug, raw, html in raw_sheets:
        edited, handed = accessible.repair(raw, html)
        assert _read_marks(edited) == [
            (scan.mcid_order, scan.mcid_text, scan.untagged) for scan in handed
        ], slug
        with monkeypatch.context() as patch:
            patch.setattr(artifacts, "_rewrite_raw", lambda *args: None)
            rewritten, _ = accessible.repair(raw, html)
        assert _read_marks(edited) == _read_marks(rewritten), slug
        assert any(
            " " in text[-1:] for _, texts, _ in _read_marks(edited) for text in texts.values()
        )
        assert check_accessible(edited) == [], slug


@pytest.mark.e2e
def test_content_unlike_weasyprints_is_parsed_and_written_again(project: Project) -> None:
    raw, html = raw_render(project, REFERENCE)
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        page = pdf.pages[0]
        page.obj.Contents = pdf.make_stream(b"% a comment\n" + page.obj.Contents.read_bytes())
        out = io.BytesIO()
        pdf.save(out)
    data, _ = accessible.repair(out.getvalue(), html)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert b"% a comment" not in pdf.pages[0].obj.Contents.read_bytes()  # written again
    assert check_accessible(data) == []


@pytest.mark.e2e
def test_the_build_compares_each_accessible_pdf_with_its_source(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repair that lost the pull quote's BlockQuote: the tree is sound, only the comparison
    with the HTML can tell. The build says so for the sheet and for its part of the
    collection, and `--strict` does not publish it."""
    repair = accessible.repair_pdf

    def losing_the_quote(pdf: pikepdf.Pdf, html: Any) -> tuple[bytes, Any]:
        _, scans = repair(pdf, html)
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            if element.get("/S") == "/BlockQuote":
                element.S = pikepdf.Name.Div
            kids = element.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack += [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/S" in k]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue(), scans

    monkeypatch.setattr(accessible, "repair_pdf", losing_the_quote)
    report = build(load_edition(project), tmp_path / "out", jobs=1)
    assert report.ok
    lines = [str(w) for w in report.warnings if "UA-SOURCE" in str(w)]
    expected = "is tagged P; the source makes it BlockQuote > P"
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"sheets/{REFERENCE}.yaml: accessible PDF check: error UA-SOURCE")
    assert expected in lines[0]
    assert not [str(w) for w in report.warnings if "UA-SOURCE" not in str(w)]
    whole = build_collection(
        load_edition(project), tmp_path / "out", jobs=1, variants=["accessible"]
    )
    assert [str(w) for w in whole.warnings] == [
        "sheets/series.yaml: accessible PDF check: error"
        ' UA-SOURCE page 1: "Exercice tantôt périlleux, tantôt fabuleux, sortir des vases…"'
        f" {expected}"
    ]
    strict = build(
        load_edition(project), tmp_path / "strict", jobs=1, strict=True, variants=["accessible"]
    )
    assert not strict.ok
    assert not (tmp_path / "strict" / "accessible" / f"{REFERENCE}.pdf").exists()


@pytest.mark.e2e
def test_the_series_words_keep_the_series_language_in_a_sheet_of_another(
    tmp_path: Path,
) -> None:
    """An English sheet of a French series: its own words are read as English, the series'
    (the running title of the header, the credits, the logos' descriptions, the copyright) as
    French, alone and in the collection, where its contents entry is English too."""
    from fichepress.checks.ua_source import found_blocks
    from fichepress.series.collection import build_collection

    from .conftest import copy_project

    project = copy_project(
        tmp_path / "project", [f"{REFERENCE}.yaml", "04-evaluer-pour-apprendre.yaml"]
    )
    sheet = project.sheets / "04-evaluer-pour-apprendre.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("kicker:", "language: en\nkicker:"), "utf-8")
    out = tmp_path / "out"
    assert build(load_edition(project), out, variants=["accessible"], jobs=1).ok
    assert build_collection(load_edition(project), out, variants=["accessible"], jobs=1).ok

    def languages(path: Path) -> dict[str, str]:
        with pikepdf.open(path) as pdf:
            tree = walk(pdf)
            scans = [scan_marks(page, {}) for page in pdf.pages]
            return {b.text: b.lang for b in found_blocks(pdf, tree, scans)}

    series_words = [
        "Agir contre la pauvreté et l’exclusion sociale dans les territoires",
        "Avec la participation financière de :",
        "Travail, Emploi et Solidarité sociale Québec",
        "Communagir",  # the publisher's logo
        "© 2019 Communagir - Tous droits réservés",
    ]
    alone = languages(out / "accessible" / "04-evaluer-pour-apprendre.pdf")
    for words in series_words:
        assert alone[words] == "fr-CA", words
    own = [lang for text, lang in alone.items() if text not in series_words]
    assert own and set(own) == {"en"}
    whole = languages(out / "accessible" / "collection.pdf")
    entries = {text: lang for text, lang in whole.items() if text.startswith(("3.", "4."))}
    assert len(entries) == 4, entries  # a contents entry and a title for each
    for text, lang in entries.items():
        assert lang == ("en" if text.startswith("4.") else "fr-CA"), text
    assert check_accessible((out / "accessible" / "collection.pdf").read_bytes()) == []


def test_no_link_annotation_lies_within_another_of_its_link(
    series_build: tuple[Project, Path, Report],
) -> None:
    """A link's annotations are one per line it takes, none inside another (WeasyPrint gives
    one per box: nested ones would make a keyboard stop twice on one link)."""
    _, out, _ = series_build
    seen = 0
    for path in sorted((out / "accessible").glob("*.pdf")):
        with pikepdf.open(path) as pdf:
            for element in walk(pdf).elements:
                if element.get("/S") != "/Link":
                    continue
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                boxes = [
                    [float(v) for v in kid.Obj.Rect]
                    for kid in kids
                    if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
                ]
                seen += len(boxes)
                for i, one in enumerate(boxes):
                    for j, other in enumerate(boxes):
                        inside = (
                            other[0] - 0.5 <= one[0]
                            and one[2] <= other[2] + 0.5
                            and other[1] - 0.5 <= one[1]
                            and one[3] <= other[3] + 0.5
                        )
                        assert i == j or not inside, (path.name, one, other)
    assert seen >= 3


@pytest.mark.e2e
def test_headings_with_french_spaces_have_their_bookmarks(project: Project, tmp_path: Path) -> None:
    """French typography puts no-break spaces before ; : ? ! in a title and a heading; the
    bookmarks hold them too, and each heading finds its bookmark (the check compared a title's
    no-break space with the bookmark's space and reported "no bookmark")."""
    (project.sheets / "09-espaces.yaml").write_text(
        "schema_version: 1\nnumber: 9\ntitle: 'Agir ; ensemble : pourquoi ?'\n"
        "kicker: Une accroche.\nbody:\n  - paragraph: Un paragraphe.\n"
        "  - heading: 'Deux : trois ; quatre !'\n  - paragraph: Un autre.\n",
        encoding="utf-8",
    )
    edition = load_edition(project, [project.sheets / "09-espaces.yaml"])
    report = build(edition, tmp_path / "out", variants=["accessible"], strict=True)
    assert report.ok, [str(p) for p in [*report.problems, *report.warnings]]
    assert not [f for f in report.warnings if f.rule == "UA-BOOKMARKS"]
    pdf = pikepdf.open(tmp_path / "out" / "accessible" / "09-espaces.pdf")
    with pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles and "\u202f;" in titles[0]  # the no-break space is there, in the bookmark too


# --- words in another language -----------------------------------------------------------------

VOICES = "Voices From the Field III"
VIDEO = (
    "Faire la connexion – Notre ville, notre société, notre santé\u202f: les déterminants"
    " sociaux de la santé"
)
"""The first resource of the reference sheet, given an address and English in `_in_english`."""
ENGLISH_REFERENCE = "Jane DOE, Voices From the Field, Aspen Institute, 2010."


def _in_english(project: Project) -> None:
    """The reference sheet with a resource whose title (a link) is English (`language:`), and
    a second reference that is English as a whole; its citation already marks
    "Voices From the Field III" as English."""
    path = project.sheets / f"{REFERENCE}.yaml"
    text = path.read_text("utf-8")
    video = "        - kind: Vidéo\n"
    assert text.count(video) == 1
    text = text.replace(
        video, video + "          language: en\n          url: https://example.org/connexion\n"
    )
    text += '    - citation: "Jane DOE, *Voices From the Field*, Aspen Institute, 2010."\n'
    text += "      language: en\n"
    path.write_text(text, "utf-8")


def test_the_html_gives_words_in_another_language_their_lang(project: Project) -> None:
    _in_english(project)
    builder = Builder(load_edition(project, []), project.root / "unused")
    html = builder.sheet_html(
        load_sheet(project.sheets / f"{REFERENCE}.yaml", project).sheet, "accessible"
    )
    assert f'traduction de <span lang="en"><em>{VOICES}</em></span>, 2010.' in html
    assert (
        '<cite class="resource-title" lang="en"><a href="https://example.org/connexion">Faire'
        in html
    )
    assert (
        '<p class="reference" data-src="further_reading.references[1]" lang="en">Jane DOE,' in html
    )
    tree = expected_tree(html)
    passages = [(leaf.type, p.text, p.lang) for leaf in tree.leaves() for p in leaf.passages]
    assert passages == [("P", _words(VIDEO), "en"), ("P", VOICES, "en")]
    assert [leaf.text for leaf in tree.leaves() if leaf.lang == "en"] == [ENGLISH_REFERENCE]


def _words(text: str) -> str:
    return " ".join(text.split())


def _merged(found: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Elements read one after another with the same roles and language, as one (a link cut
    by a line break is two Link elements), their words joined."""
    merged: list[tuple[str, ...]] = []
    for *kind, words in found:
        if merged and list(merged[-1][:-1]) == kind:
            merged[-1] = (*kind, _words(merged[-1][-1] + " " + words))
        else:
            merged.append((*kind, _words(words)))
    return merged


def _pikepdf_languages(data: bytes) -> list[tuple[str, ...]]:
    """(role, its parent's role, /Lang, words) of the elements below the document with a
    /Lang, read back with pikepdf."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = walk(pdf)
        scans = [scan_marks(page, {}) for page in pdf.pages]
        texts = {(i, m): t for i, scan in enumerate(scans) for m, t in scan.mcid_text.items()}
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        return _merged(
            [
                (
                    str(element.S).lstrip("/"),
                    str(tree.parents[element.objgen].S).lstrip("/"),
                    str(element.Lang),
                    text_of(element, texts, pages, 0, tree),
                )
                for element in tree.elements
                if "/Lang" in element and element.S != "/Document"
            ]
        )


def _pdfium_languages(data: bytes) -> list[tuple[str, ...]]:
    """(role, its parent's role, lang, words) of each element with a language of its own, as
    PDFium (Chrome's viewer) reads them: FPDF_StructElement_GetLang, and the words of the
    element's marked content from the page's own objects."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    def text(function: Any, *args: Any) -> str:
        size = function(*args, None, 0)  # in bytes, with the closing null
        buffer = (ctypes.c_ushort * (size // 2 + 1))()
        function(*args, buffer, size)
        return bytes(buffer)[: max(size - 2, 0)].decode("utf-16-le")

    def mcid_texts(objects: list[Any], textpage: Any, texts: dict[int, str]) -> None:
        for obj in objects:
            if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_FORM:
                count = raw.FPDFFormObj_CountObjects(obj)
                inner = [raw.FPDFFormObj_GetObject(obj, i) for i in range(count)]
                mcid_texts(inner, textpage, texts)
                continue
            if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_TEXT:
                continue
            mcid = ctypes.c_int(-1)
            for index in range(raw.FPDFPageObj_CountMarks(obj)):
                mark = raw.FPDFPageObj_GetMark(obj, index)
                raw.FPDFPageObjMark_GetParamIntValue(mark, b"MCID", ctypes.byref(mcid))
            if mcid.value >= 0:
                found = text(raw.FPDFTextObj_GetText, obj, textpage)
                texts[mcid.value] = texts.get(mcid.value, "") + found

    found: list[tuple[str, ...]] = []

    def visit(element: Any, texts: dict[int, str], lang: str | None, parent: str) -> str:
        own = text(raw.FPDF_StructElement_GetLang, element)
        role = text(raw.FPDF_StructElement_GetType, element)
        words = "".join(
            texts.get(raw.FPDF_StructElement_GetMarkedContentIdAtIndex(element, i), "")
            for i in range(raw.FPDF_StructElement_GetMarkedContentIdCount(element))
        )
        at = len(found)
        for index in range(raw.FPDF_StructElement_CountChildren(element)):
            kid = raw.FPDF_StructElement_GetChildAtIndex(element, index)
            if kid:
                words += visit(kid, texts, own or lang, role)
        if own and own != lang:
            found.insert(at, (role, parent, own, words))
        return words

    document = pdfium.PdfDocument(data)
    for page in document:
        textpage = page.get_textpage()
        count = raw.FPDFPage_CountObjects(page.raw)
        texts: dict[int, str] = {}
        mcid_texts([raw.FPDFPage_GetObject(page.raw, i) for i in range(count)], textpage.raw, texts)
        tree = raw.FPDF_StructTree_GetForPage(page.raw)
        for index in range(raw.FPDF_StructTree_CountChildren(tree)):
            visit(raw.FPDF_StructTree_GetChildAtIndex(tree, index), texts, None, "")
        raw.FPDF_StructTree_Close(tree)
    return _merged(found)


@pytest.mark.e2e
def test_words_in_another_language_have_their_lang_in_the_tree(project: Project) -> None:
    """A title marked English in a citation, a resource's title (a link) and a reference in
    English: the accessible PDF gives each its /Lang, on a Span inside its paragraph (inside
    the link) or on the paragraph itself, and PDFium reads them as such."""
    _in_english(project)
    raw, html = raw_render(project, REFERENCE)
    data = finish_accessible_pdf(raw, html)
    english = [_words(VIDEO), VOICES, ENGLISH_REFERENCE]
    languages = _pikepdf_languages(data)
    assert [kind for *kind, _ in languages] == [
        ["Span", "Link", "en"],
        ["Span", "P", "en"],
        ["P", "Sect", "en"],
    ]
    assert [words for *_, words in languages] == english
    assert _pdfium_languages(data) == languages
    assert check_accessible(data, source=source_of(expected_tree(html))) == []
