"""What an independent reader gives, in one shape for every reader: the elements of each page's
structure tree with their text, and the text it finds outside the tree; and the tree read as a
screen reader reads it, run by run, each run with the roles around it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Element:
    """A structure element as the reader gives it; its children are elements or the text of
    its marked content, in tree order."""

    role: str
    alt: str | None = None
    actual: str | None = None
    lang: str = ""
    id: str = ""
    children: list[Element | str] = field(default_factory=list)
    objects: int = 0
    """How many objects (annotations: a link's) it holds."""

    @property
    def replaced(self) -> str | None:
        """The text a reader reads instead of the content: ActualText, or a figure's Alt."""
        if self.actual is not None:
            return self.actual
        if self.role == "Figure" and self.alt is not None:
            return self.alt
        return None

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()


@dataclass(frozen=True)
class Stray:
    """Text the reader found outside the structure tree, and why."""

    text: str
    why: str


@dataclass
class Page:
    roots: list[Element]
    stray: list[Stray]


@dataclass(frozen=True)
class Run:
    """A piece of text as read, with the roles of the elements around it (outermost first)
    and its language (its own element's /Lang or the nearest ancestor's)."""

    text: str
    roles: tuple[str, ...]
    lang: str


def runs(pages: list[Page]) -> Iterator[Run]:
    """The text of the tree page after page, in tree order, as a screen reader reads it: an
    element's ActualText (or a figure's Alt) instead of its content; each element but a
    Span ends a line."""
    for page in pages:
        for root in page.roots:
            yield from _runs(root, (), "")


def _runs(element: Element, roles: tuple[str, ...], lang: str) -> Iterator[Run]:
    roles = (*roles, element.role)
    lang = element.lang or lang
    replaced = element.replaced
    if replaced is not None:
        yield Run(replaced + "\n", roles, lang)
        return
    for child in element.children:
        if isinstance(child, Element):
            yield from _runs(child, roles, lang)
        elif child:
            yield Run(child, roles, lang)
    if element.role not in INLINE:
        yield Run("\n", roles, lang)


INLINE = frozenset({"Span"})
"""Elements read within the line of their parent (a passage in another language)."""


def elements(pages: list[Page]) -> Iterator[Element]:
    """Every element of every page's tree (an element across pages once per page)."""
    for page in pages:
        for root in page.roots:
            yield from root.walk()
