"""The commands on the sources and on finished PDFs, which render nothing: `check`, `schema`,
`themes`, `init`, `new` and `preflight`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fichepress.cli.options import (
    loudness,
    project_from,
    project_option,
    reporting_options,
    sheets_argument,
    strict_option,
)
from fichepress.cli.output import (
    counted,
    document,
    echo_json,
    ending,
    finish,
    heard,
    levels,
    output_json,
    tell,
)
from fichepress.core.errors import FichepressError
from fichepress.core.project import Project
from fichepress.core.reading import located

if TYPE_CHECKING:
    from fichepress.checks.ua_source import Source


@click.command()
@project_option
@sheets_argument
@strict_option("Fail on warnings too.")
@reporting_options
def check(
    project_dir: Path | None,
    sheets: tuple[Path, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
    output_format: str,
) -> None:
    """Validate the series file, the theme and the sheets without rendering anything.

    Reports every problem at once: schema errors, duplicate numbers or names, text still
    holding the template's placeholders, titles and kickers too long for the theme.
    """
    from fichepress.checks.authoring import check_sources

    loudness(quiet, verbose)
    project = project_from(project_dir)
    report = check_sources(project, [located(path) for path in sheets])
    ok = not report.errors and not (strict and report.warnings)
    told = (
        levels([], [*report.warnings, *report.errors])  # --strict: every warning is an error
        if strict
        else levels(report.warnings, report.errors)
    )
    sheets_shown = counted(report.sheets, "sheet")
    what = f"{sheets_shown} and the series file {'are valid' if ok else 'checked'}"
    if output_format == "json":
        found = [*report.errors, *report.warnings]
        summary = ending(ok, what, told)
        echo_json(document("check", summary, ok=ok, findings=found, sheets=report.sheets))
        if not ok:
            raise click.exceptions.Exit(1)
        return
    tell(heard(told, quiet))
    for path in (sheets or project.sheet_files()) if verbose else ():
        click.echo(f"  checked {project.display(located(path))}")
    finish(ok, what, told)


@click.command()
@project_option
@click.option("--check", "check_only", is_flag=True, help="Only say whether they are stale.")
def schema(project_dir: Path | None, check_only: bool) -> None:
    """Write the JSON Schema of sheets and of the series file into sheets/schema/, and the
    modeline that points editors at it at the top of every YAML file."""
    from fichepress.source.schema import (
        ensure_modelines,
        missing_modelines,
        stale_schemas,
        write_schemas,
    )

    project = project_from(project_dir)
    if check_only:
        stale = [project.display(path) for path in stale_schemas(project)]
        stale += [f"{project.display(p)} (no modeline)" for p in missing_modelines(project)]
        if stale:
            shown = ", ".join(stale)
            raise FichepressError(f"stale: {shown}; run `fichepress schema` to regenerate")
        click.echo("the schema files and the modelines are up to date")
        return
    for path in write_schemas(project):
        click.echo(f"wrote {project.display(path)}")
    for path in ensure_modelines(project):
        click.echo(f"added the schema modeline to {project.display(path)}")


def _theme_line(project: Project, name: str, used: str | None, where: str) -> str:
    """One theme as `fichepress themes` lists it: its chain, its name, whether the series uses
    it, where it is (`where`), its description; or its first problem."""
    from fichepress.core.errors import InvalidSource as Invalid
    from fichepress.html.themes import load_theme

    try:
        theme = load_theme(project, name)
    except Invalid as invalid:
        return click.style(f"{name} [{where}]: invalid ({invalid.problems[0]})", fg="red")
    chain = " → ".join(t.name for t in theme.chain)
    if theme.config.name:
        chain = f"{chain} “{theme.config.name}”"
    mark = " (used by the series)" if name == used else ""
    description = f": {theme.config.description}" if theme.config.description else ""
    return f"{chain}{mark}{description} [{where}]"


@click.group(invoke_without_command=True)
@project_option
@click.pass_context
def themes(context: click.Context, project_dir: Path | None) -> None:
    """List the themes a series may use: the project's own (styles/) and those installed with
    fichepress, what each extends, which one the series uses, and which installed theme a
    project theme of the same name hides. `fichepress themes eject NAME` copies an installed
    theme into the project."""
    from fichepress.core.errors import InvalidSource as Invalid
    from fichepress.core.project import installed_themes
    from fichepress.source.load import load_series

    if context.invoked_subcommand is not None:
        return
    project = project_from(project_dir)
    try:
        used = load_series(project).theme
    except Invalid:
        used = None
    own, installed = project.project_themes(), installed_themes()
    for name in sorted({*own, *installed}):
        if name in own:
            folder = own[name]
            same = name in installed and folder.resolve() == installed[name].resolve()
            where = f"{project.display(folder)}/"
            if name in installed and not same:
                where += f", hides the installed {name}"
            click.echo(_theme_line(project, name, used, where))
            if name not in installed or same:
                continue
            click.echo(f"{name} [installed with fichepress, hidden by {where.split(',')[0]}]")
        else:
            click.echo(_theme_line(project, name, used, "installed with fichepress"))


@themes.command()
@project_option
@click.argument("name")
@click.pass_context
def eject(context: click.Context, project_dir: Path | None, name: str) -> None:
    """Copy the installed theme NAME (and the fonts it names) into the project, to change it
    there: styles/NAME/ then replaces the installed theme. Nothing is overwritten."""
    from fichepress.scaffold.eject import eject_theme

    parent = context.parent.params.get("project_dir") if context.parent else None
    project = project_from(project_dir or parent)
    for line in eject_theme(project, name):
        click.echo(line)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Une série de fiches", help="The series' title.")
@click.option(
    "--organisation", default="Mon organisation", help="The publisher, named on every sheet."
)
def init(folder: Path, title: str, organisation: str) -> None:
    """Create a new series project in FOLDER: the series file, an example sheet, the packaged
    theme and one of the organisation's own extending it, a Makefile and a README. Then
    `cd FOLDER && make sheets` builds it."""
    from fichepress.scaffold.skeleton import init_project

    written = init_project(folder, title, organisation)
    click.echo(f"created {folder}/ ({len(written)} files); next: cd {folder} && make sheets")


@click.command()
@project_option
@click.argument("title")
@click.option("--number", type=click.IntRange(1, 9999), help="Its number (default: the next).")
def new(project_dir: Path | None, title: str, number: int | None) -> None:
    """Write a new sheet called TITLE from a commented template, with the next number."""
    from fichepress.scaffold.newsheet import new_sheet, placeholder

    project = project_from(project_dir)
    path = new_sheet(project, title, number=number)
    click.echo(f"wrote {project.display(path)}: fill in every {placeholder(project)}")


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@strict_option("Fail on warnings too.")
@reporting_options
@click.option(
    "--profile",
    type=click.Choice(["auto", "print", "accessible"]),
    default="auto",
    help="Rules to apply: print (PDF/X-4), accessible (PDF/UA-1), or auto from the file.",
)
@click.option(
    "--source",
    "sheet",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The sheet (YAML) the accessible PDF was built from: its blocks, their order, roles"
    " and text are compared with the PDF's. One FILE only.",
)
@project_option
def preflight(
    files: tuple[Path, ...],
    strict: bool,
    quiet: bool,
    verbose: bool,
    output_format: str,
    profile: str,
    sheet: Path | None,
    project_dir: Path | None,
) -> None:
    """Check PDFs: print ones as a print shop would (PDF/X-4, CMYK, ink, bleed, marks, fonts,
    images), accessible ones as PDF/UA-1 requires (tags, tree, headings, lists, figures, links,
    language, bookmarks, text, reading order, contrast as painted).

    Prints one line per finding (rule, page, what, where); exits with 1 if any is an error
    (with --strict, a warning too).
    """
    from fichepress.checks.pdfs import check_file

    loudness(quiet, verbose)
    source = None
    if sheet is not None:
        if len(files) != 1:
            raise click.UsageError("--source goes with one PDF only")
        source = _source(project_from(project_dir), sheet)
    results = {str(path): check_file(path, profile, source) for path in files}
    named = {file: [replace(f, file=file) for f in done.findings] for file, done in results.items()}
    findings = [finding for found in named.values() for finding in found]
    told = [(f.severity, f, 1) for f in findings]
    ok = all(level != "error" and not (strict and level == "warning") for level, _, _ in told)
    what = f"{counted(len(files), 'file')} checked"
    if output_format == "json":
        outputs = [
            output_json(checked.profile, "", file, checked.pages, "checked")
            for file, checked in results.items()
        ]
        summary = ending(ok, what, told)
        echo_json(document("preflight", summary, ok=ok, findings=findings, outputs=outputs))
        if not ok:
            raise click.exceptions.Exit(1)
        return
    for file, found in named.items():
        for _, finding, _ in heard([(f.severity, f, 1) for f in found], quiet):
            click.secho(str(finding), fg="red" if finding.severity == "error" else "yellow")
        if verbose:
            checked = results[file]
            click.echo(f"{file}: checked as {checked.profile}, {counted(checked.pages, 'page')}")
        if not found and not quiet:
            click.echo(f"{file}: no findings")
    finish(ok, what, told)


def _source(project: Project, path: Path) -> Source:
    """What the accessible PDF of the sheet at `path` must read as."""
    from fichepress.core.errors import InvalidSource
    from fichepress.html.edition import load_edition
    from fichepress.series.builder import Builder
    from fichepress.source.load import load_sheets

    sources, problems = load_sheets(project, [located(path)])
    if problems:
        raise InvalidSource(problems)
    edition = load_edition(project, [])  # the series and its theme: the sheet is loaded
    return Builder(edition, project.root / "build").source(sources[0].sheet)
