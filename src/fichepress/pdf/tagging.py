"""Rebuild the structure tree of WeasyPrint's PDF/UA-1 so that it follows the HTML, unbroken.

WeasyPrint 70 tags what it lays out, box by box, and it shows: an element cut by a page or a
column becomes two elements, `strong` and `em` become NonStruct wrappers, running footers and
page numbers are tagged but left out of the tree (orphans), text that CSS set in capitals reads
as capitals. Here, with pikepdf, the tree is rebuilt from the HTML fichepress rendered:

1. the HTML gives the expected tree: Art, Sect, H1-H6, P, L/LI/Lbl/LBody, BlockQuote, Figure,
   with the text each block must hold;
2. WeasyPrint's blocks, in order, are matched to the expected ones by their text (a block cut in
   two matches the two pieces in turn), so nothing is guessed from positions;
3. a new tree is written: one element per HTML block, holding its marked content (links keep
   their Link elements and annotations), `ActualText` where CSS changed the letters' case;
4. marked content that belongs to no block (page numbers, running footers) becomes an artifact;
5. the ParentTree is rebuilt, with ParentTreeNextKey.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

import pikepdf
import tinyhtml5

from fichepress.pdf.fonts import FontMetrics, metrics_of
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import Scan
from fichepress.pdf.prepress import OBJECT_STREAMS

LEAF_TYPES = {"P", "H1", "H2", "H3", "H4", "H5", "H6", "Lbl", "LBody", "Figure", "Caption"}
BLOCK_TYPES = LEAF_TYPES | {
    "Document",
    "Part",
    "Art",
    "Sect",
    "Div",
    "BlockQuote",
    "L",
    "LI",
    "Table",
    "TR",
    "TH",
    "TD",
    "THead",
    "TBody",
    "TFoot",
    "TOC",
    "TOCI",
    "Index",
}
CONTAINERS = {
    "article": "Art",
    "section": "Sect",
    "aside": "Sect",
    "footer": "Sect",
    "nav": "Sect",
    "main": "Part",
    "header": "Div",
    "div": "Div",
    "blockquote": "BlockQuote",
    "ul": "L",
    "ol": "L",
}
HEADINGS = {f"h{level}": f"H{level}" for level in range(1, 7)}
BLOCK_HTML = set(CONTAINERS) | set(HEADINGS) | {"p", "li", "figure", "img", "figcaption"}

_SPACE = re.compile(r"\s+")


class _Unprinted(dict[int, int | None]):
    """A `str.translate` table that drops white space and the format characters that print
    nothing (soft hyphens, zero-width spaces and joiners, direction marks), filled as
    characters are met."""

    def __missing__(self, code: int) -> int | None:
        character = chr(code)
        kept = not character.isspace() and unicodedata.category(character) != "Cf"
        self[code] = code if kept else None
        return self[code]


_UNPRINTED = _Unprinted()


def squeeze(text: str) -> str:
    """The text as compared with the PDF's: without white space, nor the format characters
    that print nothing."""
    return text.translate(_UNPRINTED)


class StructureError(Exception):
    """The PDF's content does not match the HTML: the tree cannot be rebuilt safely."""


# --- the expected tree, from the HTML ----------------------------------------------------------


@dataclass
class Expected:
    """A structure element the HTML calls for."""

    type: str
    text: str = ""
    """For leaves: the text the reader must get, spaces normalised."""
    alt: str | None = None
    optional: bool = False
    """A list label that the theme may or may not draw."""
    children: list[Expected] = field(default_factory=list)
    lang: str | None = None
    """The language the HTML gives this element (`lang`), for one in another language than
    the document's: a sheet in English in a French collection; the document's, for the root."""
    links: list[str] = field(default_factory=list)
    """For leaves: the addresses of the links the block holds, in order (for the root: none;
    its `text` is the document's title)."""

    @property
    def leaf(self) -> bool:
        return self.type in LEAF_TYPES

    def leaves(self) -> Iterator[Expected]:
        if self.leaf:
            yield self
        for child in self.children:
            yield from child.leaves()


def _text(element: Element) -> str:
    return _SPACE.sub(" ", "".join(element.itertext())).strip()


def _has_blocks(element: Element) -> bool:
    return any(child.tag in BLOCK_HTML for child in element.iter() if child is not element)


def _links(element: Element) -> list[str]:
    return [str(a.get("href")) for a in element.iter("a") if a.get("href")]


def _expected(element: Element) -> list[Expected]:
    tag = element.tag
    lang = element.get("lang")
    if tag in HEADINGS:
        return [Expected(HEADINGS[tag], _text(element), links=_links(element), lang=lang)]
    if tag == "p":
        text = _text(element)
        return [Expected("P", text, links=_links(element), lang=lang)] if text else []
    if tag == "img":
        return [Expected("Figure", alt=element.get("alt") or "", lang=lang)]
    if tag == "figure":
        return [child for sub in element for child in _expected(sub)]
    if tag == "li":
        label = Expected("Lbl", optional=True)
        if _has_blocks(element):
            body = Expected("LBody", children=[c for sub in element for c in _expected(sub)])
            body_node = Expected("LBodyGroup", children=body.children)
            return [Expected("LI", children=[label, body_node], lang=lang)]
        body = Expected("LBody", _text(element), links=_links(element))
        return [Expected("LI", children=[label, body], lang=lang)]
    if tag in CONTAINERS:
        children = [c for sub in element for c in _expected(sub)]
        return [Expected(CONTAINERS[tag], children=children, lang=lang)] if children else []
    # Inline or unknown elements hold no blocks in fichepress' templates.
    return [c for sub in element for c in _expected(sub)]


def expected_tree(html: str | Element) -> Expected:
    """The structure the HTML of a sheet calls for, under a Document element (`html`: its
    text, or the tree parsed from it, as WeasyPrint keeps it)."""
    root = tinyhtml5.parse(html, namespace_html_elements=False) if isinstance(html, str) else html
    body = root.find("body")
    children = [c for sub in (body if body is not None else root) for c in _expected(sub)]
    title = root.find("head/title")
    return Expected(
        "Document",
        _text(title) if title is not None else "",
        lang=root.get("lang"),
        children=children,
    )


# --- WeasyPrint's tree ---------------------------------------------------------------------------


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _type(element: Any) -> str:
    return str(element.get("/S", "")).lstrip("/") if isinstance(element, pikepdf.Dictionary) else ""


def _is_element(kid: Any) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid


@dataclass
class Content:
    """One piece of a block's content: a marked-content sequence, or a Link element."""

    page: int
    mcid: int | None = None
    link: Any = None
    text: str = ""


@dataclass
class Found:
    """A block WeasyPrint tagged, with its content in reading order."""

    type: str
    element: Any
    content: list[Content]

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.content)


class _Reader:
    def __init__(self, pdf: pikepdf.Pdf, mcid_text: list[dict[int, str]]) -> None:
        self.pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        self.mcid_text = mcid_text
        self.holding: dict[tuple[int, int] | None, bool] = {}
        """Whether an element holds blocks, by object (asked again for each ancestor)."""

    def page_of(self, element: Any, default: int) -> int:
        page = element.get("/Pg") if isinstance(element, pikepdf.Dictionary) else None
        return self.pages.get(page.objgen, default) if page is not None else default

    def content(self, element: Any, page: int) -> Iterator[Content]:
        page = self.page_of(element, page)
        for kid in _kids(element):
            if isinstance(kid, int):
                yield Content(page, mcid=kid, text=self.mcid_text[page].get(kid, ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                kid_page = self.page_of(kid, page)
                mcid = int(kid.MCID)
                yield Content(kid_page, mcid=mcid, text=self.mcid_text[kid_page].get(mcid, ""))
            elif _is_element(kid) and _type(kid) == "Link":
                text = "".join(c.text for c in self.content(kid, page) if c.mcid is not None)
                yield Content(self.page_of(kid, page), link=kid, text=text)
            elif _is_element(kid):
                yield from self.content(kid, page)

    def blocks(self, element: Any, page: int = 0) -> Iterator[Found]:
        """WeasyPrint's leaf blocks under `element`, in tree order."""
        page = self.page_of(element, page)
        for kid in _kids(element):
            if not _is_element(kid):
                continue
            kind = _type(kid)
            if kind in LEAF_TYPES and not self._holds_blocks(kid):
                yield Found(kind, kid, list(self.content(kid, page)))
            elif self._holds_blocks(kid) or kind in BLOCK_TYPES:
                yield from self.blocks(kid, page)
            else:
                # inline content outside any block: keep it as a block of its own so that
                # the matching reports it instead of losing it
                content = list(self.content(kid, page))
                if content:
                    yield Found("Span", kid, content)

    def _holds_blocks(self, element: Any) -> bool:
        key = element.objgen if element.is_indirect else None
        if key in self.holding:
            return self.holding[key]
        holds = any(
            _is_element(kid) and (_type(kid) in BLOCK_TYPES or self._holds_blocks(kid))
            for kid in _kids(element)
        )
        if key is not None:
            self.holding[key] = holds
        return holds


# --- matching -------------------------------------------------------------------------------


@dataclass
class Match:
    expected: Expected
    found: list[Found]


def match(expected: Expected, found: list[Found]) -> list[Match]:
    """Pair each expected leaf with the WeasyPrint blocks that hold its text, in order."""
    matches = []
    position = 0
    for leaf in expected.leaves():
        if leaf.type == "Lbl":
            if position < len(found) and found[position].type == "Lbl":
                matches.append(Match(leaf, [found[position]]))
                position += 1
            continue
        if leaf.type == "Figure":
            if position >= len(found) or found[position].type != "Figure":
                raise StructureError(f'the figure "{leaf.alt}" is missing from the PDF\'s tags')
            matches.append(Match(leaf, [found[position]]))
            position += 1
            continue
        want = squeeze(leaf.text).casefold()
        got: list[Found] = []
        have = ""
        while have != want:
            if position >= len(found):
                raise StructureError(f'"{leaf.text[:60]}" is missing from the PDF\'s tags')
            piece = squeeze(found[position].text).casefold()
            if not want.startswith(have + piece):
                shown = (have + piece)[:60]
                raise StructureError(
                    f'"{leaf.text[:60]}" reads "{shown}" in the PDF: text drawn by CSS (content:)'
                    " or a font without the right characters?"
                )
            have += piece
            got.append(found[position])
            position += 1
        matches.append(Match(leaf, got))
    if position < len(found):
        extra = found[position]
        raise StructureError(
            f'the PDF holds text the HTML does not: "{extra.text[:60]}" ({extra.type})'
        )
    return matches


# --- the new tree ----------------------------------------------------------------------------


class _Writer:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.page_refs = [page.obj for page in pdf.pages]
        self.page_numbers = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        self.parent_tree: dict[int, dict[int, Any]] = {i: {} for i in range(len(pdf.pages))}
        self.used: set[tuple[int, int]] = set()
        self.line_ends: set[tuple[int, int]] = set()
        """Marked content that ends a line where the source has a space: it gets one."""
        self.mcid_text: list[dict[int, str]] = []

    def text(self, page: int, mcid: int) -> str:
        return self.mcid_text[page].get(mcid, "")

    def element(self, kind: str, parent: Any, page: int, **extra: Any) -> Any:
        element = self.pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.StructElem,
                S=pikepdf.Name("/" + kind),
                P=parent,
                Pg=self.page_refs[page],
                K=pikepdf.Array(),
                **extra,
            )
        )
        return element

    def add_mcid(self, element: Any, element_page: int, piece: Content) -> None:
        assert piece.mcid is not None
        if piece.page == element_page:
            element.K.append(piece.mcid)
        else:
            element.K.append(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.MCR, Pg=self.page_refs[piece.page], MCID=piece.mcid
                )
            )
        self.parent_tree[piece.page][piece.mcid] = element
        self.used.add((piece.page, piece.mcid))


def _first_page(node: Expected, matched: dict[int, Match]) -> int | None:
    for leaf in node.leaves():
        found = matched.get(id(leaf))
        if found and found.found and found.found[0].content:
            return found.found[0].content[0].page
    return None


@dataclass
class _Unit:
    """One marked-content sequence of a block, and the link it belongs to if any."""

    page: int
    mcid: int
    text: str
    link: int | None = None


def _segments(expected: str, units: list[_Unit]) -> list[str]:
    """For each unit, the stretch of the source text it stands for, with the spaces after it."""
    printed = [i for i, c in enumerate(expected) if _UNPRINTED[ord(c)] is not None]
    result: list[str] = []
    position = 0
    taken = 0  # printed characters of `expected` before `position`
    for unit in units:
        start = position
        count = len(squeeze(unit.text))
        if count:
            taken += count
            position = printed[taken - 1] + 1 if taken <= len(printed) else len(expected)
        while position < len(expected) and expected[position].isspace():
            position += 1
        result.append(expected[start:position])
    return result


def _link_parts(link: Any, page: int, reader_pages: dict[Any, int]) -> Iterator[Any]:
    """The marked content (as (page, mcid)) and annotation references of a Link, flattened:
    WeasyPrint nests the pieces of a link cut by a line break in NonStruct wrappers."""
    pg = link.get("/Pg")
    page = reader_pages.get(pg.objgen, page) if pg is not None else page
    for kid in _kids(link):
        if isinstance(kid, int):
            yield (page, kid)
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            yield (reader_pages.get(kid.Pg.objgen, page), int(kid.MCID))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            yield kid
        elif _is_element(kid):
            yield from _link_parts(kid, page, reader_pages)


def _write_content(writer: _Writer, element: Any, page: int, text: str, found: Match) -> None:
    """Put a block's marked content under its element: links as Link elements, text whose
    letters CSS changed under a Span with the source as ActualText; note where a line break
    swallowed the space between two words."""
    units: list[_Unit] = []
    annotations: dict[int, list[Any]] = {}
    for index, piece in enumerate(p for block in found.found for p in block.content):
        if piece.link is None:
            assert piece.mcid is not None
            units.append(_Unit(piece.page, piece.mcid, piece.text))
            continue
        annotations[index] = []
        for part in _link_parts(piece.link, piece.page, writer.page_numbers):
            if isinstance(part, tuple):
                units.append(_Unit(part[0], part[1], writer.text(*part), link=index))
            else:
                annotations[index].append(part)
    sources = _segments(text, units)
    links: dict[int, Any] = {}
    for position, (unit, source) in enumerate(zip(units, sources, strict=True)):
        target = element
        if unit.link is not None:
            if unit.link not in links:
                links[unit.link] = writer.element("Link", element, unit.page)
                element.K.append(links[unit.link])
            target = links[unit.link]
        piece = Content(unit.page, mcid=unit.mcid, text=unit.text)
        if squeeze(source) != squeeze(unit.text):
            span = writer.element("Span", target, unit.page, ActualText=pikepdf.String(source))
            writer.add_mcid(span, unit.page, piece)
            target.K.append(span)
        else:
            writer.add_mcid(target, page if target is element else unit.page, piece)
        last = position == len(units) - 1
        if not last and source[-1:].isspace() and not unit.text[-1:].isspace():
            writer.line_ends.add((unit.page, unit.mcid))
    for index, parts in annotations.items():
        link = links.get(index) or writer.element("Link", element, page)
        if index not in links:
            element.K.append(link)
        description = _SPACE.sub(
            " ", "".join(s for u, s in zip(units, sources, strict=True) if u.link == index)
        ).strip()
        for part in parts:
            part.Obj.Contents = pikepdf.String(description)
            link.K.append(part)


CSS_PX = 0.75
"""Points per CSS pixel."""


def _fix_bbox(figure: Any, pdf: pikepdf.Pdf) -> None:
    """WeasyPrint 70 writes a Figure's layout BBox in CSS pixels from the top of the page;
    PDF wants points in the page's space, from the bottom (ISO 32000-1, 14.8.5.4.3)."""
    attributes = figure.get("/A")
    page = figure.get("/Pg")
    if not isinstance(attributes, pikepdf.Dictionary) or page is None or "/BBox" not in attributes:
        return
    left, _, _, top = (float(v) for v in pikepdf.Page(page).mediabox)
    x0, y0, x1, y1 = (float(v) for v in attributes.BBox)
    attributes.BBox = pikepdf.Array(
        [
            round(left + x0 * CSS_PX, 3),
            round(top - y1 * CSS_PX, 3),
            round(left + x1 * CSS_PX, 3),
            round(top - y0 * CSS_PX, 3),
        ]
    )


def _write(
    writer: _Writer, node: Expected, parent: Any, matched: dict[int, Match], fallback: int
) -> Any | None:
    page = _first_page(node, matched)
    page = fallback if page is None else page
    if node.leaf:
        found = matched.get(id(node))
        if found is None:
            return None  # an optional label the theme does not draw
        if node.type == "Figure":
            figure = found.found[0].element
            figure.P = parent
            _fix_bbox(figure, writer.pdf)
            for piece in found.found[0].content:
                if piece.mcid is not None:
                    writer.parent_tree[piece.page][piece.mcid] = figure
                    writer.used.add((piece.page, piece.mcid))
            if node.alt:
                figure.Alt = pikepdf.String(node.alt)
            if node.lang:
                figure.Lang = pikepdf.String(node.lang)
            return figure
        element = writer.element(node.type, parent, page)
        if node.lang:
            element.Lang = pikepdf.String(node.lang)
        _write_content(writer, element, page, node.text, found)
        return element
    element = writer.element(node.type, parent, page)
    if node.lang and node.type != "Document":  # the document's is the catalog's /Lang
        element.Lang = pikepdf.String(node.lang)
    for child in node.children:
        if child.type == "LBodyGroup":
            body = writer.element("LBody", element, page)
            for grandchild in child.children:
                written = _write(writer, grandchild, body, matched, page)
                if written is not None:
                    body.K.append(written)
            element.K.append(body)
            continue
        written = _write(writer, child, element, matched, page)
        if written is not None:
            element.K.append(written)
    return element


def _space_code(font: Any, known: dict[Any, FontMetrics]) -> bytes | None:
    """The bytes that draw a space in `font`, if its subset has one (`known`: the metrics
    already read, by font object)."""
    metrics = metrics_of(font, known)
    for code, text in metrics.to_unicode.items():
        if text == " ":
            return code.to_bytes(2 if metrics.two_bytes else 1, "big")
    return None


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


def _unusual(raw: bytes) -> bool:
    return any(c in raw for c in (b"(", b")", b"'", b'"', b"%")) or bool(_UNUSUAL.search(raw))


def _rewrite_raw(
    pdf: pikepdf.Pdf,
    index: int,
    page: pikepdf.Page,
    used: set[tuple[int, int]],
    line_ends: set[tuple[int, int]],
    known: dict[Any, FontMetrics],
) -> tuple[set[int], set[int]] | None:
    """`_rewrite_content` for one page, by editing its content where it must change rather
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
    resources: Any = page.obj.get("/Resources", {})
    fonts: Any = resources.get("/Font", {})
    edits: list[tuple[int, int, bytes]] = []  # (start, end, replacement)
    marked: list[int | None] = []
    font: tuple[bytes, bytes] | None = None  # (name, size)
    saved: list[tuple[bytes, bytes] | None] = []
    last_show: dict[int, tuple[int, tuple[bytes, bytes] | None]] = {}
    for found in _OPERATOR.finditer(raw):
        start, end = found.span()
        if (start and raw[start - 1] not in _BEFORE_OPERATOR) or (
            end < len(raw) and raw[end] not in _WHITE
        ):
            continue  # letters of a name
        op = found[0]
        if op == b"BDC":
            before = raw[max(0, start - 80) : start]
            tagged = _MCID.search(before)
            if tagged is None:
                if b"/MCID" in before:
                    return None  # written unlike WeasyPrint: parse it
                marked.append(None)
                continue
            mcid: int | None = int(tagged[1])
            if (index, mcid) not in used:
                edits.append((start - len(before) + tagged.start(), end, _ARTIFACT))
                artifacts.add(int(tagged[1]))
                mcid = None
            marked.append(mcid)
        elif op == b"Tf":
            operands = _FONT.search(raw[max(0, start - 80) : start])
            if operands is None:
                return None
            font = (operands[1], operands[2])
        elif op == b"q":
            saved.append(font)
        elif op == b"Q":
            font = saved.pop() if saved else font
        elif op == b"BMC":
            marked.append(None)
        elif op in (b"TJ", b"Tj"):
            if marked and marked[-1] is not None:
                last_show[marked[-1]] = (end, font)
        elif marked:  # EMC
            mcid = marked.pop()
            if mcid is None or (index, mcid) not in line_ends or mcid not in last_show:
                continue
            at, shown = last_show[mcid]
            if shown is None:
                continue
            space = _space_after(shown, fonts, known)
            if space is not None:
                edits.append((at, at, space))
                spaced.add(mcid)
    if saved or marked:
        return None  # unbalanced: not content to edit blindly
    if edits:
        pieces, position = [], 0
        for start, end, replacement in sorted(edits, key=lambda edit: edit[0]):
            pieces += [raw[position:start], replacement]
            position = end
        pieces.append(raw[position:])
        page.obj.Contents = pdf.make_stream(b"".join(pieces))
    return artifacts, spaced


def _space_after(
    font: tuple[bytes, bytes], fonts: Any, known: dict[Any, FontMetrics]
) -> bytes | None:
    """Content that shows a space after text shown with `font` (name, size): with that font
    if its subset has a space, else with another font of the page that has one."""
    name, size = font
    shown = fonts.get(name.decode("latin-1"))
    if shown is None:
        return None
    space = _space_code(shown, known)
    if space is not None:
        return b"\n<" + space.hex().encode() + b"> Tj"
    for other_name, other in fonts.items():
        other_space = _space_code(other, known)
        if other_space is not None:
            return b"\n%s %s Tf <%s> Tj %s %s Tf" % (
                other_name.encode("latin-1"),
                size,
                other_space.hex().encode(),
                name,
                size,
            )
    return None


def _rewrite_content(
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
    resources: Any = page.obj.get("/Resources", {})
    fonts: Any = resources.get("/Font", {})
    changed = False
    font: tuple[Any, Any, Any] | None = None  # (name, size, font)
    marked: list[int | None] = []
    last_show: dict[int, tuple[int, tuple[Any, Any, Any] | None]] = {}
    after: dict[int, list[Any]] = {}  # instructions to insert after a position
    for position, instruction in enumerate(instructions):
        operator, operands = str(instruction.operator), instruction.operands
        if operator == "Tf":
            font = (operands[0], operands[1], fonts.get(str(operands[0])))
        elif operator == "BMC":
            marked.append(None)
        elif operator == "BDC":
            properties = operands[1]
            mcid = (
                int(properties.MCID)
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties
                else None
            )
            if mcid is not None and (index, mcid) not in used:
                instructions[position] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, pikepdf.Dictionary(Type=pikepdf.Name.Pagination)],
                    pikepdf.Operator("BDC"),
                )
                changed = True
                mcid = None
            marked.append(mcid)
        elif operator in ("TJ", "Tj") and marked and marked[-1] is not None:
            last_show[marked[-1]] = (position, font)
        elif operator == "EMC" and marked:
            mcid = marked.pop()
            if mcid is None or (index, mcid) not in line_ends or mcid not in last_show:
                continue
            at, shown_font = last_show[mcid]
            if shown_font is None or shown_font[2] is None:
                continue
            name, size, show_font = shown_font
            space = _space_code(show_font, known)
            shown = instructions[at]
            if space is not None:
                if str(shown.operator) == "TJ":
                    items = pikepdf.Array(shown.operands[0])
                    items.append(pikepdf.String(space))
                    new_operands: list[Any] = [items]
                else:
                    new_operands = [pikepdf.String(bytes(shown.operands[0]) + space)]
                instructions[at] = pikepdf.ContentStreamInstruction(new_operands, shown.operator)
                changed = True
                continue
            # The font's subset has no space (the line's only one was swallowed): draw
            # it with a font of the page that has one, then go back to the line's font.
            for other_name, other in fonts.items():
                other_space = _space_code(other, known)
                if other_space is not None:
                    after[at] = [
                        pikepdf.ContentStreamInstruction(
                            [pikepdf.Name(other_name), size], pikepdf.Operator("Tf")
                        ),
                        pikepdf.ContentStreamInstruction(
                            [pikepdf.String(other_space)], pikepdf.Operator("Tj")
                        ),
                        pikepdf.ContentStreamInstruction([name, size], pikepdf.Operator("Tf")),
                    ]
                    changed = True
                    break
    if after:
        instructions = [
            item
            for position, instruction in enumerate(instructions)
            for item in (instruction, *after.get(position, ()))
        ]
    if changed:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def finish_accessible_pdf(data: bytes, html: str | Element) -> bytes:
    """WeasyPrint's PDF/UA-1 with its structure rebuilt from `html` (see the module; `html`
    may be given parsed already), every stream compressed."""
    return repair(data, html)[0]


def repair(data: bytes, html: str | Element | Expected) -> tuple[bytes, list[Scan]]:
    """`finish_accessible_pdf`, and the marked content of each page as written (what
    `scan_marks` reads in the finished PDF, read before it is saved). `html` may also be its
    expected tree, made already (see `expected_tree`)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metrics: dict[Any, FontMetrics] = {}
        scans = [scan_marks(page, metrics) for page in pdf.pages]
        mcid_text = [scan.mcid_text for scan in scans]
        root = pdf.Root.StructTreeRoot
        reader = _Reader(pdf, mcid_text)
        found = [block for top in _kids(root) for block in reader.blocks(top)]
        expected = html if isinstance(html, Expected) else expected_tree(html)
        matches = match(expected, found)
        matched = {id(m.expected): m for m in matches}

        writer = _Writer(pdf)
        writer.mcid_text = mcid_text
        document = _write(writer, expected, root, matched, 0)
        root.K = pikepdf.Array([document])
        _drop_nested_annotations(pdf, document)

        # Annotations keep their StructParent keys, after the pages'.
        nums = pikepdf.Array()
        for index in range(len(pdf.pages)):
            entries = writer.parent_tree[index]
            size = max(entries) + 1 if entries else 0
            nums.append(index)
            nums.append(pikepdf.Array([entries.get(i) for i in range(size)]))
            pdf.pages[index].obj.StructParents = index
        next_key = len(pdf.pages)
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    key = next_key
                    next_key += 1
                    annotation.StructParent = key
                    nums.append(key)
                    nums.append(_owner(annotation, document))
        root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
        root.ParentTreeNextKey = next_key
        marks = _rewrite_content(pdf, writer.used, writer.line_ends, scans, metrics)
        pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True, Suspects=False)
        for page in pdf.pages:
            page.obj.Tabs = pikepdf.Name.S
        out = io.BytesIO()
        pdf.save(
            out,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=OBJECT_STREAMS,
        )
    return out.getvalue(), marks


def _drop_nested_annotations(pdf: pikepdf.Pdf, document: Any) -> None:
    """WeasyPrint gives a link one annotation per box it lays out: a link whose text is a row
    of flex items (a contents entry) gets one for the row and one for each item inside it, so
    that a keyboard stops five times on one link. An annotation that lies within another of
    the same link, on the same page, adds nothing: it is taken off the page and the link."""
    pages = {page.obj.objgen: page for page in pdf.pages}
    stack = [document]
    while stack:
        element = stack.pop()
        kids = _kids(element)
        stack.extend(kid for kid in kids if _is_element(kid))
        if element.get("/S") != "/Link":
            continue
        objrs = [
            kid
            for kid in kids
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
        ]
        if len(objrs) < 2:
            continue
        gone: set[tuple[int, int]] = set()
        for objr in objrs:
            inner = objr.Obj
            box = _box(inner.Rect)
            for other in objrs:
                outer = other.Obj
                if outer.objgen == inner.objgen or outer.objgen in gone:
                    continue
                page = _page_of(objr)
                if page is None or _page_of(other) != page:
                    continue
                around = _box(outer.Rect)
                if (
                    around[0] - 0.5 <= box[0]
                    and box[2] <= around[2] + 0.5
                    and around[1] - 0.5 <= box[1]
                    and box[3] <= around[3] + 0.5
                ):
                    gone.add(inner.objgen)
                    break
        if not gone:
            continue
        element.K = pikepdf.Array(
            [
                k
                for k in kids
                if not (
                    isinstance(k, pikepdf.Dictionary)
                    and k.get("/Type") == "/OBJR"
                    and k.Obj.objgen in gone
                )
            ]
        )
        for page in pages.values():
            annotations = page.obj.get("/Annots")
            if annotations is not None and any(a.objgen in gone for a in annotations):
                page.obj.Annots = pikepdf.Array([a for a in annotations if a.objgen not in gone])


def _box(rect: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in rect)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _page_of(objr: Any) -> Any:
    """The page of a link's annotation: its OBJR's, or the annotation's own /P."""
    page = objr.get("/Pg", objr.Obj.get("/P"))
    return page.objgen if page is not None else None


def _owner(annotation: Any, document: Any) -> Any:
    """The Link element that holds an annotation (through an OBJR)."""
    stack = [document]
    while stack:
        element = stack.pop()
        for kid in _kids(element):
            if (
                isinstance(kid, pikepdf.Dictionary)
                and kid.get("/Type") == "/OBJR"
                and kid.Obj.objgen == annotation.objgen
            ):
                return element
            if _is_element(kid):
                stack.append(kid)
    return None
