"""Web addresses on paper: QR codes a phone can read, in black ink, large enough; the short
address; and none of it in the accessible variant, where links are clickable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
import segno
import zxingcpp
from PIL import Image

from fichepress.core.project import Project
from fichepress.html.qr import qr_svg, short_url
from fichepress.pdf.paints import Paint, Scan
from fichepress.pdf.scan import scan_page
from fichepress.series.report import Report
from fichepress.source.load import load_sheet

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


@pytest.mark.process
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


@pytest.mark.process
def test_the_accessible_variant_has_links_not_qr_codes(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    project, out, _ = series_build
    path = out / "accessible" / f"{WITH_URLS}.pdf"
    assert decoded(path, tmp_path, 2) == []
    with pikepdf.open(path) as pdf:
        uris = {str(a.A.URI) for a in pdf.pages[1].obj.get("/Annots", [])}
    assert uris == set(urls_of(project))


@pytest.mark.process
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


def _qr_squares(scan: Scan) -> list[Paint]:
    """The QR symbols of a page: square black fills of many modules, at least 5 mm wide."""
    return [
        p
        for p in scan.paints
        if p.kind == "fill"
        and p.colour == (0.0, 0.0, 0.0, 1.0)
        and abs((p.bbox[2] - p.bbox[0]) - (p.bbox[3] - p.bbox[1])) < 0.5
        and p.bbox[2] - p.bbox[0] > 5 * MM
    ]


def _dark_pixels_in_the_zone(
    pdf_path: Path, page: int, square: Paint, module: float, tmp_path: Path
) -> int:
    """Pixels darker than a light tint within 4 modules of the symbol, on the page as
    rendered at 300 dpi: what a phone's camera sees around the code."""
    dpi = 300
    prefix = tmp_path / f"zone-{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            str(pdf_path),
            str(prefix),
        ],
        check=True,
    )
    image = Image.open(next(tmp_path.glob(f"zone-{page}*.png"))).convert("L")
    with pikepdf.open(pdf_path) as pdf:
        left, _, _, top = (float(v) for v in pdf.pages[page - 1].mediabox)
    scale = dpi / 72
    grey = image.tobytes()

    def pixel(x: float, y: float) -> tuple[int, int]:
        return round((x - left) * scale), round((top - y) * scale)

    x0, y0, x1, y1 = square.bbox
    outer = (*pixel(x0 - 4 * module, y1 + 4 * module), *pixel(x1 + 4 * module, y0 - 4 * module))
    inner = (*pixel(x0, y1), *pixel(x1, y0))
    dark = 0
    for py in range(outer[1], outer[3]):
        for px in range(outer[0], outer[2]):
            if inner[0] - 2 <= px <= inner[2] + 2 and inner[1] - 2 <= py <= inner[3] + 2:
                continue  # the symbol, and the anti-aliasing of its edge
            if grey[py * image.width + px] < 180:
                dark += 1
    return dark


@pytest.mark.process
def test_print_qr_codes_keep_their_quiet_zone_on_the_page(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    """As printed: nothing but paper (or a light tint) within 4 modules of a symbol. The
    module is taken as large as any of the sheet's codes may have, so the zone checked is at
    least 4 modules of each."""
    project, out, _ = series_build
    modules = min(len(segno.make(u, error="m", micro=False).matrix) for u in urls_of(project))
    path = out / "print" / f"{WITH_URLS}.pdf"
    with pikepdf.open(path) as pdf:
        squares = _qr_squares(scan_page(pdf.pages[1]))
    assert len(squares) == 2
    for square in squares:
        module = (square.bbox[2] - square.bbox[0]) / modules
        assert module * 4 >= 1.5 * MM  # the zone checked is a real one
        assert _dark_pixels_in_the_zone(path, 2, square, module, tmp_path) == 0

    # and the check sees a mark put in the zone: a black square 1 mm right of the first code
    x1, y0 = squares[0].bbox[2], squares[0].bbox[1]
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(path) as pdf:
        pdf.pages[1].contents_add(
            pdf.make_stream(f"q 0 0 0 1 k {x1 + MM:.2f} {y0:.2f} 2 2 re f Q".encode()),
            prepend=False,
        )
        pdf.save(broken)
    module = (squares[0].bbox[2] - squares[0].bbox[0]) / modules
    (tmp_path / "b").mkdir()
    assert _dark_pixels_in_the_zone(broken, 2, squares[0], module, tmp_path / "b") > 0
