"""The compiled collection: the whole series as one print and one accessible PDF.

Rendering a hundred-page collection as one document takes WeasyPrint seconds per variant, for
every change of any sheet. Instead the collection is put together from parts rendered on
their own and kept in `build/.fragments/`: the front matter (cover and contents), one part per
sheet (numbered from the page where it starts in the collection) and the colophon. A change to
a sheet renders that sheet's part again, and the front matter when a title or a first page
moved; the parts are then joined with pikepdf:

- print: blank left pages where a part would start on a left-hand page, crop marks on them,
  one output intent, a content-derived identity;
- accessible: one structure tree (every part's Document children grafted under one Document,
  StructParents and the ParentTree renumbered), the contents' entries made links to the
  sheets' first pages, a language on each sheet in another language;
- both: page labels (i, ii… then 1, 2…), bookmarks (each sheet with its sections under it).

The collection then gets every check a sheet gets.

This module decides what is stale and assembles, joins, checks and writes the collection;
the parts are rendered and kept by `parts.py`, joined by `pdf/join.py`; a series built in
shares is gathered by `shards.py`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fichepress.core.errors import Problem
from fichepress.core.files import DAMAGE, Unfit, discard, read_kept, write_atomic
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.core.variants import VARIANT_NAMES, VARIANTS, VariantName
from fichepress.html.edition import Edition
from fichepress.html.render import Part, edition_date
from fichepress.pdf.fonts import foreign_fonts_in
from fichepress.pdf.join import Joined, identity, joined
from fichepress.series.builder import Builder, kept, worker_builder, worker_pool
from fichepress.series.inputs import output_digest
from fichepress.series.manifest import Manifest
from fichepress.series.parts import (
    Fragments,
    PartSpec,
    empty_index,
    part_digest,
    render_missing,
    render_sheet_parts,
)
from fichepress.series.pipeline import PIPELINES
from fichepress.series.report import Output, Progress, Report
from fichepress.series.stamp import code_digest
from fichepress.series.workers import Pool, WorkerFailed
from fichepress.source.load import SheetSource

NAME = "collection"


def _known_pages(
    variant: VariantName, fragments: Fragments, digests: Sequence[str], offsets: Sequence[int]
) -> dict[int, Any]:
    """The kept results of the parts' pages, by their index in the joined document."""
    reader = PIPELINES[variant].read_page
    known: dict[int, Any] = {}
    for digest, offset in zip(digests, offsets, strict=True):
        path = fragments.results_path(digest)
        try:
            raw = read_kept(path)
            if raw is None:
                continue  # checked in full
            pages = [reader(page) for page in json.loads(raw)]
        except OSError:
            continue  # checked in full
        except (Unfit, *DAMAGE):
            discard(path)  # damaged: its part's pages are checked in full, now and later
            continue
        for index, page in enumerate(pages):
            known[offset + index] = page
    return known


def joined_parts(
    variant: VariantName,
    files: Sequence[tuple[Part, Path]],
    first_sheet_numbers: Sequence[int],
    identity: bytes | None = None,
) -> AbstractContextManager[Joined]:
    """A variant's parts joined into one PDF, open (see `joined`): for the press, blank left
    pages where a part would start on a left-hand page; for the accessible variant, one
    structure tree and the contents' entries made links."""
    return joined(
        files,
        first_sheet_numbers,
        blank_left_pages=VARIANTS[variant].blank_left_pages,
        tagged=VARIANTS[variant].tagged,
        identity=identity,
    )


def join_parts(
    variant: VariantName,
    files: Sequence[tuple[Part, Path]],
    first_sheet_numbers: Sequence[int],
    identity: bytes | None = None,
) -> tuple[bytes, list[int], int]:
    """`joined_parts`, saved: its bytes, the index of each part's first page, its pages."""
    with joined_parts(variant, files, first_sheet_numbers, identity) as done:
        return done.data, done.offsets, done.pages


def _join_in_worker(
    variant: VariantName, files: list[tuple[Part, str]], digests: list[str], numbers: list[int]
) -> tuple[str, int, list[Finding], list[str]]:
    """Join a variant's parts and check the result as it stands, joined (not parsed again):
    (file written, pages, findings at no file, fonts not of the theme)."""
    builder = worker_builder()
    fragments = Fragments(builder.out, empty_index())
    parts = [(kind, Path(path)) for kind, path in files]
    with joined_parts(variant, parts, numbers, identity(variant, digests, numbers)) as done:
        known = _known_pages(variant, fragments, digests, done.offsets)
        findings = builder.check_pdf(variant, done.pdf, known)
        fonts = foreign_fonts_in(done.pdf, builder.theme.families)
    path = fragments.folder / f"{NAME}-{variant}.pdf"
    write_atomic(path, done.data)
    return str(path), done.pages, findings, fonts


@dataclass
class _Assembly:
    """A variant's parts, in order, once rendered."""

    digests: list[str]
    files: list[tuple[Part, Path]]
    notes: list[Finding]


def _parts(
    pool: Pool,
    edition: Edition,
    variants: Sequence[VariantName],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
) -> dict[VariantName, _Assembly] | None:
    """Render the parts of `variants` not kept yet, all variants at once; None if one failed.

    A sheet's part is rendered knowing its first page; the page counts are guessed from the last
    build and, if a sheet's count turns out different, the parts after it are rendered again.
    """
    rendered = render_sheet_parts(
        pool, edition, variants, sources, common, date, fragments, progress, report
    )
    if rendered is None:
        return None
    specs, after = rendered
    ends = {v: _ends(v, sources, specs[v], after[v], common, date) for v in variants}
    batch = [spec for pair in ends.values() for spec in pair]
    if not render_missing(pool, batch, sources, fragments, progress, report, {}):
        return None
    return {v: _assembly([ends[v][0], *specs[v], ends[v][1]], fragments) for v in variants}


def _ends(
    variant: VariantName,
    sources: Sequence[SheetSource],
    specs: Sequence[PartSpec],
    first: int,
    common: str,
    date: str,
) -> tuple[PartSpec, PartSpec]:
    """The front matter and the colophon of a variant, its sheets' parts being `specs` and
    the colophon's first page `first`."""
    toc = tuple(
        (s.sheet.number, str(spec.first_page)) for s, spec in zip(sources, specs, strict=True)
    )
    # The front matter shows each sheet's number and title only: editing a sheet's text
    # does not render it again.
    shown = [(s.sheet.number, s.sheet.title, s.sheet.language) for s in sources]
    front_digest = part_digest(code_digest(), common, variant, date, repr(shown), repr(toc))
    front = PartSpec("front", variant, front_digest, toc=toc)
    colophon_digest = part_digest(code_digest(), common, variant, date, str(first))
    return front, PartSpec("colophon", variant, colophon_digest, first_page=first)


def _assembly(ordered: Sequence[PartSpec], fragments: Fragments) -> _Assembly:
    """The parts of a variant, in order, once rendered, with their notes (each told once)."""
    notes: list[Finding] = []
    for spec in ordered:
        found = fragments.index["parts"][spec.digest].get("notes", [])
        notes += [n for n in map(Finding.from_json, found) if n not in notes]
    files: list[tuple[Part, Path]] = [(s.kind, fragments.path(s.digest)) for s in ordered]
    return _Assembly([s.digest for s in ordered], files, notes)


def _with_parts(output: Output, parts: Sequence[str]) -> Output:
    return replace(output, parts=tuple(parts))


def build_collection(
    edition: Edition,
    out: Path,
    *,
    variants: Sequence[VariantName] = VARIANT_NAMES,
    strict: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> Report:
    """Build the collection of every sheet of the series (the `edition` of them all) into
    `out`, if it is stale.

    Its parts are rendered by `jobs` worker processes (or `pool`'s, made by `worker_pool` with
    this edition), joined here, checked by the workers. Any invalid sheet stops it: a
    collection with a sheet missing would mislead its readers. The previous collection stays in
    place.
    """
    report = Report()
    project, series = edition.project, edition.series
    sources, problems = edition.sheets, [*edition.problems, *refused(edition)]
    report.problems.extend(problems)
    report.sheets = len(sources)
    shown = project.display(project.series_file)
    if problems or not sources:
        if not sources and not problems:
            report.problems.append(Problem(shown, message="the series has no sheet"))
        report.failed.add(shown)
        return report
    sources = sorted(sources, key=lambda s: s.sheet.number)
    manifest = Manifest(out)
    common = edition.common
    date = edition_date(series).isoformat()
    fragments = Fragments(out)
    stale, used = _stale(manifest, project, variants, sources, common, date, report)
    if stale:
        with worker_pool(edition, out, strict, jobs) if pool is None else kept(pool) as workers:
            used |= _build_stale(
                workers,
                edition,
                out,
                stale,
                sources,
                common,
                date,
                strict,
                fragments,
                progress,
                report,
            )
        fragments.save(None if report.failed else used)
    if report.outputs:
        manifest.write(report.outputs)
    return report


def _stale(
    manifest: Manifest,
    project: Project,
    variants: Sequence[VariantName],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    report: Report,
) -> tuple[dict[VariantName, str], set[str]]:
    """The variants whose collection is stale, with the digest of their inputs; and the parts
    the others were joined from. Those are told as kept, with their warnings."""
    used: set[str] = set()
    stale: dict[VariantName, str] = {}
    for variant in variants:
        inputs = output_digest(common, variant, [s.path for s in sources], project, date)
        entry = manifest.fresh(NAME, variant, inputs)
        if entry is None:
            stale[variant] = inputs
            continue
        report.up_to_date += 1
        report.kept.append(entry)
        used |= set(entry.parts)
        report.warnings += entry.warnings
    return stale, used


def _build_stale(
    pool: Pool,
    edition: Edition,
    out: Path,
    stale: dict[VariantName, str],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    strict: bool,
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
) -> set[str]:
    """Render, join, check and write the stale variants; the digests of the parts used."""
    project = edition.project
    shown = project.display(project.series_file)
    variants = list(stale)
    assembled = _parts(pool, edition, variants, sources, common, date, fragments, progress, report)
    if assembled is None:
        report.failed.add(shown)
        return set()
    numbers = [s.sheet.number for s in sources]
    joined = _join_all(pool, shown, variants, assembled, numbers, progress, report)
    writer = Builder(edition, out, strict=strict)
    for variant, (path, pages, findings, fonts) in joined.items():
        warnings = assembled[variant].notes + [replace(f, file=shown) for f in findings]
        data = path.read_bytes()
        path.unlink()
        writer.write_output(
            NAME, shown, variant, data, pages, warnings, report, stale[variant], fonts
        )
        if report.outputs and report.outputs[-1].sheet == NAME:
            report.outputs[-1] = _with_parts(report.outputs[-1], assembled[variant].digests)
    return {d for variant in variants for d in assembled[variant].digests}


def _join_all(
    pool: Pool,
    shown: str,
    variants: Sequence[VariantName],
    assembled: dict[VariantName, _Assembly],
    numbers: list[int],
    progress: Progress | None,
    report: Report,
) -> dict[VariantName, tuple[Path, int, list[Finding], list[str]]]:
    """Join each variant's parts and check the result, by the pool's workers: (file written,
    pages, findings, fonts not of the theme) by variant. One not joined is told in `report`."""
    tasks = [
        (
            variant,
            [(kind, str(path)) for kind, path in assembled[variant].files],
            assembled[variant].digests,
            numbers,
        )
        for variant in variants
    ]
    joined: dict[VariantName, tuple[Path, int, list[Finding], list[str]]] = {}
    if progress:
        progress(0, len(variants), "collection: joining the parts")
    for done, (index, result) in enumerate(pool.run(_join_in_worker, tasks), start=1):
        variant = variants[index]
        if isinstance(result, WorkerFailed):
            report.problems.append(
                Problem(shown, message=f"{variant} collection not joined: {result}")
            )
            report.failed.add(shown)
            continue
        path, pages, findings, fonts = result
        joined[variant] = (Path(path), pages, findings, fonts)
        if progress:
            progress(done, len(variants), "collection: joining the parts")
    return joined


def refused(edition: Edition) -> list[Problem]:
    """The problems that stop a sheet of the edition before it is laid out (too long, HTML in a
    text, a character no font prints): the collection lays out no sheet that its own build
    refuses."""
    from fichepress.checks.authoring import refusal_problems

    return [
        problem
        for source in edition.sheets
        for problem in refusal_problems(
            source,
            edition.project.display(source.path),
            source.sheet.page_budget or edition.series.page_budget,
            edition.theme,
        )
    ]
