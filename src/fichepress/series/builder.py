"""Build every sheet of a series in both variants: validate all, decide what is stale, render
what is (in parallel worker processes), write atomically, and keep the manifest.

Nothing here imports WeasyPrint until something has to be rendered: a build where everything is
up to date only reads the sources and the manifest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

import jinja2

from fichepress.checks.copyfit import copyfit_problems
from fichepress.core.colour import print_asset
from fichepress.core.errors import Problem, is_system_error, system_message
from fichepress.core.files import write_atomic
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.html.render import (
    VARIANTS,
    Variant,
    edition_date,
    logo_urls,
    render_sheet,
    template_problem,
)
from fichepress.html.themes import Theme, load_theme
from fichepress.series.inputs import common_digest, output_digest
from fichepress.series.manifest import Manifest
from fichepress.series.report import Output, Progress, Report
from fichepress.series.workers import InlinePool, Pool, WorkerFailed, WorkerPool, default_jobs
from fichepress.source.load import SheetSource, load_series, load_sheets
from fichepress.source.model import Series, Sheet

if TYPE_CHECKING:
    from fichepress.checks.ua_source import Source
    from fichepress.pdf.write import Rendered, Renderer


class Builder:
    """Builds sheets of one project into an output folder."""

    def __init__(
        self, project: Project, out: Path, series: Series | None = None, *, strict: bool = False
    ) -> None:
        self.project = project
        self.out = out
        self.strict = strict
        self.series = series or load_series(project)
        self.theme: Theme = load_theme(project, self.series.theme)
        self.print_transform = partial(print_asset, swatches=self.theme.rgb_to_swatch())
        self._renderer: Renderer | None = None
        self.logos = logo_urls(self.series, project.sheets)

    @property
    def renderer(self) -> Renderer:
        """WeasyPrint, imported when something has to be rendered, not before."""
        if self._renderer is None:
            from fichepress.pdf.write import (
                Renderer,
                SandboxFetcher,
                project_font_config,
                stylesheet_notes,
            )

            self._renderer = Renderer(
                SandboxFetcher(self.project.readable, self.project.root),
                project_font_config(self.out),
                stylesheet_notes(self.stylesheets()),
            )
        return self._renderer

    def stylesheets(self) -> list[tuple[Path, str]]:
        """Every stylesheet of the theme a rendering may read (each variant's, the
        collection's, what they import), and its path as messages show it."""
        from fichepress.html.themecss import stylesheet_problems

        roots = [p for v in VARIANTS for p in self.theme.stylesheets(v, collection=True)]
        files, _ = stylesheet_problems(list(dict.fromkeys(roots)), self.project)
        return [(path, self.project.display(path)) for path in files]

    @cached_property
    def logo_places(self) -> dict[str, Problem]:
        """Each logo of the series file, as messages show its file, to where the series
        file names it."""
        from fichepress.source.load import logo_places

        return logo_places(self.project, self.series)

    def output_path(self, variant: Variant, slug: str) -> Path:
        return self.out / variant / f"{slug}.pdf"

    def finish_pdf(self, variant: Variant, data: bytes, html: str | Element) -> bytes:
        """WeasyPrint's PDF made ready: for the press, or with its structure rebuilt from the
        HTML (its text, or the tree WeasyPrint parsed)."""
        if variant == "print":
            from fichepress.pdf.prepress import finish_print_pdf

            return finish_print_pdf(data)
        from fichepress.pdf.tagging import finish_accessible_pdf

        return finish_accessible_pdf(data, html)

    def check_pdf(
        self,
        variant: Variant,
        data: bytes,
        known: Mapping[int, Any] | None = None,
        source: Source | None = None,
    ) -> list[Finding]:
        """What the checks of a variant find in a finished PDF, of that variant, at no file
        (`known`: the results of pages checked already, see `check_print` and
        `check_accessible`; `source`: what an accessible PDF must read as)."""
        if variant == "print":
            from fichepress.checks.printing import check_print

            return [replace(f, variant=variant) for f in check_print(data, known)]
        from fichepress.checks.accessibility import check_accessible

        findings = check_accessible(data, known, source=source)
        return [replace(f, variant=variant) for f in findings]

    def source(self, sheet: Sheet) -> Source:
        """What the accessible PDF of a sheet must read as, from its HTML."""
        from fichepress.checks.ua_source import source_of
        from fichepress.pdf.expected import expected_tree

        return source_of(expected_tree(self.sheet_html(sheet, "accessible")))

    def contrast(self, rendered: Rendered) -> list[Finding]:
        """Text colours on their backgrounds under WCAG AA, named by swatch, at no file."""
        from fichepress.core.contrast import contrast_problems

        names = self.theme.swatch_names()
        return [
            Finding(message=m, severity="warning", rule="contrast", variant="accessible")
            for m in contrast_problems(rendered.colour_pairs, names)
        ]

    def notes(self, rendered: Rendered, shown: str) -> list[Finding]:
        """What the rendering said: at `shown` (the source rendered) unless at a file of
        its own (a stylesheet, a picture; a logo at the line of the series file naming it)."""
        notes = []
        for note in rendered.warnings:
            if not note.file:
                note = replace(note, file=shown)
            elif note.rule == "picture" and note.file in self.logo_places:
                place = self.logo_places[note.file]  # a logo of the series: told where named
                note = replace(
                    note, file=place.file, line=place.line, column=place.column, key=place.key
                )
            notes.append(note)
        return notes

    def finish(
        self, variant: Variant, data: bytes, rendered: Rendered, html: str
    ) -> tuple[bytes, list[Finding]]:
        """The finished PDF of a variant and what its checks found, at no file."""
        parsed = html if rendered.tree is None else rendered.tree
        if variant == "print":
            data = self.finish_pdf(variant, data, parsed)
            return data, self.check_pdf(variant, data)
        from fichepress.checks.accessibility import PageMarks
        from fichepress.checks.ua_source import source_of
        from fichepress.pdf.expected import expected_tree
        from fichepress.pdf.tagging import repair

        # The repair knows what it wrote in each page: the check reads the rest of the PDF.
        expected = expected_tree(parsed)
        data, scans = repair(data, expected)
        known = {index: PageMarks.of(scan) for index, scan in enumerate(scans)}
        source = source_of(expected)
        return data, self.check_pdf(variant, data, known, source) + self.contrast(rendered)

    def render(self, html: str, variant: Variant, shown: str, report: Report) -> Rendered | None:
        """WeasyPrint's PDF of `html`, or None with the problem in `report`."""
        from fichepress.pdf.write import RenderError

        try:
            return self.renderer.render(
                html,
                base_url=self.project.root.as_uri() + "/",
                variant=variant,
                transform=self.print_transform if variant == "print" else None,
            )
        except RenderError as error:
            report.problems.append(Problem(shown, message=f"{variant} PDF not made: {error}"))
            report.failed.add(shown)
            return None

    def deliver(
        self,
        name: str,
        shown: str,
        variant: Variant,
        rendered: Rendered,
        html: str,
        report: Report,
        *,
        data: bytes | None = None,
        warnings: Sequence[Finding] = (),
        inputs: str = "",
    ) -> None:
        """Finish, check and write one output (`data` when it was changed since rendering)."""
        from fichepress.pdf.matching import StructureError

        all_warnings = [*self.notes(rendered, shown), *warnings]
        try:
            finished, findings = self.finish(
                variant, rendered.data if data is None else data, rendered, html
            )
        except StructureError as error:
            message = f"{variant} PDF not made: its structure could not be repaired: {error}"
            report.problems.append(Problem(shown, message=message))
            report.failed.add(shown)
            return
        all_warnings += [replace(finding, file=shown) for finding in findings]
        self.write_output(
            name, shown, variant, finished, rendered.pages, all_warnings, report, inputs
        )

    def write_output(
        self,
        name: str,
        shown: str,
        variant: Variant,
        finished: bytes,
        pages: int,
        warnings: Sequence[Finding],
        report: Report,
        inputs: str,
        fonts: Sequence[str] | None = None,
    ) -> None:
        """Check the fonts (unless `fonts` gives the check's result), apply --strict, write
        the PDF atomically and record it."""
        if fonts is None:
            from fichepress.pdf.scan import foreign_fonts

            fonts = foreign_fonts(finished, self.theme.families)
        if fonts:
            report.problems.extend(
                Problem(shown, message=f"{variant} PDF not written: {font}") for font in fonts
            )
            report.failed.add(shown)
            return
        if self.strict and warnings:
            report.problems.extend(warnings)
            message = f"{variant} PDF not written: --strict turns warnings into errors"
            report.problems.append(Problem(shown, message=message))
            report.failed.add(shown)
            return
        report.warnings.extend(warnings)
        target = self.output_path(variant, name)
        write_atomic(target, finished)
        report.outputs.append(
            Output(
                variant=variant,
                sheet=name,
                source=shown,
                path=target.relative_to(self.out).as_posix(),
                pages=pages,
                sha256=hashlib.sha256(finished).hexdigest(),
                inputs=inputs,
                warnings=tuple(warnings),
            )
        )

    def sheet_html(self, sheet: Sheet, variant: Variant) -> str:
        """The HTML of a sheet in a variant, with the project's theme."""
        return render_sheet(
            sheet, self.series, variant=variant, look=self.theme.look(variant), logos=self.logos
        )

    def build_sheet(
        self, source: SheetSource, variant: Variant, report: Report, inputs: str = ""
    ) -> None:
        """Render one sheet in one variant and write it; record problems in `report`."""
        from fichepress.checks.authoring import placeholder_problems, refusal_problems

        shown = self.project.display(source.path)
        budget = source.sheet.page_budget or self.series.page_budget
        # Characters that would print as empty boxes; a sheet too long to lay out in minutes.
        drafts = placeholder_problems(source, shown)  # a draft: --strict does not publish it
        refused = refusal_problems(source, shown, budget, self.theme)
        refused = refused or (drafts if self.strict else [])
        if refused:
            report.problems += [p for p in refused if p not in report.problems]
            report.failed.add(shown)
            return
        try:
            html = self.sheet_html(source.sheet, variant)
        except jinja2.TemplateError as error:
            problem = template_problem(error, lambda path: self.project.display(Path(path)))
            report.problems.append(replace(problem, message=f"{problem.message} ({shown})"))
            report.failed.add(shown)
            return
        rendered = self.render(html, variant, shown, report)
        if rendered is None:
            return
        budget = source.sheet.page_budget or self.series.page_budget
        warnings = copyfit_problems(source, shown, variant, rendered.fill, budget)
        warnings += [draft.as_warning() for draft in drafts]
        self.deliver(
            source.slug, shown, variant, rendered, html, report, warnings=warnings, inputs=inputs
        )


# --- work in worker processes -------------------------------------------------------------

_worker: Builder | None = None
"""The builder of a worker process, made once by `start_worker`."""


_setup_failed: Exception | None = None


def start_worker(root: str, out: str, strict: bool) -> None:
    """Set up a worker process: one builder (theme, font configuration) for all its tasks.

    A project the builder refuses (a bad series file or theme) is told by the main process,
    which reads it too; here it is kept for the tasks, not printed as a crash."""
    global _worker, _setup_failed
    try:
        _worker = Builder(Project(Path(root)), Path(out), strict=strict)
    except Exception as error:
        _setup_failed = error


def worker_builder() -> Builder:
    if _worker is None:
        raise _setup_failed or RuntimeError("not in a worker process")
    return _worker


def _work(path: str, variants: tuple[tuple[Variant, str], ...]) -> Report:
    """Build one sheet in a worker: (variant, inputs digest) for each variant to build."""
    return _build_one(worker_builder(), Path(path), variants)


def _build_one(builder: Builder, path: Path, variants: Sequence[tuple[Variant, str]]) -> Report:
    report = Report()
    sources, problems = load_sheets(builder.project, [path])
    report.problems += problems
    report.failed |= {problem.file for problem in problems}
    for source in sources:
        for variant, inputs in variants:
            try:
                builder.build_sheet(source, variant, report, inputs)
            except OSError as error:
                if not is_system_error(error):
                    raise
                # A full disk, a folder that may not be written: said as the system says it,
                # for this output; the previous PDF is left whole (written atomically).
                shown = builder.project.display(source.path)
                told = system_message(error, builder.project.display)
                report.problems.append(Problem(shown, message=f"{variant} PDF not made: {told}"))
                report.failed.add(shown)
    return report


def worker_pool(
    project: Project, out: Path, strict: bool, jobs: int | None
) -> WorkerPool | InlinePool:
    """Workers for the builds of `project` into `out` (the sheets' and the collection's): `jobs`
    processes (default: one per processor), or this process when `jobs` is 1."""
    args = (str(project.root), str(out), strict)
    count = jobs or default_jobs()
    return WorkerPool(count, start_worker, args) if count > 1 else InlinePool(start_worker, args)


def build(
    project: Project,
    out: Path,
    *,
    sheets: Sequence[Path] | None = None,
    variants: Sequence[Variant] = VARIANTS,
    strict: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> Report:
    """Build the stale outputs of `sheets` (default: every sheet of the series) into `out`.

    An output whose inputs (inputs.py) have not changed since it was written is up to date and
    left alone; its warnings are told again. An invalid series file or theme raises
    `InvalidSource` before anything is written. A bad sheet is reported and skipped; the others
    are built, by `jobs` worker processes (default: one per processor; or by `pool`'s, made by
    `worker_pool` with the same strictness). With `strict`, a sheet
    with any warning (preflight findings included) fails and its PDF is not written.
    """
    report = Report()
    series = load_series(project)
    theme = load_theme(project, series.theme)
    paths = list(sheets) if sheets is not None else project.sheet_files()
    sources, problems = load_sheets(project, paths)
    report.problems.extend(problems)
    report.failed |= {problem.file for problem in problems}
    report.sheets = len(paths)
    manifest = Manifest(out)
    common = common_digest(project, series, theme)
    todo: list[tuple[SheetSource, tuple[tuple[Variant, str], ...]]] = []
    for source in sorted(sources, key=lambda s: s.sheet.number):
        stale: list[tuple[Variant, str]] = []
        date = edition_date(series, source.sheet).isoformat()
        for variant in variants:
            inputs = output_digest(common, variant, [source.path], project, date)
            entry = manifest.fresh(source.slug, variant, inputs)
            if entry is None:
                stale.append((variant, inputs))
                continue
            report.up_to_date += 1
            report.kept.append(entry)
            if strict and entry.warnings:
                report.problems += entry.warnings
                report.failed.add(project.display(source.path))
            else:
                report.warnings += entry.warnings
        if stale:
            todo.append((source, tuple(stale)))
    if todo:
        with worker_pool(project, out, strict, jobs) if pool is None else kept(pool) as workers:
            _run(workers, project, todo, report, progress)
    if report.outputs:
        manifest.write(report.outputs)
    return report


@contextmanager
def kept(pool: Pool) -> Iterator[Pool]:
    """A pool someone else will close."""
    yield pool


def _run(
    pool: Pool,
    project: Project,
    todo: Sequence[tuple[SheetSource, tuple[tuple[Variant, str], ...]]],
    report: Report,
    progress: Progress | None,
) -> None:
    """Build what is stale by the pool's workers, one task per output so that both variants
    of a sheet can be built at once; report in number order."""
    tasks = [(str(source.path), (variant,)) for source, variants in todo for variant in variants]
    owner = [number for number, (_, variants) in enumerate(todo) for _ in variants]
    left = [len(variants) for _, variants in todo]
    results: dict[int, Report] = {}
    done = 0
    if progress:
        progress(0, len(todo), project.display(todo[0][0].path))
    for index, result in pool.run(_work, tasks):
        shown = project.display(todo[owner[index]][0].path)
        if isinstance(result, WorkerFailed):
            result = Report(
                problems=[Problem(shown, message=f"not built: {result}")], failed={shown}
            )
        results[index] = result
        left[owner[index]] -= 1
        if left[owner[index]] == 0:
            done += 1
            if progress:
                progress(done, len(todo), shown)
    for index in range(len(tasks)):
        found = results[index]
        found.problems = [p for p in found.problems if p not in report.problems]
        report.merge(found)
