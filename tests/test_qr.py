"""Web addresses on paper: QR codes a phone can read, in black ink, large enough; the short
address; and none of it in the accessible variant, where links are clickable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from PIL import Image

from fichepress.build import Report
from fichepress.load import load_sheet
from fichepress.pdfscan import scan_page
from fichepress.project import Project
from fichepress.qr import qr_svg, short_url

WITH_URLS = "01-partir-du-territoire"
MM = 72 / 25.4


def urls_of(project: Project) -> list[str]:
    sheet = load_sheet(project.sheets / f"{WITH_URLS}.yaml", project).sheet
    assert sheet.selection is not None and sheet.further_reading is not None
    urls = [r.url for g in sheet.selection.groups for r in g.resources if r.url]
    urls += [r.url for r in sheet.further_reading.references if r.url]
    assert len(urls) >= 2
    return urls


def decoded(pdf: Path, tmp_path: Path, page: int) -> list[str]:
    """The QR codes a reader finds on a page rendered at 300 dpi."""
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    return sorted(code.text for code in zxingcpp.read_barcodes(image))


def test_print_qr_codes_read_back_as_the_resources_addresses(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    project, out, _ = series_build
    assert decoded(out / "print" / f"{WITH_URLS}.pdf", tmp_path, 2) == sorted(urls_of(project))


def test_print_qr_codes_are_vector_black_ink_at_least_12_mm(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    with pikepdf.open(out / "print" / f"{WITH_URLS}.pdf") as pdf:
        scan = scan_page(pdf.pages[1])
    images = [p for p in scan.paints if p.kind == "image"]
    assert images == []  # vector, not a picture
    # a QR symbol: a square black fill of many modules
    squares = [
        p
        for p in scan.paints
        if p.kind == "fill"
        and p.colour == (0.0, 0.0, 0.0, 1.0)
        and abs((p.bbox[2] - p.bbox[0]) - (p.bbox[3] - p.bbox[1])) < 0.5
        and p.bbox[2] - p.bbox[0] > 5 * MM
    ]
    assert len(squares) == 2
    for square in squares:
        assert square.bbox[2] - square.bbox[0] >= 12 * MM


def test_the_accessible_variant_has_links_not_qr_codes(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    project, out, _ = series_build
    path = out / "accessible" / f"{WITH_URLS}.pdf"
    assert decoded(path, tmp_path, 2) == []
    with pikepdf.open(path) as pdf:
        uris = {str(a.A.URI) for a in pdf.pages[1].obj.get("/Annots", [])}
    assert uris == set(urls_of(project))


def test_the_short_address_is_printed(series_build: tuple[Project, Path, Report]) -> None:
    _, out, _ = series_build
    text = subprocess.run(
        ["pdftotext", str(out / "print" / f"{WITH_URLS}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # In print, Lato draws "-" and the hyphenation hyphen with one glyph, which WeasyPrint maps
    # to U+2010 once hyphenation used it: read both as "-".
    text = text.replace("\u2010", "-")
    assert "example.org/portrait-en-cinq-etapes" in text
    assert "https://example.org" not in text


@pytest.mark.parametrize(
    ("url", "short"),
    [
        ("https://www.example.org/", "example.org"),
        ("https://example.org/a/b/?x=1", "example.org/a/b?x=1"),
        ("https://example.org/" + "tres-long/" * 8 + "fin", "example.org/…/fin"),
    ],
)
def test_short_url(url: str, short: str) -> None:
    assert str(short_url(url)) == short


def test_qr_svg_has_its_quiet_zone_and_black_ink() -> None:
    svg = str(qr_svg("https://example.org/x"))
    assert 'fill="device-cmyk(0 0 0 1)"' in svg
    assert svg.count("<path") == 1
    assert "M4 4h7" in svg  # the top-left finder pattern starts 4 modules in: the quiet zone
