"""What the commands print: counts, a build's summary and its JSON report, the timestamped
lines of long-running commands, and click's progress bar."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fichepress.core.errors import BuildFailed
from fichepress.core.findings import COUNTED, SEVERITIES, Finding, grouped, told
from fichepress.core.project import Project

if TYPE_CHECKING:
    from fichepress.series.report import Progress, Report
    from fichepress.series.stamp import Stamp

BAR_WIDTH = 24


def counted(number: int, word: str) -> str:
    """ "1 PDF", "2 PDFs": a number and the word it counts."""
    return f"{number} {word}{'' if number == 1 else 's'}"


def document(
    command: str,
    summary: str,
    *,
    ok: bool,
    findings: Iterable[Finding] = (),
    outputs: Iterable[dict[str, Any]] = (),
    sheets: int = 0,
) -> dict[str, Any]:
    """What a command did, for machines: the one shape of every `--format json` (the README's
    "Output for machines"); each cause once, with the number of times it was found."""
    told = grouped(findings)
    return {
        "command": command,
        "ok": ok,
        "summary": summary,
        "counts": {
            COUNTED[level]: sum(f.severity == level for f, _ in told) for level in SEVERITIES
        },
        "findings": [{**finding.as_json(), "count": count} for finding, count in told],
        "outputs": list(outputs),
        "sheets": sheets,
    }


def echo_json(told: dict[str, Any], *, one_line: bool = False) -> None:
    """A document for machines on standard output (`one_line`: one event of a stream)."""
    click.echo(json.dumps(told, indent=None if one_line else 2, ensure_ascii=False))


def output_json(variant: str, sheet: str, path: str, pages: int, status: str) -> dict[str, Any]:
    """One output as the JSON reports list it."""
    return {"variant": variant, "sheet": sheet, "path": path, "pages": pages, "status": status}


def report_outputs(project: Project, report: Report) -> list[dict[str, Any]]:
    """The outputs of a build: written, kept (up to date), and the sources that failed (the
    collection's is the series file)."""
    series = project.display(project.series_file)
    return [
        *(output_json(o.variant, o.sheet, o.path, o.pages, "written") for o in report.outputs),
        *(output_json(o.variant, o.sheet, o.path, o.pages, "kept") for o in report.kept),
        *(
            output_json("", "collection" if shown == series else Path(shown).stem, "", 0, "failed")
            for shown in sorted(report.failed)
        ),
    ]


def report_document(command: str, project: Project, report: Report, summary: str) -> dict[str, Any]:
    """A build's report for machines (`build`, `collection`, `watch`)."""
    return document(
        command,
        summary,
        ok=not report.failed,
        findings=[*report.warnings, *report.problems],
        outputs=report_outputs(project, report),
        sheets=report.sheets,
    )


def summarise(
    project: Project,
    out_dir: Path,
    report: Report,
    quiet: bool,
    what: str,
    output_format: str = "text",
    *,
    verbose: bool = False,
    command: str = "build",
) -> None:
    """Print the warnings, problems, outputs and a one-line summary; fail if anything failed.
    `verbose` lists the outputs kept as they were too."""
    shown_out = project.display(out_dir)
    warnings, problems = grouped(report.warnings), grouped(report.problems)
    summary = (
        f"{what}: {counted(len(report.outputs), 'PDF')} written to {shown_out}/, "
        f"{len(report.failed)} failed, "
        f"{counted(sum(f.severity == 'warning' for f, _ in warnings), 'warning')}"
    )
    if advice := sum(f.severity == "advice" for f, _ in warnings):
        summary += f", {advice} advice"
    if not report.outputs and not report.failed and report.up_to_date:
        kept = counted(report.up_to_date, "PDF")
        summary = f"{what}: everything is up to date ({kept} in {shown_out}/)"
    if output_format == "json":
        echo_json(report_document(command, project, report, summary))
        if report.failed:
            sys.exit(1)
        return
    tell(warnings, problems)
    for output in report.outputs if not quiet else ():
        click.echo(f"  wrote {shown_out}/{output.path} ({output.pages} pages)")
    for output in report.kept if verbose else ():
        click.echo(f"  kept {shown_out}/{output.path} (up to date)")
    if report.failed:
        raise BuildFailed(summary)
    click.echo(summary)


def summarise_up_to_date(
    project: Project, out_dir: Path, found: Stamp, output_format: str, *, verbose: bool
) -> None:
    """What a complete build prints when nothing changed since the last one: its warnings
    again, the outputs kept (`verbose`) and one line; or its JSON report."""
    count = len(project.sheet_files())
    shown = project.display(out_dir)
    kept = counted(found.built, "PDF")
    summary = f"{counted(count, 'sheet')}: everything is up to date ({kept} in {shown}/)"
    if output_format == "json":
        outputs = [
            output_json(path.split("/")[0], Path(path).stem, path, found.pages.get(path, 0), "kept")
            for path in sorted(found.outputs)
        ]
        echo_json(
            document(
                "build", summary, ok=True, findings=found.warnings, outputs=outputs, sheets=count
            )
        )
        return
    tell(grouped(found.warnings), [])
    for path in sorted(found.outputs) if verbose else ():
        click.echo(f"  kept {shown}/{path} (up to date)")
    click.echo(summary)


def tell(warnings: Sequence[tuple[Finding, int]], problems: Sequence[tuple[Finding, int]]) -> None:
    """The warnings and advice, then the problems, each cause once (see `grouped`), on standard
    error."""
    for level, found in (("warning", warnings), ("error", problems)):
        for finding, count in found:
            told_as = "advice" if finding.severity == "advice" and level == "warning" else level
            click.secho(f"{told_as}: {told(finding, count)}", fg=_COLOURS[told_as], err=True)


_COLOURS = {"info": None, "advice": "cyan", "warning": "yellow", "error": "red"}


def say(level: str, message: str) -> None:
    """A timestamped line for long-running commands: information on stdout, the rest on
    stderr in colour."""
    prefix = "" if level == "info" else f"{level}: "
    stamp = time.strftime("%H:%M:%S")
    click.secho(f"{stamp} {prefix}{message}", fg=_COLOURS[level], err=level != "info")


def say_aside(level: str, message: str) -> None:
    """What a long-running command says when its standard output is for machines: the
    information, timestamped, on standard error; its warnings and errors are in its JSON."""
    if level == "info":
        click.echo(f"{time.strftime('%H:%M:%S')} {message}", err=True)


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress]:
    """Items done / total and the current one, in click's progress bar on standard error,
    drawn at the first news and redrawn in place; nothing at all when standard error is not
    a terminal (CI logs, pipes) or when `quiet`."""
    if quiet or not sys.stderr.isatty():
        yield _unseen
        return
    bar = click.progressbar(
        length=0,
        show_eta=False,
        show_pos=True,
        item_show_func=_as_told,
        bar_template="[%(bar)s] %(info)s",
        info_sep=" ",
        width=BAR_WIDTH,
        file=sys.stderr,
    )
    with ExitStack() as shown:

        def update(done: int, total: int, current: str) -> None:
            if total <= 0:
                return
            # "[bar] done/total current" fits the terminal's width less one: the current one cut.
            used = len(f"[{'-' * BAR_WIDTH}] {done}/{total} ")
            room = shutil.get_terminal_size().columns - 1 - used
            bar.length, bar.pos, bar.finished = total, done, done >= total
            bar.current_item = current[: max(room, 0)]
            if bar.entered:
                bar.render_progress()
            else:
                shown.enter_context(bar)  # draws it

        yield update


def _unseen(done: int, total: int, current: str) -> None:
    """No progress bar."""


def _as_told(current: str | None) -> str | None:
    return current
