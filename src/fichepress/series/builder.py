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

import jinja2

from fichepress.checks.copyfit import copyfit_problems
from fichepress.core.colour import print_asset
from fichepress.core.errors import Problem, is_system_error, system_message
from fichepress.core.files import write_atomic
from fichepress.core.findings import Finding, stopping
from fichepress.core.project import Project
from fichepress.core.variants import ACCESSIBLE, VARIANT_NAMES, VARIANTS, VariantName
from fichepress.html.edition import Edition
from fichepress.html.render import edition_date, render_sheet, template_problem
from fichepress.html.themes import Theme
from fichepress.pdf.fonts import foreign_fonts_in
from fichepress.series.inputs import output_digest
from fichepress.series.manifest import Manifest
from fichepress.series.pipeline import PIPELINES, open_pdf
from fichepress.series.report import Output, Progress, Report
from fichepress.series.workers import InlinePool, Pool, WorkerFailed, WorkerPool, default_jobs
from fichepress.source.load import SheetSource
from fichepress.source.model import Sheet

if TYPE_CHECKING:
    import pikepdf

    from fichepress.checks.ua_source import Source
    from fichepress.pdf.write import Rendered, Renderer


class Builder:
    """Builds sheets of one project into an output folder."""

    def __init__(self, edition: Edition, out: Path, *, strict: bool = False) -> None:
        self.edition = edition
        self.project = edition.project
        self.out = out
        self.strict = strict
        self.series = edition.series
        self.theme: Theme = edition.theme
        self.print_transform = partial(print_asset, swatches=self.theme.rgb_to_swatch())
        self._renderer: Renderer | None = None
        self.logos = edition.logos

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

    def output_path(self, variant: VariantName, slug: str) -> Path:
        return self.out / VARIANTS[variant].folder / f"{slug}.pdf"

    def check_pdf(
        self,
        variant: VariantName,
        pdf: pikepdf.Pdf,
        known: Mapping[int, Any] | None = None,
        source: Source | None = None,
    ) -> list[Finding]:
        """What the checks of a variant find in a finished PDF, open, of that variant, at no
        file (`known`: the results of pages checked already, see `check_print` and
        `check_accessible`; `source`: what an accessible PDF must read as)."""
        pipeline = PIPELINES[variant]
        findings = pipeline.check(pdf, known or {}, source)
        return [replace(f, variant=variant) for f in findings]

    def source(self, sheet: Sheet) -> Source:
        """What the accessible PDF of a sheet must read as, from its HTML."""
        from fichepress.checks.ua_source import source_of
        from fichepress.pdf.expected import expected_tree

        return source_of(expected_tree(self.sheet_html(sheet, ACCESSIBLE.name)))

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
        self, variant: VariantName, pdf: pikepdf.Pdf, rendered: Rendered, html: str
    ) -> tuple[bytes, list[Finding]]:
        """The finished PDF of a variant (`pdf`, finished in place) and what its checks found,
        at no file."""
        parsed = html if rendered.tree is None else rendered.tree
        finished = PIPELINES[variant].finish(pdf, parsed)
        found = self.check_pdf(variant, pdf, finished.known, finished.source)
        if VARIANTS[variant].contrast:
            found += self.contrast(rendered)
        return finished.data, found

    def render(
        self, html: str, variant: VariantName, shown: str, report: Report
    ) -> Rendered | None:
        """WeasyPrint's PDF of `html`, or None with the problem in `report`."""
        from fichepress.pdf.write import RenderError

        try:
            return self.renderer.render(
                html,
                base_url=self.project.root.as_uri() + "/",
                variant=variant,
                transform=self.print_transform if VARIANTS[variant].cmyk else None,
            )
        except RenderError as error:
            report.problems.append(Problem(shown, message=f"{variant} PDF not made: {error}"))
            report.failed.add(shown)
            return None

    def deliver(
        self,
        name: str,
        shown: str,
        variant: VariantName,
        rendered: Rendered,
        html: str,
        report: Report,
        *,
        data: bytes | None = None,
        warnings: Sequence[Finding] = (),
        inputs: str = "",
    ) -> None:
        """Finish, check and write one output (`data` when it was changed since rendering),
        parsed once: finished, checked and its fonts read as it stands."""
        from fichepress.pdf.matching import StructureError

        all_warnings = [*self.notes(rendered, shown), *warnings]
        with open_pdf(rendered.data if data is None else data) as pdf:
            try:
                finished, findings = self.finish(variant, pdf, rendered, html)
            except StructureError as error:
                message = f"{variant} PDF not made: its structure could not be repaired: {error}"
                report.problems.append(Problem(shown, message=message))
                report.failed.add(shown)
                return
            fonts = foreign_fonts_in(pdf, self.theme.families)
        all_warnings += [replace(finding, file=shown) for finding in findings]
        self.write_output(
            name, shown, variant, finished, rendered.pages, all_warnings, report, inputs, fonts
        )

    def write_output(
        self,
        name: str,
        shown: str,
        variant: VariantName,
        finished: bytes,
        pages: int,
        warnings: Sequence[Finding],
        report: Report,
        inputs: str,
        fonts: Sequence[str],
    ) -> None:
        """Refuse a PDF with `fonts` not of the theme (what `foreign_fonts_in` found), apply
        --strict, write the PDF atomically and record it."""
        if fonts:
            report.problems.extend(
                Problem(shown, message=f"{variant} PDF not written: {font}") for font in fonts
            )
            report.failed.add(shown)
            return
        stops = stopping(warnings, self.strict)
        if stops:
            report.problems.extend(stops)
            report.warnings.extend(w for w in warnings if w not in stops)
            own = stopping(warnings, strict=False)  # what stops it even without --strict
            why = "its errors stop it" if own else "--strict turns warnings into errors"
            report.problems.append(Problem(shown, message=f"{variant} PDF not written: {why}"))
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

    def sheet_html(self, sheet: Sheet, variant: VariantName) -> str:
        """The HTML of a sheet in a variant, with the project's theme."""
        return render_sheet(
            sheet, self.series, variant=variant, look=self.theme.look(variant), logos=self.logos
        )

    def build_sheet(
        self, source: SheetSource, variant: VariantName, report: Report, inputs: str = ""
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
        underfilled = self.series.underfilled_pages
        warnings = copyfit_problems(source, shown, variant, rendered.fill, budget, underfilled)
        warnings += [draft.as_warning() for draft in drafts]
        self.deliver(
            source.slug, shown, variant, rendered, html, report, warnings=warnings, inputs=inputs
        )


# --- work in worker processes -------------------------------------------------------------

_worker: Builder | None = None
"""The builder of a worker process, made once by `start_worker`."""


def start_worker(edition: Edition, out: Path, strict: bool) -> None:
    """Set up a worker process: one builder (the edition's series and theme, loaded by the main
    process and sent once; the font configuration) for all its tasks."""
    global _worker
    _worker = Builder(edition, out, strict=strict)


def worker_builder() -> Builder:
    if _worker is None:
        raise RuntimeError("not in a worker process")
    return _worker


def _work(source: SheetSource, variants: tuple[tuple[VariantName, str], ...]) -> Report:
    """Build one sheet in a worker (sent with its task, as the main process loaded it):
    (variant, inputs digest) for each variant to build."""
    return _build_one(worker_builder(), source, variants)


def _build_one(
    builder: Builder, source: SheetSource, variants: Sequence[tuple[VariantName, str]]
) -> Report:
    report = Report()
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
    edition: Edition, out: Path, strict: bool, jobs: int | None
) -> WorkerPool | InlinePool:
    """Workers for the builds of `edition` into `out` (the sheets' and the collection's): `jobs`
    processes (default: one per processor), or this process when `jobs` is 1. Each is sent the
    edition once, as it starts, without its sheets: each task carries those it needs."""
    args = (edition.without_sheets(), out, strict)
    count = jobs or default_jobs()
    return WorkerPool(count, start_worker, args) if count > 1 else InlinePool(start_worker, args)


def build(
    edition: Edition,
    out: Path,
    *,
    sheets: Sequence[Path] | None = None,
    variants: Sequence[VariantName] = VARIANT_NAMES,
    strict: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> Report:
    """Build the stale outputs of `sheets` (default: every sheet of the edition) into `out`.

    An output whose inputs (inputs.py) have not changed since it was written is up to date and
    left alone; its warnings are told again. A bad sheet is reported and skipped; the others
    are built, by `jobs` worker processes (default: one per processor; or by `pool`'s, made by
    `worker_pool` with the same strictness). With `strict`, a sheet
    with any warning (preflight findings included) fails and its PDF is not written.
    """
    report = Report()
    project = edition.project
    chosen = edition if sheets is None else edition.select(list(sheets))
    report.problems.extend(chosen.problems)
    report.failed |= {problem.file for problem in chosen.problems}
    report.sheets = len(chosen.paths)
    manifest = Manifest(out)
    common = edition.common
    todo: list[tuple[SheetSource, tuple[tuple[VariantName, str], ...]]] = []
    for source in chosen.sheets:
        stale: list[tuple[VariantName, str]] = []
        date = edition_date(edition.series, source.sheet).isoformat()
        for variant in variants:
            inputs = output_digest(common, variant, [source.path], project, date)
            entry = manifest.fresh(source.slug, variant, inputs)
            if entry is None:
                stale.append((variant, inputs))
                continue
            report.up_to_date += 1
            report.kept.append(entry)
            stops = stopping(entry.warnings, strict)
            report.problems += stops
            report.warnings += [w for w in entry.warnings if w not in stops]
            if stops:
                report.failed.add(project.display(source.path))
        if stale:
            todo.append((source, tuple(stale)))
    if todo:
        with worker_pool(edition, out, strict, jobs) if pool is None else kept(pool) as workers:
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
    todo: Sequence[tuple[SheetSource, tuple[tuple[VariantName, str], ...]]],
    report: Report,
    progress: Progress | None,
) -> None:
    """Build what is stale by the pool's workers, one task per output so that both variants
    of a sheet can be built at once; report in number order."""
    tasks = [(source, (variant,)) for source, variants in todo for variant in variants]
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
