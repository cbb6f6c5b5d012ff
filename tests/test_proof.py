"""`fichepress proof`: a PNG of a sheet's pages side by side, with the print boxes drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from fichepress.cli import main
from fichepress.core.project import Project
from fichepress.serve.proof import BLEED_COLOUR, TRIM_COLOUR

REFERENCE = "03-strategie-globale"
DPI = 48  # 1 pt = 2/3 px; a quarter inch between pages is 12 px
GAP = 12
MARKS = 28.346  # the MediaBox is the trim + 10 mm (28.35 pt) on every side
LETTER = (612, 792)


# Every proof is made from a build.
pytestmark = pytest.mark.e2e


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def px(points: float) -> int:
    return round(points * DPI / 72)


def rgb(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    """The colour of one pixel of an RGB image."""
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return (value[0], value[1], value[2])


def dark_blue(pixel: tuple[int, int, int]) -> bool:
    """The header band's deep blue (CMYK 100 70 20 40, RGB #1d3557), as PDFium shows it."""
    red, green, blue = pixel
    return blue > 70 and blue > green + 25 and red < 60 and red + green + blue < 260


def test_print_proof_shows_both_pages_with_marks_and_boxes(project: Project) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    code, out, err = run("proof", str(sheet), "--dpi", str(DPI), "--project", str(project.root))
    assert code == 0, err
    target = project.root / "build" / "proof" / f"{REFERENCE}-print.png"
    assert out.splitlines()[-1] == f"wrote build/proof/{REFERENCE}-print.png"
    assert (project.root / "build" / "print" / f"{REFERENCE}.pdf").is_file()

    with Image.open(target) as image:
        page_w, page_h = px(LETTER[0] + 2 * MARKS), px(LETTER[1] + 2 * MARKS)
        width, height = image.size
        assert abs(width - (2 * page_w + 3 * GAP)) <= 2, image.size
        assert abs(height - (page_h + 2 * GAP)) <= 1, image.size
        picture = image.convert("RGB")
        trim_x, trim_y = GAP + px(MARKS), GAP + px(MARKS)
        # the top-left corner of page 1, inside the trim: the header band
        corner = rgb(picture, trim_x + 6, trim_y + 6)
        assert dark_blue(corner), corner
        # the marks area outside the bleed is paper
        assert rgb(picture, GAP + 2, GAP + 2) == (255, 255, 255)
        # the trim box is drawn on the left edge of page 1; the bleed box, dashed
        row = [rgb(picture, x, GAP + page_h // 2) for x in range(trim_x - 2, trim_x + 3)]
        assert TRIM_COLOUR in row, row
        colours = {colour for _, colour in picture.getcolors(maxcolors=1 << 20) or []}
        assert BLEED_COLOUR in colours


def test_accessible_proof_shows_the_pages_only(project: Project, tmp_path: Path) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    target = tmp_path / "proofs" / "a.png"
    code, _, err = run(
        "proof",
        str(sheet),
        "--variant",
        "accessible",
        "--dpi",
        str(DPI),
        "--out",
        str(target),
        "--project",
        str(project.root),
    )
    assert code == 0, err
    with Image.open(target) as image:
        assert image.size == (2 * px(LETTER[0]) + 3 * GAP, px(LETTER[1]) + 2 * GAP)
        picture = image.convert("RGB")
        assert dark_blue(rgb(picture, GAP + 3, GAP + 3))
        colours = {colour for _, colour in picture.getcolors(maxcolors=1 << 20) or []}
        assert TRIM_COLOUR not in colours and BLEED_COLOUR not in colours


def test_a_sheet_that_does_not_build_gives_no_proof(project: Project, tmp_path: Path) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    assert run("build", "--project", str(project.root), "-q")[0] == 0  # a previous good PDF
    sheet.write_text(sheet.read_text("utf-8").replace("year: 2012", "year: 20l2"), "utf-8")
    target = tmp_path / "bad.png"
    code, out, err = run("proof", str(sheet), "--out", str(target), "--project", str(project.root))
    assert code == 1
    assert 'got "20l2"' in err and "Traceback" not in out + err
    assert "no proof written" in err.splitlines()
    assert out.splitlines()[-1] == (
        "failed: 1 sheet, 0 PDFs written to build/, 1 failed (1 error, 0 warnings)"
    )
    assert not target.exists()
    assert not (project.root / "build" / "proof").exists()


def _changed_pixels(one: Path, other: Path) -> int:
    """How many pixels differ by more than a fifth of the scale in some channel."""
    from PIL import ImageChops

    with Image.open(one) as first, Image.open(other) as second:
        assert first.size == second.size
        difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    histogram = difference.convert("L").point(lambda v: 255 if v > 48 else 0).histogram()
    return histogram[255]


def test_the_readme_picture_is_the_reference_sheet_as_it_is_now(
    project: Project, tmp_path: Path
) -> None:
    """docs/reference-sheet.png is what the README's command gives today: remade after any
    change of the reference sheet, the theme or the layout."""
    from .conftest import ROOT

    shown = ROOT / "docs" / "reference-sheet.png"
    sheet = project.sheets / f"{REFERENCE}.yaml"

    def proof(name: str) -> Path:
        target = tmp_path / name
        code, _, err = run(
            "proof", str(sheet), "--dpi", "60", "--out", str(target), "--project", str(project.root)
        )
        assert code == 0, err
        return target

    assert _changed_pixels(shown, proof("now.png")) < 50, (
        "docs/reference-sheet.png is out of date: run fichepress proof"
        " sheets/03-strategie-globale.yaml --dpi 60 --out docs/reference-sheet.png"
    )
    # and a change of one word shows
    text = sheet.read_text("utf-8")
    sheet.write_text(text.replace("plus globale", "plus large", 1), "utf-8")
    assert _changed_pixels(shown, proof("changed.png")) > 200


def test_a_proof_of_a_sheet_already_built(project: Project, tmp_path: Path) -> None:
    """After `make sheets` the PDF is up to date: the proof is made from it all the same."""
    sheet = project.sheets / f"{REFERENCE}.yaml"
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    for target in (first, again):
        code, out, err = run(
            "proof", str(sheet), "--dpi", "30", "--out", str(target), "--project", str(project.root)
        )
        assert code == 0, err
    assert "everything is up to date" in out
    assert again.read_bytes() == first.read_bytes()
