"""The content-stream readers: `scan_marks`, the accessibility rules' quick reader, against the
full interpreter `scan_page`; and the helpers that read quickly what pikepdf gives slowly."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from fichepress.core.project import Project
from fichepress.pdf.interpreter import path_box, shown_and_adjustment, shown_bytes
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import bbox_of
from fichepress.pdf.scan import scan_page
from fichepress.series.report import Report


def _marks(scan: Any) -> tuple[list[int], dict[int, str], list[str]]:
    return scan.mcid_order, scan.mcid_text, scan.untagged


def test_scan_marks_reads_what_scan_page_reads(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    files = sorted(out.glob("*/*.pdf"))
    assert {path.parent.name for path in files} == {"print", "accessible"}
    quick = full = 0
    for path in files:
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                marks, scan = scan_marks(page), scan_page(page)
                assert _marks(marks) == _marks(scan), f"{path.name}, page {page.index + 1}"
                if path.parent.name == "accessible":
                    assert marks.mcid_order and not marks.untagged
                    quick += 1
                else:
                    assert marks.untagged  # untagged print content: read in full, told alike
                    full += 1
    assert quick and full


def _page(content: bytes, **resources: Any) -> tuple[pikepdf.Pdf, pikepdf.Page]:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    page = pdf.pages[0]
    page.obj.Resources = Dictionary(**resources)
    page.obj.Contents = pdf.make_stream(content)
    return pdf, page


def _form(pdf: pikepdf.Pdf, content: bytes) -> Any:
    form = pdf.make_stream(content)
    form.Type, form.Subtype = Name.XObject, Name.Form
    form.BBox = Array([0, 0, 100, 100])
    return form


@pytest.mark.parametrize(
    ("content", "untagged"),
    [
        (b"/P <</MCID 0>> BDC 0 0 10 10 re f EMC", False),
        (b"/Artifact BMC 0 0 10 10 re f EMC", False),
        (b"/P <</MCID 0>> BDC /Fm0 Do EMC", False),  # a form inside marked content
        (b"0 0 10 10 re f", True),
        (b"/P <</MCID 0>> BDC EMC 0 0 10 10 re S", True),
        (b"/Fm0 Do", True),  # the form paints outside marked content
        (b"q 0 0 1 1 re W n /Sh0 sh Q", True),
    ],
)
def test_scan_marks_finds_painting_outside_marked_content(content: bytes, untagged: bool) -> None:
    pdf, page = _page(content)
    page.obj.Resources = Dictionary(
        XObject=Dictionary(Fm0=_form(pdf, b"0 0 5 5 re f")),
        Shading=Dictionary(
            Sh0=Dictionary(
                ShadingType=2,
                ColorSpace=Name.DeviceGray,
                Coords=Array([0, 0, 1, 0]),
                Function=Dictionary(FunctionType=2, Domain=Array([0, 1]), N=1),
            )
        ),
    )
    marks, scan = scan_marks(page), scan_page(page)
    assert bool(marks.untagged) is untagged
    assert _marks(marks) == _marks(scan)  # the same words: where and what


def test_scan_marks_reads_text_in_forms_and_leaves_invisible_text_out() -> None:
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type1,
        BaseFont=Name.Helvetica,
        FirstChar=32,
        Widths=Array([500] * 95),
    )
    pdf, page = _page(
        b"/P <</MCID 0>> BDC BT /F1 10 Tf (ab) Tj [(c) -20 (d)] TJ ET /Fm0 Do EMC"
        b" /P <</MCID 1>> BDC BT /F1 10 Tf 3 Tr (hidden) Tj ET EMC"
    )
    cmap = pdf.make_stream(
        b"begincmap\n2 beginbfrange\n<61> <64> <0061>\n<68> <6e> <0068>\nendbfrange\n"
        b"1 beginbfrange\n<65> <65> <0065>\nendbfrange\nendcmap"
    )
    font.ToUnicode = cmap
    page.obj.Resources = Dictionary(
        Font=Dictionary(F1=font),
        XObject=Dictionary(Fm0=_form(pdf, b"BT /F1 10 Tf <6162> Tj ET")),
    )
    page.obj.Resources.XObject.Fm0.Resources = Dictionary(Font=Dictionary(F1=font))
    marks, scan = scan_marks(page), scan_page(page)
    assert marks.mcid_text == {0: "abcdab", 1: ""}
    assert _marks(marks) == _marks(scan)


@pytest.mark.parametrize(
    "items",
    [
        [String(b"\x00\x03"), -18, String(b""), Decimal("-40.877494964292254"), String(b"\x01")],
        [String(b"ab(c)\\"), 120, String(b"\x00\xff"), Decimal("-0.5")],
        [String(b"")],
        [Decimal("12.5"), -3],
    ],
)
def test_tj_strings_and_adjustments_read_from_the_array_syntax(items: list[Any]) -> None:
    array = Array(items)
    strings = b"".join(bytes(i) for i in array if isinstance(i, String))
    adjustment = sum(float(i) for i in array if not isinstance(i, String))
    assert shown_bytes(array) == strings
    shown, read = shown_and_adjustment(array)
    assert shown == strings
    assert read == pytest.approx(adjustment)


def test_path_box_is_the_box_of_every_transformed_point() -> None:
    rng = random.Random(4)
    matrices = [
        (1.0, 0.0, 0.0, -1.0, 0.0, 792.0),
        (0.75, 0.0, 0.0, 0.75, 10.0, -4.0),
        (-2.0, 0.0, 0.0, 0.5, 3.0, 3.0),
        (0.0, 1.0, -1.0, 0.0, 100.0, 0.0),  # a quarter turn
        (0.8, 0.6, -0.6, 0.8, 0.0, 0.0),  # a rotation
    ]
    for matrix in matrices:
        for _ in range(20):
            coordinates: list[Any] = [
                Decimal(f"{rng.uniform(-500, 500):.6f}")
                if rng.random() < 0.7
                else rng.randint(-9, 9)
                for _ in range(2 * rng.randint(1, 12))
            ]
            points = [
                pikepdf.Matrix(*matrix).transform((float(x), float(y)))
                for x, y in zip(coordinates[0::2], coordinates[1::2], strict=True)
            ]
            expected = bbox_of(points)
            assert path_box(coordinates, pikepdf.Matrix(*matrix)) == pytest.approx(
                expected, abs=1e-9
            )
