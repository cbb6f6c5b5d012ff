"""What `fichepress check` tells authors beyond the schema, before any PDF is made.

Errors: text still holding the template's placeholders, two sheets whose names differ only by
case (their PDFs would overwrite each other on many disks), characters the theme's fonts have no
glyph for (they would print as empty boxes: the renderer sees no other font). Warnings: a title
or kicker longer than the theme's layout holds.
"""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.project import Project
from fichepress.core.reading import read_regular
from fichepress.core.variants import VARIANTS
from fichepress.html.edition import load_edition
from fichepress.html.themes import Theme
from fichepress.source.load import SheetSource, load_series, load_sheets
from fichepress.source.markup import plain_text
from fichepress.source.model import PLACEHOLDER_MARKERS, Series
from fichepress.source.yamlfile import Loc, key_path

PLACEHOLDER_YEAR = "0000"


def _texts(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every text of a model with its location: (("body", 2, "paragraph"), "…")."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*loc, name))
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from _texts(item, (*loc, index))
    elif isinstance(value, str):
        yield loc, value


def _place(source: SheetSource, loc: Loc) -> tuple[int, int]:
    # Union tags are not in the data: a list item's text sits at its item.
    return source.positions.of_value(loc)


def _at(source: SheetSource, shown: str, loc: Loc, message: str) -> Problem:
    """A problem of the value at `loc`, told at its place."""
    line, column = _place(source, loc)
    return Problem(shown, line, column, key_path(loc), message)


def placeholder_problems(source: SheetSource, shown: str) -> list[Problem]:
    """Texts the author has not written yet: they still hold the template's placeholders."""
    problems = []
    for loc, text in _texts(source.sheet):
        marker = next((m for m in PLACEHOLDER_MARKERS if m in text), None)
        if marker is None and not (loc[-1:] == ("year",) and text == PLACEHOLDER_YEAR):
            continue
        what = f'"{marker}"' if marker else f"the year {PLACEHOLDER_YEAR}"
        message = f"still holds the template's placeholder {what}: write the real text"
        problems.append(_at(source, shown, loc, message))
    return problems


def length_problems(source: SheetSource, shown: str, theme: Theme) -> list[Problem]:
    """A title or kicker longer than the theme's layout holds: warnings."""
    problems = []
    limits = theme.config.limits
    for name, limit in (("title", limits.title), ("kicker", limits.kicker)):
        text = getattr(source.sheet, name)
        if limit and len(text) > limit:
            message = (
                f"is {len(text)} characters long; the theme's layout holds {limit}: shorten it"
            )
            problems.append(_at(source, shown, (name,), message).as_warning())
    return problems


_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_TEMPLATE_MARKS = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))


def _template_syntax(text: str) -> str | None:
    """The first `{{ … }}`, `{% … %}` or `{# … #}` of `text`, or None; in time proportional to
    the text (a pattern would scan to the end from each of thousands of unclosed `{{`): when
    the first opening mark of a kind is never closed, no later one of that kind is."""
    found = []
    for opening, closing in _TEMPLATE_MARKS:
        start = text.find(opening)
        end = text.find(closing, start + 2) if start >= 0 else -1
        if end >= 0:
            found.append((start, text[start : end + 2]))
    return min(found)[1] if found else None


def markup_problems(source: SheetSource, shown: str) -> list[Problem]:
    """HTML tags and template syntax in a text: fichepress prints them as they are (nothing
    in a sheet is run or interpreted as HTML), which is never what the author meant."""
    problems = []
    for loc, text in _texts(source.sheet):
        if loc[-1:] == ("url",):
            continue
        tag = _HTML_TAG.search(text)
        template = _template_syntax(text)
        if tag is None and template is None:
            continue
        if tag is not None:
            message = (
                f"{tag.group()} is HTML, which a sheet does not use: it would print as it is;"
                " write **bold**, *italics* or [a link](https://…) instead"
            )
        else:
            assert template is not None
            message = (
                f"{template[:40]} is template syntax, which a sheet does not run: it"
                " would print as it is; write the text itself"
            )
        problems.append(_at(source, shown, loc, message))
    return problems


INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
"""Characters that print nothing (line breaks, soft hyphens, joiners): no glyph needed."""


@lru_cache(maxsize=64)
def _characters(font: Path, size: int, mtime: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        # Read as every font is (never a pipe, see reading.py); the loader checked where it is.
        with TTFont(io.BytesIO(read_regular(font)), lazy=True, fontNumber=0) as loaded:
            return frozenset(loaded.getBestCmap() or {})
    except (OSError, TTLibError, AssertionError, KeyError):
        return frozenset()  # the theme's loader and the renderer tell what is wrong with it


def coverage(theme: Theme) -> frozenset[int]:
    """The characters every font of the theme has a glyph for."""
    have: frozenset[int] | None = None
    for face in theme.config.fonts:
        path = theme.font_path(face)
        try:
            info = path.stat()
        except OSError:
            continue
        characters = _characters(path, info.st_size, info.st_mtime_ns)
        have = characters if have is None else have & characters
    return have or frozenset()


def glyph_problems(source: SheetSource, shown: str, theme: Theme) -> list[Problem]:
    """Characters of the sheet that the theme's fonts cannot print."""
    have = coverage(theme)
    if not have:
        return []  # no usable font: the theme's problem, told where fonts are loaded
    families = ", ".join(sorted(theme.families))
    problems = []
    for loc, text in _texts(source.sheet):
        # What prints: the text as written, and as its Markdown reads (&#x1F600; is 😀).
        printed = set(text) | set(plain_text(text))
        missing = sorted(
            {c for c in printed if ord(c) not in have and unicodedata.category(c) not in INVISIBLE}
        )
        if not missing:
            continue
        named = ", ".join(
            f'"{c}" (U+{ord(c):04X} {unicodedata.name(c, "unnamed character")})'
            for c in missing[:5]
        ) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        written = (
            " (written as a character reference, &#…;)"
            if any(c not in text for c in missing)
            else ""
        )
        message = (
            f"the theme's fonts ({families}) have no glyph for {named}{written}: it would print"
            " as an empty box and be lost to screen readers; write it otherwise or remove it"
        )
        problems.append(_at(source, shown, loc, message))
    return problems


CHARACTERS_PER_PAGE = 2_500
"""Fewer than a page of the reference layout holds: estimates err towards more pages."""

PAGES_PER_BUDGETED_PAGE = 10
"""A sheet may run to ten times its page budget (copyfitting tells the rest) before it is
refused unrendered: beyond, it is a mistake (a pasted book, a generated file) that would keep
WeasyPrint busy for minutes."""

MAX_TEXTS_PER_BUDGETED_PAGE = 150
"""Paragraphs, items and resources per page of budget, for the same reason (a theme could put
each on a page of its own)."""

MAX_SHEET_PAGES = 60
"""Whatever its budget, a sheet estimated longer than this is refused unrendered: laying out
and checking a page takes the renderer about half a second in each variant, and again in the
collection."""

MAX_SHEET_TEXTS = 1_500
"""Whatever its budget, a sheet holding more paragraphs, items and resources than this is
refused unrendered, for the same reason."""


def volume_problems(source: SheetSource, shown: str, budget: int) -> list[Problem]:
    """A sheet far too long to lay out: refused in a moment, before WeasyPrint spends minutes."""
    texts = list(_texts(source.sheet))
    characters = sum(len(text) for _, text in texts)
    pages = characters // CHARACTERS_PER_PAGE + 1
    limit = min(max(budget, 2) * PAGES_PER_BUDGETED_PAGE, MAX_SHEET_PAGES)
    most = min(max(budget, 2) * MAX_TEXTS_PER_BUDGETED_PAGE, MAX_SHEET_TEXTS)
    if pages > limit:
        message = (
            f"the sheet holds {characters:,} characters, some {pages:,} pages, for a budget of"
            f" {budget}: it is not laid out beyond {limit} pages; split it into sheets"
        )
    elif len(texts) > most:
        message = (
            f"the sheet holds {len(texts):,} texts (paragraphs, items, resources), more than"
            f" {most} for a budget of {budget} pages; split it into sheets"
        )
    else:
        return []
    return [_at(source, shown, ("body",), message)]


MAX_SHEET_QR_BYTES = 20_000
"""All the web addresses of one sheet that print as QR codes, in bytes of UTF-8: making and
drawing a QR code takes time in proportion to what it holds, about half a second per thousand
characters, so a sheet of long addresses would keep the renderer busy for minutes."""


def qr_problems(source: SheetSource, shown: str) -> list[Problem]:
    """Web addresses (each printed with its QR code) too long in all for one sheet: told at
    the address that crosses the limit."""
    total = 0
    for loc, text in _texts(source.sheet):
        if loc[-1:] != ("url",):
            continue
        total += len(text.encode("utf-8"))
        if total > MAX_SHEET_QR_BYTES:
            message = (
                f"brings the web addresses of the sheet, each printed as a QR code, to more than"
                f" {MAX_SHEET_QR_BYTES:,} characters in all, the most a sheet may print:"
                " shorten them or split the sheet"
            )
            return [_at(source, shown, loc, message)]
    return []


def refusal_problems(source: SheetSource, shown: str, budget: int, theme: Theme) -> list[Problem]:
    """What stops a sheet before it is laid out, in a build of its own as in the collection: a
    sheet too long to lay out in reasonable time (its texts, or its addresses' QR codes), HTML
    or template syntax in a text, characters the theme's fonts cannot print."""
    refused = volume_problems(source, shown, budget) + qr_problems(source, shown)
    refused += markup_problems(source, shown)
    return refused or glyph_problems(source, shown, theme)


def name_problems(sources: Sequence[SheetSource], project: Project) -> list[Problem]:
    """Sheets whose file names differ only by case: their outputs would collide."""
    seen: dict[str, SheetSource] = {}
    problems = []
    for source in sources:
        first = seen.setdefault(source.slug.casefold(), source)
        if first is not source:
            for one, other in ((source, first), (first, source)):
                problems.append(
                    Problem(
                        project.display(one.path),
                        message=f"its name differs from {project.display(other.path)} only by"
                        " case: their PDFs would overwrite each other; rename one",
                    )
                )
    return problems


@dataclass
class CheckReport:
    """What `check` found: errors stop a build, warnings are to be looked at."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sheets: int = 0


def check_sources(project: Project, paths: Sequence[Any] | None = None) -> CheckReport:
    """Validate the series file, the theme and the sheets, without rendering: one edition of
    them; when the series file or the theme is invalid, what can be checked without it."""
    report = CheckReport()
    theme = None
    series = None
    chosen = list(paths) if paths else project.sheet_files()
    report.sheets = len(chosen)
    # The series' other sheets are read too, for what involves two sheets (a number or a name
    # used twice); only the chosen sheets' problems are told.
    shown_chosen = {project.display(Path(p)) for p in chosen}
    others = [p for p in project.sheet_files() if project.display(p) not in shown_chosen]
    try:
        edition = load_edition(project, [*chosen, *others])
    except InvalidSource as invalid:
        report.errors.extend(invalid.problems)
        with contextlib.suppress(InvalidSource):
            series = load_series(project)  # valid, its theme not: its page budget still counts
        every_source, problems = load_sheets(project, [*chosen, *others])
    else:
        series, theme = edition.series, edition.theme
        order = {path: index for index, path in enumerate(edition.paths)}
        every_source = sorted(edition.sheets, key=lambda s: order[s.path])  # as listed
        problems = edition.problems
    report.errors.extend(p for p in problems if p.file in shown_chosen)
    clashes = name_problems(every_source, project)
    report.errors.extend(p for p in clashes if p.file in shown_chosen)
    sources = [s for s in every_source if project.display(s.path) in shown_chosen]
    for source in sources:
        shown = project.display(source.path)
        report.errors.extend(placeholder_problems(source, shown))
        report.errors.extend(markup_problems(source, shown))
        if series is not None:
            budget = source.sheet.page_budget or series.page_budget
            report.errors.extend(volume_problems(source, shown, budget))
        report.errors.extend(qr_problems(source, shown))
        if theme is not None:
            report.errors.extend(glyph_problems(source, shown, theme))
            report.warnings.extend(length_problems(source, shown, theme))
    if theme is not None and series is not None and sources:
        report.errors.extend(rendering_problems(project, series, theme, sources))
    report.errors.sort()
    report.warnings.sort()
    return report


def rendering_problems(
    project: Project, series: Series, theme: Theme, sources: Sequence[SheetSource]
) -> list[Problem]:
    """When the theme (or one it extends) has templates of its own: the HTML of every sheet
    in every variant, and of the collection's parts, made (not rendered to PDF) to find what
    its templates get wrong (an undefined name, a template that is not there), at its line."""
    if not any((folder.folder / "templates").is_dir() for folder in theme.chain):
        return []
    import jinja2

    from fichepress.html.render import (
        edition_date,
        logo_urls,
        render_collection,
        render_sheet,
        template_problem,
    )

    def display(path: str) -> str:
        return project.display(Path(path))

    logos = logo_urls(series, project.sheets)
    sheets = sorted((s.sheet for s in sources), key=lambda sheet: sheet.number)
    problems: list[Problem] = []
    for variant in VARIANTS:
        look = theme.look(variant)
        for sheet in sheets:
            try:
                render_sheet(sheet, series, variant=variant, look=look, logos=logos)
            except jinja2.TemplateError as error:
                problem = template_problem(error, display)
                if problem not in problems:
                    problems.append(problem)
        look = theme.look(variant, collection=True)
        for part in ("front", "sheet", "colophon"):
            try:
                render_collection(
                    sheets[:1] if part == "sheet" else sheets,
                    series,
                    variant=variant,
                    part=part,
                    look=look,
                    logos=logos,
                    date=edition_date(series),
                    first_page=1,
                    toc_pages={sheet.number: "1" for sheet in sheets},
                )
            except jinja2.TemplateError as error:
                problem = template_problem(error, display)
                if problem not in problems:
                    problems.append(problem)
    return problems
