"""`fichepress check`, `new` and `schema`: what authors get before any PDF is made."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.project import Project

from .conftest import ROOT

REFERENCE = "03-strategie-globale"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_a_new_sheet_is_flagged_until_written(project: Project) -> None:
    code, out, _ = run("new", "Coopérer avec les élus", "--project", str(project.root))
    assert code == 0
    path = project.sheets / "04-cooperer-avec-les-elus.yaml"
    assert out.startswith("wrote sheets/04-cooperer-avec-les-elus.yaml")
    assert path.read_text("utf-8").startswith("# yaml-language-server: $schema=")
    code, _, err = run("check", "--project", str(project.root))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert lines, err
    assert all("sheets/04-cooperer-avec-les-elus.yaml:" in line for line in lines)
    assert all("still holds the template's placeholder" in line for line in lines)
    assert any(" kicker: still holds the template's placeholder" in line for line in lines)
    assert any("the year 0000" in line for line in lines)


def test_check_reports_names_that_differ_only_by_case(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    twin = project.sheets / "03-STRATEGIE-GLOBALE.yaml"
    twin.write_text(source.read_text("utf-8").replace("number: 3", "number: 8"), "utf-8")
    code, _, err = run("check", "--project", str(project.root))
    assert code == 1
    assert (
        "error: sheets/03-STRATEGIE-GLOBALE.yaml: its name differs from"
        " sheets/03-strategie-globale.yaml only by case" in err
    )


def test_check_warns_of_a_title_too_long_for_the_layout(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    long_title = "S'intégrer dans une stratégie plus globale, " * 3
    text = source.read_text("utf-8").replace(
        "title: S'intégrer dans une stratégie plus globale", f'title: "{long_title.strip()}"'
    )
    source.write_text(text, "utf-8")
    code, out, err = run("check", "--project", str(project.root))
    assert code == 0
    assert f"warning: sheets/{REFERENCE}.yaml:4:8: title: is 131 characters long; the" in err
    assert "layout holds 80: shorten it" in err
    assert out == "ok: 1 sheet and the series file are valid (0 errors, 1 warning)\n"
    code, _, _ = run("check", "--strict", "--project", str(project.root))
    assert code == 1


def test_check_in_json_for_editors(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    source.write_text(source.read_text("utf-8").replace("year: 2012", "year: 20l2"), "utf-8")
    code, out, _ = run("check", "--format", "json", "--project", str(project.root))
    assert code == 1
    data = json.loads(out)
    assert (data["command"], data["ok"], data["sheets"]) == ("check", False, 1)
    assert data["summary"] == "failed: 1 sheet and the series file checked (1 error, 0 warnings)"
    [problem] = data["findings"]
    assert problem["severity"] == "error"
    assert problem["file"] == f"sheets/{REFERENCE}.yaml"
    assert problem["key"] == "selection.groups[0].resources[0].year"
    assert problem["line"] > 0 and problem["column"] == 17


@pytest.mark.process
def test_check_of_the_series_passes_in_a_new_process() -> None:
    """How fast: `benchmarks/bench.py P6` (well under a second, Python's start included)."""
    result = subprocess.run(
        [sys.executable, "-m", "fichepress", "check", "--project", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "weasyprint" not in result.stderr


@pytest.mark.process
def test_check_does_not_import_the_renderer() -> None:
    code = (
        "import sys; from fichepress.cli import main; "
        "from click.testing import CliRunner; "
        f"r = CliRunner().invoke(main, ['check', '--project', {str(ROOT)!r}]); "
        "print(r.exit_code, 'weasyprint' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["0", "False"]


def test_schema_command_writes_and_checks(project: Project) -> None:
    code, out, _ = run("schema", "--check", "--project", str(project.root))
    assert (code, out) == (0, "the schema files and the modelines are up to date\n")
    schema = project.sheets / "schema" / "sheet.schema.json"
    schema.write_text("{}", "utf-8")
    code, _, err = run("schema", "--check", "--project", str(project.root))
    assert code == 1
    assert "stale: sheets/schema/sheet.schema.json; run `fichepress schema` to regenerate" in err
    code, out, _ = run("schema", "--project", str(project.root))
    assert code == 0 and "wrote sheets/schema/sheet.schema.json" in out
    assert run("schema", "--check", "--project", str(project.root))[0] == 0
    # a sheet that lost its modeline: editors no longer complete it
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").split("\n", 1)[1], "utf-8")
    code, _, err = run("schema", "--check", "--project", str(project.root))
    assert code == 1
    assert f"stale: sheets/{REFERENCE}.yaml (no modeline); run `fichepress schema`" in err
    code, out, _ = run("schema", "--project", str(project.root))
    assert out.splitlines()[-1] == f"added the schema modeline to sheets/{REFERENCE}.yaml"
    assert run("schema", "--check", "--project", str(project.root))[0] == 0


def test_new_refuses_a_taken_number(project: Project) -> None:
    code, _, err = run("new", "Autre", "--number", "3", "--project", str(project.root))
    assert code == 1
    assert "Traceback" not in err and err.startswith("Error: ")


def test_characters_the_fonts_lack_are_errors_not_empty_boxes(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    text = source.read_text("utf-8").replace(
        "title: S'intégrer dans une stratégie plus globale",
        'title: "S\'intégrer 😀 dans une stratégie שלום"',
    )
    source.write_text(text, "utf-8")
    code, _, err = run("check", "--project", str(project.root))
    assert code == 1
    assert (
        f"error: sheets/{REFERENCE}.yaml:4:8: title: the theme's fonts (Lato) have no glyph" in err
    )
    assert '"😀" (U+1F600 GRINNING FACE)' in err and "U+05E9 HEBREW LETTER SHIN" in err
    # The build refuses the sheet before rendering it: no PDF with empty boxes.
    code, _, err = run("build", "--no-collection", "-j", "1", "--project", str(project.root))
    assert code == 1 and "U+1F600 GRINNING FACE" in err
    assert not list((project.root / "build").glob("*/*.pdf"))


def test_the_typography_and_invisible_characters_need_no_complaint(project: Project) -> None:
    """The characters typography writes (’ « » … and the no-break spaces) are in the fonts; a
    soft hyphen or a zero-width joiner prints nothing and needs no glyph."""
    from fichepress.checks.authoring import coverage, glyph_problems
    from fichepress.html.themes import load_theme
    from fichepress.source.load import load_series, load_sheet

    theme = load_theme(project, load_series(project).theme)
    have = coverage(theme)
    assert {ord(c) for c in "’«»…\u202f\u00a0“”–—"} <= have
    source = project.sheets / f"{REFERENCE}.yaml"
    text = source.read_text("utf-8").replace(
        "title: S'intégrer dans une stratégie plus globale",
        'title: "S\'inté\u00adgrer dans une\u200d stratégie"',
    )
    source.write_text(text, "utf-8")
    loaded = load_sheet(source, project)
    assert glyph_problems(loaded, "x", theme) == []


def test_check_warns_of_a_kicker_too_long_for_the_layout(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    kicker = "Un élément clé pour des actions structurantes dans vos territoires."
    text = source.read_text("utf-8").replace(f"kicker: {kicker}", f"kicker: {kicker * 3}")
    source.write_text(text, "utf-8")
    code, _, err = run("check", "--project", str(project.root))
    assert code == 0
    assert f"warning: sheets/{REFERENCE}.yaml:5:9: kicker: is 201 characters long; the" in err
    assert "layout holds 130: shorten it" in err
    code, _, _ = run("check", "--strict", "--project", str(project.root))
    assert code == 1


def test_check_refuses_a_logo_without_alternative_text(project: Project) -> None:
    series = project.sheets / "series.yaml"
    text = series.read_text("utf-8").replace("  alt: Communagir\n", '  alt: ""\n', 1)
    series.write_text(text, "utf-8")
    code, _, err = run("check", "--project", str(project.root))
    assert code == 1
    assert "error: sheets/series.yaml:7:8: publisher.alt:" in err


def test_check_of_named_sheets_sees_the_rest_of_the_series(project: Project) -> None:
    """`check SHEET` tells that sheet's problems only, but knows the series: a number or a
    name another sheet already uses is a problem of the named sheet."""
    reference = project.sheets / f"{REFERENCE}.yaml"
    twin = project.sheets / "09-doublon.yaml"
    twin.write_text(reference.read_text("utf-8"), "utf-8")  # number 3 again
    broken = project.sheets / "10-cassee.yaml"
    broken.write_text(reference.read_text("utf-8").replace("number: 3", "number: 10\ntitel: x"))
    code, out, err = run("check", "--project", str(project.root), str(twin))
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    assert errors[0].startswith("error: sheets/09-doublon.yaml:")
    assert errors[0].endswith(f"number: number 3 is also used by sheets/{REFERENCE}.yaml"), errors[
        0
    ]
    assert "10-cassee" not in err  # another sheet's problem, not asked for
    code, out, err = run("check", "--project", str(project.root), str(broken))
    assert code == 1
    assert "sheets/10-cassee.yaml" in err and "titel" in err
    assert "09-doublon" not in err
    twin.unlink()
    broken.unlink()
    code, out, err = run("check", "--project", str(project.root), str(reference))
    assert code == 0, err
    assert "1 sheet" in out
