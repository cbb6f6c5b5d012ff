"""What reading a page's content tells: each painting operation (`Paint`) with its box in page
space, each colour used (`ColourUse`), and the whole `Scan` of a page, fonts and marked content
included."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fichepress.pdf.colours import ColourSpace

Box = tuple[float, float, float, float]


def bbox_of(points: list[tuple[float, float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class Paint:
    """One painting operation."""

    kind: Literal["fill", "stroke", "text", "image", "shading"]
    bbox: Box
    """Where it paints, in the page's default coordinates (points)."""
    space: ColourSpace
    colour: tuple[float, ...]
    where: str
    """Which stream painted it: "page", "form /Fm1", …"""
    glyphs: int = 0
    """For text: how many glyphs."""
    font_size: float = 0.0
    """For text: the size of the glyphs on the page, in points."""
    bold: bool = False
    """For text: in a bold (or heavier) font."""
    solid: bool = True
    """For fills: one subpath, which covers its box (a ring, such as a border, does not)."""
    text: str = ""
    """For text in marked content: the characters shown (tagged PDFs only, as it costs)."""
    pixels: tuple[int, int] = (0, 0)
    """For images: width and height in pixels."""
    size: tuple[float, float] = (0.0, 0.0)
    """For images: printed width and height of the picture, in points, whatever its rotation."""
    image: Any = None
    """For images: the image XObject (or inline image)."""
    overprint: bool = False
    """Set to overprint (the graphics state's op for fills and text, OP for strokes)."""
    line_width: float = 0.0
    """For strokes: the width of the line on the page, in points."""
    tiled: bool = False
    """Painted in the cell of a tiling pattern: the cell is repeated over the area a fill
    paints with the pattern, and that fill tells where the ink goes."""


@dataclass(frozen=True)
class ColourUse:
    """A colour operator or colour space found in a content stream."""

    operator: str
    space: ColourSpace
    values: tuple[float, ...]
    where: str


@dataclass
class Scan:
    """What one page paints and which colours its streams use."""

    paints: list[Paint] = field(default_factory=list)
    colours: list[ColourUse] = field(default_factory=list)
    fonts: dict[str, Any] = field(default_factory=dict)
    """Every font the page's streams use, by object id or name."""
    mcid_text: dict[int, str] = field(default_factory=dict)
    """The text of each marked-content sequence with an MCID, in the page's content."""
    mcid_order: list[int] = field(default_factory=list)
    """MCIDs in the order the page's content stream opens them."""
    mcid_pictures: set[int] = field(default_factory=set)
    """MCIDs whose marked content paints (paths, shadings, images, forms): with no text, a
    picture (read by `scan_marks` only)."""
    untagged: list[str] = field(default_factory=list)
    """Painting outside any marked content (neither tagged nor an artifact)."""
    skipped: list[str] = field(default_factory=list)
    """Operators given operands they cannot take (a damaged file): skipped, as readers do."""
