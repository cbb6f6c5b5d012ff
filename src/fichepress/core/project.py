"""Where a fichepress project keeps its files, and which of them a build may read; and where
the themes and fonts installed with fichepress are, and how messages name their files.

A theme is found by name: first in the project's `styles/<name>/`, then among the themes
installed with fichepress (`fichepress:styles/<name>/`, with their fonts in
`fichepress:fonts/`). They are part of fichepress, as its templates are: a build reads them,
and a new version of fichepress improves them in every project that has not copied them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fichepress.core.errors import FichepressError

SERIES_FILE = "series.yaml"
THEME_FILE = "theme.yaml"
INSTALLED = "fichepress:"
"""How messages name a file installed with fichepress: `fichepress:styles/fiches/theme.css`."""
DEFAULT_THEME = "fiches"


@lru_cache(maxsize=1)
def _located() -> Path | None:
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "skeleton", package.parent.parent):
        if (folder / "styles" / DEFAULT_THEME / THEME_FILE).is_file():
            return folder
    return None


def installed_folder() -> Path | None:
    """The folder holding the themes (`styles/`) and fonts (`fonts/`) installed with
    fichepress: `fichepress/skeleton/` in the installed package (a wheel carries them there,
    see tools/build_backend.py), or the repository of a clone or an editable install; None
    when neither holds the default theme."""
    return _located()


def installed_roots() -> tuple[Path, ...]:
    """The folders of the installed themes and fonts, which a build may read (resolved)."""
    folder = installed_folder()
    if folder is None:
        return ()
    return (folder / "styles", folder / "fonts")


def installed_name(path: Path) -> str | None:
    """How messages name `path`, a file installed with fichepress (`fichepress:styles/…`);
    None when it is not one."""
    folder = installed_folder()
    if folder is None:
        return None
    try:
        where = Path(os.path.normpath(path.absolute()))
    except (OSError, ValueError):
        return None
    for root in installed_roots():
        if where.is_relative_to(root):
            return INSTALLED + where.relative_to(folder).as_posix()
    return None


def installed_themes() -> dict[str, Path]:
    """The themes installed with fichepress, by name: their folders."""
    folder = installed_folder()
    if folder is None:
        return {}
    return {
        path.parent.name: path.parent
        for path in sorted((folder / "styles").glob(f"*/{THEME_FILE}"))
        if path.is_file()
    }


@dataclass(frozen=True)
class Project:
    """A series project: `sheets/`, `styles/` and `fonts/` under one root folder."""

    root: Path

    @property
    def sheets(self) -> Path:
        return self.root / "sheets"

    @property
    def styles(self) -> Path:
        return self.root / "styles"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"

    @property
    def series_file(self) -> Path:
        return self.sheets / SERIES_FILE

    @property
    def readable(self) -> tuple[Path, ...]:
        """The only folders a build may read from."""
        return (self.sheets, self.styles, self.fonts)

    def project_themes(self) -> dict[str, Path]:
        """The project's own themes, by name: the folders of `styles/` with a theme.yaml."""
        return {
            path.parent.name: path.parent
            for path in sorted(self.styles.glob(f"*/{THEME_FILE}"))
            if os.path.lexists(path)
        }

    def theme_folder(self, name: str) -> Path | None:
        """Where the theme `name` is: the project's `styles/<name>/` when there is such a
        folder (an ejected copy of an installed theme wins, and one that lacks its theme.yaml
        is told), else the installed theme of that name; None when neither."""
        own = self.styles / name
        if os.path.lexists(own / THEME_FILE) or os.path.lexists(own):
            return own
        return installed_themes().get(name)

    def fonts_of(self, folder: Path) -> Path:
        """The fonts folder the theme in `folder` names its font files in: the installed
        fonts for an installed theme, the project's `fonts/` for the project's own."""
        roots = installed_roots()
        if roots and Path(os.path.normpath(folder.absolute())).is_relative_to(roots[0]):
            return roots[1]
        return self.fonts

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project when it is inside, as
        `fichepress:styles/…` when it is installed with fichepress. A link is shown where it
        is, not where it leads (which may be missing, or outside)."""
        if path.is_symlink() and path.name not in ("", ".", ".."):
            try:
                return str((path.parent.resolve() / path.name).relative_to(self.root))
            except (ValueError, OSError, RuntimeError):
                pass
        try:
            return str(path.resolve().relative_to(self.root))
        except (ValueError, OSError, RuntimeError):  # outside, or a loop of links
            pass
        try:  # in a folder that links elsewhere: shown where it is named
            return str(Path(os.path.normpath(path.absolute())).relative_to(self.root))
        except ValueError:
            pass
        try:
            return str((path.parent.resolve() / path.name).relative_to(self.root))
        except (ValueError, OSError, RuntimeError):
            return installed_name(path) or str(path)

    def sheet_files(self) -> list[Path]:
        """Every sheet source of the series, in file name order."""
        return sorted(
            path
            for path in self.sheets.glob("*.yaml")
            if path.name != SERIES_FILE and not path.name.startswith(".")
        )

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The project holding `start` (default: the current folder), found like git finds .git."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "sheets" / SERIES_FILE).is_file():
                return cls(folder)
        raise FichepressError(
            f"no fichepress project here: no sheets/{SERIES_FILE} in {here} or above it"
        )

    @classmethod
    def at(cls, root: Path) -> Project:
        """The project at `root`, which must hold sheets/series.yaml."""
        root = root.resolve()
        if not (root / "sheets" / SERIES_FILE).is_file():
            raise FichepressError(f"{root} is not a fichepress project: no sheets/{SERIES_FILE}")
        return cls(root)
