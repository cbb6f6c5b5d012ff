"""A series built in shares (CI): each share renders its sheets' collection parts beside its
PDFs; `gather` brings the shares' folders into one output folder for the collection to join."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.files import Unfit, read_kept, resolved, write_atomic, write_cache
from fichepress.core.project import Project
from fichepress.core.variants import VARIANT_NAMES, VariantName
from fichepress.html.edition import Edition
from fichepress.html.render import edition_date
from fichepress.series.collection import NAME, refused
from fichepress.series.inputs import output_digest
from fichepress.series.manifest import Manifest, manifest_outputs, manifest_problems
from fichepress.series.parts import (
    FRAGMENTS,
    Fragments,
    PartSpec,
    read_json,
    render_missing,
    sheet_specs,
)
from fichepress.series.report import Output, Progress, Report
from fichepress.series.stamp import MANIFEST, is_output_of, output_folders
from fichepress.series.workers import Pool


def build_shard_parts(
    edition: Edition,
    out: Path,
    sheets: Sequence[Path],
    *,
    pool: Pool,
    variants: Sequence[VariantName] = VARIANT_NAMES,
    progress: Progress | None = None,
) -> Report:
    """Render the collection's parts of `sheets` (a share of the series, whose `edition`
    holds them all) into `out`'s fragments, for `fichepress collection --from` to join with
    the other shares' parts.

    A share does not lay out the other shares' sheets: each part is numbered from the page where
    its sheet starts when the sheets before it fill their page budgets (or have the page counts
    this folder's fragments know). When one does not, the collection renders the parts after
    it again as it joins them, as it does after a sheet grew."""
    report = Report()
    project, series = edition.project, edition.series
    sources, problems = edition.sheets, edition.problems
    if problems or not sources or refused(edition):
        return report  # the sheets' builds tell what is wrong; the collection would refuse
    sources = sorted(sources, key=lambda s: s.sheet.number)
    common = edition.common
    date = edition_date(series).isoformat()
    fragments = Fragments(out)
    wanted = {path.resolve() for path in sheets}
    batch: list[PartSpec] = []
    content_of: dict[str, str] = {}
    for variant in variants:
        contents = [output_digest(common, variant, [s.path], project, date) for s in sources]
        pages = [
            fragments.guess_pages(content, s.sheet.page_budget or series.page_budget)
            for content, s in zip(contents, sources, strict=True)
        ]
        specs, _ = sheet_specs(variant, contents, pages, sources)
        for spec, content, source in zip(specs, contents, sources, strict=True):
            if source.path.resolve() in wanted:
                batch.append(spec)
                content_of[spec.digest] = content
    render_missing(pool, batch, sources, fragments, progress, report, content_of)
    fragments.save(None)
    return report


@dataclass
class Gathered:
    """What `gather` brought into the output folder."""

    pdfs: int = 0
    parts: int = 0
    shares: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Share:
    """What a share's folder holds, as its manifest and fragments index list it."""

    folder: Path
    outputs: list[Output]
    fragments: Fragments


def _read_share(project: Project, folder: Path) -> tuple[_Share, list[Problem]]:
    """A share's folder read (never mended: it is the user's), and what is wrong with its
    manifest and its index, at their place (the entry and key). A share without a manifest
    built no sheet."""
    shown = project.display(folder / MANIFEST)
    read = read_json(folder / MANIFEST, shown)
    document, problems = read or (None, [])
    outputs: list[Output] = []
    if read is not None and not problems:
        found = manifest_problems(document, paths=False)
        problems += [Problem(shown, key=key, message=message) for key, message in found]
        outputs = [] if found else manifest_outputs(document, paths=False)
    index_shown = project.display(folder / FRAGMENTS / "index.json")
    fragments, index_problems_found = Fragments.of_share(folder, index_shown)
    return _Share(folder, outputs, fragments), problems + index_problems_found


def gather(project: Project, out: Path, folders: Sequence[Path]) -> Gathered:
    """Bring into `out` what shares of the series built in other folders (`fichepress build
    --shard`, one folder per CI job): their sheets' PDFs with their manifest entries, and the
    collection parts they rendered. Each file must match the sha256 its folder recorded and
    stay inside its folder; one that does not is left out and told (a part left out is rendered
    again). The parts' check results are not taken: the joined collection is checked whole.

    A manifest or index that is not as `build` writes it (not JSON, an output without its
    source...) is an error at its place (`InvalidSource`), before anything is gathered."""
    read = [_read_share(project, folder) for folder in folders]
    problems = [problem for _, found in read for problem in found]
    if problems:
        raise InvalidSource(problems)
    gathered = Gathered()
    fragments = Fragments(out)
    outputs: list[Output] = []
    for share, _ in read:
        gathered.shares += 1
        shown = project.display(share.folder / MANIFEST)
        for output in share.outputs:
            if output.sheet == NAME:
                continue  # a share's collection, if any, is made again from the parts
            path = output.path
            if not is_output_of(path, output.variant):
                named = " or ".join(output_folders())
                message = f'"{path}" is not a PDF of the {named} folder: left out'
                gathered.problems.append(Problem(shown, message=message))
                continue
            data = _share_file(share.folder, path)
            if data is None:
                message = f"{path} is not a file of the share: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            if hashlib.sha256(data).hexdigest() != output.sha256:
                message = f"{path} does not match its sha256: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            write_atomic(out / path, data)
            outputs.append(output)
            gathered.pdfs += 1
        for digest, entry in list(share.fragments.index["parts"].items()):
            if fragments.get(digest) is not None:
                continue
            part = share.fragments.part(digest)
            if part is None:
                message = f"the collection part {digest[:12]} does not match its sha256: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            write_cache(fragments.path(digest), part)
            fragments.put(digest, entry, entry.get("content"))
            gathered.parts += 1
    if outputs:
        Manifest(out).write(outputs)
    fragments.save(None)
    return gathered


def _share_file(folder: Path, path: str) -> bytes | None:
    """The bytes of the file at `path` in a share's `folder`, if it is a regular file there
    (not through a link to elsewhere); None otherwise."""
    target = folder / path
    try:
        if not resolved(target).is_relative_to(resolved(folder)):
            return None
        return read_kept(target, None)
    except Unfit:
        return None
