"""Incremental and parallel builds give the PDFs a clean build gives, and only rebuild what an
edit touches: the sheet's PDFs and the collection (from the parts kept in build/.fragments)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.cli import main
from fichepress.core.project import Project
from fichepress.pdf.join import identity
from fichepress.series.collection import _known_pages, join_parts
from fichepress.series.parts import Fragments

from .conftest import copy_project

SHEETS = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]
PDFS = [
    "print/01-partir-du-territoire.pdf",
    "accessible/01-partir-du-territoire.pdf",
    "print/03-strategie-globale.pdf",
    "accessible/03-strategie-globale.pdf",
    "print/collection.pdf",
    "accessible/collection.pdf",
]


# Every test builds, then builds again.
pytestmark = pytest.mark.e2e


def fichepress(project: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["build", "--project", str(project), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def pdfs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in PDFS}


def stamps(out: Path) -> dict[str, int]:
    """Every file of the build folder, to its modification time."""
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and p.name != ".lock" and not p.parent.name.startswith(".fonts-")
    }


def written(output: str) -> list[str]:
    return sorted(line.split()[1] for line in output.splitlines() if line.startswith("  wrote"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two sheets and their collection, built by two workers."""
    root = tmp_path_factory.mktemp("built") / "project"
    copy_project(root, SHEETS)
    fichepress(root, "--jobs", "2")
    return root


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """A writable copy of the built project, build folder included."""
    target = tmp_path / "project"
    shutil.copytree(built, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_one_worker_and_two_give_the_same_bytes(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "serial"
    fichepress(built, "--jobs", "1", "--out", str(out))
    assert pdfs(out) == pdfs(built / "build")


def test_nothing_changed_nothing_written(copy: Path) -> None:
    before = stamps(copy / "build")
    output = fichepress(copy)
    assert output.strip() == (
        "ok: 2 sheets, everything is up to date, 6 PDFs in build/ (0 errors, 0 warnings)"
    )
    assert stamps(copy / "build") == before


@pytest.mark.process
def test_nothing_changed_weasyprint_not_even_imported(copy: Path) -> None:
    script = (
        "import sys\n"
        "from fichepress.cli import main\n"
        f"main(['build', '--project', {str(copy)!r}], standalone_mode=False)\n"
        "print('weasyprint' in sys.modules, 'fichepress.source.model' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "everything is up to date" in result.stdout
    assert result.stdout.splitlines()[-1] == "False False"


def test_a_stamp_that_no_longer_holds_falls_back_to_each_output(copy: Path) -> None:
    # A file no output reads: the stamp no longer holds, yet every PDF is up to date.
    (copy / "styles" / "notes.txt").write_text("a note", encoding="utf-8")
    before = stamps(copy / "build")
    output = fichepress(copy)
    assert "everything is up to date, 6 PDFs in build/" in output
    changed = {k for k, v in stamps(copy / "build").items() if before.get(k) != v}
    assert changed == {"manifest.json"}  # the new stamp, nothing else


def test_editing_a_sheet_rebuilds_it_and_the_collection_as_a_clean_build_would(
    copy: Path, tmp_path: Path
) -> None:
    before = pdfs(copy / "build")
    edit(copy / "sheets" / SHEETS[1], "concertation", "concertation élargie")
    output = fichepress(copy)
    assert written(output) == sorted(
        [
            "build/print/03-strategie-globale.pdf",
            "build/accessible/03-strategie-globale.pdf",
            "build/print/collection.pdf",
            "build/accessible/collection.pdf",
        ]
    )
    after = pdfs(copy / "build")
    for name in PDFS[:2]:
        assert after[name] == before[name], name
    clean = tmp_path / "clean"
    fichepress(copy, "--out", str(clean))
    assert pdfs(clean) == after


def test_a_sheet_growing_a_page_moves_the_parts_after_it(copy: Path, tmp_path: Path) -> None:
    fragments = Fragments(copy / "build")
    kept = set(fragments.index["parts"])
    paragraph = "\n  - paragraph: >-\n      " + " ".join(["Une phrase de plus pour allonger."] * 60)
    edit(copy / "sheets" / SHEETS[0], "\n  - quote:", paragraph + "\n  - quote:")
    fichepress(copy)
    now = Fragments(copy / "build")
    # Every part of the collection changed: the first sheet, the second one (it starts two
    # pages later), the front (its contents give the new page) and the colophon.
    assert not kept & set(now.index["parts"])
    clean = tmp_path / "clean"
    fichepress(copy, "--out", str(clean))
    assert pdfs(clean) == pdfs(copy / "build")


def test_a_damaged_output_is_rebuilt_alone(copy: Path) -> None:
    damaged = copy / "build" / PDFS[2]
    good = damaged.read_bytes()
    damaged.write_bytes(good[: len(good) // 2])
    output = fichepress(copy)
    assert written(output) == [f"build/{PDFS[2]}"]
    assert damaged.read_bytes() == good


def test_a_damaged_part_is_rendered_again(copy: Path) -> None:
    fragments = Fragments(copy / "build")
    digest = sorted(fragments.index["parts"])[0]
    fragments.path(digest).write_bytes(b"%PDF-1.7 broken")
    (copy / "build" / "print" / "collection.pdf").unlink()
    (copy / "build" / "accessible" / "collection.pdf").unlink()
    fichepress(copy)
    assert Fragments(copy / "build").get(digest) is not None
    clean = copy.parent / "clean"
    fichepress(copy, "--out", str(clean))
    assert pdfs(clean) == pdfs(copy / "build")


def test_a_failed_collection_keeps_its_parts_and_the_previous_pdf(copy: Path) -> None:
    before = pdfs(copy / "build")
    parts = set(Fragments(copy / "build").index["parts"])
    edit(copy / "sheets" / SHEETS[1], "concertation", "concertation élargie")
    # A stylesheet of the collection only, that makes WeasyPrint fail (`components` missing):
    # the sheets are built, every part of the collection fails.
    icc = resources.files("weasyprint") / "pdf" / "sRGB2014.icc"
    theme = copy / "styles" / "fiches"
    (theme / "profile.icc").write_bytes(icc.read_bytes())
    css = "@color-profile device-cmyk { src: url(profile.icc); }\n"
    (theme / "collection.css").write_text(css + (theme / "collection.css").read_text("utf-8"))
    result = CliRunner().invoke(main, ["build", "--project", str(copy)])
    assert result.exit_code == 1
    assert "collection" in result.stderr and "WeasyPrint failed" in result.stderr
    after = pdfs(copy / "build")
    assert after[PDFS[2]] != before[PDFS[2]]  # the sheet was built
    assert after[PDFS[4]] == before[PDFS[4]] and after[PDFS[5]] == before[PDFS[5]]
    assert parts <= set(Fragments(copy / "build").index["parts"])


@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_the_collection_checked_from_its_parts_is_checked_as_in_full(
    built: Path, variant: str
) -> None:
    """The checks of a joined collection take the pages' results from its parts: they find
    what the full checks find, page numbers moved to the collection's."""
    out = built / "build"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    [entry] = [
        e for e in manifest["outputs"] if e["sheet"] == "collection" and e["variant"] == variant
    ]
    fragments = Fragments(out)
    kinds = ["front", "sheet", "sheet", "colophon"]
    files = [(kind, fragments.path(d)) for kind, d in zip(kinds, entry["parts"], strict=True)]
    data, offsets, _ = join_parts(variant, files, [1, 3], identity(variant, entry["parts"], [1, 3]))  # type: ignore[arg-type]
    assert data == (out / variant / "collection.pdf").read_bytes()
    known = _known_pages(variant, fragments, entry["parts"], offsets)
    check = check_print if variant == "print" else check_accessible
    pages = len(Project(built).sheet_files()) * 2
    assert len(known) >= pages  # every page of the parts; blank pages are checked here
    assert check(data, known) == check(data) == []
    # A finding kept for the first sheet's first page is told on its page of the collection.
    first = offsets[1]
    if variant == "print":
        from fichepress.checks.printing import PageResult
        from fichepress.core.findings import Finding

        kept = known[first]
        known[first] = PageResult(
            (Finding(page=1, rule="TEST", severity="error", message="kept"),), kept.glyphs
        )
        assert [(f.page, f.rule) for f in check_print(data, known)] == [(first + 1, "TEST")]
    else:
        from fichepress.checks.accessibility import PageMarks

        kept = known[first]
        known[first] = PageMarks(kept.order, kept.text, ("fill in page at (0, 0)",))
        found = check_accessible(data, known)
        assert [(f.page, f.rule) for f in found] == [(first + 1, "UA-ARTIFACT")]
