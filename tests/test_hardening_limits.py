"""Depth, size and length that would crash or stall a run are refused at their place, in a
moment, by `check` and `build` alike; `check --format json` stays JSON.

YAML nested a thousand levels deep, emphasis nested hundreds deep, words of thousands of
letters, texts that made the typography's patterns take minutes, sheets of hundreds of pages,
theme CSS of megabytes or importing itself, web addresses longer than a QR code holds. A case
that used to take minutes runs in a subprocess with a timeout, so that it fails in seconds
where the limit is missing instead of stalling the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from fichepress.cli import main
from fichepress.core.project import Project
from fichepress.serve.watch import rebuild

from .conftest import copy_project

REFERENCE = "03-strategie-globale.yaml"
HEAD = "number: 60\ntitle: Une fiche\nkicker: Une accroche.\nbody:\n"
"""The start of a sheet; its body's first item follows, on line 5."""


def invoke(*args: str) -> Result:
    """Run the command line in this process: a user's mistake ends in exit code 1, never in
    an exception of Python's."""
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output + result.stderr
    return result


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def checked_json(project: Project) -> list[dict[str, object]]:
    """`check --format json`: one JSON document, whatever went wrong."""
    result = invoke("check", "--format", "json", "--project", str(project.root))
    assert result.exit_code == 1
    problems: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return problems


def fichepress(project: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, given `timeout` seconds: what used to take
    minutes fails the test in that time instead of stalling the suite."""
    return subprocess.run(
        [sys.executable, "-m", "fichepress", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    """A project with the series file, the theme and no sheet."""
    return copy_project(tmp_path / "project", [])


def write_sheet(project: Project, first_item: str, rest: str = "", name: str = "60-x.yaml") -> Path:
    """A sheet whose body's first item (line 5, from its column 3) is `first_item`."""
    path = project.sheets / name
    path.write_text(f"{HEAD}  - {first_item}\n{rest}", encoding="utf-8")
    return path


def paragraph(text: str) -> str:
    """A paragraph item holding `text`; a JSON string is a YAML double-quoted scalar, so the
    text starts at column 16 of its line."""
    return f"paragraph: {json.dumps(text)}"


# --- YAML nested deeper than the loader goes ---------------------------------------------------

DEEP_VALUES: dict[str, Callable[[], str]] = {
    "flow-lists": lambda: "[" * 1000 + "]" * 1000,
    "flow-mappings": lambda: "{a: " * 1000 + "}" * 1000,
    "block-lists": lambda: "\n  " + "- " * 1000 + "x",
    "block-mappings": lambda: (
        "\n" + "".join(" " * (level + 1) + "k:\n" for level in range(1000)) + " " * 1001 + "x"
    ),
    "one-level-too-many": lambda: "[" * 50 + "]" * 50,
    "ten-thousand-levels": lambda: "[" * 10_000 + "]" * 10_000,
}


def first_too_deep(text: str) -> tuple[int, int]:
    """Where the first value nested deeper than 50 levels starts, from the event stream
    (which PyYAML's parser makes without recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.NodeEvent) and depth >= 50:
            mark = event.start_mark
            assert mark is not None
            return mark.line + 1, mark.column + 1
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    raise AssertionError("not nested deeper than 50 levels")


def _deep_sheet(project: Project, value: str) -> Path:
    return write_sheet(project, "paragraph: Un texte.", f"extra: {value}\n")


def _deep_series(project: Project, value: str) -> Path:
    path = project.series_file
    path.write_text(path.read_text("utf-8") + f"extra: {value}\n", "utf-8")
    return path


def _deep_theme(project: Project, value: str) -> Path:
    path = project.styles / "fiches" / "theme.yaml"
    path.write_text(path.read_text("utf-8") + f"extra: {value}\n", "utf-8")
    return path


DEEP_FILES: dict[str, Callable[[Project, str], Path]] = {
    "sheet": _deep_sheet,
    "series": _deep_series,
    "theme": _deep_theme,
}


@pytest.mark.e2e
@pytest.mark.parametrize("shape", list(DEEP_VALUES), ids=list(DEEP_VALUES))
@pytest.mark.parametrize("where", list(DEEP_FILES), ids=list(DEEP_FILES))
def test_yaml_nested_too_deep_is_one_error_at_its_place(
    empty: Project, where: str, shape: str
) -> None:
    path = DEEP_FILES[where](empty, DEEP_VALUES[shape]())
    line, column = first_too_deep(path.read_text("utf-8"))
    expected = f"error: {empty.display(path)}:{line}:{column}: nests deeper than 50 levels"
    for command in ("check", "build"):
        result = invoke(command, "--project", str(empty.root))
        assert result.exit_code == 1, command
        assert errors(result) == [expected], command
    assert checked_json(empty) == [
        {
            "file": empty.display(path),
            "line": line,
            "column": column,
            "key": "",
            "message": "nests deeper than 50 levels",
            "severity": "error",
            "rule": "",
            "variant": "",
            "page": 0,
            "where": "",
            "count": 1,
        }
    ]


@pytest.mark.e2e  # watch builds the collection all the same
@pytest.mark.parametrize("where", ["sheet", "series"])
def test_watch_tells_yaml_nested_too_deep_and_goes_on(empty: Project, where: str) -> None:
    path = DEEP_FILES[where](empty, DEEP_VALUES["flow-lists"]())
    said: list[tuple[str, str]] = []
    rebuild(
        empty,
        empty.root / "build",
        None,
        variants=("print",),
        strict=False,
        collection=True,
        say=lambda level, message: said.append((level, message)),
    )
    line, column = first_too_deep(path.read_text("utf-8"))
    where_ = f"{empty.display(path)}:{line}:{column}"
    assert ("error", f"{where_}: nests deeper than 50 levels") in said


def test_libyaml_and_the_python_parser_tell_the_same_place(empty: Project) -> None:
    """Up to libyaml's own bound (1,000 levels) the fast loader reads the file and the
    builder refuses it; beyond, the Python parser reads it again: the same place either way."""
    places = set()
    for levels in (60, 999, 1001, 5000):
        path = _deep_sheet(empty, "[" * levels + "]" * levels)
        result = invoke("check", "--project", str(empty.root))
        places.add(tuple(errors(result)))
        path.unlink()
    assert places == {("error: sheets/60-x.yaml:6:57: nests deeper than 50 levels",)}


@pytest.mark.process
@pytest.mark.parametrize(
    "rest,count",
    [
        ("selection:\n  groups:\n" + "    - {heading: h, resources: []}\n" * 25_000, 25_000),
        ("  - list: []\n" * 40_000, 40_000),
        ("".join(f"extra{n}: x\n" for n in range(40_000)), 40_000),
        # a "-" missing in each block: each block's keys looked at once, not once a mistake
        ("  - paragraph: x\n    quote: y\n" * 20_000, 20_000),
        # a required key missing from each item, looked for in the texts once, not each time
        ("further_reading:\n  references:\n" + "    - label: x\n" * 20_000, 20_000),
    ],
    ids=["empty-resource-lists", "empty-bullet-lists", "unknown-keys", "two-kinds", "missing"],
)
def test_tens_of_thousands_of_mistakes_are_told_in_a_moment(
    tmp_path: Path, rest: str, count: int
) -> None:
    """Each empty list was compared with every other mistake: 25,000 took five minutes."""
    project = copy_project(tmp_path / "p", [])
    write_sheet(project, "paragraph: Un texte.", rest)
    start = time.monotonic()
    done = fichepress(project.root, "check", "--format", "json", timeout=60)
    assert done.returncode == 1
    assert len(json.loads(done.stdout)["findings"]) == count
    assert time.monotonic() - start < 30


# --- inline Markdown nested deep --------------------------------------------------------------

NESTED: dict[str, Callable[[int], str]] = {
    "italics": lambda n: "*a " * n + "x" + " a*" * n,
    "underscores": lambda n: "_a " * n + "x" + " a_" * n,
    "bold-and-italics": lambda n: (
        "".join("*a **b " for _ in range(n // 2)) + "x" + "".join(" b** a*" for _ in range(n // 2))
    ),
    "in-a-link": lambda n: "[" + "*a " * (n - 1) + "x" + " a*" * (n - 1) + "](https://a.org)",
}


@pytest.mark.parametrize("levels", [12, 300, 600])
@pytest.mark.parametrize("shape", list(NESTED), ids=list(NESTED))
def test_emphasis_nested_too_deep_is_refused_at_its_text(
    empty: Project, shape: str, levels: int
) -> None:
    write_sheet(empty, paragraph(NESTED[shape](levels)))
    result = invoke("check", "--project", str(empty.root))
    assert result.exit_code == 1
    assert errors(result) == [
        "error: sheets/60-x.yaml:5:16: body[0].paragraph: its emphasis and links (*, **, _, [ ])"
        " nest more than 10 levels deep, one inside another: write it with fewer"
    ]


@pytest.mark.parametrize("shape", list(NESTED), ids=list(NESTED))
def test_emphasis_nested_ten_levels_is_allowed(empty: Project, shape: str) -> None:
    write_sheet(empty, paragraph(NESTED[shape](10)))
    result = invoke("check", "--project", str(empty.root))
    assert result.exit_code == 0, result.stderr


@pytest.mark.process
def test_a_build_refuses_emphasis_nested_hundreds_deep_before_laying_it_out(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "p", [])
    write_sheet(project, paragraph(NESTED["bold-and-italics"](600)))  # 4 kB of text
    start = time.monotonic()
    done = fichepress(project.root, "build", "-j", "1", "--no-collection", timeout=60)
    assert done.returncode == 1
    assert "sheets/60-x.yaml:5:16: body[0].paragraph: its emphasis and links" in done.stderr
    assert "Traceback" not in done.stderr and "WeasyPrint failed" not in done.stderr
    assert not list((project.root / "build").glob("*/*.pdf"))
    assert time.monotonic() - start < 30


# --- words too long to lay out ----------------------------------------------------------------

WORD = "anticonstitutionnellement"  # 25 letters


@pytest.mark.parametrize(
    "item,line,column,key,letters",
    [
        (paragraph(WORD * 40), 5, 16, "body[0].paragraph", 1_000),
        (paragraph("a" * 65), 5, 16, "body[0].paragraph", 65),
        (paragraph("**anti**" + "constitution" * 6), 5, 16, "body[0].paragraph", 76),
        ("heading: " + "b" * 200, 5, 14, "body[0].heading", 200),
        ("list: [" + "c" * 80 + "]", 5, 12, "body[0].list[0]", 80),
        ("quote: Texte\n    source: " + "d" * 99, 6, 13, "body[0].source", 99),
    ],
    ids=["paragraph", "just-too-long", "split-by-markup", "heading", "list-item", "source"],
)
def test_a_word_too_long_to_lay_out_is_refused_at_its_text(
    empty: Project, item: str, line: int, column: int, key: str, letters: int
) -> None:
    write_sheet(empty, item)
    result = invoke("check", "--project", str(empty.root))
    assert result.exit_code == 1
    [error] = errors(result)
    assert error.startswith(f"error: sheets/60-x.yaml:{line}:{column}: {key}: holds a word of")
    assert f"holds a word of {letters:,} letters" in error
    assert "a word may have 64" in error


@pytest.mark.parametrize(
    "text",
    [
        "a" * 64,
        "1" * 500,  # digits are not hyphenated
        "a_" * 300,
        "https://example.org/" + "/".join(["chemin"] * 100),
        "[un lien](https://example.org/" + "x" * 500 + ")",  # its address is not printed
    ],
    ids=["64-letters", "digits", "underscores", "web-address", "link-destination"],
)
def test_long_runs_that_lay_out_quickly_are_allowed(empty: Project, text: str) -> None:
    write_sheet(empty, paragraph(text))
    result = invoke("check", "--project", str(empty.root))
    assert result.exit_code == 0, result.stderr


@pytest.mark.process
def test_a_build_refuses_a_word_of_thousands_of_letters_before_laying_it_out(
    tmp_path: Path,
) -> None:
    """A word of 2,000 letters kept the renderer hyphenating for two minutes."""
    project = copy_project(tmp_path / "p", [])
    write_sheet(project, paragraph(WORD * 80))
    done = fichepress(project.root, "build", "-j", "1", "--no-collection", timeout=30)
    assert done.returncode == 1
    assert "sheets/60-x.yaml:5:16: body[0].paragraph: holds a word of 2,000 letters" in done.stderr
    assert not list((project.root / "build").glob("*/*.pdf"))


# --- text patterns in time proportional to the text ------------------------------------------

SLOW_PATTERNS = """
import time
from fichepress.checks.authoring import _template_syntax
from fichepress.html.typography import typeset

n = 50_000
texts = {
    "quote then spaces": '"' + " " * n + "x",
    "spaces before nothing": "a" + " " * n + ";",
    "unclosed link destinations": "](" * n,
    "dotted words before @": "a." * n + "@",
    "letters before ://": "a-" * n,
    "back-quotes": "`a" * n,
}
for name, text in texts.items():
    for language in ("fr", "en"):
        start = time.monotonic()
        typeset(text, language)
        print(name, language, round(time.monotonic() - start, 2), flush=True)
for name, text in {"unclosed {{": "{{" * n, "unclosed {%": "a{%" * n}.items():
    start = time.monotonic()
    _template_syntax(text)
    print(name, "-", round(time.monotonic() - start, 2), flush=True)
"""


@pytest.mark.process
def test_typography_and_markup_checks_take_time_in_proportion_to_the_text() -> None:
    """Each pattern over 50,000 repetitions: a French quotation mark followed by 5,000 spaces
    took 85 s, 100 kB of unclosed {{ took a minute."""
    done = subprocess.run(
        [sys.executable, "-c", SLOW_PATTERNS], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    times = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in done.stdout.splitlines()
    }
    assert len(times) == 14
    assert max(times.values()) < 5, times


@pytest.mark.parametrize(
    "text,french",
    [
        ('Il dit "  bonjour  " et part', "Il dit «\u202fbonjour\u202f» et part"),
        ('"a" et "b"', "«\u202fa\u202f» et «\u202fb\u202f»"),
        ("« a   »", "«\u202fa\u202f»"),
        ("l'été [ici](https://a.org/l'été)", "l’été [ici](https://a.org/l'été)"),
        ("écrire à a...b@exemple.org, merci...", "écrire à a...b@exemple.org, merci…"),
        ("voir https://a.org/l'été... merci", "voir https://a.org/l'été... merci"),
    ],
)
def test_the_linear_patterns_typeset_as_before(text: str, french: str) -> None:
    from fichepress.html.typography import typeset

    assert typeset(text, "fr") == french


# --- sheets too long to lay out ----------------------------------------------------------------


def test_a_page_budget_beyond_twenty_is_refused_at_its_place(empty: Project) -> None:
    write_sheet(empty, "paragraph: Un texte.", "page_budget: 40\n")
    result = invoke("check", "--project", str(empty.root))
    assert errors(result) == [
        "error: sheets/60-x.yaml:6:14: page_budget: must be at most 20, got 40"
    ]
    series = empty.series_file
    series.write_text(
        series.read_text("utf-8").replace("page_budget: 2\n", "page_budget: 21\n"), "utf-8"
    )
    (empty.sheets / "60-x.yaml").unlink()
    result = invoke("check", "--project", str(empty.root))
    assert [e.split(": ", 3)[2:] for e in errors(result)] == [
        ["page_budget", "must be at most 20, got 21"]
    ]


SENTENCE = "Une phrase assez longue pour remplir une ligne de la fiche, ou presque. "


@pytest.mark.parametrize(
    "body,message",
    [
        (
            [SENTENCE * 40] * 55,  # 158 kB, some 64 pages
            "the sheet holds 158,367 characters, some 64 pages, for a budget of 20: it is not"
            " laid out beyond 60 pages; split it into sheets",
        ),
        (
            [f"{n}." for n in range(1_600)],
            "the sheet holds 1,602 texts (paragraphs, items, resources), more than 1500 for a"
            " budget of 20 pages; split it into sheets",
        ),
    ],
    ids=["pages", "texts"],
)
def test_a_sheet_too_long_is_refused_whatever_its_budget(
    empty: Project, body: list[str], message: str
) -> None:
    sheet: dict[str, object] = {"number": 60, "title": "Une fiche", "kicker": "Une accroche."}
    sheet |= {"page_budget": 20, "body": [{"paragraph": text} for text in body]}
    text = yaml.safe_dump(sheet, width=10**9, sort_keys=False)
    (empty.sheets / "60-x.yaml").write_text(text, "utf-8")
    result = invoke("check", "--project", str(empty.root))
    assert errors(result) == [f"error: sheets/60-x.yaml:6:1: body: {message}"]


@pytest.mark.process
def test_a_build_refuses_a_sheet_of_sixty_pages_before_laying_it_out(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", [])
    sheet: dict[str, object] = {"number": 60, "title": "Une fiche", "kicker": "Une accroche."}
    sheet |= {"page_budget": 20, "body": [{"paragraph": SENTENCE * 40} for _ in range(55)]}
    (project.sheets / "60-x.yaml").write_text(yaml.safe_dump(sheet, width=10**9), "utf-8")
    done = fichepress(project.root, "build", "-j", "1", timeout=30)
    assert done.returncode == 1
    assert "it is not laid out beyond 60 pages" in done.stderr
    assert not list((project.root / "build").glob("*/*.pdf"))


@pytest.mark.parametrize(
    "item,message",
    [
        ("paragraph: Un <b>texte</b>.", "<b> is HTML"),
        ("paragraph: Un visage 🙂.", "have no glyph for"),
    ],
    ids=["html", "glyph"],
)
def test_the_collection_lays_out_no_sheet_its_build_refuses(
    tmp_path: Path, item: str, message: str
) -> None:
    """`fichepress collection` (and watch's) render the sheets without their builds: the same
    refusals hold there, before anything is laid out."""
    project = copy_project(tmp_path / "p", [])
    write_sheet(project, item)
    result = invoke("collection", "-j", "1", "--project", str(project.root))
    assert result.exit_code == 1
    assert any(e.startswith("error: sheets/60-x.yaml:5:") and message in e for e in errors(result))
    assert not list((project.root / "build").rglob("*.pdf"))


# --- theme CSS: size, imports, encoding --------------------------------------------------------

RULE = ".r{n} {{ margin: 1mm; padding: 2mm; border-bottom: 0.5pt solid var(--accent); }}\n"


def rules(count: int, prefix: str = "") -> str:
    return "".join(RULE.format(n=f"{prefix}{n}") for n in range(count))


def css_folder(project: Project) -> Path:
    return project.styles / "fiches"


def prepend(path: Path, text: str) -> None:
    path.write_text(text + path.read_text("utf-8"), "utf-8")


def theme_errors(project: Project) -> list[str]:
    """What check and build say of the theme: the same errors, no traceback."""
    found = []
    for command in ("check", "build"):
        result = invoke(command, "--project", str(project.root))
        assert result.exit_code == 1, command
        found.append(errors(result))
    assert found[0] == found[1]
    assert checked_json(project)
    return found[0]


def _loop_of_two(folder: Path) -> str:
    prepend(folder / "theme.css", '@import "a.css";\n')
    (folder / "a.css").write_text('@import "theme.css";\np { margin: 0; }\n', "utf-8")
    return "styles/fiches/a.css:1:1: @import makes a loop (theme.css → a.css → theme.css)"


def _itself(folder: Path) -> str:
    prepend(folder / "print.css", '@charset "utf-8";\n@import url("print.css");\n')
    return "styles/fiches/print.css:2:1: @import makes a loop (print.css → print.css)"


def _loop_of_three(folder: Path) -> str:
    prepend(folder / "collection.css", "@import url(b.css);\n")
    (folder / "b.css").write_text('@import "c.css";\n', "utf-8")
    (folder / "c.css").write_text('@import "./collection.css" print;\n', "utf-8")
    return (
        "styles/fiches/c.css:1:1: @import makes a loop"
        " (collection.css → b.css → c.css → collection.css)"
    )


def _too_deep(folder: Path) -> str:
    prepend(folder / "theme.css", '@import "level1.css";\n')
    for level in range(1, 9):
        (folder / f"level{level}.css").write_text(f'@import "level{level + 1}.css";\n', "utf-8")
    (folder / "level9.css").write_text("p { margin: 0; }\n", "utf-8")
    return "styles/fiches/level7.css:1:1: imports stylesheets more than 8 levels deep"


def _too_large(folder: Path) -> str:
    css = rules(1_500)
    (folder / "print.css").write_text(css, "utf-8")
    return (
        f"styles/fiches/print.css: is too large ({len(css):,} bytes; a stylesheet may hold 100,000)"
    )


def _too_much_in_all(folder: Path) -> str:
    prepend(folder / "theme.css", "".join(f'@import "part{n}.css";\n' for n in range(3)))
    for n in range(3):
        (folder / f"part{n}.css").write_text(rules(1_000, f"p{n}-"), "utf-8")
    return "styles/fiches/theme.css: brings the CSS read for a PDF to more than 200,000 bytes"


def _imported_again_and_again(folder: Path) -> str:
    """Eight levels, each importing the next twice: 2 kB on disk, 256 kB read."""
    prepend(folder / "theme.css", '@import "d1.css";\n@import "d1.css";\n')
    for level in range(1, 7):
        (folder / f"d{level}.css").write_text(
            f'@import "d{level + 1}.css";\n@import "d{level + 1}.css";\n', "utf-8"
        )
    (folder / "d7.css").write_text(rules(25), "utf-8")
    return "styles/fiches/theme.css: brings the CSS read for a PDF to more than 200,000 bytes"


def _latin_1(folder: Path) -> str:
    (folder / "print.css").write_bytes(b"p { margin: 0; }\n/* caf\xe9 */\n")
    return "styles/fiches/print.css:2:7: is not UTF-8 text: save it as UTF-8"


def _imported_colour(folder: Path) -> str:
    prepend(folder / "accessible.css", '@import "colours.css";\n')
    (folder / "colours.css").write_text("p {\n  color: #ff0000;\n}\n", "utf-8")
    return 'styles/fiches/colours.css:2:10: color: the colour "#ff0000" is written in the CSS'


def _imported_address(folder: Path) -> str:
    prepend(folder / "theme.css", '@import "fonds.css";\n')
    (folder / "fonds.css").write_text("body { background: url(/etc/hostname); }\n", "utf-8")
    return 'styles/fiches/fonds.css:1:20: "/etc/hostname" is an absolute path'


NESTED_CSS = {
    "functions": ("p { margin: " + "calc(" * 3000 + "1px" + ")" * 3000 + "; }\n", 168),
    "brackets": ("p { margin: " + "(" * 3000 + "1px" + ")" * 3000 + "; }\n", 44),
    "rules": ("@media print {" * 3000 + "p { margin: 0 }" + "}" * 3000 + "\n", 449),
    "selector": ("[" * 3000 + "p" + "]" * 3000 + " { margin: 0 }\n", 32),
}
"""Nested thousands deep, each with the column of its first node 33 levels deep (the rule is
the first level): the checks' recursion over the CSS ended in RecursionError."""


def _nested(kind: str) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        css, column = NESTED_CSS[kind]
        (folder / "print.css").write_text(f"p {{ margin: 0; }}\n{css}", "utf-8")
        return (
            f"styles/fiches/print.css:2:{column}: nests rules, blocks, brackets and functions"
            " more than 32 levels deep"
        )

    return make


CSS_CASES: dict[str, Callable[[Path], str]] = {
    "loop-of-two": _loop_of_two,
    "imports-itself": _itself,
    "loop-of-three": _loop_of_three,
    "too-deep": _too_deep,
    "too-large": _too_large,
    "too-much-in-all": _too_much_in_all,
    "imported-again-and-again": _imported_again_and_again,
    "latin-1": _latin_1,
    "imported-colour": _imported_colour,
    "imported-address": _imported_address,
    **{f"nested-{kind}": _nested(kind) for kind in NESTED_CSS},
}


@pytest.mark.e2e
@pytest.mark.parametrize("make", list(CSS_CASES.values()), ids=list(CSS_CASES))
def test_each_css_mistake_is_one_error_at_its_place_in_check_and_build(
    empty: Project, make: Callable[[Path], str]
) -> None:
    expected = make(css_folder(empty))
    found = theme_errors(empty)
    assert len(found) == 1, found
    assert found[0].startswith(f"error: {expected}"), found


def test_imports_within_the_limits_are_read_and_checked(empty: Project) -> None:
    folder = css_folder(empty)
    prepend(folder / "theme.css", '@import "level1.css";\n@import "level1.css";\n')
    for level in range(1, 7):
        (folder / f"level{level}.css").write_text(f'@import "level{level + 1}.css";\n', "utf-8")
    (folder / "level7.css").write_text(rules(500), "utf-8")  # 41 kB, read twice
    result = invoke("check", "--project", str(empty.root))
    assert result.exit_code == 0, result.stderr


@pytest.mark.process
@pytest.mark.parametrize(
    "css",
    [
        rules(30_000),  # 2.5 MB: check took 33 s
        "".join(f".a{n} {{ margin: var(--x{n:05d}); }}\n" for n in range(3_000)),
    ],
    ids=["megabytes", "thousands-of-undefined-names"],
)
def test_theme_css_is_checked_in_a_moment(tmp_path: Path, css: str) -> None:
    """The second: 3,000 undefined names, each compared with 7,000 defined ones, took four
    minutes."""
    project = copy_project(tmp_path / "p", [])
    folder = css_folder(project)
    (folder / "print.css").write_text(css, "utf-8")
    defined = ":root {" + "".join(f"--y{n:05d}: 1px;" for n in range(7_000)) + "}\n"
    (folder / "collection.css").write_text(defined, "utf-8")
    start = time.monotonic()
    done = fichepress(project.root, "check", "--format", "json", timeout=30)
    assert done.returncode == 1
    assert json.loads(done.stdout)["findings"]
    assert time.monotonic() - start < 15


# --- web addresses and their QR codes ----------------------------------------------------------

SELECTION = """\
selection:
  groups:
    - heading: Des outils
      resources:
        - title: Une ressource
          authors: Un organisme
          year: 2017
          url: {url}
"""


@pytest.mark.e2e
@pytest.mark.parametrize(
    "url,size",
    [
        ("https://example.org/" + "a" * 2_312, 2_332),
        ("https://example.org/" + "é" * 1_200, 2_420),
        ("https://example.org/" + "a" * 9_000, 9_020),
    ],
    ids=["one-too-many", "accents", "far-too-long"],
)
def test_an_address_longer_than_a_qr_code_holds_is_refused_at_its_place(
    empty: Project, url: str, size: int
) -> None:
    write_sheet(empty, "paragraph: Un texte.", SELECTION.format(url=url))
    expected = (
        f"error: sheets/60-x.yaml:13:16: selection.groups[0].resources[0].url: holds {size:,}"
        " characters, more than the 2,331 a QR code can hold"
    )
    for command in ("check", "build"):
        result = invoke(command, "--project", str(empty.root))
        assert result.exit_code == 1
        assert [e[: len(expected)] for e in errors(result)] == [expected], command


def test_the_longest_address_allowed_fits_its_qr_code(empty: Project) -> None:
    from fichepress.html.qr import qr_svg
    from fichepress.source.model import MAX_QR_BYTES

    url = "https://example.org/" + "a" * (MAX_QR_BYTES - 20)
    write_sheet(empty, "paragraph: Un texte.", SELECTION.format(url=url))
    assert invoke("check", "--project", str(empty.root)).exit_code == 0
    assert qr_svg(url).startswith("<svg")


def test_the_addresses_of_a_sheet_hold_twenty_thousand_characters_in_all(empty: Project) -> None:
    resources = "".join(
        f"        - title: Ressource {n}\n          authors: Un organisme\n          year: 2017\n"
        f"          url: https://example.org/{n}/{'a' * 2_200}\n"
        for n in range(10)
    )
    selection = SELECTION.split("        - title")[0] + resources
    write_sheet(empty, "paragraph: Un texte.", selection)
    result = invoke("check", "--project", str(empty.root))
    assert errors(result) == [
        "error: sheets/60-x.yaml:49:16: selection.groups[0].resources[9].url: brings the web"
        " addresses of the sheet, each printed as a QR code, to more than 20,000 characters in"
        " all, the most a sheet may print: shorten them or split the sheet"
    ]


@pytest.mark.e2e
def test_a_theme_template_making_a_qr_code_of_a_long_text_is_told_at_its_line(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "p", [REFERENCE])
    folder = project.styles / "enfant"
    (folder / "templates").mkdir(parents=True)
    (folder / "theme.yaml").write_text("extends: fiches\n", "utf-8")
    (folder / "templates" / "_article.html.j2").write_text(
        textwrap.dedent(
            """\
            {% extends "fichepress:_article.html.j2" %}
            {% block credits %}
            {{ ("x" * 3000) | qr }}
            {% endblock %}
            """
        ),
        "utf-8",
    )
    series = project.series_file
    series.write_text(series.read_text("utf-8").replace("theme: fiches", "theme: enfant"), "utf-8")
    for command in ("check", "build"):
        result = invoke(command, "--project", str(project.root))
        assert result.exit_code == 1, command
        assert any(
            e.startswith(
                "error: styles/enfant/templates/_article.html.j2:3: template: the text"
                " given to the qr filter holds 3,000 characters"
            )
            for e in errors(result)
        ), (command, result.stderr)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "url",
    ["https://exemple.québec/guide", 'https://example.org/été?q="deux"&r=%C3%A9'],
    ids=["international-host", "accents-and-quotes"],
)
def test_an_address_check_accepts_makes_a_clickable_link_in_a_strict_build(
    tmp_path: Path, url: str
) -> None:
    """The annotation holds the address percent-encoded: the accessible PDF's check read that
    as a link missing ("is not clickable"), which failed `build --strict` on an address
    `check` accepts."""
    project = copy_project(tmp_path / "p", [REFERENCE])
    path = project.sheets / REFERENCE
    sheet = yaml.safe_load(path.read_text("utf-8"))
    sheet["selection"]["groups"][0]["resources"][0]["url"] = url
    path.write_text(yaml.safe_dump(sheet, allow_unicode=True, width=10**9), "utf-8")
    assert invoke("check", "--project", str(project.root)).exit_code == 0
    command = ["build", "--strict", "--no-collection", "--variant", "accessible"]
    result = invoke(*command, "--project", str(project.root))
    assert result.exit_code == 0, result.stderr
    assert (project.root / "build" / "accessible" / f"{REFERENCE[:-5]}.pdf").is_file()
