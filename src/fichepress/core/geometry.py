"""Page geometry, in one place: the bleed, the safety margin, the crop marks, and the ratios
between the units WeasyPrint, PDF and print speak (CSS px, PDF points, millimetres).

The print variant's page is the trim plus `BLEED_MM` on each side (WeasyPrint's `bleed`);
finishing widens the MediaBox by `SLUG_MM` to hold the crop marks, drawn `MARK_OFFSET_MM`
beyond the trim so that they stay out of the bleed. The print check holds text and pictures
`SAFETY_MM` inside the trim.
"""

from __future__ import annotations

PT_PER_MM = 72 / 25.4
"""PDF points in a millimetre."""
PT_PER_CSS_PX = 72 / 96
"""PDF points in a CSS pixel (WeasyPrint lays out in CSS px, at 96 to the inch)."""
CSS_PX_PER_PT = 96 / 72
"""CSS pixels in a point: a font size of WeasyPrint's boxes (px) over this gives points."""
MM_PER_CSS_PX = 25.4 / 96
"""Millimetres in a CSS pixel."""

BLEED_MM = 3.0
"""How far the print variant's pictures and backgrounds run past the trim."""
SAFETY_MM = 3.0
"""How far inside the trim text and pictures must stay."""
MARK_OFFSET_MM = 4.0
"""Distance from the trim to where a crop mark starts: 1 mm beyond the bleed."""
MARK_LENGTH_MM = 5.0
"""Length of a crop mark."""
MARK_WIDTH_PT = 0.25
"""Width of a crop mark's line."""
SLUG_MM = 10.0
"""How far the MediaBox reaches beyond the trim, to hold the marks."""

BLEED_PT = BLEED_MM * PT_PER_MM
SAFETY_PT = SAFETY_MM * PT_PER_MM


def bleed_css() -> str:
    """The bleed as the CSS `@page { bleed: … }` of the print variant says it."""
    return f"{BLEED_MM:g}mm"
