"""Variants as data: a variant is one entry of `VARIANTS` (what it is) and one of `PIPELINES`
(what its PDF goes through after WeasyPrint); no other code names one."""

from __future__ import annotations

from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.core.variants import VARIANT_NAMES, VARIANTS, Variant
from fichepress.html.edition import load_edition
from fichepress.html.render import logo_urls, render_sheet
from fichepress.html.themes import load_theme
from fichepress.series.builder import build
from fichepress.series.pipeline import PIPELINES
from fichepress.source.load import load_series, load_sheet

from .conftest import ROOT

REFERENCE = "03-strategie-globale"
LINKED = "01-partir-du-territoire"
"""A sheet with addresses: printed with QR codes, links on screens."""

WEB = Variant(
    name="web",
    pdf_variant="pdf/ua-1",
    bleed=False,
    cmyk=False,
    tagged=True,
    contrast=True,
    printed_links=False,
    blank_left_pages=False,
    folder="web",
    css_name="web",
)
"""An edition fichepress does not have: read on screens, without the accessible variant's
folder, stylesheet or name."""


def test_every_variant_has_its_pipeline_its_folder_and_its_css_name() -> None:
    assert list(PIPELINES) == list(VARIANTS) == list(VARIANT_NAMES)
    for name, variant in VARIANTS.items():
        assert variant.name == name
        assert variant.folder and "/" not in variant.folder
        assert variant.css_name
    assert len({v.folder for v in VARIANTS.values()}) == len(VARIANTS)
    assert len({v.css_name for v in VARIANTS.values()}) == len(VARIANTS)
    assert len({v.pdf_variant for v in VARIANTS.values()}) == len(VARIANTS)


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Variant:
    """The edition `WEB` added to the registry: one entry, and the pipeline it goes through."""
    monkeypatch.setitem(VARIANTS, WEB.name, WEB)
    monkeypatch.setitem(PIPELINES, WEB.name, PIPELINES["accessible"])
    return WEB


def test_a_new_edition_renders_its_html_with_no_other_change(web: Variant) -> None:
    project = Project(ROOT)
    sheet = load_sheet(project.sheets / f"{LINKED}.yaml", project).sheet
    series = load_series(project)
    theme = load_theme(project, series.theme)
    logos = logo_urls(series, project.sheets)

    def html(variant: str) -> str:
        return render_sheet(sheet, series, variant=variant, look=theme.look(variant), logos=logos)

    printed, made = html("print"), html(web.name)
    assert '<body class="fp-web">' in made
    assert "-qr" in printed and "-qr" not in made  # links, not addresses to type
    assert " bleed: " in printed and " bleed: " not in made  # the page rule
    assert "device-cmyk" in printed and "device-cmyk" not in made  # swatches in RGB
    sheets = [path.name for path in theme.stylesheets(web.name)]
    assert sheets == ["theme.css"]  # no web.css in the theme: none asked for


@pytest.mark.e2e
def test_a_new_edition_is_built_into_its_folder_and_kept(
    project: Project, web: Variant, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = build(load_edition(project), out, variants=[web.name], jobs=1)
    assert report.problems == [] and report.failed == set()
    assert [output.path for output in report.outputs] == [f"web/{REFERENCE}.pdf"]
    assert (out / "web" / f"{REFERENCE}.pdf").is_file()
    again = build(load_edition(project), out, variants=[web.name], jobs=1)
    assert again.outputs == [] and again.up_to_date == 1
