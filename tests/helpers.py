"""Helpers for tests that read the PDFs fichepress writes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdf
import pytest

from fichepress.html.render import Labels, edition_date, labels_for, sheet_language
from fichepress.html.typography import typeset_model
from fichepress.source.markup import plain_text
from fichepress.source.model import Heading, Paragraph, Quote, Resource, Series, Sheet

from .readers.compare import Wanted


def sheet_texts(sheet: Sheet, series: Series) -> Iterator[str]:
    """Every text of a sheet and its series, in the order a reader meets them on the page,
    with the typography of their language (what the PDF must hold)."""
    labels = labels_for(sheet_language(sheet, series))
    sheet = typeset_model(sheet, sheet_language(sheet, series))
    series = typeset_model(series, series.language)
    yield series.title
    yield f"{sheet.number}. {sheet.title}"
    yield sheet.kicker
    for block in sheet.body:
        for name in ("paragraph", "quote", "source", "heading"):
            value = getattr(block, name, None)
            if value:
                yield plain_text(value)
        for item in getattr(block, "list", ()):
            if isinstance(item, str):
                yield plain_text(item)
            else:
                yield item.label
                yield plain_text(item.text)
    if sheet.selection:
        yield sheet.selection.heading or labels.selection
        if sheet.selection.intro:
            yield plain_text(sheet.selection.intro)
        for group in sheet.selection.groups:
            yield group.heading
            for resource in group.resources:
                for value in (
                    resource.kind,
                    resource.title,
                    resource.authors,
                    resource.container,
                    resource.details,
                ):
                    if value:
                        yield plain_text(value)
                if resource.month:
                    yield labels.months[resource.month - 1]
                yield resource.year
                for value in (resource.description, resource.commentary):
                    if value:
                        yield plain_text(value)
    if sheet.further_reading:
        yield sheet.further_reading.heading or labels.further_reading
        if sheet.further_reading.commentary:
            yield plain_text(sheet.further_reading.commentary)
        for reference in sheet.further_reading.references:
            yield plain_text(reference.citation)
    if series.funders:
        yield series.funders.intro
    yield series.copyright
    yield series.licence


_IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011]+")


def squeeze(text: str) -> str:
    """Text compared modulo case, spacing, line breaks and hyphenation."""
    return _IGNORED.sub("", text).casefold()


def missing_in_order(texts: list[str], extracted: str) -> list[str]:
    """The texts not found in `extracted` after the previous one (empty when all are in order)."""
    haystack = squeeze(extracted)
    position, missing = 0, []
    for text in texts:
        found = haystack.find(squeeze(text), position)
        if found < 0:
            missing.append(text)
        else:
            position = found + len(squeeze(text))
    return missing


def pdf_text(path: Path) -> str:
    """The text of a PDF in content order, page after page (pypdf)."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def pdffonts(path: Path) -> list[dict[str, str]]:
    """The fonts of a PDF as poppler's pdffonts lists them."""
    output = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    fonts = []
    for line in output[2:]:
        parts = line.split()
        # name, type (may be two words), encoding, emb, sub, uni, object, id
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def pdfua_findings(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """What the independent `pdfua` checker finds in a PDF, with none of its rules skipped.

    Its rule UA-14-001 (empty headings) crashes on any /K array (pdfua 0.1.3 calls getattr on
    a pikepdf Array, which raises ValueError instead of AttributeError) and would be skipped:
    the rule is handed a sound version of that one helper so that it really runs.
    """
    import pdfua
    import pdfua.rules.structure
    from pdfua.document import as_integer as original

    def as_integer(value: object) -> int | None:
        return None if isinstance(value, pikepdf.Array) else original(value)

    monkeypatch.setattr(pdfua.rules.structure, "as_integer", as_integer)
    report = pdfua.validate(str(path))
    assert report.skipped == (), report.skipped
    assert len(report.outcomes) >= 12
    return [(finding.rule_id, finding.message) for finding in report.findings]


def sheet_reading(sheet: Sheet, series: Series, *, footer: bool = True) -> Iterator[Wanted]:
    """What a reader must read of a sheet, text by text in reading order, each in the role
    it must be read in: the texts of `sheet_texts`, joined as the templates print them (a
    resource's parts with "par", commas, its date and a colon; a list label with its colon;
    between the copyright and the licence a theme's separator). Figures and list labels are
    checked apart."""
    language = sheet_language(sheet, series)
    labels = labels_for(language)
    sheet = typeset_model(sheet, language)
    series = typeset_model(series, series.language)
    yield Wanted(series.title, "P")
    yield Wanted(f"{sheet.number}. {sheet.title}", "H1")
    yield Wanted(sheet.kicker, "P")
    for block in sheet.body:
        if isinstance(block, Paragraph):
            yield Wanted(plain_text(block.paragraph), "P")
        elif isinstance(block, Heading):
            yield Wanted(block.heading, "H2")
        elif isinstance(block, Quote):
            yield Wanted(plain_text(block.quote), "BlockQuote")
            if block.source:
                yield Wanted(plain_text(block.source), "BlockQuote")
        else:
            for item in block.list:
                if isinstance(item, str):
                    yield Wanted(plain_text(item), "LBody")
                else:
                    label = _label(item.label, labels)
                    yield Wanted(f"{label} {plain_text(item.text)}", "LBody")
    if sheet.selection:
        yield Wanted(sheet.selection.heading or labels.selection, "H2")
        if sheet.selection.intro:
            yield Wanted(plain_text(sheet.selection.intro), "P")
        for group in sheet.selection.groups:
            yield Wanted(group.heading, "H3")
            for resource in group.resources:
                yield from _resource_reading(resource, labels)
    if sheet.further_reading:
        further = sheet.further_reading
        yield Wanted(further.heading or labels.further_reading, "H2")
        if further.commentary:
            yield Wanted(plain_text(further.commentary), "P")
        for reference in further.references:
            yield Wanted(plain_text(reference.citation), "P", link=bool(reference.url))
    if footer:  # the credits (a sheet of the collection has none)
        yield from _credits_reading(series)


def _credits_reading(series: Series) -> Iterator[Wanted]:
    series = typeset_model(series, series.language)
    if series.funders:
        yield Wanted(series.funders.intro, "P")
    # a theme joins the two with a mark of its own (a dash, a middle dot): see SEPARATORS
    yield Wanted(series.copyright, "P")
    yield Wanted(series.licence, "P")


SEPARATORS = frozenset({"-", "–", "—", "·", "|", "/"})
"""The marks a theme's templates may print between two texts of the sources."""


def _label(label: str, labels: Labels) -> str:
    return label if label.endswith(("?", "!", ":", "…")) else label + labels.colon.rstrip()


def _resource_reading(resource: Resource, labels: Labels) -> Iterator[Wanted]:
    """A resource of the selection: KIND Title par Authors, container, details, date: description.
    (the title a link when it has an address), then its commentary."""
    if resource.kind:
        yield Wanted(resource.kind, "LBody")
    yield Wanted(plain_text(resource.title), "LBody", link=bool(resource.url))
    rest = f"{labels.by} {plain_text(resource.authors)}"
    for value in (resource.container, resource.details):
        if value:
            rest += f", {plain_text(value)}"
    month = f"{labels.months[resource.month - 1]} " if resource.month else ""
    rest += f", {month}{resource.year}"
    if resource.description:
        description = plain_text(resource.description).rstrip()
        ending = "" if description.endswith((".", "!", "?", "…")) else "."
        rest += f"{labels.colon}{description}{ending}"
    else:
        rest += "."
    yield Wanted(rest, "LBody")
    if resource.commentary:
        yield Wanted(plain_text(resource.commentary), "LBody")


def sheet_figures(series: Series) -> list[str]:
    """The alternative texts of the figures each sheet shows: the funders' logos, then the
    publisher's."""
    funders = series.funders.organisations if series.funders else []
    return [funder.alt for funder in funders] + [series.publisher.alt]


def collection_reading(sheets: list[Sheet], series: Series, first_pages: list[int]) -> list[Wanted]:
    """What a reader must read of the collection of `sheets` (in number order), each starting on
    the page numbered in `first_pages`: the cover, the contents (each entry a link), every
    sheet without its credits, the colophon with them."""
    labels = labels_for(series.language)
    typeset = typeset_model(series, series.language)
    year = str(edition_date(series).year)
    wanted = [
        Wanted(typeset.publisher.name, "P"),
        Wanted(typeset.title, "H1"),
        Wanted(f"{len(sheets)} {labels.sheets}", "P"),
        Wanted(year, "P"),
        Wanted(labels.contents, "H2"),
    ]
    for sheet, page in zip(sheets, first_pages, strict=True):
        title = typeset_model(sheet, sheet_language(sheet, series)).title
        wanted.append(Wanted(f"{sheet.number}. {title} {page}", "Link", link=True))
    for sheet in sheets:
        wanted += sheet_reading(sheet, series, footer=False)
    wanted.append(Wanted(labels.colophon, "H2"))
    wanted.append(Wanted(f"{typeset.title}, {typeset.publisher.name}, {year}.", "P"))
    wanted += _credits_reading(series)
    return wanted


def collection_figures(series: Series) -> list[str]:
    """The alternative texts of the collection's figures: the publisher's logo on the cover,
    the logos of the colophon's credits."""
    return [series.publisher.alt, *sheet_figures(series)]
