"""The accessible PDF's content streams rewritten: marked content that no structure element holds
made a pagination artifact, and a space drawn at each line end that swallowed one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pikepdf

from fichepress.pdf.fonts import FontMetrics, metrics_of
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import Scan

_OPERATOR = re.compile(rb"BDC|BMC|EMC|TJ|Tj|Tf|q|Q")
"""The operators that open and close marked content, show text, choose a font, or save and
restore the graphics state: a search for literals, which is quick, checked afterwards."""
_MCID = re.compile(rb"/[A-Za-z0-9_.-]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*\Z")
_FONT = re.compile(rb"(/[A-Za-z0-9_.+-]+)\s+([-+]?[0-9.]+)\s+\Z")
_UNUSUAL = re.compile(rb"BI\s")
"""Inline images, which WeasyPrint never writes (nor literal strings, quote operators or
comments, looked for by `_unusual`): content holding them is parsed in full instead."""
_ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"
_WHITE = frozenset(b" \t\r\n\f\0")
_BEFORE_OPERATOR = _WHITE | frozenset(b"]>")

F = TypeVar("F")
"""How a reading of the content names the current font."""


@dataclass
class _Marks(Generic[F]):
    """The marked content of a page as its content is read, in either way (edited where it
    must change, or parsed in full): which sequence is open, the last text each one shows and
    with which font, and which must become artifacts or end with a space (`index`: the page's;
    `used`: the (page, MCID) an element holds; `line_ends`: those that must end with a space)."""

    index: int
    used: set[tuple[int, int]]
    line_ends: set[tuple[int, int]]
    font: F | None = None
    marked: list[int | None] = field(default_factory=list)
    saved: list[F | None] = field(default_factory=list)
    last_show: dict[int, tuple[int, F | None]] = field(default_factory=dict)

    def begin(self, mcid: int | None) -> bool:
        """Open marked content (`mcid` None: untagged); True when no element holds it, so
        that it must become an artifact."""
        if mcid is not None and (self.index, mcid) not in self.used:
            self.marked.append(None)
            return True
        self.marked.append(mcid)
        return False

    def show(self, at: int) -> None:
        """Text shown, at `at` (where a space would follow it)."""
        if self.marked and self.marked[-1] is not None:
            self.last_show[self.marked[-1]] = (at, self.font)

    def end(self) -> tuple[int, int, F] | None:
        """Close marked content: its MCID, where its last text was shown and with which font,
        when it ends a line that swallowed a space."""
        if not self.marked:
            return None
        mcid = self.marked.pop()
        if mcid is None or (self.index, mcid) not in self.line_ends or mcid not in self.last_show:
            return None
        at, font = self.last_show[mcid]
        return None if font is None else (mcid, at, font)

    def save(self) -> None:
        self.saved.append(self.font)

    def restore(self) -> None:
        self.font = self.saved.pop() if self.saved else self.font


def _fonts(page: pikepdf.Page) -> Any:
    resources: Any = page.obj.get("/Resources", {})
    return resources.get("/Font", {})


def _space_code(font: Any, known: dict[Any, FontMetrics]) -> bytes | None:
    """The bytes that draw a space in `font`, if its subset has one (`known`: the metrics
    already read, by font object)."""
    metrics = metrics_of(font, known)
    for code, text in metrics.to_unicode.items():
        if text == " ":
            return code.to_bytes(2 if metrics.two_bytes else 1, "big")
    return None


def _space_in(font: Any, fonts: Any, known: dict[Any, FontMetrics]) -> tuple[Any, bytes] | None:
    """How to draw a space after text shown with `font`: (None, its code) if its subset has a
    space, else (the name of another font of the page that has one, its code)."""
    space = _space_code(font, known)
    if space is not None:
        return None, space
    # The font's subset has no space (the line's only one was swallowed): draw it with a
    # font of the page that has one, then go back to the line's font.
    for other_name, other in fonts.items():
        other_space = _space_code(other, known)
        if other_space is not None:
            return other_name, other_space
    return None


def _unusual(raw: bytes) -> bool:
    return any(c in raw for c in (b"(", b")", b"'", b'"', b"%")) or bool(_UNUSUAL.search(raw))


def _operators(raw: bytes) -> Iterator[tuple[int, int, bytes]]:
    """The operators `_OPERATOR` looks for in `raw`: where each starts and ends, and which."""
    for found in _OPERATOR.finditer(raw):
        start, end = found.span()
        if (start and raw[start - 1] not in _BEFORE_OPERATOR) or (
            end < len(raw) and raw[end] not in _WHITE
        ):
            continue  # letters of a name
        yield start, end, found[0]


def _rewrite_raw(
    pdf: pikepdf.Pdf,
    index: int,
    page: pikepdf.Page,
    used: set[tuple[int, int]],
    line_ends: set[tuple[int, int]],
    known: dict[Any, FontMetrics],
) -> tuple[set[int], set[int]] | None:
    """`rewrite_content` for one page, by editing its content where it must change rather
    than parsing and writing it all again: several times faster on pages that draw vector
    logos. Returns the MCIDs made artifacts and those given a space, or None (nothing
    changed) when the content is not as WeasyPrint writes it."""
    contents = page.obj.get("/Contents")
    if not isinstance(contents, pikepdf.Stream):
        return None
    raw = contents.read_bytes()
    if _unusual(raw):
        return None
    artifacts: set[int] = set()
    spaced: set[int] = set()
    fonts = _fonts(page)
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement)
    marks: _Marks[tuple[bytes, bytes]] = _Marks(index, used, line_ends)  # font: (name, size)
    for start, end, op in _operators(raw):
        if op == b"BDC":
            before = raw[max(0, start - 80) : start]
            tagged = _MCID.search(before)
            if tagged is None and b"/MCID" in before:
                return None  # written unlike WeasyPrint: parse it
            if tagged is None:
                marks.begin(None)
            elif marks.begin(int(tagged[1])):
                edits.append((start - len(before) + tagged.start(), end, _ARTIFACT))
                artifacts.add(int(tagged[1]))
        elif op == b"Tf":
            operands = _FONT.search(raw[max(0, start - 80) : start])
            if operands is None:
                return None
            marks.font = (operands[1], operands[2])
        elif op == b"q":
            marks.save()
        elif op == b"Q":
            marks.restore()
        elif op == b"BMC":
            marks.begin(None)
        elif op in (b"TJ", b"Tj"):
            marks.show(end)
        elif (ended := marks.end()) is not None:  # EMC
            mcid, at, shown = ended
            space = _space_after(shown, fonts, known)
            if space is not None:
                edits.append((at, at, space))
                spaced.add(mcid)
    if marks.saved or marks.marked:
        return None  # unbalanced: not content to edit blindly
    if edits:
        page.obj.Contents = pdf.make_stream(_edited(raw, edits))
    return artifacts, spaced


def _edited(raw: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """`raw` with each (start, end) replaced by its replacement."""
    pieces, position = [], 0
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0]):
        pieces += [raw[position:start], replacement]
        position = end
    pieces.append(raw[position:])
    return b"".join(pieces)


def _space_after(
    font: tuple[bytes, bytes], fonts: Any, known: dict[Any, FontMetrics]
) -> bytes | None:
    """Content that shows a space after text shown with `font` (name, size): with that font
    if its subset has a space, else with another font of the page that has one."""
    name, size = font
    shown = fonts.get(name.decode("latin-1"))
    if shown is None:
        return None
    space = _space_in(shown, fonts, known)
    if space is None:
        return None
    other_name, code = space
    if other_name is None:
        return b"\n<" + code.hex().encode() + b"> Tj"
    return b"\n%s %s Tf <%s> Tj %s %s Tf" % (
        other_name.encode("latin-1"),
        size,
        code.hex().encode(),
        name,
        size,
    )


def rewrite_content(
    pdf: pikepdf.Pdf,
    used: set[tuple[int, int]],
    line_ends: set[tuple[int, int]],
    scans: list[Scan],
    known: dict[Any, FontMetrics],
) -> list[Scan]:
    """Turn marked content that no element holds (page numbers, running footers) into
    pagination artifacts, and end each line that swallowed a space with a space character, so
    that words do not run together when the text is read, searched or reflowed.

    `scans`: what `scan_marks` read in the pages before; `known`: the fonts' metrics read
    already. Returns what it reads in them after."""
    after: list[Scan] = []
    for index, page in enumerate(pdf.pages):
        edited = _rewrite_raw(pdf, index, page, used, line_ends, known)
        if edited is not None:
            # The edits are known to the byte: the marks they leave follow from the marks
            # before (a test reads them in every sheet's PDF to prove it).
            artifacts, spaced = edited
            before = scans[index]
            after.append(
                Scan(
                    mcid_order=[m for m in before.mcid_order if m not in artifacts],
                    mcid_text={
                        m: text + " " if m in spaced else text
                        for m, text in before.mcid_text.items()
                        if m not in artifacts
                    },
                    untagged=list(before.untagged),
                    mcid_pictures=before.mcid_pictures - artifacts,
                )
            )
            continue
        _rewrite_parsed(pdf, index, page, used, line_ends, known)
        after.append(scan_marks(page, known))
    return after


def _rewrite_parsed(
    pdf: pikepdf.Pdf,
    index: int,
    page: pikepdf.Page,
    used: set[tuple[int, int]],
    line_ends: set[tuple[int, int]],
    known: dict[Any, FontMetrics],
) -> None:
    """`_rewrite_raw` for any content: parsed, changed and written again."""
    instructions = list(pikepdf.parse_content_stream(page))
    fonts = _fonts(page)
    changed = False
    marks: _Marks[tuple[Any, Any, Any]] = _Marks(index, used, line_ends)  # (name, size, font)
    after: dict[int, list[Any]] = {}  # instructions to insert after a position
    for position, instruction in enumerate(instructions):
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "Tf":
            marks.font = (operands[0], operands[1], fonts.get(str(operands[0])))
        elif operator == "BMC":
            marks.begin(None)
        elif operator == "BDC":
            properties = operands[1]
            mcid = (
                int(properties.MCID)
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties
                else None
            )
            if marks.begin(mcid):
                instructions[position] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                    pikepdf.Operator("BDC"),
                )
                changed = True
        elif operator in ("TJ", "Tj"):
            marks.show(position)
        elif operator == "EMC" and (ended := marks.end()) is not None:
            changed |= _space_parsed(instructions, after, ended[1:], fonts, known)
    if after:
        instructions = [
            item
            for position, instruction in enumerate(instructions)
            for item in (instruction, *after.get(position, ()))
        ]
    if changed:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _space_parsed(
    instructions: list[Any],
    after: dict[int, list[Any]],
    shown: tuple[int, tuple[Any, Any, Any]],
    fonts: Any,
    known: dict[Any, FontMetrics],
) -> bool:
    """`_space_after` for parsed content: a space added to the text shown at `shown`'s
    position with its font (name, size, font), or drawn after it, in `after`, with another
    font of the page. Whether anything changed."""
    at, (name, size, font) = shown
    space = None if font is None else _space_in(font, fonts, known)
    if space is None:
        return False
    other_name, code = space
    if other_name is None:
        text = instructions[at]
        if str(text.operator) == "TJ":
            items = pikepdf.Array(text.operands[0])
            items.append(pikepdf.String(code))
            operands: list[Any] = [items]
        else:
            operands = [pikepdf.String(bytes(text.operands[0]) + code)]
        instructions[at] = pikepdf.ContentStreamInstruction(operands, text.operator)
        return True
    after[at] = [
        pikepdf.ContentStreamInstruction([pikepdf.Name(other_name), size], pikepdf.Operator("Tf")),
        pikepdf.ContentStreamInstruction([pikepdf.String(code)], pikepdf.Operator("Tj")),
        pikepdf.ContentStreamInstruction([name, size], pikepdf.Operator("Tf")),
    ]
    return True
