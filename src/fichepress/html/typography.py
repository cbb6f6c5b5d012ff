"""Typography by language: authors type plain text, readers get the language's conventions.

French (fr, fr-CA, …): a narrow no-break space (U+202F) before ; ! ? and inside « », a no-break
space (U+00A0) before : and between a number and its unit, ’ for the apostrophe, … for three
dots, « » for straight double quotes, thin spaces between thousands. English: “ ” and ‘ ’, ’,
and …. Only text is touched: link addresses, code and bare web addresses keep their
characters, and Markdown stays Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

NBSP = "\u00a0"
NNBSP = "\u202f"

# Pieces of Markdown source that are not text: link destinations, autolinks, code spans, and
# web or e-mail addresses written as they are. Every pattern here and below costs time in
# proportion to the text: no attempt scans past the start of the next one (a destination stops
# at the next "](") nor beyond a bounded length (a scheme, the part of an address before its @).
_PROTECTED = re.compile(
    r"\]\((?:[^)\]]|\](?!\())*\)|<[^<>\s]+>|`[^`]*`"
    r"|\b[a-zA-Z][\w+.-]{0,31}://[^\s<>()\[\]]+|\b[\w.+-]{1,64}@[\w-]+\.[\w.]+"
)

_UNITS = (
    r"%|‰|€|\$|°C|°|h|min|s|ms|km|m|cm|mm|km²|m²|kg|g|l|ml|ans?|mois|jours?|pages?|p\.|pts?"
    r"|Mo|Go|Ko|k\$|M\$"
)
_NUMBER_UNIT = re.compile(rf"(\d)[ {NBSP}{NNBSP}]({_UNITS})(?![\w²])")
_THOUSANDS = re.compile(rf"(?<![\d,.])(\d{{1,3}})(?:[ {NBSP}]\d{{3}})+(?![\d,])")
_NUMERO = re.compile(rf"\b([nN]°s?|[nN]os?\.?)[ {NBSP}](?=\d)")


_QUOTED = re.compile(r'"([^"]*)"')
_BEFORE_CLOSING = re.compile(rf"(?<![ {NBSP}{NNBSP}])[ {NBSP}{NNBSP}]*»")
"""Spaces before a closing guillemet, matched from the first of them only."""


def _french(text: str) -> str:
    text = text.replace("...", "…")
    text = text.replace("'", "’")
    # straight double quotes become guillemets, in pairs
    text = _QUOTED.sub(lambda quoted: f"«{NNBSP}{quoted.group(1).strip()}{NNBSP}»", text)
    text = re.sub(rf"«[ {NBSP}{NNBSP}]*", f"«{NNBSP}", text)
    text = _BEFORE_CLOSING.sub(f"{NNBSP}»", text)
    # ; ! ? after a word (or a closing sign) take a narrow no-break space; a run counts once
    text = re.sub(rf"(?<=[^\s(\[«{NBSP}{NNBSP};!?])[ {NBSP}]?([;!?]+)", rf"{NNBSP}\1", text)
    # : takes a no-break space, unless it sits between digits (10:30, 4:3)
    text = re.sub(rf"(?<=[^\s\d({NBSP}{NNBSP}])[ {NNBSP}]?:(?=\s|$|[»)\]*_])", f"{NBSP}:", text)
    text = re.sub(rf"(?<=\d)[ {NNBSP}]:(?=\s|$)", f"{NBSP}:", text)
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(" ", NNBSP).replace(NBSP, NNBSP), text)
    text = _NUMBER_UNIT.sub(rf"\1{NBSP}\2", text)
    return _NUMERO.sub(rf"\1{NBSP}", text)


def _english(text: str) -> str:
    text = text.replace("...", "…")
    text = re.sub(r'"([^"]*)"', "“\\1”", text)
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)  # don't, l'été
    text = re.sub(r"(^|[\s(\[“])'", "\\1‘", text)
    text = text.replace("'", "’")
    return _NUMBER_UNIT.sub(rf"\1{NBSP}\2", text)


_RULES: dict[str, Callable[[str], str]] = {"fr": _french, "en": _english}


def typeset(text: str, language: str) -> str:
    """Text (plain or Markdown) with the typography of `language` (a tag such as fr-CA)."""
    rules = _RULES.get(language.split("-")[0].lower())
    if rules is None or not text:
        return text
    pieces = []
    position = 0
    for protected in _PROTECTED.finditer(text):
        pieces.append(rules(text[position : protected.start()]))
        pieces.append(protected.group(0))
        position = protected.end()
    pieces.append(rules(text[position:]))
    return "".join(pieces)


NOT_TEXT = frozenset({"url", "logo", "theme", "language", "page_size", "year", "rgb", "alt"})
"""Fields whose value is not prose: addresses, names of things, codes."""

M = TypeVar("M", bound=BaseModel)


def typeset_model(model: M, language: str) -> M:
    """A copy of a sheet or series with the typography of `language` applied to its prose."""

    def value(item: Any) -> Any:
        if isinstance(item, BaseModel):
            return typeset_model(item, language)
        if isinstance(item, tuple):
            return tuple(value(element) for element in item)
        if isinstance(item, str):
            return typeset(item, language)
        return item

    update = {
        name: value(getattr(model, name))
        for name in type(model).model_fields
        if name not in NOT_TEXT and getattr(model, name) is not None
    }
    return model.model_copy(update=update)
