"""Web addresses on paper: a QR code to scan and a short form to read.

The QR code is drawn as one vector path in black ink only (`device-cmyk(0 0 0 1)`), at least
14 mm wide with its quiet zone of 4 modules around it, so that a phone reads it from a printed
sheet. The code itself comes from `segno`, a well-kept library that follows ISO/IEC 18004.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import jinja2
import segno
from markupsafe import Markup, escape

from fichepress.source.model import qr_capacity_problem

SYMBOL_MM = 14.0
"""Width of the symbol itself, quiet zone excluded: above the 12 mm a phone needs at a
reading distance."""
QUIET_ZONE = 4
"""Modules of blank paper around the symbol (ISO/IEC 18004)."""
SHORT_URL = 48


@lru_cache(maxsize=256)
def qr_svg(url: str) -> Markup:
    """An inline SVG of the QR code of `url`, in black ink, with its quiet zone. A text too
    long for any QR code (sheets' addresses are refused before; a theme's template may hold
    another) is a template error, told at the template's line."""
    problem = qr_capacity_problem(str(url))
    if problem:
        raise jinja2.TemplateRuntimeError(f"the text given to the qr filter {problem}")
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    modules = len(matrix)
    total = modules + 2 * QUIET_ZONE
    width_mm = SYMBOL_MM * total / modules
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < modules:
            if row[x]:
                start = x
                while x < modules and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {total} {total}"'
        f' width="{width_mm:.2f}mm" height="{width_mm:.2f}mm">'
        f'<path fill="device-cmyk(0 0 0 1)" d="{"".join(runs)}"/></svg>'
    )


def short_url(url: str) -> Markup:
    """The address as a reader types it: no scheme, no `www.`, no final slash, not too long."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    text = host + path + (f"?{parts.query}" if parts.query else "")
    if len(text) > SHORT_URL:
        segments = [s for s in path.split("/") if s]
        text = f"{host}/…/{segments[-1]}" if segments else host
        if len(text) > SHORT_URL:
            text = text[: SHORT_URL - 1] + "…"
    return escape(text)
