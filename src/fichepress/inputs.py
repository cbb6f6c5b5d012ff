"""What shapes each output, as a digest: an output whose inputs have not changed is up to date.

Staleness is decided by content, never by timestamps: the sheet's file, the series file and its
logos, every file of the theme and of the themes it extends (settings, CSS, templates,
pictures), the fonts it names, the ICC profile for print, and fichepress itself (its version
and the files of the installed package).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from fichepress import __version__
from fichepress.colour import profile_bytes
from fichepress.model import Series
from fichepress.project import Project
from fichepress.themes import Theme


@lru_cache(maxsize=4096)
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (read once per process while it does not change)."""
    info = path.stat()
    return _file_digest(path.resolve(), info.st_size, info.st_mtime_ns)


def _files_digest(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(set(paths)):
        digest.update(path.resolve().relative_to(root).as_posix().encode() + b"\0")
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """fichepress itself: its version and every file of the package (code, templates, data)."""
    package = Path(__file__).resolve().parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return hashlib.sha256((__version__ + _files_digest(files, package)).encode()).hexdigest()


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
    files += _theme_files(theme, project)
    return _files_digest(files, project.root)


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
    if variant == "print":
        digest.update(hashlib.sha256(profile_bytes()).hexdigest().encode())
    digest.update(_files_digest(sources, project.root).encode())
    return digest.hexdigest()
