"""Builds are atomic and isolate bad sheets: a failure never loses a good PDF."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build

from .conftest import copy_project

REFERENCE = "03-strategie-globale"


@pytest.fixture
def two_sheets(tmp_path: Path) -> Project:
    """The reference sheet and one more."""
    project = copy_project(tmp_path / "project")
    keep = {f"{REFERENCE}.yaml", "series.yaml"}
    others = sorted(p for p in project.sheets.glob("*.yaml") if p.name not in keep)
    for extra in others[1:]:
        extra.unlink()
    return project


def snapshot(out: Path) -> dict[str, bytes]:
    """The outputs: every file but the build's lock and WeasyPrint's working copies of fonts."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != ".lock" and not p.parent.name.startswith(".fonts-")
    }


@pytest.mark.e2e
def test_a_bad_sheet_is_reported_and_the_others_are_built(
    two_sheets: Project, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build(load_edition(two_sheets), out).ok
    other = next(p for p in two_sheets.sheet_files() if p.stem != REFERENCE)
    before = snapshot(out)

    reference = two_sheets.sheets / f"{REFERENCE}.yaml"
    text = reference.read_text(encoding="utf-8")
    line = text[: text.index("year: 2012")].count("\n") + 1
    reference.write_text(text.replace("year: 2012", "year: 20l2"), "utf-8")
    other.write_text(other.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    report = build(load_edition(two_sheets), out)

    assert not report.ok
    assert report.failed == {f"sheets/{REFERENCE}.yaml"}
    assert [str(p) for p in report.problems] == [
        f"sheets/{REFERENCE}.yaml:{line}:17: selection.groups[0].resources[0].year: must be a year"
        ' like 2012 or a range like 2011-2015, got "20l2"'
    ]
    after = snapshot(out)
    for variant in ("print", "accessible"):
        # the bad sheet's previous PDFs are untouched, the other sheet was rebuilt
        assert after[f"{variant}/{REFERENCE}.pdf"] == before[f"{variant}/{REFERENCE}.pdf"]
        assert {o.sheet for o in report.outputs if o.variant == variant} == {other.stem}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {(e["sheet"], e["variant"]) for e in manifest["outputs"]} == {
        (s, v) for s in (REFERENCE, other.stem) for v in ("print", "accessible")
    }
    assert not list(out.rglob("*.tmp"))


def test_an_invalid_series_file_stops_everything_before_writing(
    project: Project, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    project.series_file.write_text(
        project.series_file.read_text(encoding="utf-8").replace("theme: fiches", "theme: absent"),
        encoding="utf-8",
    )
    with pytest.raises(InvalidSource) as invalid:
        build(load_edition(project), out)
    assert str(invalid.value.problems[0]).startswith(
        'sheets/series.yaml:11:8: theme: no theme "absent"'
    )
    assert not out.exists()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("css", "message"),
    [
        (
            '@import url("https://example.org/remote.css");',
            '"https://example.org/remote.css" is a web address: builds are offline',
        ),
        (
            "body { background: url(http://example.org/track.png); }",
            '"http://example.org/track.png" is a web address: builds are offline',
        ),
        (
            "body { background: url(../../../outside.png); }",
            '"../../../outside.png" points outside styles/ and fonts/',
        ),
        (
            '@font-face { font-family: X; src: url("file:///etc/passwd"); }',
            '"file:///etc/passwd" is a file: address',
        ),
    ],
)
def test_a_theme_reaching_out_is_refused_at_its_place_and_keeps_the_old_pdfs(
    project: Project, tmp_path: Path, css: str, message: str
) -> None:
    out = tmp_path / "out"
    assert build(load_edition(project), out).ok
    before = snapshot(out)
    theme = project.styles / "fiches" / "theme.css"
    theme.write_text(css + "\n" + theme.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "outside.png").write_bytes(b"not really a png")

    # The theme is refused where it asks, before any sheet is rendered (the renderer's
    # sandbox, tested in test_pdf.py, would refuse it too).
    with pytest.raises(InvalidSource) as refused:
        build(load_edition(project), out, variants=["print"])
    [problem] = refused.value.problems
    assert str(problem).startswith("styles/fiches/theme.css:1:")
    assert message in str(problem)
    assert snapshot(out) == before


@pytest.mark.e2e
def test_a_theme_that_crashes_weasyprint_fails_its_sheets_without_a_traceback(
    project: Project, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build(load_edition(project), out, variants=["print"]).ok
    before = snapshot(out)
    icc = resources.files("weasyprint") / "pdf" / "sRGB2014.icc"
    theme = project.styles / "fiches"
    (theme / "profile.icc").write_bytes(icc.read_bytes())
    css = "@color-profile device-cmyk { src: url(profile.icc); }\n"  # `components` missing
    (theme / "theme.css").write_text(css + (theme / "theme.css").read_text("utf-8"), "utf-8")

    report = build(load_edition(project), out, variants=["print"])

    assert [str(p) for p in report.problems] == [
        f"sheets/{REFERENCE}.yaml: print PDF not made: WeasyPrint failed (TypeError: object of"
        " type 'NoneType' has no len()); check the theme's CSS"
    ]
    assert snapshot(out) == before


BAD_SHEETS = {
    "syntax": ("kicker: Un élément", "kicker: [Un élément", 'a text that starts with "["'),
    "tab": ("\nbody:\n", "\n\tbody:\n", "a tab character is used here"),
    "python-tag": ("number: 3", "number: !!python/name:os.system", "YAML tags such as"),
    "duplicate": ("number: 3", "number: 3\nnumber: 4", 'the key "number" appears twice'),
    "unknown-key": ("kicker:", "kiker:", 'unknown key "kiker" (did you mean "kicker"?)'),
    "bad-link": ("**portée**", "[portée](file:///etc/passwd)", 'the link "file:///etc/passwd"'),
    "wrong-type": ("number: 3", "number: [3]", "must be a whole number, got a list"),
}


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("built")
    project = copy_project(root / "project", [f"{REFERENCE}.yaml"])
    assert build(load_edition(project), project.root / "build").ok
    return root, project.root


@pytest.mark.e2e
@pytest.mark.parametrize("case", sorted(BAD_SHEETS))
def test_bad_input_exits_1_names_the_place_and_keeps_the_previous_pdfs(
    built_once: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    _, original = built_once
    root = tmp_path / "project"
    shutil.copytree(original, root)
    before = snapshot(root / "build")
    sheet = root / "sheets" / f"{REFERENCE}.yaml"
    old, new, message = BAD_SHEETS[case]
    text = sheet.read_text(encoding="utf-8")
    assert old in text
    sheet.write_text(text.replace(old, new, 1), encoding="utf-8")

    result = CliRunner().invoke(main, ["build", "--project", str(root)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert re.search(
        rf"error: sheets/{REFERENCE}\.yaml:\d+:\d+: .*{re.escape(message)}", result.stderr
    )
    assert snapshot(root / "build") == before


def _break_the_bleed(project: Project) -> None:
    """A theme mistake a print shop would reject: the header band stops at the trim."""
    theme = project.styles / "fiches" / "theme.css"
    old = "margin: calc(-1 * (var(--page-margin-top) + var(--bleed)))"
    text = theme.read_text(encoding="utf-8")
    assert old in text
    theme.write_text(text.replace(old, "margin: calc(-1 * var(--page-margin-top))", 1), "utf-8")


@pytest.mark.e2e
def test_preflight_findings_are_warnings_and_strict_fails_the_sheet(
    project: Project, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build(load_edition(project), out, variants=["print"]).ok
    before = snapshot(out)
    _break_the_bleed(project)

    strict = build(load_edition(project), out, variants=["print"], strict=True)
    assert strict.failed == {f"sheets/{REFERENCE}.yaml"}
    assert [str(p) for p in strict.problems] == [
        f"sheets/{REFERENCE}.yaml: print PDF preflight: error BLEED page 1: a fill reaches the trim"
        " on the top but stops short of the bleed: extend it 3 mm beyond the page (page, at"
        " [-8.50 547.37 620.50 792.00])",
        f"sheets/{REFERENCE}.yaml: print PDF not written: --strict turns warnings into errors",
    ]
    assert snapshot(out) == before

    lenient = build(load_edition(project), out, variants=["print"])
    assert lenient.ok and len(lenient.warnings) == 1
    assert "error BLEED page 1" in str(lenient.warnings[0])
    assert snapshot(out) != before


@pytest.mark.e2e
def test_a_raster_logo_is_converted_to_cmyk_and_its_resolution_checked(
    project: Project, tmp_path: Path
) -> None:
    from PIL import Image

    logo = Image.new("RGBA", (120, 40), (214, 64, 28, 255))
    logo.putpixel((0, 0), (0, 0, 0, 0))
    logo.save(project.sheets / "logos" / "funder.png")
    series = project.series_file
    series.write_text(
        series.read_text(encoding="utf-8").replace(
            "logos/travail-emploi-solidarite-sociale.svg", "logos/funder.png"
        ),
        "utf-8",
    )
    report = build(load_edition(project), tmp_path / "out", variants=["print"])
    assert report.ok
    messages = [str(w) for w in report.warnings]
    lines = series.read_text("utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "logos/funder.png" in text)
    column = lines[line - 1].index("logos/funder.png") + 1
    # told at the line of the series file that names the logo
    assert messages[0] == (
        f"sheets/series.yaml:{line}:{column}: funders.organisations[0].logo: print PDF:"
        " transparency flattened on white paper: supply an opaque image or an SVG"
    )
    # 120 pixels over the logo's printed width (11 mm high, 33 mm wide): about 92 ppi
    assert re.search(r"error IMAGES page 2: image of 120×40 pixels printed at 9\d ppi", messages[1])
    with pikepdf.open(tmp_path / "out" / "print" / f"{REFERENCE}.pdf") as pdf:
        images = [
            xobject
            for xobject in pdf.pages[1].Resources.XObject.values()
            if xobject.get("/Subtype") == "/Image"
        ]
    assert [(str(i.ColorSpace), str(i.Filter)) for i in images] == [("/DeviceCMYK", "/DCTDecode")]
