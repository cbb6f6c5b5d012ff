"""A reader's text compared with what a sheet's sources call for, word by word: the words as
read (each with the roles around it), matched in order against the expected texts, allowing
for hyphenation breaks at line ends and for typographic spaces, nothing else."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .reading import Run

HYPHENS = "-\u00ad\u2010\u2011\u0002"
"""What ends a line broken inside a word: a hyphen, a soft hyphen, or PDFium's U+0002 (its
code for a hyphen it found at a line end)."""


@dataclass(frozen=True)
class Word:
    text: str
    roles: tuple[str, ...]
    lang: str


@dataclass(frozen=True)
class Wanted:
    """A text the sources call for, and the role it must be read in (its own or an
    ancestor's); `link` when it is a link's text."""

    text: str
    role: str
    link: bool = False


def words(runs: Iterable[Run]) -> list[Word]:
    """The words read, split at any space (typographic ones too) and line break; a word cut
    across two runs keeps the roles of the run it starts in."""
    found: list[Word] = []
    current = ""
    owner: Run | None = None
    for run in runs:
        for char in run.text:
            if char.isspace():
                if current and owner is not None:
                    found.append(Word(current, owner.roles, owner.lang))
                current, owner = "", None
            else:
                if not current:
                    owner = run
                current += char
    if current and owner is not None:
        found.append(Word(current, owner.roles, owner.lang))
    return found


def _norm(word: str) -> str:
    return unicodedata.normalize("NFC", word)


def _matches(wanted: str, found: list[Word], at: int) -> int:
    """How many words read from `at` make the wanted word (0: they do not): one word, or a
    word broken at a line end (its hyphen dropped, or kept when the word has one there)."""
    wanted = _norm(wanted)
    joined = ""
    for count in range(1, 4):
        if at + count > len(found):
            return 0
        piece = _norm(found[at + count - 1].text)
        if count > 1:
            if joined[-1:] not in HYPHENS:
                return 0
            piece = joined[:-1] + "\u0002" + piece  # the break, resolved below
        elif piece == wanted:
            return 1
        candidates = _unbroken(piece)
        if wanted in candidates:
            return count
        prefixes = [c for c in candidates if wanted.startswith(c[:-1]) and c[-1:] in HYPHENS]
        if not prefixes:
            return 0
        joined = piece
    return 0


def _unbroken(word: str) -> list[str]:
    """The word with each line-end break (PDFium's U+0002) read as nothing or as a hyphen."""
    found = [""]
    for char in word:
        found = [w + c for w in found for c in (("", "-") if char == "\u0002" else (char,))]
    return found


@dataclass
class Reading:
    """The outcome: what differs, and the words read between the expected texts."""

    problems: list[str]
    between: list[str]
    matched: int


def compare(wanted: list[Wanted], found: list[Word], *, extra: frozenset[str]) -> Reading:
    """Each wanted text's words, in order and consecutive, in the words read; between two texts
    only words of `extra` (what the templates add: "par", a dash); each text read in its role
    (and in a Link when it is a link's)."""
    problems: list[str] = []
    between: list[str] = []
    at = matched = 0
    for want in wanted:
        expected = want.text.split()
        if not expected:
            continue
        start = _find(expected[0], found, at)
        if start is None:
            problems.append(
                f"{want.text!r}: its first word {expected[0]!r} is not read after"
                f" {_context(found, at)}"
            )
            continue
        gap = [word.text for word in found[at:start]]
        between += gap
        unexpected = [word for word in gap if _norm(word) not in extra]
        if unexpected:
            problems.append(
                f"read before {want.text!r}, which the sources do not have:"
                f" {' '.join(unexpected)!r}"
            )
        position = start
        for index, word in enumerate(expected):
            used = _matches(word, found, position)
            if not used:
                problems.append(
                    f"{want.text!r}: word {index + 1} {word!r} is read as"
                    f" {_context(found, position)}"
                )
                break
            for read in found[position : position + used]:
                if want.role not in read.roles:
                    problems.append(
                        f"{want.text!r}: {read.text!r} is read as {'/'.join(read.roles)},"
                        f" not in {want.role}"
                    )
                    break
                if want.link and "Link" not in read.roles:
                    problems.append(f"{want.text!r}: {read.text!r} is not in a Link")
                    break
            position += used
            matched += 1
        at = position
    rest = [word.text for word in found[at:] if _norm(word.text) not in extra]
    if rest:
        problems.append(f"read after the last text, which the sources do not have: {rest!r}")
    return Reading(problems, between, matched)


def _find(word: str, found: list[Word], at: int) -> int | None:
    for index in range(at, len(found)):
        if _matches(word, found, index):
            return index
    return None


def _context(found: list[Word], at: int) -> str:
    return repr(" ".join(word.text for word in found[at : at + 6]) or "the end")


def without(runs: Iterable[Run], roles: frozenset[str]) -> Iterator[Run]:
    """The runs read in none of `roles` (list labels, figures: compared apart)."""
    return (run for run in runs if not roles.intersection(run.roles))
