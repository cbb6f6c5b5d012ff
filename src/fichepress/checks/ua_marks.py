"""What a page's content streams hold, read for PDF/UA: marked content nested the wrong way
(UA-MARKS: tagged content inside an artifact, an artifact inside tagged content), form XObjects
(UA-XOBJECTS: reference XObjects, tagged forms painted twice) and the fonts each page uses to
show text, with the codes it shows (for `ua_fonts`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pikepdf

from fichepress.checks.ua_tree import error
from fichepress.core.findings import Finding
from fichepress.pdf.interpreter import shown_bytes

OPERATORS = "q Q BDC BMC EMC Do Tf Tr Tj TJ ' \""
_SHOWS = frozenset({"Tj", "TJ", "'", '"'})
MAX_DEPTH = 12
"""Forms inside forms, at most (as the interpreter)."""


@dataclass
class FontUse:
    """A font as the pages use it: the codes shown with it, and whether any is painted."""

    font: Any
    name: str
    pages: set[int] = field(default_factory=set)
    data: bytearray = field(default_factory=bytearray)
    """The bytes shown with the font, joined (codes are read from them by `ua_fonts`)."""
    rendered: bool = False
    """Some text shown with it is painted (rendering mode other than 3, invisible)."""


@dataclass
class ContentRead:
    """What `read_content` found on the pages."""

    nesting: list[Finding] = field(default_factory=list)
    forms: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    """form objgen → the pages (1-based) that paint it, once per painting."""
    tagged_forms: set[tuple[int, int]] = field(default_factory=set)
    """forms whose own content opens marked content with an MCID."""
    references: list[tuple[int, str]] = field(default_factory=list)
    """(page, name) of each reference XObject painted."""
    fonts: dict[Any, FontUse] = field(default_factory=dict)


class _Reader:
    """Walks a page and the forms it paints, keeping the marked content open at each point."""

    def __init__(self, found: ContentRead, page: int) -> None:
        self.found = found
        self.page = page
        self.marked: list[tuple[str, bool]] = []
        """(tag, has an MCID) of each marked-content sequence open, outermost first."""
        self.told: set[str] = set()

    def run(self, stream: Any, resources: Any, where: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        resources = resources if isinstance(resources, pikepdf.Dictionary) else {}
        fonts: Any = resources.get("/Font", {})
        font: FontUse | None = None
        mode = 0
        stack: list[tuple[FontUse | None, int]] = []
        opened = len(self.marked)
        for instruction in _instructions(stream):
            op, operands = str(instruction.operator), instruction.operands
            if not _well_formed(op, operands):
                continue  # an operator with the wrong operands: told by the content rules
            if op in _SHOWS and font is not None:
                data = _shown(operands[0] if op == "TJ" else operands[-1], op == "TJ")
                font.data += data
                font.rendered = font.rendered or (mode not in (3, 7) and bool(data))
                font.pages.add(self.page)
            elif op in ("BDC", "BMC"):
                self._open(str(operands[0]), op == "BDC" and _has_mcid(operands[1]), where)
            elif op == "EMC" and len(self.marked) > opened:
                self.marked.pop()
            elif op == "Tf":
                font = self._font(fonts.get(str(operands[0])), str(operands[0]))
            elif op == "Tr":
                mode = int(operands[0])
            elif op == "Do":
                self._do(resources, str(operands[0]), where, depth)
            elif op == "q":
                stack.append((font, mode))
            elif op == "Q" and stack:
                font, mode = stack.pop()
        del self.marked[opened:]

    def _open(self, tag: str, mcid: bool, where: str) -> None:
        artifact = tag == "/Artifact"
        if mcid and any(t == "/Artifact" for t, _ in self.marked):
            self._tell(
                "tagged content (an MCID) lies inside an artifact: readers skip it with the"
                " artifact; close the artifact before the tagged content",
                where,
            )
        elif artifact and any(m for _, m in self.marked):
            self._tell(
                "an artifact lies inside tagged content (an MCID): close the tagged content"
                " before the artifact, or leave the artifact out",
                where,
            )
        self.marked.append((tag, mcid))

    def _tell(self, what: str, where: str) -> None:
        if what not in self.told:  # once per page and kind
            self.told.add(what)
            self.found.nesting.append(error(self.page, "UA-MARKS", what, where))

    def _font(self, font: Any, name: str) -> FontUse | None:
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen if font.is_indirect else id(font)
        if key not in self.found.fonts:
            self.found.fonts[key] = FontUse(font, str(font.get("/BaseFont", name)).lstrip("/"))
        return self.found.fonts[key]

    def _do(self, resources: Any, name: str, where: str, depth: int) -> None:
        xobject = resources.get("/XObject", {}).get(name)
        if not isinstance(xobject, pikepdf.Stream) or xobject.get("/Subtype") != "/Form":
            return
        if "/Ref" in xobject:
            self.found.references.append((self.page, name))
        self.found.forms.setdefault(xobject.objgen, []).append(self.page)
        if xobject.objgen not in self.found.tagged_forms and _opens_mcid(xobject):
            self.found.tagged_forms.add(xobject.objgen)
        self.run(xobject, xobject.get("/Resources"), f"form {name}", depth + 1)


def _has_mcid(properties: Any) -> bool:
    return isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties


def _opens_mcid(form: Any) -> bool:
    for instruction in pikepdf.parse_content_stream(form, "BDC"):
        if _has_mcid(instruction.operands[1]):
            return True
    return False


_ARITY = {"BDC": 2, "BMC": 1, "Tf": 2, "Tr": 1, "Do": 1, "Tj": 1, "'": 1, '"': 3, "TJ": 1}
"""The operands each operator read here needs, at least."""


def _instructions(stream: Any) -> list[Any]:
    """The instructions of a content stream; none when it cannot be parsed (told elsewhere)."""
    try:
        return list(pikepdf.parse_content_stream(stream, OPERATORS))
    except (pikepdf.PdfError, TypeError, ValueError):
        return []


def _well_formed(op: str, operands: Any) -> bool:
    """Whether the operator has the operands of the kinds read here."""
    if len(operands) < _ARITY.get(op, 0):
        return False
    if op == "Tr":
        return isinstance(operands[0], (int, float, Decimal)) and not isinstance(operands[0], bool)
    if op in ("Tf", "Do", "BDC", "BMC"):
        return isinstance(operands[0], pikepdf.Name)
    return True


def _shown(value: Any, array: bool) -> bytes:
    if not array:
        return bytes(value) if isinstance(value, pikepdf.String) else b""
    return shown_bytes(value) if isinstance(value, pikepdf.Array) else b""


def read_content(pdf: pikepdf.Pdf) -> ContentRead:
    """Read every page's content and the forms it paints."""
    found = ContentRead()
    for index, page in enumerate(pdf.pages):
        reader = _Reader(found, index + 1)
        reader.run(page.obj, page.obj.get("/Resources"), "page")
    return found


def xobjects(found: ContentRead) -> Iterator[Finding]:
    """UA-XOBJECTS: no reference XObject; a form holding tagged content painted once only
    (each painting would need its own elements, which one MCID cannot name)."""
    for page, name in found.references:
        yield error(
            page,
            "UA-XOBJECTS",
            "a reference XObject (a page of another file) is painted: assistive technology"
            " cannot read it; paste the content itself",
            f"form {name}",
        )
    for objgen in sorted(found.tagged_forms):
        pages = found.forms.get(objgen, [])
        if len(pages) > 1:
            yield error(
                pages[1],
                "UA-XOBJECTS",
                f"a form holding tagged content is painted {len(pages)} times (pages"
                f" {', '.join(map(str, sorted(set(pages))))}): its MCIDs can name one place"
                " only; give each painting its own copy",
                f"object {objgen[0]}",
            )
