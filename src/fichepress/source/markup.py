"""Inline Markdown of sheet texts: **bold**, *italics*, [links](https://…), and passages in
another language (`[Voices From the Field]{lang=en}`), nothing else.

Only inline rules are on and raw HTML is off, so `<script>` in a sheet prints as text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
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


LANGUAGE_TAG = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<region>[A-Z]{2}|\d{3}))?$")
"""A language tag as sheets write it: a language, and a region if it matters (en, en-US,
fr-CA, es, pt-BR)."""

PASSAGE_LANGUAGES = frozenset(
    "af as be bg ca cs da de el en eo es et eu fr gl hr hu id is it kn lt lv mn mr nb nl nn"  # noqa: SIM905
    " or pa pl pt ro ru sa sk sl sq sr sv te th uk zu".split()
)
"""The languages a passage or a title may be marked in: those the renderer hyphenates
(it has their hyphenation dictionaries), so that a passage breaks at its own language's
places."""


def language_problem(value: str) -> str | None:
    """Why `value` is not a language a passage may be marked in, in plain words, or None."""
    found = LANGUAGE_TAG.match(value)
    if found is None:
        return (
            f'"{value}" is not a language tag: write the language in two small letters, and the'
            " region after a hyphen in two capitals if it matters, like en, en-US, es or pt-BR"
        )
    if found.group("lang") not in PASSAGE_LANGUAGES:
        return (
            f'fichepress does not know the language "{value}": write one of'
            f" {', '.join(sorted(PASSAGE_LANGUAGES))} (with a region if it matters, like en-US)"
        )
    return None


_SPAN_ATTRIBUTES = re.compile(r'^\s*lang\s*=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"}]*))\s*$')


def _span(state: StateInline, silent: bool) -> bool:
    """`[text]{lang=en}`: a passage in another language (a `span` with its `lang`). What the
    braces hold is kept as written, for `check_inline` to judge."""
    start = state.pos
    if state.src[start] != "[":
        return False
    label_end = state.md.helpers.parseLinkLabel(state, start, False)
    if label_end < 0 or label_end + 1 >= state.posMax or state.src[label_end + 1] != "{":
        return False
    close = state.src.find("}", label_end + 2, state.posMax)
    if close < 0:
        return False
    if not silent:
        attributes = state.src[label_end + 2 : close]
        found = _SPAN_ATTRIBUTES.match(attributes)
        lang = (found.group("quoted") or found.group("bare") or "") if found else None
        old_max = state.posMax
        state.pos, state.posMax = start + 1, label_end
        token = state.push("lang_span_open", "span", 1)
        token.meta = {"attributes": attributes, "lang": lang}
        if lang is not None and language_problem(lang) is None:
            token.attrs = {"lang": lang}
        state.md.inline.tokenize(state)
        state.push("lang_span_close", "span", -1)
        state.posMax = old_max
    state.pos = close + 1
    return True


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "typographer": False})
    parser.enable(["emphasis", "link", "autolink", "escape", "entity", "backticks"])
    parser.inline.ruler.before("link", "lang_span", _span)
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
    problem = _nesting_problem(tokens) or _link_problem(tokens) or _span_problem(tokens)
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


def _span_problem(tokens: list[Token]) -> str | None:
    """A passage in another language whose braces do not say `lang=` and a language
    fichepress knows, that holds no text, or that holds the words of a link."""
    for index, token in enumerate(tokens):
        if token.type == "text" and "{lang=" in token.content:
            return (
                '"{lang=…}" marks the words in brackets just before it, with nothing between'
                " ] and {: write [Voices From the Field]{lang=en}"
            )
        if token.type == "lang_span_close":
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if after is not None and after.type == "text" and after.content.startswith("]("):
                return (
                    "a link's words hold a passage in another language ([[…]{lang=…}](…)):"
                    " put the link inside the passage instead, [[words](https://…)]{lang=en}"
                )
        if token.type != "lang_span_open":
            continue
        shown = "{" + str(token.meta["attributes"]) + "}"
        lang = token.meta["lang"]
        if lang is None:
            return (
                f'"{shown}" after a passage in brackets must say its language, like'
                " [Voices From the Field]{lang=en}"
            )
        if tokens[index + 1].type == "lang_span_close":
            return f'the passage marked "{shown}" holds no words: write them between [ and ]'
        problem = language_problem(str(lang))
        if problem is not None:
            return problem
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
