"""Build every sheet of a series in both variants: validate all, render, write atomically."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from fichepress import __version__
from fichepress.accessible import StructureError, finish_accessible_pdf
from fichepress.colour import print_asset
from fichepress.contrast import contrast_problems
from fichepress.copyfit import HALF, PageFill
from fichepress.errors import Problem
from fichepress.files import write_atomic
from fichepress.load import SheetSource, key_path, load_series, load_sheets
from fichepress.model import Series, Sheet
from fichepress.pdf import Rendered, Renderer, RenderError, SandboxFetcher, foreign_fonts
from fichepress.preflight import check_print
from fichepress.prepress import finish_print_pdf
from fichepress.project import Project
from fichepress.render import VARIANTS, Variant, render_sheet
from fichepress.themes import Theme, load_theme
from fichepress.uacheck import check_accessible

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


@dataclass
class Report:
    """What a build did: outputs written, problems per source, warnings."""

    outputs: list[Output] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    """Sources (as shown) whose outputs were not all written."""
    sheets: int = 0

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
        self.renderer = Renderer(SandboxFetcher(project.readable, project.root))
        self.logos = {
            logo: (project.sheets / logo).resolve().as_uri() for logo in self._logo_paths()
        }

    def _logo_paths(self) -> list[str]:
        paths = [self.series.publisher.logo]
        if self.series.funders:
            paths += [funder.logo for funder in self.series.funders.organisations]
        return paths

    def output_path(self, variant: Variant, slug: str) -> Path:
        return self.out / variant / f"{slug}.pdf"

    def finish(
        self, variant: Variant, data: bytes, rendered: Rendered, html: str
    ) -> tuple[bytes, list[str]]:
        """The finished PDF of a variant and what its checks found, as lines."""
        if variant == "print":
            data = finish_print_pdf(data)
            return data, [f"preflight: {f.line('')[2:]}" for f in check_print(data)]
        data = finish_accessible_pdf(data, html)
        findings = [f"check: {f.line('')[2:]}" for f in check_accessible(data)]
        names = self.theme.swatch_names()
        findings += [f"contrast: {m}" for m in contrast_problems(rendered.colour_pairs, names)]
        return data, findings

    def render(self, html: str, variant: Variant, shown: str, report: Report) -> Rendered | None:
        """WeasyPrint's PDF of `html`, or None with the problem in `report`."""
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
    ) -> None:
        """Finish, check and write one output (`data` when it was changed since rendering)."""
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
        fonts = foreign_fonts(finished, self.theme.families)
        if fonts:
            report.problems.extend(
                Problem(shown, message=f"{variant} PDF not written: {font}") for font in fonts
            )
            report.failed.add(shown)
            return
        if self.strict and all_warnings:
            report.problems.extend(all_warnings)
            message = f"{variant} PDF not written: --strict turns warnings into errors"
            report.problems.append(Problem(shown, message=message))
            report.failed.add(shown)
            return
        report.warnings.extend(all_warnings)
        target = self.output_path(variant, name)
        write_atomic(target, finished)
        report.outputs.append(
            Output(
                variant=variant,
                sheet=name,
                source=shown,
                path=target.relative_to(self.out).as_posix(),
                pages=rendered.pages,
                sha256=hashlib.sha256(finished).hexdigest(),
            )
        )

    def sheet_html(self, sheet: Sheet, variant: Variant) -> str:
        """The HTML of a sheet in a variant, with the project's theme."""
        return render_sheet(
            sheet, self.series, variant=variant, look=self.theme.look(variant), logos=self.logos
        )

    def build_sheet(self, source: SheetSource, variant: Variant, report: Report) -> None:
        """Render one sheet in one variant and write it; record problems in `report`."""
        shown = self.project.display(source.path)
        html = self.sheet_html(source.sheet, variant)
        rendered = self.render(html, variant, shown, report)
        if rendered is None:
            return
        budget = source.sheet.page_budget or self.series.page_budget
        warnings = copyfit_problems(source, shown, variant, rendered.fill, budget)
        self.deliver(source.slug, shown, variant, rendered, html, report, warnings=warnings)


def write_manifest(out: Path, outputs: list[Output]) -> None:
    """Merge the new outputs into `build/manifest.json`, keeping entries of untouched files."""
    manifest = out / MANIFEST
    entries: dict[tuple[str, str], dict[str, object]] = {}
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in previous.get("outputs", []):
            if (out / entry["path"]).is_file():
                entries[(entry["sheet"], entry["variant"])] = entry
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no manifest yet, or an unreadable one: rebuilt from this build's outputs
    for output in outputs:
        entries[(output.sheet, output.variant)] = asdict(output)
    document = {
        "generator": f"fichepress {__version__}",
        "outputs": [entries[key] for key in sorted(entries)],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(manifest, text.encode("utf-8"))


def build(
    project: Project,
    out: Path,
    *,
    sheets: Sequence[Path] | None = None,
    variants: Sequence[Variant] = VARIANTS,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build `sheets` (default: every sheet of the series) into `out`.

    An invalid series file or theme raises `InvalidSource` before anything is written. A bad
    sheet is reported and skipped; the others are built. With `strict`, a sheet with any
    warning (preflight findings included) fails and its PDF is not written.
    """
    report = Report()
    builder = Builder(project, out, strict=strict)
    paths = list(sheets) if sheets is not None else project.sheet_files()
    sources, problems = load_sheets(project, paths)
    report.problems.extend(problems)
    report.failed |= {problem.file for problem in problems}
    report.sheets = len(paths)
    for source in sorted(sources, key=lambda s: s.sheet.number):
        for variant in variants:
            if progress:
                progress(f"{variant:<10} {project.display(source.path)}")
            builder.build_sheet(source, variant, report)
    if report.outputs:
        write_manifest(out, report.outputs)
    return report
