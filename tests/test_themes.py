"""Themes: colours defined once as swatches, CSS that only uses them, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fichepress.errors import InvalidSource
from fichepress.project import Project
from fichepress.themes import load_theme


def theme_problems(project: Project) -> list[str]:
    with pytest.raises(InvalidSource) as caught:
        load_theme(project, "fiches")
    return [str(problem) for problem in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_theme_loads_and_gives_each_variant_its_colours(project: Project) -> None:
    theme = load_theme(project, "fiches")
    printed, screen = theme.head_css("print"), theme.head_css("accessible")
    assert "--ink: device-cmyk(0 0 0 1);" in printed
    assert "--accent: device-cmyk(0 0.8 0.95 0);" in printed
    assert "--ink: #1a1a1a;" in screen and "--accent: #c23816;" in screen
    assert "#" not in printed and "device-cmyk" not in screen
    assert theme.rgb_to_swatch()[(194, 56, 22)] == (0.0, 0.8, 0.95, 0.0)


@pytest.mark.parametrize(
    ("css", "column", "colour"),
    [
        ("a { color: #fff; }", 12, "#fff"),
        ("a { border: 1px solid rgb(0, 0, 0); }", 23, "rgb(0, 0, 0)"),
        ("a { background: white; }", 17, "white"),
        (":root { --brand: #d6401c; }", 18, "#d6401c"),
        ("@page { @bottom-left { color: hsl(0 0% 50%); } }", 31, "hsl(0 0% 50%)"),
        ("a { color: device-cmyk(0 0 0 1); }", 12, "device-cmyk(0 0 0 1)"),
    ],
)
def test_a_colour_written_in_the_css_is_an_error_with_its_place(
    project: Project, css: str, column: int, colour: str
) -> None:
    theme_css = project.styles / "fiches" / "theme.css"
    lines = theme_css.read_text(encoding="utf-8").count("\n")
    theme_css.write_text(theme_css.read_text(encoding="utf-8") + css + "\n", encoding="utf-8")
    problems = theme_problems(project)
    assert len(problems) == 1
    assert problems[0].startswith(f"styles/fiches/theme.css:{lines + 1}:{column}: ")
    assert f'the colour "{colour}" is written in the CSS: define it once as a swatch' in problems[0]


def test_keywords_that_are_not_colours_pass(project: Project) -> None:
    theme_css = project.styles / "fiches" / "theme.css"
    extra = "a { color: currentColor; background: transparent; border-color: inherit; }\n"
    theme_css.write_text(theme_css.read_text(encoding="utf-8") + extra, encoding="utf-8")
    load_theme(project, "fiches")


def test_a_misspelt_swatch_is_named(project: Project) -> None:
    theme_css = project.styles / "fiches" / "theme.css"
    edit(theme_css, "color: var(--muted);", "color: var(--mutted);")
    [problem] = theme_problems(project)
    assert problem.endswith(
        "color: var(--mutted) is not defined: no swatch or custom property of that name"
        ' (did you mean "--muted"?)'
    )


def test_a_variant_stylesheet_is_checked_too(project: Project) -> None:
    (project.styles / "fiches" / "print.css").write_text("p { color: black; }\n", "utf-8")
    [problem] = theme_problems(project)
    assert problem.startswith("styles/fiches/print.css:1:12: color: ")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"cmyk 0 0 0 100 / rgb #1a1a1a"',
            "cmyk 0 0 0 100 / rgb #1a1a1a",
            "styles/fiches/theme.yaml:19:11: swatches.ink: lacks its RGB value: put the whole"
            ' value between quotes, as " #" starts a YAML comment',
        ),
        (
            '"cmyk 0 0 0 100 / rgb #1a1a1a"',
            '"cmyk 100 100 100 100 / rgb #000000"',
            "styles/fiches/theme.yaml:19:11: swatches.ink.cmyk: uses 400 % of ink in all; print"
            " accepts 300 % at most",
        ),
        (
            '"cmyk 0 0 0 100 / rgb #1a1a1a"',
            '{cmyk: [0, 0, 0, 120], rgb: "1a1a1a"}',
            "styles/fiches/theme.yaml:19:28: swatches.ink.cmyk[3]: must be at most 100, got 120",
        ),
        (
            "  ink:",
            "  Ink:",
            'styles/fiches/theme.yaml:19:3: swatches.Ink: "Ink" is not a valid name: use'
            " lower-case letters, digits and -",
        ),
    ],
)
def test_swatch_mistakes_are_told_with_their_place(
    project: Project, old: str, new: str, message: str
) -> None:
    edit(project.styles / "fiches" / "theme.yaml", old, new)
    problems = theme_problems(project)
    assert any(problem.startswith(message) for problem in problems), problems


def test_a_theme_without_settings_is_refused(project: Project) -> None:
    (project.styles / "fiches" / "theme.yaml").unlink()
    assert theme_problems(project) == [
        "styles/fiches/theme.yaml: not found: a theme lists its colours (swatches) in it"
    ]
