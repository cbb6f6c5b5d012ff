"""What a build did: the outputs it wrote, the problems and warnings per source, what it left
up to date; and the callback that follows its progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fichepress.core.errors import Problem
from fichepress.core.findings import Finding
from fichepress.core.variants import VariantName


@dataclass(frozen=True)
class Output:
    """One PDF written by the build, as listed in `build/manifest.json`."""

    variant: VariantName
    sheet: str
    source: str
    path: str
    pages: int
    sha256: str
    inputs: str = ""
    """Digest of everything that shaped it (see inputs.py): equal digests, same PDF."""
    warnings: tuple[Finding, ...] = ()
    """What its build warned about, told again while it stays up to date."""
    parts: tuple[str, ...] = ()
    """For the collection: the digests of the parts it was joined from (kept for reuse)."""


@dataclass
class Report:
    """What a build did: outputs written, problems per source, warnings."""

    outputs: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    """Sources (as shown) whose outputs were not all written."""
    sheets: int = 0
    up_to_date: int = 0
    """Outputs that did not need building."""
    kept: list[Output] = field(default_factory=list)
    """Those outputs, as the manifest lists them."""

    def merge(self, other: Report) -> None:
        """Add what another build (a worker's) did."""
        self.outputs += other.outputs
        self.problems += other.problems
        self.warnings += other.warnings
        self.failed |= other.failed
        self.up_to_date += other.up_to_date
        self.kept += other.kept

    @property
    def ok(self) -> bool:
        return not self.problems


Progress = Callable[[int, int, str], None]
"""(done, total, what is being built): for a progress bar."""
