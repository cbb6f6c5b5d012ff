"""UA-CONTRAST: text against the background the PDF paints under it, by WCAG 2.1 AA (4.5:1,
3:1 for large text), with the colours as painted."""

from __future__ import annotations

from collections.abc import Iterator

from fichepress.core.contrast import RGB, Pair
from fichepress.core.findings import Finding
from fichepress.pdf.colours import ColourSpace
from fichepress.pdf.paints import Box, Scan

WHITE: RGB = (255, 255, 255)


def _rgb(space: ColourSpace, values: tuple[float, ...]) -> RGB | None:
    family = space.family
    if family == "rgb" and len(values) >= 3:
        red, green, blue = values[:3]
    elif family == "gray" and values:
        red = green = blue = values[0]
    elif family == "cmyk" and len(values) >= 4:
        cyan, magenta, yellow, black = values[:4]
        red, green, blue = ((1 - v) * (1 - black) for v in (cyan, magenta, yellow))
    else:
        return None
    return (round(red * 255), round(green * 255), round(blue * 255))


def _inside(inner: Box, outer: Box) -> bool:
    x, y = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


def painted_contrast(scans: list[Scan]) -> Iterator[Finding]:
    """Text against the last opaque fill painted under its middle (white paper if none)."""
    for index, scan in enumerate(scans):
        fills: list[tuple[Box, RGB]] = []
        seen: set[tuple[RGB, RGB, bool]] = set()
        for paint in scan.paints:
            if paint.kind == "fill":
                if not paint.solid:
                    continue
                colour = _rgb(paint.space, paint.colour)
                if colour is not None:
                    fills.append((paint.bbox, colour))
                continue
            if paint.kind != "text" or not paint.text.strip():
                continue
            foreground = _rgb(paint.space, paint.colour)
            if foreground is None:
                continue
            background = next((c for box, c in reversed(fills) if _inside(paint.bbox, box)), WHITE)
            large = paint.font_size >= 17.99 or (paint.bold and paint.font_size >= 13.99)
            pair = Pair(foreground, background, large, paint.text.strip()[:40])
            if (foreground, background, large) in seen or pair.ratio >= pair.minimum:
                continue
            seen.add((foreground, background, large))
            yield Finding(
                page=index + 1,
                rule="UA-CONTRAST",
                severity="error",
                message=f"{'large text' if large else 'text'} in {_hex(foreground)} on"
                f" {_hex(background)}"
                f" has a contrast of {pair.ratio:.2f}:1, under the {pair.minimum:g}:1 of WCAG AA",
                where=f'"{pair.sample}"',
            )


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)
