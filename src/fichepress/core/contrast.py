"""Contrast of text against its background, as laid out: WCAG 2.1 AA (1.4.3).

The pairs are read from WeasyPrint's laid-out boxes, so they are the ones the theme really
uses (text colour, and the nearest background behind it), not every pair of the palette.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fichepress.core.geometry import CSS_PX_PER_PT

NORMAL, LARGE = 4.5, 3.0
"""WCAG 2.1 AA minimum ratios; large text is 18 pt, or 14 pt in bold."""

RGB = tuple[int, int, int]


def _channel(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    """Relative luminance of an sRGB colour (WCAG 2.1)."""
    red, green, blue = (_channel(v / 255) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(foreground: RGB, background: RGB) -> float:
    """Contrast ratio, from 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Pair:
    """Text of one colour on one background, and whether it is large."""

    foreground: RGB
    background: RGB
    large: bool
    sample: str

    @property
    def ratio(self) -> float:
        return ratio(self.foreground, self.background)

    @property
    def minimum(self) -> float:
        return LARGE if self.large else NORMAL


def _rgb(colour: Any) -> RGB | None:
    """An opaque sRGB colour from WeasyPrint's computed style, None if transparent."""
    if colour is None or colour.alpha == 0:
        return None
    red, green, blue = colour.to("srgb").coordinates
    return (round(red * 255), round(green * 255), round(blue * 255))


def text_pairs(document: Any) -> dict[tuple[RGB, RGB, bool], Pair]:
    """Every (text colour, background, large) used in a rendered WeasyPrint document."""
    pairs: dict[tuple[RGB, RGB, bool], Pair] = {}

    def walk(box: Any, background: RGB) -> None:
        own = _rgb(box.style["background_color"]) if hasattr(box, "style") else None
        background = own or background
        text = getattr(box, "text", None)
        if text and text.strip():
            foreground = _rgb(box.style["color"])
            if foreground is not None:
                size_pt = box.style["font_size"] / CSS_PX_PER_PT
                bold = box.style["font_weight"] >= 700
                large = size_pt >= 17.99 or (bold and size_pt >= 13.99)
                key = (foreground, background, large)
                pairs.setdefault(key, Pair(foreground, background, large, text.strip()[:40]))
        for child in getattr(box, "children", ()):
            walk(child, background)

    for page in document.pages:
        walk(page._page_box, (255, 255, 255))
    return pairs


def _name(rgb: RGB, names: Mapping[RGB, str]) -> str:
    hex_value = "#{:02x}{:02x}{:02x}".format(*rgb)
    return f"var(--{names[rgb]}) {hex_value}" if rgb in names else hex_value


def contrast_problems(pairs: Mapping[Any, Pair], names: Mapping[RGB, str]) -> Iterator[str]:
    """A plain-words message for each pair under the WCAG AA minimum."""
    for pair in sorted(pairs.values(), key=lambda p: (p.ratio, p.sample)):
        if pair.ratio < pair.minimum:
            size = "large text" if pair.large else "text"
            yield (
                f"{size} in {_name(pair.foreground, names)} on {_name(pair.background, names)}"
                f" has a contrast of {pair.ratio:.2f}:1, under the {pair.minimum:g}:1 of WCAG AA"
                f' (for instance "{pair.sample}")'
            )
