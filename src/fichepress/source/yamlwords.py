"""Plain words for the YAML mistakes authors make, told at the mistake's own line and column
(the parser reports where it stumbles, often lines later, in its own jargon) with the fix."""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

Explained = tuple[str, int, int]
"""A message, and the 1-based line and column of the mistake."""

SPECIAL_STARTS = {
    "*": 'YAML reads "*…" as a reference to another value',
    "&": 'YAML reads "&…" as a name given to the value that follows',
    "!": 'YAML reads "!…" as a type',
    "[": 'YAML reads "[…]" as a list',
    "{": 'YAML reads "{…}" as keys and values',
    "|": 'YAML reads "|" as the start of a text written on the lines below',
    ">": 'YAML reads ">" as the start of a text written on the lines below',
    "%": "YAML keeps it for its own use",
    "@": "YAML keeps it for its own use",
    "`": "YAML keeps it for its own use",
    ",": "YAML keeps it for its own use",
    "?": 'YAML reads "? " as the start of a key',
    "-": 'YAML reads "- " as the start of a list item',
}
"""The characters a text may not start with unless it is between quotation marks, and why."""

_KEY = re.compile(r"^(\s*(?:-\s+)*)([^\s:#'\"\[\]{},&*!|>%@`?-][^:#]*?):(?:\s+|$)")
"""A line that opens with a key: its indentation (dashes included), and the key."""
_VALUE = re.compile(r"^(\s*(?:-\s+)*(?:[^\s:#'\"\[\]{},&*!|>%@`?-][^:#]*?:\s+)?)(\S)")
"""Where the value of a line starts: after its dashes and its key."""
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")
"""A key as fichepress writes them (lower case, no spaces): not a word of a text."""


def quoted(text: str) -> str:
    """`text` written between quotation marks as YAML reads it back unchanged."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _structure(line: str) -> tuple[int, str] | None:
    """The column of the key a line opens with, and the key; None for other lines."""
    found = _KEY.match(line)
    return (len(found.group(1)), found.group(2).strip()) if found else None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _line(lines: list[str], number: int) -> str:
    return lines[number] if 0 <= number < len(lines) else ""


def _marks(error: yaml.MarkedYAMLError) -> list[yaml.Mark]:
    return [mark for mark in (error.problem_mark, error.context_mark) if mark is not None]


def special_start(value: str, line: int, column: int, key: str = "") -> Explained:
    """A text that starts with a character YAML reads otherwise: the message at its place."""
    fix = f"{key}: {quoted(value)}" if key else quoted(value)
    return (
        f'a text that starts with "{value[0]}" must be written between quotation marks'
        f" ({SPECIAL_STARTS[value[0]]}): write {fix}",
        line,
        column,
    )


def _special(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A value that starts with * & ! % @ ` | > [ { , ? or "- "."""
    context = error.context or ""
    for mark in _marks(error):
        line = _line(lines, mark.line)
        found = _VALUE.match(line)
        if found is None:
            continue
        start, char = found.end(1), found.group(2)
        value = line[start:].rstrip()
        if char not in SPECIAL_STARTS or (char == "-" and value[1:2] not in (" ", "")):
            continue
        if char in "|>" and "block scalar" not in context:
            continue  # "|" and ">" alone start a text written below: it is something else
        if mark.column < start and mark is error.problem_mark and mark.line != len(lines):
            continue
        key = _structure(line)
        return special_start(value, mark.line + 1, start + 1, key[1] if key else "")
    return None


def _closing(text: str, mark: str) -> int:
    """The index in `text` (which follows an opening `mark`) of the mark that closes it, or -1."""
    index = 0
    while index < len(text):
        char = text[index]
        if mark == '"' and char == "\\":
            index += 2
            continue
        if char == mark:
            if mark == "'" and text[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    return -1


def _quote_inside(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A text between quotation marks that holds the same mark: it ends the text early."""
    if error.problem_mark is None:
        return None
    number = error.problem_mark.line
    line = _line(lines, number)
    found = _VALUE.match(line)
    if found is None or found.group(2) not in "\"'":
        return None
    mark, start = found.group(2), found.end(1)
    close = _closing(line[start + 1 :], mark)
    if close < 0:
        return None
    inner = start + 1 + close
    rest = line[inner + 1 :].strip()
    if not rest or rest.startswith("#"):
        return None
    text = line[start + 1 : line.rstrip().rfind(mark)] if rest.endswith(mark) else line[start + 1 :]
    key = _structure(line)
    fix = f"{key[1]}: {quoted(text)}" if key else quoted(text)
    if mark == '"':
        message = (
            'the quotation mark " inside this text ends it, as the text starts with ":'
            f" write {fix}, or use « » or “ ” inside the text"
        )
    else:
        message = (
            "the apostrophe inside this text ends it, as the text starts with ':"
            f" write {fix}, or double each apostrophe inside it ('')"
        )
    return message, number + 1, inner + 1


def _owner(lines: list[str], number: int) -> tuple[int, int, str] | None:
    """The line above `number` whose key the text of line `number` would continue: its
    number, the column of its key and the key."""
    for above in range(number - 1, -1, -1):
        if _blank(lines[above]):
            continue
        found = _structure(lines[above])
        if found is not None:
            return above, found[0], found[1]
    return None


def _indented_key(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A key indented more than the key above, whose text it then seems to continue."""
    if error.problem_mark is None or not (error.problem or "").startswith("mapping values"):
        return None
    number = error.problem_mark.line
    line = _line(lines, number)
    found = _structure(line)
    if found is None or found[0] + len(found[1]) + 1 != error.problem_mark.column + 1:
        return None
    column, key = found
    if not _WORD.match(key):
        return None  # a text with ": " in it: told by the hint on ":"
    owner = _owner(lines, number)
    if owner is None or owner[1] >= column:
        return None
    above, owner_column, owner_key = owner
    return (
        f'"{key}" is indented more than "{owner_key}" on line {above + 1}, so it is read as the'
        f' end of its text: start "{key}" at column {owner_column + 1}, like "{owner_key}"',
        number + 1,
        column + 1,
    )


def _levels(lines: list[str], first: int, last: int) -> list[tuple[int, int, bool]]:
    """Lines `first`..`last - 1` that open with a key or a dash: number, column, dash."""
    found = []
    text = text_lines(lines)
    for number in range(first, last):
        line = lines[number]
        if _blank(line) or number in text:
            continue
        if line.lstrip().startswith("- ") or line.strip() == "-":
            found.append((number, _indent(line), True))
        elif _structure(line) is not None:
            found.append((number, _indent(line), False))
    return found


def _misaligned(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A key that lines up with no block above (too far left, or not under its siblings)."""
    problem = error.problem or ""
    if not problem.startswith("expected <block end>, but found '<block mapping start>'"):
        return None
    if error.problem_mark is None or error.context_mark is None:
        return None
    number, column = error.problem_mark.line, error.problem_mark.column
    parent = error.context_mark
    parent_key = _structure(_line(lines, parent.line))
    found = _structure(_line(lines, number))
    if parent_key is None or found is None:
        return None
    key = found[1]
    levels = _levels(lines, parent.line, number)
    between = [level for level in levels if level[1] < column]
    shut = between[-1] if between else None
    sibling = next(
        (lv for lv in reversed(levels) if shut and lv[0] < shut[0] and lv[1] <= column), None
    )
    if shut and sibling and sibling[1] == column and not sibling[2] and shut == levels[-1]:
        return (
            f'"{(_structure(lines[shut[0]]) or (0, ""))[1]}" closes the block of "{key}" (line'
            f' {number + 1}) and "{(_structure(lines[sibling[0]]) or (0, ""))[1]}" (line'
            f" {sibling[0] + 1}): indent it to column {column + 1} like them, or line"
            f' "{key}" up with the keys of this line',
            shut[0] + 1,
            shut[1] + 1,
        )
    parent_key = next(
        (_structure(lines[lv[0]]) for lv in reversed(levels) if lv[1] == parent.column),
        parent_key,
    )
    assert parent_key is not None
    above = next((lv[0] for lv in reversed(levels) if lv[1] == parent.column), parent.line)
    message = (
        f'"{key}" starts at column {column + 1}, which lines up with no key above: line it up'
        f' with "{parent_key[1]}" (column {parent.column + 1}, line {above + 1})'
    )
    deeper = [level for level in _levels(lines, parent.line + 1, number) if level[1] > column]
    if deeper:
        child, child_column, dash = min(deeper, key=lambda level: (level[1], -level[0]))
        if dash:
            message += f', or write it as an item "- {key}: …" at column {child_column + 1}'
        else:
            name = (_structure(lines[child]) or (0, ""))[1]
            message += f', or with "{name}" (column {child_column + 1}, line {child + 1})'
    return message, number + 1, column + 1


def _first_item(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """The first item of a list written without its "-": the items after it, with theirs,
    then stand left of its keys."""
    problem = error.problem or ""
    found = ("'-'", "'<block sequence start>'")
    if not problem.startswith("expected <block end>, but found ") or not problem.endswith(found):
        return None
    if error.problem_mark is None or error.context_mark is None:
        return None
    end, dash = error.problem_mark.line, error.problem_mark.column
    text = text_lines(lines)
    for number in range(end - 1, error.context_mark.line - 1, -1):
        owner = _structure(lines[number])
        if number in text or owner is None or owner[0] >= dash:
            continue
        if lines[number].rstrip()[-1:] != ":":
            continue
        first = next((n for n in range(number + 1, end) if not _blank(lines[n])), end)
        key = _structure(lines[first])
        if key is None or _indent(lines[first]) <= dash or lines[first].lstrip()[:1] == "-":
            return None
        return (
            f'a "-" is missing: the items of "{owner[1]}" start with "- " (as on line'
            f' {end + 1}): write "- {key[1]}: …" at column {dash + 1}',
            first + 1,
            _indent(lines[first]) + 1,
        )
    return None


_BLOCK_TEXT = re.compile(r":\s+[|>][-+0-9]*\s*(#.*)?$")


def text_lines(lines: list[str]) -> set[int]:
    """The lines that hold the text of a key written below it (after "|" or ">")."""
    text: set[int] = set()
    owner = -1
    for number, line in enumerate(lines):
        if owner >= 0 and (not line.strip() or _indent(line) > owner):
            text.add(number)
            continue
        owner = -1
        found = _structure(line)
        if found is not None and _BLOCK_TEXT.search(line):
            owner = found[0]
    return text


def _missing_dash(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A key written at the column of a list's dashes, among its items."""
    problem = error.problem or ""
    if problem != "expected <block end>, but found '?'" or "block collection" not in (
        error.context or ""
    ):
        return None
    if error.problem_mark is None or error.context_mark is None:
        return None
    number, column = error.problem_mark.line, error.problem_mark.column
    found = _structure(_line(lines, number))
    if found is None:
        return None
    key = found[1]
    items = [lv for lv in _levels(lines, error.context_mark.line, number) if lv[1] == column]
    item = items[-1][0] if items else error.context_mark.line
    keys = {
        (_structure(lines[n]) or (0, ""))[1]
        for n in range(item, number)
        if (_structure(lines[n]) or (0, ""))[0] == column + 2
    }
    message = (
        f'a "-" is missing: "{key}" stands at the column of the list\'s "-" (line {item + 1}):'
        f' write "- {key}: …" to start a new item'
    )
    if key not in keys:
        message += f", or indent it by 2 more spaces to keep it in the item of line {item + 1}"
    return message, number + 1, column + 1


def _no_key(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A line of text without its key, among keys."""
    if not (error.problem or "").startswith("could not find expected ':'"):
        return None
    if error.context_mark is None:
        return None
    number = error.context_mark.line
    line = _line(lines, number)
    colon = line.find(":")
    if colon >= 0 and line[colon + 1 : colon + 2] not in (" ", ""):
        return (
            'write a space after ":" (a key, a colon and a space, then the text)',
            number + 1,
            colon + 2,
        )
    owner = _owner(lines, number)
    message = 'this line is a text without its key: write "key: " before it'
    if owner is not None:
        above, owner_column, owner_key = owner
        message += (
            f', or, if it continues the text of "{owner_key}" (line {above + 1}), indent it'
            f' more than "{owner_key}" (past column {owner_column + 1})'
        )
    return message, number + 1, _indent(line) + 1


_OPENING = re.compile(r"""^(\s*(?:-\s+(?:[^\s:#'"][^:#]*:\s+)?|[^\s:#'"-][^:#]*:\s+))(["'])""")
"""A value that starts with a quotation mark: the text before it, and the mark."""
_DASH = re.compile(r"^(\s*)-[^\s-]")
_ITEM = re.compile(r"^(\s*)-\s")


def _unclosed(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A quotation mark that opens a text and is not closed on its line."""
    problem = error.problem or ""
    end = error.problem_mark.line if error.problem_mark else 0
    if "quoted scalar" not in (error.context or "") and not problem.startswith(
        "expected <block end>"
    ):
        return None
    for number, line in enumerate(lines[: end + 1]):
        opening = _OPENING.match(line)
        if opening is None:
            continue
        mark, rest = opening.group(2), line[opening.end() :]
        if _closing(rest, mark) < 0:
            return (
                f"the quotation mark {mark} that opens this text is not closed on its line:"
                f" close it, or write the text without quotation marks",
                number + 1,
                opening.end(),
            )
    return None


def _list_items(lines: list[str], error: yaml.MarkedYAMLError) -> Explained | None:
    """A missing space after a dash, or the items of a list not lined up."""
    if not (error.problem or "").startswith("expected <block end>"):
        return None
    end = error.problem_mark.line if error.problem_mark else 0
    start = error.context_mark.line if error.context_mark else 0
    for number in range(start, min(end + 1, len(lines))):
        dash = _DASH.match(lines[number])
        if dash:
            return 'write a space after "-": a list item starts with "- "', number + 1, dash.end()
    item = _ITEM.match(_line(lines, end))
    if item is None:
        return None
    for number in range(end - 1, start - 1, -1):
        other = _ITEM.match(lines[number])
        if other is not None and other.group(1) != item.group(1):
            return (
                f"this list item starts at column {len(item.group(1)) + 1}, the one on"
                f" line {number + 1} at column {len(other.group(1)) + 1}: the items of a"
                " list line up",
                end + 1,
                len(item.group(1)) + 1,
            )
    return None


_RULES: tuple[Callable[[list[str], yaml.MarkedYAMLError], Explained | None], ...] = (
    _quote_inside,
    _unclosed,
    _special,
    _indented_key,
    _misaligned,
    _first_item,
    _missing_dash,
    _no_key,
    _list_items,
)

_HINTS = {
    "found character '\\t' that cannot start any token": (
        "a tab character is used here; YAML indents with spaces only"
    ),
    "mapping values are not allowed here": (
        'unexpected ":" — put a text that contains ": " between quotes'
    ),
    "found undefined alias": (
        'a text that starts with "*" must be written between quotation marks'
        ' (YAML reads "*…" as a reference to another value)'
    ),
    "but found another document": "holds several YAML documents; keep one",
}


def explain(text: str, error: yaml.MarkedYAMLError) -> Explained:
    """What is wrong, in plain words, and where: the first rule that recognises the mistake,
    else a hint at the parser's place, else the plain advice to look at indentation and
    quotation marks there."""
    lines = text.splitlines()
    for rule in _RULES:
        found = rule(lines, error)
        if found is not None:
            return found
    problem = error.problem or ""
    mark = error.problem_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    hint = next((h for start, h in _HINTS.items() if problem.startswith(start)), None)
    if hint is not None:
        return hint, line, column
    return (
        "is not valid YAML here: check that this line lines up with the keys of its block"
        " and that its quotation marks and brackets are closed",
        line,
        column,
    )
