"""The compiled collection: the whole series as one print and one accessible PDF.

It is rendered as one WeasyPrint document (cover, contents, every sheet in number order,
colophon), so that it has one structure tree, page numbers that the contents can point to, and
bookmarks that nest each sheet's sections under it. Every check a sheet gets, it gets too.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pikepdf

from fichepress.build import Builder, Report, write_manifest
from fichepress.errors import Problem
from fichepress.load import load_sheets
from fichepress.project import Project
from fichepress.render import VARIANTS, Variant, edition_date, render_collection

NAME = "collection"
FIRST_SHEET = "sheet-{number}"


def label_pages(data: bytes, body_start: int) -> bytes:
    """Page labels: i, ii, … for the front matter, then 1, 2, … from the first sheet."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        nums: list[object] = []
        if body_start > 0:
            nums += [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
        nums += [body_start, pikepdf.Dictionary(S=pikepdf.Name.D)]
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def build_collection(
    project: Project,
    out: Path,
    *,
    variants: Sequence[Variant] = VARIANTS,
    strict: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build the collection of every sheet of the series into `out`.

    Any invalid sheet stops it: a collection with a sheet missing would mislead its readers.
    The previous collection stays in place.
    """
    report = Report()
    builder = Builder(project, out, strict=strict)
    sources, problems = load_sheets(project, project.sheet_files())
    report.problems.extend(problems)
    report.sheets = len(sources)
    shown = project.display(project.series_file)
    if problems or not sources:
        if not sources and not problems:
            problems = [Problem(shown, message="the series has no sheet")]
            report.problems.extend(problems)
        report.failed.add(shown)
        return report
    sheets = [source.sheet for source in sorted(sources, key=lambda s: s.sheet.number)]
    first = FIRST_SHEET.format(number=sheets[0].number)
    for variant in variants:
        if progress:
            progress(f"{variant:<10} collection of {len(sheets)} sheets")
        html = render_collection(
            sheets,
            builder.series,
            variant=variant,
            look=builder.theme.look(variant, collection=True),
            logos=builder.logos,
            date=edition_date(builder.series),
        )
        rendered = builder.render(html, variant, shown, report)
        if rendered is None:
            continue
        labelled = label_pages(rendered.data, rendered.anchors.get(first, 0))
        builder.deliver(NAME, shown, variant, rendered, html, report, data=labelled)
    if report.outputs:
        write_manifest(out, report.outputs)
    return report
