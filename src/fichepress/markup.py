"""Inline Markdown of sheet texts: **bold**, *italics*, [links](https://…), nothing else.

Only inline rules are on and raw HTML is off, so `<script>` in a sheet prints as text.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_LINK_SCHEMES = ("http", "https", "mailto")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "typographer": False})
    parser.enable(["emphasis", "link", "autolink", "escape", "entity", "backticks"])
    # Accept every link while parsing, so that check_inline can name a bad one to the author
    # instead of markdown-it silently printing it as text.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def check_inline(text: str) -> str | None:
    """Return a plain-words problem with the markup of `text`, or None when it is sound."""
    for block in _parser().parseInline(text):
        for token in block.children or ():
            if token.type != "link_open":
                continue
            href = str(token.attrGet("href") or "")
            parts = urlsplit(href)
            if parts.scheme not in ALLOWED_LINK_SCHEMES or (
                parts.scheme != "mailto" and not parts.netloc
            ):
                return f'the link "{href}" must be a web address starting with https://'
    return None


def render_inline(text: str) -> Markup:
    """Render inline Markdown to safe HTML."""
    return Markup(_parser().renderInline(text))


def plain_text(text: str) -> str:
    """The words of inline Markdown without its markup, as a reader sees them."""
    words: list[str] = []
    for block in _parser().parseInline(text):
        for token in block.children or ():
            if token.type in ("text", "code_inline"):
                words.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                words.append(" ")
    return "".join(words)
