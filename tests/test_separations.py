"""The print outputs as a print shop's RIP separates them (Ghostscript's tiffsep): four process
plates and no other, no pixel of the piece over the total-ink limit, and body text in black on
the black plate only, overprinting: the tint under it stays whole on the other plates.

One page of one sheet per theme and one page of a collection, at low resolution,
to keep the run short."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops, ImageMath

from fichepress.core.project import Project
from fichepress.series.report import Report
from fichepress.source.model import MAX_INK

from .conftest import Built

pytestmark = [pytest.mark.e2e, pytest.mark.process]

RESOLUTION = 72
"""Pixels per inch: one pixel per point, enough for 9 pt text."""
PLATES = {"Cyan", "Magenta", "Yellow", "Black"}
SHEET = "03-strategie-globale"
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def program(name: str) -> str:
    """The path of a program the test needs: missing, it fails in CI and skips elsewhere."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/test-packages.txt installs it")
        pytest.skip(f"{name} is not installed")
    return found


def separations(pdf: Path, page: int, folder: Path) -> dict[str, Image.Image]:
    """The plates of one page, by name: how much ink each pixel takes, 0-255."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            program("gs"),
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=tiffsep",
            f"-r{RESOLUTION}",
            f"-dFirstPage={page}",
            f"-dLastPage={page}",
            f"-sOutputFile={folder / 'page.tif'}",
            str(pdf),
        ],
        check=True,
        timeout=120,
    )
    plates = {}
    for path in folder.glob("page(*).tif"):
        name = path.name[len("page(") : -len(").tif")]
        plates[name] = ImageChops.invert(Image.open(path).convert("L"))  # tiffsep: 255 = no ink
    return plates


def words(pdf: Path, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The words of a page and their boxes, in points from the page's top left corner."""
    command = [program("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"]
    html = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return [
        (m[4], (float(m[0]), float(m[1]), float(m[2]), float(m[3]))) for m in _WORD.findall(html)
    ]


def pixels(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    scale = RESOLUTION / 72
    x0, y0, x1, y1 = box
    # a pixel inside the box on each side: no edge of a neighbouring shape
    return (
        round(x0 * scale) + 1,
        round(y0 * scale) + 1,
        round(x1 * scale) - 1,
        round(y1 * scale) - 1,
    )


def extrema(plate: Image.Image) -> tuple[int, int]:
    low, high = plate.getextrema()
    assert isinstance(low, int) and isinstance(high, int)
    return low, high


def check_page(pdf: Path, page: int, folder: Path) -> int:
    """Separate one page and check its plates; the number of black words checked."""
    plates = separations(pdf, page, folder)
    assert set(plates) == PLATES, f"plates other than the four process inks: {sorted(plates)}"

    # the total ink, inside the bleed (the crop marks beyond it are in registration, 400 %)
    with pikepdf.open(pdf) as document:
        page_object = document.pages[page - 1].obj
        media = [float(v) for v in page_object.MediaBox]
        bleed = [float(v) for v in page_object.BleedBox]
    top = media[3] - bleed[3]
    piece = pixels((bleed[0] - media[0], top, bleed[2] - media[0], top + bleed[3] - bleed[1]))
    total = ImageMath.lambda_eval(
        lambda a: a["c"] + a["m"] + a["y"] + a["k"],
        c=plates["Cyan"].convert("I"),
        m=plates["Magenta"].convert("I"),
        y=plates["Yellow"].convert("I"),
        k=plates["Black"].convert("I"),
    )
    assert isinstance(total, Image.Image)
    _, highest = total.crop(piece).getextrema()
    assert isinstance(highest, int | float)
    assert highest / 255 * 100 <= MAX_INK + 1, f"a pixel takes {highest / 255 * 100:.0f} % of ink"

    # body text: 100 % on the black plate; the other plates under it as if it were not there
    checked = 0
    for word, box in words(pdf, page):
        area = pixels(box)
        if area[2] <= area[0] or area[3] <= area[1]:
            continue
        black = plates["Black"].crop(area)
        if extrema(black)[1] < 250:
            continue  # not a word in black ink (a colour, a grey, white on a panel)
        checked += 1
        for name in ("Cyan", "Magenta", "Yellow"):
            low, high = extrema(plates[name].crop(area))
            assert low == high, (
                f'"{word}" on page {page} is knocked out of the {name} plate'
                f" ({low}-{high} under the word): black text must overprint"
            )
    return checked


def test_each_theme_separates_into_four_plates_with_black_text_overprinting(
    each_theme: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    _, out, _ = each_theme
    # page 2: the "Notre sélection" panel, a tint under black text
    checked = check_page(out / "print" / f"{SHEET}.pdf", 2, tmp_path / "sheet")
    assert checked > 50


def test_the_collection_separates_into_four_plates(sobre_build: Built, tmp_path: Path) -> None:
    pdf = sobre_build.out / "print" / "collection.pdf"
    with pikepdf.open(pdf) as document:
        labels = [page.label for page in document.pages]
    second_page_of_first_sheet = labels.index("1") + 2
    assert check_page(pdf, second_page_of_first_sheet, tmp_path / "collection") > 50
