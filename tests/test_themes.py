"""Themes: colours defined once as swatches, CSS that only uses them, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core import project as project_module
from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project, installed_folder
from fichepress.core.reading import Unreadable, read_inside, roots_of
from fichepress.core.reading import outside as outside_reason
from fichepress.html.edition import load_edition
from fichepress.html.themes import load_theme


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
            "styles/fiches/theme.yaml:20:11: swatches.ink: lacks its RGB value: put the whole"
            ' value between quotes, as " #" starts a YAML comment',
        ),
        (
            '"cmyk 0 0 0 100 / rgb #1a1a1a"',
            '"cmyk 100 100 100 100 / rgb #000000"',
            "styles/fiches/theme.yaml:20:11: swatches.ink.cmyk: uses 400 % of ink in all; print"
            " accepts 300 % at most",
        ),
        (
            '"cmyk 0 0 0 100 / rgb #1a1a1a"',
            '{cmyk: [0, 0, 0, 120], rgb: "1a1a1a"}',
            "styles/fiches/theme.yaml:20:28: swatches.ink.cmyk[3]: must be at most 100, got 120",
        ),
        (
            "  ink:",
            "  Ink:",
            'styles/fiches/theme.yaml:20:3: swatches.Ink: "Ink" is not a valid name: use'
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
        "styles/fiches/theme.yaml: not found: a theme lists its colours (swatches) in it;"
        " or remove styles/fiches/ to use the theme installed with fichepress"
    ]


# --- themes that extend themes -------------------------------------------------------------


def make_child(project: Project, name: str = "enfant", settings: str = "", css: str = "") -> Path:
    folder = project.styles / name
    folder.mkdir()
    (folder / "theme.yaml").write_text(f"extends: fiches\n{settings}", "utf-8")
    if css:
        (folder / "theme.css").write_text(css, "utf-8")
    return folder


def test_a_child_inherits_everything_and_overrides_what_it_names(project: Project) -> None:
    make_child(
        project,
        settings='swatches:\n  accent: "cmyk 100 0 0 0 / rgb #0070c0"\nlimits: { title: 50 }\n',
        css=".sheet-title { letter-spacing: 0.01em; }\n",
    )
    theme = load_theme(project, "enfant")
    assert [t.name for t in theme.chain] == ["enfant", "fiches"]
    assert theme.config.swatches["accent"].rgb == "#0070c0"  # overridden
    assert theme.config.swatches["deep"].rgb == "#1d3557"  # inherited
    assert (theme.config.limits.title, theme.config.limits.kicker) == (50, 130)
    assert len(theme.config.fonts) == 5 and theme.families == {"Lato"}
    names = [f"{p.parent.name}/{p.name}" for p in theme.stylesheets("print", collection=True)]
    assert names == [
        "fiches/theme.css",
        "enfant/theme.css",
        "fiches/print.css",
        "fiches/collection.css",
    ]
    assert "--accent: device-cmyk(1 0 0 0);" in theme.head_css("print")


def test_a_child_overrides_one_template_block_and_keeps_the_rest(project: Project) -> None:
    from fichepress.series.builder import Builder
    from fichepress.source.load import load_sheet

    folder = make_child(project)
    (folder / "templates").mkdir()
    (folder / "templates" / "_article.html.j2").write_text(
        '{% extends "fichepress:_article.html.j2" %}\n'
        '{% block credits %}<footer class="credits"><p class="copyright">{{ series.copyright }}'
        "</p></footer>{% endblock %}\n",
        "utf-8",
    )
    series = project.series_file
    series.write_text(series.read_text("utf-8").replace("theme: fiches", "theme: enfant"), "utf-8")
    builder = Builder(load_edition(project, []), project.root / "build")
    sheet = load_sheet(project.sheets / "03-strategie-globale.yaml", project).sheet
    html = builder.sheet_html(sheet, "accessible")
    assert '<footer class="credits"><p class="copyright">© 2019 Communagir</p></footer>' in html
    assert "credits-funders" not in html  # the parent's credits are replaced
    assert '<h1 class="sheet-title" data-src="title">' in html  # the rest is the parent's
    assert 'href="file://' in html and "/styles/fiches/theme.css" in html


def test_a_template_cannot_reach_python(project: Project) -> None:
    from jinja2.exceptions import SecurityError

    from fichepress.series.builder import Builder
    from fichepress.source.load import load_sheet

    folder = make_child(project)
    (folder / "templates").mkdir()
    (folder / "templates" / "sheet.html.j2").write_text(
        "{{ sheet.__class__.__mro__[1].__subclasses__() }}", "utf-8"
    )
    series = project.series_file
    series.write_text(series.read_text("utf-8").replace("theme: fiches", "theme: enfant"), "utf-8")
    builder = Builder(load_edition(project, []), project.root / "build")
    sheet = load_sheet(project.sheets / "03-strategie-globale.yaml", project).sheet
    with pytest.raises(SecurityError):
        builder.sheet_html(sheet, "print")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("", None),
        (
            "extends: fichez\n",
            'extends: no theme "fichez" in styles/ nor installed with fichepress'
            ' (did you mean "fiches"?)',
        ),
    ],
)
def test_unknown_parents_are_named(project: Project, settings: str, message: str | None) -> None:
    folder = project.styles / "enfant"
    folder.mkdir()
    (folder / "theme.yaml").write_text(settings or "extends: fiches\n", "utf-8")
    if message is None:
        assert load_theme(project, "enfant").chain[1].name == "fiches"
    else:
        with pytest.raises(InvalidSource) as caught:
            load_theme(project, "enfant")
        assert str(caught.value.problems[0]) == f"styles/enfant/theme.yaml:1:10: {message}"


def test_themes_extending_each_other_in_a_loop(project: Project) -> None:
    for name, parent in (("un", "deux"), ("deux", "un")):
        (project.styles / name).mkdir()
        (project.styles / name / "theme.yaml").write_text(f"extends: {parent}\n", "utf-8")
    with pytest.raises(InvalidSource) as caught:
        load_theme(project, "un")
    assert str(caught.value.problems[0]) == (
        "styles/deux/theme.yaml:1:10: extends: themes extend each other in a loop: un → deux → un"
    )


def test_a_chain_of_themes_too_long_is_not_called_a_loop(project: Project) -> None:
    names = [f"c{n}" for n in range(1, 10)]  # c1 extends c2 … c9 extends fiches: 10 themes
    for name, parent in zip(names, [*names[1:], "fiches"], strict=True):
        (project.styles / name).mkdir()
        (project.styles / name / "theme.yaml").write_text(f"extends: {parent}\n", "utf-8")
    with pytest.raises(InvalidSource) as caught:
        load_theme(project, "c1")
    [problem] = caught.value.problems
    assert problem.file == "styles/c8/theme.yaml"
    assert problem.message == (
        "more than 8 themes extend one another: c1 → c2 → c3 → c4 → c5 → c6 → c7 → c8 → c9"
    )


def test_font_and_picture_files_must_be_in_the_project(project: Project) -> None:
    make_child(
        project,
        settings="fonts:\n  - { family: X, file: ../../etc/passwd }\n"
        "  - { family: Y, file: absent.ttf }\nlogos:\n  mark: absent.svg\n",
    )
    problems = theme_problems_of(project, "enfant")
    assert problems == [
        'styles/enfant/theme.yaml:3:24: fonts[0].file: "../../etc/passwd" points outside fonts/;'
        " keep the file inside it",
        "styles/enfant/theme.yaml:4:24: fonts[1].file: file not found: fonts/absent.ttf",
        "styles/enfant/theme.yaml:6:9: logos.mark: file not found: styles/enfant/absent.svg",
    ]


def theme_problems_of(project: Project, name: str) -> list[str]:
    with pytest.raises(InvalidSource) as caught:
        load_theme(project, name)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.e2e
def test_the_theme_gives_margins_and_a_page_size(project: Project, tmp_path: Path) -> None:
    import pikepdf

    from fichepress.series.builder import build

    make_child(project, settings="page:\n  size: a5\n  margins: { top: 12mm, sides: 12mm }\n")
    series = project.series_file
    text = series.read_text("utf-8").replace("theme: fiches", "theme: enfant")
    series.write_text(text.replace("page_size: letter\n", ""), "utf-8")
    theme = load_theme(project, "enfant")
    css = theme.head_css("print")
    assert "--page-margin-top: 12mm;" in css and "--page-margin-bottom: 20mm;" in css
    report = build(load_edition(project), tmp_path / "out", variants=["accessible"])
    assert report.outputs
    with pikepdf.open(tmp_path / "out" / "accessible" / "03-strategie-globale.pdf") as pdf:
        width, height = (round(float(v)) for v in pdf.pages[0].MediaBox[2:])
    assert (width, height) == (420, 595)  # A5, in points


@pytest.mark.e2e
def test_a_theme_picture_reaches_the_templates_and_is_inherited(
    project: Project, tmp_path: Path
) -> None:
    """`enfant` names a picture under `logos:` and shows it from a template block; `petit`
    extends `enfant` and names none: it inherits the picture, found in enfant's folder, and
    both variants build with it, the picture described and in the swatch's CMYK."""
    import pikepdf

    from fichepress.checks.accessibility import check_accessible
    from fichepress.checks.printing import check_print
    from fichepress.checks.ua_source import reading_text
    from fichepress.pdf.scan import scan_page
    from fichepress.series.builder import Builder, build
    from fichepress.source.load import load_sheet

    folder = make_child(project, settings="logos:\n  mark: mark.svg\n")
    (folder / "mark.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20mm" height="6mm" viewBox="0 0 20 6">'
        '<rect width="20" height="6" fill="#1d3557"/></svg>',
        "utf-8",
    )
    (folder / "templates").mkdir()
    (folder / "templates" / "_article.html.j2").write_text(
        '{% extends "fichepress:_article.html.j2" %}\n'
        "{% block credits %}{{ super() }}"
        '<figure class="logo theme-mark"><img src="{{ theme_logos.mark }}"'
        ' alt="Marque de la série"></figure>{% endblock %}\n',
        "utf-8",
    )
    (project.styles / "petit").mkdir()
    (project.styles / "petit" / "theme.yaml").write_text("extends: enfant\n", "utf-8")
    theme = load_theme(project, "petit")
    assert [t.name for t in theme.chain] == ["petit", "enfant", "fiches"]
    assert Path(theme.config.logos["mark"]) == folder / "mark.svg"

    series = project.series_file
    series.write_text(series.read_text("utf-8").replace("theme: fiches", "theme: petit"), "utf-8")
    sheet = load_sheet(project.sheets / "03-strategie-globale.yaml", project).sheet
    html = Builder(load_edition(project, []), tmp_path / "unused").sheet_html(sheet, "print")
    assert (
        f'<img src="{(folder / "mark.svg").resolve().as_uri()}" alt="Marque de la série">' in html
    )

    out = tmp_path / "out"
    report = build(load_edition(project), out, jobs=1)
    assert report.ok, report.problems
    accessible = (out / "accessible" / "03-strategie-globale.pdf").read_bytes()
    assert check_accessible(accessible) == []
    with pikepdf.open(out / "accessible" / "03-strategie-globale.pdf") as pdf:
        figures = [text for role, text in reading_text(pdf) if role == "Figure"]
    assert figures[-1] == "Marque de la série"
    printed = out / "print" / "03-strategie-globale.pdf"
    assert check_print(printed.read_bytes()) == []
    with pikepdf.open(printed) as pdf:
        scan = scan_page(pdf.pages[-1])
    deep = (1.0, 0.7, 0.2, 0.4)  # the swatch's CMYK, for the picture's #1d3557
    mm = 72 / 25.4
    marks = [
        p
        for p in scan.paints
        if p.kind == "fill"
        and abs(p.bbox[2] - p.bbox[0] - 20 * mm) < 1
        and abs(p.bbox[3] - p.bbox[1] - 6 * mm) < 1
    ]
    assert [tuple(round(v, 2) for v in p.colour) for p in marks] == [deep]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            '{% extends "fichepress:_article.html.j2" %}\n{{ oops( }}\n',
            2,
            "template syntax: unexpected '}', expected ')'",
        ),
        (
            '{% extends "fichepress:_article.html.j2" %}\n'
            "{% block credits %}{{ nosuch.thing }}{% endblock %}\n",
            2,
            "undefined: 'nosuch' is undefined",
        ),
        (
            '{% extends "nosuch:_article.html.j2" %}\n',
            1,
            "no such template: nosuch:_article.html.j2",
        ),
    ],
    ids=["syntax", "undefined", "missing-parent"],
)
def test_a_mistake_in_a_theme_template_is_told_at_its_line(
    project: Project, body: str, line: int, message: str
) -> None:
    """`check` finds it (without making a PDF), `build` fails the sheet with the same words,
    no traceback, no PDF."""
    from click.testing import CliRunner

    from fichepress.cli import main

    folder = make_child(project)
    (folder / "templates").mkdir()
    (folder / "templates" / "_article.html.j2").write_text(body, "utf-8")
    series = project.series_file
    series.write_text(series.read_text("utf-8").replace("theme: fiches", "theme: enfant"), "utf-8")
    where = f"styles/enfant/templates/_article.html.j2:{line}: {message}"
    for command in ("check", "build"):
        result = CliRunner().invoke(main, [command, "--project", str(project.root)])
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output
        assert f"error: {where}" in result.stderr, (command, result.stderr)
    assert not (project.root / "build" / "print" / "03-strategie-globale.pdf").exists()


# --- themes found by name: the project's, then those installed with fichepress ----------------


def installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the installed themes and fonts, used as fichepress's own for the test."""
    installed = installed_folder()
    assert installed is not None
    copy = tmp_path / "installed"
    for name in ("styles/fiches", "styles/sobre", "fonts/lato"):
        shutil.copytree(installed / name, copy / name)
    monkeypatch.setattr(project_module, "_located", lambda: copy)
    return copy


def bare(project: Project, theme: str = "fiches") -> Project:
    """The project without styles/ nor fonts/: only the installed themes, `theme` used."""
    shutil.rmtree(project.styles)
    shutil.rmtree(project.fonts)
    edit(project.series_file, "theme: fiches", f"theme: {theme}")
    return project


@pytest.mark.parametrize("name", ["fiches", "sobre"])
def test_an_installed_theme_is_used_by_name_without_a_copy(project: Project, name: str) -> None:
    edition = load_edition(bare(project, name))
    theme = edition.theme
    installed = installed_folder()
    assert installed is not None
    assert [t.folder for t in theme.chain] == [
        installed / "styles" / t for t in ([name, "fiches"] if name == "sobre" else [name])
    ]
    assert theme.font_url(theme.config.fonts[0]) == (
        (installed / "fonts" / "lato" / "Lato-Regular.ttf").resolve().as_uri()
    )
    assert edition.problems == []


def test_a_child_extends_an_installed_theme_and_finds_its_fonts_there(project: Project) -> None:
    bare(project, "maison")
    (project.styles / "maison").mkdir(parents=True)
    (project.styles / "maison" / "theme.yaml").write_text(
        'extends: fiches\nswatches:\n  accent: "cmyk 100 0 55 35 / rgb #00766a"\n', "utf-8"
    )
    theme = load_theme(project, "maison")
    assert [t.name for t in theme.chain] == ["maison", "fiches"]
    assert theme.config.swatches["accent"].rgb == "#00766a"
    lato = theme.font_path(theme.config.fonts[0])
    assert lato.is_file() and not lato.resolve().is_relative_to(project.root)


def test_a_project_theme_of_the_same_name_wins(project: Project) -> None:
    edit(
        project.styles / "fiches" / "theme.yaml",
        'accent: "cmyk 0 80 95 0 / rgb #c23816"',
        'accent: "cmyk 0 90 95 0 / rgb #b02010"',
    )
    theme = load_theme(project, "fiches")
    assert theme.folder == project.styles / "fiches"
    assert theme.config.swatches["accent"].rgb == "#b02010"
    assert theme.font_path(theme.config.fonts[0]) == project.fonts / "lato" / "Lato-Regular.ttf"


def test_an_installed_themes_files_are_named_as_fichepress_ones(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = installed_copy(tmp_path, monkeypatch)
    bare(project)
    css = copy / "styles" / "fiches" / "theme.css"
    lines = css.read_text(encoding="utf-8").count("\n")
    css.write_text(css.read_text(encoding="utf-8") + "a { color: #fff; }\n", encoding="utf-8")
    problems = theme_problems(project)
    assert problems == [
        f'fichepress:styles/fiches/theme.css:{lines + 1}:12: color: the colour "#fff" is'
        " written in the CSS: define it once as a swatch in theme.yaml and use var(--name)"
    ]
    assert str(tmp_path) not in "\n".join(problems)


def test_the_sandbox_reads_the_installed_themes_and_nothing_else(
    project: Project, tmp_path: Path
) -> None:
    from fichepress.pdf.write import Refused, SandboxFetcher

    installed = installed_folder()
    assert installed is not None
    roots = roots_of(project.root)
    font = installed / "fonts" / "lato" / "Lato-Regular.ttf"
    assert read_inside(installed / "styles" / "fiches" / "theme.css", roots)
    fetcher = SandboxFetcher(project.readable, project.root)
    assert fetcher.check(font.resolve().as_uri()) == font.resolve()
    secret = tmp_path / "secret.css"
    secret.write_text("a {}", encoding="utf-8")
    with pytest.raises(Refused) as refused:
        fetcher.check(secret.as_uri())
    assert str(refused.value).endswith("builds only read files in sheets/, styles/, fonts/")
    (project.styles / "fiches" / "secret.css").symlink_to(secret)
    with pytest.raises(Unreadable) as outside:
        read_inside(project.styles / "fiches" / "secret.css", roots)
    assert "outside the project" in str(outside.value)
    assert outside_reason(secret, roots) == (
        "is not in the project's sheets/, styles/, fonts/: builds read only the project's files"
    )
    missing = installed / "styles" / "fiches" / "nothing.svg"
    with pytest.raises(Refused) as refused:
        fetcher.check(missing.as_uri())
    assert str(refused.value) == 'file not found: "fichepress:styles/fiches/nothing.svg"'


def test_themes_lists_the_projects_and_the_installed_ones(project: Project) -> None:
    edit(project.styles / "fiches" / "theme.yaml", "name: Fiches", "name: Fiches maison")
    shutil.rmtree(project.styles / "sobre")
    result = CliRunner().invoke(main, ["themes", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "fiches “Fiches maison” (used by the series): Deep blue header band, orange accents,"
        " two columns of Lato; US Letter or A4. [styles/fiches/, hides the installed fiches]",
        "fiches [installed with fichepress, hidden by styles/fiches/]",
        "sobre → fiches “Sobre”: White paper, black text and one deep teal for accents and thin"
        " rules; Lato. Extends fiches. [installed with fichepress]",
    ]


def test_eject_copies_an_installed_theme_and_its_fonts(project: Project) -> None:
    bare(project)
    result = CliRunner().invoke(main, ["themes", "eject", "fiches", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "copied fichepress:styles/fiches/ to styles/fiches/",
        "copied fichepress:fonts/lato/ to fonts/lato/",
        "the project's styles/fiches/ now replaces the installed theme fiches: change it there;"
        " a new version of fichepress no longer changes it",
    ]
    installed = installed_folder()
    assert installed is not None
    for name in ("styles/fiches/theme.css", "styles/fiches/leader.svg", "fonts/lato/OFL.txt"):
        assert (project.root / name).read_bytes() == (installed / name).read_bytes()
    theme = load_theme(project, "fiches")
    assert theme.folder == project.styles / "fiches"
    assert theme.font_path(theme.config.fonts[0]) == project.fonts / "lato" / "Lato-Regular.ttf"
    # sobre extends fiches, and names no font: only its folder is copied
    again = CliRunner().invoke(main, ["themes", "--project", str(project.root), "eject", "sobre"])
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == "copied fichepress:styles/sobre/ to styles/sobre/"
    assert len(again.stdout.splitlines()) == 2


def test_eject_never_overwrites(project: Project) -> None:
    css = project.styles / "fiches" / "theme.css"
    mine = css.read_bytes() + b"/* mine */\n"
    css.write_bytes(mine)
    result = CliRunner().invoke(main, ["themes", "eject", "fiches", "--project", str(project.root)])
    assert result.exit_code == 1
    assert "styles/fiches/ already exists: nothing was copied" in result.stderr
    assert css.read_bytes() == mine
    # fonts/lato/ there, the same as the installed one: kept; different: refused, nothing copied
    shutil.rmtree(project.styles / "fiches")
    kept = CliRunner().invoke(main, ["themes", "eject", "fiches", "--project", str(project.root)])
    assert kept.exit_code == 0, kept.output
    assert "kept fonts/lato/: the same fonts are already there" in kept.stdout
    shutil.rmtree(project.styles / "fiches")
    (project.fonts / "lato" / "OFL.txt").write_text("changed", encoding="utf-8")
    refused = CliRunner().invoke(
        main, ["themes", "eject", "fiches", "--project", str(project.root)]
    )
    assert refused.exit_code == 1
    assert "fonts/lato already exists and differs" in refused.stderr
    assert not (project.styles / "fiches").exists()
    unknown = CliRunner().invoke(main, ["themes", "eject", "fiche", "--project", str(project.root)])
    assert unknown.exit_code == 1
    assert 'no theme "fiche" is installed with fichepress (did you mean "fiches"?)' in (
        unknown.stderr
    )
