"""Staleness by content: which edits make which outputs stale (inputs.py, stamp.py)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from fichepress.core import project as project_module
from fichepress.core.project import Project, installed_folder
from fichepress.html.edition import common_digest
from fichepress.html.themes import load_theme
from fichepress.series import stamp
from fichepress.series.inputs import output_digest
from fichepress.source.load import load_series

from .conftest import copy_project

SHEETS = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]


@pytest.fixture
def two(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project", SHEETS)


def digests(project: Project) -> dict[tuple[str, str], str]:
    """Each output's digest, by (sheet file, variant)."""
    series = load_series(project)
    common = common_digest(project, series, load_theme(project, series.theme))
    return {
        (path.name, variant): output_digest(common, variant, [path], project, "2026-11-26")
        for path in project.sheet_files()
        for variant in ("print", "accessible")
    }


def changed(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]) -> set[str]:
    return {name for (name, _), digest in after.items() if before[(name, _)] != digest}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_same_content_gives_the_same_digests(two: Project, tmp_path: Path) -> None:
    other = copy_project(tmp_path / "other", SHEETS)
    assert digests(two) == digests(two)
    # Another folder with the same files: the same digests (paths count relative to the root).
    assert digests(two) == digests(other)


def test_a_timestamp_alone_changes_nothing(two: Project) -> None:
    before = digests(two)
    for path in two.root.rglob("*"):
        if path.is_file():
            os.utime(path, (1_000_000_000, 1_000_000_000))
    assert digests(two) == before


def test_editing_a_sheet_makes_only_that_sheet_stale(two: Project) -> None:
    before = digests(two)
    edit(two.sheets / SHEETS[0], "connaître son", "bien connaître son")
    assert changed(before, digests(two)) == {SHEETS[0]}


@pytest.mark.parametrize(
    "what",
    [
        "series file",
        "theme css",
        "theme settings",
        "parent theme css",
        "template",
        "font",
        "logo",
    ],
)
def test_what_every_sheet_shares_makes_every_sheet_stale(two: Project, what: str) -> None:
    if what in ("parent theme css", "template"):
        edit(two.sheets / "series.yaml", "theme: fiches", "theme: sobre")
    before = digests(two)
    styles = two.root / "styles"
    if what == "series file":
        edit(two.sheets / "series.yaml", "licence: Tous droits réservés", "licence: CC BY 4.0")
    elif what == "theme css":
        (styles / "fiches" / "print.css").write_text(
            (styles / "fiches" / "print.css").read_text() + "\n/* edited */\n"
        )
    elif what == "theme settings":
        edit(styles / "fiches" / "theme.yaml", "limits:", "# edited\nlimits:")
    elif what == "parent theme css":  # sobre extends fiches
        (styles / "fiches" / "theme.css").write_text(
            (styles / "fiches" / "theme.css").read_text() + "\n/* edited */\n"
        )
    elif what == "template":
        template = next((styles / "sobre" / "templates").glob("*.j2"))
        template.write_text(template.read_text() + "\n{# edited #}\n")
    elif what == "font":
        font = two.root / "fonts" / "lato" / "Lato-Regular.ttf"
        font.write_bytes(font.read_bytes() + b"\0")
    elif what == "logo":
        logo = two.sheets / "logos" / "communagir.svg"
        logo.write_text(logo.read_text() + "\n<!-- edited -->\n")
    assert changed(before, digests(two)) == set(SHEETS)


def test_a_file_no_output_uses_changes_no_output_but_the_project_stamp(two: Project) -> None:
    before = digests(two)
    stamped = stamp.project_digest(two, two.root / "build", ["print", "accessible"])
    (two.root / "styles" / "notes.txt").write_text("not part of any theme", encoding="utf-8")
    assert digests(two) == before
    # The stamp is coarser: anything a build could read counts, then outputs are looked at
    # one by one.
    assert stamp.project_digest(two, two.root / "build", ["print", "accessible"]) != stamped


def test_fichepress_itself_and_its_libraries_are_inputs(
    two: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = digests(two)
    stamp.code_digest.cache_clear()
    monkeypatch.setattr(stamp, "_version", lambda name: "9.9" if name == "weasyprint" else "1")
    try:
        assert changed(before, digests(two)) == set(SHEETS)
    finally:
        stamp.code_digest.cache_clear()


class _Today:
    """A stand-in for the datetime module whose today is chosen."""

    def __init__(self, day: int) -> None:
        self.date = type("date", (), {"today": staticmethod(lambda: dt.date(2026, 11, day))})


def test_the_date_counts_when_the_series_sets_none(
    two: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = two.root / "build"

    def on(day: int) -> str:
        monkeypatch.setattr(stamp, "datetime", _Today(day))
        return stamp.project_digest(two, out, ["print"])

    assert on(26) == on(27)  # the series sets its date: today does not matter
    edit(two.sheets / "series.yaml", "date: 2026-11-26", "# no date")
    assert on(26) != on(27)  # it does not: today's date is written in the PDFs


def test_a_new_installed_theme_makes_the_outputs_stale(
    two: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project that uses the installed fiches without a copy: a new version of it (here a
    changed copy standing for the installed one) changes every output's digest and the
    project's, though no file of the project changed."""
    installed = installed_folder()
    assert installed is not None
    copy = tmp_path / "installed"
    for name in ("styles/fiches", "styles/sobre", "fonts/lato"):
        shutil.copytree(installed / name, copy / name)
    monkeypatch.setattr(project_module, "_located", lambda: copy)
    shutil.rmtree(two.styles)
    shutil.rmtree(two.fonts)
    out = two.root / "build"
    before, whole = digests(two), stamp.project_digest(two, out, ["print"])
    assert digests(two) == before
    edit(copy / "styles" / "fiches" / "theme.yaml", "rgb #1d3557", "rgb #1d3558")
    assert changed(before, digests(two)) == set(SHEETS)
    assert stamp.project_digest(two, out, ["print"]) != whole
    before, whole = digests(two), stamp.project_digest(two, out, ["print"])
    (copy / "fonts" / "lato" / "Lato-Black.ttf").write_bytes(
        (copy / "fonts" / "lato" / "Lato-Black.ttf").read_bytes() + b"\0"
    )
    assert changed(before, digests(two)) == set(SHEETS)  # a font of the theme
    assert stamp.project_digest(two, out, ["print"]) != whole
