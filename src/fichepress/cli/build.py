"""The commands that build: `build`, `collection`, `watch`, `preview` and `proof`; one build of
an output folder at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fichepress.cli.options import (
    jobs_option,
    loudness,
    out_from,
    output_options,
    poll_option,
    project_from,
    project_option,
    reporting_options,
    shard_of,
    shard_option,
    sheets_argument,
    variants_option,
)
from fichepress.cli.output import (
    counted,
    echo_json,
    ending,
    levels,
    progress_bar,
    report_document,
    say,
    say_aside,
    summarise,
    summarise_up_to_date,
)
from fichepress.core.files import resolved
from fichepress.core.reading import located
from fichepress.core.variants import VARIANT_NAMES
from fichepress.series.run import BuildOptions, run

if TYPE_CHECKING:
    from fichepress.core.variants import VariantName
    from fichepress.series.report import Report


@click.command()
@project_option
@sheets_argument
@output_options(
    "Fail a sheet on any warning: preflight findings, page budget, CSS WeasyPrint ignored."
)
@jobs_option
@click.option(
    "--no-collection",
    is_flag=True,
    help="Do not build the collection (it is built when no SHEETS are given).",
)
@shard_option
@reporting_options
def build(
    project_dir: Path | None,
    sheets: tuple[Path, ...],
    out: Path | None,
    variants: tuple[VariantName, ...],
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
    loudness(quiet, verbose)
    project = project_from(project_dir)
    out_dir = out_from(out, project)
    if shard is not None:
        if sheets:
            raise click.UsageError("give SHEETS or --shard, not both")
        sheets = tuple(shard_of(project.sheet_files(), *shard))
        if output_format == "text" and not quiet:
            click.echo(f"shard {shard[0]}/{shard[1]}: {len(sheets)} of the series' sheets")
        if not sheets:
            return  # a share may hold none: nothing to build
    with _locked(out_dir):
        options = BuildOptions(
            out_dir,
            variants,
            strict=strict,
            jobs=jobs,
            collection=not sheets and not no_collection,
            sheets=tuple(located(path) for path in sheets) or None,
            share=shard is not None and not no_collection,
        )
        with progress_bar(quiet) as progress:
            made = run(project, options, progress=progress)
        if made.up_to_date is not None:
            found = made.up_to_date
            summarise_up_to_date(
                project, out_dir, found, output_format, quiet=quiet, verbose=verbose
            )
            return
        assert made.report is not None  # built, since not up to date
        what = counted(made.report.sheets, "sheet")
        summarise(project, out_dir, made.report, quiet, what, output_format, verbose=verbose)


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """One build of an output folder at a time; what an interrupted build left is removed
    before (and after Ctrl-C), the fonts' copies after."""
    from fichepress.core.files import build_lock, remove_font_copies, remove_leftovers

    def waiting() -> None:
        click.echo("waiting for another build of this folder to end…", err=True)

    with build_lock(out_dir, waiting):
        remove_leftovers(out_dir)
        try:
            yield
        except KeyboardInterrupt:
            remove_leftovers(out_dir)  # the workers are stopped: nothing of theirs is running
            raise
        finally:
            remove_font_copies(out_dir)


@click.command()
@project_option
@output_options("Fail on any warning, as `build --strict` does.")
@jobs_option
@click.option(
    "--from",
    "shares",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    multiple=True,
    metavar="FOLDER",
    help="The output folder of a `build --shard` (repeat for each share): its PDFs and "
    "collection parts are gathered into the output folder first.",
)
@reporting_options
def collection(
    project_dir: Path | None,
    out: Path | None,
    variants: tuple[VariantName, ...],
    strict: bool,
    jobs: int | None,
    shares: tuple[Path, ...],
    quiet: bool,
    verbose: bool,
    output_format: str,
) -> None:
    """Build the whole series as one PDF per variant: cover, contents, sheets, colophon.

    With --from, the series was built in shares (`build --shard I/N`, one output folder
    each): their sheets' PDFs and collection parts are gathered, checked against their sha256,
    and only the parts no share rendered are rendered here."""
    from fichepress.series.shards import gather

    loudness(quiet, verbose)
    project = project_from(project_dir)
    out_dir = out_from(out, project)
    with _locked(out_dir), progress_bar(quiet) as progress:
        gathered = gather(project, out_dir, [folder.resolve() for folder in shares])
        if shares and output_format == "text" and not quiet:
            click.echo(
                f"gathered {gathered.pdfs} PDFs and {gathered.parts} collection parts"
                f" from {gathered.shares} shares"
            )
        options = BuildOptions(out_dir, variants, strict=strict, jobs=jobs, sheets=())
        report = run(project, options, progress=progress).report
        assert report is not None  # the collection alone is never found up to date by a stamp
        report.warnings[:0] = [problem.as_warning() for problem in gathered.problems]
    what = f"collection of {counted(report.sheets, 'sheet')}"
    summarise(
        project, out_dir, report, quiet, what, output_format, verbose=verbose, command="collection"
    )


@click.command()
@project_option
@output_options("Fail a sheet on any warning.")
@click.option("--no-collection", is_flag=True, help="Do not rebuild the collection.")
@poll_option
@reporting_options
def watch(
    project_dir: Path | None,
    out: Path | None,
    variants: tuple[VariantName, ...],
    strict: bool,
    no_collection: bool,
    poll: bool,
    quiet: bool,
    verbose: bool,
    output_format: str,
) -> None:
    """Build, then rebuild what each save changes, until Ctrl-C. Errors do not stop it; each
    rebuild ends with one line, as `build` does.

    With --format json, each rebuild is one line of JSON on standard output."""
    from fichepress.serve.watch import watch as run_watch

    loudness(quiet, verbose)
    project = project_from(project_dir)
    out_dir = out_from(out, project)

    def event(report: Report, summary: str) -> None:
        echo_json(report_document("watch", project, report, summary), one_line=True)

    def written(report: Report, _summary: str) -> None:
        for output in report.outputs:
            pages = counted(output.pages, "page")
            say("info", f"  wrote {project.display(out_dir)}/{output.path} ({pages})")

    def heard(level: str, message: str) -> None:
        if not quiet or level in ("error", "done"):
            say(level, message)

    json = output_format == "json"
    # Until Ctrl-C: outputs are written atomically, the workers stopped, nothing is half done.
    run_watch(
        project,
        out_dir,
        variants=variants,
        strict=strict,
        collection=not no_collection,
        say=say_aside if json else heard,
        poll=poll,
        tell=event if json else written if verbose else None,
        ending=round_ending,
    )


def round_ending(ok: bool, what: str, report: Report) -> str:
    """The last line of a rebuild of `watch` or `preview`, in the form of every command's."""
    return ending(ok, what, levels(report.warnings, report.problems))


@click.command()
@project_option
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG file to write (default: build/proof/<sheet>-<variant>.png).",
)
@click.option(
    "--variant",
    type=click.Choice(list(VARIANT_NAMES)),
    default="print",
    show_default=True,
    help="Which PDF to show; print pages show their marks, trim and bleed boxes.",
)
@click.option(
    "--dpi", type=click.IntRange(10, 600), default=100, show_default=True, help="Resolution."
)
def proof(
    project_dir: Path | None, sheet: Path, out: Path | None, variant: VariantName, dpi: int
) -> None:
    """Build SHEET, then write a PNG of its pages side by side, for review."""
    from fichepress.serve.proof import make_proof

    project = project_from(project_dir)
    report, written = make_proof(
        project,
        sheet,
        variant=variant,
        dpi=dpi,
        target=resolved(out) if out else None,
    )
    if written is None:
        click.echo("no proof written", err=True)
        summarise(project, project.root / "build", report, False, "1 sheet")
        raise click.exceptions.Exit(1)  # built, but no PDF to show
    summarise(project, project.root / "build", report, False, "1 sheet")
    click.echo(f"wrote {project.display(written)}")


@click.command()
@project_option
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDRESS",
    help="Address to serve on. The default serves this machine only; another (0.0.0.0 in a "
    "container) exposes the preview to the network: anyone who reaches it sees the sheets.",
)
@variants_option("Show only this variant (repeat for both; default: both).")
@click.option("--no-open", is_flag=True, help="Do not open the page in a browser.")
@poll_option
def preview(
    project_dir: Path | None,
    port: int,
    host: str,
    variants: tuple[VariantName, ...],
    no_open: bool,
    poll: bool,
) -> None:
    """Serve every page of every sheet to a browser (on 127.0.0.1 unless --host says), with
    the findings of each sheet beside its pages; rebuild on save and refresh the page by
    itself. Ctrl-C stops it."""
    from fichepress.serve.preview import serve

    project = project_from(project_dir)
    serve(
        project,
        project.root / "build",
        variants=variants,
        port=port,
        host=host,
        open_browser=not no_open,
        poll=poll,
        say=say,
        ending=round_ending,
    )
