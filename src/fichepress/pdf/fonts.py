"""Fonts as the content reader needs them: each font's advances, ascent, descent and weight,
its ToUnicode map (codes to text), and which fonts of a PDF are not embedded or not the theme's."""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import pikepdf


@dataclass
class FontMetrics:
    two_bytes: bool
    widths: dict[int, float]
    default: float
    ascent: float
    descent: float
    to_unicode: dict[int, str] = field(default_factory=dict)
    bold: bool = False
    """Bold or heavier, from the descriptor's FontWeight or ForceBold flag, or the font's
    name (for the large-text threshold of contrast rules)."""

    def codes(self, data: bytes) -> tuple[int, ...]:
        """The character codes of a string shown with this font."""
        if self.two_bytes:
            return struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2])
        return tuple(data)

    def text(self, data: bytes) -> str:
        """The characters a string of codes stands for (U+FFFD where the font does not say)."""
        return "".join(map(self.to_unicode.get, self.codes(data), repeat("\ufffd")))

    def advance(self, code: int) -> float:
        return self.widths.get(code, self.default) / 1000

    def width(self, codes: tuple[int, ...]) -> float:
        """The sum of the advances of `codes`, in thousandths of the font size."""
        return sum(map(self.widths.get, codes, repeat(self.default)))


def font_metrics(font: Any) -> FontMetrics:
    subtype = str(font.get("/Subtype", ""))
    if subtype == "/Type0":
        descendant = font.DescendantFonts[0]
        widths: dict[int, float] = {}
        w = descendant.get("/W", [])
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1], pikepdf.Array):
                for offset, width in enumerate(w[i + 1]):
                    widths[first + offset] = float(width)
                i += 2
            else:
                last, width = int(w[i + 1]), float(w[i + 2])
                for code in range(first, last + 1):
                    widths[code] = width
                i += 3
        descriptor = descendant.get("/FontDescriptor", {})
        default = float(descendant.get("/DW", 1000))
        two = True
    else:
        first_char = int(font.get("/FirstChar", 0))
        widths = {first_char + i: float(v) for i, v in enumerate(font.get("/Widths", []))}
        descriptor = font.get("/FontDescriptor", {})
        default = float(descriptor.get("/MissingWidth", 500)) if descriptor else 500.0
        two = False
    ascent = float(descriptor.get("/Ascent", 800)) if descriptor else 800.0
    descent = float(descriptor.get("/Descent", -200)) if descriptor else -200.0
    cmap = font.get("/ToUnicode")
    to_unicode = parse_to_unicode(cmap.read_bytes()) if isinstance(cmap, pikepdf.Stream) else {}
    return FontMetrics(
        two, widths, default, ascent / 1000, descent / 1000, to_unicode, _bold(font, descriptor)
    )


_HEAVY = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


def _bold(font: Any, descriptor: Any) -> bool:
    if descriptor:
        if float(descriptor.get("/FontWeight", 0)) >= 600:
            return True
        if int(descriptor.get("/Flags", 0)) & (1 << 18):  # ForceBold
            return True
    return bool(_HEAVY.search(str(font.get("/BaseFont", ""))))


_HEX = re.compile(rb"<([0-9a-fA-F]*)>")


def _utf16(hex_digits: bytes) -> str:
    return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", errors="replace")


def parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """Codes to text from a ToUnicode CMap (bfchar and bfrange sections)."""
    mapping: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = _HEX.findall(section)
        for code, text in zip(values[::2], values[1::2], strict=False):
            mapping[int(code, 16)] = _utf16(text)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in section.strip().splitlines():
            parts = _HEX.findall(line)
            if len(parts) < 3:
                continue
            start, end = int(parts[0], 16), int(parts[1], 16)
            if b"[" in line:  # one destination per code
                for offset, text in enumerate(parts[2:]):
                    mapping[start + offset] = _utf16(text)
            else:
                first = bytes.fromhex(parts[2].decode())
                for offset in range(end - start + 1):
                    value = int.from_bytes(first, "big") + offset
                    mapping[start + offset] = value.to_bytes(len(first), "big").decode(
                        "utf-16-be", errors="replace"
                    )
    return mapping


def metrics_of(font: Any, cache: dict[Any, FontMetrics]) -> FontMetrics:
    """The metrics of `font`, read once per font object (`cache`: shared by the pages and
    the passes over one document)."""
    key = font.objgen if font.is_indirect else id(font)
    if key not in cache:
        cache[key] = font_metrics(font)
    return cache[key]


def foreign_fonts_in(pdf: pikepdf.Pdf, families: set[str]) -> list[str]:
    """Fonts of the PDF (its pages and their forms) that are not embedded, or not of the given
    families."""
    allowed = {family.replace(" ", "-") for family in families}
    problems: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def visit(resources: Any) -> None:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        for font in resources.get("/Font", {}).values():
            if font.is_indirect:
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
            family = str(font.get("/BaseFont", "?")).lstrip("/").split("+", 1)[-1]
            if not any(family == a or family.startswith(a + "-") for a in allowed):
                problems.add(f'font "{family}" is not one of the theme\'s fonts')
            descendants = font.get("/DescendantFonts")
            described = descendants[0] if descendants is not None else font
            descriptor: Any = described.get("/FontDescriptor", {})
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.add(f'font "{family}" is not embedded')
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                visit(xobject.get("/Resources"))

    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
    return sorted(problems)


def foreign_fonts(data: bytes, families: set[str]) -> list[str]:
    """`foreign_fonts_in` for a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return foreign_fonts_in(pdf, families)
