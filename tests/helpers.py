"""Helpers for tests that read the PDFs fichepress writes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdf
import pytest

from fichepress.html.render import labels_for, sheet_language
from fichepress.html.typography import typeset_model
from fichepress.source.markup import plain_text
from fichepress.source.model import Series, Sheet


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
