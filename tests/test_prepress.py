"""Finishing print PDFs: output intent, crop marks beyond the bleed, reproducible identity."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest

from fichepress.core.colour import profile_bytes
from fichepress.core.geometry import PT_PER_MM as MM
from fichepress.core.project import Project
from fichepress.pdf.prepress import crop_marks, finish_print_pdf
from fichepress.series.report import Report

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
