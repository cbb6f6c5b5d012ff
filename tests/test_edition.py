"""One edition per run: the series file, the theme and each sheet loaded once, by the main
process, and sent once to each worker."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import fichepress.html.edition as edition_module
import fichepress.html.themes as themes
import fichepress.source.load as load
import fichepress.source.yamlfile as yamlfile
from fichepress.cli import main
from fichepress.html.edition import load_edition

from .conftest import copy_project

SHEETS = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]
ONCE = {"sheets/series.yaml": 1, "fiches/theme.yaml": 1, **dict.fromkeys(SHEETS, 1)}


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """What is loaded in this process, counted: the series file and each theme's settings as
    they are read, each sheet as it is loaded (its file read, even when this process has
    checked it before)."""
    counts: Counter[str] = Counter()
    read_yaml, load_sheet = yamlfile.read_yaml, load.load_sheet

    def counted_read(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name in ("series.yaml", "theme.yaml"):
            counts[f"{path.parent.name}/{path.name}"] += 1
        return read_yaml(path, *args, **kwargs)

    def counted_sheet(path: Path, project: Any) -> Any:
        counts[path.name] += 1
        return load_sheet(path, project)

    monkeypatch.setattr(load, "read_yaml", counted_read)
    monkeypatch.setattr(themes, "read_yaml", counted_read)
    monkeypatch.setattr(load, "load_sheet", counted_sheet)
    return counts


@pytest.mark.e2e
@pytest.mark.process  # two jobs: worker processes
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_loads_each_source_once(
    loads: Counter[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """`fichepress build` of the series and its collection: the series file, the theme and
    each sheet loaded once. With one job the workers' tasks run in this process, counted too;
    with two, the sources are removed as soon as the edition is loaded, and the build still
    goes through: no worker read any."""
    project = copy_project(tmp_path / "project", SHEETS)
    if jobs == "2":
        load_edition = edition_module.load_edition

        def load_then_remove(*args: Any, **kwargs: Any) -> Any:
            edition = load_edition(*args, **kwargs)
            for path in [project.series_file, *project.styles.glob("*/theme.yaml")]:
                path.unlink()
            for path in project.sheet_files():
                path.unlink()
            return edition

        monkeypatch.setattr(edition_module, "load_edition", load_then_remove)
    result = CliRunner().invoke(main, ["build", "--project", str(project.root), "--jobs", jobs])
    assert result.exit_code == 0, result.output
    assert "2 sheets, 6 PDFs written to build/" in result.output
    print(f"\nloads in one build of {len(SHEETS)} sheets (--jobs {jobs}): {dict(loads)}")
    assert loads == ONCE


def test_an_edition_pickles_with_its_theme_used(tmp_path: Path) -> None:
    """A worker is sent the edition without its sheets, once; its tasks carry their sheets."""
    project = copy_project(tmp_path / "project")
    edition = load_edition(project)
    assert edition.theme.environment is not None  # made, as rendering in this process does
    data = pickle.dumps(edition)
    sent = pickle.dumps(edition.without_sheets())
    each = [len(pickle.dumps(source)) for source in edition.sheets]
    print(
        f"\npickled edition of {len(edition.sheets)} sheets: {len(data):,} bytes;"
        f" sent to a worker, without them: {len(sent):,} bytes; a sheet: {min(each):,} to"
        f" {max(each):,} bytes"
    )
    again = pickle.loads(data)
    assert again.sheets == edition.sheets
    assert again.series == edition.series
    assert again.logos == edition.logos
    assert again.common == edition.common
    assert again.theme.look("print").stylesheets == edition.theme.look("print").stylesheets
    assert pickle.loads(sent).sheets == []


def test_with_sheets_loads_again_the_changed_sheets_only(
    loads: Counter[str], tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", [*SHEETS, "04-evaluer-pour-apprendre.yaml"])
    edition = load_edition(project)
    changed = project.sheets / SHEETS[1]
    text = changed.read_text("utf-8")
    changed.write_text(text.replace("title: S'intégrer", "title: Bien s'intégrer"), "utf-8")
    (project.sheets / "04-evaluer-pour-apprendre.yaml").unlink()
    loads.clear()

    again = edition.with_sheets([changed])

    assert loads == {SHEETS[1]: 1}
    assert [source.path.name for source in again.sheets] == SHEETS
    [source] = [source for source in again.sheets if source.path == changed]
    assert source.sheet.title.startswith("Bien s'intégrer")
    assert again.series is edition.series and again.theme is edition.theme


def test_a_selection_refuses_the_numbers_it_holds_twice(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", SHEETS)
    twin = project.sheets / "05-twin.yaml"
    twin.write_text((project.sheets / SHEETS[0]).read_text("utf-8"), "utf-8")
    edition = load_edition(project)
    assert [p.file for p in edition.problems] == [f"sheets/{SHEETS[0]}", "sheets/05-twin.yaml"]
    alone = edition.select([project.sheets / SHEETS[0]])
    assert alone.problems == []
    assert [source.path.name for source in alone.sheets] == [SHEETS[0]]
