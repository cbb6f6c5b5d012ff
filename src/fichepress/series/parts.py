"""The collection's parts: the front matter (cover and contents), one part per sheet and the
colophon, each rendered on its own, finished, and kept by digest in `build/.fragments/` with
what the checks found on its pages.

A sheet's part is numbered from the page where it starts in the collection: when a part turns
out longer or shorter than guessed, the parts after it are rendered again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from fichepress.core.errors import Problem, is_system_error, system_message
from fichepress.core.files import (
    Damaged,
    Unfit,
    discard,
    load_cache,
    notice,
    read_kept,
    write_cache,
)
from fichepress.core.findings import Finding, are_findings
from fichepress.core.variants import VARIANTS, VariantName
from fichepress.html.edition import Edition
from fichepress.html.render import Part, edition_date, render_collection, template_problem
from fichepress.series.builder import Builder, worker_builder
from fichepress.series.inputs import output_digest
from fichepress.series.manifest import SHA256
from fichepress.series.pipeline import PIPELINES, Finished, Pipeline, Results, open_pdf
from fichepress.series.report import Progress, Report
from fichepress.series.workers import Pool, WorkerFailed
from fichepress.source.load import SheetSource

if TYPE_CHECKING:
    import pikepdf

FRAGMENTS = ".fragments"
MAX_PASSES = 4
"""Renderings of the sheets' parts until their first pages settle (a part that grows moves
the parts after it)."""


@dataclass(frozen=True)
class PartSpec:
    """One part of the collection to render."""

    kind: Part
    variant: VariantName
    digest: str
    sheet: str | None = None
    """The sheet's file, for a sheet's part."""
    first_page: int | None = None
    toc: tuple[tuple[int, str], ...] = ()
    """(sheet number, page label of its first page), for the front matter."""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def part_problems(entry: Any) -> list[tuple[str, str]]:
    """What is wrong with the entry of one part in a fragments index: (key, message) pairs."""
    if not isinstance(entry, dict):
        return [("", "is not an object with the keys of a part")]
    problems = []
    if not _is_count(entry.get("pages")):
        problems.append(("pages", "is missing" if "pages" not in entry else "is not a number"))
    if not isinstance(entry.get("sha256"), str) or not SHA256.fullmatch(entry["sha256"]):
        problems.append(("sha256", "is missing or not a SHA-256 digest"))
    for key in ("notes", "problems"):
        if not are_findings(entry.get(key, [])):
            problems.append((key, "is not a list of findings"))
    if not isinstance(entry.get("content", ""), str):
        problems.append(("content", "is not a text"))
    return problems


def index_problems(document: Any) -> list[tuple[str, str]]:
    """What is wrong with a fragments index (`.fragments/index.json`), as (key path, message)
    pairs; none when it is as fichepress writes it (`parts` and `pages` may be left out: none
    yet). Values are never repeated."""
    if not isinstance(document, dict):
        return [("", "is not a JSON object")]
    problems = []
    parts, pages = document.get("parts", {}), document.get("pages", {})
    if not isinstance(parts, dict):
        problems.append(("parts", "is not an object"))
    else:
        for number, (digest, entry) in enumerate(parts.items(), start=1):
            if not SHA256.fullmatch(digest):
                problems.append((f"parts (key {number})", "is not a SHA-256 digest"))
                continue
            problems += [
                (f"parts.{digest[:12]}…" + (f".{key}" if key else ""), message)
                for key, message in part_problems(entry)
            ]
    if not isinstance(pages, dict):
        problems.append(("pages", "is not an object"))
    elif not all(_is_count(count) for count in pages.values()):
        problems.append(("pages", "holds a count that is not a number of pages"))
    return problems


def _index(document: Any) -> dict[str, Any]:
    """A fragments index as fichepress writes it, or `Damaged` saying where it is not."""
    problems = index_problems(document)
    if problems:
        key, message = problems[0]
        raise Damaged(f"{key}: {message}" if key else message)
    return {"parts": document.get("parts", {}), "pages": document.get("pages", {})}


def empty_index() -> dict[str, Any]:
    """The index of a folder of parts that holds none."""
    return {"parts": {}, "pages": {}}


class Fragments:
    """The parts already rendered, by digest, in `build/.fragments/`: its index read from the
    output folder (mended if damaged), or given (`empty_index()` where only the paths are
    needed: in the workers); `of_share` reads a share's."""

    def __init__(self, out: Path, index: dict[str, Any] | None = None) -> None:
        self.folder = out / FRAGMENTS
        self.index_path = self.folder / "index.json"
        self.index: dict[str, Any] = _load_index(out) if index is None else index
        self.checked: set[str] = set()

    @classmethod
    def of_share(cls, folder: Path, shown: str) -> tuple[Fragments, list[Problem]]:
        """The parts a share of the series rendered in its output `folder` (`build --shard`),
        and what is wrong with its index (`shown` as messages name it): a share's folder is
        the user's, read and never mended."""
        read = read_json(folder / FRAGMENTS / "index.json", shown)
        if read is None:
            return cls(folder, empty_index()), []  # no part rendered
        document, problems = read
        if problems:
            return cls(folder, empty_index()), problems
        found = index_problems(document)
        problems = [Problem(shown, key=key, message=message) for key, message in found]
        return cls(folder, empty_index() if problems else _index(document)), problems

    def path(self, digest: str) -> Path:
        return self.folder / f"{digest[:40]}.pdf"

    def results_path(self, digest: str) -> Path:
        """What the checks found on each page of the part (see `page_results`)."""
        return self.folder / f"{digest[:40]}.json"

    def part(self, digest: str) -> bytes | None:
        """The bytes of a part listed in the index, when they are whole (their sha256 as
        listed); None otherwise. Something else than a file in its place is discarded."""
        entry: dict[str, Any] | None = self.index["parts"].get(digest)
        if entry is None:
            return None
        try:
            data = read_kept(self.path(digest), None)
        except Unfit:
            discard(self.path(digest))
            return None
        if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
        return data

    def get(self, digest: str) -> dict[str, Any] | None:
        """The entry of a part kept whole on disk (its sha256 checked once), or None."""
        entry: dict[str, Any] | None = self.index["parts"].get(digest)
        if entry is None or digest in self.checked:
            return entry
        if self.part(digest) is None:
            return None
        self.checked.add(digest)
        return entry

    def put(self, digest: str, entry: dict[str, Any], content: str | None) -> None:
        self.index["parts"][digest] = {**entry, "content": content} if content else entry
        if content:
            self.index["pages"][content] = entry["pages"]

    def guess_pages(self, content: str, default: int) -> int:
        return int(self.index["pages"].get(content, default))

    def save(self, keep: set[str] | None) -> None:
        """Write the index. After a build that went through, forget (and delete) the parts it
        did not use (`keep`); after a failed one (None), keep everything for the next."""
        if keep is not None:
            for digest in list(self.index["parts"]):
                if digest not in keep:
                    del self.index["parts"][digest]
                    self.path(digest).unlink(missing_ok=True)
                    self.results_path(digest).unlink(missing_ok=True)
            contents = {entry.get("content") for entry in self.index["parts"].values()}
            self.index["pages"] = {c: n for c, n in self.index["pages"].items() if c in contents}
            self._remove_unlisted()
        text = json.dumps(self.index, indent=1, sort_keys=True) + "\n"
        write_cache(self.index_path, text.encode("utf-8"))

    def _remove_unlisted(self) -> None:
        """Remove the parts (and their check results) that the index does not list: left by
        a build that stopped before it wrote the index, or by a damaged index."""
        listed = {digest[:40] for digest in self.index["parts"]}
        for path in self.folder.glob("*") if self.folder.is_dir() else ():
            named = PART_NAME.fullmatch(path.name)
            if named and named.group(1) not in listed and not path.is_dir():
                path.unlink(missing_ok=True)


PART_NAME = re.compile(r"([0-9a-f]{40})\.(?:pdf|json)")
"""The name of a part, or of its check results, in the folder of parts."""


def _load_index(out: Path) -> dict[str, Any]:
    """The index of the parts kept in the output folder `out`. When it is damaged, the whole
    folder of parts is discarded (parts no index lists would never be removed), with one line
    of notice; so is something else than a folder standing in its place."""
    folder = out / FRAGMENTS
    shown = f"{out.name}/{FRAGMENTS}"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        discard(folder)
        notice(f"{shown} is not a folder: discarded; the collection's parts are made again")
        return empty_index()
    remade = "the collection's parts are made again"
    index = load_cache(folder / "index.json", _index, f"{shown}/index.json", remade)
    if index is None and folder.is_dir():
        discard(folder)  # parts that no index lists: rendered again when needed
    return index or empty_index()


def read_json(path: Path, shown: str) -> tuple[Any, list[Problem]] | None:
    """The JSON document at `path`, a file the user gives (a share's manifest or index), and
    what is wrong with it at its place (`shown`: then the document is None); None when there
    is no file. Its content is never repeated in a message."""
    try:
        raw = read_kept(path)
    except Unfit as unfit:
        return None, [Problem(shown, message=str(unfit))]
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8")), []
    except UnicodeDecodeError:
        return None, [Problem(shown, message="is not UTF-8 text: not a file fichepress wrote")]
    except json.JSONDecodeError as error:
        message = f"is not valid JSON ({error.msg.lower()}): not a file fichepress wrote"
        return None, [Problem(shown, error.lineno, error.colno, message=message)]
    except RecursionError:
        return None, [Problem(shown, message="is nested too deep: not a file fichepress wrote")]


def part_digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def render_part(builder: Builder, spec: PartSpec, sheets: Sequence[SheetSource]) -> dict[str, Any]:
    """Render one part, finish it (press or structure) and keep it; its entry for the index."""
    from fichepress.pdf.matching import StructureError

    chosen = [s.sheet for s in sheets if spec.sheet is None or str(s.path) == spec.sheet]
    try:
        html = render_collection(
            chosen if spec.kind == "sheet" else [s.sheet for s in sheets],
            builder.series,
            variant=spec.variant,
            part=spec.kind,
            look=builder.theme.look(spec.variant, collection=True),
            logos=builder.logos,
            date=edition_date(builder.series),
            first_page=spec.first_page,
            toc_pages=dict(spec.toc),
        )
    except jinja2.TemplateError as error:
        problem = template_problem(error, lambda path: builder.project.display(Path(path)))
        return {"problems": [problem.as_json()], "pages": 0}
    series = builder.project.display(builder.project.series_file)
    shown = builder.project.display(Path(spec.sheet)) if spec.sheet else series
    report = Report()
    rendered = builder.render(html, spec.variant, shown, report)
    if rendered is None:
        return {"problems": [p.as_json() for p in report.problems], "pages": 0}
    parsed = html if rendered.tree is None else rendered.tree
    pipeline = PIPELINES[spec.variant]
    with open_pdf(rendered.data) as pdf:  # parsed once: finished, then read as it stands
        try:
            finished = pipeline.finish(pdf, parsed)
        except StructureError as error:
            message = f"{spec.variant} PDF not made: its structure could not be repaired: {error}"
            problem = Finding(shown, message=message)
            return {"problems": [problem.as_json()], "pages": 0}
        results = pipeline.page_results(pdf)
        found = _part_findings(spec, pipeline, pdf, finished, results)
    data = finished.data
    fragments = Fragments(builder.out, empty_index())
    write_cache(fragments.results_path(spec.digest), json.dumps(results).encode())
    write_cache(fragments.path(spec.digest), data)
    notes = builder.notes(rendered, shown)
    # found in the collection's pages: told at the series file, the collection's source
    notes += [replace(f, file=series, variant=spec.variant) for f in found]
    if VARIANTS[spec.variant].contrast:
        notes += [replace(f, file=shown) for f in builder.contrast(rendered)]
    sha256 = hashlib.sha256(data).hexdigest()
    return {
        "pages": rendered.pages,
        "notes": [note.as_json() for note in notes],
        "problems": [],
        "sha256": sha256,
    }


def _part_findings(
    spec: PartSpec, pipeline: Pipeline, pdf: pikepdf.Pdf, finished: Finished, results: Results
) -> list[Finding]:
    """What the joined collection's check cannot tell of a part (how an accessible part reads
    against its HTML: the collection is checked whole, but knows no source); pages as the
    collection numbers them, from the part's first page."""
    if pipeline.part_findings is None:
        return []
    findings = pipeline.part_findings(pdf, finished, results)
    if spec.first_page is not None:
        shift = spec.first_page - 1
        findings = [replace(f, page=f.page + shift) if f.page else f for f in findings]
    return findings


def _render_in_worker(spec: PartSpec, sources: list[SheetSource]) -> dict[str, Any]:
    """Render a part in a worker, with the sheets it needs (sent with its task, as the main
    process loaded them): a sheet's part that sheet only, the others all."""
    builder = worker_builder()
    project = builder.project
    try:
        return render_part(builder, spec, sorted(sources, key=lambda s: s.sheet.number))
    except OSError as error:
        if not is_system_error(error):
            raise
        told = Finding(message=system_message(error, project.display))
        return {"problems": [told.as_json()], "pages": 0}


def _render_all(
    pool: Pool,
    specs: Sequence[PartSpec],
    sources: Sequence[SheetSource],
    progress: Progress | None,
) -> dict[str, dict[str, Any]]:
    """Render parts of the collection of `sources` by the pool's workers; their entries by
    digest."""
    results: dict[str, dict[str, Any]] = {}
    if progress and specs:
        progress(0, len(specs), f"collection: {specs[0].kind} ({specs[0].variant})")
    tasks = [
        (spec, [s for s in sources if spec.sheet is None or str(s.path) == spec.sheet])
        for spec in specs
    ]
    for done, (index, result) in enumerate(pool.run(_render_in_worker, tasks), 1):
        spec = specs[index]
        if isinstance(result, WorkerFailed):
            told = Finding(message=f"{spec.kind} part not rendered: {result}")
            result = {"problems": [told.as_json()], "pages": 0}
        results[spec.digest] = result
        if progress:
            progress(done, len(specs), f"collection: {spec.kind} ({spec.variant})")
    return results


def render_missing(
    pool: Pool,
    specs: Sequence[PartSpec],
    sources: Sequence[SheetSource],
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
    content_of: dict[str, str],
) -> bool:
    """Render the parts of the collection of `sources` not kept yet; False (with the problems
    in `report`) if one failed."""
    missing = [spec for spec in specs if fragments.get(spec.digest) is None]
    results = _render_all(pool, missing, sources, progress)
    failed = False
    for spec in missing:
        result = results[spec.digest]
        if result["problems"]:
            found = map(Finding.from_json, result["problems"])
            report.problems += [
                replace(p, message=f"in the collection: {p.message}") for p in found
            ]
            failed = True
            continue
        fragments.put(spec.digest, result, content_of.get(spec.digest))
    return not failed


def sheet_specs(
    variant: VariantName,
    contents: Sequence[str],
    pages: Sequence[int],
    sources: Sequence[SheetSource],
) -> tuple[list[PartSpec], int]:
    """The sheets' parts when each has `pages` pages; and the first page after them."""
    first, specs = 1, []
    for content, count, source in zip(contents, pages, sources, strict=True):
        specs.append(
            PartSpec("sheet", variant, part_digest(content, str(first)), str(source.path), first)
        )
        first += count + (count % 2 if VARIANTS[variant].blank_left_pages else 0)
    return specs, first


def render_sheet_parts(
    pool: Pool,
    edition: Edition,
    variants: Sequence[VariantName],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
) -> tuple[dict[VariantName, list[PartSpec]], dict[VariantName, int]] | None:
    """Render the sheets' parts of `variants` not kept yet, all variants at once: the parts of
    each variant and the first page after them; None if one failed.

    A sheet's part is rendered knowing its first page; the page counts are guessed from the last
    build and, if a sheet's count turns out different, the parts after it are rendered again.
    """
    project, series_budget = edition.project, edition.series.page_budget
    contents = {
        v: [output_digest(common, v, [s.path], project, date) for s in sources] for v in variants
    }
    pages = {
        v: [
            fragments.guess_pages(c, s.sheet.page_budget or series_budget)
            for c, s in zip(contents[v], sources, strict=True)
        ]
        for v in variants
    }
    specs: dict[VariantName, list[PartSpec]] = {}
    after: dict[VariantName, int] = {}
    unsettled = list(variants)
    for _ in range(MAX_PASSES):
        for variant in unsettled:
            specs[variant], after[variant] = sheet_specs(
                variant, contents[variant], pages[variant], sources
            )
        batch = [spec for variant in unsettled for spec in specs[variant]]
        content_of = {
            spec.digest: content
            for variant in unsettled
            for spec, content in zip(specs[variant], contents[variant], strict=True)
        }
        if not render_missing(pool, batch, sources, fragments, progress, report, content_of):
            return None
        for variant in list(unsettled):
            actual = [int(fragments.index["parts"][s.digest]["pages"]) for s in specs[variant]]
            if actual == pages[variant]:
                unsettled.remove(variant)
            pages[variant] = actual
        if not unsettled:
            break
    return specs, after
