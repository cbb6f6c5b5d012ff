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
    assert f"ok: {len(sheets)} sheets, everything is up to date" in said
    # `make test` is what CI runs after this; here, check that it lints and runs pytest.
    plan = subprocess.run(["make", "-n", "test"], cwd=clone, capture_output=True, text=True)
    assert "ruff check" in plan.stdout and "mypy" in plan.stdout and "pytest" in plan.stdout
    shutil.rmtree(clone / ".venv")


def _section(text: str, heading: str) -> str:
    assert f"\n{heading}\n" in text, f"no section {heading!r}"
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _limit_rows(text: str) -> list[tuple[str, str, list[str]]]:
    """The rows of a limits table: what, the limit, and the constants that set it."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`(\w+\.\w+\.[A-Z_]+)`", cells[-1]) if len(cells) == 3 else []
        if names:
            rows.append((cells[0], cells[1], names))
    return rows


def _spellings(value: float) -> set[str]:
    """How the docs may write a limit: 1,000,000; 64 MiB; 25 megapixels; 10 s."""
    spelt = {f"{value:,}", f"{value:,.0f}"}
    if value >= 1 << 20 and value % (1 << 20) == 0:
        spelt.add(f"{value // (1 << 20):.0f} MiB")
    if value >= 1_000_000 and value % 1_000_000 == 0:
        spelt.add(f"{value / 1_000_000:.0f} megapixels")
    return spelt


def test_the_docs_tell_every_limit_as_the_code_sets_it() -> None:
    import importlib

    rows = _limit_rows((ROOT / "docs" / "safety.md").read_text(encoding="utf-8"))
    assert len(rows) >= 20
    for _, limit, names in rows:
        for name in names:
            module, _, constant = name.rpartition(".")
            value = getattr(importlib.import_module(f"fichepress.{module}"), constant)
            assert any(spelt in limit for spelt in _spellings(value)), (name, value, limit)


def test_the_readme_limits_are_those_of_the_docs() -> None:
    """The README's short table of limits says what docs/safety.md's full one says."""
    full = {what: limit for what, limit, _ in _limit_rows(_read("docs/safety.md"))}
    section = _section(_read("README.md"), "## Limits")
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| what ")
    ]
    assert len(rows) >= 5
    for what, limit in rows:
        assert full.get(what) == limit, (what, limit, full.get(what))


def _read(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def _apt_packages(text: str) -> list[str]:
    """The packages of the first `apt-get install` command, its options left out."""
    command = re.search(r"apt-get install ((?:[^\n\\]|\\\n)*)", text)
    assert command is not None, "no apt-get install line"
    words = command.group(1).replace("\\\n", " ").split()
    return [word for word in words if not word.startswith(("-", ">"))]


def test_the_readme_lists_the_system_packages_ci_installs() -> None:
    """The set-up line is what CI installs (the two lists `.ci/run` reads), with python3-venv
    (which CI's image has with its Python): the libraries WeasyPrint uses, poppler and chromium
    for the tests, make and git."""
    readme = _read("README.md")
    named = _apt_packages(readme)
    lists = ("src/fichepress/data/system-packages.txt", ".ci/test-packages.txt")
    assert all(name in _read(".ci/run") for name in lists)
    installed = [
        word
        for name in lists
        for line in _read(name).splitlines()
        for word in line.split("#")[0].split()
    ]
    assert set(named) == set(installed) | {"python3-venv"}, set(named) ^ set(installed)
    assert {"libharfbuzz-subset0", "python3-venv", "chromium"} <= set(named)
    assert "five times slower" in readme


def test_the_readme_installs_the_wheel_make_dist_writes() -> None:
    readme = _read("README.md")
    assert "make dist" in readme and "pip install dist/fichepress-*.whl" in readme
    dist = re.search(r"^dist:.*\n((?:\t.*\n?)+)", _read("Makefile"), re.MULTILINE)
    assert dist is not None and "dist" in dist.group(1)


def test_a_first_series_goes_from_init_to_preview() -> None:
    """The first series, in the order a newcomer follows it: init, new, edit the sheet, make
    sheets, preview; and the organisation's logo is where the series file keeps it."""
    from fichepress.source.model import Logo, Series

    section = _section(_read("README.md"), "## A first series")
    steps = [
        "pip install dist/",
        "fichepress init ",
        "fichepress new ",
        "$EDITOR sheets/",
        "make sheets",
        "fichepress preview",
    ]
    where = [section.find(step) for step in steps]
    assert -1 not in where and where == sorted(where), dict(zip(steps, where, strict=True))
    assert "`publisher.logo`" in section and "`publisher.alt`" in section
    assert Series.model_fields["publisher"].annotation is Logo
    assert {"logo", "alt"} <= set(Logo.model_fields)


INTERNALS = re.compile(
    r"benchmark|performance|tree repair|structure tree|parenttree|print-ready|accessible pdfs"
    r"|safety|layout of the repository|only what changed|large series|fork server|mcid",
    re.IGNORECASE,
)
"""Headings of sections that moved to docs/."""
INSIDE = re.compile(r"benchmark|tree repair|parenttree|mcid|fork server|pikepdf|src/", re.I)
"""Words of how fichepress works inside, for docs/ only."""


def test_the_readme_is_for_users() -> None:
    """Short, with no section about how fichepress works inside (that is in docs/)."""
    readme = _read("README.md")
    assert len(readme.encode("utf-8")) < 24 * 1024
    headings = re.findall(r"^#+ .*$", readme, re.MULTILINE)
    assert headings and not [h for h in headings if INTERNALS.search(h)]
    body = readme.split("\n## For contributors\n", 1)[0]
    assert not INSIDE.findall(body), INSIDE.findall(body)


def test_every_doc_is_linked_and_every_link_leads_somewhere() -> None:
    contributors = _section(_read("README.md"), "## For contributors")
    docs = sorted((ROOT / "docs").glob("*.md"))
    assert {"architecture.md", "accessibility.md", "print.md", "performance.md"} <= {
        doc.name for doc in docs
    }
    for doc in docs:
        assert f"](docs/{doc.name})" in contributors, doc.name
    for page in [ROOT / "README.md", *docs]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), (page.name, target)


def _rules(pattern: str, *modules: str) -> set[str]:
    found: set[str] = set()
    for module in modules:
        found |= set(re.findall(pattern, _read(f"src/fichepress/checks/{module}.py")))
    return found


def test_the_docs_list_every_rule_of_the_checks() -> None:
    """Each rule a finding of `preflight` may name has its row in docs/print.md (print) or
    docs/accessibility.md (PDF/UA-1)."""
    printing = _rules(r'(?:rule=|_whole\()"([A-Z][A-Z-]+)"', "printing", "pdfs")
    modules = sorted(p.stem for p in (ROOT / "src/fichepress/checks").glob("ua_*.py"))
    access = _rules(r'"(UA-[A-Z]+)"', "accessibility", "contrast", *modules)
    assert {"BLEED", "PDFX", "OUTPUT-INTENT"} <= printing and {"UA-TREE", "UA-SOURCE"} <= access
    for rules, doc in ((printing, "docs/print.md"), (access, "docs/accessibility.md")):
        rows = set(re.findall(r"^\| ([A-Z][A-Z-]+) \|", _read(doc), re.MULTILINE))
        assert rules <= rows, (doc, sorted(rules - rows))
