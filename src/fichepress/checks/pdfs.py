"""Checking a PDF file from outside a build: which rules it is meant for, its findings, JSON.

Above both rule sets (print and accessible), so that neither imports the other.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Literal

import pikepdf

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.checks.ua_source import Source
from fichepress.core.findings import Finding


def profile_of(data: bytes) -> Literal["print", "accessible"]:
    """Which rules a PDF is meant for: accessible if it claims PDF/UA, print otherwise."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Metadata" not in pdf.Root:
            return "print"
        xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        return "accessible" if xmp.get("pdfuaid:part") else "print"


def check_file(path: Path, profile: str = "auto", source: Source | None = None) -> list[Finding]:
    """The findings for a PDF file (print or accessible rules; `auto` reads its claims);
    an unreadable file is one finding. An accessible PDF is also checked for contrast as
    painted, and against `source` (what it must read as) when given."""
    try:
        data = path.read_bytes()
        chosen = profile_of(data) if profile == "auto" else profile
    except (OSError, pikepdf.PdfError) as error:
        # pikepdf names the in-memory stream it read: the file is named by the caller
        said = re.sub(r"^(?:stream )?<[^>]*>:?\s*", "", str(error))
        return [
            Finding(page=0, rule="FILE", severity="error", message=f"not a readable PDF: {said}")
        ]
    if chosen == "accessible":
        return check_accessible(data, source=source, contrast=True)
    return check_print(data)


def as_json(results: dict[str, list[Finding]]) -> str:
    """Findings of several files for machines."""
    return json.dumps(
        {
            "files": [
                {
                    "file": file,
                    "errors": sum(f.severity == "error" for f in findings),
                    "warnings": sum(f.severity == "warning" for f in findings),
                    "findings": [asdict(finding) for finding in findings],
                }
                for file, findings in results.items()
            ]
        },
        indent=2,
        ensure_ascii=False,
    )
