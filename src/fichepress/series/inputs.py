"""What shapes each output, as a digest: an output whose inputs have not changed is up to date.

Staleness is decided by content, never by timestamps: the sheet's file, the series file and its
logos, every file of the theme and of the themes it extends (settings, CSS, templates,
pictures), the fonts it names, and fichepress itself (its version, the files of the installed
package, the ICC profile among them, and the versions of the libraries that make the PDFs).
What every output of a series shares is its edition's digest (`html/edition.common_digest`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from fichepress.core.digests import files_digest
from fichepress.core.project import Project
from fichepress.series.stamp import code_digest


def output_digest(
    common: str, variant: str, sources: Iterable[Path], project: Project, date: str
) -> str:
    """The digest of one output: what all share, the variant, its sheets' files, and the date
    written in its metadata (today's, when the series sets none)."""
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update(common.encode())
    digest.update(variant.encode())
    digest.update(date.encode())
    digest.update(files_digest(sources, project.root).encode())
    return digest.hexdigest()
