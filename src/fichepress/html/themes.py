"""Themes: a folder `styles/<name>/` that decides how a series looks, and may extend another.

A theme is found by name: the project's `styles/<name>/` first, then the themes installed with
fichepress (`fiches`, `sobre`), which a project uses and extends without copying them, so that a
new fichepress improves them (`fichepress themes eject` copies one into the project). Each
theme's font files are found in its own fonts folder: the project's `fonts/` for the
project's themes, the installed fonts for an installed theme.

A theme holds `theme.yaml` (its swatches: each colour once, as CMYK for print and RGB for
screens; its fonts; its page; its pictures; `extends`), CSS files (`theme.css`, and `print.css`,
`accessible.css`, `collection.css` for one variant or the collection) and may hold
`templates/` overriding fichepress' templates. A theme that extends another inherits all of
it: settings are merged (what the child names wins), the parent's CSS comes first in the
cascade, and its templates are found when the child has none of that name (a child template
may also extend the parent's: `{% extends "parent:_article.html.j2" %}`).

The CSS names colours only through the swatches, as `var(--name)`; a colour written in the CSS
would print as RGB or differ between variants, so it is an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes

from fichepress.core.colour import CMYK, css_cmyk
from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.media import (
    FONT_SUFFIXES,
    font_flaw,
    picture_problems,
)
from fichepress.core.project import THEME_FILE, Project, installed_themes
from fichepress.core.reading import (
    Unreadable,
    read_inside,
    refusal,
    roots_of,
)
from fichepress.core.variants import VARIANTS, VariantName
from fichepress.html.loader import ProjectLoader, TemplateRefused
from fichepress.html.render import Look, make_environment, template_problem
from fichepress.html.themecss import theme_css_problems
from fichepress.source.load import did_you_mean, file_problem, validate
from fichepress.source.model import FontFace, LayoutLimits, Margins, PageSettings, ThemeConfig
from fichepress.source.yamlfile import Positions, read_yaml

PICTURE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
MAX_CHAIN = 8


@dataclass(frozen=True)
class ThemeFolder:
    """One theme of a chain: its folder and its own settings."""

    name: str
    folder: Path
    config: ThemeConfig
    positions: Positions
    fonts: Path
    """The folder its font files are named in (the project's `fonts/`, or the installed
    fonts for an installed theme)."""


def _merge(chain: list[ThemeFolder]) -> ThemeConfig:
    """The settings of a chain (root first): each theme overrides what it names."""
    swatches: dict[str, object] = {}
    fonts: dict[tuple[str, int, str], FontFace] = {}
    logos: dict[str, str] = {}
    page: dict[str, object] = {}
    margins: dict[str, object] = {}
    limits: dict[str, object] = {}
    description = None
    for theme in chain:
        config = theme.config
        swatches.update(config.swatches)
        for face in config.fonts:
            fonts[(face.family, face.weight, face.style)] = face
        logos.update(
            {name: (theme.folder / file).as_posix() for name, file in config.logos.items()}
        )
        page.update(config.page.model_dump(exclude_unset=True, exclude={"margins"}))
        margins.update(config.page.margins.model_dump(exclude_none=True))
        limits.update(config.limits.model_dump(exclude_none=True))
        description = config.description or description
    display_name = chain[-1].config.name  # a name is the theme's own, never inherited
    return ThemeConfig.model_validate(
        {
            "name": display_name,
            "description": description,
            "swatches": swatches,
            "fonts": list(fonts.values()),
            "logos": logos,
            "page": PageSettings.model_validate({**page, "margins": Margins(**margins)}),
            "limits": LayoutLimits(**limits),
        }
    )


@dataclass(frozen=True)
class Theme:
    """A theme with what it inherits: the chain of folders, child first, and merged settings."""

    name: str
    chain: tuple[ThemeFolder, ...]
    """The theme, then the theme it extends, and so on."""
    config: ThemeConfig
    project: Project

    @property
    def folder(self) -> Path:
        return self.chain[0].folder

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process is sent: the templates' environment, once made, cannot be
        pickled; it is made again where it is used."""
        state = dict(vars(self))
        state.pop("environment", None)
        return state

    def stylesheets(self, variant: VariantName, *, collection: bool = False) -> list[Path]:
        """The CSS files for a variant (and for the collection): the root theme's first."""
        own = f"{VARIANTS[variant].css_name}.css"
        names = ["theme.css", own, *(["collection.css"] if collection else [])]
        return [
            theme.folder / name
            for name in names
            for theme in reversed(self.chain)
            if os.path.lexists(theme.folder / name)  # a pipe or a link to nothing is told
        ]

    def head_css(self, variant: VariantName) -> str:
        """The CSS fichepress writes for the theme: @font-face rules, the swatches as custom
        properties (CMYK in print, RGB on screens), the margins."""
        faces = " ".join(
            f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight};'
            f" font-style: {face.style}; src: url({self.font_url(face)}); }}"
            for face in self.config.fonts
        )
        values = {
            name: css_cmyk(self.cmyk(name)) if VARIANTS[variant].cmyk else swatch.rgb
            for name, swatch in self.config.swatches.items()
        }
        margins = self.config.page.margins
        values |= {
            f"page-margin-{side}": length
            for side, length in (
                ("top", margins.top),
                ("bottom", margins.bottom),
                ("sides", margins.sides),
            )
            if length
        }
        properties = " ".join(f"--{name}: {value};" for name, value in values.items())
        page = ""
        if margins.top or margins.bottom or margins.sides:
            top = "var(--page-margin-top)" if margins.top else "auto"
            sides = "var(--page-margin-sides)" if margins.sides else "auto"
            bottom = "var(--page-margin-bottom)" if margins.bottom else "auto"
            page = f" @page {{ margin: {top} {sides} {bottom}; }}"
        return f"{faces} :root {{ {properties} }}{page}"

    def font_path(self, face: FontFace) -> Path:
        """The file of `face`, in the fonts folder of the theme of the chain that names it
        (the nearest to this theme)."""
        key = (face.family, face.weight, face.style)
        for theme in self.chain:
            if any((f.family, f.weight, f.style) == key for f in theme.config.fonts):
                return theme.fonts / face.file
        return self.project.fonts / face.file

    def font_url(self, face: FontFace) -> str:
        return self.font_path(face).resolve().as_uri()

    @property
    def families(self) -> set[str]:
        """The font families the theme declares: the only ones a PDF may hold."""
        return {face.family for face in self.config.fonts}

    def cmyk(self, name: str) -> CMYK:
        """A swatch's CMYK value, as fractions from 0 to 1."""
        c, m, y, k = (value / 100 for value in self.config.swatches[name].cmyk)
        return (c, m, y, k)

    def rgb_to_swatch(self) -> dict[tuple[int, int, int], CMYK]:
        """Each swatch's RGB value mapped to its CMYK value, to print logos in brand colours."""
        return {swatch.rgb_tuple: self.cmyk(name) for name, swatch in self.config.swatches.items()}

    def swatch_names(self) -> dict[tuple[int, int, int], str]:
        """Each swatch's RGB value and its name, to name colours in messages."""
        return {swatch.rgb_tuple: name for name, swatch in self.config.swatches.items()}

    @cached_property
    def environment(self) -> jinja2.Environment:
        """Templates: the theme's, then its parents', then fichepress' own; each theme of the
        chain is also a prefix (`fiches:_article.html.j2`: that theme's version, or what it
        inherits), as is `fichepress:`, so that a template can extend the one it hides."""

        roots = roots_of(self.project.root)

        def loaders(chain: tuple[ThemeFolder, ...]) -> list[jinja2.BaseLoader]:
            return [
                ProjectLoader(t.folder / "templates", roots)
                for t in chain
                if (t.folder / "templates").is_dir()
            ]

        packaged = jinja2.PackageLoader("fichepress", "templates")
        prefixed: dict[str, jinja2.BaseLoader] = {
            theme.name: jinja2.ChoiceLoader([*loaders(self.chain[index:]), packaged])
            for index, theme in enumerate(self.chain)
        }
        return make_environment(loaders(self.chain), prefixed)

    def look(self, variant: VariantName, *, collection: bool = False) -> Look:
        """What the renderer needs of the theme for a variant."""
        return Look(
            environment=self.environment,
            stylesheets=[
                p.resolve().as_uri() for p in self.stylesheets(variant, collection=collection)
            ],
            head_css=self.head_css(variant),
            page_size=self.config.page.size,
            logos={name: Path(path).resolve().as_uri() for name, path in self.config.logos.items()},
        )


def _read(project: Project, name: str) -> ThemeFolder:
    folder = project.theme_folder(name) or project.styles / name
    fonts = project.fonts_of(folder)
    settings = folder / THEME_FILE
    shown = project.display(settings)
    if not os.path.lexists(settings):
        message = "not found: a theme lists its colours (swatches) in it"
        if name in installed_themes() and folder == project.styles / name:
            message += f"; or remove styles/{name}/ to use the theme installed with fichepress"
        raise InvalidSource([Problem(shown, message=message)])
    data, positions = read_yaml(settings, shown, roots_of(project.root))
    config = validate(ThemeConfig, data, positions, shown)
    problems = []
    for index, face in enumerate(config.fonts):
        problem = file_problem(face.file, fonts, fonts, FONT_SUFFIXES, project)
        problem = problem or font_flaw((fonts / face.file).resolve())
        if problem:
            line, column = positions.of_value(("fonts", index, "file"))
            problems.append(Problem(shown, line, column, f"fonts[{index}].file", problem))
    for logo, file in config.logos.items():
        problem = file_problem(file, folder, folder, PICTURE_SUFFIXES, project)
        line, column = positions.of_value(("logos", logo))
        reference = Problem(shown, line, column, f"logos.{logo}")
        if problem:
            problems.append(replace(reference, message=problem))
        else:
            found = picture_problems((folder / file).resolve(), project, reference)
            problems += [p for p in found if p not in problems]
    if problems:
        raise InvalidSource(problems)
    return ThemeFolder(name, folder, config, positions, fonts)


def known_themes(project: Project) -> list[str]:
    """The themes a project may name: its own (folders of `styles/` with a theme.yaml) and
    those installed with fichepress."""
    return sorted({*project.project_themes(), *installed_themes()})


def load_theme(project: Project, name: str) -> Theme:
    """Read and check the theme called `name` and those it extends: settings, files, CSS."""
    chain = [_read(project, name)]
    while chain[-1].config.extends:
        parent = chain[-1].config.extends
        shown = project.display(chain[-1].folder / THEME_FILE)
        line, column = chain[-1].positions.of_value(("extends",))
        if parent in [t.name for t in chain] or len(chain) >= MAX_CHAIN:
            names = " → ".join([*(t.name for t in chain), parent])
            problem = (
                f"themes extend each other in a loop: {names}"
                if parent in [t.name for t in chain]
                else f"more than {MAX_CHAIN} themes extend one another: {names}"
            )
            raise InvalidSource([Problem(shown, line, column, "extends", problem)])
        if project.theme_folder(parent) is None:
            hint = did_you_mean(parent, known_themes(project))
            message = f'no theme "{parent}" in styles/ nor installed with fichepress{hint}'
            raise InvalidSource([Problem(shown, line, column, "extends", message)])
        chain.append(_read(project, parent))
    root = chain[-1]
    problems = []
    if not os.path.lexists(root.folder / "theme.css"):
        problems.append(
            Problem(
                project.display(root.folder / "theme.css"),
                message="not found: the theme that extends no other needs its theme.css",
            )
        )
    config = _merge(list(reversed(chain)))
    if not config.swatches:
        problems.append(
            Problem(
                project.display(chain[0].folder / THEME_FILE),
                message="the theme has no"
                " swatch, nor does any theme it extends: define its colours",
            )
        )
    theme = Theme(name, tuple(chain), config, project)
    defined = {f"--{swatch}" for swatch in config.swatches} | {"--bleed"}
    margins = config.page.margins.model_dump(exclude_none=True)
    defined |= {f"--page-margin-{side}" for side in margins}
    found: dict[Problem, None] = dict.fromkeys(problems)  # each problem once, in order
    for variant in VARIANTS:
        found.update(
            dict.fromkeys(
                theme_css_problems(theme.stylesheets(variant, collection=True), defined, project)
            )
        )
    problems = [*found, *template_syntax_problems(theme)]
    if problems:
        raise InvalidSource(problems)
    return theme


def _template_files(templates: Path) -> list[Path]:
    """The templates (`*.j2`) of a theme's `templates/`, at any depth; links to folders are
    not followed (a template reached through one is checked where it is named)."""
    found: list[Path] = []
    for folder, _, files in os.walk(templates):
        found += [Path(folder, name) for name in files if name.endswith(".j2")]
    return sorted(found)


_REFERENCES = (
    jinja2.nodes.Extends,
    jinja2.nodes.Include,
    jinja2.nodes.Import,
    jinja2.nodes.FromImport,
)
"""The statements that name another template."""


def _named(node: jinja2.nodes.Node) -> list[str]:
    """The template names an include, import or extends gives as constants."""
    template = getattr(node, "template", None)
    if isinstance(template, jinja2.nodes.Const) and isinstance(template.value, str):
        return [template.value]
    if isinstance(template, (jinja2.nodes.List, jinja2.nodes.Tuple)):
        return [
            item.value
            for item in template.items
            if isinstance(item, jinja2.nodes.Const) and isinstance(item.value, str)
        ]
    return []


def _column(text: str, line: int, name: str) -> int:
    """The column where `name` is written, quoted, on `line` of `text`; 0 when it is not."""
    rows = text.splitlines()
    row = rows[line - 1] if 0 < line <= len(rows) else ""
    for quote in ('"', "'"):
        at = row.find(f"{quote}{name}{quote}")
        if at >= 0:
            return at + 1
    return 0


def reference_problems(
    tree: jinja2.nodes.Template, text: str, shown: str, environment: jinja2.Environment
) -> list[Problem]:
    """The templates that `tree` names (include, import, extends) which may not be read:
    outside the project through a link, not regular files, unreadable; each at the line and
    column where it is named, whether or not a sheet's data leads there."""
    problems = []
    assert environment.loader is not None  # made with one (render.make_environment)
    for node in tree.find_all(_REFERENCES):
        for name in _named(node):
            try:
                environment.loader.get_source(environment, name)
            except TemplateRefused as refused:
                column = _column(text, node.lineno, name)
                problems.append(Problem(shown, node.lineno, column, message=str(refused)))
            except jinja2.TemplateNotFound:
                continue  # told by the rendering, if a sheet leads there
    return problems


def template_syntax_problems(theme: Theme) -> list[Problem]:
    """Every template of the chain's themes, read from the project only and compiled: a
    syntax error at its file and line, a template that may not be read at its file, and one
    it names that may not be read at the include, import or extends naming it."""
    project = theme.project
    roots = roots_of(project.root)
    problems: list[Problem] = []
    environment = theme.environment
    for folder in theme.chain:
        templates = folder.folder / "templates"
        if not os.path.lexists(templates):
            continue
        refused = refusal(templates, roots, folder=True)
        if refused:  # none of it is read
            problems.append(Problem(project.display(templates), message=refused))
            continue
        for path in _template_files(templates):
            shown = project.display(path)
            try:
                text = read_inside(path, roots).decode("utf-8")
            except Unreadable as error:
                problems.append(Problem(shown, message=error.reason))
                continue
            except UnicodeDecodeError:
                problems.append(Problem(shown, message="is not UTF-8 text: save it as UTF-8"))
                continue
            try:
                tree = environment.parse(text, path.name, str(path))
            except jinja2.TemplateSyntaxError as error:
                problems.append(template_problem(error, lambda p: project.display(Path(p))))
                continue
            problems += reference_problems(tree, text, shown, environment)
    return problems
