"""Walk the content of a PDF page and tell what it paints: where, in which colour, with what.

A small interpreter of PDF content streams (ISO 32000 §8-9) over pikepdf's parser. It follows
the graphics state (transformation, colour spaces, text state) through the page, its forms and
patterns, and reports each painting operation with its bounding box in page space. Geometry is
approximate where exactness costs much (curves by their control points, glyphs by their advance
and the font's ascent and descent), which is what preflight checks need.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Any, Literal

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

Family = Literal["cmyk", "rgb", "gray", "lab", "separation", "devicen", "pattern", "unknown"]


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m × n: apply m, then n."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return (a * x + c * y + e, b * x + d * y + f)


def _path_box(path: list[Any], ctm: Matrix) -> Box:
    """The bounding box in page space of a path given by its user-space coordinates (x and y
    in turn; numbers as the parser gives them): curves by their control points, which bound
    them. Under a transformation that neither rotates nor skews, the box of the user-space
    box's corners, with four conversions to float instead of one per coordinate."""
    xs, ys = path[0::2], path[1::2]
    if len(xs) != len(ys):
        xs = xs[: len(ys)]
    if not ys:
        return (ctm[4], ctm[5], ctm[4], ctm[5])
    if ctm[1] == 0 and ctm[2] == 0:
        corners = [
            apply(ctm, float(min(xs)), float(min(ys))),
            apply(ctm, float(max(xs)), float(max(ys))),
        ]
        return bbox_of(corners)
    return bbox_of([apply(ctm, float(x), float(y)) for x, y in zip(xs, ys, strict=True)])


def bbox_of(points: list[tuple[float, float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class ColourSpace:
    """A colour space as far as print cares: its family and number of components."""

    family: Family
    components: int
    name: str
    base: ColourSpace | None = None
    """The space an Indexed space picks its colours from."""


DEVICE = {
    "/DeviceCMYK": ColourSpace("cmyk", 4, "DeviceCMYK"),
    "/DeviceRGB": ColourSpace("rgb", 3, "DeviceRGB"),
    "/DeviceGray": ColourSpace("gray", 1, "DeviceGray"),
    "/CMYK": ColourSpace("cmyk", 4, "DeviceCMYK"),
    "/RGB": ColourSpace("rgb", 3, "DeviceRGB"),
    "/G": ColourSpace("gray", 1, "DeviceGray"),
    "/Pattern": ColourSpace("pattern", 1, "Pattern"),
}
DEFAULT_GRAY = DEVICE["/DeviceGray"]


def colour_space(value: Any, resources: Any = None) -> ColourSpace:
    """Classify a colour space given by name (looked up in `resources`) or by array."""
    if isinstance(value, pikepdf.Name):
        name = str(value)
        if name in DEVICE:
            return DEVICE[name]
        named: Any = resources.get("/ColorSpace", {}) if resources is not None else {}
        if name in named:
            return colour_space(named[name], resources)
        return ColourSpace("unknown", 0, name)
    if isinstance(value, pikepdf.Array) and len(value) > 0:
        kind = str(value[0])
        if kind == "/ICCBased":
            n = int(value[1].get("/N", 0))
            family: Family = {4: "cmyk", 3: "rgb", 1: "gray"}.get(n, "unknown")  # type: ignore[assignment]
            return ColourSpace(family, n, f"ICCBased (N={n})")
        if kind in ("/CalRGB",):
            return ColourSpace("rgb", 3, "CalRGB")
        if kind in ("/CalGray",):
            return ColourSpace("gray", 1, "CalGray")
        if kind == "/Lab":
            return ColourSpace("lab", 3, "Lab")
        if kind == "/Separation":
            return ColourSpace("separation", 1, f"Separation {value[1]}")
        if kind == "/DeviceN":
            return ColourSpace("devicen", len(value[1]), "DeviceN")
        if kind in ("/Indexed", "/I"):
            base = colour_space(value[1], resources)
            return ColourSpace(base.family, 1, f"Indexed {base.name}", base)
        if kind == "/Pattern":
            if len(value) > 1:  # an uncoloured pattern, painted in a colour of this space
                base = colour_space(value[1], resources)
                return ColourSpace("pattern", base.components, f"Pattern over {base.name}", base)
            return ColourSpace("pattern", 1, "Pattern")
    return ColourSpace("unknown", 0, str(value))


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
class _State:
    ctm: Matrix = IDENTITY
    fill_space: ColourSpace = DEFAULT_GRAY
    fill: tuple[float, ...] = (0.0,)
    stroke_space: ColourSpace = DEFAULT_GRAY
    stroke: tuple[float, ...] = (0.0,)
    line_width: float = 1.0
    font: Any = None
    font_size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0
    render_mode: int = 0
    clip: Box | None = None
    """Bounding box of the clipping path, when one was set."""
    fill_shading: tuple[ColourSpace, tuple[float, ...]] | None = None
    """When the fill is a shading pattern: its colour space and its heaviest colour."""

    def copy(self) -> _State:
        return _State(**self.__dict__)


_DEFAULTS = {
    "cmyk": (0.0, 0.0, 0.0, 1.0),
    "rgb": (0.0, 0.0, 0.0),
    "gray": (0.0,),
    "lab": (0.0, 0.0, 0.0),
}


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


class _Interpreter:
    def __init__(self, scan: Scan, page_box: Box, metrics: dict[Any, FontMetrics]) -> None:
        self.scan = scan
        self.page_box = page_box
        self.marked: list[tuple[str, int | None]] = []
        """Open marked-content sequences: (tag, MCID or None)."""
        self.metrics = metrics
        self.tiling = 0
        """How deep in the cells of tiling patterns the interpreter is."""
        """Metrics of the fonts met, by object: shared by the pages of a document."""
        self.depth = 0

    def _paint(self, paint: Paint) -> None:
        if self.tiling:
            paint = replace(paint, tiled=True)
        self.scan.paints.append(paint)
        if not self.marked and not self.tiling and len(self.scan.untagged) < 20:
            self.scan.untagged.append(f"{paint.kind} in {paint.where} at {paint.bbox}")

    def _mcid(self) -> int | None:
        return innermost_mcid(self.marked)

    def run(self, stream: Any, resources: Any, state: _State, where: str) -> None:
        if self.depth > 12:
            return  # forms nested deeper are a loop or an attack; nothing to learn there
        self.depth += 1
        try:
            self._run(stream, resources, state, where)
        finally:
            self.depth -= 1

    @staticmethod
    def _end_path(path: list[Any], clipping: bool, state: _State) -> list[Any]:
        """Apply a pending clip (W n) to the state; return the new, empty path."""
        if clipping and path:
            box = _path_box(path, state.ctm)
            if state.clip is not None:
                box = (
                    max(box[0], state.clip[0]),
                    max(box[1], state.clip[1]),
                    min(box[2], state.clip[2]),
                    min(box[3], state.clip[3]),
                )
            state.clip = box
        return []

    def _font_metrics(self, font: Any) -> FontMetrics:
        key = font.objgen if font.is_indirect else id(font)
        if str(key) not in self.scan.fonts:
            self.scan.fonts[str(key)] = font
        return metrics_of(font, self.metrics)

    def _colour_use(
        self, operator: str, space: ColourSpace, values: tuple[float, ...], where: str
    ) -> None:
        self.scan.colours.append(ColourUse(operator, space, values, where))

    def _run(self, stream: Any, resources: Any, state: _State, where: str) -> None:
        stack: list[_State] = []
        path: list[Any] = []
        """The coordinates of the current path in user space, x and y in turn, as read."""
        subpaths = 0
        """How many subpaths (m, re) it has: a fill of one covers its box, a border (a ring
        filled between two rectangles) does not."""
        clipping = False
        text_matrix: Matrix = IDENTITY
        line_matrix: Matrix = IDENTITY
        resources = resources if resources is not None else pikepdf.Dictionary()
        for instruction in pikepdf.parse_content_stream(stream):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append(state.copy())
            elif op == "Q":
                if stack:
                    state = stack.pop()
            elif op == "cm":
                state.ctm = multiply(tuple(float(v) for v in operands), state.ctm)  # type: ignore[arg-type]
            elif op == "w":
                state.line_width = float(operands[0])
            # --- colour ---
            elif op in ("g", "G", "rg", "RG", "k", "K"):
                family = {"g": "/DeviceGray", "rg": "/DeviceRGB", "k": "/DeviceCMYK"}[op.lower()]
                space = DEVICE[family]
                values = tuple(float(v) for v in operands)
                self._colour_use(op, space, values, where)
                if op.islower():
                    state.fill_space, state.fill = space, values
                else:
                    state.stroke_space, state.stroke = space, values
            elif op in ("cs", "CS"):
                space = colour_space(operands[0], resources)
                self._colour_use(op, space, (), where)
                initial = _DEFAULTS.get(space.family, (0.0,) * max(space.components, 1))
                if op == "cs":
                    state.fill_space, state.fill = space, initial
                else:
                    state.stroke_space, state.stroke = space, initial
            elif op in ("sc", "scn", "SC", "SCN"):
                numbers = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
                names = [v for v in operands if isinstance(v, pikepdf.Name)]
                stroke = op.isupper()
                space = state.stroke_space if stroke else state.fill_space
                self._colour_use(op, space, numbers, where)
                if not stroke:
                    state.fill_shading = None
                if names:
                    self._pattern(resources, names[0], state, where)
                if stroke:
                    state.stroke = numbers
                else:
                    state.fill = numbers
            # --- paths ---
            elif op in ("l", "c", "v", "y"):
                path.extend(operands)  # converted when the path is painted, all at once
            elif op == "m":
                path.extend(operands)
                subpaths += 1
            elif op == "re":
                x, y, w, h = (float(v) for v in operands)
                path += (x, y, x + w, y + h)
                subpaths += 1
            elif op in ("f", "F", "f*", "B", "B*", "b", "b*", "S", "s"):
                if path:
                    box = _path_box(path, state.ctm)
                    if op not in ("S", "s"):
                        space, colour = state.fill_space, state.fill
                        if space.family == "pattern" and state.fill_shading is not None:
                            space, colour = state.fill_shading
                        self._paint(Paint("fill", box, space, colour, where, solid=subpaths <= 1))
                    if op in ("S", "s", "B", "B*", "b", "b*"):
                        half = state.line_width * math.hypot(state.ctm[0], state.ctm[1]) / 2
                        grown = (box[0] - half, box[1] - half, box[2] + half, box[3] + half)
                        self._paint(Paint("stroke", grown, state.stroke_space, state.stroke, where))
                path, clipping = self._end_path(path, clipping, state), False
                subpaths = 0
            elif op in ("W", "W*"):
                clipping = True
            elif op in ("n",):
                path, clipping = self._end_path(path, clipping, state), False
                subpaths = 0
            elif op == "sh":
                shading = resources.get("/Shading", {}).get(str(operands[0]))
                if shading is not None:
                    space = colour_space(shading.get("/ColorSpace"), resources)
                    self._colour_use(op, space, (), where)
                    box = state.clip or self.page_box
                    self._paint(Paint("shading", box, space, heaviest_colour(shading), where))
            # --- marked content ---
            elif op in ("BDC", "BMC"):
                tag = str(operands[0])
                mcid = None
                if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    value = operands[1].get("/MCID")
                    mcid = int(value) if value is not None else None
                self.marked.append((tag, mcid))
                if mcid is not None and where == "page":
                    self.scan.mcid_order.append(mcid)
                    self.scan.mcid_text.setdefault(mcid, "")
            elif op == "EMC":
                if self.marked:
                    self.marked.pop()
            # --- text ---
            elif op == "BT":
                text_matrix = line_matrix = IDENTITY
            elif op == "Tf":
                state.font = resources.get("/Font", {}).get(str(operands[0]))
                state.font_size = float(operands[1])
            elif op == "Tc":
                state.char_spacing = float(operands[0])
            elif op == "Tw":
                state.word_spacing = float(operands[0])
            elif op == "Tz":
                state.scale = float(operands[0]) / 100
            elif op == "TL":
                state.leading = float(operands[0])
            elif op == "Ts":
                state.rise = float(operands[0])
            elif op == "Tr":
                state.render_mode = int(operands[0])
            elif op == "Tm":
                text_matrix = line_matrix = tuple(float(v) for v in operands)  # type: ignore[assignment]
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    state.leading = -ty
                line_matrix = text_matrix = multiply((1, 0, 0, 1, tx, ty), line_matrix)
            elif op == "T*":
                line_matrix = text_matrix = multiply((1, 0, 0, 1, 0, -state.leading), line_matrix)
            elif op in ("Tj", "TJ", "'", '"'):
                if op in ("'", '"'):
                    if op == '"':
                        state.word_spacing, state.char_spacing = (
                            float(operands[0]),
                            float(operands[1]),
                        )
                    line_matrix = text_matrix = multiply(
                        (1, 0, 0, 1, 0, -state.leading), line_matrix
                    )
                items = operands[0] if op == "TJ" else [operands[-1]]
                text_matrix = self._show(items, state, text_matrix, where)
            # --- images and forms ---
            elif op == "Do":
                xobject = resources.get("/XObject", {}).get(str(operands[0]))
                if xobject is not None:
                    self._xobject(xobject, str(operands[0]), state, where)
            elif op == "INLINE IMAGE":
                self._image(operands[0], state, where, resources, inline=True)

    def _show(self, items: Any, state: _State, text_matrix: Matrix, where: str) -> Matrix:
        if state.font is None:
            return text_matrix
        metrics = self._font_metrics(state.font)
        size, scale = state.font_size, state.scale
        data, adjustment = _shown_and_adjustment(items)
        codes = metrics.codes(data)
        glyphs = len(codes)
        mcid = self._mcid()
        shown = ""
        if mcid is not None and state.render_mode != 3:
            shown = "".join(map(metrics.to_unicode.get, codes, repeat("\ufffd")))
            self.scan.mcid_text[mcid] = self.scan.mcid_text.get(mcid, "") + shown
        width = metrics.width(codes) / 1000 * size + glyphs * state.char_spacing
        if not metrics.two_bytes and state.word_spacing:
            width += codes.count(32) * state.word_spacing
        advance = (width - adjustment / 1000 * size) * scale
        if glyphs and state.render_mode != 3:
            matrix = multiply(text_matrix, state.ctm)
            low, high = metrics.descent * size + state.rise, metrics.ascent * size + state.rise
            corners = [apply(matrix, x, y) for x in (0.0, advance) for y in (low, high)]
            printed_size = size * math.hypot(matrix[2], matrix[3])
            if state.render_mode in (0, 2, 4, 6):
                self._paint(
                    Paint(
                        "text",
                        bbox_of(corners),
                        state.fill_space,
                        state.fill,
                        where,
                        glyphs=glyphs,
                        font_size=printed_size,
                        bold=metrics.bold,
                        text=shown,
                    )
                )
            if state.render_mode in (1, 2, 5, 6):
                self._paint(
                    Paint(
                        "text",
                        bbox_of(corners),
                        state.stroke_space,
                        state.stroke,
                        where,
                        glyphs=glyphs,
                        font_size=printed_size,
                        bold=metrics.bold,
                        text=shown,
                    )
                )
        return multiply((1, 0, 0, 1, advance, 0), text_matrix)

    def _xobject(self, xobject: Any, name: str, state: _State, where: str) -> None:
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            self._image(xobject, state, f"{where}, image {name}", None, inline=False)
        elif subtype == "/Form":
            form_state = state.copy()
            if "/Matrix" in xobject:
                form_state.ctm = multiply(tuple(float(v) for v in xobject.Matrix), state.ctm)  # type: ignore[arg-type]
            group = xobject.get("/Group")
            if group is not None and "/CS" in group:
                self._colour_use(
                    "Group",
                    colour_space(group.CS, xobject.get("/Resources")),
                    (),
                    f"{where}, form {name}",
                )
            self.run(xobject, xobject.get("/Resources"), form_state, f"form {name}")

    def _pattern(self, resources: Any, name: pikepdf.Name, state: _State, where: str) -> None:
        pattern = resources.get("/Pattern", {}).get(str(name))
        if pattern is None:
            return
        if int(pattern.get("/PatternType", 0)) == 1:
            # The cell is drawn in pattern space, which its /Matrix maps to the page's default
            # space (not the current transformation).
            matrix = tuple(float(v) for v in pattern.get("/Matrix", IDENTITY))
            self.tiling += 1
            try:
                self.run(pattern, pattern.get("/Resources"), _State(ctm=matrix), f"pattern {name}")  # type: ignore[arg-type]
            finally:
                self.tiling -= 1
        elif "/Shading" in pattern:
            shading = pattern.Shading
            space = colour_space(shading.get("/ColorSpace"), resources)
            self._colour_use("Pattern", space, (), f"pattern {name}")
            state.fill_shading = (space, heaviest_colour(shading))

    def _image(
        self, image: Any, state: _State, where: str, resources: Any, *, inline: bool
    ) -> None:
        get = image.obj.get if inline else image.get
        mask = bool(get("/ImageMask", False)) or bool(get("/IM", False))
        corners = [apply(state.ctm, x, y) for x in (0.0, 1.0) for y in (0.0, 1.0)]
        width = int(get("/Width", get("/W", 0)))
        height = int(get("/Height", get("/H", 0)))
        if mask:
            space, colour = state.fill_space, state.fill
        else:
            cs = get("/ColorSpace", get("/CS", None))
            known = colour_space(cs, resources) if cs is not None else None
            space, colour = known or ColourSpace("unknown", 0, "none"), ()
        a, b, c, d, _, _ = state.ctm
        self._paint(
            Paint(
                "image",
                bbox_of(corners),
                space,
                colour,
                where,
                pixels=(width, height),
                size=(math.hypot(a, b), math.hypot(c, d)),
                image=image,
            )
        )


def _function_outputs(function: Any) -> list[tuple[float, ...]]:
    """The colours a shading function gives at the ends of its pieces (types 2 and 3)."""
    if function is None:
        return []
    if isinstance(function, pikepdf.Array):  # one function per component
        parts = [_function_outputs(f) for f in function]
        return [
            tuple(p[0][0] if p else 0.0 for p in parts),
            tuple(p[-1][0] if p else 0.0 for p in parts),
        ]
    kind = int(function.get("/FunctionType", -1))
    if kind == 2:
        c0 = tuple(float(v) for v in function.get("/C0", [0.0]))
        c1 = tuple(float(v) for v in function.get("/C1", [1.0]))
        return [c0, c1]
    if kind == 3:
        return [colour for f in function.get("/Functions", []) for colour in _function_outputs(f)]
    return []  # sampled or PostScript functions: not evaluated here


def heaviest_colour(shading: Any) -> tuple[float, ...]:
    """Of the colours a shading passes through, the one with the most ink (empty if unknown)."""
    colours = _function_outputs(shading.get("/Function"))
    return max(colours, key=sum) if colours else ()


def innermost_mcid(marked: list[tuple[str, int | None]]) -> int | None:
    """The MCID the content drawn now belongs to: that of the innermost marked-content
    sequence with one, unless an artifact comes first (`marked`: open sequences, outermost
    first, as (tag, MCID or None))."""
    for tag, mcid in reversed(marked):
        if tag == "/Artifact":
            return None
        if mcid is not None:
            return mcid
    return None


def metrics_of(font: Any, cache: dict[Any, FontMetrics]) -> FontMetrics:
    """The metrics of `font`, read once per font object (`cache`: shared by the pages and
    the passes over one document)."""
    key = font.objgen if font.is_indirect else id(font)
    if key not in cache:
        cache[key] = font_metrics(font)
    return cache[key]


def scan_page(page: pikepdf.Page, metrics: dict[Any, FontMetrics] | None = None) -> Scan:
    """What `page` paints, its form XObjects and patterns included. `metrics` caches the fonts'
    metrics across the pages of one document (fonts are keyed by their object number)."""
    scan = Scan()
    x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    interpreter = _Interpreter(scan, box, {} if metrics is None else metrics)
    group = page.obj.get("/Group")
    if group is not None and "/CS" in group:
        interpreter._colour_use(
            "Group", colour_space(group.CS, page.obj.get("/Resources")), (), "page group"
        )
    interpreter.run(page, page.obj.get("/Resources"), _State(), "page")
    annotations: Any = page.obj.get("/Annots", [])
    for annotation in annotations:
        appearance = annotation.get("/AP", {}).get("/N")
        if isinstance(appearance, pikepdf.Stream):
            # An appearance is not page content: it needs no tags (PDF/UA tags the annotation
            # itself), but its colours still reach the press.
            interpreter.marked.append(("/Annotation", None))
            interpreter.run(appearance, appearance.get("/Resources"), _State(), "annotation")
            interpreter.marked.pop()
    return scan


def iter_pages(pdf: pikepdf.Pdf) -> Iterator[tuple[int, pikepdf.Page, Scan]]:
    """Each page, 1-based number first, with its scan."""
    metrics: dict[Any, FontMetrics] = {}
    for number, page in enumerate(pdf.pages, start=1):
        yield number, page, scan_page(page, metrics)


def foreign_fonts(data: bytes, families: set[str]) -> list[str]:
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

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            visit(page.obj.get("/Resources"))
    return sorted(problems)


# --- marked content only ---------------------------------------------------------------------

MARK_OPERATORS = "q Q BDC BMC EMC Tf Tr Tj TJ ' \" f F f* B B* b b* S s sh Do EI"
"""What `scan_marks` needs to see of a content stream (EI ends an inline image)."""
_SHOWS = frozenset({"Tj", "TJ", "'", '"'})
_MARK_SET = frozenset(MARK_OPERATORS.split())


_HEX_STRING = re.compile(rb"<([0-9a-fA-F]*)>")
_LITERAL = re.compile(rb"\((?!\))")


_NUMBER = re.compile(rb"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _shown_and_adjustment(items: Any) -> tuple[bytes, float]:
    """The strings of a text-showing operator's operands joined, and the sum of the position
    adjustments between them (TJ), read as `_shown_bytes` reads them."""
    if not isinstance(items, pikepdf.Array):
        return b"".join(bytes(i) for i in items if isinstance(i, pikepdf.String)), 0.0
    syntax = items.unparse()
    if _LITERAL.search(syntax):
        strings: list[bytes] = []
        adjustment = 0.0
        for item in items:
            if isinstance(item, pikepdf.String):
                strings.append(bytes(item))
            else:
                adjustment += float(item)
        return b"".join(strings), adjustment
    shown = bytes.fromhex(b"".join(_HEX_STRING.findall(syntax)).decode())
    numbers = _NUMBER.findall(_HEX_STRING.sub(b" ", syntax))
    return shown, sum(map(float, numbers))


def _shown_bytes(items: Any) -> bytes:
    """The strings of a TJ array, joined. Read from the array's PDF syntax, which is several
    times faster than visiting its items when its strings are written in hexadecimal."""
    syntax = items.unparse()
    if _LITERAL.search(syntax):  # a string in parentheses, with its escapes: let pikepdf read
        return b"".join(bytes(i) for i in items if isinstance(i, pikepdf.String))
    return bytes.fromhex(b"".join(_HEX_STRING.findall(syntax)).decode())


class _MarkReader:
    """Reads the marked content of a page and its forms, nothing else: the accessibility
    rules' share of `_Interpreter`'s work, at a fraction of its cost. It notes only *whether*
    something paints outside marked content; `scan_marks` asks the full interpreter where."""

    def __init__(self, scan: Scan, metrics: dict[Any, FontMetrics]) -> None:
        self.scan = scan
        self.metrics = metrics
        self.marked: list[tuple[str, int | None]] = []
        self.suspect = False
        self.depth = 0

    def _mcid(self) -> int | None:
        return innermost_mcid(self.marked)

    def run(self, instructions: Any, resources: Any, where: str) -> None:
        if self.depth > 12:
            return  # as `_Interpreter.run`
        self.depth += 1
        try:
            self._run(instructions, resources, where)
        finally:
            self.depth -= 1

    def _run(self, instructions: Any, resources: Any, where: str) -> None:
        resources = resources if resources is not None else pikepdf.Dictionary()
        fonts: Any = resources.get("/Font", {})
        font: Any = None
        mode = 0
        stack: list[tuple[Any, int]] = []
        scan, marked, wanted = self.scan, self.marked, _MARK_SET
        for instruction in instructions:
            op = str(instruction.operator)
            if op not in wanted:
                continue
            operands = instruction.operands
            if op in _SHOWS:
                if font is None:
                    continue
                data = _shown_bytes(operands[0]) if op == "TJ" else bytes(operands[-1])
                mcid = self._mcid() if marked else None
                if mcid is not None:
                    if mode != 3 and data:
                        text = self._font_metrics(font).text(data)
                        scan.mcid_text[mcid] = scan.mcid_text.get(mcid, "") + text
                elif not marked and data and mode not in (3, 7):
                    self.suspect = True
            elif op == "q":
                stack.append((font, mode))
            elif op == "Q":
                if stack:
                    font, mode = stack.pop()
            elif op == "BDC" or op == "BMC":
                mcid = None
                if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    value = operands[1].get("/MCID")
                    mcid = int(value) if value is not None else None
                marked.append((str(operands[0]), mcid))
                if mcid is not None and where == "page":
                    scan.mcid_order.append(mcid)
                    scan.mcid_text.setdefault(mcid, "")
            elif op == "EMC":
                if marked:
                    marked.pop()
            elif op == "Tf":
                font = fonts.get(str(operands[0]))
            elif op == "Tr":
                mode = int(operands[0])
            elif op == "Do":
                xobject = resources.get("/XObject", {}).get(str(operands[0]))
                if xobject is None:
                    continue
                if xobject.get("/Subtype") == "/Form":
                    inner = pikepdf.parse_content_stream(xobject, MARK_OPERATORS)
                    self.run(inner, xobject.get("/Resources"), f"form {operands[0]}")
                elif not marked:
                    self.suspect = True
                else:
                    self._painted()
            elif not marked:  # a painting operator
                self.suspect = True
            else:
                self._painted()

    def _font_metrics(self, font: Any) -> FontMetrics:
        return metrics_of(font, self.metrics)

    def _painted(self) -> None:
        mcid = self._mcid()
        if mcid is not None:
            self.scan.mcid_pictures.add(mcid)


def scan_marks(
    page: pikepdf.Page,
    metrics: dict[Any, FontMetrics] | None = None,
    instructions: Any = None,
) -> Scan:
    """The marked content of `page` (`mcid_text`, `mcid_order`) and what paints outside it
    (`untagged`), as `scan_page` tells them, reading only the operators that matter
    (`instructions`: the page's, parsed already). Tiling pattern cells and annotation
    appearances, which are never tagged, are not read. When something seems to paint outside
    marked content, the page is read in full, so that the finding says what and where."""
    metrics = {} if metrics is None else metrics
    scan = Scan()
    reader = _MarkReader(scan, metrics)
    if instructions is None:
        instructions = pikepdf.parse_content_stream(page, MARK_OPERATORS)
    reader.run(instructions, page.obj.get("/Resources"), "page")
    if reader.suspect:
        full = scan_page(page, metrics)
        scan.untagged = full.untagged
    return scan
