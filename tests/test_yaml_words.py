"""YAML mistakes told in plain words, at the mistake's own line and column, with the fix: the
cases authors make (French and English texts), a fuzz of edits of a real sheet, and `check`."""

from __future__ import annotations

import random
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project
from fichepress.source.load import load_sheet

from .conftest import ROOT

JARGON = re.compile(
    r"<[a-z ]+>|scalar|token|simple key|block (mapping|sequence|collection|end)"
    r"|flow (sequence|mapping)|anchor|alias",
    re.IGNORECASE,
)
"""The parser's words, which no message may use."""

HEAD = "number: 7\ntitle: Un titre\nkicker: Une accroche.\n"
BODY = "body:\n  - paragraph: Du texte.\n"


def told(project: Project, text: str) -> list[tuple[int, int, str, str]]:
    """Each problem of a sheet: line, column, key path and message."""
    path = project.sheets / "07-essai.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(InvalidSource) as caught:
        load_sheet(path, project)
    return [(p.line, p.column, p.key, p.message) for p in caught.value.problems]


CASES = [
    # indentation
    (
        "too-far-key",
        HEAD.replace("kicker", "  kicker") + BODY,
        3,
        3,
        '"kicker" is indented more than "title" on line 2, so it is read as the end of its text:'
        ' start "kicker" at column 1, like "title"',
    ),
    (
        "too-far-in-block",
        HEAD + BODY + "selection:\n  heading: X\n    intro: Y\n",
        8,
        5,
        'start "intro" at column 3, like "heading"',
    ),
    (
        "too-little",
        HEAD + BODY + "selection:\n  heading: X\n intro: Y\n",
        8,
        2,
        '"intro" starts at column 2, which lines up with no key above: line it up with'
        ' "selection" (column 1, line 6), or with "heading" (column 3, line 7)',
    ),
    (
        "out-of-block",
        HEAD + BODY + " selection:\n",
        6,
        2,
        '"selection" starts at column 2, which lines up with no key above: line it up with'
        ' "body" (column 1, line 4), or write it as an item "- selection: …" at column 3',
    ),
    (
        "not-aligned",
        HEAD + BODY + "selection:\n    heading: X\n  intro: Y\n",
        8,
        3,
        'line it up with "selection" (column 1, line 6), or with "heading" (column 5, line 7)',
    ),
    (
        "closes-the-block",
        HEAD + BODY + "selection:\n  heading: X\nintro: >-\n    Un texte.\n  groups: []\n",
        8,
        1,
        '"intro" closes the block of "groups" (line 10) and "heading" (line 7): indent it to'
        " column 3 like them",
    ),
    (
        "item-too-far",
        HEAD + BODY + "  - list:\n      - a\n     - b\n",
        8,
        6,
        "this list item starts at column 6, the one on line 7 at column 7: the items of a list"
        " line up",
    ),
    (
        "key-in-text",
        HEAD + BODY + "further_reading:\n  commentary: >-\n    Un texte.\n"
        "    references:\n      - citation: X\n",
        9,
        5,
        'the key "references" is required but missing: "references" on this line is indented'
        " more than the keys of its block",
    ),
    (
        "left-its-block",
        HEAD + BODY + "further_reading:\n  commentary: X\nreferences:\n  - citation: X\n",
        8,
        1,
        '"references" belongs to "further_reading" (line 6): indent it like the other keys of'
        ' "further_reading"',
    ),
    # quotes inside quotes
    (
        "double-in-double",
        HEAD.replace("Un titre", '"Le "bon" outil"') + BODY,
        2,
        12,
        'the quotation mark " inside this text ends it, as the text starts with ": write'
        " title: 'Le \"bon\" outil', or use « » or “ ” inside the text",
    ),
    (
        "double-en",
        HEAD.replace("Un titre", '"The "right" tool"') + BODY,
        2,
        13,
        "write title: 'The \"right\" tool'",
    ),
    (
        "apostrophe-fr",
        HEAD.replace("Un titre", "'l'outil'") + BODY,
        2,
        10,
        "the apostrophe inside this text ends it, as the text starts with ': write"
        " title: \"l'outil\", or double each apostrophe inside it ('')",
    ),
    (
        "apostrophe-en",
        HEAD + "body:\n  - paragraph: 'the user's guide'\n",
        5,
        25,
        'write paragraph: "the user\'s guide"',
    ),
    (
        "apostrophe-list",
        HEAD + "body:\n  - list:\n      - 'Aujourd'hui'\n",
        6,
        17,
        'write "Aujourd\'hui"',
    ),
    # a missing "-"
    (
        "dash-among-items",
        HEAD + BODY + "  paragraph: Encore.\n",
        6,
        3,
        'a "-" is missing: "paragraph" stands at the column of the list\'s "-" (line 5):'
        ' write "- paragraph: …" to start a new item',
    ),
    (
        "dash-other-kind",
        HEAD + BODY + "  quote: Une citation.\n",
        6,
        3,
        'write "- quote: …" to start a new item, or indent it by 2 more spaces to keep it in'
        " the item of line 5",
    ),
    (
        "dash-first-item",
        HEAD + "body:\n    paragraph: Un.\n  - paragraph: Deux.\n",
        5,
        5,
        'a "-" is missing: the items of "body" start with "- " (as on line 6): write'
        ' "- paragraph: …" at column 3',
    ),
    (
        "no-dashes",
        HEAD + "body:\n  paragraph: Un.\n  paragraph: Deux.\n",
        5,
        3,
        'is a list, and a "-" is missing: start each of its items with "- ", as in'
        ' "- paragraph: …"',
    ),
    (
        "no-dash-in-list",
        HEAD + "body:\n  - list:\n      label: A\n      text: B\n",
        6,
        7,
        'is a list, and a "-" is missing',
    ),
    (
        "dash-merged-item",
        HEAD + BODY + "selection:\n  groups:\n    - heading: G\n"
        "      resources:\n        - title: Un\n          authors: A\n          year: 2012\n"
        "          title: Deux\n          authors: B\n          year: 2013\n",
        13,
        11,
        'the key "title" appears twice in this list item (first on line 10): a "-" is missing;'
        ' write "- title: …" to start a new item',
    ),
    (
        "two-blocks-one-dash",
        HEAD + BODY + "  - quote: Q.\n    paragraph: P.\n",
        7,
        5,
        'a block holds one kind, and "paragraph" starts another: a "-" is missing',
    ),
    # a key without its value, a value without its key
    (
        "title-empty",
        HEAD.replace("Un titre", "") + BODY,
        2,
        7,
        'has no value: write it after "title: "',
    ),
    ("number-empty", HEAD.replace("7", "") + BODY, 1, 8, 'has no value: write it after "number: "'),
    (
        "body-empty",
        HEAD + "body:\n",
        4,
        6,
        'has no value: write its items on the lines below it, each starting with "- "',
    ),
    (
        "text-without-key",
        HEAD + "Une ligne de texte\n" + BODY,
        4,
        1,
        'this line is a text without its key: write "key: " before it, or, if it continues the'
        ' text of "kicker" (line 3), indent it more than "kicker" (past column 1)',
    ),
    (
        "text-without-key-en",
        HEAD + BODY + "selection:\n  heading: X\n  A line of text\n  intro: Y\n",
        8,
        3,
        'text of "heading" (line 7), indent it more than "heading"',
    ),
    # a text that starts with a special character
    (
        "star",
        HEAD + "body:\n  - paragraph: *Important* à lire\n",
        5,
        16,
        'a text that starts with "*" must be written between quotation marks (YAML reads "*…"'
        ' as a reference to another value): write paragraph: "*Important* à lire"',
    ),
    (
        "star-alone",
        HEAD.replace("Une accroche.", "*Important") + BODY,
        3,
        9,
        'a text that starts with "*" must be written between quotation marks',
    ),
    ("at", HEAD.replace("Un titre", "@home") + BODY, 2, 8, 'write title: "@home"'),
    ("percent", HEAD.replace("Un titre", "% done") + BODY, 2, 8, 'write title: "% done"'),
    ("backtick", HEAD.replace("Un titre", "`code`") + BODY, 2, 8, 'write title: "`code`"'),
    (
        "ampersand",
        HEAD.replace("Un titre", "&co et cie") + BODY,
        2,
        8,
        'a text that starts with "&" must be written between quotation marks (YAML reads "&…"'
        ' as a name given to the value that follows): write "&co et cie"',
    ),
    (
        "bang",
        HEAD.replace("Un titre", "!Attention") + BODY,
        2,
        8,
        'a text that starts with "!" must be written between quotation marks',
    ),
    ("pipe", HEAD.replace("Un titre", "| x") + BODY, 2, 8, 'write title: "| x"'),
    ("greater", HEAD.replace("Un titre", "> x") + BODY, 2, 8, 'write title: "> x"'),
    (
        "bracket-item",
        HEAD + "body:\n  - list:\n      - [À COMPLÉTER] texte\n",
        6,
        9,
        'a text that starts with "[" must be written between quotation marks (YAML reads "[…]"'
        ' as a list): write "[À COMPLÉTER] texte"',
    ),
    (
        "bracket-unclosed",
        HEAD.replace("Un titre", "[À COMPLÉTER") + BODY,
        2,
        8,
        'write title: "[À COMPLÉTER"',
    ),
    (
        "bracket-whole",
        HEAD.replace("Un titre", "[x]") + BODY,
        2,
        8,
        'must be a text, got a list: a text that starts with "[" must be written between'
        ' quotation marks (YAML reads "[…]" as a list): write "[x]"',
    ),
    (
        "brace",
        HEAD.replace("Un titre", "{x}") + BODY,
        2,
        8,
        'a text that starts with "{" must be written between quotation marks',
    ),
    ("brace-text", HEAD.replace("Un titre", "{x} et y") + BODY, 2, 8, 'write title: "{x} et y"'),
    ("comma", HEAD.replace("Un titre", ", et") + BODY, 2, 8, 'write title: ", et"'),
    ("question", HEAD.replace("Un titre", "? quoi") + BODY, 2, 8, 'write title: "? quoi"'),
    ("dash-text", HEAD.replace("Un titre", "- quoi") + BODY, 2, 8, 'write title: "- quoi"'),
    # colons
    (
        "colon-in-item",
        HEAD + "body:\n  - list:\n      - Note: voir\n",
        6,
        9,
        '"Note: voir" is read as the key "Note" and its value, because of ": ": if it is a'
        ' text, write it between quotation marks: "Note: voir"',
    ),
    (
        "colon-in-text",
        HEAD.replace("Un titre", "Et dans la pratique: rien") + BODY,
        2,
        27,
        'unexpected ":" — put a text that contains ": " between quotes',
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_each_yaml_mistake_is_told_in_plain_words_at_its_place(
    project: Project, text: str, line: int, column: int, message: str
) -> None:
    problems = told(project, text)
    assert len(problems) == 1, problems  # one mistake, one message
    [(at_line, at_column, _, said)] = problems
    assert (at_line, at_column) == (line, column), said
    assert message in said
    assert not JARGON.search(said), said


@pytest.mark.parametrize(
    "value",
    ["Le « bon » outil", "Le “bon” outil", "L’outil d’aujourd’hui", 'Le "bon" outil', "l'outil"],
)
def test_typographic_quotes_and_quotes_inside_a_plain_text_are_fine(
    project: Project, value: str
) -> None:
    path = project.sheets / "07-essai.yaml"
    path.write_text(HEAD.replace("Un titre", value) + BODY, encoding="utf-8")
    assert load_sheet(path, project).sheet.title == value


def test_a_hash_after_a_space_starts_a_comment_without_a_crash(project: Project) -> None:
    """YAML reads " #" as the start of a comment: "Fiche #3" is read as "Fiche". A comment
    after a value is plain YAML, so it is not refused; the README says to quote such texts."""
    path = project.sheets / "07-essai.yaml"
    path.write_text(HEAD.replace("Un titre", "Fiche #3") + BODY, encoding="utf-8")
    assert load_sheet(path, project).sheet.title == "Fiche"
    path.write_text(HEAD.replace("Un titre", '"Fiche #3"') + BODY, encoding="utf-8")
    assert load_sheet(path, project).sheet.title == "Fiche #3"


def _edit(lines: list[str], rng: random.Random) -> int:
    """One author's slip on a random line: a dash deleted, two spaces of indentation added
    or removed, a quotation mark added. The line edited."""
    kind = rng.choice(["dash", "more", "less", "quote"])
    if kind == "dash":
        number = rng.choice([n for n, line in enumerate(lines) if line.lstrip().startswith("- ")])
        line = lines[number]
        lines[number] = line.replace("- ", "  ", 1)
    elif kind == "more":
        number = rng.choice([n for n, line in enumerate(lines) if line.strip()[:1] not in "#"])
        lines[number] = "  " + lines[number]
    elif kind == "less":
        number = rng.choice([n for n, line in enumerate(lines) if line.startswith("  ")])
        lines[number] = lines[number][2:]
    else:
        keyed = re.compile(r"^\s*(- )?[a-z_]+: [^>'\"]")
        number = rng.choice([n for n, line in enumerate(lines) if keyed.match(line)])
        line = lines[number]
        at = line.index(": ") + 2
        lines[number] = line[:at] + rng.choice("\"'") + line[at:]
    return number + 1


def test_random_slips_in_a_real_sheet_are_told_at_their_line(project: Project) -> None:
    sheet = project.sheets / "03-strategie-globale.yaml"
    original = sheet.read_text(encoding="utf-8").splitlines()
    rng = random.Random(17)
    refused = 0
    for _ in range(150):
        lines = list(original)
        edited = _edit(lines, rng)
        sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            load_sheet(sheet, project)
            continue  # a harmless slip (the indentation of a text written below its key)
        except InvalidSource as invalid:
            problems = invalid.problems
        refused += 1
        near = {edited - 1, edited, edited + 1}
        for problem in problems:
            assert not JARGON.search(problem.message), (edited, str(problem))
            assert problem.line > 0 and problem.column > 0, (edited, str(problem))
        named = {p.line for p in problems} | {
            int(n) for p in problems for n in re.findall(r"line (\d+)", p.message)
        }
        assert named & near, (edited, lines[edited - 1], [str(p) for p in problems])
    assert refused > 100


def test_check_prints_the_place_key_and_plain_words_and_fails(tmp_path: Path) -> None:
    root = tmp_path / "project"
    for folder in ("sheets", "styles", "fonts"):
        shutil.copytree(ROOT / folder, root / folder)
    sheet = root / "sheets" / "03-strategie-globale.yaml"
    text = sheet.read_text(encoding="utf-8")
    text = text.replace("title: S'intégrer", "title: 'S'intégrer", 1)
    text = text.replace("          year: 2016\n", "          year:\n", 1)
    sheet.write_text(text, encoding="utf-8")
    (root / "sheets" / "01-partir-du-territoire.yaml").write_text(
        HEAD.replace("7", "1").replace("Un titre", "@home") + BODY, encoding="utf-8"
    )

    result = CliRunner().invoke(main, ["check", "--project", str(root)])

    assert result.exit_code != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors[:2] == [
        'error: sheets/01-partir-du-territoire.yaml:2:8: a text that starts with "@" must be'
        ' written between quotation marks (YAML keeps it for its own use): write title: "@home"',
        "error: sheets/03-strategie-globale.yaml:4:10: the apostrophe inside this text ends it,"
        " as the text starts with ': write title: \"S'intégrer dans une stratégie plus"
        " globale\", or double each apostrophe inside it ('')",
    ]
    assert not any(JARGON.search(line) for line in errors)
