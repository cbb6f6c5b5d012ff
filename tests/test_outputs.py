"""The PDFs of the real series, opened and read: content, fonts, boxes, metadata."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.checks.ua_source import reading_text
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.pdf.scan import scan_page
from fichepress.series.builder import build
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet

from .conftest import ROOT, copy_project
from .helpers import missing_in_order, pdf_text, pdffonts, pdfua_findings, sheet_texts

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


@pytest.mark.process
def test_only_the_bundled_fonts_are_used_all_embedded_and_subset(
    each_theme: tuple[Project, Path, Report],
) -> None:
    _, out, _ = each_theme
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
    each_theme: tuple[Project, Path, Report],
) -> None:
    _, out, _ = each_theme
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
        title = "3. S’intégrer dans une stratégie plus globale"
        assert metadata.get("dc:title") == title
        assert metadata.get("pdfuaid:part") == "1"
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            assert titles[0] == title
            nested = [child.title for item in outline.root for child in item.children]
        assert "Notre sélection" in [*titles, *nested]
        for page in pdf.pages:
            assert _box(page, "/MediaBox") == [0, 0, 612, 792]


@pytest.mark.e2e
def test_a4_series_gives_a4_pages(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "a4", ["03-strategie-globale.yaml"])
    series = project.series_file
    series.write_text(
        series.read_text(encoding="utf-8").replace("page_size: letter", "page_size: a4"),
        encoding="utf-8",
    )
    report = build(load_edition(project), tmp_path / "out")
    assert report.ok, report.problems
    with pikepdf.open(tmp_path / "out" / "print" / f"{REFERENCE}.pdf") as pdf:
        assert _box(pdf.pages[0], "/TrimBox") == [0, 0, 595.28, 841.89]
    with pikepdf.open(tmp_path / "out" / "accessible" / f"{REFERENCE}.pdf") as pdf:
        assert _box(pdf.pages[0], "/MediaBox") == [0, 0, 595.28, 841.89]


# --- the print variant, ready for the press ---------------------------------------------------


def test_every_print_pdf_passes_preflight_without_a_finding(
    each_theme: tuple[Project, Path, Report],
) -> None:
    _, out, _ = each_theme
    for pdf in sorted((out / "print").glob("*.pdf")):
        assert check_print(pdf.read_bytes()) == [], pdf.name


def test_print_pdfs_hold_no_rgb_or_grey_anywhere(
    each_theme: tuple[Project, Path, Report],
) -> None:
    """Independent of preflight: scan every decoded stream and object of the file."""
    _, out, _ = each_theme
    operators = re.compile(rb"(?:^|\s)(?:[-\d.]+\s+){1,3}(rg|RG|g|G)(?=\s|$)")
    for path in sorted((out / "print").glob("*.pdf")):
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    text = repr(obj) if not isinstance(obj, pikepdf.Stream) else ""
                    assert "/DeviceRGB" not in text and "/DeviceGray" not in text, path.name
                if (
                    isinstance(obj, pikepdf.Stream)
                    and obj.get("/Subtype")
                    not in (
                        "/Image",
                        "/XML",
                        "/TrueType",
                        "/CIDFontType0C",
                        "/OpenType",
                    )
                    and "/N" not in obj
                    and "/Length1" not in obj
                ):
                    data = obj.read_bytes()
                    assert not operators.search(data), (path.name, operators.search(data))


def test_svg_logos_are_printed_in_cmyk(series_build: tuple[Project, Path, Report]) -> None:
    _, out, _ = series_build
    with pikepdf.open(out / "print" / f"{REFERENCE}.pdf") as pdf:
        scan = scan_page(pdf.pages[1])
    colours = {use.values for use in scan.colours if use.space.family == "cmyk"}
    # the publisher's orange (#e3411b) converted through the FOGRA39 profile; its blue is the
    # theme's "deep" swatch (#1d3557), so it prints with the swatch's own CMYK
    assert (0.0, 0.816, 0.867, 0.067) in colours
    assert (1.0, 0.7, 0.2, 0.4) in colours


@pytest.mark.process
def test_the_press_sheet_shows_bleed_and_marks(
    series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    """Render page 1 at 72 dpi (1 px = 1 pt) and look at the bleed and the marks."""
    _, out, _ = series_build
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "72",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            str(out / "print" / f"{REFERENCE}.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    slug = 10 * MM
    assert image.size == (round(612 + 2 * slug), round(792 + 2 * slug))

    def pixel(x_pt: float, y_pt: float) -> tuple[int, int, int]:
        value = image.getpixel((round(x_pt + slug), round(792 + slug - y_pt)))
        assert isinstance(value, tuple)
        return value[0], value[1], value[2]

    band = pixel(300, 780)  # inside the header band
    assert band[2] > band[0] + 20 and sum(band) < 300, band  # a dark blue
    assert pixel(-1.5 * MM, 792 + 1.5 * MM) == band  # the band runs into the bleed corner
    assert pixel(300, 792 + 1.5 * MM) == band
    assert pixel(-6 * MM, 792 + 6 * MM) == (255, 255, 255)  # the slug corner is paper
    assert sum(pixel(-6 * MM, 792)) < 200  # a crop mark on the line of the top edge
    assert sum(pixel(612, -6 * MM)) < 200  # another one below the bottom-right corner
    assert pixel(-6 * MM, 400) == (255, 255, 255)  # nothing else in the slug


@pytest.mark.e2e
@pytest.mark.process
def test_two_builds_in_two_processes_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for run in ("first", "second"):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "fichepress",
                "build",
                "-q",
                "--project",
                str(ROOT),
                "--out",
                str(tmp_path / run),
                str(ROOT / "sheets" / f"{REFERENCE}.yaml"),
            ],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(
            {
                str(p.relative_to(tmp_path / run)): p.read_bytes()
                for p in (tmp_path / run).rglob("*.pdf")
            }
        )
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 2


# --- the accessible variant --------------------------------------------------------------------


def test_every_accessible_pdf_passes_the_accessibility_check(
    each_theme: tuple[Project, Path, Report],
) -> None:
    _, out, _ = each_theme
    for pdf in sorted((out / "accessible").glob("*.pdf")):
        assert check_accessible(pdf.read_bytes(), contrast=True) == [], pdf.name


def test_an_independent_checker_finds_nothing(
    each_theme: tuple[Project, Path, Report], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `pdfua` package (16 of the 106 machine-checkable PDF/UA-1 rules), every rule run."""
    _, out, _ = each_theme
    for pdf in sorted((out / "accessible").glob("*.pdf")):
        assert pdfua_findings(pdf, monkeypatch) == [], pdf.name


def test_headings_and_bookmarks(series_build: tuple[Project, Path, Report]) -> None:
    _, out, _ = series_build
    with pikepdf.open(out / "accessible" / f"{REFERENCE}.pdf") as pdf:
        with pdf.open_outline() as outline:
            top = [(item.title, [c.title for c in item.children]) for item in outline.root]
        assert top == [
            (
                "3. S’intégrer dans une stratégie plus globale",
                ["Notre sélection", "Une suggestion pour aller plus loin"],
            )
        ]
        for page in pdf.pages:
            assert page.obj.Tabs == "/S"


# --- the reference sheet, word for word --------------------------------------------------------

PUBLISHED = ROOT / "tests" / "data" / "fiche-03-source.md"
"""The text of the published sheet no. 3, as extracted from its PDF: what sheets/03 transcribes."""


def _words(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u00ad", "")
    return Counter(word.lower() for word in re.findall(r"[\w']+", text))


def test_the_reference_sheet_is_transcribed_word_for_word(
    series_build: tuple[Project, Path, Report],
) -> None:
    """Every word of the published sheet is in ours (the funders' names as their logos'
    alternative text), and ours adds only the series' running title and page numbers."""
    project, out, _ = series_build
    path = out / "accessible" / f"{REFERENCE}.pdf"
    with pikepdf.open(path) as pdf:
        alternatives = " ".join(text for role, text in reading_text(pdf) if role == "Figure")
    ours = _words(pdf_text(path)) + _words(alternatives)
    published = _words(PUBLISHED.read_text(encoding="utf-8"))
    assert published - ours == Counter()
    added = set(ours - published)
    assert added <= set(_words(load_series(project).title)) | {"1", "2"}, added


@pytest.mark.process
def test_credits_and_copyright_close_the_last_page(
    series_build: tuple[Project, Path, Report],
) -> None:
    """At the foot of the last page, below all the sheet's content: the funders' credit, then
    the copyright; only the running footer comes after them."""
    project, out, _ = series_build
    series = load_series(project)
    assert series.funders is not None
    path = out / "accessible" / f"{REFERENCE}.pdf"
    pages = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("<page ")[1:]
    last = pages[-1]
    height = float(re.search(r'height="([\d.]+)"', last).group(1))  # type: ignore[union-attr]
    words = [
        (float(y), word.replace("\u2019", "'"))
        for y, word in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]*)<', last)
    ]
    intro_y = min(y for y, word in words if word == series.funders.intro.split()[0])
    assert intro_y > 0.8 * height
    below = Counter(word for y, word in words if y >= intro_y)
    expected = (
        Counter(series.funders.intro.split())
        + Counter(f"{series.copyright} - {series.licence}".split())
        + Counter(series.title.replace("\u2019", "'").split())
    )
    # the running footer also prints the page number, "2 / 2"
    assert below - expected == Counter({"2": 2, "/": 1}), below - expected
    copyright_y = min(y for y, word in words if word == series.copyright.split()[0])
    footer_y = min(y for y, word in words if word == series.title.split()[0] and y > intro_y)
    assert intro_y < copyright_y < footer_y


def test_the_other_sheets_reuse_the_references_or_say_they_are_examples() -> None:
    """No bibliographic reference is invented in the name of a real person or organisation:
    a resource of another sheet either reuses one of the reference sheet's, or says it is an
    example (in its title, and its authors are fictitious)."""
    project = Project(ROOT)
    sheets = {p.stem: load_sheet(p, project).sheet for p in project.sheet_files()}
    reference = sheets.pop(REFERENCE)
    assert reference.selection is not None and reference.further_reading is not None
    published = {r.title for g in reference.selection.groups for r in g.resources}
    published_text = PUBLISHED.read_text(encoding="utf-8")
    assert len(sheets) >= 2
    for slug, sheet in sheets.items():
        resources = (
            [r for g in sheet.selection.groups for r in g.resources] if sheet.selection else []
        )
        for resource in resources:
            if resource.title in published:
                continue
            assert resource.title.startswith("Exemple"), (slug, resource.title)
            assert re.search(r"fictif|exemple", resource.authors, re.IGNORECASE), (slug, resource)
        for cited in sheet.further_reading.references if sheet.further_reading else ():
            text = re.sub(r"\[(.*?)\]\{lang=[^}]*\}", r"\1", cited.citation)  # as printed
            assert text in published_text or re.search(r"[Ee]xemple|fictif", text), (slug, text)
