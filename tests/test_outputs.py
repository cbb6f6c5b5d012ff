"""The PDFs of the real series, opened and read: content, fonts, boxes, metadata."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pikepdf
import pytest

from fichepress.build import Report, build
from fichepress.load import load_series, load_sheet
from fichepress.project import Project

from .conftest import copy_project
from .helpers import missing_in_order, pdf_text, pdffonts, sheet_texts

REFERENCE = "03-strategie-globale"
MM = 72 / 25.4


def test_every_sheet_is_built_in_both_variants(series_build: tuple[Project, Path, Report]) -> None:
    project, out, report = series_build
    assert report.ok, report.problems
    slugs = {path.stem for path in project.sheet_files()}
    assert len(slugs) >= 3, "the series holds the reference sheet and at least two more"
    for variant in ("print", "accessible"):
        assert {path.stem for path in (out / variant).glob("*.pdf")} == slugs


def test_manifest_lists_every_output_with_its_pages_and_hash(
    series_build: tuple[Project, Path, Report],
) -> None:
    project, out, _ = series_build
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["outputs"]
    assert len(entries) == 2 * len(project.sheet_files())
    for entry in entries:
        pdf = out / entry["path"]
        assert entry["variant"] in ("print", "accessible")
        assert pdf.parent.name == entry["variant"] and pdf.stem == entry["sheet"]
        assert entry["source"] == f"sheets/{entry['sheet']}.yaml"
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == entry["sha256"]
        assert len(pikepdf.open(pdf).pages) == entry["pages"]


@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_every_text_of_the_yaml_is_in_the_pdf_in_order(
    series_build: tuple[Project, Path, Report], variant: str
) -> None:
    project, out, _ = series_build
    series = load_series(project)
    for path in project.sheet_files():
        sheet = load_sheet(path, project).sheet
        texts = list(sheet_texts(sheet, series))
        extracted = pdf_text(out / variant / f"{path.stem}.pdf")
        assert missing_in_order(texts, extracted) == [], path.name


def test_the_reference_sheet_fits_its_two_page_budget(
    series_build: tuple[Project, Path, Report],
) -> None:
    project, out, _ = series_build
    assert load_sheet(project.sheets / f"{REFERENCE}.yaml", project).sheet.page_budget in (None, 2)
    for variant in ("print", "accessible"):
        assert len(pikepdf.open(out / variant / f"{REFERENCE}.pdf").pages) == 2


def test_every_sheet_fits_its_budget_without_any_warning(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, _, report = series_build
    assert report.warnings == []


def test_only_the_bundled_fonts_are_used_all_embedded_and_subset(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    for pdf in sorted(out.glob("*/*.pdf")):
        fonts = pdffonts(pdf)
        assert fonts, pdf
        for font in fonts:
            family = font["name"].split("+", 1)[-1]
            assert family == "Lato" or family.startswith("Lato-"), (pdf.name, font)
            assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font


def _box(page: pikepdf.Page, name: str) -> list[float]:
    return [round(float(value), 2) for value in page.obj[name]]


def test_print_variant_is_pdf_x4_with_3mm_bleed_on_letter(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    with pikepdf.open(out / "print" / f"{REFERENCE}.pdf") as pdf:
        bleed = round(3 * MM, 2)
        for page in pdf.pages:
            assert _box(page, "/TrimBox") == [0, 0, 612, 792]
            assert _box(page, "/BleedBox") == [-bleed, -bleed, 612 + bleed, 792 + bleed]
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"


def test_accessible_variant_has_title_language_tags_and_bookmarks(
    series_build: tuple[Project, Path, Report],
) -> None:
    _, out, _ = series_build
    with pikepdf.open(out / "accessible" / f"{REFERENCE}.pdf") as pdf:
        assert str(pdf.Root.Lang) == "fr-CA"
        marked: object = pdf.Root.MarkInfo.Marked
        assert marked is True
        assert "/StructTreeRoot" in pdf.Root
        display_title: object = pdf.Root.ViewerPreferences.DisplayDocTitle
        assert display_title is True
        metadata = pdf.open_metadata()
        title = "3. S'intégrer dans une stratégie plus globale"
        assert metadata.get("dc:title") == title
        assert metadata.get("pdfuaid:part") == "1"
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            assert titles[0] == title
            nested = [child.title for item in outline.root for child in item.children]
        assert "Notre sélection" in [*titles, *nested]
        for page in pdf.pages:
            assert _box(page, "/MediaBox") == [0, 0, 612, 792]


def test_a4_series_gives_a4_pages(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "a4", ["03-strategie-globale.yaml"])
    series = project.series_file
    series.write_text(
        series.read_text(encoding="utf-8").replace("page_size: letter", "page_size: a4"),
        encoding="utf-8",
    )
    report = build(project, tmp_path / "out")
    assert report.ok, report.problems
    with pikepdf.open(tmp_path / "out" / "print" / f"{REFERENCE}.pdf") as pdf:
        assert _box(pdf.pages[0], "/TrimBox") == [0, 0, 595.28, 841.89]
    with pikepdf.open(tmp_path / "out" / "accessible" / f"{REFERENCE}.pdf") as pdf:
        assert _box(pdf.pages[0], "/MediaBox") == [0, 0, 595.28, 841.89]
