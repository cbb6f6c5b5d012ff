"""Copyfitting: how a laid-out sheet fills its pages, measured on WeasyPrint's boxes.

Each page tells how much of its text area the flow fills, how many lines it holds, and which
YAML block it starts with (the templates mark blocks with `data-src`), so that a sheet over its
page budget can be told by how much and from where, and a page left half empty can be named.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fichepress.core.geometry import MM_PER_CSS_PX

HALF = 0.5


@dataclass(frozen=True)
class PageFill:
    """How one page is filled."""

    number: int
    """1-based page number."""
    filled: float
    """Share of the page's text area, from its top to the end of the flow (0 to 1)."""
    height_mm: float
    """Height the flow takes on the page."""
    lines: int
    """Lines of text in the flow."""
    first_block: str | None
    """Key path of the most specific YAML block the page starts with (`body[3]`, …)."""


def _src(box: Any) -> str | None:
    element = getattr(box, "element", None)
    getter = getattr(element, "get", None)
    return getter("data-src") if getter is not None else None


def _in_flow(box: Any) -> Iterator[Any]:
    """The page's boxes in document order, without margin boxes and what is positioned."""
    for child in getattr(box, "children", ()):
        if type(child).__name__ == "MarginBox":
            continue
        if getattr(child, "is_absolutely_positioned", lambda: False)():
            continue
        yield child
        yield from _in_flow(child)


def _first_block(box: Any) -> str | None:
    """The deepest `data-src` block that starts the page's flow: the first block, then the
    blocks inside it that come before any of its own text."""
    found = None
    for child in _in_flow(box):
        if type(child).__name__ == "LineBox" and found is not None:
            break
        src = _src(child)
        if src is None:
            continue
        if found is None or src.startswith(found):
            found = src
        else:
            break
    return found


_TEXT_OR_PICTURE = ("LineBox", "InlineReplacedBox", "BlockReplacedBox")


def _ends_flow(box: Any) -> bool:
    """A box whose bottom is where the flow ends: a line, a picture, or a block that holds
    nothing in flow (a spacer such as the room kept for the credits)."""
    kind = type(box).__name__
    if kind in _TEXT_OR_PICTURE:
        return True
    if kind != "BlockBox" or box.height is None:
        return False
    return not any(
        not getattr(child, "is_absolutely_positioned", lambda: False)()
        for child in getattr(box, "children", ())
    )


def measure(document: Any) -> list[PageFill]:
    """The fill of each page of a rendered WeasyPrint document."""
    pages = []
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        top, height = box.content_box_y(), box.height
        bottom, lines = top, 0
        for child in _in_flow(box):
            if type(child).__name__ == "LineBox":
                lines += 1
            if _ends_flow(child):
                bottom = max(bottom, child.position_y + child.margin_height())
        used = max(0.0, min(bottom, top + height) - top)
        pages.append(
            PageFill(
                number=number,
                filled=used / height if height else 0.0,
                height_mm=used * MM_PER_CSS_PX,
                lines=lines,
                first_block=_first_block(box),
            )
        )
    return pages
