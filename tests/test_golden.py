"""The templates' HTML is a contract with themes (styles/README.md): a change shows here."""

from __future__ import annotations

import difflib
import re
import subprocess
from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.core.variants import VariantName
from fichepress.html.edition import load_edition
from fichepress.html.render import Part, edition_date, render_collection
from fichepress.series.builder import Builder
from fichepress.source.load import load_sheets

from .golden import ROOT, VARIANTS, golden_html, golden_path


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_reference_sheet_html_is_the_golden_one(variant: str) -> None:
    expected = golden_path(variant).read_text(encoding="utf-8")
    actual = golden_html(Project(ROOT), variant)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                "golden",
                "now",
                n=1,
            )
        )
        pytest.fail(
            "the HTML given to themes changed (a breaking change for themes): review it, update"
            f" styles/README.md, then run `make golden`\n{diff[:3000]}"
        )


def test_the_golden_files_hold_no_path_of_this_machine() -> None:
    for variant in VARIANTS:
        text = golden_path(variant).read_text(encoding="utf-8")
        assert str(ROOT) not in text
        assert "file:///PROJECT/styles/fiches/theme.css" in text


# --- styles/README.md documents that HTML ---------------------------------------------------

CONTRACT = ROOT / "styles" / "README.md"
_ELEMENT = re.compile(r"<([a-z][a-z0-9]*)\b([^>]*)>")
_CLASS = re.compile(r'\bclass="([^"]*)"')
_SELECTOR = re.compile(r"^([a-z][a-z0-9]*)?((?:\.[a-z][a-z0-9-]*)*)(\[[^\]]*\])?$")


def _pairs(html: str) -> set[tuple[str, str]]:
    """(element, class) of every element with a class."""
    found = set()
    for tag, attributes in _ELEMENT.findall(html):
        classes = _CLASS.search(attributes)
        for name in classes.group(1).split() if classes else ():
            found.add((tag, name))
    return found


def _html_section() -> str:
    text = CONTRACT.read_text(encoding="utf-8")
    return text[text.index("## The HTML") : text.index("## Templates")]


def _documented() -> tuple[set[tuple[str, str]], set[str]]:
    """The (element, class) pairs the tables of the HTML section name in backticks (a class
    named without its element, `.resource-with-qr`, counts for any element), and the classes."""
    pairs: set[tuple[str, str]] = set()
    for line in _html_section().splitlines():
        if not line.startswith("| `"):
            continue
        for token in re.findall(r"`([^`]+)`", line):
            if re.search(r"\.(css|html|j2)$", token):
                continue  # a file, not a selector
            for selector in re.split(r"\s*[>/]\s*|\s+", token):
                match = _SELECTOR.match(selector)
                if match is None:
                    continue
                for name in match.group(2).split(".")[1:]:
                    pairs.add((match.group(1) or "*", name))
    return pairs, {name for _, name in pairs}


def _every_html(project: Project) -> str:
    """The HTML of every sheet of the series in both variants, and of every part of the
    collection in both variants."""
    builder = Builder(load_edition(project, []), project.root / "unused")
    sources, problems = load_sheets(project, project.sheet_files())
    assert problems == []
    sheets = [s.sheet for s in sorted(sources, key=lambda s: s.sheet.number)]
    variants: tuple[VariantName, ...] = ("print", "accessible")
    parts: tuple[Part, ...] = ("front", "sheet", "colophon")
    texts = [builder.sheet_html(sheet, variant) for sheet in sheets for variant in variants]
    for variant in variants:
        for part in parts:
            texts.append(
                render_collection(
                    sheets,
                    builder.series,
                    variant=variant,
                    part=part,
                    look=builder.theme.look(variant, collection=True),
                    logos=builder.logos,
                    date=edition_date(builder.series),
                    first_page=1,
                    toc_pages={sheet.number: "1" for sheet in sheets},
                )
            )
    return "\n".join(texts)


def test_every_class_the_templates_write_is_documented_for_themes() -> None:
    produced = _pairs(_every_html(Project(ROOT)))
    pairs, _ = _documented()
    undocumented = {
        (tag, name)
        for tag, name in produced
        if (tag, name) not in pairs and ("*", name) not in pairs
    }
    assert undocumented == set(), f"document these in {CONTRACT.name}: {sorted(undocumented)}"


def test_every_class_documented_for_themes_is_written_by_the_templates() -> None:
    """No stale line in the contract: the series (every sheet, both variants, the collection)
    shows every element and class it names."""
    produced = _pairs(_every_html(Project(ROOT)))
    pairs, _ = _documented()
    names = {name for _, name in produced}
    stale = {
        (tag, name)
        for tag, name in pairs
        if (tag == "*" and name not in names) or (tag != "*" and (tag, name) not in produced)
    }
    assert stale == set()


def test_the_example_in_the_contract_uses_only_documented_classes() -> None:
    example = re.search(r"```html\n(.*?)```", _html_section(), re.S)
    assert example is not None
    pairs, _ = _documented()
    used = _pairs(example.group(1))
    assert len(used) >= 30
    assert {(t, n) for t, n in used if (t, n) not in pairs and ("*", n) not in pairs} == set()
    # and it is the templates' HTML: each element and class it shows is one they write
    assert used <= _pairs(_every_html(Project(ROOT)))


@pytest.mark.process
def test_make_golden_writes_the_golden_files(tmp_path: Path) -> None:
    """`make golden` (after an intended template change) writes what the test compares with;
    GOLDEN_DIR sends it elsewhere, here, so that the test changes nothing in the repository."""
    result = subprocess.run(
        ["make", "--no-print-directory", "golden", f"GOLDEN_DIR={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for variant in VARIANTS:
        written = tmp_path / golden_path(variant).name
        assert written.read_text("utf-8") == golden_path(variant).read_text("utf-8")
        assert f"wrote {written}" in result.stdout
