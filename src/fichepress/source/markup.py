"""Inline Markdown of sheet texts: **bold**, *italics*, [links](https://…), nothing else.

Only inline rules are on and raw HTML is off, so `<script>` in a sheet prints as text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_LINK_SCHEMES = ("http", "https", "mailto")

MAX_INLINE_NESTING = 10
"""Emphasis and links inside one another (`**bold *italics* in [a link](…)**` nests three):
beyond this, a text is refused. Each level is an element the renderer lays out, splits at every
line break and tags for screen readers, by recursion: a few hundred levels in a few kilobytes
of text would take minutes, or exhaust the stack."""


MAX_WORD_LETTERS = 64
"""Letters in a row, with no space, hyphen or other sign between them: longer is refused. The
renderer tries every place a word could be hyphenated at every line it crosses, so a word of a
thousand letters takes it half a minute, and of two thousand, two; the longest words of French
(anticonstitutionnellement, 25) or German (63) are far shorter."""

_LONG_WORD = re.compile(rf"[^\W\d_]{{{MAX_WORD_LETTERS + 1},}}")


def long_word_problem(words: str) -> str | None:
    """A plain-words problem when `words` (text as it prints) holds a word longer than
    `MAX_WORD_LETTERS`, or None."""
    found = _LONG_WORD.search(words)
    if found is None:
        return None
    return (
        f'holds a word of {len(found.group()):,} letters ("{found.group()[:20]}…"): a word may'
        f" have {MAX_WORD_LETTERS}, as laying out a longer one takes minutes; put spaces or"
        " hyphens in it"
    )


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "typographer": False})
    parser.enable(["emphasis", "link", "autolink", "escape", "entity", "backticks"])
    # Accept every link while parsing, so that check_inline can name a bad one to the author
    # instead of markdown-it silently printing it as text.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def _tokens(text: str) -> list[Token]:
    """The inline tokens of a text, in order (opening and closing ones for its markup)."""
    return [token for block in _parser().parseInline(text) for token in block.children or ()]


def check_inline(text: str) -> str | None:
    """Return a plain-words problem with the markup of `text`, or None when it is sound."""
    tokens = _tokens(text)
    problem = _nesting_problem(tokens) or _link_problem(tokens)
    return problem or long_word_problem(_words(tokens))


def _nesting_problem(tokens: list[Token]) -> str | None:
    """Emphasis and links nested deeper than the renderer lays out in reasonable time."""
    depth = 0
    for token in tokens:
        depth += token.nesting
        if depth > MAX_INLINE_NESTING:
            return (
                f"its emphasis and links (*, **, _, [ ]) nest more than {MAX_INLINE_NESTING}"
                " levels deep, one inside another: write it with fewer"
            )
    return None


def _link_problem(tokens: list[Token]) -> str | None:
    """A link whose address is not a web or e-mail address (markdown-it would print it as
    text, which the author did not mean)."""
    for token in tokens:
        if token.type != "link_open":
            continue
        href = str(token.attrGet("href") or "")
        parts = urlsplit(href)
        if parts.scheme not in ALLOWED_LINK_SCHEMES or (
            parts.scheme != "mailto" and not parts.netloc
        ):
            return f'the link "{href}" must be a web address starting with https://'
    return None


def _words(tokens: list[Token]) -> str:
    """The words the tokens of a text print, without markup."""
    words: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            words.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return "".join(words)


def render_inline(text: str) -> Markup:
    """Render inline Markdown to safe HTML."""
    return Markup(_parser().renderInline(text))


def plain_text(text: str) -> str:
    """The words of inline Markdown without its markup, as a reader sees them."""
    return _words(_tokens(text))
