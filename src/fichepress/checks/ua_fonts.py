"""UA-FONTS: the fonts an accessible PDF shows text with, as PDF/UA-1 (7.21) wants them:
embedded, with CMaps and CIDSystemInfo that agree, glyphs and widths the font program has,
TrueType encodings and cmaps a reader can follow, and a ToUnicode map with real characters."""

from __future__ import annotations

import io
import logging
import re
import struct
import warnings
from collections.abc import Iterator
from typing import Any

import pikepdf

from fichepress.checks.ua_marks import ContentRead, FontUse
from fichepress.checks.ua_tree import error
from fichepress.core.findings import Finding
from fichepress.pdf.fonts import parse_to_unicode

PREDEFINED_CMAPS = frozenset(
    [
        "GB-EUC-H",
        "GB-EUC-V",
        "GBpc-EUC-H",
        "GBpc-EUC-V",
        "GBK-EUC-H",
        "GBK-EUC-V",
        "GBKp-EUC-H",
        "GBKp-EUC-V",
        "GBK2K-H",
        "GBK2K-V",
        "UniGB-UCS2-H",
        "UniGB-UCS2-V",
        "UniGB-UTF16-H",
        "UniGB-UTF16-V",
        "B5pc-H",
        "B5pc-V",
        "HKscs-B5-H",
        "HKscs-B5-V",
        "ETen-B5-H",
        "ETen-B5-V",
        "ETenms-B5-H",
        "ETenms-B5-V",
        "CNS-EUC-H",
        "CNS-EUC-V",
        "UniCNS-UCS2-H",
        "UniCNS-UCS2-V",
        "UniCNS-UTF16-H",
        "UniCNS-UTF16-V",
        "83pv-RKSJ-H",
        "90ms-RKSJ-H",
        "90ms-RKSJ-V",
        "90msp-RKSJ-H",
        "90msp-RKSJ-V",
        "90pv-RKSJ-H",
        "Add-RKSJ-H",
        "Add-RKSJ-V",
        "EUC-H",
        "EUC-V",
        "Ext-RKSJ-H",
        "Ext-RKSJ-V",
        "H",
        "V",
        "UniJIS-UCS2-H",
        "UniJIS-UCS2-V",
        "UniJIS-UCS2-HW-H",
        "UniJIS-UCS2-HW-V",
        "UniJIS-UTF16-H",
        "UniJIS-UTF16-V",
        "KSC-EUC-H",
        "KSC-EUC-V",
        "KSCms-UHC-H",
        "KSCms-UHC-V",
        "KSCms-UHC-HW-H",
        "KSCms-UHC-HW-V",
        "KSCpc-EUC-H",
        "UniKS-UCS2-H",
        "UniKS-UCS2-V",
        "UniKS-UTF16-H",
        "UniKS-UTF16-V",
        "Identity-H",
        "Identity-V",
    ]
)
"""The CMaps ISO 32000-1 (9.7.5.2, Table 118) predefines: any other must be embedded."""
CJK_ORDERINGS = frozenset({"GB1", "CNS1", "Japan1", "Korea1"})
_WMODE = re.compile(rb"/WMode\s+(\d+)\s+def")
_USECMAP = re.compile(rb"/([^\s/]+)\s+usecmap")
_ORDERING = re.compile(rb"/Ordering\s*\(([^)]*)\)")
_REGISTRY = re.compile(rb"/Registry\s*\(([^)]*)\)")


def fonts(found: ContentRead) -> Iterator[Finding]:
    """UA-FONTS for every font used to show text."""
    logger = logging.getLogger("fontTools")  # its modules' loggers take its level
    level = logger.level
    for use in found.fonts.values():
        page = min(use.pages) if use.pages else 0
        logger.setLevel(logging.CRITICAL + 1)  # what matters is told here, in plain words
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                problems = list(_problems(use))
        except Exception as flaw:  # fontTools raises what its parsers meet (struct.error…)
            problems = [f"its font program is damaged ({type(flaw).__name__}): embed it again"]
        finally:
            logger.setLevel(level)
        for what in problems:
            yield error(page, "UA-FONTS", what, f"font {use.name}")


def _problems(use: FontUse) -> Iterator[str]:
    font = use.font
    kind = str(font.get("/Subtype", ""))
    descendant = _descendant(font)
    descriptor = (descendant if kind == "/Type0" else font).get("/FontDescriptor")
    program = _program(descriptor)
    if kind != "/Type3" and program is None and use.rendered:
        yield (
            "the font is not embedded: readers draw the text with another font, or none;"
            " embed it (the theme's @font-face fonts are embedded when given as files)"
        )
    yield from _to_unicode(font, kind, descendant)
    if kind == "/Type0" and isinstance(descendant, pikepdf.Dictionary):
        yield from _cmaps(font, descendant)
        yield from _cid_glyphs(use, descendant, program)
    elif kind == "/TrueType":
        yield from _truetype(use, descriptor, program)


def _descendant(font: Any) -> Any:
    found = font.get("/DescendantFonts")
    if isinstance(found, pikepdf.Array) and len(found):
        return found[0]
    return None


def _program(descriptor: Any) -> Any:
    if not isinstance(descriptor, pikepdf.Dictionary):
        return None
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if isinstance(descriptor.get(key), pikepdf.Stream):
            return descriptor[key]
    return None


def _to_unicode(font: Any, kind: str, descendant: Any) -> Iterator[str]:
    """31-027 (no ToUnicode where one is needed), 31-028 and 31-029 (characters 0, FEFF,
    FFFE), and a code mapped to no character at all."""
    cmap = font.get("/ToUnicode")
    if isinstance(cmap, pikepdf.Stream):
        mapping = parse_to_unicode(cmap.read_bytes())
        empty = sorted(code for code, text in mapping.items() if text == "")
        zero = sorted(code for code, text in mapping.items() if "\x00" in text)
        bom = sorted(code for code, text in mapping.items() if set(text) & {"\ufeff", "\ufffe"})
        for codes, what in (
            (zero, "U+0000 (no character)"),
            (bom, "U+FEFF or U+FFFE (not characters)"),
            (empty, "nothing"),
        ):
            if codes:
                shown = ", ".join(f"{c:04X}" for c in codes[:6]) + (" …" if len(codes) > 6 else "")
                yield (
                    f"its ToUnicode map gives {what} for {len(codes)} code(s) ({shown}): readers"
                    " read those glyphs as nothing; map each to its character"
                )
        return
    if not _readable_without_to_unicode(font, kind, descendant):
        yield (
            "the font has no ToUnicode map and its encoding does not tell the characters:"
            " readers cannot read its text; add a ToUnicode map"
        )


def _readable_without_to_unicode(font: Any, kind: str, descendant: Any) -> bool:
    """The cases of ISO 14289-1 7.21.7 where the characters are known without ToUnicode."""
    encoding = font.get("/Encoding")
    base = encoding.get("/BaseEncoding") if isinstance(encoding, pikepdf.Dictionary) else encoding
    if str(base) in ("/MacRomanEncoding", "/MacExpertEncoding", "/WinAnsiEncoding"):
        return True
    if kind in ("/Type1", "/MMType1", "/Type3"):
        return all(name in _agl() for name in _differences(encoding))
    if kind == "/Type0" and isinstance(descendant, pikepdf.Dictionary):
        info: Any = descendant.get("/CIDSystemInfo", {})
        return str(info.get("/Registry", "")) == "Adobe" and (
            str(info.get("/Ordering", "")) in CJK_ORDERINGS
        )
    if kind == "/TrueType":
        return not _symbolic(font.get("/FontDescriptor"))
    return False


def _differences(encoding: Any) -> list[str]:
    if not isinstance(encoding, pikepdf.Dictionary):
        return []
    values: Any = encoding.get("/Differences", [])
    return [str(v).lstrip("/") for v in values if isinstance(v, pikepdf.Name)]


def _agl() -> dict[str, Any]:
    from fontTools.agl import LEGACY_AGL2UV

    found: dict[str, Any] = LEGACY_AGL2UV
    return found


def _symbolic(descriptor: Any) -> bool:
    flags = descriptor.get("/Flags", 0) if isinstance(descriptor, pikepdf.Dictionary) else 0
    return bool(int(flags) & 4)


def _cmaps(font: Any, descendant: Any) -> Iterator[str]:
    """31-001 to 31-008: the CMap, its CIDSystemInfo, the CIDToGIDMap of a TrueType CIDFont."""
    if descendant.get("/Subtype") == "/CIDFontType2":
        mapping = descendant.get("/CIDToGIDMap")
        if mapping is None:
            yield "its CIDFont (TrueType) has no CIDToGIDMap: add /CIDToGIDMap /Identity"
        elif not (isinstance(mapping, pikepdf.Stream) or mapping == pikepdf.Name.Identity):
            yield "its CIDFont's CIDToGIDMap is neither /Identity nor a stream"
    encoding = font.get("/Encoding")
    if isinstance(encoding, pikepdf.Name):
        if str(encoding).lstrip("/") not in PREDEFINED_CMAPS:
            yield f"its CMap {encoding} is neither a predefined CMap nor embedded"
        return
    if not isinstance(encoding, pikepdf.Stream):
        return
    data = encoding.read_bytes()
    wmode = _WMODE.search(data)
    if int(encoding.get("/WMode", 0)) != (int(wmode.group(1)) if wmode else 0):
        yield "its CMap's WMode differs between its dictionary and its data"
    used = encoding.get("/UseCMap")
    names = [str(used).lstrip("/")] if isinstance(used, pikepdf.Name) else []
    names += [m.decode("latin-1") for m in _USECMAP.findall(data)]
    for name in names:
        if name not in PREDEFINED_CMAPS:
            yield f"its CMap uses the CMap {name}, which is not a predefined one"
    own: Any = encoding.get("/CIDSystemInfo", {})
    theirs: Any = descendant.get("/CIDSystemInfo", {})
    for key in ("/Registry", "/Ordering"):
        if str(own.get(key, "")) != str(theirs.get(key, "")):
            yield f"its CMap and its CIDFont name different character collections ({key[1:]})"
    if int(theirs.get("/Supplement", 0)) < int(own.get("/Supplement", 0)):
        yield "its CIDFont's Supplement is lower than its CMap's"


def _cid_glyphs(use: FontUse, descendant: Any, program: Any) -> Iterator[str]:
    """31-011, 31-016 and 31-030 for a TrueType CIDFont shown with 2-byte codes (Identity):
    every glyph shown is in the program, not .notdef, and as wide as the PDF says."""
    encoding = str(use.font.get("/Encoding", ""))
    if descendant.get("/Subtype") != "/CIDFontType2" or encoding not in (
        "/Identity-H",
        "/Identity-V",
    ):
        return
    font = _truetype_program(program)
    if font is None:
        return
    data = bytes(use.data[: len(use.data) // 2 * 2])
    cids = set(struct.unpack(f">{len(data) // 2}H", data))
    mapping = descendant.get("/CIDToGIDMap")
    table = mapping.read_bytes() if isinstance(mapping, pikepdf.Stream) else None
    glyphs = int(font["maxp"].numGlyphs)
    advances = _advances(font)
    widths = _widths(descendant)
    scale = 1000 / int(font["head"].unitsPerEm)
    notdef, missing, wrong = [], [], []
    for cid in sorted(cids):
        gid = cid if table is None else int.from_bytes(table[2 * cid : 2 * cid + 2], "big")
        if gid == 0:
            notdef.append(cid)
        elif gid >= glyphs:
            missing.append(cid)
        elif advances:
            advance = advances[min(gid, len(advances) - 1)] * scale
            if abs(widths.get(cid, int(descendant.get("/DW", 1000))) - advance) > 1:
                wrong.append(cid)
    yield from _cid_set(descendant, glyphs, table)
    if notdef:
        yield f"{len(notdef)} code(s) shown draw the .notdef glyph (no glyph): readers see a box"
    if missing:
        yield f"{len(missing)} glyph(s) shown are not in the embedded font program"
    if wrong:
        yield (
            f"the widths the PDF gives {len(wrong)} glyph(s) differ from the font program's:"
            " text is laid out with other widths than it is drawn"
        )


def _cid_set(descendant: Any, glyphs: int, table: bytes | None) -> Iterator[str]:
    """31-015: every CID the CIDSet lists is a glyph of the program."""
    descriptor: Any = descendant.get("/FontDescriptor", {})
    cid_set = descriptor.get("/CIDSet")
    if not isinstance(cid_set, pikepdf.Stream):
        return
    data = cid_set.read_bytes()
    listed = [i * 8 + bit for i, byte in enumerate(data) for bit in range(8) if byte & 0x80 >> bit]
    absent = [
        cid
        for cid in listed
        if (cid if table is None else int.from_bytes(table[2 * cid : 2 * cid + 2], "big")) >= glyphs
    ]
    if absent:
        yield f"its CIDSet lists {len(absent)} CID(s) the font program does not have"


def _widths(descendant: Any) -> dict[int, float]:
    """A CIDFont's /W array as CID → width."""
    found: dict[int, float] = {}
    values = list(descendant.get("/W", []))
    i = 0
    while i + 1 < len(values):
        first, second = values[i], values[i + 1]
        if isinstance(second, pikepdf.Array):
            for offset, width in enumerate(second):
                found[int(first) + offset] = float(width)
            i += 2
        elif i + 2 < len(values):
            for cid in range(int(first), int(second) + 1):
                found[cid] = float(values[i + 2])
            i += 3
        else:
            break
    return found


def _advances(font: Any) -> tuple[int, ...]:
    """The advance widths of the program's glyphs, read from its hmtx table as it stands (much
    quicker than fontTools' reading of it, which names every glyph)."""
    count = int(font["hhea"].numberOfHMetrics)
    try:
        raw = bytes(font.reader["hmtx"])
    except KeyError:  # no hmtx table: no widths to compare
        raw = b""
    count = min(count, len(raw) // 4)
    return struct.unpack(f">{count * 2}H", raw[: count * 4])[::2] if count else ()


def _truetype_program(program: Any) -> Any:
    """The embedded TrueType program, read by fontTools; None if it cannot be read."""
    if not isinstance(program, pikepdf.Stream) or "/Subtype" in program:
        return None  # a FontFile3 (CFF, OpenType) is not read here
    from fontTools.ttLib import TTFont, TTLibError

    try:
        font = TTFont(io.BytesIO(program.read_bytes()), lazy=True)
        font["maxp"]  # reading it is the check
        return font
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, pikepdf.PdfError):
        return None


def _truetype(use: FontUse, descriptor: Any, program: Any) -> Iterator[str]:
    """31-017 to 31-026: a simple TrueType font's encoding and its program's cmaps."""
    encoding = use.font.get("/Encoding")
    font = _truetype_program(program)
    tables = font["cmap"].tables if font is not None and "cmap" in font else []
    kinds = {(t.platformID, t.platEncID) for t in tables}
    if _symbolic(descriptor):
        if encoding is not None:
            yield "a symbolic TrueType font has an Encoding: leave it out"
        if font is not None and not tables:
            yield "the program of a symbolic TrueType font has no cmap"
        elif len(tables) > 1 and (3, 0) not in kinds:
            yield "the program of a symbolic TrueType font has several cmaps, none (3,0)"
        return
    base = encoding.get("/BaseEncoding") if isinstance(encoding, pikepdf.Dictionary) else encoding
    if encoding is None:
        yield "a non-symbolic TrueType font has no Encoding: give /WinAnsiEncoding"
    elif isinstance(encoding, pikepdf.Dictionary) and base is None:
        yield "a non-symbolic TrueType font's Encoding has no BaseEncoding"
    if base is not None and str(base) not in ("/MacRomanEncoding", "/WinAnsiEncoding"):
        yield f"a non-symbolic TrueType font's encoding is {base}, not WinAnsi or MacRoman"
    names = _differences(encoding)
    foreign = sorted({n for n in names if n not in _agl()})
    if foreign:
        shown = ", ".join(foreign[:4])
        yield f"its Differences name glyphs unknown to the Adobe Glyph List ({shown})"
    if font is None:
        return
    if names and (3, 1) not in kinds:
        yield "its Differences need a (3,1) Unicode cmap in the font program, which has none"
    if not kinds & {(3, 1), (1, 0)}:
        yield "the program of a non-symbolic TrueType font has no (3,1) or (1,0) cmap"
    elif (3, 1) in kinds:
        yield from _unreachable(use, encoding, font)


def _unreachable(use: FontUse, encoding: Any, font: Any) -> Iterator[str]:
    """31-018: each code shown reaches a glyph through the (3,1) cmap."""
    cmap = font.getBestCmap() or {}
    differences: dict[int, str] = {}
    values = (
        list(encoding.get("/Differences", [])) if isinstance(encoding, pikepdf.Dictionary) else []
    )
    code = 0
    for value in values:
        if isinstance(value, int):
            code = int(value)
        else:
            differences[code] = str(value).lstrip("/")
            code += 1
    base = encoding.get("/BaseEncoding") if isinstance(encoding, pikepdf.Dictionary) else encoding
    codec = "mac_roman" if str(base) == "/MacRomanEncoding" else "cp1252"
    lost = 0
    unicode: int | None
    for code in sorted(set(use.data)):
        if code in differences:
            known: Any = _agl().get(differences[code])
            unicode = known[0] if isinstance(known, list) else known
        else:
            character = bytes([code]).decode(codec, errors="ignore")
            unicode = ord(character) if character else None
        if unicode is None or unicode not in cmap:
            lost += 1
    if lost:
        yield f"{lost} code(s) shown reach no glyph through the font program's Unicode cmap"
