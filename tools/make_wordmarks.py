"""Draw the placeholder logos of the sample series as SVG wordmarks.

The logos are plain outlines of Lato letters (no text, so no font is needed to show them),
made by this script from the fonts in fonts/. They stand in for the organisations' real
logos, which are not ours to ship. Run: `.venv/bin/python tools/make_wordmarks.py`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "fonts" / "lato"


def outline(font: TTFont, text: str, x: float, y: float, size: float) -> tuple[str, float]:
    """SVG path data of `text` set at (x, y) baseline in `size` units, and its advance."""
    scale = size / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    pen = SVGPathPen(glyphs, ntos=lambda number: f"{number:.1f}".removesuffix(".0"))
    cursor = x
    for char in text:
        name = cmap[ord(char)]
        glyph = glyphs[name]
        glyph.draw(TransformPen(pen, (scale, 0, 0, -scale, cursor, y)))
        cursor += glyph.width * scale
    return pen.getCommands(), cursor - x


def svg(width: float, height: float, label: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{label}">\n'
        f"{body}</svg>\n"
    )


def main() -> None:
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    black = TTFont(FONTS / "Lato-Black.ttf")
    bold = TTFont(FONTS / "Lato-Bold.ttf")
    regular = TTFont(FONTS / "Lato-Regular.ttf")
    out = ROOT / "sheets" / "logos"
    out.mkdir(parents=True, exist_ok=True)

    # Publisher: a wordmark with a round mark before it.
    word, advance = outline(black, "communagir", 58, 40, 40)
    body = (
        '<circle cx="22" cy="26" r="18" fill="#e3411b"/>\n'
        '<circle cx="22" cy="26" r="8" fill="#ffffff"/>\n'
        f'<path fill="#1d3557" d="{word}"/>\n'
    )
    (out / "communagir.svg").write_text(svg(58 + advance + 4, 52, "Communagir", body))

    # Funder: three lines of text beside a square mark; not the real government signature.
    line1, w1 = outline(bold, "Travail, Emploi", 52, 17, 17)
    line2, w2 = outline(bold, "et Solidarité sociale", 52, 37, 17)
    line3, w3 = outline(regular, "Québec", 52, 60, 19)
    body = (
        '<rect x="0" y="2" width="40" height="58" fill="#1d3557"/>\n'
        '<rect x="8" y="10" width="24" height="24" fill="#ffffff"/>\n'
        f'<path fill="#1d3557" d="{line1} {line2}"/>\n'
        f'<path fill="#1d3557" d="{line3}"/>\n'
    )
    width = 52 + max(w1, w2, w3) + 4
    label = "Travail, Emploi et Solidarité sociale Québec"
    (out / "travail-emploi-solidarite-sociale.svg").write_text(svg(width, 64, label, body))


if __name__ == "__main__":
    main()
