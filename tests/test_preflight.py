"""Preflight: each print rule catches what it is meant to catch.

Every test starts from a good print PDF of the real series (zero findings), breaks exactly one
rule with pikepdf, and checks the finding: rule, severity, page and what the message says.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from pikepdf import Array, Dictionary, Name

from fichepress.checks.printing import check_print
from fichepress.cli import main
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.series.report import Report

REFERENCE = "03-strategie-globale"
MM = 72 / 25.4
TRIM = (0.0, 0.0, 612.0, 792.0)
"""The TrimBox of the series' print pages (US Letter), as WeasyPrint writes it."""
BODY_FONT = "/CUXTZP"
"""The body font (Lato, Type0, subset) on every page of the reference sheet's print PDF."""


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
    """Paint `content` after everything else on the page (in default user space)."""
    pdf.pages[page_index].contents_add(pdf.make_stream(content), prepend=False)


def with_content(data: bytes, content: bytes, page_index: int = 0) -> bytes:
    return mutated(data, lambda pdf: append_content(pdf, page_index, content))


def add_resource(pdf: pikepdf.Pdf, page_index: int, kind: str, name: str, value: Any) -> None:
    """Put `value` as `name` in the page's resources of `kind` (/XObject, /Font, …)."""
    resources = pdf.pages[page_index].obj.Resources
    if kind not in resources:
        resources[kind] = Dictionary()
    resources[kind][name] = value


def replace_in_content(pdf: pikepdf.Pdf, old: bytes, new: bytes) -> None:
    """Rewrite every content stream of every page, `old` becoming `new`."""
    for page in pdf.pages:
        contents: Any = page.obj.Contents
        streams = list(contents) if isinstance(contents, Array) else [contents]
        for stream in streams:
            stream.write(stream.read_bytes().replace(old, new))


def cmyk_image(
    pdf: pikepdf.Pdf, width: int, height: int, pixel: tuple[int, int, int, int] = (0, 0, 0, 128)
) -> pikepdf.Stream:
    """A DeviceCMYK image XObject of `width`×`height` pixels, all of one colour (0-255)."""
    return pdf.make_stream(
        bytes(pixel) * (width * height),
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=width,
        Height=height,
        ColorSpace=Name.DeviceCMYK,
        BitsPerComponent=8,
    )


def with_image(data: bytes, image: Callable[[pikepdf.Pdf], pikepdf.Stream], place: bytes) -> bytes:
    """The PDF with an image XObject /ImTest drawn on page 1 by `place` (a `cm` matrix)."""

    def change(pdf: pikepdf.Pdf) -> None:
        add_resource(pdf, 0, "/XObject", "/ImTest", image(pdf))
        append_content(pdf, 0, b"q " + place + b" cm /ImTest Do Q")

    return mutated(data, change)


def new_print_pdf(content: bytes, fonts: dict[str, Any] | None = None) -> bytes:
    """A one-page PDF with the boxes of the series (trim, trim + 3 mm, trim + 10 mm) and
    `content` as its only content."""
    bleed, media = 3 * MM, 10 * MM
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(TRIM[2], TRIM[3]))
    page = pdf.pages[0].obj
    page.MediaBox = Array([-media, -media, TRIM[2] + media, TRIM[3] + media])
    page.BleedBox = Array([-bleed, -bleed, TRIM[2] + bleed, TRIM[3] + bleed])
    page.TrimBox = Array(list(TRIM))
    page.Resources = Dictionary(Font=Dictionary(fonts or {}))
    page.Contents = pdf.make_stream(content)
    return save(pdf)


def findings_of(data: bytes, rule: str) -> list[Finding]:
    return [finding for finding in check_print(data) if finding.rule == rule]


def rules_of(data: bytes) -> set[str]:
    return {finding.rule for finding in check_print(data)}


def only_finding(data: bytes, rule: str) -> Finding:
    """The one finding of the PDF, which must be of `rule`."""
    findings = check_print(data)
    assert [finding.rule for finding in findings] == [rule], findings
    return findings[0]


def srgb_profile() -> bytes:
    return (files("pikepdf") / "pdfa" / "data" / "sRGB.icc").read_bytes()


@pytest.fixture(scope="module")
def good(reference_pdfs: Path) -> bytes:
    """The print PDF of the reference sheet: two pages, PDF/X-4, with crop marks."""
    return (reference_pdfs / "print" / f"{REFERENCE}.pdf").read_bytes()


# --- the good PDF ----------------------------------------------------------------------------


def test_every_good_print_pdf_has_no_finding(series_build: tuple[Project, Path, Report]) -> None:
    _, out, _ = series_build
    paths = sorted((out / "print").glob("*.pdf"))
    assert len(paths) >= 3
    for path in paths:
        assert check_print(path.read_bytes()) == [], path.name


def test_a_round_trip_through_pikepdf_keeps_the_pdf_clean(good: bytes) -> None:
    assert check_print(good) == []
    assert check_print(mutated(good, lambda pdf: None)) == []
    assert check_print(with_content(good, b"q 0 0 0 0.5 k 100 100 50 50 re f Q")) == []


# --- PDFX ------------------------------------------------------------------------------------


def _drop_pdfx_version(pdf: pikepdf.Pdf) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        del xmp["pdfxid:GTS_PDFXVersion"]


def test_pdfx_without_pdfx_version_in_the_xmp(good: bytes) -> None:
    finding = only_finding(mutated(good, _drop_pdfx_version), "PDFX")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "not identified as PDF/X-4 (XMP GTS_PDFXVersion: none)"


def test_pdfx_with_xmp_that_is_not_pdfx(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        xmp = (
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
            b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">A title</rdf:li></rdf:Alt>'
            b"</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>"
            b'<?xpacket end="w"?>'
        )
        pdf.Root.Metadata = pdf.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)

    finding = only_finding(mutated(good, change), "PDFX")
    assert (finding.page, finding.severity) == (0, "error")
    assert "not identified as PDF/X-4" in finding.message


def test_pdfx_with_another_pdfx_version(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["pdfxid:GTS_PDFXVersion"] = "PDF/X-1a:2001"

    finding = only_finding(mutated(good, change), "PDFX")
    assert finding.message == 'not identified as PDF/X-4 (XMP GTS_PDFXVersion: "PDF/X-1a:2001")'


def test_pdfx_without_info_title(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.docinfo["/Title"]

    finding = only_finding(mutated(good, change), "PDFX")
    assert (finding.page, finding.severity) == (0, "error")
    assert "no document title" in finding.message


@pytest.mark.parametrize("trapped", [Name.Unknown, None])
def test_pdfx_trapped_unknown_or_missing(good: bytes, trapped: Name | None) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        if trapped is None:
            del pdf.docinfo["/Trapped"]
        else:
            pdf.docinfo["/Trapped"] = trapped

    finding = only_finding(mutated(good, change), "PDFX")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "Trapped is not set to True or False"


def with_compressed_xmp(data: bytes) -> bytes:
    """The PDF with its XMP metadata Flate-compressed, as an incremental update written by hand:
    qpdf (so pikepdf's save) always writes the document's XMP stream uncompressed."""
    with open_pdf(data) as pdf:
        xmp = zlib.compress(pdf.Root.Metadata.read_bytes())
        metadata = pdf.make_indirect(Dictionary())  # only to reserve an object number
        number, root_number = metadata.objgen[0], pdf.Root.objgen[0]
        pdf.Root.Metadata = metadata
        root = pdf.Root.unparse(resolved=True)
        trailer = f"/Size {number + 1} /Root {root_number} 0 R".encode()
        trailer += f" /Info {pdf.trailer.Info.objgen[0]} 0 R /ID ".encode()
        trailer += pdf.trailer.ID.unparse()
    previous = int(data.rsplit(b"startxref", 1)[1].split()[0])
    update = bytearray(b"\n")
    offsets = {}
    offsets[number] = len(data) + len(update)
    update += f"{number} 0 obj\n<< /Type /Metadata /Subtype /XML /Filter /FlateDecode".encode()
    update += f" /Length {len(xmp)} >>\nstream\n".encode() + xmp + b"\nendstream\nendobj\n"
    offsets[root_number] = len(data) + len(update)
    update += f"{root_number} 0 obj\n".encode() + root + b"\nendobj\n"
    xref = len(data) + len(update)
    update += b"xref\n0 1\n0000000000 65535 f \n"
    for obj, offset in sorted(offsets.items()):
        update += f"{obj} 1\n{offset:010} 00000 n \n".encode()
    update += b"trailer\n<< " + trailer + f" /Prev {previous} >>\n".encode()
    update += f"startxref\n{xref}\n%%EOF\n".encode()
    return data + bytes(update)


def test_the_compressed_xmp_helper_works(good: bytes) -> None:
    with open_pdf(with_compressed_xmp(good)) as pdf:
        metadata: Any = pdf.Root.Metadata
        assert metadata.Filter == Name.FlateDecode
        assert b"GTS_PDFXVersion" in metadata.read_bytes()


def test_pdfx_compressed_xmp_is_a_warning(good: bytes) -> None:
    finding = only_finding(with_compressed_xmp(good), "PDFX")
    assert (finding.page, finding.severity) == (0, "warning")
    assert finding.message == "the XMP metadata stream is compressed"


# --- OUTPUT-INTENT ---------------------------------------------------------------------------


def test_output_intent_missing(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.OutputIntents

    finding = only_finding(mutated(good, change), "OUTPUT-INTENT")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == "0 PDF/X output intents, not one"


def test_output_intent_twice(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        intents: Any = pdf.Root.OutputIntents
        intents.append(intents[0])

    finding = only_finding(mutated(good, change), "OUTPUT-INTENT")
    assert finding.message == "2 PDF/X output intents, not one"


def test_output_intent_with_an_rgb_profile(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        intent: Any = pdf.Root.OutputIntents[0]
        intent.DestOutputProfile = pdf.make_stream(srgb_profile(), N=3)

    finding = only_finding(mutated(good, change), "OUTPUT-INTENT")
    assert (finding.page, finding.severity) == (0, "error")
    assert "not a CMYK printer profile" in finding.message
    assert "RGB" in finding.message
    assert finding.where == "FOGRA39"


def test_output_intent_without_profile_or_identifier(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        intent: Any = pdf.Root.OutputIntents[0]
        del intent.DestOutputProfile
        del intent.OutputConditionIdentifier

    whats = [f.message for f in findings_of(mutated(good, change), "OUTPUT-INTENT")]
    assert sorted(whats) == ["no OutputConditionIdentifier", "no embedded output profile"]


# --- BOXES -----------------------------------------------------------------------------------


def _set_box(name: str, box: list[float]) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.pages[1].obj[name] = Array(box)

    return change


def test_boxes_without_trimbox(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj.TrimBox

    # without a TrimBox no geometry rule can run, and the crop marks count as ink of the page
    assert findings_of(mutated(good, change), "BOXES") == [
        Finding(page=2, rule="BOXES", severity="error", message="no TrimBox")
    ]


def test_boxes_without_bleedbox(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.pages[1].obj.BleedBox

    assert findings_of(mutated(good, change), "BOXES") == [
        Finding(
            page=2, rule="BOXES", severity="error", message="no BleedBox: backgrounds cannot bleed"
        )
    ]


def test_boxes_bleed_of_one_millimetre(good: bytes) -> None:
    bleed = [-MM, -MM, TRIM[2] + MM, TRIM[3] + MM]
    findings = findings_of(mutated(good, _set_box("/BleedBox", bleed)), "BOXES")
    assert len(findings) == 1
    assert (findings[0].page, findings[0].severity) == (2, "error")
    assert findings[0].message == (
        "BleedBox [-2.83 -2.83 614.83 794.83] is not the TrimBox [0.00 0.00 612.00 792.00] + 3 mm"
    )


def test_boxes_bleed_beyond_the_mediabox(good: bytes) -> None:
    finding = only_finding(mutated(good, _set_box("/MediaBox", list(TRIM))), "BOXES")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == (
        "BleedBox [-8.50 -8.50 620.50 800.50] reaches beyond the MediaBox [0.00 0.00 612.00 792.00]"
    )


def test_boxes_artbox_with_trimbox_is_a_warning(good: bytes) -> None:
    finding = only_finding(mutated(good, _set_box("/ArtBox", [10, 10, 600, 780])), "BOXES")
    assert (finding.page, finding.severity) == (2, "warning")
    assert "ArtBox" in finding.message


# --- MARKS -----------------------------------------------------------------------------------


def test_marks_a_stroke_in_the_bleed(good: bytes) -> None:
    data = with_content(good, b"q 0 0 0 1 K 0.25 w -5 100 m -2 100 l S Q", page_index=1)
    finding = only_finding(data, "MARKS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "a stroke outside the trim reaches into the bleed"
    assert finding.where == "page, at [-5.12 99.88 -1.88 100.12]"


def test_marks_a_stroke_beyond_the_bleed_is_a_mark(good: bytes) -> None:
    assert check_print(with_content(good, b"q 0 0 0 1 K 0.25 w -25 100 m -12 100 l S Q")) == []


def test_marks_missing_on_the_good_pdf(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            contents: Any = page.obj.Contents
            assert b" S\n" in contents[-1].read_bytes()  # the crop marks WeasyPrint drew
            contents[-1].write(b"Q\n")  # keep the Q that closes the first stream's q

    findings = check_print(mutated(good, change))
    assert findings == [
        Finding(page=1, rule="MARKS", severity="warning", message="no crop marks around the trim"),
        Finding(page=2, rule="MARKS", severity="warning", message="no crop marks around the trim"),
    ]


def test_marks_missing_on_a_page_with_only_a_rectangle() -> None:
    data = new_print_pdf(b"q 0 0 0 0.5 k 100 100 200 200 re f Q")
    assert findings_of(data, "MARKS") == [
        Finding(page=1, rule="MARKS", severity="warning", message="no crop marks around the trim")
    ]


# --- COLOUR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"q 1 0 0 rg 100 100 10 10 re f Q", "DeviceRGB colour (rg 1 0 0)"),
        (b"q 0 0 1 RG 100 100 m 120 100 l S Q", "DeviceRGB colour (RG 0 0 1)"),
        (b"q 0.5 g 100 100 10 10 re f Q", "DeviceGray colour (g 0.5)"),
        (b"q /DeviceRGB cs 0 1 0 scn 100 100 10 10 re f Q", "DeviceRGB colour (cs)"),
    ],
)
def test_colour_operators(good: bytes, content: bytes, what: str) -> None:
    findings = findings_of(with_content(good, content, page_index=1), "COLOUR")
    assert Finding(page=2, rule="COLOUR", severity="error", message=what, where="page") in findings
    assert rules_of(with_content(good, content)) == {"COLOUR"}


def test_colour_icc_based_rgb(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        profile = pdf.make_stream(srgb_profile(), N=3)
        add_resource(pdf, 0, "/ColorSpace", "/CSrgb", Array([Name.ICCBased, profile]))
        append_content(pdf, 0, b"q /CSrgb cs 0.1 0.2 0.3 scn 100 100 10 10 re f Q")

    findings = findings_of(mutated(good, change), "COLOUR")
    assert {f.message for f in findings} == {
        "ICCBased (N=3) colour (cs)",
        "ICCBased (N=3) colour (scn 0.1 0.2 0.3)",
    }


def test_colour_icc_based_cmyk_is_fine(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        profile: Any = pdf.Root.OutputIntents[0].DestOutputProfile
        add_resource(pdf, 0, "/ColorSpace", "/CScmyk", Array([Name.ICCBased, profile]))
        append_content(pdf, 0, b"q /CScmyk cs 0.1 0.2 0.3 0 scn 100 100 10 10 re f Q")

    assert check_print(mutated(good, change)) == []


def test_colour_rgb_image(good: bytes) -> None:
    def image(pdf: pikepdf.Pdf) -> pikepdf.Stream:
        return pdf.make_stream(
            bytes(3 * 600 * 600),
            Type=Name.XObject,
            Subtype=Name.Image,
            Width=600,
            Height=600,
            ColorSpace=Name.DeviceRGB,
            BitsPerComponent=8,
        )

    finding = only_finding(with_image(good, image, b"72 0 0 72 200 300"), "COLOUR")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "DeviceRGB image of 600×600 pixels"
    assert finding.where == "page, image /ImTest"


def test_colour_inline_rgb_image(good: bytes) -> None:
    content = b"q 10 0 0 10 200 300 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID " + bytes(12) + b" EI Q"
    findings = findings_of(with_content(good, content), "COLOUR")
    assert [(f.page, f.severity, f.message) for f in findings] == [
        (1, "error", "DeviceRGB image of 2×2 pixels")
    ]


def test_colour_inside_a_form_names_the_form(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        form = pdf.make_stream(
            b"0 1 0 rg 0 0 10 10 re f",
            Type=Name.XObject,
            Subtype=Name.Form,
            BBox=[0, 0, 10, 10],
            Resources=Dictionary(),
        )
        add_resource(pdf, 0, "/XObject", "/FmRGB", form)
        append_content(pdf, 0, b"q 1 0 0 1 200 300 cm /FmRGB Do Q")

    finding = only_finding(mutated(good, change), "COLOUR")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "DeviceRGB colour (rg 0 1 0)"
    assert "/FmRGB" in finding.where


def test_colour_page_group_in_rgb(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.pages[1].obj.Group = Dictionary(Type=Name.Group, S=Name.Transparency, CS=Name.DeviceRGB)

    finding = only_finding(mutated(good, change), "COLOUR")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "DeviceRGB colour (Group)"
    assert finding.where == "page group"


def _rgb_shading() -> pikepdf.Dictionary:
    function = Dictionary(FunctionType=2, Domain=[0, 1], C0=[1, 0, 0], C1=[0, 0, 1], N=1)
    return Dictionary(
        ShadingType=2, ColorSpace=Name.DeviceRGB, Coords=[100, 0, 200, 0], Function=function
    )


def test_colour_rgb_shading_drawn_with_sh(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        add_resource(pdf, 0, "/Shading", "/ShRGB", _rgb_shading())
        append_content(pdf, 0, b"q 100 100 100 50 re W n /ShRGB sh Q")

    finding = only_finding(mutated(good, change), "COLOUR")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "DeviceRGB colour (sh)"


def test_colour_rgb_shading_pattern(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pattern = Dictionary(Type=Name.Pattern, PatternType=2, Shading=_rgb_shading())
        add_resource(pdf, 0, "/Pattern", "/PaRGB", pattern)
        append_content(pdf, 0, b"q /Pattern cs /PaRGB scn 100 100 100 50 re f Q")

    finding = only_finding(mutated(good, change), "COLOUR")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "DeviceRGB colour (Pattern)"
    assert "/PaRGB" in finding.where


def test_colour_rgb_colour_of_an_uncoloured_pattern(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pattern = pdf.make_stream(
            b"0 0 5 5 re f",
            Type=Name.Pattern,
            PatternType=1,
            PaintType=2,  # uncoloured: the colour comes from scn
            TilingType=1,
            BBox=[0, 0, 10, 10],
            XStep=10,
            YStep=10,
            Resources=Dictionary(),
        )
        add_resource(pdf, 0, "/Pattern", "/PaU", pattern)
        add_resource(pdf, 0, "/ColorSpace", "/CSpat", Array([Name.Pattern, Name.DeviceRGB]))
        append_content(pdf, 0, b"q /CSpat cs 1 0 0 /PaU scn 100 100 50 50 re f Q")

    findings = findings_of(mutated(good, change), "COLOUR")
    assert findings
    assert all(f.page == 1 and f.severity == "error" for f in findings)
    assert any("RGB" in f.message for f in findings)


# --- TEXT-BLACK ------------------------------------------------------------------------------


def _text(colour: bytes, x: float = 100, y: float = 400, font: str = BODY_FONT) -> bytes:
    return f"q BT {font} 12 Tf ".encode() + colour + f" {x} {y} Td <0012> Tj ET Q".encode()


def test_text_black_rich_black(good: bytes) -> None:
    finding = only_finding(with_content(good, _text(b"0.6 0.5 0.4 1 k")), "TEXT-BLACK")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "black text in rich black (CMYK 0.6 0.5 0.4 1): use black ink only"
    assert finding.where.startswith("page, at [100.00 ")


def test_text_black_in_black_ink_is_fine(good: bytes) -> None:
    assert check_print(with_content(good, _text(b"0 0 0 1 k"))) == []


def test_text_black_body_text_not_in_full_black(good: bytes) -> None:
    data = mutated(good, lambda pdf: replace_in_content(pdf, b"0 0 0 1 scn", b"0 0 0 0.8 scn"))
    finding = only_finding(data, "TEXT-BLACK")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == (
        "body text is printed in CMYK 0 0 0 0.8, not in black ink only (0 0 0 1)"
    )


def test_text_black_body_text_all_in_rich_black(good: bytes) -> None:
    rich = b"0.2 0.2 0.2 0.9 scn"
    findings = findings_of(
        mutated(good, lambda pdf: replace_in_content(pdf, b"0 0 0 1 scn", rich)), "TEXT-BLACK"
    )
    body = [f for f in findings if f.page == 0]
    assert [f.message for f in body] == [
        "body text is printed in CMYK 0.2 0.2 0.2 0.9, not in black ink only (0 0 0 1)"
    ]
    assert {f.page for f in findings} == {0, 1, 2}
    assert all("rich black (CMYK 0.2 0.2 0.2 0.9)" in f.message for f in findings if f.page)


# --- INK -------------------------------------------------------------------------------------


def test_ink_over_300_percent(good: bytes) -> None:
    finding = only_finding(with_content(good, b"q 1 1 1 0.5 k 100 100 50 50 re f Q", 1), "INK")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "CMYK 1 1 1 0.5 uses 350 % of ink, over 300 %"


def test_ink_at_300_percent_is_fine(good: bytes) -> None:
    assert check_print(with_content(good, b"q 1 1 1 0 k 100 100 50 50 re f Q")) == []


def test_ink_of_a_cmyk_image(good: bytes) -> None:
    data = with_image(
        good, lambda pdf: cmyk_image(pdf, 400, 400, (255, 255, 255, 128)), b"72 0 0 72 200 300"
    )
    finding = only_finding(data, "INK")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "a CMYK image reaches 350 % of ink, over 300 %"
    assert finding.where == "page, image /ImTest"


def test_ink_of_a_cmyk_image_at_300_percent_is_fine(good: bytes) -> None:
    data = with_image(
        good, lambda pdf: cmyk_image(pdf, 400, 400, (255, 255, 255, 0)), b"72 0 0 72 200 300"
    )
    assert check_print(data) == []


def test_ink_of_a_cmyk_shading_over_300_percent(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        function = Dictionary(
            FunctionType=2, Domain=[0, 1], C0=[1, 1, 1, 1], C1=[1, 1, 1, 0.5], N=1
        )
        shading = Dictionary(
            ShadingType=2, ColorSpace=Name.DeviceCMYK, Coords=[100, 0, 200, 0], Function=function
        )
        add_resource(pdf, 0, "/Shading", "/ShK", shading)
        append_content(pdf, 0, b"q 100 100 100 50 re W n /ShK sh Q")

    finding = only_finding(mutated(good, change), "INK")
    assert (finding.page, finding.severity) == (1, "error")
    assert "over 300 %" in finding.message


def _cmyk_shading(c0: list[float], c1: list[float]) -> Dictionary:
    function = Dictionary(FunctionType=2, Domain=[0, 1], C0=c0, C1=c1, N=1)
    return Dictionary(
        ShadingType=2, ColorSpace=Name.DeviceCMYK, Coords=[0, 0, 600, 0], Function=function
    )


def test_ink_of_a_cmyk_shading_pattern_fill_over_300_percent(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pattern = Dictionary(PatternType=2, Shading=_cmyk_shading([0, 0, 0, 0.2], [1, 1, 1, 0.2]))
        add_resource(pdf, 0, "/Pattern", "/PaK", pattern)
        append_content(pdf, 0, b"q /Pattern cs /PaK scn 100 100 100 50 re f Q")

    finding = only_finding(mutated(good, change), "INK")
    assert "CMYK 1 1 1 0.2 uses 320 % of ink" in finding.message


def test_bleed_of_a_clipped_shading_that_stops_at_the_trim(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        add_resource(pdf, 0, "/Shading", "/ShB", _cmyk_shading([0, 0.2, 0, 0], [0, 0.8, 0, 0]))
        # clipped from x = 0 (the trim's left edge) instead of the bleed's (-8.5)
        append_content(pdf, 0, b"q 0 300 200 100 re W n /ShB sh Q")

    finding = only_finding(mutated(good, change), "BLEED")
    assert "a shading reaches the trim on the left but stops short of the bleed" in finding.message


# --- BLEED -----------------------------------------------------------------------------------

ORANGE = b"0 0.8 0.95 0 k"


def test_bleed_a_background_stopping_exactly_at_the_trim(good: bytes) -> None:
    # from y = 700 up to the top of the TrimBox (792), not on into the bleed (800.5)
    finding = only_finding(with_content(good, b"q " + ORANGE + b" 100 700 200 92 re f Q"), "BLEED")
    assert (finding.page, finding.severity) == (1, "error")
    assert "reaches the trim on the top but stops short of the bleed" in finding.message


@pytest.mark.parametrize(
    ("rectangle", "side"),
    [(b"100 700 200 95", "top"), (b"-1 300 100 100", "left"), (b"-1 -1 100 100", "left, bottom")],
)
def test_bleed_a_background_stopping_short_of_the_bleed(
    good: bytes, rectangle: bytes, side: str
) -> None:
    finding = only_finding(
        with_content(good, b"q " + ORANGE + b" " + rectangle + b" re f Q"), "BLEED"
    )
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == (
        f"a fill reaches the trim on the {side} but stops short of the bleed:"
        " extend it 3 mm beyond the page"
    )


def test_bleed_a_background_reaching_the_bleed_is_fine(good: bytes) -> None:
    content = b"q " + ORANGE + b" 100 700 200 %.3f re f Q" % (92 + 3 * MM)
    assert check_print(with_content(good, content)) == []


def test_bleed_white_paper_stopping_short_is_fine(good: bytes) -> None:
    assert check_print(with_content(good, b"q 0 0 0 0 k 100 700 200 95 re f Q")) == []


def _dotted_pattern(pdf: pikepdf.Pdf) -> None:
    """A coloured tiling pattern /PaDots, whose cell draws a dot at its origin (the corner of
    the page, if the cell were read in page space), as WeasyPrint draws a repeated picture."""
    pattern = pdf.make_stream(
        b"0 0 0 0.72 k 0.5 0.5 0.8 0.8 re f",
        Type=Name.Pattern,
        PatternType=1,
        PaintType=1,
        TilingType=1,
        BBox=[0, 0, 3, 2],
        XStep=3,
        YStep=2,
        Matrix=[1, 0, 0, 1, 150, 400],
        Resources=Dictionary(),
    )
    add_resource(pdf, 0, "/Pattern", "/PaDots", pattern)


def test_bleed_the_cell_of_a_pattern_is_not_placed_on_the_page(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        _dotted_pattern(pdf)
        append_content(pdf, 0, b"q /Pattern cs /PaDots scn 150 400 100 2 re f Q")

    assert check_print(mutated(good, change)) == []


def test_bleed_a_pattern_fill_stopping_short_of_the_bleed(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        _dotted_pattern(pdf)
        append_content(pdf, 0, b"q /Pattern cs /PaDots scn 100 700 200 95 re f Q")

    finding = only_finding(mutated(good, change), "BLEED")
    assert "reaches the trim on the top" in finding.message


# --- SAFETY ----------------------------------------------------------------------------------


def test_safety_text_one_millimetre_from_the_trim(good: bytes) -> None:
    finding = only_finding(with_content(good, _text(b"0 0 0 1 k", x=MM)), "SAFETY")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message == "text within 3 mm of the trim, where the cut may take it"
    assert finding.where.startswith("page, at [2.83 ")


def test_safety_image_one_millimetre_from_the_trim(good: bytes) -> None:
    data = with_image(good, lambda pdf: cmyk_image(pdf, 400, 400), b"72 0 0 72 300 %.3f" % MM)
    finding = only_finding(data, "SAFETY")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message.startswith("image within 3 mm of the trim")


def test_safety_text_four_millimetres_from_the_trim_is_fine(good: bytes) -> None:
    assert check_print(with_content(good, _text(b"0 0 0 1 k", x=4 * MM))) == []


# --- FONTS -----------------------------------------------------------------------------------


def test_fonts_not_embedded(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        helvetica = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
        add_resource(pdf, 1, "/Font", "/FHelv", helvetica)
        append_content(pdf, 1, b"q BT /FHelv 10 Tf 0 0 0 1 k 100 400 Td (Hi) Tj ET Q")

    finding = only_finding(mutated(good, change), "FONTS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == 'font "Helvetica" is not embedded'


def test_fonts_embedded_whole(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        font: Any = pdf.pages[0].obj.Resources.Font[BODY_FONT]
        assert str(font.BaseFont) == "/CUXTZP+Lato"
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
        font.BaseFont = Name("/Lato")

    findings = findings_of(mutated(good, change), "FONTS")
    assert findings  # the font is shared: one finding per page that uses it
    assert {(f.severity, f.message) for f in findings} == {
        ("error", 'font "Lato" is embedded whole, not subset')
    }
    assert 1 in {f.page for f in findings}


def test_fonts_one_subset_name_for_two_font_programs(good: bytes) -> None:
    """Two different subsets under one tag and name (as joined parts had them): a RIP that
    caches fonts by name draws the wrong glyphs."""

    def change(pdf: pikepdf.Pdf) -> None:
        fonts: Any = pdf.pages[0].obj.Resources.Font
        body = fonts[BODY_FONT]
        other = next(f for name, f in fonts.items() if name != BODY_FONT)
        name = body.DescendantFonts[0].FontDescriptor.FontName
        other.BaseFont = other.DescendantFonts[0].BaseFont = name
        other.DescendantFonts[0].FontDescriptor.FontName = name

    finding = only_finding(mutated(good, change), "FONTS")
    assert (finding.page, finding.severity) == (0, "error")
    assert finding.message == (
        'the subset name "CUXTZP+Lato" stands for 2 different embedded fonts:'
        " give each subset a tag of its own"
    )


# --- OVERPRINT and LINES ---------------------------------------------------------------------

OVERPRINT_ON = b"/GSop gs "
"""Selects a graphics state that sets overprint on (added as /GSop by `with_overprint`)."""


def with_overprint(data: bytes, content: bytes) -> bytes:
    def change(pdf: pikepdf.Pdf) -> None:
        state = Dictionary(Type=Name.ExtGState, OP=True, op=True, OPM=1)
        add_resource(pdf, 0, "/ExtGState", "/GSop", state)
        append_content(pdf, 0, content)

    return mutated(data, change)


def test_overprint_of_white_text_is_an_error(good: bytes) -> None:
    content = (
        b"q "
        + OVERPRINT_ON
        + b"BT "
        + BODY_FONT.encode()
        + b" 10 Tf 0 0 0 0 k 100 400 Td <0003> Tj ET Q"
    )
    finding = only_finding(with_overprint(good, content), "OVERPRINT")
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message.startswith("text in white is set to overprint")


def test_overprint_of_a_light_fill_is_an_error_and_black_is_fine(good: bytes) -> None:
    light = b"q " + OVERPRINT_ON + b"0 0.1 0.2 0 k 100 100 50 50 re f Q"
    finding = only_finding(with_overprint(good, light), "OVERPRINT")
    assert "a light colour (CMYK 0 0.1 0.2 0)" in finding.message
    black = b"q " + OVERPRINT_ON + b"0 0 0 1 k 100 100 50 50 re f Q"
    assert check_print(with_overprint(good, black)) == []


def test_a_hairline_of_0_05_pt_is_an_error(good: bytes) -> None:
    finding = only_finding(
        with_content(good, b"q 0.05 w 0 0 0 1 K 100 300 m 300 300 l S Q"), "LINES"
    )
    assert (finding.page, finding.severity) == (1, "error")
    assert finding.message.startswith("a line 0.05 pt thin")


def test_a_line_of_0_2_pt_is_a_warning_and_0_25_pt_is_fine(good: bytes) -> None:
    thin = with_content(good, b"q 0.2 w 0 0 0 1 K 100 300 m 300 300 l S Q")
    assert only_finding(thin, "LINES").severity == "warning"
    assert check_print(with_content(good, b"q 0.25 w 0 0 0 1 K 100 300 m 300 300 l S Q")) == []


# --- IMAGES ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pixels", "expected"),
    [(10, ("error", "10")), (200, ("warning", "200")), (400, None)],
)
def test_images_resolution(good: bytes, pixels: int, expected: tuple[str, str] | None) -> None:
    data = with_image(good, lambda pdf: cmyk_image(pdf, pixels, pixels), b"72 0 0 72 200 300")
    if expected is None:
        assert check_print(data) == []
        return
    severity, ppi = expected
    finding = only_finding(data, "IMAGES")
    assert (finding.page, finding.severity) == (1, severity)
    assert finding.message == (
        f"image of {pixels}×{pixels} pixels printed at {ppi} ppi"
        " (needs 300; under 150 it looks blurred)"
    )
    assert finding.where == "page, image /ImTest, at [200.00 300.00 272.00 372.00]"


def test_images_resolution_is_that_of_the_worse_direction(good: bytes) -> None:
    # 400×400 pixels stretched over 2×1 inches: 200 ppi across, 400 up
    data = with_image(good, lambda pdf: cmyk_image(pdf, 400, 400), b"144 0 0 72 200 300")
    finding = only_finding(data, "IMAGES")
    assert (finding.severity, "200 ppi" in finding.message) == ("warning", True)


def test_images_resolution_of_a_rotated_image(good: bytes) -> None:
    # 600×150 pixels printed 2 in wide and 0.5 in high (300 ppi both ways), turned by 90°
    data = with_image(good, lambda pdf: cmyk_image(pdf, 600, 150), b"0 144 -36 0 300 300")
    assert check_print(data) == []


# --- the command line ------------------------------------------------------------------------


CHECKED = "ok: 1 file checked (0 errors, 0 warnings)\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["preflight", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_cli_good_pdf_has_no_findings(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "good.pdf"
    path.write_bytes(good)
    assert run(str(path)) == (
        0,
        f"{path}: no findings\n{CHECKED}",
        "",
    )


def test_cli_broken_pdf_exits_1_with_the_finding(good: bytes, tmp_path: Path) -> None:
    good_path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good_path.write_bytes(good)
    broken.write_bytes(with_content(good, b"q 1 0 0 rg 100 100 10 10 re f Q"))
    code, out, err = run(str(good_path), str(broken))
    assert code == 1
    assert out.splitlines() == [
        f"{good_path}: no findings",
        f"{broken}: error COLOUR page 1: DeviceRGB colour (rg 1 0 0) (page)",
        "failed: 2 files checked (1 error, 0 warnings)",
    ]
    assert "Traceback" not in out + err


def test_cli_warnings_alone_exit_0(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "warned.pdf"
    path.write_bytes(mutated(good, _set_box("/ArtBox", [10, 10, 600, 780])))
    code, out, _ = run(str(path))
    assert code == 0
    assert out.splitlines() == [
        f"{path}: warning BOXES page 2: both ArtBox and TrimBox are set",
        "ok: 1 file checked (0 errors, 1 warning)",
    ]


def test_cli_json(good: bytes, tmp_path: Path) -> None:
    good_path, broken = tmp_path / "good.pdf", tmp_path / "broken.pdf"
    good_path.write_bytes(good)
    broken.write_bytes(
        with_content(good, b"q 1 1 1 0.5 k 100 100 50 50 re f 0.5 g 200 100 9 9 re f Q")
    )
    code, out, _ = run("--format", "json", str(good_path), str(broken))
    assert code == 1
    report = json.loads(out)
    assert (report["command"], report["ok"], report["counts"]) == (
        "preflight",
        False,
        {"errors": 2, "warnings": 0, "advice": 0},
    )
    assert [(o["path"], o["variant"], o["status"]) for o in report["outputs"]] == [
        (str(good_path), "print", "checked"),
        (str(broken), "print", "checked"),
    ]
    assert {f["file"] for f in report["findings"]} == {str(broken)}
    assert {(f["rule"], f["page"], f["severity"]) for f in report["findings"]} == {
        ("INK", 1, "error"),
        ("COLOUR", 1, "error"),
    }


def test_cli_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("not a PDF at all\n", encoding="utf-8")
    code, out, err = run(str(path))
    assert code == 1
    assert out.startswith(f"{path}: error FILE: not a readable PDF: ")
    assert "BytesIO" not in out and " at 0x" not in out  # no Python object in the words
    assert out.splitlines()[1:] == ["failed: 1 file checked (1 error, 0 warnings)"]
    assert "Traceback" not in out + err


def test_output_intent_of_a_condition_that_is_not_standard(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OutputIntents[0].OutputConditionIdentifier = pikepdf.String("Our own press")

    finding = only_finding(mutated(good, change), "OUTPUT-INTENT")
    assert (finding.page, finding.severity, finding.where) == (0, "warning", "Our own press")
    assert "not a standard printing condition" in finding.message


@pytest.mark.parametrize("identifier", ["FOGRA39", "FOGRA51", "CGATS21_CRPC6", "GRACoL2006"])
def test_output_intent_standard_conditions_pass(good: bytes, identifier: str) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OutputIntents[0].OutputConditionIdentifier = pikepdf.String(identifier)

    assert findings_of(mutated(good, change), "OUTPUT-INTENT") == []


def test_annotations_a_link_on_the_printed_piece(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        link = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=pikepdf.Array([100, 100, 200, 120]),
                A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org")),
            )
        )
        pdf.pages[1].obj.Annots = pikepdf.Array([link])

    finding = only_finding(mutated(good, change), "ANNOTATIONS")
    assert (finding.page, finding.severity) == (2, "error")
    assert finding.message == "a Link annotation on the printed piece"


def test_annotations_printer_marks_are_allowed(good: bytes) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        mark = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.PrinterMark,
                Rect=pikepdf.Array([-20, -20, -12, -12]),
            )
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([mark])

    assert findings_of(mutated(good, change), "ANNOTATIONS") == []
