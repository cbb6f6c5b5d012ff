"""Reading sources: every problem reported at once, in plain words, with file:line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project
from fichepress.source.load import load_series, load_sheet, load_sheets
from fichepress.source.model import Sheet
from fichepress.source.yamlfile import MAX_BYTES

GOOD = """\
number: 7
title: Un titre
kicker: Une accroche.
body:
  - paragraph: Du texte.
"""


def problems_of(project: Project, text: str | bytes, name: str = "07-essai.yaml") -> list[str]:
    path = project.sheets / name
    if isinstance(text, str):
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(InvalidSource) as caught:
        load_sheet(path, project)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_sheet_loads(project: Project) -> None:
    path = project.sheets / "07-essai.yaml"
    path.write_text(GOOD, encoding="utf-8")
    source = load_sheet(path, project)
    assert isinstance(source.sheet, Sheet)
    assert source.sheet.number == 7
    assert source.slug == "07-essai"


def test_every_problem_is_reported_at_once_with_its_place(project: Project) -> None:
    text = """\
    number: trois
    title:
    kiker: Une accroche.
    body:
      - paragraf: Du texte.
      - list:
          - lable: Paliers
            text: quartier
      - quote: "[voir](javascript:alert(1))"
    selection:
      groups:
        - heading: Des outils
          resources:
            - title: Un titre
              authors: Quelqu'un
              year: 20l2
              url: ftp://example.org/x
    """
    assert problems_of(project, text) == [
        'sheets/07-essai.yaml:1:9: number: must be a whole number, got "trois"',
        'sheets/07-essai.yaml:2:7: title: has no value: write it after "title: "',
        'sheets/07-essai.yaml:3:1: kiker: unknown key "kiker" (did you mean "kicker"?)',
        'sheets/07-essai.yaml:5:5: body[0]: "paragraf" is not a kind of block (did you mean'
        ' "paragraph"?); a block is a paragraph, list, quote or heading',
        'sheets/07-essai.yaml:7:9: body[1].list[0].lable: unknown key "lable"'
        ' (did you mean "label"?)',
        'sheets/07-essai.yaml:9:12: body[2].quote: the link "javascript:alert(1)" must be a web'
        " address starting with https://",
        "sheets/07-essai.yaml:16:17: selection.groups[0].resources[0].year: must be a year like"
        ' 2012 or a range like 2011-2015, got "20l2"',
        "sheets/07-essai.yaml:17:16: selection.groups[0].resources[0].url: must be a web address"
        ' starting with https:// or http://, got "ftp://example.org/x"',
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "number: 1\ntitle: [oops\n",
            'sheets/07-essai.yaml:2:8: a text that starts with "[" must be written between'
            ' quotation marks (YAML reads "[…]" as a list): write title: "[oops"',
            id="broken-yaml",
        ),
        pytest.param(
            "number: 1\n\ttitle: x\n",
            "sheets/07-essai.yaml:2:1: a tab character is used here; YAML indents with spaces only",
            id="tab",
        ),
        pytest.param(
            "title: Et dans la pratique: rien\n",
            'sheets/07-essai.yaml:1:27: unexpected ":" — put a text that contains ": " between'
            " quotes",
            id="colon-in-text",
        ),
        pytest.param("", "sheets/07-essai.yaml:1:1: is empty", id="empty"),
        pytest.param("# only a comment\n", "sheets/07-essai.yaml:1:1: is empty", id="only-comment"),
        pytest.param(
            "- number: 1\n",
            "sheets/07-essai.yaml:1:1: must be a mapping of keys (key: value), got a list",
            id="list-at-top",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            "sheets/07-essai.yaml:2:1: holds several YAML documents; keep one",
            id="two-documents",
        ),
        pytest.param(
            "x: *nothing\n",
            'sheets/07-essai.yaml:1:4: a text that starts with "*" must be written between'
            ' quotation marks (YAML reads "*…" as a reference to another value): write x:'
            ' "*nothing"',
            id="undefined-alias",
        ),
    ],
)
def test_broken_files_get_one_clear_message(project: Project, text: str, expected: str) -> None:
    assert problems_of(project, text) == [expected]


def test_python_tags_are_refused_and_never_run(project: Project, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = GOOD.replace("number: 7", f'number: !!python/object/apply:os.system ["touch {marker}"]')
    assert problems_of(project, text) == [
        "sheets/07-essai.yaml:1:9: number: YAML tags such as !!python/object/apply:os.system are"
        " not allowed"
    ]
    assert not marker.exists()


def test_duplicate_keys_are_errors_reported_with_the_others(project: Project) -> None:
    text = GOOD + "title: Un autre titre\nkicker: 12\nsurplus: 1\n"
    assert problems_of(project, text) == [
        'sheets/07-essai.yaml:6:1: title: the key "title" appears twice (first on line 2)',
        'sheets/07-essai.yaml:7:1: kicker: the key "kicker" appears twice (first on line 3)',
        'sheets/07-essai.yaml:8:1: surplus: unknown key "surplus"',
    ]


def test_alias_bombs_are_stopped(project: Project) -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    assert problems_of(project, "\n".join(lines) + "\n") == [
        "sheets/07-essai.yaml:1:53: expands into more than 100,000 values (too many aliases?)"
    ]


def test_an_alias_that_contains_itself_is_stopped(project: Project) -> None:
    assert problems_of(project, "a: &a [1, *a]\n") == [
        "sheets/07-essai.yaml:1:4: an alias refers to a value that contains it"
    ]


def test_huge_and_binary_and_non_utf8_files_are_refused(project: Project) -> None:
    huge = "number: 1\n" + "# " + "x" * MAX_BYTES + "\n"
    assert problems_of(project, huge) == [
        f"sheets/07-essai.yaml:1:1: is too large ({len(huge):,} bytes; a source may hold"
        f" {MAX_BYTES:,}, reached on line 2)"
    ]
    assert problems_of(project, b"\x89PNG\r\n\x1a\n\x00\x00") == [
        "sheets/07-essai.yaml:3:1: is not a text file (it holds binary data)"
    ]
    assert problems_of(project, "number: 1\ntitle: caf\xe9\n".encode("latin-1")) == [
        "sheets/07-essai.yaml:2:11: is not UTF-8 text: save it as UTF-8"
    ]


def test_yaml_words_stay_text(project: Project) -> None:
    """No "Norway problem": `no`, `on`, `1.10` are kept as the author wrote them."""
    path = project.sheets / "07-essai.yaml"
    path.write_text(
        GOOD.replace("Un titre", "no").replace("Une accroche.", "1.10"), encoding="utf-8"
    )
    sheet = load_sheet(path, project).sheet
    assert (sheet.title, sheet.kicker) == ("no", "1.10")


def test_html_in_text_is_kept_as_text(project: Project) -> None:
    path = project.sheets / "07-essai.yaml"
    path.write_text(GOOD.replace("Du texte.", "<script>alert(1)</script> {{ 7*7 }}"), "utf-8")
    assert load_sheet(path, project).sheet.body[0].paragraph == (  # type: ignore[union-attr]
        "<script>alert(1)</script> {{ 7*7 }}"
    )


def test_two_sheets_with_one_number_are_both_refused(project: Project) -> None:
    (project.sheets / "07-a.yaml").write_text(GOOD, encoding="utf-8")
    (project.sheets / "07-b.yaml").write_text(GOOD, encoding="utf-8")
    sources, problems = load_sheets(project, project.sheet_files())
    assert [source.slug for source in sources] == ["03-strategie-globale"]
    assert [str(problem) for problem in problems] == [
        "sheets/07-a.yaml:1:9: number: number 7 is also used by sheets/07-b.yaml",
        "sheets/07-b.yaml:1:9: number: number 7 is also used by sheets/07-a.yaml",
    ]


# --- the series file --------------------------------------------------------------------------


def series_problems(project: Project, old: str, new: str) -> list[str]:
    path = project.series_file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InvalidSource) as caught:
        load_series(project)
    return [str(problem) for problem in caught.value.problems]


def test_the_series_file_loads(project: Project) -> None:
    series = load_series(project)
    assert (series.language, series.page_size, series.theme) == ("fr-CA", "letter", "fiches")
    assert series.funders is not None and series.funders.organisations[0].alt


@pytest.mark.parametrize(
    ("logo", "message"),
    [
        (
            "../../../etc/passwd",
            '"../../../etc/passwd" points outside sheets/; keep the file inside it',
        ),
        ("/etc/passwd", "must be a path relative to sheets/, not an absolute path"),
        ("~/logo.svg", "must be a path relative to sheets/, not an absolute path"),
        ("https://example.org/logo.svg", "must be a file of sheets/, not a web address"),
        ("data:image/svg+xml,<svg/>", "must be a file of sheets/, not a web address"),
        ("logos/absent.svg", "file not found: sheets/logos/absent.svg"),
        ("series.yaml", "must be an SVG, PNG or JPEG file"),
    ],
)
def test_logo_paths_stay_in_the_project(project: Project, logo: str, message: str) -> None:
    assert series_problems(project, "logo: logos/communagir.svg", f'logo: "{logo}"') == [
        f"sheets/series.yaml:6:9: publisher.logo: {message}"
    ]


def test_a_logo_symlink_out_of_the_project_is_refused(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "outside.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (project.sheets / "logos" / "link.svg").symlink_to(outside)
    assert series_problems(project, "logos/communagir.svg", "logos/link.svg") == [
        'sheets/series.yaml:6:9: publisher.logo: "logos/link.svg" points outside sheets/; keep the'
        " file inside it"
    ]


def test_unknown_theme_gets_a_suggestion(project: Project) -> None:
    assert series_problems(project, "theme: fiches", "theme: fiche") == [
        'sheets/series.yaml:11:8: theme: no theme "fiche" in styles/ nor installed with'
        ' fichepress (did you mean "fiches"?); themes here: fiches, sobre'
    ]


def test_series_values_are_checked(project: Project) -> None:
    problems = series_problems(project, "page_size: letter", "page_size: tabloid\nlanguage: de")
    assert problems == [
        "sheets/series.yaml:12:12: page_size: must be one of 'letter', 'a4', 'legal' or 'a5',"
        ' got "tabloid"',
        'sheets/series.yaml:13:1: language: the key "language" appears twice (first on line 10)',
    ]


def test_a_file_of_a_newer_format_is_told_to_update_fichepress(project: Project) -> None:
    text = "schema_version: 2\nnumber: 7\ntitle: T\nkicker: K.\nbody:\n  - paragraph: P.\n"
    assert problems_of(project, text) == [
        "sheets/07-essai.yaml:1:17: schema_version: the file is written for version 2 of the"
        " format, newer than this fichepress reads (1): update fichepress (pip install"
        " --upgrade fichepress)"
    ]


def test_a_file_of_an_older_format_is_told_what_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the format changes, the version goes up and says what changed: a file written
    for the older version gets that, not a list of unknown keys."""
    from fichepress.source import model

    monkeypatch.setattr(model, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(model, "SCHEMA_CHANGES", {2: "a resource's kind is now called type"})
    text = "schema_version: 1\nnumber: 7\ntitle: T\nkicker: K.\nbody:\n  - paragraph: P.\n"
    assert problems_of(project, text) == [
        "sheets/07-essai.yaml:1:17: schema_version: the file is written for version 1 of the"
        " format; since then: a resource's kind is now called type. Update it, then write"
        " schema_version: 2"
    ]
    current = project.sheets / "08-essai.yaml"
    current.write_text(text.replace("schema_version: 1", "schema_version: 2"), "utf-8")
    assert load_sheet(current, project).sheet.schema_version == 2
