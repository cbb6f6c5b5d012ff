"""The corpus of bad inputs: each gets one clear message with file:line:col, exit code 1 and no
traceback; a build with all of them at once writes and removes no output of theirs, and the
other sheets still build.

`corpus/sheets/*.yaml` are bad sheets written by hand, each with the message it must get on its
first line (`# expect: line:col: key: message`). The cases below them are made here: binary
files, other encodings, huge and deeply nested files, links out of the project, and bad paths
in the series file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.project import Project

from .conftest import copy_project

CORPUS = Path(__file__).parent / "corpus" / "sheets"
FILES = sorted(CORPUS.glob("*.yaml"))
GOOD = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]


def expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def check(project: Project) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(main, ["check", "--project", str(project.root)])
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    return result.exit_code, errors, result.output + result.stderr


def only_error(project: Project) -> str:
    code, errors, said = check(project)
    assert code == 1, said
    assert "Traceback" not in said
    assert len(errors) == 1, said  # one mistake, one message
    return errors[0]


@pytest.fixture
def empty(tmp_path: Path) -> Project:
    """A project with the series file, the theme and no sheet."""
    return copy_project(tmp_path / "project", [])


@pytest.mark.parametrize("case", FILES, ids=[f.stem for f in FILES])
def test_each_bad_sheet_gets_one_message_at_its_place(empty: Project, case: Path) -> None:
    (empty.sheets / case.name).write_bytes(case.read_bytes())
    error = only_error(empty)
    assert error.startswith(f"error: sheets/{case.name}:{expected(case)}"), error
    assert re.match(rf"error: sheets/{re.escape(case.name)}:\d+:\d+: ", error)


BASE = "number: 60\ntitle: Une fiche\nkicker: Une accroche.\nbody:\n  - paragraph: Un texte.\n"


def _binary(folder: Path) -> tuple[str, str]:
    (folder / "binary.yaml").write_bytes(BASE.encode() + b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    return "binary.yaml", "8:1: is not a text file (it holds binary data)"


def _latin1(folder: Path) -> tuple[str, str]:
    (folder / "latin-1.yaml").write_bytes(
        BASE.replace("Une fiche", "Une fiche tr\u00e8s").encode("latin-1")
    )
    return "latin-1.yaml", "2:20: is not UTF-8 text: save it as UTF-8"


def _utf16(folder: Path) -> tuple[str, str]:
    (folder / "utf-16.yaml").write_bytes(BASE.encode("utf-16"))
    return "utf-16.yaml", "1:1: is UTF-16 text: save it as UTF-8"


def _huge(folder: Path) -> tuple[str, str]:
    (folder / "huge.yaml").write_text(BASE + "# " + "x" * 1_100_000 + "\n", encoding="utf-8")
    return (
        "huge.yaml",
        "1:1: is too large (1,100,084 bytes; a source may hold 1,000,000, reached on line 6)",
    )


def _deep(folder: Path) -> tuple[str, str]:
    nested = "".join("  " * depth + "- \n" for depth in range(60))
    (folder / "deep.yaml").write_text(BASE + "extra:\n" + nested, encoding="utf-8")
    return "deep.yaml", "56:99: nests deeper than 50 levels"


def _outside_link(folder: Path) -> tuple[str, str]:
    outside = folder.parent.parent / "elsewhere.yaml"
    outside.write_text(BASE, encoding="utf-8")
    (folder / "link.yaml").symlink_to(outside)
    return "link.yaml", "1:1: is a link to a file outside the project"


MADE: dict[str, Callable[[Path], tuple[str, str]]] = {
    "binary": _binary,
    "latin-1": _latin1,
    "utf-16": _utf16,
    "huge": _huge,
    "deep": _deep,
    "link-out-of-the-project": _outside_link,
}


@pytest.mark.parametrize("make", list(MADE.values()), ids=list(MADE))
def test_each_made_bad_sheet_gets_one_message_at_its_place(
    empty: Project, make: Callable[[Path], tuple[str, str]]
) -> None:
    name, message = make(empty.sheets)
    error = only_error(empty)
    assert error.startswith(f"error: sheets/{name}:{message}"), error


LOGO = "logos/communagir.svg"
SERIES_CASES = {
    "traversal": ("../../../../etc/passwd", '"../../../../etc/passwd" points outside sheets/'),
    "absolute": ("/etc/passwd", "must be a path relative to sheets/, not an absolute path"),
    "home": ("~/logo.svg", "must be a path relative to sheets/, not an absolute path"),
    "web": ("https://example.org/logo.svg", "must be a file of sheets/, not a web address"),
    "file-url": ("file:///etc/passwd", "must be a file of sheets/, not a web address"),
    "data-url": ("data:image/svg+xml,<svg/>", "must be a file of sheets/, not a web address"),
    "missing": ("logos/nowhere.svg", "file not found: sheets/logos/nowhere.svg"),
    "not-a-picture": ("series.yaml", "must be an SVG, PNG or JPEG file"),
    "link-out": ("logos/link.svg", '"logos/link.svg" points outside sheets/'),
}


@pytest.mark.parametrize("value,message", SERIES_CASES.values(), ids=list(SERIES_CASES))
def test_each_bad_path_of_the_series_file_gets_one_message(
    empty: Project, tmp_path: Path, value: str, message: str
) -> None:
    (tmp_path / "elsewhere.svg").write_text("<svg/>", encoding="utf-8")
    (empty.sheets / "logos" / "link.svg").symlink_to(tmp_path / "elsewhere.svg")
    series = empty.series_file
    text = series.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if LOGO in row)
    series.write_text(text.replace(LOGO, value, 1), encoding="utf-8")
    error = only_error(empty)
    assert re.match(rf"error: sheets/series.yaml:{line}:\d+: publisher.logo: ", error), error
    assert message in error


def digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for variant in ("print", "accessible")
        for p in (out / variant).glob("*.pdf")
    }


@pytest.mark.e2e
def test_all_bad_sheets_at_once_leave_the_outputs_and_the_good_sheets_build(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project", GOOD)
    runner = CliRunner()
    first = runner.invoke(main, ["build", "-j", "2", "--project", str(project.root)])
    assert first.exit_code == 0, first.stderr
    out = project.root / "build"
    before = digests(out)
    assert len(before) == 6
    # Every bad sheet at once, each with a number of its own.
    for index, case in enumerate(FILES):
        data = case.read_bytes().replace(b"number: 60", f"number: {100 + index}".encode())
        (project.sheets / case.name).write_bytes(data)
    for make in MADE.values():
        make(project.sheets)
    # And one good sheet changed: it must still be built.
    good = project.sheets / GOOD[1]
    good.write_text(
        good.read_text("utf-8").replace("concertation", "concertation suivie", 1), "utf-8"
    )
    # --strict as `make sheets`: a sheet still holding placeholders is a draft, not published.
    command = ["build", "-j", "2", "--strict", "--project", str(project.root)]
    result = runner.invoke(main, command)
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    for case in FILES:
        assert sum(f"error: sheets/{case.name}:" in e for e in errors) == 1, case.name
    for name in ("binary", "latin-1", "utf-16", "huge", "deep", "link"):
        assert sum(f"error: sheets/{name}.yaml:" in e for e in errors) == 1, name
    after = digests(out)
    assert set(after) == set(before)  # nothing of the bad sheets written, nothing removed
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {f"print/{GOOD[1][:-5]}.pdf", f"accessible/{GOOD[1][:-5]}.pdf"}
    assert not [p for p in out.rglob("*.tmp")]
