"""Fonts as the content reader needs them: each font's advances, ascent, descent and weight,
its ToUnicode map (codes to text), which fonts of a PDF are not embedded or not the theme's, and
the subset tags of embedded fonts (one per distinct font program, ISO 32000-1 §9.6.4)."""

from __future__ import annotations

import hashlib
import io
import re
import struct
from collections.abc import Iterator
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


def fonts_in(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Each font dictionary the pages use (in their resources, forms, tiling patterns and
    annotation appearances), once."""
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = []
    for page in pdf.pages:
        pending.append(page.obj.get("/Resources"))
        annotations: Any = page.obj.get("/Annots", [])
        for annotation in annotations:
            appearance = annotation.get("/AP", {}).get("/N")
            if isinstance(appearance, pikepdf.Stream):
                pending.append(appearance.get("/Resources"))
    while pending:
        resources = pending.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        for font in resources.get("/Font", {}).values():
            if font.is_indirect:
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
            if isinstance(font, pikepdf.Dictionary):
                yield font
        inner = [*resources.get("/XObject", {}).values(), *resources.get("/Pattern", {}).values()]
        for xobject in inner:
            if not isinstance(xobject, pikepdf.Stream) or xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            pending.append(xobject.get("/Resources"))


def _described(font: Any) -> Any:
    """The dictionary holding a font's descriptor: its descendant's for a Type0 font."""
    descendants = font.get("/DescendantFonts")
    if isinstance(descendants, pikepdf.Array) and len(descendants) > 0:
        return descendants[0]
    return font


def font_program(font: Any) -> Any:
    """The embedded font program of a font (FontFile, FontFile2 or FontFile3), or None."""
    descriptor = _described(font).get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return None
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        program = descriptor.get(key)
        if isinstance(program, pikepdf.Stream):
            return program
    return None


SUBSET_TAG = re.compile(r"^/?([A-Z]{6})\+")
"""A subset font's name starts with six capital letters and a plus sign."""


def subset_tag(program: bytes) -> str:
    """The six capital letters naming a subset, derived from its font program's bytes: the
    same subset gets the same tag in every build, two different subsets different ones."""
    return "".join(chr(65 + byte % 26) for byte in hashlib.sha256(program).digest()[:6])


def _program_bytes(program: Any, cache: dict[Any, bytes]) -> bytes:
    key = program.objgen if program.is_indirect else id(program)
    if key not in cache:
        try:
            cache[key] = program.read_bytes()
        except pikepdf.PdfError:  # a stream that cannot be decoded: named by its raw bytes
            cache[key] = program.read_raw_bytes()
    return cache[key]


def retag_subsets(pdf: pikepdf.Pdf) -> None:
    """Give each embedded subset a tag of its own, derived from its font program, in the
    font's BaseFont, its descendant's BaseFont and its descriptor's FontName (joined documents
    carry subsets of one font under the tag WeasyPrint derives from the font's name)."""
    programs: dict[Any, bytes] = {}
    for font in fonts_in(pdf):
        program = font_program(font)
        if program is None:
            continue
        tag = subset_tag(_program_bytes(program, programs))
        described = _described(font)
        holders = [(font, "/BaseFont"), (described, "/BaseFont")]
        holders.append((described.FontDescriptor, "/FontName"))
        for holder, key in holders:
            name = str(holder.get(key, ""))
            if SUBSET_TAG.match(name):
                holder[key] = pikepdf.Name("/" + tag + name[7:])


def clashing_subsets(pdf: pikepdf.Pdf) -> list[str]:
    """What breaks the rule of subset names (ISO 32000-1 §9.6.4): one tag and name standing for
    two different font programs (a RIP or viewer that caches fonts by name may draw the wrong
    glyphs), or a font whose names disagree with its descriptor's."""
    programs: dict[Any, bytes] = {}
    by_name: dict[str, set[bytes]] = {}
    problems: list[str] = []
    for font in fonts_in(pdf):
        program = font_program(font)
        if program is None:
            continue
        described = _described(font)
        name = str(described.FontDescriptor.get("/FontName", "")).lstrip("/")
        if not SUBSET_TAG.match(name):
            continue
        digest = hashlib.sha256(_program_bytes(program, programs)).digest()
        by_name.setdefault(name, set()).add(digest)
        for holder in {id(font): font, id(described): described}.values():
            base = str(holder.get("/BaseFont", "")).lstrip("/")
            tagged = SUBSET_TAG.match(base)  # an untagged one is told "not subset"
            if tagged and base != name and not base.startswith(name + "-"):
                problems.append(f'font "{base}" is described as "{name}": give both one name')
    for name, digests in sorted(by_name.items()):
        if len(digests) > 1:
            problems.append(
                f'the subset name "{name}" stands for {len(digests)} different embedded fonts:'
                " give each subset a tag of its own"
            )
    return problems


def foreign_fonts_in(pdf: pikepdf.Pdf, families: set[str]) -> list[str]:
    """Fonts of the PDF (its pages and their forms) that are not embedded, or not of the given
    families."""
    allowed = {family.replace(" ", "-") for family in families}
    problems: set[str] = set()
    for font in fonts_in(pdf):
        family = str(font.get("/BaseFont", "?")).lstrip("/").split("+", 1)[-1]
        if not any(family == a or family.startswith(a + "-") for a in allowed):
            problems.add(f'font "{family}" is not one of the theme\'s fonts')
        if font_program(font) is None:
            problems.add(f'font "{family}" is not embedded')
    return sorted(problems)


def foreign_fonts(data: bytes, families: set[str]) -> list[str]:
    """`foreign_fonts_in` for a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return foreign_fonts_in(pdf, families)
