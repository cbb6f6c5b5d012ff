"""Find a theme in `styles/` and the stylesheets it gives each variant."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tinycss2

from fichepress.project import Project
from fichepress.render import Variant


@dataclass(frozen=True)
class Theme:
    """A folder `styles/<name>/`: `theme.css`, and `print.css` / `accessible.css` for a variant."""

    name: str
    folder: Path

    def stylesheets(self, variant: Variant) -> list[Path]:
        """The theme's CSS files for a variant, in cascade order."""
        sheets = [self.folder / "theme.css"]
        extra = self.folder / f"{variant}.css"
        if extra.is_file():
            sheets.append(extra)
        return sheets


def find_theme(project: Project, name: str) -> Theme:
    """The theme called `name`; `load_series` has checked that it exists."""
    return Theme(name, project.styles / name)


def declared_font_families(stylesheets: list[Path]) -> set[str]:
    """The font families that `@font-face` rules of the stylesheets declare."""
    families = set()
    for path in stylesheets:
        rules = tinycss2.parse_stylesheet(
            path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
        )
        for rule in rules:
            if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or not rule.content:
                continue
            for declaration in tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True
            ):
                if declaration.type == "declaration" and declaration.lower_name == "font-family":
                    value = tinycss2.serialize(declaration.value).strip().strip("\"'")
                    families.add(value)
    return families
