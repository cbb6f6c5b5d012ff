"""Find a theme in `styles/`, read its swatches, and give each variant its stylesheets.

A theme is a folder `styles/<name>/` holding `theme.yaml` (its swatches: each colour once, as
CMYK for print and RGB for screens), `theme.css`, and optionally `print.css` and
`accessible.css`. The CSS names colours only through the swatches, as `var(--name)`; a colour
written in the CSS would print as RGB or differ between variants, so it is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tinycss2
import tinycss2.color4

from fichepress.colour import CMYK, css_cmyk
from fichepress.errors import InvalidSource, Problem
from fichepress.load import did_you_mean, read_yaml, validate
from fichepress.model import ThemeConfig
from fichepress.project import Project
from fichepress.render import VARIANTS, Variant

THEME_FILE = "theme.yaml"


@dataclass(frozen=True)
class Theme:
    """A theme folder and its settings."""

    name: str
    folder: Path
    config: ThemeConfig

    def stylesheets(self, variant: Variant, *, collection: bool = False) -> list[Path]:
        """The theme's CSS files for a variant (and for the collection), in cascade order."""
        names = ["theme.css", f"{variant}.css", *(["collection.css"] if collection else [])]
        return [
            self.folder / name
            for name in names
            if name == "theme.css" or (self.folder / name).is_file()
        ]

    def swatch_css(self, variant: Variant) -> str:
        """CSS custom properties for the swatches: CMYK in print, RGB on screens."""
        values = {
            name: css_cmyk(self.cmyk(name)) if variant == "print" else swatch.rgb
            for name, swatch in self.config.swatches.items()
        }
        return ":root { " + " ".join(f"--{name}: {value};" for name, value in values.items()) + " }"

    def cmyk(self, name: str) -> CMYK:
        """A swatch's CMYK value, as fractions from 0 to 1."""
        c, m, y, k = (value / 100 for value in self.config.swatches[name].cmyk)
        return (c, m, y, k)

    def rgb_to_swatch(self) -> dict[tuple[int, int, int], CMYK]:
        """Each swatch's RGB value mapped to its CMYK value, to print logos in brand colours."""
        return {swatch.rgb_tuple: self.cmyk(name) for name, swatch in self.config.swatches.items()}


_NOT_COLOURS = {"transparent", "currentcolor", "inherit", "initial", "unset", "none"}


def _colour_literals(tokens: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    found = []
    for token in tokens:
        if token.type == "function" and token.lower_name != "var":
            if token.lower_name == "device-cmyk" or tinycss2.color4.parse_color(token) is not None:
                found.append(token)
            else:
                found.extend(_colour_literals(token.arguments))
        elif (
            token.type == "hash"
            or (token.type == "ident" and token.lower_value not in _NOT_COLOURS)
        ) and tinycss2.color4.parse_color(token) is not None:
            found.append(token)
    return found


def _declarations(path: Path) -> list[tinycss2.ast.Declaration]:
    """Every declaration of a stylesheet, inside rules and at-rules at any depth."""
    found: list[tinycss2.ast.Declaration] = []

    def walk(content: list[tinycss2.ast.Node]) -> None:
        for item in tinycss2.parse_blocks_contents(
            content, skip_comments=True, skip_whitespace=True
        ):
            if item.type == "declaration":
                found.append(item)
            elif item.type in ("qualified-rule", "at-rule") and item.content:
                walk(item.content)

    for rule in tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True):
        if rule.type in ("qualified-rule", "at-rule") and rule.content:
            walk(rule.content)
    return found


def _var_names(tokens: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    names: list[tinycss2.ast.Node] = []
    for token in tokens:
        if token.type == "function":
            if token.lower_name == "var":
                names.extend(t for t in token.arguments if t.type == "ident")
            names.extend(_var_names(token.arguments))
    return names


def css_problems(stylesheets: list[tuple[Path, str]], defined: set[str]) -> list[Problem]:
    """Colours written in the CSS instead of taken from the swatches, and undefined var()s.

    `stylesheets` pairs each file with its name as shown; `defined` holds the custom properties
    fichepress defines (the swatches, `--bleed`).
    """
    problems = []
    parsed = [(shown, _declarations(path)) for path, shown in stylesheets]
    names = set(defined)
    for _, declarations in parsed:
        names |= {d.name for d in declarations if d.name.startswith("--")}
    for shown, declarations in parsed:
        for item in declarations:
            for token in _colour_literals(item.value):
                problems.append(
                    Problem(
                        shown,
                        token.source_line,
                        token.source_column,
                        item.name,
                        f'the colour "{tinycss2.serialize([token])}" is written in the CSS:'
                        " define it once as a swatch in theme.yaml and use var(--name)",
                    )
                )
            for token in _var_names(item.value):
                if token.value not in names:
                    hint = did_you_mean(token.value, sorted(names))
                    problems.append(
                        Problem(
                            shown,
                            token.source_line,
                            token.source_column,
                            item.name,
                            f"var({token.value}) is not defined: no swatch or custom property of"
                            f" that name{hint}",
                        )
                    )
    return problems


def load_theme(project: Project, name: str) -> Theme:
    """Read and check the theme called `name`: its settings and the colours of its CSS."""
    folder = project.styles / name
    settings = folder / THEME_FILE
    shown = project.display(settings)
    if not settings.is_file():
        raise InvalidSource(
            [Problem(shown, message="not found: a theme lists its colours (swatches) in it")]
        )
    data, positions = read_yaml(settings, shown)
    config = validate(ThemeConfig, data, positions, shown)
    theme = Theme(name, folder, config)
    defined = {f"--{swatch}" for swatch in config.swatches} | {"--bleed"}
    problems = []
    for variant in VARIANTS:
        stylesheets = [
            (css, project.display(css)) for css in theme.stylesheets(variant, collection=True)
        ]
        problems += [p for p in css_problems(stylesheets, defined) if p not in problems]
    if problems:
        raise InvalidSource(problems)
    return theme


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
