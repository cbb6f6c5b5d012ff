"""The copyfitting rules: a sheet over its page budget (by how much, from which YAML block), a
page left more than half empty."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fichepress.core.findings import Finding
from fichepress.core.variants import VariantName
from fichepress.pdf.copyfit import HALF, PageFill
from fichepress.source.load import SheetSource
from fichepress.source.yamlfile import key_path


def copyfit_problems(
    source: SheetSource, shown: str, variant: VariantName, fill: Sequence[PageFill], budget: int
) -> list[Finding]:
    """A sheet over its page budget (by how much, from which YAML block), or a page of it
    left more than half empty: warnings of the variant's PDF."""
    problems = []
    told: dict[str, Any] = {"severity": "warning", "rule": "copyfit", "variant": variant}
    locations = {key_path(loc): loc for loc in source.positions.values}
    if len(fill) > budget:
        over = fill[budget:]
        lines = sum(page.lines for page in over)
        height = sum(page.height_mm for page in over)
        first = over[0].first_block
        loc = locations.get(first or "", ("body",))
        line, column = source.positions.of_key(loc)
        where = f"page {budget + 1} starts with {first}" if first else f"page {budget + 1} holds"
        if not first:
            where += " only the credits"
        problems.append(
            Finding(
                shown,
                line,
                column,
                first or "",
                f"the {variant} PDF runs {lines} lines ({height:.0f} mm) over its budget of"
                f" {budget} page{'s' if budget > 1 else ''}: {where}; shorten the text or"
                " raise page_budget",
                page=budget + 1,
                **told,
            )
        )
    for page in fill[:budget]:
        if page.filled < HALF:
            problems.append(
                Finding(
                    shown,
                    message=f"page {page.number} of the {variant} PDF is only"
                    f" {page.filled:.0%} filled",
                    page=page.number,
                    **told,
                )
            )
    return problems
