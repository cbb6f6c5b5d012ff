"""Inline Markdown: bold, italics and links; raw HTML stays text."""

from __future__ import annotations

import pytest

from fichepress.source.markup import check_inline, plain_text, render_inline


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
