"""Where a fichepress project keeps its files, and which of them a build may read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fichepress.core.errors import FichepressError

SERIES_FILE = "series.yaml"


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

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the project when it is inside. A link is
        shown where it is, not where it leads (which may be missing, or outside)."""
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
            return str(path)

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
