"""Inline Markdown: bold, italics and links; raw HTML stays text."""

from __future__ import annotations

from pathlib import Path

import pytest

from fichepress.core.errors import InvalidSource
from fichepress.source.load import load_sheet
from fichepress.source.markup import check_inline, plain_text, render_inline

from .conftest import ROOT, copy_project


def test_bold_italics_links() -> None:
    assert render_inline("la **portée** d'une *action* [lien](https://example.org/a?b=1&c=2)") == (
        "la <strong>portée</strong> d'une <em>action</em> "
        '<a href="https://example.org/a?b=1&amp;c=2">lien</a>'
    )


def test_raw_html_and_templates_print_as_text() -> None:
    assert render_inline("<script>alert(1)</script> & {{ x }}") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ x }}"
    )


def test_block_markup_is_not_interpreted() -> None:
    assert render_inline("# pas un titre") == "# pas un titre"
    assert render_inline("- pas une liste") == "- pas une liste"


@pytest.mark.parametrize(
    "text",
    ["[x](javascript:alert(1))", "[x](file:///etc/passwd)", "[x](data:text/html,hi)", "[x](/rel)"],
)
def test_bad_links_are_named(text: str) -> None:
    problem = check_inline(text)
    assert problem is not None and "must be a web address starting with https://" in problem


def test_good_links_pass() -> None:
    assert check_inline("[a](https://example.org) <https://example.org> [m](mailto:a@b.c)") is None


def test_plain_text_drops_the_markup() -> None:
    assert plain_text("la **portée** *d'une* [action](https://example.org)") == (
        "la portée d'une action"
    )


# --- words in another language ----------------------------------------------------------------


def test_a_passage_in_another_language_is_a_span_with_its_lang() -> None:
    text = "traduction de [*Voices From the Field III*]{lang=en}, 2010"
    assert check_inline(text) is None
    assert render_inline(text) == (
        'traduction de <span lang="en"><em>Voices From the Field III</em></span>, 2010'
    )
    assert plain_text(text) == "traduction de Voices From the Field III, 2010"
    assert render_inline('[Don Quijote]{ lang="es" } y') == '<span lang="es">Don Quijote</span> y'
    # a link inside the passage, the passage inside emphasis
    assert render_inline("**[[Field](https://example.org)]{lang=en-US}**") == (
        '<strong><span lang="en-US"><a href="https://example.org">Field</a></span></strong>'
    )


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("[Voices]{lang=zz}", 'does not know the language "zz"'),
        ("[Voices]{lang=english}", '"english" is not a language tag'),
        ("[Voices]{lang=EN}", '"EN" is not a language tag'),
        ("[Voices]{lang=en-us}", '"en-us" is not a language tag'),
        ("[Voices]{lang=}", '"" is not a language tag'),
        ("[Voices]{language=en}", "must say its language, like [Voices From the Field]{lang=en}"),
        ("[]{lang=en}", "holds no words"),
        ("[Voices] {lang=en}", "with nothing between ] and {"),
        ("[Voices](https://example.org){lang=en}", "with nothing between ] and {"),
        ("[[Voices]{lang=en}](https://example.org)", "put the link inside the passage"),
    ],
)
def test_a_passage_whose_language_is_wrong_is_named(text: str, told: str) -> None:
    problem = check_inline(text)
    assert problem is not None and told in problem


def test_a_passage_in_the_sheets_own_language_is_allowed() -> None:
    """Pointless in a French sheet, but true wherever the words are copied: kept as written."""
    assert check_inline("[Le Petit Prince]{lang=fr}") is None
    assert render_inline("[Le Petit Prince]{lang=fr}") == '<span lang="fr">Le Petit Prince</span>'


def test_brackets_and_braces_alone_stay_text() -> None:
    for text in ("[voir plus bas] et {note}", "un [crochet] seul", "{lang} sans crochets"):
        assert check_inline(text) is None
        assert render_inline(text) == text


def test_every_language_a_passage_may_have_is_hyphenated_by_the_renderer() -> None:
    """WeasyPrint hyphenates by the lang attribute with pyphen's dictionaries: each language
    a passage may be marked in has one, so its words break at their own language's places."""
    import pyphen  # type: ignore[import-untyped]

    from fichepress.source.markup import PASSAGE_LANGUAGES

    assert {lang for lang in PASSAGE_LANGUAGES if not pyphen.language_fallback(lang)} == set()
    assert pyphen.Pyphen(lang="en").inserted("hyphenation") == "hy-phen-a-tion"
    assert pyphen.Pyphen(lang="fr").inserted("hyphenation") == "hy-phe-na-tion"


def test_a_wrong_language_is_told_at_its_place(tmp_path: Path) -> None:
    """In the citation of sheet 3, and as a resource's language: the file, line, column and
    key path of the value, and the fix."""
    project = copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])
    path = project.sheets / "03-strategie-globale.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("]{lang=en}", "]{lang=anglais}")
    assert "]{lang=anglais}" in text
    brochure = "        - kind: Brochure\n"
    text = text.replace(brochure, brochure + "          language: EN\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSource) as caught:
        load_sheet(path, project)
    lines = text.splitlines()
    told = {problem.key: problem for problem in caught.value.problems}
    assert set(told) == {
        "selection.groups[0].resources[1].language",
        "further_reading.references[0].citation",
    }
    language = told["selection.groups[0].resources[1].language"]
    assert lines[language.line - 1][language.column - 1 :] == "EN"
    assert '"EN" is not a language tag' in language.message
    citation = told["further_reading.references[0].citation"]  # told where its text starts
    assert lines[citation.line - 1][citation.column - 1 :] == ">-"
    assert lines[citation.line - 1].strip() == "- citation: >-"
    assert '"anglais" is not a language tag' in citation.message


@pytest.mark.e2e
def test_a_passage_is_hyphenated_in_its_own_language_in_print(tmp_path: Path) -> None:
    """WeasyPrint hyphenates by the lang attribute: in a French paragraph, "hyphenation"
    marked English breaks where English breaks it (hyphen-ation), not where French would
    (hyphe-nation)."""
    import weasyprint

    from .helpers import pdf_text

    font = (ROOT / "fonts" / "lato" / "Lato-Regular.ttf").as_uri()

    def lines(text: str) -> list[str]:
        html = (
            f'<html lang="fr"><head><style>@font-face {{ font-family: T; src: url("{font}") }}'
            "</style></head>"
            '<body style="width: 1.65cm; hyphens: auto; font: 12pt T">'
            f"<p>{render_inline(text)}</p></body></html>"
        )
        path = tmp_path / "passage.pdf"
        weasyprint.HTML(string=html).write_pdf(path)
        return pdf_text(path).replace("\u2010", "-").split()

    assert lines("hyphenation") == ["hyphe-", "nation"]
    assert lines("[hyphenation]{lang=en}") == ["hyphen-", "ation"]
