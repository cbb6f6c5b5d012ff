"""WeasyPrint's tagged blocks, read from its structure tree in order, and matched to the blocks
the HTML calls for by their text (a block cut in two matches the two pieces in turn)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf

from fichepress.pdf.expected import BLOCK_TYPES, LEAF_TYPES, Expected, squeeze
from fichepress.pdf.structure import is_element, kids


class StructureError(Exception):
    """The PDF's content does not match the HTML: the tree cannot be rebuilt safely."""


def _type(element: Any) -> str:
    return str(element.get("/S", "")).lstrip("/") if isinstance(element, pikepdf.Dictionary) else ""


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


class Reader:
    """WeasyPrint's structure tree read as blocks (`mcid_text`: the text of each marked-content
    sequence, page by page)."""

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
        for kid in kids(element):
            if isinstance(kid, int):
                yield Content(page, mcid=kid, text=self.mcid_text[page].get(kid, ""))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                kid_page = self.page_of(kid, page)
                mcid = int(kid.MCID)
                yield Content(kid_page, mcid=mcid, text=self.mcid_text[kid_page].get(mcid, ""))
            elif is_element(kid) and _type(kid) == "Link":
                text = "".join(c.text for c in self.content(kid, page) if c.mcid is not None)
                yield Content(self.page_of(kid, page), link=kid, text=text)
            elif is_element(kid):
                yield from self.content(kid, page)

    def blocks(self, element: Any, page: int = 0) -> Iterator[Found]:
        """WeasyPrint's leaf blocks under `element`, in tree order."""
        page = self.page_of(element, page)
        for kid in kids(element):
            if not is_element(kid):
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
            is_element(kid) and (_type(kid) in BLOCK_TYPES or self._holds_blocks(kid))
            for kid in kids(element)
        )
        if key is not None:
            self.holding[key] = holds
        return holds


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
