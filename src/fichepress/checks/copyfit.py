"""The copyfitting rules: a sheet over its page budget (by how much, from which YAML block, and
what to do: lines to cut, or the budget to set when the theme starts a block on a new page), a
page left more than half empty (the room left, in lines), each told once at its YAML place."""

from __future__ import annotations

from collections.abc import Sequence

from fichepress.core.findings import Finding, Severity
from fichepress.core.variants import VariantName
from fichepress.pdf.copyfit import HALF, PageFill
from fichepress.source.load import SheetSource
from fichepress.source.yamlfile import key_path


def copyfit_problems(
    source: SheetSource,
    shown: str,
    variant: VariantName,
    fill: Sequence[PageFill],
    budget: int,
    underfilled: Severity = "advice",
) -> list[Finding]:
    """What the layout of a sheet in one variant says, in the same words for every variant: over
    its budget, one warning (the under-filled page a forced break leaves is part of it); else
    each page of it left more than half empty, at the severity `underfilled` (the series')."""
    if len(fill) > budget:
        return [_over_budget(source, shown, variant, fill, budget)]
    return [
        _underfilled(source, shown, variant, fill, page, underfilled)
        for page in fill[:budget]
        if page.filled < HALF
    ]


def _finding(
    source: SheetSource, shown: str, key: str, message: str, told: tuple[Severity, str, int]
) -> Finding:
    """A copyfit finding at the place of `key` in the sheet (its body when it has none);
    `told`: its severity, variant and page."""
    locations = {key_path(loc): loc for loc in source.positions.values}
    loc = locations.get(key) or ("body",)
    line, column = source.positions.of_key(loc)
    severity, variant, page = told
    return Finding(shown, line, column, key_path(loc), message, severity, "copyfit", variant, page)


def _pages(count: int) -> str:
    return f"{count} page{'s' if count > 1 else ''}"


def _over_budget(
    source: SheetSource, shown: str, variant: VariantName, fill: Sequence[PageFill], budget: int
) -> Finding:
    """The sheet runs past its budget: from a block the theme starts on a new page (no text
    cut can help: set the budget, or remove the block), or by the length of its text."""
    forced = [page for page in fill if page.forced]
    if len(forced) + 1 > budget:
        page = forced[budget - 1]  # the page break that takes the sheet past its budget
        block = page.forced or ""
        before = fill[page.number - 2]
        left = (
            f" (page {before.number} is left only {before.filled:.0%} filled before it)"
            if before.filled < HALF
            else ""
        )
        return _finding(
            source,
            shown,
            block,
            f"the theme starts {block} on a new page, so the sheet needs at least"
            f" {_pages(len(forced) + 1)} whatever the length of its text, over its budget of"
            f" {_pages(budget)}{left}: set page_budget: {len(fill)}, or remove {block}",
            ("warning", variant, page.number),
        )
    over = fill[budget:]
    lines = sum(page.lines for page in over)
    height = sum(page.height_mm for page in over)
    first = over[0].first_block
    where = f"page {budget + 1} starts with {first}" if first else f"page {budget + 1} holds"
    if not first:
        where += " only the credits"
    cut = max(lines, 1)
    return _finding(
        source,
        shown,
        first or "",
        f"the sheet runs {lines} lines ({height:.0f} mm) over its budget of {_pages(budget)}:"
        f" {where}; cut about {cut} line{'s' if cut > 1 else ''}, or set page_budget:"
        f" {len(fill)}",
        ("warning", variant, budget + 1),
    )


def _underfilled(
    source: SheetSource,
    shown: str,
    variant: VariantName,
    fill: Sequence[PageFill],
    page: PageFill,
    severity: Severity,
) -> Finding:
    """A page of the budget less than half filled: the room left, at the block it ends with,
    and the block the theme starts on a new page after it, if that is why."""
    after = fill[page.number] if page.number < len(fill) else None
    why = (
        f" before {after.forced}, which the theme starts on a new page"
        if after is not None and after.forced
        else ""
    )
    room = page.room_lines
    return _finding(
        source,
        shown,
        page.last_block or "",
        f"page {page.number} is only {page.filled:.0%} filled: about {room}"
        f" line{'s' if room != 1 else ''} of room left{why}",
        (severity, variant, page.number),
    )
