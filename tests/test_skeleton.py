"""`fichepress init`: a new series project that builds as it is, from a clone or from the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build
from fichepress.series.collection import build_collection
from fichepress.source.schema import MODELINE, SERIES_MODELINE

from .conftest import ROOT


@pytest.mark.e2e
def test_init_makes_a_project_that_builds_strictly(tmp_path: Path) -> None:
    folder = tmp_path / "serie"
    args = ["init", str(folder), "--title", "Fiches du Nord", "--organisation", "Action Nord"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "next: cd" in result.stdout and "make sheets" in result.stdout
    sheet = folder / "sheets" / "01-une-premiere-fiche.yaml"
    assert sheet.read_text("utf-8").splitlines()[0] == MODELINE
    series = (folder / "sheets" / "series.yaml").read_text("utf-8")
    assert series.splitlines()[0] == SERIES_MODELINE and "theme: action-nord" in series
    assert "extends: fiches" in (folder / "styles" / "action-nord" / "theme.yaml").read_text()
    assert (folder / "fonts" / "lato" / "OFL.txt").is_file()
    assert "sheets:" in (folder / "Makefile").read_text() and (folder / "README.md").is_file()
    checked = CliRunner().invoke(main, ["check", "--project", str(folder)])
    assert checked.exit_code == 0, checked.output
    project = Project(folder.resolve())
    out = folder / "build"
    report = build(load_edition(project), out, strict=True, jobs=1)
    assert report.ok and not report.warnings, [str(p) for p in report.problems]
    whole = build_collection(load_edition(project), out, strict=True, jobs=1)
    assert whole.ok, [str(p) for p in whole.problems]
    assert len([*out.glob("print/*.pdf"), *out.glob("accessible/*.pdf")]) == 4


def test_init_never_writes_into_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "is not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.slow
def test_from_the_wheel_to_a_built_series_outside_the_repository(tmp_path: Path) -> None:
    """The wheel carries the templates, the default theme, its fonts and the ICC profile: a
    fresh virtual environment with only the wheel (and its dependencies) makes and builds a
    series in a folder of its own."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    [wheel] = dist.glob("fichepress-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=900,
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [python, "-c", "import fichepress, json; print(json.dumps(fichepress.__file__))"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in json.loads(where.stdout)  # not this repository's copy
    fichepress = env_dir / "bin" / "fichepress"
    subprocess.run(
        [fichepress, "init", "serie", "--organisation", "Ailleurs"],
        cwd=tmp_path,
        env=clean,
        check=True,
    )
    made = subprocess.run(
        ["make", "sheets", f"FICHEPRESS={fichepress}"],
        cwd=tmp_path / "serie",
        env=clean,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    manifest = json.loads((tmp_path / "serie" / "build" / "manifest.json").read_text("utf-8"))
    assert len(manifest["outputs"]) == 4  # the sheet and the collection, both variants
