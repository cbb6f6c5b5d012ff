"""Checking a PDF file from outside a build: which rules it is meant for, its findings.

Above both rule sets (print and accessible), so that neither imports the other.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pikepdf

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.checks.ua_source import Source
from fichepress.core.findings import Finding


def profile_of(data: bytes) -> tuple[Literal["print", "accessible"], int]:
    """Which rules a PDF is meant for (accessible if it claims PDF/UA, print otherwise), and
    its number of pages."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        if "/Metadata" not in pdf.Root:
            return "print", pages
        xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        return ("accessible" if xmp.get("pdfuaid:part") else "print"), pages


@dataclass(frozen=True)
class Checked:
    """A PDF file checked: the rules applied ("" when it could not be read), its pages, and
    what they found (at no file: the caller names it)."""

    profile: str
    pages: int
    findings: list[Finding]


def check_file(path: Path, profile: str = "auto", source: Source | None = None) -> Checked:
    """The findings for a PDF file (print or accessible rules; `auto` reads its claims);
    an unreadable file is one finding. An accessible PDF is also checked for contrast as
    painted, and against `source` (what it must read as) when given."""
    try:
        data = path.read_bytes()
        claimed, pages = profile_of(data)
    except (OSError, pikepdf.PdfError) as error:
        # pikepdf names the in-memory stream it read: the file is named by the caller
        said = re.sub(r"^(?:stream )?<[^>]*>:?\s*", "", str(error))
        unread = Finding(rule="FILE", severity="error", message=f"not a readable PDF: {said}")
        return Checked("", 0, [unread])
    chosen = claimed if profile == "auto" else profile
    if chosen == "accessible":
        return Checked(chosen, pages, check_accessible(data, source=source, contrast=True))
    return Checked(chosen, pages, check_print(data))
