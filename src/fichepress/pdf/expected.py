"""The structure the HTML of a sheet calls for (Art, Sect, H1-H6, P, L/LI/Lbl/LBody,
BlockQuote, Figure, with the text each block must hold and the passages of it in another
language), and the text as compared with the PDF's."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from xml.etree.ElementTree import Element

import tinyhtml5

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

SPACE = re.compile(r"\s+")
"""A run of white space (normalised to one space)."""


class _Unprinted(dict[int, int | None]):
    """A `str.translate` table that drops white space and the format characters that print
    nothing (soft hyphens, zero-width spaces and joiners, direction marks), filled as
    characters are met."""

    def __missing__(self, code: int) -> int | None:
        character = chr(code)
        kept = not character.isspace() and unicodedata.category(character) != "Cf"
        self[code] = code if kept else None
        return self[code]


UNPRINTED = _Unprinted()


def squeeze(text: str) -> str:
    """The text as compared with the PDF's: without white space, nor the format characters
    that print nothing."""
    return text.translate(UNPRINTED)


@dataclass(frozen=True)
class Passage:
    """Words of a block in another language than the block's (`<span lang="en">`): where they
    lie in the block's text as compared (`squeeze`d: printed characters only), their
    language, and the words as the source has them."""

    start: int
    end: int
    lang: str
    text: str


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
    passages: list[Passage] = field(default_factory=list)
    """For leaves: the words in another language, in order."""

    @property
    def leaf(self) -> bool:
        return self.type in LEAF_TYPES

    def leaves(self) -> Iterator[Expected]:
        if self.leaf:
            yield self
        for child in self.children:
            yield from child.leaves()


def _text(element: Element) -> str:
    return SPACE.sub(" ", "".join(element.itertext())).strip()


def _pieces(element: Element, lang: str | None) -> Iterator[tuple[str, str | None]]:
    """The text of an element's content, piece by piece, each with the language an inline
    element inside it gives it (None: the element's own)."""
    if element.text:
        yield element.text, lang
    for child in element:
        yield from _pieces(child, child.get("lang") or lang)
        if child.tail:
            yield child.tail, lang


def _passages(element: Element) -> list[Passage]:
    """The passages of a block's text in another language, each run of one language once."""
    passages: list[Passage] = []
    position = 0
    for text, lang in _pieces(element, None):
        size = len(squeeze(text))
        if lang is not None and size:
            last = passages[-1] if passages else None
            if last is not None and last.lang == lang and last.end == position:
                passages[-1] = Passage(last.start, position + size, lang, last.text + text)
            else:
                passages.append(Passage(position, position + size, lang, text))
        position += size
    return [replace(p, text=SPACE.sub(" ", p.text).strip()) for p in passages]


def _leaf(kind: str, element: Element, lang: str | None) -> Expected:
    """A block of text: its words, links and passages in another language."""
    return Expected(
        kind, _text(element), links=_links(element), lang=lang, passages=_passages(element)
    )


def _has_blocks(element: Element) -> bool:
    return any(child.tag in BLOCK_HTML for child in element.iter() if child is not element)


def _links(element: Element) -> list[str]:
    return [str(a.get("href")) for a in element.iter("a") if a.get("href")]


def _expected(element: Element) -> list[Expected]:
    tag = element.tag
    lang = element.get("lang")
    if tag in HEADINGS:
        return [_leaf(HEADINGS[tag], element, lang)]
    if tag == "p":
        return [_leaf("P", element, lang)] if _text(element) else []
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
        body = _leaf("LBody", element, None)
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
