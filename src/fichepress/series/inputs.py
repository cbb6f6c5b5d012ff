"""What shapes each output, as a digest: an output whose inputs have not changed is up to date.

Staleness is decided by content, never by timestamps: the sheet's file, the series file and its
logos, every file of the theme and of the themes it extends (settings, CSS, templates,
pictures), the fonts it names, and fichepress itself (its version, the files of the installed
package, the ICC profile among them, and the versions of the libraries that make the PDFs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from fichepress.core.media import nested_files
from fichepress.core.project import Project
from fichepress.html.themes import Theme
from fichepress.series.stamp import code_digest, files_digest
from fichepress.source.model import Series


def _theme_files(theme: Theme, project: Project) -> list[Path]:
    files: list[Path] = []
    for folder in theme.chain:
        files += [p for p in folder.folder.rglob("*") if p.is_file()]
    files += [project.fonts / face.file for face in theme.config.fonts]
    return files


def common_digest(project: Project, series: Series, theme: Theme) -> str:
    """What every output of the series shares: the series file and its logos, the theme."""
    logos = [series.publisher.logo]
    if series.funders:
        logos += [funder.logo for funder in series.funders.organisations]
    files = [project.series_file, *(project.sheets / logo for logo in logos)]
    # The pictures an SVG logo names are drawn with it: a new one makes new PDFs.
    files += [
        nested
        for logo in logos
        if logo.lower().endswith(".svg")
        for nested in nested_files((project.sheets / logo).resolve(), project.readable)
    ]
    files += _theme_files(theme, project)
    return files_digest(files, project.root)


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
