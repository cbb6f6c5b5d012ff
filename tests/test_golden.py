"""The templates' HTML is a contract with themes (styles/README.md): a change shows here."""

from __future__ import annotations

import difflib

import pytest

from fichepress.project import Project

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
