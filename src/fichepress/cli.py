"""The `fichepress` command: parses options, calls the API, turns problems into exit codes."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from fichepress import __version__
from fichepress.core.errors import BuildFailed, FichepressError, from_here, system_message
from fichepress.core.files import resolved
from fichepress.core.project import Project
from fichepress.core.reading import located
from fichepress.series import stamp

if TYPE_CHECKING:
    from fichepress.checks.accessibility import Source

F = TypeVar("F", bound=Callable[..., Any])


def counted(number: int, word: str) -> str:
    """ "1 PDF", "2 PDFs": a number and the word it counts."""
    return f"{number} {word}{'' if number == 1 else 's'}"


def project_option(command: F) -> F:
    """`--project DIR`: the series project (default: found from the current folder)."""
    return click.option(
        "--project",
        "project_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Folder of the series project (default: the one holding the current folder).",
    )(command)


def sheets_argument(command: F) -> F:
    """`SHEETS…`: sheet files to work on (default: every sheet of the series)."""
    return click.argument(
        "sheets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
    )(command)


def format_option(command: F) -> F:
    """`--format text|json`: for people, or for editors and CI."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        help="text: one line per problem; json: for editors and CI.",
    )(command)


def _json_report(
    summary: str, written: list[Any], up_to_date: int, failed: Any, problems: Any, warnings: Any
) -> None:
    """A build's report for machines (`--format json`): one object on standard output."""
    document = {
        "summary": summary,
        "written": [
            {k: v for k, v in asdict(o).items() if k in ("variant", "sheet", "path", "pages")}
            for o in written
        ],
        "up_to_date": up_to_date,
        "failed": sorted(failed),
        "problems": [asdict(p) for p in problems],
        "warnings": [str(w) for w in warnings],
    }
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _summarise(
    project: Project,
    out_dir: Path,
    report: Any,
    quiet: bool,
    what: str,
    output_format: str = "text",
    *,
    verbose: bool = False,
) -> None:
    """Print the warnings, problems, outputs and a one-line summary; fail if anything failed.
    `verbose` lists the outputs kept as they were too."""
    shown_out = project.display(out_dir)
    summary = (
        f"{what}: {counted(len(report.outputs), 'PDF')} written to {shown_out}/, "
        f"{len(report.failed)} failed, {counted(len(report.warnings), 'warning')}"
    )
    if not report.outputs and not report.failed and report.up_to_date:
        kept = counted(report.up_to_date, "PDF")
        summary = f"{what}: everything is up to date ({kept} in {shown_out}/)"
    if output_format == "json":
        _json_report(
            summary,
            report.outputs,
            report.up_to_date,
            report.failed,
            report.problems,
            report.warnings,
        )
        if report.failed:
            sys.exit(1)
        return
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for problem in report.problems:
        click.secho(f"error: {problem}", fg="red", err=True)
    for output in report.outputs if not quiet else ():
        click.echo(f"  wrote {shown_out}/{output.path} ({output.pages} pages)")
    for path in report.kept if verbose else ():
        click.echo(f"  kept {shown_out}/{path} (up to date)")
    if report.failed:
        raise BuildFailed(summary)
    click.echo(summary)


_COLOURS = {"info": None, "warning": "yellow", "error": "red"}


def say(level: str, message: str) -> None:
    """A timestamped line for long-running commands: information on stdout, the rest on
    stderr in colour."""
    prefix = "" if level == "info" else f"{level}: "
    stamp = time.strftime("%H:%M:%S")
    click.secho(f"{stamp} {prefix}{message}", fg=_COLOURS[level], err=level != "info")


class ProgressBar:
    """Sheets done / total and the current sheet, redrawn in place on a terminal; silent
    elsewhere (CI logs, pipes)."""

    WIDTH = 24

    def __init__(self, quiet: bool) -> None:
        self.active = not quiet and sys.stderr.isatty()
        self.drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def update(self, done: int, total: int, current: str) -> None:
        if not self.active or total <= 0:
            return
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        line = f"[{bar}] {done}/{total} {current}"[: shutil.get_terminal_size().columns - 1]
        sys.stderr.write("\r\x1b[K" + line)
        sys.stderr.flush()
        self.drawn = True

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _project(project_dir: Path | None) -> Project:
    """The project a command works on; kept so that a failure of the system names its paths
    as the project's messages do."""
    project = Project.at(project_dir) if project_dir else Project.find()
    click.get_current_context().meta["fichepress.core.project"] = project
    return project


def _out(out: Path | None, project: Project) -> Path:
    """The output folder: `--out`, or build/ in the project; absolute, its links followed."""
    return resolved(out or project.root / "build")


class Commands(click.Group):
    """fichepress's commands: a failure of the system (a full disk, a folder that may not be
    written, a path through a file or a loop of links) ends one in one line that says which
    path and what the system said, with exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # standard output closed early (`| head`): click ends quietly
            project = ctx.meta.get("fichepress.core.project")
            display = project.display if isinstance(project, Project) else from_here
            raise FichepressError(system_message(error, display)) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fichepress")
@click.pass_context
def main(context: click.Context) -> None:
    """Publish series of fact-sheets from YAML as print-ready and accessible PDF.

    Colours are left out when NO_COLOR is set (https://no-color.org). Shell completion:
    eval "$(_FICHEPRESS_COMPLETE=bash_source fichepress)" (zsh_source, fish_source)."""
    if os.environ.get("NO_COLOR"):
        context.color = False


@main.command()
@project_option
@sheets_argument
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: build/ in the project).",
)
@click.option(
    "--variant",
    "variants",
    type=click.Choice(["print", "accessible"]),
    multiple=True,
    help="Build only this variant (repeat for both; default: both).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail a sheet on any warning: preflight findings, page budget, CSS WeasyPrint ignored.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per processor).",
)
@click.option(
    "--no-collection",
    is_flag=True,
    help="Do not build the collection (it is built when no SHEETS are given).",
)
@click.option(
    "--shard",
    callback=lambda _c, _p, value: _parse_shard(value),
    metavar="I/N",
    help="Build the I-th of N stable shares of the sheets (for a CI matrix), and their parts "
    "of the collection, for `collection --from` to join.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the summary.")
@click.option("--verbose", "-v", is_flag=True, help="List the PDFs kept as well as those written.")
@format_option
def build(
    project_dir: Path | None,
    sheets: tuple[Path, ...],
    out: Path | None,
    variants: tuple[str, ...],
    strict: bool,
    jobs: int | None,
    no_collection: bool,
    quiet: bool,
    verbose: bool,
    output_format: str,
    shard: tuple[int, int] | None,
) -> None:
    """Build every sheet (or the SHEETS given) as print and accessible PDF into build/, and the
    collection of the whole series. Only what changed is rebuilt."""
    project = _project(project_dir)
    out_dir = _out(out, project)
    if shard is not None:
        if sheets:
            raise click.UsageError("give SHEETS or --shard, not both")
        sheets = tuple(shard_of(project.sheet_files(), *shard))
        if output_format == "text":
            click.echo(f"shard {shard[0]}/{shard[1]}: {len(sheets)} of the series' sheets")
        if not sheets:
            return  # a share may hold none: nothing to build
    with _locked(out_dir):
        _build(
            project,
            out_dir,
            sheets,
            variants,
            strict,
            jobs,
            no_collection,
            quiet and not verbose,
            output_format,
            verbose=verbose,
            share=shard is not None and not no_collection,
        )


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise click.BadParameter(f'"{value}" is not a share I/N with 1 <= I <= N (such as 2/3)')
    return int(match.group(1)), int(match.group(2))


def shard_of(paths: list[Path], index: int, count: int) -> list[Path]:
    """The sheets of share `index` (1-based) of `count`: by a digest of each file's name, so
    that a sheet stays in its share whatever other sheets are added or removed."""
    import hashlib

    return [
        path
        for path in paths
        if int(hashlib.sha256(path.name.encode()).hexdigest(), 16) % count == index - 1
    ]


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One build of an output folder at a time; what an interrupted build left is removed
    before, the fonts' copies after."""
    from fichepress.core.files import build_lock, remove_font_copies, remove_leftovers

    def waiting() -> None:
        click.echo("waiting for another build of this folder to end…", err=True)

    with build_lock(out_dir, waiting):
        remove_leftovers(out_dir)
        try:
            yield
        finally:
            remove_font_copies(out_dir)


def _build(
    project: Project,
    out_dir: Path,
    sheets: tuple[Path, ...],
    variants: tuple[str, ...],
    strict: bool,
    jobs: int | None,
    no_collection: bool,
    quiet: bool,
    output_format: str = "text",
    *,
    verbose: bool = False,
    share: bool = False,
) -> None:
    """`share`: the sheets are a share of the series; render their parts of the collection."""
    chosen = variants or ("print", "accessible")
    complete = not sheets and not no_collection
    digest = stamp.project_digest(project, out_dir, chosen) if complete else ""
    found = stamp.up_to_date(out_dir, digest) if complete else None
    if found is not None and not (strict and found.warnings):
        # Nothing changed since the last complete build: no need to load anything else.
        if output_format == "json":
            count = len(project.sheet_files())
            summary = f"{counted(count, 'sheet')}: everything is up to date"
            _json_report(summary, [], found.built, [], [], found.warnings)
            return
        for warning in found.warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
        for path in sorted(found.outputs) if verbose else ():
            click.echo(f"  kept {project.display(out_dir)}/{path} (up to date)")
        count = len(project.sheet_files())
        shown = project.display(out_dir)
        kept = counted(found.built, "PDF")
        click.echo(f"{counted(count, 'sheet')}: everything is up to date ({kept} in {shown}/)")
        return
    from fichepress.series import workers

    if (jobs or workers.default_jobs()) > 1:
        workers.warm_up()  # WeasyPrint is imported by the fork server meanwhile
    from fichepress.series.builder import build as run_build
    from fichepress.series.builder import worker_pool

    with ProgressBar(quiet) as bar, worker_pool(project, out_dir, strict, jobs) as pool:
        report = run_build(
            project,
            out_dir,
            sheets=[located(path) for path in sheets] or None,
            variants=chosen,  # type: ignore[arg-type]
            strict=strict,
            progress=bar.update,
            pool=pool,
        )
        if not sheets and not no_collection and not report.problems:
            from fichepress.series.collection import build_collection

            whole = build_collection(
                project,
                out_dir,
                variants=chosen,  # type: ignore[arg-type]
                strict=strict,
                progress=bar.update,
                pool=pool,
            )
            report.merge(whole)
            if not report.failed and not report.problems:
                built = len(report.outputs) + report.up_to_date
                stamp.record(out_dir, digest, [str(w) for w in report.warnings], built)
        elif share and not report.problems:
            from fichepress.series.shards import build_shard_parts

            parts = build_shard_parts(
                project,
                out_dir,
                sheets,
                variants=chosen,  # type: ignore[arg-type]
                progress=bar.update,
                pool=pool,
            )
            report.problems += parts.problems
            report.failed |= parts.failed
    what = counted(report.sheets, "sheet")
    _summarise(project, out_dir, report, quiet, what, output_format, verbose=verbose)


@main.command()
@project_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: build/ in the project).",
)
@click.option(
    "--variant",
    "variants",
    type=click.Choice(["print", "accessible"]),
    multiple=True,
    help="Build only this variant (repeat for both; default: both).",
)
@click.option("--strict", is_flag=True, help="Fail on any warning, as `build --strict` does.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per processor).",
)
@click.option(
    "--from",
    "shares",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    metavar="FOLDER",
    help="The output folder of a `build --shard` (repeat for each share): its PDFs and "
    "collection parts are gathered into the output folder first.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the summary.")
@format_option
def collection(
    project_dir: Path | None,
    out: Path | None,
    variants: tuple[str, ...],
    strict: bool,
    jobs: int | None,
    shares: tuple[Path, ...],
    quiet: bool,
    output_format: str,
) -> None:
    """Build the whole series as one PDF per variant: cover, contents, sheets, colophon.

    With --from, the series was built in shares (`build --shard I/N`, one output folder
    each): their sheets' PDFs and collection parts are gathered, checked against their sha256,
    and only the parts no share rendered are rendered here."""
    from fichepress.series.collection import build_collection
    from fichepress.series.shards import gather

    project = _project(project_dir)
    out_dir = _out(out, project)
    with _locked(out_dir), ProgressBar(quiet) as bar:
        gathered = gather(project, out_dir, [folder.resolve() for folder in shares])
        if shares and output_format == "text" and not quiet:
            click.echo(
                f"gathered {gathered.pdfs} PDFs and {gathered.parts} collection parts"
                f" from {gathered.shares} shares"
            )
        report = build_collection(
            project,
            out_dir,
            variants=variants or ("print", "accessible"),  # type: ignore[arg-type]
            strict=strict,
            jobs=jobs,
            progress=bar.update,
        )
        report.warnings[:0] = gathered.problems
    what = f"collection of {counted(report.sheets, 'sheet')}"
    _summarise(project, out_dir, report, quiet, what, output_format)


@main.command()
@project_option
@sheets_argument
@format_option
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(
    project_dir: Path | None, sheets: tuple[Path, ...], output_format: str, strict: bool
) -> None:
    """Validate the series file, the theme and the sheets without rendering anything.

    Reports every problem at once: schema errors, duplicate numbers or names, text still
    holding the template's placeholders, titles and kickers too long for the theme.
    """
    import json

    from fichepress.checks.authoring import check_sources

    project = _project(project_dir)
    report = check_sources(project, [located(path) for path in sheets])
    if output_format == "json":
        problems = [
            {**asdict(problem), "severity": severity}
            for severity, found in (("error", report.errors), ("warning", report.warnings))
            for problem in found
        ]
        click.echo(
            json.dumps(
                {"sheets": report.sheets, "problems": problems}, indent=2, ensure_ascii=False
            )
        )
    else:
        for problem in report.warnings:
            click.secho(f"warning: {problem}", fg="yellow", err=True)
        for problem in report.errors:
            click.secho(f"error: {problem}", fg="red", err=True)
    failed = report.errors or (strict and report.warnings)
    if failed:
        count = len(report.errors) + (len(report.warnings) if strict else 0)
        raise FichepressError(f"{count} problem{'s' if count > 1 else ''} found")
    if output_format == "text":
        warned = f" ({counted(len(report.warnings), 'warning')})" if report.warnings else ""
        click.echo(f"{counted(report.sheets, 'sheet')} and the series file are valid{warned}")


@main.command()
@project_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder (default: build/ in the project).",
)
@click.option(
    "--variant",
    "variants",
    type=click.Choice(["print", "accessible"]),
    multiple=True,
    help="Build only this variant (repeat for both; default: both).",
)
@click.option("--strict", is_flag=True, help="Fail a sheet on any warning.")
@click.option("--no-collection", is_flag=True, help="Do not rebuild the collection.")
@click.option("--poll", is_flag=True, help="Poll for changes (network or shared folders).")
def watch(
    project_dir: Path | None,
    out: Path | None,
    variants: tuple[str, ...],
    strict: bool,
    no_collection: bool,
    poll: bool,
) -> None:
    """Build, then rebuild what each save changes, until Ctrl-C. Errors do not stop it."""
    from fichepress.serve.watch import watch as run_watch

    project = _project(project_dir)
    try:
        run_watch(
            project,
            _out(out, project),
            variants=variants or ("print", "accessible"),  # type: ignore[arg-type]
            strict=strict,
            collection=not no_collection,
            say=say,
            poll=poll,
        )
    except KeyboardInterrupt:
        # Ctrl-C in the middle of a build: outputs are written atomically, nothing is half done
        say("info", "stopped")


@main.command()
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

    project = _project(project_dir)
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


@main.command()
@project_option
def themes(project_dir: Path | None) -> None:
    """List the project's themes, what each extends, and which one the series uses."""
    from fichepress.core.errors import InvalidSource as Invalid
    from fichepress.html.themes import known_themes, load_theme
    from fichepress.source.load import load_series

    project = _project(project_dir)
    try:
        used = load_series(project).theme
    except Invalid:
        used = None
    for name in known_themes(project):
        try:
            theme = load_theme(project, name)
        except Invalid as invalid:
            click.secho(f"{name}: invalid ({invalid.problems[0]})", fg="red")
            continue
        chain = " → ".join(t.name for t in theme.chain)
        if theme.config.name:
            chain = f"{chain} “{theme.config.name}”"
        mark = " (used by the series)" if name == used else ""
        description = f": {theme.config.description}" if theme.config.description else ""
        click.echo(f"{chain}{mark}{description}")


@main.command()
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


@main.command()
@project_option
@click.argument("title")
@click.option("--number", type=click.IntRange(1, 9999), help="Its number (default: the next).")
def new(project_dir: Path | None, title: str, number: int | None) -> None:
    """Write a new sheet called TITLE from a commented template, with the next number."""
    from fichepress.scaffold.newsheet import new_sheet

    project = _project(project_dir)
    path = new_sheet(project, title, number=number)
    click.echo(f"wrote {project.display(path)}: fill in every [À COMPLÉTER] / [TO COMPLETE]")


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@format_option
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
    output_format: str,
    profile: str,
    sheet: Path | None,
    project_dir: Path | None,
) -> None:
    """Check PDFs: print ones as a print shop would (PDF/X-4, CMYK, ink, bleed, marks, fonts,
    images), accessible ones as PDF/UA-1 requires (tags, tree, headings, lists, figures, links,
    language, bookmarks, text, reading order, contrast as painted).

    Prints one line per finding (rule, page, what, where); exits with 1 if any is an error.
    """
    from fichepress.checks.pdfs import as_json, check_file

    source = None
    if sheet is not None:
        if len(files) != 1:
            raise click.UsageError("--source goes with one PDF only")
        source = _source(_project(project_dir), sheet)
    results = {str(path): check_file(path, profile, source) for path in files}
    if output_format == "json":
        click.echo(as_json(results))
    else:
        for file, findings in results.items():
            for finding in findings:
                colour = "red" if finding.severity == "error" else "yellow"
                click.secho(finding.line(file), fg=colour)
            if not findings:
                click.echo(f"{file}: no findings")
    errors = sum(f.severity == "error" for findings in results.values() for f in findings)
    if errors:
        raise FichepressError(f"{errors} error{'s' if errors > 1 else ''} in {len(files)} file(s)")


def _source(project: Project, path: Path) -> Source:
    """What the accessible PDF of the sheet at `path` must read as."""
    from fichepress.core.errors import InvalidSource
    from fichepress.series.builder import Builder
    from fichepress.source.load import load_sheets

    sources, problems = load_sheets(project, [located(path)])
    if problems:
        raise InvalidSource(problems)
    return Builder(project, project.root / "build").source(sources[0].sheet)


@main.command()
@project_option
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG file to write (default: build/proof/<sheet>-<variant>.png).",
)
@click.option(
    "--variant",
    type=click.Choice(["print", "accessible"]),
    default="print",
    show_default=True,
    help="Which PDF to show; print pages show their marks, trim and bleed boxes.",
)
@click.option(
    "--dpi", type=click.IntRange(10, 600), default=100, show_default=True, help="Resolution."
)
def proof(project_dir: Path | None, sheet: Path, out: Path | None, variant: str, dpi: int) -> None:
    """Build SHEET, then write a PNG of its pages side by side, for review."""
    from fichepress.serve.proof import make_proof

    project = _project(project_dir)
    report, written = make_proof(
        project,
        sheet,
        variant=variant,  # type: ignore[arg-type]
        dpi=dpi,
        target=resolved(out) if out else None,
    )
    try:
        _summarise(project, project.root / "build", report, False, "1 sheet")
    except BuildFailed as failed:
        raise BuildFailed(f"{failed.message}; no proof written") from None
    if written is None:
        raise BuildFailed("no proof written")
    click.echo(f"wrote {project.display(written)}")


@main.command()
@project_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--variant",
    "variants",
    type=click.Choice(["print", "accessible"]),
    multiple=True,
    help="Show only this variant (repeat for both; default: both).",
)
@click.option("--no-open", is_flag=True, help="Do not open the page in a browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (network or shared folders).")
def preview(
    project_dir: Path | None, port: int, variants: tuple[str, ...], no_open: bool, poll: bool
) -> None:
    """Serve every page of every sheet to a browser on 127.0.0.1, with the findings of each
    sheet beside its pages; rebuild on save and refresh the page by itself. Ctrl-C stops it."""
    from fichepress.serve.preview import serve

    project = _project(project_dir)
    serve(
        project,
        project.root / "build",
        variants=variants or ("print", "accessible"),  # type: ignore[arg-type]
        port=port,
        open_browser=not no_open,
        poll=poll,
        say=say,
    )
