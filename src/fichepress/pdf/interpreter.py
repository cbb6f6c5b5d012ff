"""The interpreter of PDF content streams (ISO 32000 §8-9) over pikepdf's parser: it follows the
graphics state (transformation, colour spaces, text state) and the marked content through a
stream, its forms and patterns, and notes each painting operation in a `Scan`. Each operator has
its small method, found in the table `Interpreter.HANDLERS`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Any, ClassVar

import pikepdf
from pikepdf import Matrix

from fichepress.pdf.colours import (
    DEFAULT_GRAY,
    DEVICE,
    ColourSpace,
    colour_space,
    heaviest_colour,
    initial_colour,
)
from fichepress.pdf.fonts import FontMetrics, metrics_of
from fichepress.pdf.paints import Box, ColourUse, Paint, Scan, bbox_of

IDENTITY = Matrix()


def path_box(path: list[Any], ctm: Matrix) -> Box:
    """The bounding box in page space of a path given by its user-space coordinates (x and y
    in turn; numbers as the parser gives them): curves by their control points, which bound
    them. Under a transformation that neither rotates nor skews, the box of the user-space
    box's corners, with four conversions to float instead of one per coordinate."""
    xs, ys = path[0::2], path[1::2]
    if len(xs) != len(ys):
        xs = xs[: len(ys)]
    if not ys:
        return (ctm.e, ctm.f, ctm.e, ctm.f)
    if ctm.b == 0 and ctm.c == 0:
        corners = [
            ctm.transform((float(min(xs)), float(min(ys)))),
            ctm.transform((float(max(xs)), float(max(ys)))),
        ]
        return bbox_of(corners)
    transform = ctm.transform
    return bbox_of([transform((float(x), float(y))) for x, y in zip(xs, ys, strict=True)])


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


_HEX_STRING = re.compile(rb"<([0-9a-fA-F]*)>")
_LITERAL = re.compile(rb"\((?!\))")
_NUMBER = re.compile(rb"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def shown_and_adjustment(items: Any) -> tuple[bytes, float]:
    """The strings of a text-showing operator's operands joined, and the sum of the position
    adjustments between them (TJ), read as `shown_bytes` reads them."""
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


def shown_bytes(items: Any) -> bytes:
    """The strings of a TJ array, joined. Read from the array's PDF syntax, which is several
    times faster than visiting its items when its strings are written in hexadecimal."""
    syntax = items.unparse()
    if _LITERAL.search(syntax):  # a string in parentheses, with its escapes: let pikepdf read
        return b"".join(bytes(i) for i in items if isinstance(i, pikepdf.String))
    return bytes.fromhex(b"".join(_HEX_STRING.findall(syntax)).decode())


@dataclass
class State:
    """The graphics state, which `q` saves and `Q` restores."""

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
    overprint_fill: bool = False
    overprint_stroke: bool = False

    def copy(self) -> State:
        return State(**self.__dict__)


@dataclass(slots=True)
class Frame:
    """Where the reading of one content stream stands: its resources, the graphics state and
    those saved, the path being built, the text matrices."""

    resources: Any
    state: State
    where: str
    stack: list[State] = field(default_factory=list)
    path: list[Any] = field(default_factory=list)
    """The coordinates of the current path in user space, x and y in turn, as read."""
    subpaths: int = 0
    """How many subpaths (m, re) it has: a fill of one covers its box, a border (a ring
    filled between two rectangles) does not."""
    clipping: bool = False
    text_matrix: Matrix = IDENTITY
    line_matrix: Matrix = IDENTITY


Handler = Callable[["Interpreter", Frame, Any, str], None]
"""What an operator does: given the interpreter, the frame, the operands and the operator."""


MALFORMED = (ValueError, TypeError, IndexError, KeyError, AttributeError, pikepdf.PdfError)
"""What an operator given the wrong operands raises (`1 2 cm`, a name where a number goes)."""


class Interpreter:
    """Reads content streams into a `Scan`, one instruction at a time: each operator by its
    method in `HANDLERS`."""

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

    def run(self, stream: Any, resources: Any, state: State, where: str) -> None:
        if self.depth > 12:
            return  # forms nested deeper are a loop or an attack; nothing to learn there
        self.depth += 1
        try:
            self._run(stream, resources, state, where)
        finally:
            self.depth -= 1

    def _font_metrics(self, font: Any) -> FontMetrics:
        key = font.objgen if font.is_indirect else id(font)
        if str(key) not in self.scan.fonts:
            self.scan.fonts[str(key)] = font
        return metrics_of(font, self.metrics)

    def colour_use(
        self, operator: str, space: ColourSpace, values: tuple[float, ...], where: str
    ) -> None:
        self.scan.colours.append(ColourUse(operator, space, values, where))

    def _run(self, stream: Any, resources: Any, state: State, where: str) -> None:
        frame = Frame(resources if resources is not None else pikepdf.Dictionary(), state, where)
        handlers = self.HANDLERS
        for instruction in pikepdf.parse_content_stream(stream):
            op = str(instruction.operator)
            handler = handlers.get(op)
            if handler is not None:
                try:
                    handler(self, frame, instruction.operands, op)
                except MALFORMED:
                    self.scan.skipped.append(op)

    # --- graphics state ---

    def _save(self, frame: Frame, operands: Any, op: str) -> None:  # q
        frame.stack.append(frame.state.copy())

    def _restore(self, frame: Frame, operands: Any, op: str) -> None:  # Q
        if frame.stack:
            frame.state = frame.stack.pop()

    def _concatenate(self, frame: Frame, operands: Any, op: str) -> None:  # cm
        frame.state.ctm = Matrix(operands) @ frame.state.ctm

    def _line_width(self, frame: Frame, operands: Any, op: str) -> None:  # w
        frame.state.line_width = float(operands[0])

    def _graphics_state(self, frame: Frame, operands: Any, op: str) -> None:  # gs
        """The parameters of a graphics state dictionary print cares about: overprint (OP for
        strokes, op for fills, which takes OP's value when absent) and the line width."""
        parameters = frame.resources.get("/ExtGState", {}).get(str(operands[0]))
        if not isinstance(parameters, pikepdf.Dictionary):
            return
        state = frame.state
        if "/OP" in parameters:
            state.overprint_stroke = bool(parameters.OP)
            state.overprint_fill = bool(parameters.get("/op", parameters.OP))
        elif "/op" in parameters:
            state.overprint_fill = bool(parameters.op)
        if "/LW" in parameters:
            state.line_width = float(parameters.LW)

    # --- colour ---

    def _device_colour(self, frame: Frame, operands: Any, op: str) -> None:  # g G rg RG k K
        family = {"g": "/DeviceGray", "rg": "/DeviceRGB", "k": "/DeviceCMYK"}[op.lower()]
        space = DEVICE[family]
        values = tuple(float(v) for v in operands)
        self.colour_use(op, space, values, frame.where)
        state = frame.state
        if op.islower():
            state.fill_space, state.fill = space, values
        else:
            state.stroke_space, state.stroke = space, values

    def _colour_space(self, frame: Frame, operands: Any, op: str) -> None:  # cs CS
        space = colour_space(operands[0], frame.resources)
        self.colour_use(op, space, (), frame.where)
        initial = initial_colour(space)
        state = frame.state
        if op == "cs":
            state.fill_space, state.fill = space, initial
        else:
            state.stroke_space, state.stroke = space, initial

    def _colour(self, frame: Frame, operands: Any, op: str) -> None:  # sc scn SC SCN
        numbers = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
        names = [v for v in operands if isinstance(v, pikepdf.Name)]
        stroke = op.isupper()
        state = frame.state
        space = state.stroke_space if stroke else state.fill_space
        self.colour_use(op, space, numbers, frame.where)
        if not stroke:
            state.fill_shading = None
        if names:
            self._pattern(frame.resources, names[0], state, frame.where)
        if stroke:
            state.stroke = numbers
        else:
            state.fill = numbers

    # --- paths ---

    def _path_points(self, frame: Frame, operands: Any, op: str) -> None:  # l c v y
        frame.path.extend(operands)  # converted when the path is painted, all at once

    def _move_to(self, frame: Frame, operands: Any, op: str) -> None:  # m
        frame.path.extend(operands)
        frame.subpaths += 1

    def _rectangle(self, frame: Frame, operands: Any, op: str) -> None:  # re
        x, y, w, h = (float(v) for v in operands)
        frame.path += (x, y, x + w, y + h)
        frame.subpaths += 1

    def _paint_path(self, frame: Frame, operands: Any, op: str) -> None:  # f F f* B B* b b* S s
        state, where = frame.state, frame.where
        if frame.path:
            box = path_box(frame.path, state.ctm)
            if op not in ("S", "s"):
                space, colour = state.fill_space, state.fill
                if space.family == "pattern" and state.fill_shading is not None:
                    space, colour = state.fill_shading
                solid = frame.subpaths <= 1
                overprint = state.overprint_fill
                self._paint(
                    Paint("fill", box, space, colour, where, solid=solid, overprint=overprint)
                )
            if op in ("S", "s", "B", "B*", "b", "b*"):
                width = state.line_width * math.hypot(state.ctm.a, state.ctm.b)
                half = width / 2
                grown = (box[0] - half, box[1] - half, box[2] + half, box[3] + half)
                stroke = Paint(
                    "stroke",
                    grown,
                    state.stroke_space,
                    state.stroke,
                    where,
                    overprint=state.overprint_stroke,
                    line_width=width,
                )
                self._paint(stroke)
        self._end_path(frame, operands, op)

    def _clip(self, frame: Frame, operands: Any, op: str) -> None:  # W W*
        frame.clipping = True

    def _end_path(self, frame: Frame, operands: Any, op: str) -> None:  # n
        """End the path (n, or once painted): apply a pending clip (W n) to the state."""
        path, state = frame.path, frame.state
        if frame.clipping and path:
            box = path_box(path, state.ctm)
            if state.clip is not None:
                box = (
                    max(box[0], state.clip[0]),
                    max(box[1], state.clip[1]),
                    min(box[2], state.clip[2]),
                    min(box[3], state.clip[3]),
                )
            state.clip = box
        frame.path, frame.clipping, frame.subpaths = [], False, 0

    def _shading(self, frame: Frame, operands: Any, op: str) -> None:  # sh
        resources = frame.resources
        shading = resources.get("/Shading", {}).get(str(operands[0]))
        if shading is not None:
            space = colour_space(shading.get("/ColorSpace"), resources)
            self.colour_use(op, space, (), frame.where)
            box = frame.state.clip or self.page_box
            self._paint(Paint("shading", box, space, heaviest_colour(shading), frame.where))

    # --- marked content ---

    def _begin_marked(self, frame: Frame, operands: Any, op: str) -> None:  # BDC BMC
        tag = str(operands[0])
        mcid = None
        if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
            value = operands[1].get("/MCID")
            mcid = int(value) if value is not None else None
        self.marked.append((tag, mcid))
        if mcid is not None and frame.where == "page":
            self.scan.mcid_order.append(mcid)
            self.scan.mcid_text.setdefault(mcid, "")

    def _end_marked(self, frame: Frame, operands: Any, op: str) -> None:  # EMC
        if self.marked:
            self.marked.pop()

    # --- text ---

    def _begin_text(self, frame: Frame, operands: Any, op: str) -> None:  # BT
        frame.text_matrix = frame.line_matrix = IDENTITY

    def _font(self, frame: Frame, operands: Any, op: str) -> None:  # Tf
        frame.state.font = frame.resources.get("/Font", {}).get(str(operands[0]))
        frame.state.font_size = float(operands[1])

    def _char_spacing(self, frame: Frame, operands: Any, op: str) -> None:  # Tc
        frame.state.char_spacing = float(operands[0])

    def _word_spacing(self, frame: Frame, operands: Any, op: str) -> None:  # Tw
        frame.state.word_spacing = float(operands[0])

    def _scale(self, frame: Frame, operands: Any, op: str) -> None:  # Tz
        frame.state.scale = float(operands[0]) / 100

    def _leading(self, frame: Frame, operands: Any, op: str) -> None:  # TL
        frame.state.leading = float(operands[0])

    def _rise(self, frame: Frame, operands: Any, op: str) -> None:  # Ts
        frame.state.rise = float(operands[0])

    def _render_mode(self, frame: Frame, operands: Any, op: str) -> None:  # Tr
        frame.state.render_mode = int(operands[0])

    def _text_matrix(self, frame: Frame, operands: Any, op: str) -> None:  # Tm
        frame.text_matrix = frame.line_matrix = Matrix(operands)

    def _move_text(self, frame: Frame, operands: Any, op: str) -> None:  # Td TD
        tx, ty = float(operands[0]), float(operands[1])
        if op == "TD":
            frame.state.leading = -ty
        frame.line_matrix = frame.text_matrix = frame.line_matrix.translated(tx, ty)

    def _next_line(self, frame: Frame, operands: Any, op: str) -> None:  # T*
        leading = frame.state.leading
        frame.line_matrix = frame.text_matrix = frame.line_matrix.translated(0, -leading)

    def _show_text(self, frame: Frame, operands: Any, op: str) -> None:  # Tj TJ ' "
        state = frame.state
        if op in ("'", '"'):
            if op == '"':
                state.word_spacing, state.char_spacing = float(operands[0]), float(operands[1])
            self._next_line(frame, operands, op)
        items = operands[0] if op == "TJ" else [operands[-1]]
        frame.text_matrix = self._show(items, state, frame.text_matrix, frame.where)

    def _show(self, items: Any, state: State, text_matrix: Matrix, where: str) -> Matrix:
        if state.font is None:
            return text_matrix
        metrics = self._font_metrics(state.font)
        size, scale = state.font_size, state.scale
        data, adjustment = shown_and_adjustment(items)
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
            matrix = text_matrix @ state.ctm
            low, high = metrics.descent * size + state.rise, metrics.ascent * size + state.rise
            corners = [matrix.transform((x, y)) for x in (0.0, advance) for y in (low, high)]
            printed_size = size * math.hypot(matrix.c, matrix.d)
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
                        overprint=state.overprint_fill,
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
                        overprint=state.overprint_stroke,
                    )
                )
        return text_matrix.translated(advance, 0)

    # --- images and forms ---

    def _draw_object(self, frame: Frame, operands: Any, op: str) -> None:  # Do
        xobject = frame.resources.get("/XObject", {}).get(str(operands[0]))
        if xobject is not None:
            self._xobject(xobject, str(operands[0]), frame.state, frame.where)

    def _inline_image(self, frame: Frame, operands: Any, op: str) -> None:  # BI ID EI
        self._image(operands[0], frame.state, frame.where, frame.resources, inline=True)

    def _xobject(self, xobject: Any, name: str, state: State, where: str) -> None:
        subtype = str(xobject.get("/Subtype", ""))
        if subtype == "/Image":
            self._image(xobject, state, f"{where}, image {name}", None, inline=False)
        elif subtype == "/Form":
            form_state = state.copy()
            if "/Matrix" in xobject:
                form_state.ctm = Matrix(xobject.Matrix) @ state.ctm
            group = xobject.get("/Group")
            if group is not None and "/CS" in group:
                self.colour_use(
                    "Group",
                    colour_space(group.CS, xobject.get("/Resources")),
                    (),
                    f"{where}, form {name}",
                )
            self.run(xobject, xobject.get("/Resources"), form_state, f"form {name}")

    def _pattern(self, resources: Any, name: pikepdf.Name, state: State, where: str) -> None:
        pattern = resources.get("/Pattern", {}).get(str(name))
        if pattern is None:
            return
        if int(pattern.get("/PatternType", 0)) == 1:
            # The cell is drawn in pattern space, which its /Matrix maps to the page's default
            # space (not the current transformation).
            matrix = Matrix(pattern.get("/Matrix", IDENTITY))
            self.tiling += 1
            try:
                self.run(pattern, pattern.get("/Resources"), State(ctm=matrix), f"pattern {name}")
            finally:
                self.tiling -= 1
        elif "/Shading" in pattern:
            shading = pattern.Shading
            space = colour_space(shading.get("/ColorSpace"), resources)
            self.colour_use("Pattern", space, (), f"pattern {name}")
            state.fill_shading = (space, heaviest_colour(shading))

    def _image(self, image: Any, state: State, where: str, resources: Any, *, inline: bool) -> None:
        get = image.obj.get if inline else image.get
        mask = bool(get("/ImageMask", False)) or bool(get("/IM", False))
        corners = [state.ctm.transform((x, y)) for x in (0.0, 1.0) for y in (0.0, 1.0)]
        width = int(get("/Width", get("/W", 0)))
        height = int(get("/Height", get("/H", 0)))
        if mask:
            space, colour = state.fill_space, state.fill
        else:
            cs = get("/ColorSpace", get("/CS", None))
            known = colour_space(cs, resources) if cs is not None else None
            space, colour = known or ColourSpace("unknown", 0, "none"), ()
        a, b, c, d, _, _ = state.ctm.shorthand
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

    HANDLERS: ClassVar[dict[str, Handler]] = {
        "q": _save,
        "Q": _restore,
        "cm": _concatenate,
        "w": _line_width,
        "gs": _graphics_state,
        **dict.fromkeys(("g", "G", "rg", "RG", "k", "K"), _device_colour),
        **dict.fromkeys(("cs", "CS"), _colour_space),
        **dict.fromkeys(("sc", "scn", "SC", "SCN"), _colour),
        **dict.fromkeys(("l", "c", "v", "y"), _path_points),
        "m": _move_to,
        "re": _rectangle,
        **dict.fromkeys(("f", "F", "f*", "B", "B*", "b", "b*", "S", "s"), _paint_path),
        **dict.fromkeys(("W", "W*"), _clip),
        "n": _end_path,
        "sh": _shading,
        **dict.fromkeys(("BDC", "BMC"), _begin_marked),
        "EMC": _end_marked,
        "BT": _begin_text,
        "Tf": _font,
        "Tc": _char_spacing,
        "Tw": _word_spacing,
        "Tz": _scale,
        "TL": _leading,
        "Ts": _rise,
        "Tr": _render_mode,
        "Tm": _text_matrix,
        **dict.fromkeys(("Td", "TD"), _move_text),
        "T*": _next_line,
        **dict.fromkeys(("Tj", "TJ", "'", '"'), _show_text),
        "Do": _draw_object,
        "INLINE IMAGE": _inline_image,
    }
    """Each operator the interpreter follows, and its method; it ignores the others."""
