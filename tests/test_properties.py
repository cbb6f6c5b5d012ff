"""Property tests: generated sheets with arbitrary Unicode never crash the build, and what a
reader gets from the accessible PDF is the text put in, with fichepress's typography.

Each example is written as a YAML file, as an author would, then read, checked and built by the
same functions as `fichepress build`. The outcomes allowed: the sheet is refused with
problems that name their place (a text the theme's fonts cannot print, an empty text), or it
is built and its text reads back exactly (modulo the documented substitutions of
`typography.py` and Markdown's markup)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pikepdf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fichepress.checks.authoring import INVISIBLE, coverage, glyph_problems, markup_problems
from fichepress.checks.ua_source import reading_text
from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.html.typography import typeset
from fichepress.series.builder import Builder
from fichepress.series.report import Report
from fichepress.source.load import load_sheet
from fichepress.source.markup import MAX_WORD_LETTERS, plain_text

from .conftest import copy_project

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never fails by chance
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# Every example is built into PDFs.
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Builder:
    project = copy_project(tmp_path_factory.mktemp("properties") / "project", [])
    return Builder(load_edition(project, []), project.root / "build")


def _spaces(text: str) -> str:
    """Runs of ordinary white space as one space (line breaks are the layout's), format
    characters that print nothing (soft hyphens, joiners) left out; no-break spaces are
    typography and stay."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return re.sub(r"[ \t\r\n\f\v\u2028\u2029]+", " ", text).strip(" ")


def expected(text: str) -> str:
    """What a reader must get for `text`: its typography, its Markdown read as words."""
    return _spaces(plain_text(typeset(text, "fr-CA")))


def build(builder: Builder, title: str, paragraph: str, quote: str) -> tuple[str, Report, Path]:
    project: Project = builder.project
    path = project.sheets / "05-essai.yaml"
    sheet = {
        "number": 5,
        "title": title,
        "kicker": "Une accroche.",
        "body": [{"paragraph": paragraph}, {"quote": quote}],
    }
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True), encoding="utf-8")
    report = Report()
    try:
        source = load_sheet(path, project)
    except InvalidSource as invalid:
        for problem in invalid.problems:
            assert problem.file == "sheets/05-essai.yaml" and problem.line >= 1, problem
        return "refused", report, path
    shown = "sheets/05-essai.yaml"
    markup = markup_problems(source, shown)
    missing = glyph_problems(source, shown, builder.theme)
    builder.build_sheet(source, "accessible", report)
    if markup or missing:
        # Refused before rendering, told where: no HTML or template syntax printed as it is,
        # no PDF with empty boxes.
        assert report.problems == (markup or missing) and report.failed == {shown}
        return "markup" if markup else "no glyph", report, path
    assert report.ok and not report.problems, [str(p) for p in report.problems]
    return "built", report, path


# Text a reader types: any printable character of any script, with spaces and line breaks.
ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Co", "Cn", "Cc"), whitelist_characters="\n "),
    min_size=0,
    max_size=60,
)
# Text the theme's fonts can print (Latin letters, accents, digits, punctuation, symbols), and
# very long words.
LATIN = st.characters(
    min_codepoint=0x20, max_codepoint=0x17F, blacklist_categories=("Cc", "Cs", "Co", "Cn")
)
PRINTABLE = st.one_of(
    st.text(LATIN, min_size=1, max_size=80),
    # one long word, up to the longest a text may hold (a longer one is refused at its place)
    st.text(st.sampled_from("abcdéèàçœ"), min_size=40, max_size=MAX_WORD_LETTERS),
)


@PROPERTY_SETTINGS
@given(title=ANY_TEXT, paragraph=ANY_TEXT, item=ANY_TEXT)
def test_any_unicode_never_crashes_the_build(
    builder: Builder, title: str, paragraph: str, item: str
) -> None:
    outcome, report, _ = build(builder, title, paragraph, item)
    if outcome == "no glyph":
        have = coverage(builder.theme)
        lacking = {
            c
            for text in (title, paragraph, item)
            for c in text
            if ord(c) not in have and unicodedata.category(c) not in INVISIBLE
        }
        assert lacking  # refused only for a character truly missing
        named = " ".join(str(p) for p in report.problems)
        assert all(f"U+{ord(c):04X}" in named for c in sorted(lacking)[:5])


@PROPERTY_SETTINGS
@given(title=PRINTABLE, paragraph=PRINTABLE, item=PRINTABLE)
def test_the_text_read_from_the_pdf_is_the_text_put_in(
    builder: Builder, title: str, paragraph: str, item: str
) -> None:
    outcome, _, _ = build(builder, title, paragraph, item)
    # The heading shows the sheet's number before its title.
    texts = [_spaces(f"5. {expected(title)}"), expected(paragraph), expected(item)]
    if outcome == "refused":
        # Only a text with nothing to read is refused ("is empty: write a text here").
        assert not all(expected(t) for t in (title, paragraph, item))
        return
    if outcome == "markup":
        return  # HTML or template syntax, told at its place
    assert outcome == "built"
    pdf_path = builder.out / "accessible" / "05-essai.pdf"
    with pikepdf.open(pdf_path) as pdf:
        blocks = reading_text(pdf)
    read = [_spaces(text) for role, text in blocks]
    roles = {text: role for role, text in ((r, _spaces(t)) for r, t in blocks)}
    for text, role in zip(texts, ("H1", "P", "P"), strict=True):
        assert text in read, (text, read)
        assert roles[text] == role
