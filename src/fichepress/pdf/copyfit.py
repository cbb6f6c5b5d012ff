"""Copyfitting: how a laid-out sheet fills its pages, measured on WeasyPrint's boxes.

Each page tells how much of its text area the flow fills, how many lines it holds and how many
more would fit, which YAML blocks it starts and ends with (the templates mark blocks with
`data-src`), and whether the theme starts it on a new page (a forced break), so that a sheet
over its page budget can be told by how much, from where and what to do, and a page left half
empty can be named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fichepress.core.geometry import MM_PER_CSS_PX

HALF = 0.5
FORCED_BREAKS = frozenset({"page", "left", "right", "recto", "verso"})
"""Values of CSS `break-before` that start a block on a new page whatever room is left."""


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
    last_block: str | None = None
    """Key path of the most specific YAML block the page ends with."""
    room_lines: int = 0
    """About how many more lines of body text would fit under the flow."""
    forced: str | None = None
    """Key path of the block the page begins with when the theme starts that block on a new
    page (its `break-before` is page, left, right, recto or verso); None when the page
    begins where the previous one ran out of room."""


def _src(box: Any) -> str | None:
    element = getattr(box, "element", None)
    getter = getattr(element, "get", None)
    return getter("data-src") if getter is not None else None


def _flow_children(box: Any) -> Iterator[Any]:
    """The box's children in flow: not margin boxes, not what is positioned."""
    for child in getattr(box, "children", ()):
        if type(child).__name__ == "MarginBox":
            continue
        if getattr(child, "is_absolutely_positioned", lambda: False)():
            continue
        yield child


def _in_flow(box: Any) -> Iterator[Any]:
    """The page's boxes in document order, without margin boxes and what is positioned."""
    for child in _flow_children(box):
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


def _last_block(box: Any) -> str | None:
    """The last `data-src` block of the page's flow, in document order."""
    found = None
    for child in _in_flow(box):
        found = _src(child) or found
    return found


def _forced(box: Any, seen: set[int]) -> str | None:
    """The key path of the block that begins the page at a forced break, if it does: the first
    boxes of the flow, outermost first, one of which starts (its element is on no earlier
    page, whose ids are `seen`) with a forced `break-before`."""
    child = box
    while (child := next(_flow_children(child), None)) is not None:
        style = getattr(child, "style", None)
        element = getattr(child, "element", None)
        if style is None or element is None or id(element) in seen:
            continue
        if style["break_before"] in FORCED_BREAKS:
            return _src(child) or _first_block(box)
    return None


def _line_height(document: Any) -> float:
    """The height of the most common line of the document: its body text's."""
    heights = Counter(
        round(child.margin_height(), 1)
        for page in document.pages
        for child in _in_flow(page._page_box)
        if type(child).__name__ == "LineBox"
    )
    return heights.most_common(1)[0][0] if heights else 0.0


def measure(document: Any) -> list[PageFill]:
    """The fill of each page of a rendered WeasyPrint document."""
    pages, seen = [], set[int]()
    line_height = _line_height(document)
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
                last_block=_last_block(box),
                room_lines=int((height - used) // line_height) if line_height else 0,
                forced=_forced(box, seen) if number > 1 else None,
            )
        )
        seen |= {id(getattr(child, "element", None)) for child in _in_flow(box)}
    return pages
