"""The README's set-up works from a clean clone: `make sheets`, then `make test`.

This clones the repository's committed HEAD (CI runs on a fresh clone, so that is what is
tested there), creates a new virtual environment and builds the series in it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\s+make sheets\s+#", readme, re.MULTILINE)
    assert re.search(r"^\s+make test\s+#", readme, re.MULTILINE)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == "make test"


def test_every_makefile_target_is_phony() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split())  # type: ignore[union-attr]
    assert {"sheets", "test", "lint", "venv"} <= targets
    assert targets <= phony


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.slow
def test_make_sheets_in_a_clean_clone(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.fail("this test needs the git repository to clone it")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # `sheets/` exists: a non-phony target would make this say "up to date" and build nothing.
    result = subprocess.run(
        ["make", "sheets"], cwd=clone, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (clone / ".venv" / "bin" / "fichepress").is_file()
    manifest = json.loads((clone / "build" / "manifest.json").read_text(encoding="utf-8"))
    sheets = [p for p in (clone / "sheets").glob("*.yaml") if p.name != "series.yaml"]
    assert len(manifest["outputs"]) == 2 * len(sheets) + 2  # and the collection, twice
    for entry in manifest["outputs"]:
        assert (clone / "build" / entry["path"]).read_bytes().startswith(b"%PDF-")
    # A second run reaches fichepress (make must not decide `sheets/` is "up to date"), which
    # finds every output current by its stamp, and reinstalls nothing.
    env = {**os.environ, "LC_ALL": "C", "LANGUAGE": ""}
    again = subprocess.run(["make", "sheets"], cwd=clone, capture_output=True, text=True, env=env)
    said = again.stdout + again.stderr
    assert again.returncode == 0 and "installing" not in again.stdout
    assert "'sheets' is up to date" not in said and "Nothing to be done" not in said
    assert f"{len(sheets)} sheets: everything is up to date" in said
    # `make test` is what CI runs after this; here, check that it lints and runs pytest.
    plan = subprocess.run(["make", "-n", "test"], cwd=clone, capture_output=True, text=True)
    assert "ruff check" in plan.stdout and "mypy" in plan.stdout and "pytest" in plan.stdout
    shutil.rmtree(clone / ".venv")


def _limit_rows() -> list[tuple[str, list[str]]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Safety and limits", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`(\w+\.\w+\.[A-Z_]+)`", cells[-1]) if len(cells) == 3 else []
        if names:
            rows.append((cells[1], names))
    return rows


def _spellings(value: float) -> set[str]:
    """How the README may write a limit: 1,000,000; 64 MiB; 25 megapixels; 10 s."""
    spelt = {f"{value:,}", f"{value:,.0f}"}
    if value >= 1 << 20 and value % (1 << 20) == 0:
        spelt.add(f"{value // (1 << 20):.0f} MiB")
    if value >= 1_000_000 and value % 1_000_000 == 0:
        spelt.add(f"{value / 1_000_000:.0f} megapixels")
    return spelt


def test_the_readme_tells_every_limit_as_the_code_sets_it() -> None:
    import importlib

    rows = _limit_rows()
    assert len(rows) >= 20
    for limit, names in rows:
        for name in names:
            module, _, constant = name.rpartition(".")
            value = getattr(importlib.import_module(f"fichepress.{module}"), constant)
            assert any(spelt in limit for spelt in _spellings(value)), (name, value, limit)
