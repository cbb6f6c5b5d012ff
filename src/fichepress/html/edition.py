"""An edition: a series as one run reads it (its project, series file, theme chain, sheets and
logos), loaded once and handed to the builder, the collection, `check`, watch and the workers.

Also what every output of the edition shares, as a digest (`common_digest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from fichepress.core.digests import files_digest
from fichepress.core.errors import Problem
from fichepress.core.media import nested_files
from fichepress.core.project import Project
from fichepress.html.render import logo_urls
from fichepress.html.themes import Theme, load_theme
from fichepress.source.load import SheetSource, load_each, read_series, select_sheets
from fichepress.source.model import Series
from fichepress.source.yamlfile import Positions


@dataclass
class Edition:
    """The sources of one run, each loaded once; its series and theme are sent once to each
    worker process."""

    project: Project
    series: Series
    series_positions: Positions
    """Where each value of the series file stands."""
    theme: Theme
    """The theme, with the chain of themes it extends."""
    paths: list[Path]
    """The sheet files of the edition, as asked for."""
    sheets: list[SheetSource]
    """The valid sheets of `paths`, in number order."""
    problems: list[Problem]
    """The problems of the others: an invalid sheet is not in `sheets`."""
    loaded: dict[Path, SheetSource | list[Problem]]
    """What each sheet file loaded gave, on its own (`select` and `with_sheets` reuse it)."""
    logos: dict[str, str]
    """Each logo path of the series file, to its file's URL."""

    @cached_property
    def common(self) -> str:
        """What every output of the edition shares, as a digest (`common_digest`): a build
        needs it to tell what is up to date, `check` does not."""
        return common_digest(self.project, self.series, self.theme)

    def select(self, paths: Sequence[Path]) -> Edition:
        """The same series and theme with the sheets of `paths` (two of them with the same
        number both refused): those of this edition kept as loaded, the others loaded now."""
        missing = [path for path in dict.fromkeys(paths) if path not in self.loaded]
        loaded = {**self.loaded, **load_each(self.project, missing)}
        sheets, problems = select_sheets(self.project, loaded, paths)
        return self._with(
            paths=list(paths),
            sheets=sorted(sheets, key=lambda s: s.sheet.number),
            problems=problems,
            loaded=loaded,
        )

    def with_sheets(self, changed: Sequence[Path]) -> Edition:
        """The same series and theme with the series' sheet files as they are now: the files
        `changed` loaded again, the others kept as this edition loaded them."""
        again = {path.resolve() for path in changed}
        kept = {path: found for path, found in self.loaded.items() if path.resolve() not in again}
        return self._with(loaded=kept).select(self.project.sheet_files())

    def without_sheets(self) -> Edition:
        """The series and the theme alone: what a worker process is sent once (each of its
        tasks carries the sheets it needs)."""
        return self._with(paths=[], sheets=[], problems=[], loaded={})

    def _with(self, **changes: Any) -> Edition:
        """A copy with `changes` to its sheets: the same series and theme, and so the same
        `common` digest, kept if computed."""
        copy = replace(self, **changes)
        if "common" in vars(self):
            vars(copy)["common"] = self.common
        return copy


def load_edition(project: Project, paths: Sequence[Path] | None = None) -> Edition:
    """Load the series file, its theme and the sheets of `paths` (default: every sheet of the
    series). An invalid series file or theme raises `InvalidSource`; an invalid sheet is
    left out, with its problems in the edition's."""
    series, positions = read_series(project)
    theme = load_theme(project, series.theme)
    paths = list(paths) if paths is not None else project.sheet_files()
    loaded = load_each(project, paths)
    sheets, problems = select_sheets(project, loaded, paths)
    return Edition(
        project=project,
        series=series,
        series_positions=positions,
        theme=theme,
        paths=paths,
        sheets=sorted(sheets, key=lambda s: s.sheet.number),
        problems=problems,
        loaded=loaded,
        logos=logo_urls(series, project.sheets),
    )


def _theme_files(theme: Theme, project: Project) -> list[Path]:
    files: list[Path] = []
    for folder in theme.chain:
        files += [p for p in folder.folder.rglob("*") if p.is_file()]
    files += [theme.font_path(face) for face in theme.config.fonts]
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
