"""Build every sheet of a series in both variants: validate all, decide what is stale, render
what is (in parallel worker processes), write atomically, and keep the manifest.

Nothing here imports WeasyPrint until something has to be rendered: a build where everything is
up to date only reads the sources and the manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

import jinja2

from fichepress import __version__
from fichepress.core.colour import print_asset
from fichepress.core.errors import Problem, is_system_error, system_message
from fichepress.core.files import Damaged, Unfit, load_cache, read_kept, write_atomic, write_cache
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
from fichepress.pdf.copyfit import HALF, PageFill
from fichepress.series.inputs import common_digest, output_digest
from fichepress.series.stamp import OUTPUT_PATH
from fichepress.series.workers import InlinePool, Pool, WorkerFailed, WorkerPool, default_jobs
from fichepress.source.load import SheetSource, key_path, load_series, load_sheets
from fichepress.source.model import Series, Sheet

if TYPE_CHECKING:
    from fichepress.checks.accessibility import Source
    from fichepress.pdf.write import Rendered, Renderer

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Output:
    """One PDF written by the build, as listed in `build/manifest.json`."""

    variant: Variant
    sheet: str
    source: str
    path: str
    pages: int
    sha256: str
    inputs: str = ""
    """Digest of everything that shaped it (see inputs.py): equal digests, same PDF."""
    warnings: tuple[str, ...] = ()
    """What its build warned about, told again while it stays up to date."""
    parts: tuple[str, ...] = ()
    """For the collection: the digests of the parts it was joined from (kept for reuse)."""


@dataclass
class Report:
    """What a build did: outputs written, problems per source, warnings."""

    outputs: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    """Sources (as shown) whose outputs were not all written."""
    sheets: int = 0
    up_to_date: int = 0
    """Outputs that did not need building."""
    kept: list[str] = field(default_factory=list)
    """Their paths in the output folder (for `--verbose`)."""

    def merge(self, other: Report) -> None:
        """Add what another build (a worker's) did."""
        self.outputs += other.outputs
        self.problems += other.problems
        self.warnings += other.warnings
        self.failed |= other.failed
        self.up_to_date += other.up_to_date
        self.kept += other.kept

    @property
    def ok(self) -> bool:
        return not self.problems


def copyfit_problems(
    source: SheetSource, shown: str, variant: Variant, fill: Sequence[PageFill], budget: int
) -> list[Problem]:
    """A sheet over its page budget (by how much, from which YAML block), or a page of it
    left more than half empty."""
    problems = []
    locations = {key_path(loc): loc for loc in source.positions.values}
    if len(fill) > budget:
        over = fill[budget:]
        lines = sum(page.lines for page in over)
        height = sum(page.height_mm for page in over)
        first = over[0].first_block
        loc = locations.get(first or "", ("body",))
        line, column = source.positions.of_key(loc)
        where = f"page {budget + 1} starts with {first}" if first else f"page {budget + 1} holds"
        if not first:
            where += " only the credits"
        problems.append(
            Problem(
                shown,
                line,
                column,
                first or "",
                f"the {variant} PDF runs {lines} lines ({height:.0f} mm) over its budget of"
                f" {budget} page{'s' if budget > 1 else ''}: {where}; shorten the text or"
                " raise page_budget",
            )
        )
    for page in fill[:budget]:
        if page.filled < HALF:
            problems.append(
                Problem(
                    shown,
                    message=f"page {page.number} of the {variant} PDF is only"
                    f" {page.filled:.0%} filled",
                )
            )
    return problems


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
            from fichepress.pdf.write import Renderer, SandboxFetcher, project_font_config

            self._renderer = Renderer(
                SandboxFetcher(self.project.readable, self.project.root),
                project_font_config(self.out),
            )
        return self._renderer

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
    ) -> list[str]:
        """What the checks of a variant find in a finished PDF, as lines (`known`: the results
        of pages checked already, see `check_print` and `check_accessible`; `source`: the
        what an accessible PDF must read as)."""
        if variant == "print":
            from fichepress.checks.printing import check_print

            return [f"preflight: {f.line('')[2:]}" for f in check_print(data, known)]
        from fichepress.checks.accessibility import check_accessible

        findings = check_accessible(data, known, source=source)
        return [f"check: {f.line('')[2:]}" for f in findings]

    def source(self, sheet: Sheet) -> Source:
        """What the accessible PDF of a sheet must read as, from its HTML."""
        from fichepress.checks.accessibility import source_of
        from fichepress.pdf.tagging import expected_tree

        return source_of(expected_tree(self.sheet_html(sheet, "accessible")))

    def contrast(self, rendered: Rendered) -> list[str]:
        """Text colours on their backgrounds under WCAG AA, named by swatch."""
        from fichepress.core.contrast import contrast_problems

        names = self.theme.swatch_names()
        return [f"contrast: {m}" for m in contrast_problems(rendered.colour_pairs, names)]

    def finish(
        self, variant: Variant, data: bytes, rendered: Rendered, html: str
    ) -> tuple[bytes, list[str]]:
        """The finished PDF of a variant and what its checks found, as lines."""
        parsed = html if rendered.tree is None else rendered.tree
        if variant == "print":
            data = self.finish_pdf(variant, data, parsed)
            return data, self.check_pdf(variant, data)
        from fichepress.checks.accessibility import PageMarks, source_of
        from fichepress.pdf.tagging import expected_tree, repair

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
        warnings: Sequence[Problem] = (),
        inputs: str = "",
    ) -> None:
        """Finish, check and write one output (`data` when it was changed since rendering)."""
        from fichepress.pdf.tagging import StructureError

        notes = [Problem(shown, message=f"{variant} PDF: {w}") for w in rendered.warnings]
        all_warnings = [*notes, *warnings]
        try:
            finished, findings = self.finish(
                variant, rendered.data if data is None else data, rendered, html
            )
        except StructureError as error:
            message = f"{variant} PDF not made: its structure could not be repaired: {error}"
            report.problems.append(Problem(shown, message=message))
            report.failed.add(shown)
            return
        all_warnings += [Problem(shown, message=f"{variant} PDF {line}") for line in findings]
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
        warnings: Sequence[Problem],
        report: Report,
        inputs: str,
        fonts: Sequence[str] | None = None,
    ) -> None:
        """Check the fonts (unless `fonts` gives the check's result), apply --strict, write
        the PDF atomically and record it."""
        if fonts is None:
            from fichepress.pdf.fonts import foreign_fonts

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
                warnings=tuple(str(w) for w in warnings),
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
        warnings += drafts
        self.deliver(
            source.slug, shown, variant, rendered, html, report, warnings=warnings, inputs=inputs
        )


SHA256 = re.compile(r"[0-9a-f]{64}")

_ENTRY_TEXTS = ("variant", "sheet", "source", "path", "sha256")
"""The keys every output of a manifest has, texts; with `pages`, a number."""


def entry_problems(entry: Any, *, paths: bool = True) -> list[tuple[str, str]]:
    """What is wrong with one output of a manifest, as (key, message) pairs; none when it is
    as fichepress writes it. Values are never repeated: a manifest may come from elsewhere.
    `paths`: whether the output's path is checked too (where it may lie)."""
    if not isinstance(entry, dict):
        return [("", "is not an object with the keys of an output")]
    problems = [(key, "is missing") for key in (*_ENTRY_TEXTS, "pages") if key not in entry]
    problems += [
        (key, "is not a text")
        for key in (*_ENTRY_TEXTS, "inputs")
        if key in entry and not isinstance(entry[key], str)
    ]
    pages = entry.get("pages", 0)
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
        problems.append(("pages", "is not a number of pages"))
    for key in ("warnings", "parts"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems.append((key, "is not a list of texts"))
    variant, path, sha256 = entry.get("variant"), entry.get("path"), entry.get("sha256")
    if isinstance(variant, str) and variant not in VARIANTS:
        problems.append(("variant", 'is neither "print" nor "accessible"'))
    if (
        paths
        and isinstance(path, str)
        and not (OUTPUT_PATH.fullmatch(path) and path.startswith(f"{variant}/"))
    ):
        problems.append(("path", "is not a PDF of the folder of its variant (print/, accessible/)"))
    if isinstance(sha256, str) and not SHA256.fullmatch(sha256):
        problems.append(("sha256", "is not a SHA-256 digest"))
    return problems


def manifest_problems(document: Any, *, paths: bool = True) -> list[tuple[str, str]]:
    """What is wrong with a manifest's document, as (key path, message) pairs (`paths`: see
    `entry_problems`)."""
    if not isinstance(document, dict):
        return [("", "is not a JSON object")]
    outputs = document.get("outputs")
    if not isinstance(outputs, list):
        return [("outputs", "is missing" if outputs is None else "is not a list")]
    return [
        (f"outputs[{index}]" + (f".{key}" if key else ""), message)
        for index, entry in enumerate(outputs)
        for key, message in entry_problems(entry, paths=paths)
    ]


def manifest_outputs(document: Any, *, paths: bool = True) -> list[Output]:
    """The outputs a manifest lists, or `Damaged` saying where it is not as written."""
    problems = manifest_problems(document, paths=paths)
    if problems:
        key, message = problems[0]
        raise Damaged(f"{key}: {message}" if key else message)
    return [
        Output(
            variant=entry["variant"],
            sheet=entry["sheet"],
            source=entry["source"],
            path=entry["path"],
            pages=entry["pages"],
            sha256=entry["sha256"],
            inputs=entry.get("inputs", ""),
            warnings=tuple(entry.get("warnings", ())),
            parts=tuple(entry.get("parts", ())),
        )
        for entry in document["outputs"]
    ]


class Manifest:
    """`build/manifest.json`: every output, its sha256, and the digest of its inputs.

    A damaged one (see `load_cache`) is discarded: every output is then built again."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.entries: dict[tuple[str, str], dict[str, Any]] = {}
        shown = f"{out.name}/{MANIFEST}"
        outputs = load_cache(out / MANIFEST, manifest_outputs, shown, "every PDF is built again")
        for output in outputs or ():
            if (out / output.path).is_file():
                self.entries[(output.sheet, output.variant)] = _entry(output)

    def fresh(self, name: str, variant: str, inputs: str) -> dict[str, Any] | None:
        """The entry of an output built from the same inputs, still whole on disk, or None."""
        entry = self.entries.get((name, variant))
        if entry is None or entry.get("inputs") != inputs:
            return None
        try:
            data = read_kept(self.out / entry["path"], None)
        except (OSError, Unfit):
            return None
        if data is None:
            return None
        return entry if hashlib.sha256(data).hexdigest() == entry.get("sha256") else None

    def write(self, outputs: Sequence[Output]) -> None:
        """Record new outputs, keeping the entries of the others."""
        for output in outputs:
            self.entries[(output.sheet, output.variant)] = _entry(output)
        document = {
            "generator": f"fichepress {__version__}",
            "outputs": [self.entries[key] for key in sorted(self.entries)],
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_cache(self.out / MANIFEST, text.encode("utf-8"))


def _entry(output: Output) -> dict[str, Any]:
    """An output as the manifest lists it (lists where the dataclass has tuples)."""
    entry = asdict(output)
    entry["warnings"], entry["parts"] = list(output.warnings), list(output.parts)
    return entry


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


Progress = Callable[[int, int, str], None]
"""(done, total, what is being built): for a progress bar."""


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
            report.kept.append(entry["path"])
            shown = project.display(source.path)
            told = [Problem(shown, message=line.split(": ", 1)[-1]) for line in entry["warnings"]]
            if strict and told:
                report.problems += told
                report.failed.add(shown)
            else:
                report.warnings += told
        if stale:
            todo.append((source, tuple(stale)))
    if todo:
        with worker_pool(project, out, strict, jobs) if pool is None else _kept(pool) as workers:
            _run(workers, project, todo, report, progress)
    if report.outputs:
        manifest.write(report.outputs)
    return report


@contextmanager
def _kept(pool: Pool) -> Iterator[Pool]:
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
