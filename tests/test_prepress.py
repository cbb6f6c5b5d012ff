"""Finishing print PDFs: output intent, crop marks beyond the bleed, reproducible identity."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pikepdf
import pytest

from fichepress.core.colour import profile_bytes
from fichepress.core.geometry import PT_PER_MM as MM
from fichepress.core.project import Project
from fichepress.pdf.paints import Paint
from fichepress.pdf.prepress import crop_marks, finish_print_pdf, overprint_black, pdf_date
from fichepress.pdf.scan import iter_pages
from fichepress.series.report import Report

from .conftest import Built

REFERENCE = "03-strategie-globale"


@pytest.fixture(scope="module")
def printed(reference_pdfs: Path) -> pikepdf.Pdf:
    return pikepdf.open(reference_pdfs / "print" / f"{REFERENCE}.pdf")


def test_one_output_intent_with_the_fogra39_profile(printed: pikepdf.Pdf) -> None:
    [intent] = printed.Root.OutputIntents
    assert intent.S == "/GTS_PDFX"
    assert str(intent.OutputConditionIdentifier) == "FOGRA39"
    assert str(intent.RegistryName) == "http://www.color.org"
    assert intent.DestOutputProfile.N == 4
    assert intent.DestOutputProfile.read_bytes() == profile_bytes()


def test_boxes_trim_bleed_and_room_for_marks(printed: pikepdf.Pdf) -> None:
    bleed, slug = 3 * MM, 10 * MM
    for page in printed.pages:

        def box(name: str, page: pikepdf.Page = page) -> list[float]:
            return [round(float(v), 2) for v in page.obj[name]]

        assert box("/TrimBox") == [0, 0, 612, 792]
        assert box("/BleedBox") == [round(v, 2) for v in (-bleed, -bleed, 612 + bleed, 792 + bleed)]
        assert box("/MediaBox") == [round(v, 2) for v in (-slug, -slug, 612 + slug, 792 + slug)]
        assert "/CropBox" not in page.obj and "/ArtBox" not in page.obj


def test_crop_marks_are_eight_registration_lines_beyond_the_bleed(printed: pikepdf.Pdf) -> None:
    for page in printed.pages:
        # the page's own content is wrapped in q/Q, then the marks follow
        instructions = list(pikepdf.parse_content_stream(page))
        assert str(instructions[0].operator) == "q"
        registration = [
            index
            for index, i in enumerate(instructions)
            if str(i.operator) == "K" and [float(v) for v in i.operands] == [1, 1, 1, 1]
        ]
        assert len(registration) == 1
        marks = instructions[registration[0] :]
        lines = [i for i in marks if str(i.operator) == "S"]
        assert len(lines) == 8
        points = [
            (float(i.operands[0]), float(i.operands[1]))
            for i in marks
            if str(i.operator) in ("m", "l")
        ]
        for x, y in points:
            # every end of every mark lies outside the bleed box, inside the media box
            outside = (
                x <= -3 * MM - 0.5
                or x >= 612 + 3 * MM + 0.5
                or y <= -3 * MM - 0.5
                or (y >= 792 + 3 * MM + 0.5)
            )
            assert outside, (x, y)
            assert -10 * MM <= x <= 612 + 10 * MM and -10 * MM <= y <= 792 + 10 * MM


def test_crop_mark_geometry() -> None:
    text = crop_marks((0, 0, 100, 200)).decode()
    assert text.startswith("q\n0.25 w 0 J 1 1 1 1 K\n") and text.endswith("Q\n")
    # bottom-left corner: a horizontal mark from 4 mm to 9 mm left of the trim, on its edge
    assert f"{-4 * MM:.3f} 0.000 m {-9 * MM:.3f} 0.000 l S" in text
    assert f"0.000 {-4 * MM:.3f} m 0.000 {-9 * MM:.3f} l S" in text
    assert f"100.000 {200 + 4 * MM:.3f} m 100.000 {200 + 9 * MM:.3f} l S" in text


def test_metadata_stays_readable_with_one_document_id(printed: pikepdf.Pdf) -> None:
    xmp = printed.Root.Metadata.read_bytes()
    assert "/Filter" not in printed.Root.Metadata  # XMP must stay readable without decoding
    assert len(re.findall(rb"<xmpMM:DocumentID>xmp\.did:[0-9a-f-]{36}<", xmp)) == 1
    assert all(len(bytes(part)) == 16 for part in printed.trailer.ID)


def test_finishing_twice_the_same_render_gives_the_same_bytes(
    series_build: tuple[Project, Path, Report],
) -> None:
    """WeasyPrint puts a random DocumentID in PDF/X-4: two renders differ only there."""
    _, out, _ = series_build
    data = (out / "print" / f"{REFERENCE}.pdf").read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
    # Simulate WeasyPrint's two random identifiers on an otherwise identical document.
    first = data.replace(
        re.search(rb"xmp\.did:[0-9a-f-]{36}", xmp).group(0),  # type: ignore[union-attr]
        b"xmp.did:00000000-0000-4000-8000-000000000001",
    )
    second = data.replace(
        re.search(rb"xmp\.did:[0-9a-f-]{36}", xmp).group(0),  # type: ignore[union-attr]
        b"xmp.did:00000000-0000-4000-8000-000000000002",
    )
    assert first != second
    assert finish_print_pdf(first) == finish_print_pdf(second)


def test_objects_are_packed_in_object_streams(series_build: tuple[Project, Path, Report]) -> None:
    """Smaller files, written faster (PDF/X-4 and PDF/UA-1 admit object streams); the XMP
    metadata stays a stream of its own, readable by prepress tools."""
    _, out, _ = series_build
    for variant in ("print", "accessible"):
        data = (out / variant / f"{REFERENCE}.pdf").read_bytes()
        assert b"/ObjStm" in data, variant
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert b"pdfxid" in pdf.Root.Metadata.read_bytes() or variant == "accessible"


# --- black overprint -------------------------------------------------------------------------


def _text_paints(pdf: pikepdf.Pdf) -> list[Paint]:
    return [p for _, _, scan in iter_pages(pdf) for p in scan.paints if p.kind == "text"]


def test_black_text_overprints_and_every_other_colour_knocks_out(printed: pikepdf.Pdf) -> None:
    texts = _text_paints(printed)
    black = [p for p in texts if p.colour == (0.0, 0.0, 0.0, 1.0)]
    others = [p for p in texts if p.colour != (0.0, 0.0, 0.0, 1.0)]
    assert sum(p.glyphs for p in black) > 1000  # the body text
    assert all(p.overprint for p in black)
    assert others and not any(p.overprint for p in others)  # white, tints, brand colours
    [_, *states] = [s for s in printed.pages[0].obj.Resources.ExtGState.values() if "/OP" in s]
    assert {(bool(s.op), bool(s.OP), int(s.OPM)) for s in [_, *states]} >= {(True, True, 1)}


def _rewritten(content: bytes, form: bytes | None = None) -> list[tuple[str, bool]]:
    """The colour and overprint of each text a one-page PDF paints after `overprint_black`."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0].obj
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1)
    font.BaseFont = pikepdf.Name.Helvetica
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    if form is not None:
        xobject = pdf.make_stream(form, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form)
        xobject.BBox = pikepdf.Array([0, 0, 600, 800])
        xobject.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Resources.XObject = pikepdf.Dictionary(Fm1=xobject)
    page.Contents = pdf.make_stream(content)
    overprint_black(pdf)
    with pikepdf.open(io.BytesIO(save(pdf))) as again:
        return [(" ".join(f"{v:g}" for v in p.colour), p.overprint) for p in _text_paints(again)]


def save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_overprint_follows_the_colour_through_saves_restores_and_forms() -> None:
    text = b"BT /F1 10 Tf 100 100 Td (a) Tj ET "
    content = (
        b"/DeviceCMYK cs "
        + text  # the initial colour of DeviceCMYK is 0 0 0 1
        + b"0 0 0 0 scn "
        + text  # white: knocks out again
        + b"q 0 0 0 1 k "
        + text
        + b"Q "
        + text  # restored: white, knocking out
        + b"0 0 0 1 k /Fm1 Do 0.5 g "
        + text
    )
    form = b"BT /F1 10 Tf 1 1 Td (a) Tj ET 0 0 0 0.9 k BT /F1 10 Tf 1 1 Td (b) Tj ET"
    assert _rewritten(content, form) == [
        ("0 0 0 1", True),
        ("0 0 0 0", False),
        ("0 0 0 1", True),
        ("0 0 0 0", False),
        ("0 0 0 1", True),  # in the form, inheriting black
        ("0 0 0 0.9", False),
        ("0.5", False),
    ]


# --- metadata --------------------------------------------------------------------------------

XMP_NAMES = {
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
PDFX4_PROPERTIES = {
    "pdfxid:GTS_PDFXVersion",
    "xmp:CreateDate",
    "xmp:ModifyDate",
    "xmpMM:DocumentID",
    "xmpMM:VersionID",
    "xmpMM:RenditionClass",
    "pdf:Trapped",
}
"""What ISO 15930-7 asks of the XMP of a PDF/X-4."""
INFO_TWINS = {
    "dc:title": "/Title",
    "dc:creator": "/Author",
    "dc:description": "/Subject",
    "xmp:CreatorTool": "/Creator",
    "pdf:Producer": "/Producer",
}
"""The XMP twins of the Info dictionary's entries, which must say the same."""
XMP_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")


def _xmp_properties(pdf: pikepdf.Pdf) -> dict[str, ET.Element]:
    root = ET.fromstring(pdf.Root.Metadata.read_bytes())
    prefixes = {uri: prefix for prefix, uri in XMP_NAMES.items()}
    found: dict[str, ET.Element] = {}
    for description in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        for element in description:
            uri, _, local = element.tag[1:].partition("}")
            assert uri in prefixes, f"a property of an unexpected schema: {element.tag}"
            found[f"{prefixes[uri]}:{local}"] = element
        for attribute in description.attrib:
            assert attribute.endswith("}about"), f"a property written as attribute: {attribute}"
    return found


def test_the_print_xmp_holds_what_pdfx4_requires_and_well_formed_dates(
    printed: pikepdf.Pdf,
) -> None:
    assert_pdfx4_metadata(printed)


def test_the_print_collection_xmp_too(sobre_build: Built) -> None:
    with pikepdf.open(sobre_build.out / "print" / "collection.pdf") as pdf:
        assert_pdfx4_metadata(pdf)


def assert_pdfx4_metadata(pdf: pikepdf.Pdf) -> None:
    properties = _xmp_properties(pdf)
    assert set(properties) == PDFX4_PROPERTIES | set(INFO_TWINS)
    assert properties["pdfxid:GTS_PDFXVersion"].text == "PDF/X-4"
    assert properties["xmpMM:RenditionClass"].text == "default"
    assert properties["xmpMM:VersionID"].text == "1"
    for twin, key in INFO_TWINS.items():
        assert "".join(properties[twin].itertext()).strip() == str(pdf.docinfo[key])
    assert properties["pdf:Trapped"].text == str(pdf.docinfo.Trapped).lstrip("/")
    for xmp_name, info_key in (("xmp:CreateDate", "/CreationDate"), ("xmp:ModifyDate", "/ModDate")):
        value = properties[xmp_name].text or ""
        assert XMP_DATE.fullmatch(value), value
        moment = datetime.fromisoformat(value)
        info = str(pdf.docinfo[info_key])
        assert re.fullmatch(r"D:\d{14}(Z|[+-]\d\d'\d\d')", info), info
        assert pdf_date(info) == moment
