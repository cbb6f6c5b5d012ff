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

from fichepress.core.findings import COUNTED, SEVERITIES, Finding, Severity, grouped
from fichepress.core.findings import told as told_line
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
    causes = grouped(findings)
    return {
        "command": command,
        "ok": ok,
        "summary": summary,
        "counts": {
            COUNTED[level]: sum(f.severity == level for f, _ in causes) for level in SEVERITIES
        },
        "findings": [{**finding.as_json(), "count": count} for finding, count in causes],
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


Told = tuple[str, Finding, int]
"""A cause as a command tells it: the level it is told at, the finding, the number of PDFs
it was found in."""


def levels(warnings: Iterable[Finding], problems: Iterable[Finding]) -> list[Told]:
    """Each cause once, the lesser first: the warnings (and any lesser severity) at their own
    severity, then the problems, each an error (a warning made one by --strict too)."""
    return [
        *((build_level(finding), finding, count) for finding, count in grouped(warnings)),
        *(("error", finding, count) for finding, count in grouped(problems)),
    ]


def build_level(finding: Finding) -> Severity:
    """The level a finding that stopped nothing is told at: its own, but a check's error in a
    PDF that was written anyway (a print shop's, PDF/UA's; it stops the PDF under --strict) is
    a warning of the build."""
    return "warning" if finding.severity == "error" else finding.severity


def heard(told: Iterable[Told], quiet: bool) -> list[Told]:
    """What is printed: everything, or under --quiet the errors only."""
    return [cause for cause in told if not quiet or cause[0] == "error"]


def tally(told: Sequence[Told]) -> str:
    """ "1 error, 2 warnings" (and ", 1 advice" when there is some): the causes of each
    severity; errors and warnings are always named, advice only when given."""
    counts = {severity: sum(level == severity for level, _, _ in told) for severity in SEVERITIES}
    return ", ".join(
        _counted_level(number, severity)
        for severity, number in counts.items()
        if number or severity != "advice"
    )


def _plural(level: Severity) -> str:
    """ "errors", "warnings", "advice"."""
    return COUNTED[level]


def _counted_level(number: int, level: Severity) -> str:
    return f"{number} {level if number == 1 else _plural(level)}"


def ending(ok: bool, what: str, told: Sequence[Told]) -> str:
    """The last line of every command that reports problems, in one form: "ok: <what> (0
    errors, 2 warnings)" or "failed: <what> (1 error, 0 warnings)"."""
    return f"{'ok' if ok else 'failed'}: {what} ({tally(told)})"


def finish(ok: bool, what: str, told: Sequence[Told]) -> None:
    """Print the ending on standard output; exit with 1 when not `ok`."""
    click.echo(ending(ok, what, told))
    if not ok:
        raise click.exceptions.Exit(1)


def build_what(project: Project, out_dir: Path, report: Report, what: str) -> str:
    """What a build did, for its ending: "2 sheets, 4 PDFs written to build/", with the
    number of sources that failed, or "everything is up to date"."""
    shown_out = project.display(out_dir)
    if not report.outputs and not report.failed and report.up_to_date:
        kept = counted(report.up_to_date, "PDF")
        return f"{what}, everything is up to date, {kept} in {shown_out}/"
    failed = f", {len(report.failed)} failed" if report.failed else ""
    return f"{what}, {counted(len(report.outputs), 'PDF')} written to {shown_out}/{failed}"


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
    """Print the findings (under `quiet` the errors only), the outputs written (`verbose`:
    kept too) and the ending; exit with 1 if anything failed."""
    shown_out = project.display(out_dir)
    told = levels(report.warnings, report.problems)
    summary = ending(not report.failed, build_what(project, out_dir, report, what), told)
    if output_format == "json":
        echo_json(report_document(command, project, report, summary))
        if report.failed:
            raise click.exceptions.Exit(1)
        return
    tell(heard(told, quiet))
    for output in report.outputs if not quiet else ():
        click.echo(f"  wrote {shown_out}/{output.path} ({counted(output.pages, 'page')})")
    for output in report.kept if verbose else ():
        click.echo(f"  kept {shown_out}/{output.path} (up to date)")
    finish(not report.failed, build_what(project, out_dir, report, what), told)


def summarise_up_to_date(
    project: Project,
    out_dir: Path,
    found: Stamp,
    output_format: str,
    *,
    quiet: bool = False,
    verbose: bool = False,
) -> None:
    """What a complete build prints when nothing changed since the last one: its warnings
    again, the outputs kept (`verbose`) and its ending; or its JSON report."""
    count = len(project.sheet_files())
    shown = project.display(out_dir)
    kept = counted(found.built, "PDF")
    what = f"{counted(count, 'sheet')}, everything is up to date, {kept} in {shown}/"
    told = levels(found.warnings, [])
    if output_format == "json":
        outputs = [
            output_json(path.split("/")[0], Path(path).stem, path, found.pages.get(path, 0), "kept")
            for path in sorted(found.outputs)
        ]
        summary = ending(True, what, told)
        echo_json(
            document(
                "build", summary, ok=True, findings=found.warnings, outputs=outputs, sheets=count
            )
        )
        return
    tell(heard(told, quiet))
    for path in sorted(found.outputs) if verbose else ():
        click.echo(f"  kept {shown}/{path} (up to date)")
    finish(True, what, told)


def tell(told: Iterable[Told]) -> None:
    """Each cause once, on standard error, after its level: "warning: …", "error: …"."""
    for level, finding, count in told:
        click.secho(f"{level}: {told_line(finding, count)}", fg=_COLOURS.get(level), err=True)


_COLOURS = {"info": None, "advice": "cyan", "warning": "yellow", "error": "red"}
"""The colour of each level; any other (advice) is printed plain."""


def say(level: str, message: str) -> None:
    """A timestamped line for long-running commands: information on stdout, the rest on
    stderr in colour."""
    prefix = "" if level in ("info", "done") else f"{level}: "
    stamp = time.strftime("%H:%M:%S")
    out = level in ("info", "done")
    click.secho(f"{stamp} {prefix}{message}", fg=_COLOURS.get(level), err=not out)


def say_aside(level: str, message: str) -> None:
    """What a long-running command says when its standard output is for machines: the
    information, timestamped, on standard error; its warnings and errors are in its JSON."""
    if level in ("info", "done"):
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
