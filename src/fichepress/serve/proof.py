"""`fichepress proof`: a PNG contact sheet of one sheet's pages, side by side, for review.

Pages are rendered by PDFium (the `pypdfium2` package) and laid out with Pillow. A print page
shows its whole MediaBox, crop marks included, with its TrimBox drawn as a thin magenta line and
its BleedBox as a dashed cyan one; an accessible page is shown as it is. The page boxes are
given as fractions of the rendered page so that the preview can draw them in the browser too.
Pages are assumed unrotated, as fichepress writes them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from fichepress.core.files import make_folder, write_atomic
from fichepress.core.project import Project
from fichepress.core.reading import located
from fichepress.core.variants import VariantName
from fichepress.series.report import Report
from fichepress.series.run import BuildOptions, run

TRIM_COLOUR = (230, 0, 126)
BLEED_COLOUR = (0, 150, 220)
BACKGROUND = (200, 200, 200)
SAME = 0.5
"""Boxes closer than this (in points) are the same box."""

Box = tuple[float, float, float, float]
"""left, top, right, bottom: fractions of the rendered page, from its top-left corner."""


@dataclass(frozen=True)
class PageImage:
    """One rendered page: its picture, its size in points, and its boxes (None: the page)."""

    image: Image.Image
    width_pt: float
    height_pt: float
    trim: Box | None
    bleed: Box | None


def _fraction(box: Sequence[float], crop: Sequence[float]) -> Box:
    """A PDF box (x0, y0, x1, y1, y upwards) as fractions of the `crop` box, top-left origin."""
    x0, y0, x1, y1 = crop
    width, height = x1 - x0, y1 - y0
    return (
        (box[0] - x0) / width,
        (y1 - box[3]) / height,
        (box[2] - x0) / width,
        (y1 - box[1]) / height,
    )


def _differs(box: Sequence[float], other: Sequence[float]) -> bool:
    """Whether two PDF boxes are not the same, within half a point."""
    return any(abs(a - b) > SAME for a, b in zip(box, other, strict=True))


def render_pdf(data: bytes, dpi: float) -> list[PageImage]:
    """Every page of a PDF as an RGB picture at `dpi`, with its trim and bleed boxes."""
    pages = []
    document = pdfium.PdfDocument(data)
    try:
        for page in document:
            crop = page.get_cropbox()
            trim = page.get_trimbox()
            bleed = page.get_bleedbox()
            image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("RGB")
            pages.append(
                PageImage(
                    image=image,
                    width_pt=float(crop[2] - crop[0]),
                    height_pt=float(crop[3] - crop[1]),
                    trim=_fraction(trim, crop) if _differs(trim, crop) else None,
                    bleed=_fraction(bleed, crop) if _differs(bleed, trim) else None,
                )
            )
            page.close()
    finally:
        document.close()
    return pages


def _pixels(box: Box, image: Image.Image) -> tuple[int, int, int, int]:
    """A box in pixels of `image`."""
    width, height = image.size
    return (
        round(box[0] * width),
        round(box[1] * height),
        round(box[2] * width),
        round(box[3] * height),
    )


def _dashed(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], width: int) -> None:
    """A dashed rectangle in the bleed colour."""
    left, top, right, bottom = box
    dash = 6 * width
    for x in range(left, right, 2 * dash):
        end = min(x + dash, right)
        draw.line([(x, top), (end, top)], fill=BLEED_COLOUR, width=width)
        draw.line([(x, bottom), (end, bottom)], fill=BLEED_COLOUR, width=width)
    for y in range(top, bottom, 2 * dash):
        end = min(y + dash, bottom)
        draw.line([(left, y), (left, end)], fill=BLEED_COLOUR, width=width)
        draw.line([(right, y), (right, end)], fill=BLEED_COLOUR, width=width)


def with_boxes(page: PageImage, dpi: float) -> Image.Image:
    """A copy of the page's picture with its bleed box dashed and its trim box outlined."""
    image = page.image.copy()
    draw = ImageDraw.Draw(image)
    width = max(1, round(dpi / 150))
    if page.bleed:
        _dashed(draw, _pixels(page.bleed, image), width)
    if page.trim:
        draw.rectangle(_pixels(page.trim, image), outline=TRIM_COLOUR, width=width)
    return image


def gap(dpi: float) -> int:
    """The space around and between pages on a contact sheet, in pixels: a quarter inch."""
    return max(4, round(dpi / 4))


def contact_sheet(images: Sequence[Image.Image], dpi: float) -> Image.Image:
    """Pages side by side, top-aligned, on a grey background."""
    space = gap(dpi)
    width = space + sum(image.width + space for image in images)
    height = max((image.height for image in images), default=0) + 2 * space
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    x = space
    for image in images:
        sheet.paste(image, (x, space))
        x += image.width + space
    return sheet


def png_bytes(image: Image.Image, *, optimize: bool = True) -> bytes:
    """An image as PNG: smallest with `optimize`, else several times faster."""
    stream = io.BytesIO()
    image.save(stream, format="PNG", optimize=optimize)
    return stream.getvalue()


def default_proof_path(project: Project, slug: str, variant: VariantName) -> Path:
    """Where a proof goes unless told: `build/proof/<slug>-<variant>.png`."""
    return project.root / "build" / "proof" / f"{slug}-{variant}.png"


def make_proof(
    project: Project,
    sheet: Path,
    *,
    variant: VariantName = "print",
    dpi: float = 100,
    target: Path | None = None,
) -> tuple[Report, Path | None]:
    """Build `sheet` into the project's build/, then write the contact sheet of its pages.

    Returns the build's report and the PNG written, or None when the sheet did not build (then
    nothing is written, and no previous PDF is proofed in its place).
    """
    out = project.root / "build"
    target = target or default_proof_path(project, sheet.stem, variant)
    make_folder(target.parent)  # a folder that cannot be made is told before the build
    options = BuildOptions(out, (variant,), sheets=(located(sheet),), collection=False)
    report = run(project, options).report
    assert report is not None  # one sheet: never found up to date by a stamp
    made = [output.path for output in report.outputs or report.kept]  # or up to date
    if report.failed or not made:
        return report, None
    pdf = out / made[0]
    pages = render_pdf(pdf.read_bytes(), dpi)
    image = contact_sheet([with_boxes(page, dpi) for page in pages], dpi)
    write_atomic(target, png_bytes(image))
    return report, target
