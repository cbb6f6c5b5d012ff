"""What a check finds wrong with a PDF: one record, from the rules to every report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong with a PDF."""

    page: int
    """1-based page number, 0 for the whole document."""
    rule: str
    severity: Severity
    what: str
    where: str = ""

    def line(self, file: str) -> str:
        """`file: error COLOUR page 2: what (where)`"""
        page = f" page {self.page}" if self.page else ""
        where = f" ({self.where})" if self.where else ""
        return f"{file}: {self.severity} {self.rule}{page}: {self.what}{where}"
