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

Step 1 is `expected`'s, step 2 `matching`'s, step 4 `artifacts'`; this module writes the tree.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import pikepdf

from fichepress.pdf import structure
from fichepress.pdf.artifacts import rewrite_content
from fichepress.pdf.expected import (
    SPACE,
    UNPRINTED,
    Expected,
    Passage,
    expected_tree,
    squeeze,
)
from fichepress.pdf.fonts import FontMetrics
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.matching import Content, Match, Reader, match
from fichepress.pdf.paints import Scan
from fichepress.pdf.prepress import OBJECT_STREAMS


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
    printed = [i for i, c in enumerate(expected) if UNPRINTED[ord(c)] is not None]
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


def _languages(units: list[_Unit], passages: list[Passage]) -> list[int | None]:
    """For each unit, the passage in another language it belongs to (its index), if any: the
    one its printed characters lie in (an empty unit: the one it stands inside of, so that it
    does not cut the passage in two; at its edge, none)."""

    def holds(passage: Passage, position: int, size: int) -> bool:
        if size:
            return passage.start <= position and position + size <= passage.end
        return passage.start < position < passage.end

    result: list[int | None] = []
    position = 0
    for unit in units:
        size = len(squeeze(unit.text))
        inside = (i for i, passage in enumerate(passages) if holds(passage, position, size))
        result.append(next(inside, None))
        position += size
    return result


def _link_parts(link: Any, page: int, reader_pages: dict[Any, int]) -> Iterator[Any]:
    """The marked content (as (page, mcid)) and annotation references of a Link, flattened:
    WeasyPrint nests the pieces of a link cut by a line break in NonStruct wrappers."""
    pg = link.get("/Pg")
    page = reader_pages.get(pg.objgen, page) if pg is not None else page
    for kid in structure.kids(link):
        if isinstance(kid, int):
            yield (page, kid)
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            yield (reader_pages.get(kid.Pg.objgen, page), int(kid.MCID))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            yield kid
        elif structure.is_element(kid):
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
    languages = _languages(units, found.expected.passages)
    links: dict[int, Any] = {}
    spoken: tuple[Any, int, Any] | None = None  # the last Span of a passage: parent, index
    for position, (unit, source) in enumerate(zip(units, sources, strict=True)):
        target = element
        if unit.link is not None:
            if unit.link not in links:
                links[unit.link] = writer.element("Link", element, unit.page)
                element.K.append(links[unit.link])
            target = links[unit.link]
        passage = languages[position]
        if passage is not None:
            if spoken is None or spoken[0] is not target or spoken[1] != passage:
                lang = pikepdf.String(found.expected.passages[passage].lang)
                spoken = (target, passage, writer.element("Span", target, unit.page, Lang=lang))
                target.K.append(spoken[2])
            target = spoken[2]
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
        description = SPACE.sub(
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


def finish_accessible_pdf(data: bytes, html: str | Element) -> bytes:
    """WeasyPrint's PDF/UA-1 with its structure rebuilt from `html` (see the module; `html`
    may be given parsed already), every stream compressed."""
    return repair(data, html)[0]


def repair(data: bytes, html: str | Element | Expected) -> tuple[bytes, list[Scan]]:
    """`repair_pdf` of a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return repair_pdf(pdf, html)


def repair_pdf(pdf: pikepdf.Pdf, html: str | Element | Expected) -> tuple[bytes, list[Scan]]:
    """`finish_accessible_pdf`, and the marked content of each page as written (what
    `scan_marks` reads in the finished PDF, read before it is saved). `html` may also be its
    expected tree, made already (see `expected_tree`). The open `pdf` is repaired in place
    (its checks can read it as it is)."""
    metrics: dict[Any, FontMetrics] = {}
    scans = [scan_marks(page, metrics) for page in pdf.pages]
    mcid_text = [scan.mcid_text for scan in scans]
    root = pdf.Root.StructTreeRoot
    reader = Reader(pdf, mcid_text)
    found = [block for top in structure.kids(root) for block in reader.blocks(top)]
    expected = html if isinstance(html, Expected) else expected_tree(html)
    matches = match(expected, found)
    matched = {id(m.expected): m for m in matches}

    writer = _Writer(pdf)
    writer.mcid_text = mcid_text
    document = _write(writer, expected, root, matched, 0)
    root.K = pikepdf.Array([document])
    _drop_nested_annotations(pdf, document)
    _write_parent_tree(pdf, writer, document)
    marks = rewrite_content(pdf, writer.used, writer.line_ends, scans, metrics)
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


def _write_parent_tree(pdf: pikepdf.Pdf, writer: _Writer, document: Any) -> None:
    """The ParentTree, and ParentTreeNextKey: under each page's index (its StructParents), the
    elements of its marked content by MCID; then the Link element of each annotation, under
    keys after the pages' (annotations keep their StructParent keys)."""
    tree = pikepdf.NumberTree.new(pdf)
    for index, page in enumerate(pdf.pages):
        entries = writer.parent_tree[index]
        size = max(entries) + 1 if entries else 0
        tree[index] = pikepdf.Array([entries.get(i) for i in range(size)])
        page.obj.StructParents = index
    next_key = len(pdf.pages)
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = next_key
                owner = _owner(annotation, document)
                if owner is not None:  # a number tree holds no null: no entry reads the same
                    tree[next_key] = owner
                next_key += 1
    root = pdf.Root.StructTreeRoot
    root.ParentTree = tree.obj
    root.ParentTreeNextKey = next_key


def _drop_nested_annotations(pdf: pikepdf.Pdf, document: Any) -> None:
    """WeasyPrint gives a link one annotation per box it lays out: a link whose text is a row
    of flex items (a contents entry) gets one for the row and one for each item inside it, so
    that a keyboard stops five times on one link. An annotation that lies within another of
    the same link, on the same page, adds nothing: it is taken off the page and the link."""
    pages = {page.obj.objgen: page for page in pdf.pages}
    stack = [document]
    while stack:
        element = stack.pop()
        kids = structure.kids(element)
        stack.extend(kid for kid in kids if structure.is_element(kid))
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
        for kid in structure.kids(element):
            if (
                isinstance(kid, pikepdf.Dictionary)
                and kid.get("/Type") == "/OBJR"
                and kid.Obj.objgen == annotation.objgen
            ):
                return element
            if structure.is_element(kid):
                stack.append(kid)
    return None
