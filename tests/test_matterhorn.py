"""PDF/UA-1 as the Matterhorn Protocol 1.1 lists its machine-checkable failure conditions:
each rule that checks one is shown catching it on a broken copy of a real accessible output
(the committed reference sheet, zero findings), and docs/matterhorn.md's table names only
rules and tests that exist."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Dictionary, Name, String

from fichepress.checks.accessibility import check_accessible
from fichepress.cli import main
from fichepress.core.findings import Finding

from .conftest import ROOT
from .test_uacheck import (
    BODY_FONT,
    REFERENCE,
    _append_to_mcid,
    edit_to_unicode,
    elements,
    kids,
    mutated,
    open_pdf,
)

Change = Callable[[pikepdf.Pdf], object]


@pytest.fixture(scope="module")
def good(reference_pdfs: Path) -> bytes:
    """The accessible PDF of the reference sheet, as the build writes it: zero findings."""
    data = (reference_pdfs / "accessible" / f"{REFERENCE}.pdf").read_bytes()
    assert check_accessible(data) == []
    return data


def found(data: bytes, rule: str) -> list[Finding]:
    """The findings of `rule`, all errors."""
    findings = [f for f in check_accessible(data) if f.rule == rule]
    assert all(f.severity == "error" for f in findings), findings
    return findings


def only(data: bytes, rule: str) -> list[tuple[int, str, str]]:
    """(page, message, where) of every finding, which must all be errors of `rule`."""
    findings = check_accessible(data)
    assert {f.rule for f in findings} == {rule}, findings
    return [(f.page, f.message, f.where) for f in findings]


def messages(data: bytes, rule: str) -> str:
    return "\n".join(f.message for f in found(data, rule))


def body_font(pdf: pikepdf.Pdf) -> Any:
    return pdf.pages[0].obj.Resources.Font[BODY_FONT]


def retag(role: str, new: str, number: int = 0) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        elements(pdf, role)[number].S = Name("/" + new)

    return change


def both(*changes: Change) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        for one in changes:
            one(pdf)

    return change


def set_contents(pdf: pikepdf.Pdf, instructions: list[Any], page_index: int = 0) -> None:
    pdf.pages[page_index].obj.Contents = pdf.make_stream(
        pikepdf.unparse_content_stream(instructions)
    )


# --- UA-MARKS: marked content nested the wrong way (01-003, 01-004) --------------------------


def _all_in_an_artifact(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0]
    page.contents_add(pdf.make_stream(b"/Artifact BMC\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"\nEMC\n"), prepend=False)


def _artifact_in_the_first_paragraph(pdf: pikepdf.Pdf) -> None:
    instructions = list(pikepdf.parse_content_stream(pdf.pages[0]))
    index = next(
        i
        for i, instruction in enumerate(instructions)
        if str(instruction.operator) == "BDC" and "/MCID" in instruction.operands[1]
    )
    inserted = pikepdf.parse_content_stream(pdf.make_stream(b"/Artifact BMC 0 0 1 1 re f EMC"))
    set_contents(pdf, [*instructions[: index + 1], *inserted, *instructions[index + 1 :]])


def test_marks_tagged_content_inside_an_artifact(good: bytes) -> None:
    assert only(mutated(good, _all_in_an_artifact), "UA-MARKS") == [
        (
            1,
            "tagged content (an MCID) lies inside an artifact: readers skip it with the"
            " artifact; close the artifact before the tagged content",
            "page",
        )
    ]


def test_marks_an_artifact_inside_a_tagged_paragraph(good: bytes) -> None:
    [(page, message, where)] = only(mutated(good, _artifact_in_the_first_paragraph), "UA-MARKS")
    assert (page, where) == (1, "page")
    assert message.startswith("an artifact lies inside tagged content")


# --- UA-XOBJECTS (30-001, 30-002) ------------------------------------------------------------


def _form(pdf: pikepdf.Pdf, content: bytes, **extra: Any) -> Any:
    form = pdf.make_stream(content)
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 10, 10])
    for key, value in extra.items():
        form[f"/{key}"] = value
    resources = pdf.pages[0].obj.Resources
    resources.XObject = Dictionary(Fx0=form)
    return form


def test_xobjects_a_reference_xobject(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        reference = Dictionary(F=String("other.pdf"), Page=0)
        _form(pdf, b"", Ref=reference)
        pdf.pages[0].contents_add(pdf.make_stream(b"/Artifact BMC /Fx0 Do EMC"), prepend=False)

    [(page, message, where)] = only(mutated(good, change), "UA-XOBJECTS")
    assert (page, where) == (1, "form /Fx0")
    assert "reference XObject" in message


def test_xobjects_a_tagged_form_painted_twice(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        _form(pdf, b"/Span <</MCID 70>> BDC EMC")
        pdf.pages[0].contents_add(pdf.make_stream(b"q /Fx0 Do Q /Fx0 Do"), prepend=False)

    [(page, message, _)] = only(mutated(good, change), "UA-XOBJECTS")
    assert page == 1
    assert message.startswith("a form holding tagged content is painted 2 times (pages 1)")


def test_xobjects_an_untagged_form_painted_twice_is_fine(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        _form(pdf, b"")
        pdf.pages[0].contents_add(pdf.make_stream(b"q /Fx0 Do Q /Fx0 Do"), prepend=False)

    assert check_accessible(mutated(good, change)) == []


# --- UA-FONTS (31-xxx) -----------------------------------------------------------------------


def _descendant(pdf: pikepdf.Pdf) -> Any:
    return body_font(pdf).DescendantFonts[0]


def test_fonts_a_font_not_embedded(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del _descendant(pdf).FontDescriptor["/FontFile2"]

    [(page, message, where)] = only(mutated(good, change), "UA-FONTS")
    assert (page, where) == (1, "font CUXTZP+Lato")
    assert message.startswith("the font is not embedded")


def test_fonts_one_subset_name_for_two_font_programs(good: bytes) -> None:
    """Two different subsets under one tag and name (as joined collections had them): a
    reader that caches fonts by name reads the wrong characters."""

    def change(pdf: pikepdf.Pdf) -> None:
        fonts: Any = pdf.pages[0].obj.Resources.Font
        body = fonts[BODY_FONT]
        other = next(f for name, f in fonts.items() if name != BODY_FONT)
        name = body.DescendantFonts[0].FontDescriptor.FontName
        other.BaseFont = other.DescendantFonts[0].BaseFont = name
        other.DescendantFonts[0].FontDescriptor.FontName = name

    told = messages(mutated(good, change), "UA-FONTS")
    assert 'the subset name "CUXTZP+Lato" stands for 2 different embedded fonts' in told


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (b"<0000>", "U+0000 (no character)"),
        (b"<>", "nothing"),
        (b"<FEFF>", "U+FEFF or U+FFFE (not characters)"),
        (b"<FFFE>", "U+FEFF or U+FFFE (not characters)"),
    ],
)
def test_fonts_a_to_unicode_entry_mapping_to_no_character(
    good: bytes, value: bytes, said: str
) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        font = body_font(pdf)
        cmap = font.ToUnicode.read_bytes()
        first = re.search(rb"beginbfchar\s*<([0-9a-fA-F]+)> <([0-9a-fA-F]+)>", cmap)
        assert first is not None
        old = b"<%s> <%s>" % first.groups()
        edit_to_unicode(font, old, b"<%s> %s" % (first.group(1), value))

    findings = found(mutated(good, change), "UA-FONTS")
    assert [(f.page, f.where) for f in findings] == [(1, "font CUXTZP+Lato")]
    assert findings[0].message.startswith(f"its ToUnicode map gives {said} for 1 code(s)")


def test_fonts_no_to_unicode(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del body_font(pdf)["/ToUnicode"]

    assert "has no ToUnicode map" in messages(mutated(good, change), "UA-FONTS")


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (b"\x00\x00", "draw the .notdef glyph"),
        (b"\x7f\xff", "are not in the embedded font program"),
    ],
)
def test_fonts_glyphs_the_program_does_not_have(good: bytes, code: bytes, said: str) -> None:
    broken = mutated(good, lambda pdf: _append_to_mcid(pdf, 0, 8, code))
    assert said in messages(broken, "UA-FONTS")


def test_fonts_widths_that_differ_from_the_program(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        widths = _descendant(pdf).W
        for index, value in enumerate(widths):
            if isinstance(value, Array):
                value[0] = float(value[0]) + 200
                break
            assert index < 4

    assert "differ from the font program's" in messages(mutated(good, change), "UA-FONTS")


@pytest.mark.parametrize(("value", "said"), [(None, "no CIDToGIDMap"), (Name.Other, "neither")])
def test_fonts_cid_to_gid_map(good: bytes, value: Name | None, said: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if value is None:
            del _descendant(pdf)["/CIDToGIDMap"]
        else:
            _descendant(pdf).CIDToGIDMap = value

    assert said in messages(mutated(good, change), "UA-FONTS")


def test_fonts_a_cmap_neither_predefined_nor_embedded(good: bytes) -> None:
    broken = mutated(good, lambda pdf: setattr(body_font(pdf), "Encoding", Name("/Custom-H")))
    assert "its CMap /Custom-H is neither a predefined CMap nor embedded" in messages(
        broken, "UA-FONTS"
    )


def test_fonts_an_embedded_cmap_that_disagrees(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        cmap = pdf.make_stream(
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/Private-H usecmap\n/WMode 1 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"1 begincidrange <0000> <FFFF> 0 endcidrange\nendcmap end end\n"
        )
        cmap.Type, cmap.CMapName = Name.CMap, Name("/Own-H")
        cmap.CIDSystemInfo = Dictionary(
            Registry=String("Other"), Ordering=String("Other"), Supplement=3
        )
        body_font(pdf).Encoding = cmap

    said = messages(mutated(good, change), "UA-FONTS")
    assert "its CMap's WMode differs between its dictionary and its data" in said
    assert "its CMap uses the CMap Private-H, which is not a predefined one" in said
    assert "different character collections (Registry)" in said
    assert "different character collections (Ordering)" in said
    assert "its CIDFont's Supplement is lower than its CMap's" in said


def _simple_truetype(pdf: pikepdf.Pdf, **entries: Any) -> None:
    """Show "A" as an artifact with a simple TrueType font made from the body font's program."""
    source = _descendant(pdf).FontDescriptor
    descriptor = Dictionary({k: v for k, v in source.items()})
    descriptor.Flags = entries.pop("Flags", 32)
    descriptor.FontName = Name("/ABCDEF+Lato")  # a font and its descriptor share one name
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.TrueType,
        BaseFont=Name("/ABCDEF+Lato"),
        FirstChar=65,
        LastChar=65,
        Widths=Array([580]),
        FontDescriptor=pdf.make_indirect(descriptor),
    )
    for key, value in entries.items():
        font[f"/{key}"] = value
    pdf.pages[0].obj.Resources.Font.TT0 = pdf.make_indirect(font)
    pdf.pages[0].contents_add(
        pdf.make_stream(b"/Artifact BMC BT /TT0 9 Tf 10 10 Td (A) Tj ET EMC"), prepend=False
    )


@pytest.mark.parametrize(
    ("entries", "said"),
    [
        ({}, "a non-symbolic TrueType font has no Encoding"),
        ({"Encoding": Name.StandardEncoding}, "encoding is /StandardEncoding, not WinAnsi"),
        ({"Encoding": Dictionary(Differences=Array([65, Name.A]))}, "has no BaseEncoding"),
        (
            {"Encoding": Dictionary(BaseEncoding=Name.WinAnsiEncoding, Differences=[65, Name.zz9])},
            "unknown to the Adobe Glyph List (zz9)",
        ),
        (
            {"Flags": 4, "Encoding": Name.WinAnsiEncoding},
            "a symbolic TrueType font has an Encoding",
        ),
    ],
)
def test_fonts_simple_truetype_encodings(good: bytes, entries: dict[str, Any], said: str) -> None:
    broken = mutated(good, lambda pdf: _simple_truetype(pdf, **dict(entries)))
    assert said in messages(broken, "UA-FONTS")


def _program(pdf: pikepdf.Pdf, cmaps: list[tuple[int, int]]) -> Any:
    """The body font's program with its cmap subtables replaced: one per (platform,
    encoding) of `cmaps`, each mapping what the original (3,1) subtable maps."""
    import io

    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    font = TTFont(io.BytesIO(_descendant(pdf).FontDescriptor.FontFile2.read_bytes()))
    mapping = font.getBestCmap()
    tables = []
    for platform, encoding in cmaps:
        table = CmapSubtable.newSubtable(4)
        table.platformID, table.platEncID, table.language = platform, encoding, 0
        table.cmap = dict(mapping)
        tables.append(table)
    font["cmap"].tables = tables
    buffer = io.BytesIO()
    font.save(buffer)
    return pdf.make_stream(buffer.getvalue())


def _with_program(cmaps: list[tuple[int, int]], shown: bytes = b"A", **entries: Any) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        _simple_truetype(pdf, **entries)
        font = pdf.pages[0].obj.Resources.Font.TT0
        font.FontDescriptor.FontFile2 = _program(pdf, cmaps)
        if shown != b"A":
            contents = pdf.pages[0].obj.Contents
            last = contents[-1] if isinstance(contents, Array) else contents
            last.write(last.read_bytes().replace(b"(A) Tj", b"(" + shown + b") Tj"))

    return change


WIN_ANSI: dict[str, Any] = {"Encoding": Name.WinAnsiEncoding}


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_with_program([(3, 0)], **WIN_ANSI), "has no (3,1) or (1,0) cmap"),
        (_with_program([(3, 1)], b"Z", **WIN_ANSI), "1 code(s) shown reach no glyph"),
        (
            _with_program(
                [(1, 0)],
                Encoding=Dictionary(BaseEncoding=Name.WinAnsiEncoding, Differences=[65, Name.A]),
            ),
            "its Differences need a (3,1) Unicode cmap",
        ),
        (_with_program([], Flags=4), "symbolic TrueType font has no cmap"),
        (_with_program([(1, 0), (3, 1)], Flags=4), "several cmaps, none (3,0)"),
    ],
)
def test_fonts_truetype_programs_and_their_cmaps(good: bytes, change: Change, said: str) -> None:
    assert said in messages(mutated(good, change), "UA-FONTS")


def test_fonts_a_symbolic_truetype_font_with_a_3_0_cmap_is_fine(good: bytes) -> None:
    def to_unicode(pdf: pikepdf.Pdf) -> None:
        cmap = b"1 begincodespacerange <00> <ff> endcodespacerange 1 beginbfchar <41> <0041>"
        font = pdf.pages[0].obj.Resources.Font.TT0
        font.ToUnicode = pdf.make_stream(cmap + b" endbfchar")

    broken = mutated(good, both(_with_program([(1, 0), (3, 0)], Flags=4), to_unicode))
    assert found(broken, "UA-FONTS") == []


def test_fonts_a_cid_set_listing_glyphs_the_program_lacks(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        descriptor = _descendant(pdf).FontDescriptor
        descriptor.CIDSet = pdf.make_stream(b"\xff" * 310 + b"\x01")  # CIDs 0-2479 and 2487

    said = messages(mutated(good, change), "UA-FONTS")
    assert "its CIDSet lists 8 CID(s) the font program does not have" in said


def test_fonts_a_simple_truetype_font_as_it_should_be_is_fine(good: bytes) -> None:
    broken = mutated(good, lambda pdf: _simple_truetype(pdf, Encoding=Name.WinAnsiEncoding))
    assert found(broken, "UA-FONTS") == []


# --- UA-TABLES, UA-NESTING, UA-LISTS (09-004 to 09-008, 15-003) ------------------------------


def _list_as_table(header: bool = False, scope: bool = False) -> Change:
    """The first list of the sheet retagged as a table: L → Table, LI → TR, Lbl and LBody → TD
    (the Lbl a TH if `header`, with a Scope if `scope`)."""

    def change(pdf: pikepdf.Pdf) -> None:
        table = elements(pdf, "/L")[0]
        table.S = Name.Table
        for row in kids(table):
            row.S = Name.TR
            for cell in kids(row):
                if not isinstance(cell, Dictionary) or "/S" not in cell:
                    continue
                cell.S = Name.TH if header and str(cell.S) == "/Lbl" else Name.TD
                if cell.S == Name.TH and scope:
                    cell.A = Dictionary(O=Name.Table, Scope=Name.Row)

    return change


def test_the_first_list_holds_items_of_a_label_and_a_body(good: bytes) -> None:
    with open_pdf(good) as pdf:
        first = elements(pdf, "/L")[0]
        assert {str(k.S) for k in kids(first)} == {"/LI"}
        assert {str(c.S) for k in kids(first) for c in kids(k)} == {"/Lbl", "/LBody"}


def test_tables_a_table_without_header_cells(good: bytes) -> None:
    [(page, message, where)] = only(mutated(good, _list_as_table()), "UA-TABLES")
    assert (page, where) == (1, "Table element")
    assert message.startswith("a table has no header cells (TH)")


def test_tables_header_cells_without_scope(good: bytes) -> None:
    [(_, message, _)] = only(mutated(good, _list_as_table(header=True)), "UA-TABLES")
    assert "header cell(s) (TH) have no Scope" in message


def test_tables_header_cells_with_a_scope_are_fine(good: bytes) -> None:
    assert check_accessible(mutated(good, _list_as_table(header=True, scope=True))) == []


def test_tables_a_cell_outside_a_row(good: bytes) -> None:
    [(_, message, _)] = only(mutated(good, retag("/P", "TD", 3)), "UA-TABLES")
    assert message.startswith("a TD is inside a ")
    assert message.endswith(", not a TR")


def test_tables_a_row_holding_a_paragraph(good: bytes) -> None:
    said = messages(mutated(good, both(_list_as_table(True, True), retag("/TH", "P"))), "UA-TABLES")
    assert "a TR holds a P: it may hold TD, TH only" in said


@pytest.mark.parametrize(
    ("role", "new", "said"),
    [
        ("/P", "TOCI", "a TOCI is inside a"),
        ("/L", "TOC", "a TOC holds a LI"),
        ("/L", "Ruby", "a Ruby holds a LI"),
        ("/P", "RT", "a RT is inside a"),
        ("/L", "Warichu", "a Warichu holds a LI"),
        ("/P", "WP", "a WP is inside a"),
    ],
)
def test_nesting_toc_ruby_warichu(good: bytes, role: str, new: str, said: str) -> None:
    assert said in messages(mutated(good, retag(role, new)), "UA-NESTING")


def test_lists_an_item_outside_a_list(good: bytes) -> None:
    said = messages(mutated(good, retag("/L", "Div")), "UA-LISTS")
    assert "a LI is inside a Div, not a L" in said


# --- UA-NOTES, UA-FORMULAS, UA-HEADINGS, UA-TREE ---------------------------------------------


def _notes(*ids: bytes | None) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        for element, value in zip(elements(pdf, "/P"), ids, strict=False):
            element.S = Name.Note
            if value is not None:
                element.ID = String(value)

    return change


def test_notes_a_note_without_an_id(good: bytes) -> None:
    assert only(mutated(good, _notes(None)), "UA-NOTES") == [
        (
            1,
            "a Note has no ID: readers cannot link the note to its call; give it one",
            "Note element",
        )
    ]


def test_notes_two_notes_sharing_an_id(good: bytes) -> None:
    assert only(mutated(good, _notes(b"n1", b"n1")), "UA-NOTES") == [
        (1, '2 Notes share the ID "n1": each needs its own', "Note element")
    ]


def test_notes_with_ids_of_their_own_are_fine(good: bytes) -> None:
    assert check_accessible(mutated(good, _notes(b"n1", b"n2"))) == []


def test_formulas_without_alternative_text(good: bytes) -> None:
    assert only(mutated(good, retag("/P", "Formula")), "UA-FORMULAS") == [
        (1, "a Formula has no alternative text (Alt)", "Formula element")
    ]

    def described(pdf: pikepdf.Pdf) -> None:
        retag("/P", "Formula")(pdf)
        elements(pdf, "/Formula")[0].Alt = String("x squared")

    assert check_accessible(mutated(good, described)) == []


def test_headings_h_and_numbered_headings_mixed(good: bytes) -> None:
    said = messages(mutated(good, retag("/H3", "H")), "UA-HEADINGS")
    assert "headings of both kinds, H and H1–H6: use one kind only" in said


def test_headings_a_node_holding_two_h(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        parent = next(
            e for e in elements(pdf) if sum(1 for k in kids(e) if k.get("/S") == Name.P) >= 2
        )
        for kid in [k for k in kids(parent) if k.get("/S") == Name.P][:2]:
            kid.S = Name.H

    assert "holds 2 H headings" in messages(mutated(good, change), "UA-HEADINGS")


def test_tree_a_circular_role_map(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.StructTreeRoot.RoleMap = Dictionary(Own=Name("/Mine"), Mine=Name("/Own"))
        elements(pdf, "/Span")[0].S = Name("/Own")

    said = messages(mutated(good, change), "UA-TREE")
    assert re.search(r"the RoleMap maps types in a circle \((Own → Mine|Mine → Own) → …\)", said)


def test_id_no_xmp_metadata(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/Metadata"]

    said = messages(mutated(good, change), "UA-ID")
    assert "not identified as PDF/UA-1 (pdfuaid:part: none)" in said
    assert "no document title in the XMP metadata (dc:title)" in said


# --- UA-OPTIONAL, UA-FILES, UA-SECURITY, UA-XFA ----------------------------------------------


def _optional_content(default: Dictionary, *configs: Dictionary) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        layer = pdf.make_indirect(Dictionary(Type=Name.OCG, Name=String("Notes")))
        default.ON = Array([layer])
        properties = Dictionary(OCGs=Array([layer]), D=default)
        if configs:
            properties.Configs = Array(list(configs))
        pdf.Root.OCProperties = properties

    return change


def test_optional_content_a_default_configuration_without_a_name(good: bytes) -> None:
    assert only(mutated(good, _optional_content(Dictionary())), "UA-OPTIONAL") == [
        (
            0,
            "the optional-content default configuration (/D) has no name (/Name): readers"
            " list layers by name; name it",
            "",
        )
    ]


def test_optional_content_a_configuration_without_a_name_or_with_as(good: bytes) -> None:
    named = Dictionary(Name=String("Default"))
    change = _optional_content(named, Dictionary(Name=String("")), Dictionary(AS=Array([])))
    said = messages(mutated(good, change), "UA-OPTIONAL")
    assert "configuration 1 of /Configs has no name" in said
    assert "configuration 2 of /Configs has no name" in said
    assert "configuration 2 of /Configs has an /AS entry" in said


def test_optional_content_named_configurations_are_fine(good: bytes) -> None:
    change = _optional_content(Dictionary(Name=String("Default")), Dictionary(Name=String("B")))
    assert check_accessible(mutated(good, change)) == []


def _embedded_file(**names: str) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        spec = pikepdf.AttachedFileSpec(pdf, b"data", filename="data.csv")
        obj = spec.obj
        for key in ("/F", "/UF"):
            if key in obj:
                del obj[key]
        for key, value in names.items():
            obj[f"/{key}"] = String(value)
        tree = pikepdf.NameTree.new(pdf)
        tree["data.csv"] = obj
        pdf.Root.Names.EmbeddedFiles = tree.obj

    return change


def test_files_an_embedded_file_without_uf(good: bytes) -> None:
    assert only(mutated(good, _embedded_file(F="data.csv")), "UA-FILES") == [
        (
            0,
            "an embedded file's specification has no /UF: readers cannot name the file; give"
            " both F and UF (its name in Unicode)",
            "data.csv",
        )
    ]
    said = messages(mutated(good, _embedded_file()), "UA-FILES")
    assert "has no /F or /UF" in said
    assert check_accessible(mutated(good, _embedded_file(F="data.csv", UF="data.csv"))) == []


def test_files_a_file_attachment_annotation_without_f_and_uf(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        stream = pdf.make_stream(b"data")
        stream.Type = Name.EmbeddedFile
        spec = Dictionary(Type=Name.Filespec, EF=Dictionary(F=stream))
        pdf.pages[1].obj.Annots = Array(
            [
                pdf.make_indirect(
                    Dictionary(
                        Type=Name.Annot,
                        Subtype=Name.FileAttachment,
                        Rect=Array([0, 0, 10, 10]),
                        FS=spec,
                        Contents=String("The data"),
                    )
                )
            ]
        )

    [finding] = found(mutated(good, change), "UA-FILES")
    assert (finding.page, finding.message[:55]) == (
        2,
        "an embedded file's specification has no /F or /UF: read",
    )


def _encrypted_without_access(data: bytes) -> bytes:
    """The PDF encrypted (AES-256, no user password) with bit 10 of /P (accessibility) off:
    qpdf always sets it, so the written value is changed in place (same length)."""
    with open_pdf(data) as pdf:
        encrypted = _save_encrypted(pdf)
    assert encrypted.count(b"/P -1028") == 1
    return encrypted.replace(b"/P -1028", b"/P -1540")


def _save_encrypted(pdf: pikepdf.Pdf) -> bytes:
    import io

    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="owner", user="", R=6))
    return buffer.getvalue()


def test_security_encryption_forbidding_assistive_technology(good: bytes) -> None:
    broken = _encrypted_without_access(good)
    assert only(broken, "UA-SECURITY") == [
        (
            0,
            "the file is encrypted and forbids extracting its text for accessibility (bit 10"
            " of /P): screen readers may refuse it; allow it, or do not encrypt",
            "",
        )
    ]
    with open_pdf(good) as pdf:
        assert check_accessible(_save_encrypted(pdf)) == []


def test_xfa_a_dynamic_form(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        xfa = pdf.make_stream(
            b"<config><acrobat><acrobat7><dynamicRender>required"
            b"</dynamicRender></acrobat7></acrobat></config>"
        )
        pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=Array([String("config"), xfa]))

    assert only(mutated(good, change), "UA-XFA")[0][1].startswith("the file holds a dynamic XFA")


# --- UA-ANNOTS (28-xxx) ----------------------------------------------------------------------


def _annotation(subtype: str, page_index: int = 1, **entries: Any) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        annotation = Dictionary(Type=Name.Annot, Subtype=Name(subtype), Rect=Array([0, 0, 9, 9]))
        for key, value in entries.items():
            annotation[f"/{key}"] = value
        pdf.pages[page_index].obj.Annots = Array([pdf.make_indirect(annotation)])

    return change


def _in_element(role: str, alt: str | None = None) -> Change:
    """Put page 2's annotation in a new `role` element, last in the Document's Art."""

    def change(pdf: pikepdf.Pdf) -> None:
        annotation = pdf.pages[1].obj.Annots[0]
        art = elements(pdf, "/Art")[0]
        owner = pdf.make_indirect(
            Dictionary(
                Type=Name.StructElem,
                S=Name("/" + role),
                P=art,
                Pg=pdf.pages[1].obj,
                K=Array([Dictionary(Type=Name.OBJR, Obj=annotation, Pg=pdf.pages[1].obj)]),
            )
        )
        if alt is not None:
            owner.Alt = String(alt)
        art.K.append(owner)
        root = pdf.Root.StructTreeRoot
        key = int(root.ParentTreeNextKey)
        annotation.StructParent = key
        root.ParentTree.Nums.extend([pikepdf.Object.parse(str(key).encode()), owner])
        root.ParentTreeNextKey = key + 1

    return change


def test_annots_a_note_outside_an_annot_element_without_description(good: bytes) -> None:
    said = only(mutated(good, _annotation("/Text")), "UA-ANNOTS")
    assert sorted(said) == [
        (
            2,
            "the annotation has no description (/Contents, or Alt on its element)",
            "Text annotation",
        ),
        (2, "the annotation is not inside an Annot element (in no element)", "Text annotation"),
    ]


def test_annots_a_described_note_in_an_annot_element_is_fine(good: bytes) -> None:
    change = both(_annotation("/Text", Contents=String("A comment")), _in_element("Annot"))
    assert check_accessible(mutated(good, change)) == []
    change = both(_annotation("/Text"), _in_element("Annot", alt="A comment"))
    assert check_accessible(mutated(good, change)) == []


@pytest.mark.parametrize(
    ("subtype", "said"),
    [
        ("/TrapNet", "a TrapNet annotation is not allowed in PDF/UA: remove it"),
        ("/Sparkle", "an annotation of a type ISO 32000 does not define (Sparkle)"),
    ],
)
def test_annots_trapnet_and_unknown_types(good: bytes, subtype: str, said: str) -> None:
    change = both(_annotation(subtype, Contents=String("x")), _in_element("Annot"))
    assert said in messages(mutated(good, change), "UA-ANNOTS")


def _field(pdf: pikepdf.Pdf) -> None:
    widget = pdf.pages[1].obj.Annots[0]
    widget.T, widget.FT = String("name"), Name.Tx
    pdf.Root.AcroForm = Dictionary(Fields=Array([widget]))


def test_annots_a_widget_outside_a_form_element(good: bytes) -> None:
    change = both(_annotation("/Widget", TU=String("Name")), _in_element("P"), _field)
    assert "a form field's widget is not inside a Form element" in messages(
        mutated(good, change), "UA-ANNOTS"
    )


def test_annots_a_form_field_without_a_description(good: bytes) -> None:
    change = both(_annotation("/Widget"), _in_element("Form"), _field)
    assert only(mutated(good, change), "UA-ANNOTS") == [
        (0, "a form field has no description for readers (/TU, or Alt on its Form)", "name")
    ]
    change = both(_annotation("/Widget"), _in_element("Form", alt="Your name"), _field)
    assert check_accessible(mutated(good, change)) == []


def test_annots_a_printer_mark_in_the_structure_and_painted_as_content(good: bytes) -> None:
    def appearance(pdf: pikepdf.Pdf) -> None:
        stream = pdf.make_stream(b"0 0 9 9 re f")
        stream.Type, stream.Subtype, stream.BBox = Name.XObject, Name.Form, Array([0, 0, 9, 9])
        pdf.pages[1].obj.Annots[0].AP = Dictionary(N=stream)

    change = both(_annotation("/PrinterMark"), appearance, _in_element("Annot"))
    said = messages(mutated(good, change), "UA-ANNOTS")
    assert "a printer's mark is in the structure tree: take it out" in said
    assert "a printer's mark's appearance is not marked as an artifact" in said


def test_annots_a_media_clip_without_type_or_alternative_text(good: bytes) -> None:
    def media(pdf: pikepdf.Pdf) -> None:
        clip = Dictionary(Type=Name.MediaClip, S=Name.MCD, D=Dictionary(F=String("a.mp4")))
        rendition = Dictionary(Type=Name.Rendition, S=Name.MR, C=clip)
        pdf.pages[1].obj.Annots[0].A = Dictionary(S=Name.Rendition, R=rendition)

    change = both(_annotation("/Screen", Contents=String("A film")), media, _in_element("Annot"))
    said = messages(mutated(good, change), "UA-ANNOTS")
    assert "a media clip does not say its content type (/CT)" in said
    assert "a media clip has no alternative text (/Alt)" in said


# --- the command line: preflight (profile accessible) without --source ------------------------


POINT_4: dict[str, tuple[Change, str]] = {
    "tagged content in an artifact": (_all_in_an_artifact, "UA-MARKS"),
    "an artifact in a paragraph": (_artifact_in_the_first_paragraph, "UA-MARKS"),
    "a font not embedded": (
        lambda pdf: _descendant(pdf).FontDescriptor.__delitem__("/FontFile2"),
        "UA-FONTS",
    ),
    "a table without header cells": (_list_as_table(), "UA-TABLES"),
    "a configuration without a name": (_optional_content(Dictionary()), "UA-OPTIONAL"),
    "an embedded file without UF": (_embedded_file(F="data.csv"), "UA-FILES"),
    "a note without an ID": (_notes(None), "UA-NOTES"),
}


@pytest.mark.parametrize("name", sorted(POINT_4))
def test_cli_preflight_without_source_finds_the_break(
    good: bytes, tmp_path: Path, name: str
) -> None:
    change, rule = POINT_4[name]
    path = tmp_path / "broken.pdf"
    path.write_bytes(mutated(good, change))
    result = CliRunner().invoke(main, ["preflight", "--profile", "accessible", str(path)])
    assert result.exit_code == 1, result.output
    assert f"error {rule}" in result.stdout, result.stdout


def test_cli_preflight_finds_encryption_forbidding_assistive_technology(
    good: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(_encrypted_without_access(good))
    result = CliRunner().invoke(main, ["preflight", "--profile", "accessible", str(path)])
    assert result.exit_code == 1, result.output
    assert "UA-SECURITY" in result.stdout


def test_cli_preflight_refuses_encryption_without_permissions(good: bytes, tmp_path: Path) -> None:
    # without /P the encryption cannot be read (qpdf refuses it): the file is told unreadable
    with open_pdf(good) as pdf:
        encrypted = _save_encrypted(pdf)
    path = tmp_path / "broken.pdf"
    path.write_bytes(encrypted.replace(b"/P -1028", b"/Q -1028"))
    result = CliRunner().invoke(main, ["preflight", "--profile", "accessible", str(path)])
    assert result.exit_code == 1, result.output
    assert "error FILE: not a readable PDF" in result.stdout


# --- docs/matterhorn.md ----------------------------------------------------------------------


MATTERHORN = ROOT / "docs" / "matterhorn.md"
ROW = re.compile(r"^\| (\d\d-\d\d\d) \| (.+?) \| (.+?) \| (.+?) \|$", re.M)


def _rows() -> list[tuple[str, str, str, str]]:
    text = MATTERHORN.read_text(encoding="utf-8")
    return [(m[1], m[2], m[3], m[4]) for m in ROW.finditer(text)]


def test_matterhorn_table_lists_the_87_machine_checkable_conditions() -> None:
    rows = _rows()
    numbers = [row[0] for row in rows]
    assert len(numbers) == 87
    assert len(set(numbers)) == 87
    assert numbers == sorted(numbers)


def test_matterhorn_table_names_rules_that_exist() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "src" / "fichepress" / "checks").glob("*.py")
    )
    for number, _, rule, _ in _rows():
        for name in re.findall(r"\b(?:UA-[A-Z]+|FILE)\b", rule):
            assert f'"{name}"' in sources, (number, name)
        if not re.search(r"UA-[A-Z]+", rule):
            assert rule.startswith(("not checked", "refused")), (number, rule)


def test_matterhorn_table_names_tests_that_exist() -> None:
    for number, _, rule, proof in _rows():
        tests = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", proof)
        if not rule.startswith("not checked"):
            assert tests, (number, proof)
        for path, name in tests:
            text = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", text, re.M), (number, path, name)


def test_matterhorn_counts_what_it_covers() -> None:
    text = MATTERHORN.read_text(encoding="utf-8")
    covered = sum(1 for row in _rows() if re.search(r"UA-[A-Z]+", row[2]))
    assert f"**{covered} of the 87**" in text
