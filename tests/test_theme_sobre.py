"""The theme sobre (styles/sobre): it extends fiches, passes every check with the whole series,
looks different (white paper, one teal), and overrides one template block, the credits.

The series is built once with sobre for this module; fiches' build is the session's.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import tinycss2
import yaml
from click.testing import CliRunner
from PIL import Image, ImageStat

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.cli import main
from fichepress.core.contrast import ratio
from fichepress.core.project import Project
from fichepress.core.variants import VARIANTS
from fichepress.html.render import render_sheet
from fichepress.html.themes import Theme, load_theme
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet
from fichepress.source.model import (
    FontFace,
    LayoutLimits,
    Margins,
    PageSettings,
    Swatch,
    ThemeConfig,
)

from .conftest import ROOT, Built

REFERENCE = "03-strategie-globale"
SOBRE = ROOT / "styles" / "sobre"


@pytest.fixture(scope="module")
def sobre(sobre_build: Built) -> Built:
    """The series built with sobre (see conftest), every sheet and the collection, strict."""
    return sobre_build


def themes(project: Project) -> tuple[Theme, Theme]:
    return load_theme(project, "sobre"), load_theme(project, "fiches")


# --- every check passes -------------------------------------------------------------------------


def test_the_series_and_the_collection_build_without_a_warning(sobre: Built) -> None:
    for report in (sobre.sheets, sobre.collection):
        assert report.ok, [str(p) for p in report.problems]
        assert report.warnings == [], [str(p) for p in report.warnings]
        assert not report.failed
    sheets = [p for p in sobre.project.sheet_files()]
    assert len(sobre.sheets.outputs) == 2 * len(sheets)
    assert {o.sheet for o in sobre.collection.outputs} == {"collection"}
    budget = load_series(sobre.project).page_budget
    for output in sobre.sheets.outputs:
        assert output.pages <= budget, output


def test_every_pdf_passes_the_preflight_and_the_accessibility_check(sobre: Built) -> None:
    printed = sorted((sobre.out / "print").glob("*.pdf"))
    accessible = sorted((sobre.out / "accessible").glob("*.pdf"))
    assert len(printed) == len(accessible) == len(sobre.project.sheet_files()) + 1
    for path in printed:
        assert check_print(path.read_bytes()) == [], path.name
    for path in accessible:
        assert check_accessible(path.read_bytes(), contrast=True) == [], path.name


def test_every_text_swatch_reaches_wcag_aa_on_the_paper(sobre: Built) -> None:
    swatches = load_theme(sobre.project, "sobre").config.swatches
    paper = swatches["paper"].rgb_tuple
    for name in ("ink", "muted", "accent", "deep"):
        assert ratio(swatches[name].rgb_tuple, paper) >= 4.5, name
    assert swatches["ink"].cmyk == (0, 0, 0, 100)


# --- the theme: what it inherits, what it overrides -------------------------------------------


def test_sobre_extends_fiches_and_changes_its_colours(sobre: Built) -> None:
    theme, fiches = themes(sobre.project)
    assert [t.name for t in theme.chain] == ["sobre", "fiches"]
    assert theme.config.fonts == fiches.config.fonts  # inherited
    assert theme.config.page == fiches.config.page
    assert theme.config.swatches != fiches.config.swatches
    for name in ("accent", "deep", "tint"):
        assert theme.config.swatches[name] != fiches.config.swatches[name], name
    # black ink and one teal: no magenta anywhere in the palette
    assert all(swatch.cmyk[1] == 0 for swatch in theme.config.swatches.values())
    # the parent's CSS first, then sobre's, for each kind of stylesheet
    sheets = [p.relative_to(sobre.project.styles).as_posix() for p in theme.stylesheets("print")]
    assert sheets.index("fiches/theme.css") < sheets.index("sobre/theme.css")
    collection = theme.stylesheets("print", collection=True)
    assert [p.relative_to(sobre.project.styles).as_posix() for p in collection][-2:] == [
        "fiches/collection.css",
        "sobre/collection.css",
    ]


def declarations(path: Path) -> list[tinycss2.ast.Declaration]:
    found = []

    def walk(content: list[tinycss2.ast.Node]) -> None:
        for item in tinycss2.parse_blocks_contents(content, skip_comments=True):
            if item.type == "declaration":
                found.append(item)
            elif item.type in ("qualified-rule", "at-rule") and item.content:
                walk(item.content)

    for rule in tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True):
        if rule.type in ("qualified-rule", "at-rule") and rule.content:
            walk(rule.content)
    return found


def test_sobre_css_adds_no_text_and_no_rgb_keyword() -> None:
    for path in SOBRE.glob("*.css"):
        for item in declarations(path):
            tokens = [t for t in item.value if t.type not in ("whitespace", "comment")]
            if item.lower_name == "content":
                assert all(t.type != "string" or t.value == "" for t in tokens), path.name
            assert not any(t.type == "ident" and t.lower_value == "transparent" for t in tokens), (
                path.name,
                item.name,
            )


# --- it looks different -------------------------------------------------------------------------


def render_page(pdf: Path, page: int, folder: Path, dpi: int = 24) -> Image.Image:
    prefix = folder / f"{pdf.parent.name}-{pdf.stem}-{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf), prefix],
        check=True,
    )
    [png] = folder.glob(f"{prefix.name}*.png")
    return Image.open(png).convert("RGB")


def strip_colour(image: Image.Image, dpi: int, top_mm: float, bottom_mm: float) -> tuple[int, ...]:
    """The mean colour of a strip across the middle half of the page, `top_mm` to `bottom_mm`
    below the trim's top edge (the rendering holds 10 mm of slug around the trim)."""
    px = dpi / 25.4
    left, right = round(image.width * 0.25), round(image.width * 0.75)
    top, bottom = round((10 + top_mm) * px), round((10 + bottom_mm) * px)
    mean = ImageStat.Stat(image.crop((left, top, right, bottom))).mean
    return tuple(round(value) for value in mean)


@pytest.mark.process
def test_the_top_of_the_first_page_is_white_paper_in_sobre_and_blue_in_fiches(
    sobre: Built, series_build: tuple[Project, Path, Report], tmp_path: Path
) -> None:
    _, fiches_out, fiches_report = series_build
    assert fiches_report.ok
    dpi = 24
    white = strip_colour(
        render_page(sobre.out / "print" / f"{REFERENCE}.pdf", 1, tmp_path), dpi, 2, 14
    )
    blue = strip_colour(
        render_page(fiches_out / "print" / f"{REFERENCE}.pdf", 1, tmp_path), dpi, 2, 14
    )
    assert min(white) >= 250, white  # above sobre's header: paper only
    assert sum(blue) < 300 and blue[2] > blue[0] + 20, blue  # fiches' deep blue band
    # sobre's teal rule at the top of the text block (18 mm margin): more green than red
    rule = strip_colour(
        render_page(sobre.out / "print" / f"{REFERENCE}.pdf", 1, tmp_path, dpi=72), 72, 18, 19
    )
    assert rule[1] > rule[0] + 40 and rule[2] > rule[0] + 40, rule


@pytest.mark.process
def test_the_collection_cover_is_white_in_sobre(sobre: Built, tmp_path: Path) -> None:
    cover = render_page(sobre.out / "print" / "collection.pdf", 1, tmp_path)
    assert min(strip_colour(cover, 24, 30, 60)) >= 250


# --- one template block overridden: the credits -----------------------------------------------


def html(project: Project, theme: Theme) -> str:
    series = load_series(project)
    sheet = load_sheet(project.sheets / f"{REFERENCE}.yaml", project).sheet
    logos = [series.publisher.logo, *(f.logo for f in series.funders.organisations)]  # type: ignore[union-attr]
    return render_sheet(
        sheet,
        series,
        variant="print",
        look=theme.look("print"),
        logos={logo: f"file:///{logo}" for logo in logos},
    )


def article_parts(page: str) -> tuple[str, str]:
    """The article up to its credits, and the credits."""
    article = page[page.index("<article") : page.index("</article>")]
    return article[: article.index("<footer")], article[article.index("<footer") :]


def test_sobre_overrides_the_credits_block_and_keeps_the_others(sobre: Built) -> None:
    theme, fiches = themes(sobre.project)
    own_body, own_credits = article_parts(html(sobre.project, theme))
    parent_body, parent_credits = article_parts(html(sobre.project, fiches))
    # header, body, selection and further reading: fiches' blocks, unchanged
    assert own_body == parent_body
    assert '<header class="sheet-header">' in own_body and 'class="selection"' in own_body
    # the credits: one line, the copyright joined to the licence by a middle dot
    assert 'class="credits credits-line"' in own_credits
    assert "credits-funders" not in own_credits and "credits-logos" not in own_credits
    assert "© 2019 Communagir · Tous droits réservés" in own_credits
    assert 'class="credits"' in parent_credits and "credits-funders" in parent_credits
    assert "© 2019 Communagir - Tous droits réservés" in parent_credits
    for footer in (own_credits, parent_credits):  # the same logos, described
        assert footer.count('class="logo logo-funder"') == 1
        assert footer.count('class="logo logo-publisher"') == 1


@pytest.mark.process
def test_the_printed_credits_are_sobre_s(sobre: Built) -> None:
    text = subprocess.run(
        ["pdftotext", str(sobre.out / "print" / f"{REFERENCE}.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"© 2019 Communagir · Tous droits réservés", text)
    assert "Communagir - Tous droits" not in text


def test_fichepress_themes_lists_sobre_extending_fiches(sobre: Built) -> None:
    result = CliRunner().invoke(main, ["themes", "--project", str(sobre.project.root)])
    assert result.exit_code == 0, result.output
    assert re.search(r"^sobre → fiches “Sobre” \(used by the series\)", result.output, re.M)
    assert re.search(r"^fiches “Fiches”: ", result.output, re.MULTILINE)


# --- styles/README.md, the contract for theme designers, matches the code -----------------------

DESIGNERS = ROOT / "styles" / "README.md"
TEMPLATES = ROOT / "src" / "fichepress" / "templates"


def template_classes() -> set[str]:
    """Every class the templates may write, static or chosen by a Jinja expression."""
    classes = set()
    for template in TEMPLATES.glob("*.j2"):
        for value in re.findall(r'class="([^"]*)"', template.read_text(encoding="utf-8")):
            literals = re.findall(r"'\s*([a-z][a-z0-9-]*)\s*'", value)
            classes |= {*re.sub(r"\{\{.*?\}\}", " ", value).split(), *literals}
    # body.fp-{{ variant }}
    return {f"{c}{v}" for c in classes if c.endswith("-") for v in VARIANTS} | {
        c for c in classes if not c.endswith("-")
    }


def test_the_designers_readme_names_every_class_of_the_templates() -> None:
    readme = DESIGNERS.read_text(encoding="utf-8")
    classes = template_classes()
    assert {"sheet", "resource-untyped", "fp-print", "fp-accessible", "colophon-edition"} <= classes
    missing = sorted(c for c in classes if not re.search(rf"\.{re.escape(c)}\b", readme))
    assert missing == []


def test_the_designers_readme_describes_every_theme_key_as_the_model_does() -> None:
    readme = DESIGNERS.read_text(encoding="utf-8")
    models = (ThemeConfig, PageSettings, Margins, Swatch, FontFace, LayoutLimits)
    for model in models:
        for name, field in model.model_fields.items():
            assert f"`{name}`" in readme or f".{name}`" in readme, (model.__name__, name)
            assert field.description and field.description in readme, (model.__name__, name)
    example = readme.split("An example with every key", 1)[1].split("```yaml\n", 1)[1]
    config = ThemeConfig.model_validate(yaml.safe_load(example.split("```", 1)[0]))
    assert set(config.model_fields_set) == set(ThemeConfig.model_fields)
