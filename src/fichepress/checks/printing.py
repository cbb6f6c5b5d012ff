"""Check finished PDFs the way a print shop's preflight would, and say what is wrong and where.

Accessible PDFs get the rules of `uacheck.py` instead (chosen by their PDF/UA claim).

Each rule has a short name; a finding gives the rule, the page, what is wrong and where.
Print rules (PDF/X-4 for offset printing):

- PDFX: identification as PDF/X-4 in the XMP metadata, a title, Trapped set;
- OUTPUT-INTENT: one GTS_PDFX output intent with an embedded CMYK printer profile;
- BOXES: TrimBox inside a BleedBox of trim + 3 mm on each side, inside the MediaBox;
- MARKS: crop marks beyond the bleed, nothing drawn in the bleed that is not a background;
- COLOUR: DeviceCMYK (or ICC-based CMYK) only, in every stream, form, pattern, shading, image;
- TEXT-BLACK: black text in black ink only (no rich black), body text in 100 % K;
- INK: total area coverage of every colour and CMYK image at most 300 %;
- BLEED: backgrounds that reach the trim run on to the edge of the bleed;
- SAFETY: no text or picture within 3 mm of the trim;
- FONTS: every font embedded and subset, each subset under a name of its own;
- IMAGES: effective resolution at least 300 ppi (below 150 is an error);
- ANNOTATIONS: no annotation on the piece but printer's marks and trap networks;
- OVERPRINT: no white or light colour set to overprint (it would vanish, or show what is under
  it through);
- LINES: no line on the piece thinner than 0.25 pt (a warning), nor than 0.125 pt (an error:
  the plate cannot hold it).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pikepdf
from PIL import Image, ImageMath

from fichepress.core.findings import Finding, Severity, page_order
from fichepress.core.geometry import BLEED_PT, SAFETY_PT
from fichepress.pdf.fonts import FontMetrics, clashing_subsets
from fichepress.pdf.paints import Box, Paint, Scan
from fichepress.pdf.scan import iter_pages, scan_page
from fichepress.source.model import MAX_INK

TOLERANCE = 0.6
"""Points of slack when comparing edges (WeasyPrint rounds to about a hundredth of a point)."""
GOOD_PPI, MINIMUM_PPI = 300, 150
BLACK = (0.0, 0.0, 0.0, 1.0)

STANDARD_CONDITION = re.compile(
    r"FOGRA\d+|GRACoL|SWOP|CGATS|CRPC\d|PSO|IFRA\d+|JC\d+|Japan ?Color|SNAP|ISO ?12647",
    re.IGNORECASE,
)
"""Names of the characterised printing conditions of the ICC's registry: an output intent
naming none of them is for a condition the printer has to be asked about."""


def _fmt(values: Iterable[float]) -> str:
    return " ".join(f"{v:.3g}" for v in values)


def _box(page: pikepdf.Page, name: str) -> Box | None:
    value = page.obj.get(name)
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _box_text(box: Box) -> str:
    return "[" + " ".join(f"{v:.2f}" for v in box) + "]"


def _intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: Box, outer: Box, slack: float = TOLERANCE) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


# --- document rules --------------------------------------------------------------------------


def _whole(rule: str, message: str, severity: Severity = "error", where: str = "") -> Finding:
    """A finding about the whole document (page 0)."""
    return Finding(rule=rule, severity=severity, message=message, where=where)


def _document_rules(pdf: pikepdf.Pdf) -> list[Finding]:
    findings = []
    metadata = pdf.Root.get("/Metadata")
    if metadata is not None and "/Filter" in metadata:
        findings.append(_whole("PDFX", "the XMP metadata stream is compressed", "warning"))
    xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)  # read only
    version = xmp.get("pdfxid:GTS_PDFXVersion", "")
    title = xmp.get("dc:title", "")
    if not str(version).startswith("PDF/X-4"):
        shown = f'"{version}"' if version else "none"
        findings.append(_whole("PDFX", f"not identified as PDF/X-4 (XMP GTS_PDFXVersion: {shown})"))
    if not title or "/Title" not in pdf.docinfo:
        findings.append(_whole("PDFX", "no document title (Info /Title and XMP dc:title)"))
    if str(pdf.docinfo.get("/Trapped", "")) not in ("/True", "/False"):
        findings.append(_whole("PDFX", "Trapped is not set to True or False"))

    intents = [i for i in pdf.Root.get("/OutputIntents", []) if str(i.get("/S")) == "/GTS_PDFX"]
    if len(intents) != 1:
        findings.append(_whole("OUTPUT-INTENT", f"{len(intents)} PDF/X output intents, not one"))
    for intent in intents:
        profile = intent.get("/DestOutputProfile")
        identifier = str(intent.get("/OutputConditionIdentifier", ""))
        if not identifier:
            findings.append(_whole("OUTPUT-INTENT", "no OutputConditionIdentifier"))
        elif not STANDARD_CONDITION.search(identifier):
            message = (
                "the output condition is not a standard printing condition of the ICC"
                " registry (FOGRA, GRACoL, SWOP, CGATS, PSO…): ask the printer"
            )
            findings.append(_whole("OUTPUT-INTENT", message, "warning", identifier))
        if not isinstance(profile, pikepdf.Stream):
            findings.append(_whole("OUTPUT-INTENT", "no embedded output profile"))
            continue
        header = profile.read_bytes()[:20]
        if header[16:20] != b"CMYK" or header[12:16] != b"prtr":
            message = (
                f"the output profile is not a CMYK printer profile ({header[16:20]!r}, "
                f"{header[12:16]!r})"
            )
            findings.append(_whole("OUTPUT-INTENT", message, where=identifier))
    findings += [_whole("FONTS", message) for message in clashing_subsets(pdf)]
    return findings


# --- page rules ------------------------------------------------------------------------------


def _boxes(number: int, page: pikepdf.Page) -> tuple[list[Finding], Box | None, Box | None]:
    findings: list[Finding] = []

    def found(message: str, severity: Severity = "error") -> None:
        findings.append(Finding(page=number, rule="BOXES", severity=severity, message=message))

    media, trim, bleed = _box(page, "/MediaBox"), _box(page, "/TrimBox"), _box(page, "/BleedBox")
    assert media is not None
    if trim is None:
        found("no TrimBox")
        return findings, None, None
    if bleed is None:
        found("no BleedBox: backgrounds cannot bleed")
        return findings, trim, None
    expected = (trim[0] - BLEED_PT, trim[1] - BLEED_PT, trim[2] + BLEED_PT, trim[3] + BLEED_PT)
    if any(abs(a - b) > 0.05 for a, b in zip(bleed, expected, strict=True)):
        found(f"BleedBox {_box_text(bleed)} is not the TrimBox {_box_text(trim)} + 3 mm")
    if not _inside(bleed, media, 0.01):
        found(f"BleedBox {_box_text(bleed)} reaches beyond the MediaBox {_box_text(media)}")
    if "/ArtBox" in page.obj and "/TrimBox" in page.obj:
        found("both ArtBox and TrimBox are set", "warning")
    return findings, trim, bleed


def _colour(number: int, scan: Scan) -> list[Finding]:
    findings: dict[tuple[str, str], Finding] = {}
    for use in scan.colours:
        family = use.space.base.family if use.space.base is not None else use.space.family
        if family in ("cmyk", "pattern"):
            continue
        what = f"{use.space.name} colour ({use.operator} {_fmt(use.values)})".replace(" )", ")")
        findings.setdefault(
            (what, use.where),
            Finding(page=number, rule="COLOUR", severity="error", message=what, where=use.where),
        )
    for paint in scan.paints:
        if paint.kind == "image" and paint.space.family not in ("cmyk",) and paint.colour == ():
            what = f"{paint.space.name} image of {paint.pixels[0]}×{paint.pixels[1]} pixels"
            findings.setdefault(
                (what, paint.where),
                Finding(
                    page=number, rule="COLOUR", severity="error", message=what, where=paint.where
                ),
            )
    return list(findings.values())


def _is_blackish(colour: tuple[float, ...]) -> bool:
    return len(colour) == 4 and colour[3] >= 0.9


Glyphs = Counter[tuple[float, tuple[float, ...]]]
"""Glyph counts by (size in points, rounded to a tenth; CMYK colour)."""
SMALL_PRINT = 9.0
"""Below this size, text is small print (footers, notes, captions, labels), not the body."""


def _text_black(number: int, scan: Scan) -> tuple[list[Finding], Glyphs]:
    findings, glyphs = [], Glyphs()
    for paint in scan.paints:
        if paint.kind != "text" or paint.space.family != "cmyk":
            continue
        colour = tuple(round(v, 3) for v in paint.colour)
        glyphs[(round(paint.font_size, 1), colour)] += paint.glyphs
        if _is_blackish(colour) and colour != BLACK:
            findings.append(
                Finding(
                    page=number,
                    rule="TEXT-BLACK",
                    severity="error",
                    message=f"black text in rich black (CMYK {_fmt(colour)}): use black ink only",
                    where=f"{paint.where}, at {_box_text(paint.bbox)}",
                )
            )
    return findings[:5], glyphs


def _ink(number: int, scan: Scan, bleed: Box | None) -> list[Finding]:
    findings: dict[str, Finding] = {}
    for paint in scan.paints:
        if bleed is not None and not _intersects(paint.bbox, bleed):
            continue  # printer's marks, outside the piece
        if paint.kind == "image" and paint.space.family == "cmyk" and paint.colour == ():
            total = _image_ink(paint.image)
            what = f"a CMYK image reaches {total:.0f} % of ink, over {MAX_INK} %"
        elif paint.space.family == "cmyk" and len(paint.colour) == 4:
            total = sum(paint.colour) * 100
            what = f"CMYK {_fmt(paint.colour)} uses {total:.0f} % of ink, over {MAX_INK} %"
            if paint.kind == "shading":
                what = f"a shading reaches {what}"
        else:
            continue
        if total > MAX_INK + 0.5:
            findings.setdefault(
                what,
                Finding(page=number, rule="INK", severity="error", message=what, where=paint.where),
            )
    return list(findings.values())


def _image_ink(image: Any) -> float:
    """The highest total ink of any pixel of a CMYK image, in percent."""
    try:
        pil = pikepdf.PdfImage(image).as_pil_image()
    except Exception:  # an image pikepdf cannot decode is reported by other tools
        return 0.0
    if pil.mode != "CMYK":
        return 0.0
    channels = [channel.convert("I") for channel in pil.split()]
    total = ImageMath.lambda_eval(
        lambda a: a["c"] + a["m"] + a["y"] + a["k"],
        c=channels[0],
        m=channels[1],
        y=channels[2],
        k=channels[3],
    )
    assert isinstance(total, Image.Image)
    _, highest = total.getextrema()
    assert isinstance(highest, int | float)
    return float(highest) / 255 * 100


LIGHT_INK = 0.3
"""A colour none of whose inks reaches this is light: set to overprint, the colours under it
show through (and white vanishes)."""
THIN_LINE_PT, HAIRLINE_PT = 0.25, 0.125
"""Below the first, print shops warn that a line may break up; below the second (GWG's minimum
for a line in one ink), that it does not print."""


def _overprint_and_lines(number: int, scan: Scan, bleed: Box | None) -> list[Finding]:
    """The OVERPRINT and LINES rules: white or light colours set to overprint, thin lines."""
    findings: dict[str, Finding] = {}
    for paint in scan.paints:
        if bleed is not None and not _intersects(paint.bbox, bleed):
            continue  # printer's marks, outside the piece
        where = f"{paint.where}, at {_box_text(paint.bbox)}"
        colour = _fmt(paint.colour)
        cmyk = paint.space.family == "cmyk" and len(paint.colour) == 4
        if paint.overprint and cmyk and max(paint.colour) < LIGHT_INK:
            what = "white" if not any(paint.colour) else f"a light colour (CMYK {colour})"
            message = (
                f"{paint.kind} in {what} is set to overprint: in print it vanishes or lets"
                " what is under it show through; set overprint for 100 % black only"
            )
            found = Finding(page=number, rule="OVERPRINT", message=message, where=where)
            findings.setdefault(message, found)
        if paint.kind == "stroke" and paint.line_width < THIN_LINE_PT:
            width = f"{paint.line_width:.3g} pt"
            severity: Severity = "error" if paint.line_width < HAIRLINE_PT else "warning"
            message = (
                f"a line {width} thin: print shops need at least {THIN_LINE_PT} pt"
                f" (under {HAIRLINE_PT} pt it does not print); make it thicker"
            )
            found = Finding(
                page=number, rule="LINES", severity=severity, message=message, where=where
            )
            findings.setdefault(message, found)
    return list(findings.values())


def _is_paper(paint: Paint) -> bool:
    return paint.space.family == "cmyk" and not any(paint.colour)


def _short_of_bleed(box: Box, trim: Box, bleed: Box) -> list[str]:
    """The sides where a painted box reaches the trim but stops short of the bleed."""
    return [
        side
        for side, reaches_trim, reaches_bleed in (
            ("left", box[0] <= trim[0] + TOLERANCE, box[0] <= bleed[0] + TOLERANCE),
            ("bottom", box[1] <= trim[1] + TOLERANCE, box[1] <= bleed[1] + TOLERANCE),
            ("right", box[2] >= trim[2] - TOLERANCE, box[2] >= bleed[2] - TOLERANCE),
            ("top", box[3] >= trim[3] - TOLERANCE, box[3] >= bleed[3] - TOLERANCE),
        )
        if reaches_trim and not reaches_bleed
    ]


def _inside_the_page(number: int, paint: Paint, trim: Box, bleed: Box, safe: Box) -> list[Finding]:
    """The bleed and safety rules for one paint that touches the trimmed page."""
    findings, where = [], f"{paint.where}, at {_box_text(paint.bbox)}"
    if paint.kind in ("fill", "image", "shading") and not _is_paper(paint):
        short = _short_of_bleed(paint.bbox, trim, bleed)
        if short:
            message = (
                f"a {paint.kind} reaches the trim on the {', '.join(short)} but stops"
                " short of the bleed: extend it 3 mm beyond the page"
            )
            findings.append(
                Finding(page=number, rule="BLEED", severity="error", message=message, where=where)
            )
    if paint.kind in ("text", "image") and not _inside(paint.bbox, safe, 0.0):
        if paint.kind == "image" and not _inside(paint.bbox, trim):
            return findings  # a picture that bleeds: checked as a background above
        message = f"{paint.kind} within 3 mm of the trim, where the cut may take it"
        findings.append(
            Finding(page=number, rule="SAFETY", severity="error", message=message, where=where)
        )
    return findings


def _geometry(number: int, scan: Scan, trim: Box, bleed: Box) -> list[Finding]:
    findings = []
    safe = (trim[0] + SAFETY_PT, trim[1] + SAFETY_PT, trim[2] - SAFETY_PT, trim[3] - SAFETY_PT)
    around = (trim[0] - 0.01, trim[1] - 0.01, trim[2] + 0.01, trim[3] + 0.01)
    marks = 0
    for paint in scan.paints:
        if paint.tiled:
            continue  # where a pattern's ink goes is the fill that uses it
        if _intersects(paint.bbox, around):
            findings += _inside_the_page(number, paint, trim, bleed, safe)
            continue
        # drawn only outside the trim: a printer's mark; it must keep out of the bleed
        marks += paint.kind == "stroke"
        if _intersects(paint.bbox, bleed):
            where = f"{paint.where}, at {_box_text(paint.bbox)}"
            message = f"a {paint.kind} outside the trim reaches into the bleed"
            findings.append(
                Finding(page=number, rule="MARKS", severity="error", message=message, where=where)
            )
    if marks == 0:
        findings.append(
            Finding(
                page=number,
                rule="MARKS",
                severity="warning",
                message="no crop marks around the trim",
            )
        )
    return findings


def _fonts(number: int, scan: Scan) -> list[Finding]:
    findings = []
    for font in scan.fonts.values():
        name = str(font.get("/BaseFont", "?")).lstrip("/")
        if str(font.get("/Subtype")) == "/Type3":
            continue  # glyphs drawn by the PDF itself: nothing to embed
        described = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = described.get("/FontDescriptor", {})
        if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            findings.append(
                Finding(
                    page=number,
                    rule="FONTS",
                    severity="error",
                    message=f'font "{name}" is not embedded',
                )
            )
        elif len(name) < 8 or name[6] != "+" or not name[:6].isupper():
            findings.append(
                Finding(
                    page=number,
                    rule="FONTS",
                    severity="error",
                    message=f'font "{name}" is embedded whole, not subset',
                )
            )
    return findings


def _images(number: int, scan: Scan) -> list[Finding]:
    findings = []
    for paint in scan.paints:
        if paint.kind != "image" or not paint.pixels[0]:
            continue
        width_in, height_in = paint.size[0] / 72, paint.size[1] / 72
        if width_in <= 0 or height_in <= 0:
            continue
        ppi = min(paint.pixels[0] / width_in, paint.pixels[1] / height_in)
        if ppi < GOOD_PPI:
            severity: Severity = "error" if ppi < MINIMUM_PPI else "warning"
            findings.append(
                Finding(
                    page=number,
                    rule="IMAGES",
                    severity=severity,
                    message=f"image of {paint.pixels[0]}×{paint.pixels[1]} pixels printed at"
                    f" {ppi:.0f}"
                    f" ppi (needs {GOOD_PPI}; under {MINIMUM_PPI} it looks blurred)",
                    where=f"{paint.where}, at {_box_text(paint.bbox)}",
                )
            )
    return findings


def _annotations(number: int, page: pikepdf.Page, bleed: Box | None) -> list[Finding]:
    findings = []
    for annotation in page.obj.get("/Annots", []):
        kind = str(annotation.get("/Subtype", "?"))
        if kind in ("/PrinterMark", "/TrapNet"):
            continue
        rect = annotation.get("/Rect")
        box = tuple(float(v) for v in rect) if rect is not None and len(rect) == 4 else None
        if (
            bleed is None
            or box is None
            or _intersects(
                (
                    min(box[0], box[2]),
                    min(box[1], box[3]),
                    max(box[0], box[2]),
                    max(box[1], box[3]),
                ),
                bleed,
            )
        ):
            findings.append(
                Finding(
                    page=number,
                    rule="ANNOTATIONS",
                    severity="error",
                    message=f"a {kind.lstrip('/')} annotation on the printed piece",
                    where=str(box),
                )
            )
    return findings


def _body_colour(glyphs: Glyphs) -> tuple[float, ...] | None:
    """The colour of the body text: the most used colour at the most used size (footers and
    notes in small print left aside)."""
    sizes: Counter[float] = Counter()
    for (size, _), count in glyphs.items():
        if size >= SMALL_PRINT:
            sizes[size] += count
    if not sizes:
        return None
    body_size = sizes.most_common(1)[0][0]
    colours: Counter[tuple[float, ...]] = Counter()
    for (size, colour), count in glyphs.items():
        if abs(size - body_size) <= 0.2:
            colours[colour] += count
    return colours.most_common(1)[0][0]


@dataclass(frozen=True)
class PageResult:
    """What the page rules found on one page, and the glyphs it prints by size and colour
    (for the body text's colour, decided over the whole document)."""

    findings: tuple[Finding, ...]
    glyphs: tuple[tuple[float, tuple[float, ...], int], ...]

    def moved(self, number: int) -> PageResult:
        """The same result for the page when it is page `number` of another document."""
        return PageResult(tuple(replace(f, page=number) for f in self.findings), self.glyphs)

    def as_json(self) -> dict[str, Any]:
        return {
            "findings": [f.as_json() for f in self.findings],
            "glyphs": [[size, list(colour), count] for size, colour, count in self.glyphs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageResult:
        return cls(
            tuple(Finding.from_json(f) for f in data["findings"]),
            tuple((float(s), tuple(float(v) for v in c), int(n)) for s, c, n in data["glyphs"]),
        )


def _page_result(number: int, page: pikepdf.Page, scan: Scan) -> PageResult:
    findings, trim, bleed = _boxes(number, page)
    findings += _colour(number, scan)
    text_findings, glyphs = _text_black(number, scan)
    findings += text_findings
    findings += _ink(number, scan, bleed)
    if trim is not None and bleed is not None:
        findings += _geometry(number, scan, trim, bleed)
    findings += _fonts(number, scan)
    findings += _images(number, scan)
    findings += _annotations(number, page, bleed)
    findings += _overprint_and_lines(number, scan, bleed)
    if scan.skipped:
        said = ", ".join(sorted(set(scan.skipped)))
        count = len(scan.skipped)
        message = f"{count} operator{'s' * (count > 1)} with the wrong operands ({said})"
        message += ": skipped, as readers do"
        findings.append(Finding(page=number, rule="CONTENT", severity="error", message=message))
    counts = tuple((size, colour, count) for (size, colour), count in glyphs.items())
    return PageResult(tuple(findings), counts)


def page_results(data: bytes) -> list[PageResult]:
    """`page_results_of` a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return page_results_of(pdf)


def page_results_of(pdf: pikepdf.Pdf) -> list[PageResult]:
    """The page rules' results for each page of a PDF."""
    return [_page_result(number, page, scan) for number, page, scan in iter_pages(pdf)]


def check_print(data: bytes, known: Mapping[int, PageResult] | None = None) -> list[Finding]:
    """`check_print_pdf` of a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return check_print_pdf(pdf, known)


def check_print_pdf(
    pdf: pikepdf.Pdf, known: Mapping[int, PageResult] | None = None
) -> list[Finding]:
    """Every finding of the print rules for a PDF.

    `known` gives the results of pages already checked, by 0-based index, for a document put
    together from others (the collection): their pages are the same objects, copied."""
    known = known or {}
    findings: list[Finding] = []
    glyphs = Glyphs()
    findings += _document_rules(pdf)
    metrics: dict[Any, FontMetrics] = {}
    for index, page in enumerate(pdf.pages):
        found = known.get(index)
        if found is not None:
            result = found.moved(index + 1)
        else:
            result = _page_result(index + 1, page, scan_page(page, metrics))
        findings += result.findings
        for size, colour, count in result.glyphs:
            glyphs[(size, colour)] += count
    body = _body_colour(glyphs)
    if body is not None and body != BLACK:
        findings.append(
            Finding(
                page=0,
                rule="TEXT-BLACK",
                severity="error",
                message=f"body text is printed in CMYK {_fmt(body)}, not in black ink only"
                " (0 0 0 1)",
            )
        )
    return sorted(findings, key=page_order)
