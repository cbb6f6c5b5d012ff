"""Walk the content of a PDF page and tell what it paints: where, in which colour, with what.

`scan_page` runs the content-stream interpreter (`interpreter`) over a page, its forms, patterns
and annotation appearances, and returns what it found as a `Scan` (`paints`): each painting
operation with its bounding box in page space. Geometry is approximate where exactness costs much
(curves by their control points, glyphs by their advance and the font's ascent and descent),
which is what preflight checks need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pikepdf

from fichepress.pdf.colours import colour_space
from fichepress.pdf.fonts import FontMetrics
from fichepress.pdf.interpreter import Interpreter, State
from fichepress.pdf.paints import Scan


def scan_page(page: pikepdf.Page, metrics: dict[Any, FontMetrics] | None = None) -> Scan:
    """What `page` paints, its form XObjects and patterns included. `metrics` caches the fonts'
    metrics across the pages of one document (fonts are keyed by their object number)."""
    scan = Scan()
    x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    interpreter = Interpreter(scan, box, {} if metrics is None else metrics)
    group = page.obj.get("/Group")
    if group is not None and "/CS" in group:
        interpreter.colour_use(
            "Group", colour_space(group.CS, page.obj.get("/Resources")), (), "page group"
        )
    interpreter.run(page, page.obj.get("/Resources"), State(), "page")
    annotations: Any = page.obj.get("/Annots", [])
    for annotation in annotations:
        appearance = annotation.get("/AP", {}).get("/N")
        if isinstance(appearance, pikepdf.Stream):
            # An appearance is not page content: it needs no tags (PDF/UA tags the annotation
            # itself), but its colours still reach the press.
            interpreter.marked.append(("/Annotation", None))
            interpreter.run(appearance, appearance.get("/Resources"), State(), "annotation")
            interpreter.marked.pop()
    return scan


def iter_pages(pdf: pikepdf.Pdf) -> Iterator[tuple[int, pikepdf.Page, Scan]]:
    """Each page, 1-based number first, with its scan."""
    metrics: dict[Any, FontMetrics] = {}
    for number, page in enumerate(pdf.pages, start=1):
        yield number, page, scan_page(page, metrics)
