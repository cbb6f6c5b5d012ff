"""`fichepress watch`: rebuild what a save changed, say what went wrong, keep watching.

A sheet saved: that sheet is rebuilt. The series file, a theme, a font or a logo saved: every
sheet is. Then the collection, unless told not to. Errors are reported and watching goes on;
the previous good PDFs stay in place. File events come from the `watchfiles` package (inotify,
FSEvents or polling, whatever the system offers).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from threading import Event

import watchfiles

from fichepress.core.errors import InvalidSource, is_system_error, system_message
from fichepress.core.findings import Finding, grouped, told
from fichepress.core.project import SERIES_FILE, Project
from fichepress.core.variants import VariantName
from fichepress.html.edition import Edition, load_edition
from fichepress.series.report import Report
from fichepress.series.run import BuildOptions, run

Say = Callable[[str, str], None]
"""(level, message): level is "info", "done" (the last line of a rebuild), or a finding's
severity ("error", "warning"...)."""

Ending = Callable[[bool, str, Report], str]
"""(whether the rebuild went through, what it did, its report): the last line of a rebuild."""


def plain_ending(_ok: bool, what: str, _report: Report) -> str:
    """What the rebuild did, alone."""
    return what


def _watched(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and not name.endswith((".tmp", "~"))


def sheets_to_rebuild(project: Project, changed: Iterable[Path]) -> list[Path] | None:
    """The sheets a set of changed files calls for: None means every sheet."""
    sheets: set[Path] = set()
    for path in changed:
        resolved = path.resolve()
        is_sheet = (
            resolved.parent == project.sheets.resolve()
            and resolved.suffix == ".yaml"
            and resolved.name != SERIES_FILE
        )
        if not is_sheet:
            if resolved.is_relative_to(project.sheets.resolve() / "schema"):
                continue  # the editors' schema shapes no output
            return None
        if resolved.exists():
            sheets.add(resolved)
    return sorted(sheets)


Told = Callable[[Report, str], None]
"""(what a rebuild did, its summary): each rebuild's report, for machines and the preview."""


def _tell(report: Report, say: Say) -> None:
    """Each cause once: the warnings (and lesser) at their severity, then the errors."""
    for finding, count in grouped(report.warnings):
        say("warning" if finding.severity == "error" else finding.severity, told(finding, count))
    for finding, count in grouped(report.problems):
        say("error", told(finding, count))


def _merge(done: Report, report: Report) -> None:
    """A report of the run (the sheets', the collection's) added to the rebuild's: a problem
    both found is told once."""
    report.problems = [p for p in report.problems if p not in done.problems]
    done.merge(report)
    done.sheets = max(done.sheets, report.sheets)


def _attempt(project: Project, done: Report, run: Callable[[], Report]) -> bool:
    """Run one build into `done`; False when it could not start (an invalid series file or
    theme, a failure of the system such as a full disk: watching goes on)."""
    try:
        report = run()
    except InvalidSource as invalid:
        done.problems += invalid.problems
        return False
    except OSError as error:
        if not is_system_error(error):
            raise
        done.problems.append(Finding(message=system_message(error, project.display)))
        return False
    _merge(done, report)
    return True


def rebuild(
    project: Project,
    out: Path,
    sheets: Sequence[Path] | None,
    *,
    variants: Sequence[VariantName],
    strict: bool,
    collection: bool,
    say: Say,
    edition: Edition | None = None,
    tell: Told | None = None,
    ending: Ending = plain_ending,
) -> Edition | None:
    """Build the given sheets (None: all) and the collection; say what happened (each cause
    once), and `tell` the report; its last line is said as "done", in the form `ending` gives.

    `edition`: the one the last rebuild loaded, of which only the files `sheets` changed;
    without it, or when `sheets` is None, everything is loaded again. Returns the edition
    built, for the next rebuild; None when it could not be loaded or its sheets not built."""
    start = time.perf_counter()
    done = Report()
    reports: list[Report] = []

    def told(report: Report) -> None:  # as each stage ends, before the run merges its reports
        reports.append(report)
        _merge(done, report)

    options = BuildOptions(
        out,
        tuple(variants),
        strict=strict,
        collection=collection,
        sheets=None if sheets is None else tuple(sheets),
        stamp=False,
        collection_after_problems=True,
    )

    def load() -> Report:
        nonlocal edition
        if edition is None or sheets is None:
            edition = load_edition(project)
        else:
            edition = edition.with_sheets(sheets)
        run(project, options, tell=told, edition=edition)
        return Report()

    # Built when the sheets' report came, even if the collection then stopped (a full disk).
    built = _attempt(project, done, load) or bool(reports)
    _tell(done, say)
    written = len(done.outputs)
    elapsed = time.perf_counter() - start
    what = f"{written} PDF{'' if written == 1 else 's'} written in {elapsed:.1f} s"
    if not built:
        what = "not built"
    summary = ending(built and not done.failed and not done.problems, what, done)
    if tell is not None:
        tell(done, summary)
    say("done", summary)
    return edition if built else None


def watch(
    project: Project,
    out: Path,
    *,
    variants: Sequence[VariantName],
    strict: bool = False,
    collection: bool = True,
    say: Say,
    stop: Event | None = None,
    poll: bool = False,
    tell: Told | None = None,
    ending: Ending = plain_ending,
) -> None:
    """Build everything once, then rebuild on every save until `stop` is set (or Ctrl-C): the
    sheets saved are loaded again, or everything when anything else was; `tell` is given each
    rebuild's report."""
    again = partial(
        rebuild,
        variants=variants,
        strict=strict,
        collection=collection,
        say=say,
        tell=tell,
        ending=ending,
    )
    edition = again(project, out, None)
    folders = [folder for folder in project.readable if folder.is_dir()]
    watching = "watching " + ", ".join(project.display(f) + "/" for f in folders)
    ready = False
    for changes in watchfiles.watch(
        *folders,
        watch_filter=lambda change, path: _watched(path),
        debounce=300,
        stop_event=stop,
        force_polling=poll or None,
        raise_interrupt=True,  # Ctrl-C: the command ends, in one line
        yield_on_timeout=True,  # a first, empty yield once the watcher is in place
        rust_timeout=500,
    ):
        if not ready:
            say("info", watching)
            ready = True
        if not changes:
            continue
        changed = sorted({Path(path) for _, path in changes})
        shown = ", ".join(project.display(path) for path in changed)
        sheets = sheets_to_rebuild(project, changed)
        say("info", f"changed: {shown}")
        edition = again(project, out, sheets, edition=edition)
