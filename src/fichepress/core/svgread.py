"""Reading an SVG safely: one pass of expat, entities refused, elements counted as they come.

What WeasyPrint would draw is bounded here, before it is drawn: the number of elements
(counting what `<use>` and references to patterns, masks, markers and clip paths repeat) and
the depth of their nesting. The pictures an SVG names are noted for the gate (`media.py`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

MAX_SVG_ELEMENTS = 5_000
"""The most elements an SVG may draw, counting what `<use>` and references to patterns, masks,
markers and clip paths repeat: WeasyPrint takes about a millisecond per element and per
rendering, and a logo is drawn in every PDF. Counting stops at the first element over."""

MAX_SVG_DEPTH = 100
"""The deepest nesting of an SVG's elements, `<use>` chains included: deeper ones exhaust the
renderer's stack (it draws by recursion) and the picture would be dropped."""

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_HREF = "http://www.w3.org/1999/xlink href"
_XML_BASE = "http://www.w3.org/XML/1998/namespace base"
_DRAWN_BY_REFERENCE = {"pattern", "marker", "mask", "clipPath"}
"""Elements whose content is drawn again wherever `url(#id)` names them."""
_URL_ID = re.compile(r"""url\(\s*['"]?#([^'")\s]+)""")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")


@dataclass(frozen=True)
class Flaw:
    """Why a picture or font is refused, and where: `line` 0 when it concerns the whole file
    (told at the place that names the file), else a place inside `path` (an SVG)."""

    message: str
    path: Path
    line: int = 0
    column: int = 0


class Refused(ValueError):
    """A picture or font the gate will not let through."""

    def __init__(self, flaw: Flaw) -> None:
        super().__init__(flaw.message)
        self.flaw = flaw


@dataclass(frozen=True)
class Reference:
    """A file an SVG names for a picture (`<image href>`), and where."""

    href: str
    line: int
    column: int


# --- SVG -------------------------------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    line: int
    column: int
    children: list[int] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    """Ids this element draws again: `<use href="#id">`, a pattern's `href`."""
    paints: list[str] = field(default_factory=list)
    """Ids it names with `url(#id)` (drawn again when they are patterns, masks, …)."""


class _SvgReader:
    """One pass of expat over an SVG: elements counted and nested within the limits as they
    come, entity declarations refused, the pictures it names noted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.EntityDeclHandler = self._entity
        self.parser.UnparsedEntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.parser.SkippedEntityHandler = self._skipped
        self.parser.XmlDeclHandler = self._declaration
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._characters
        self.encoding: str | None = None
        self.elements: list[_Element] = []
        self.ids: dict[str, int] = {}
        self.open: list[int] = []
        self.references: list[Reference] = []
        self.style_paints: list[str] = []
        self.data = b""

    def _here(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def _refuse(self, message: str) -> Refused:
        return Refused(Flaw(message, self.path, *self._here()))

    def _entity(self, name: str, *_: object) -> None:
        line, column = self._here()
        # expat is past the declaration: it is shown where it starts.
        start = self.data.rfind(b"<!ENTITY", 0, max(self.parser.CurrentByteIndex, 0) + 1)
        if start >= 0 and not self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            before = self.data[:start]
            line = before.count(b"\n") + 1
            column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise Refused(
            Flaw(
                f'declares the XML entity "{name}": entities are refused (they can make a small'
                " file expand without end, or read other files); export the SVG without them",
                self.path,
                line,
                column,
            )
        )

    def _skipped(self, name: str, is_parameter_entity: bool) -> None:
        raise self._refuse(
            f'uses the entity "{name}", defined nowhere in it: SVG files may not read other'
            " files; write the text itself"
        )

    def _external(self, *_: object) -> int:
        raise self._refuse("names an external entity: SVG files may not read other files")

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self.encoding = encoding

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, tag = name.rpartition(" ")
        line, column = self._here()
        if not self.elements and (tag != "svg" or namespace not in ("", _SVG_NS)):
            raise self._refuse(f"is XML but not SVG: its first element is <{tag}>, not <svg>")
        if len(self.elements) >= MAX_SVG_ELEMENTS:
            raise Refused(
                Flaw(
                    f"has more than {MAX_SVG_ELEMENTS:,} elements: more than a logo needs,"
                    " and slow to draw in every PDF; simplify it (or use a PNG)",
                    self.path,
                )
            )
        if len(self.open) >= MAX_SVG_DEPTH:
            raise self._refuse(
                f"nests elements more than {MAX_SVG_DEPTH} deep: the renderer would drop the"
                " picture; simplify it"
            )
        if _XML_BASE in attributes:
            raise self._refuse(
                "sets xml:base: the pictures an SVG names are found beside it; leave it out"
            )
        element = _Element(tag, line, column)
        index = len(self.elements)
        if self.open:
            self.elements[self.open[-1]].children.append(index)
        self.elements.append(element)
        self.open.append(index)
        if (ident := attributes.get("id")) is not None:
            self.ids.setdefault(ident, index)
        href = attributes.get(_XLINK_HREF, attributes.get("href"))
        if href is not None and namespace in ("", _SVG_NS):
            if tag == "image":
                self.references.append(Reference(href.strip(), line, column))
            elif tag in ("use", "pattern") and href.strip().startswith("#"):
                element.uses.append(href.strip()[1:])
        for value in attributes.values():
            if "url(" in value:
                element.paints += _URL_ID.findall(value)

    def _end(self, name: str) -> None:
        self.open.pop()

    def _characters(self, text: str) -> None:
        if self.open and self.elements[self.open[-1]].tag == "style" and "url(" in text:
            self.style_paints += _URL_ID.findall(text)

    def read(self, data: bytes) -> None:
        self.data = data
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as error:
            message = expat.errors.messages[error.code]
            hint = (
                ': save it as UTF-8 (or name its encoding in <?xml … encoding="…"?>)'
                if error.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]
                or "encoding" in message
                else ""
            )
            raise Refused(
                Flaw(
                    f"is not well-formed SVG ({message}){hint}",
                    self.path,
                    error.lineno,
                    error.offset + 1,
                )
            ) from None
        except RecursionError:  # pragma: no cover - the depth limit comes first
            raise self._refuse("nests elements too deep") from None


def _drawn(reader: _SvgReader) -> None:
    """Refuse an SVG whose `<use>` and `url(#…)` references draw more than MAX_SVG_ELEMENTS
    elements or nest deeper than MAX_SVG_DEPTH, or draw themselves without end. Each element is
    counted once (its count kept), so the cost is linear in the file."""
    elements, ids = reader.elements, reader.ids
    cap = MAX_SVG_ELEMENTS + 1
    styled = [ids[i] for i in reader.style_paints if i in ids]
    styled = [i for i in styled if elements[i].tag in _DRAWN_BY_REFERENCE]

    def targets(index: int) -> Iterator[int]:
        element = elements[index]
        yield from element.children
        yield from (ids[i] for i in element.uses if i in ids)
        for ident in element.paints:
            if ident in ids and elements[ids[ident]].tag in _DRAWN_BY_REFERENCE:
                yield ids[ident]

    count: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: being counted, 2: counted
    for root in range(len(elements)):
        if root in state:
            continue
        stack = [(root, iter(targets(root)))]
        state[root] = 1
        while stack:
            index, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                state[index] = 2
                found = [*targets(index)]
                count[index] = min(cap, 1 + sum(count[t] for t in found))
                depth[index] = 1 + max((depth[t] for t in found), default=0)
                continue
            if state.get(following) == 1:
                element = elements[index]
                raise Refused(
                    Flaw(
                        f"<{element.tag}> draws an element that holds it: it would be drawn"
                        " without end",
                        reader.path,
                        element.line,
                        element.column,
                    )
                )
            if following not in state:
                state[following] = 1
                stack.append((following, iter(targets(following))))
    _within_limits(reader, count.get(0, 0), depth.get(0, 0), count, styled)


def _within_limits(
    reader: _SvgReader, drawn: int, deep: int, count: dict[int, int], styled: list[int]
) -> None:
    """Refuse the SVG if what it draws is over MAX_SVG_ELEMENTS or deeper than MAX_SVG_DEPTH."""
    elements = reader.elements
    # A <style> rule may paint every element with a pattern or a mask: counted as if it did.
    total = drawn + len(elements) * sum(count[index] for index in set(styled))
    if total > MAX_SVG_ELEMENTS:
        raise Refused(
            Flaw(
                f"draws more than {MAX_SVG_ELEMENTS:,} elements once <use> and patterns are"
                " repeated: more than a logo needs, and slow to draw in every PDF; simplify it",
                reader.path,
            )
        )
    if deep > MAX_SVG_DEPTH:
        raise Refused(
            Flaw(
                f"nests elements more than {MAX_SVG_DEPTH} deep once <use> is followed: the"
                " renderer would drop the picture; simplify it",
                reader.path,
            )
        )


def _text(data: bytes, declared: str | None) -> str:
    """The text of an SVG that expat read: its encoding from its byte order mark, its XML
    declaration, or UTF-8; the declaration is left out (the text is served as UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith(b"<\x00"):
        encoding = "utf-16-le"
    elif data.startswith(b"\x00<"):
        encoding = "utf-16-be"
    else:
        encoding = declared or "utf-8"
    text = data.decode(encoding)
    return _XML_DECLARATION.sub("", text, count=1)


def read_svg(path: Path, data: bytes) -> tuple[str, tuple[Reference, ...]]:
    reader = _SvgReader(path)
    reader.read(data)
    if not reader.elements:  # pragma: no cover - expat refuses a document without one
        raise Refused(Flaw("holds no SVG element", path))
    _drawn(reader)
    try:
        text = _text(data, reader.encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise Refused(Flaw(f"cannot be decoded ({error}): save it as UTF-8", path)) from None
    return text, tuple(reader.references)
