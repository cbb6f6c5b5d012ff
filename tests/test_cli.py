"""The command line: exit codes, messages without tracebacks, `python -m fichepress`."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from fichepress import __version__
from fichepress.cli import main
from fichepress.cli.output import progress_bar
from fichepress.core.project import Project

REFERENCE = "03-strategie-globale"
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.e2e
def test_build_writes_both_variants_and_a_summary(project: Project) -> None:
    code, out, err = run("build", "--project", str(project.root))
    assert code == 0, err
    assert f"wrote build/print/{REFERENCE}.pdf (2 pages)" in out
    assert f"wrote build/accessible/{REFERENCE}.pdf (2 pages)" in out
    assert "wrote build/print/collection.pdf (" in out
    assert "wrote build/accessible/collection.pdf (" in out
    assert out.splitlines()[-1] == "ok: 1 sheet, 4 PDFs written to build/ (0 errors, 0 warnings)"
    assert (project.root / "build" / "manifest.json").is_file()


@pytest.mark.e2e
def test_invalid_sources_exit_1_with_every_problem_and_no_traceback(project: Project) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("kicker:", "kiker:").replace("year: 2016", "year: deux"), "utf-8")
    code, out, err = run("build", "--project", str(project.root))
    assert code == 1
    assert "Traceback" not in out + err
    assert f'error: sheets/{REFERENCE}.yaml:5:1: kiker: unknown key "kiker" (did you mean' in err
    assert 'year: must be a year like 2012 or a range like 2011-2015, got "deux"' in err
    assert out.splitlines()[-1] == (
        "failed: 1 sheet, 0 PDFs written to build/, 1 failed (3 errors, 0 warnings)"
    )
    assert not (project.root / "build" / "print").exists()

    code, out, err = run("check", "--project", str(project.root))
    assert code == 1
    assert err.splitlines() == [
        f'error: sheets/{REFERENCE}.yaml:5:1: kiker: unknown key "kiker" (did you mean "kicker"?)',
        *[line for line in err.splitlines() if 'got "deux"' in line],
    ]
    assert len(err.splitlines()) == 3  # both resources of 2016; the misspelt key told once
    assert out == "failed: 1 sheet and the series file checked (3 errors, 0 warnings)\n"


def test_check_says_valid(project: Project) -> None:
    code, out, _ = run("check", "--project", str(project.root))
    assert (code, out) == (0, "ok: 1 sheet and the series file are valid (0 errors, 0 warnings)\n")


def test_usage_errors_exit_2(project: Project) -> None:
    assert run("build", "--variant", "web", "--project", str(project.root))[0] == 2
    assert run("build", "--no-such-option")[0] == 2
    assert run("no-such-command")[0] == 2
    code, _, err = run("build", "--project", str(project.root), "absent.yaml")
    assert code == 2 and "'absent.yaml' does not exist" in err


def test_outside_a_project_the_message_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert "Error: no fichepress project here: no sheets/series.yaml in" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.process
def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fichepress", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"fichepress, version {__version__}"


def test_help_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "build" in out and "check" in out


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _drawn(stream: io.StringIO) -> list[str]:
    """The lines click's bar drew in turn over each other, without the cursor's codes."""
    return [click.unstyle(line) for line in stream.getvalue().split("\r")[1:]]


def test_the_progress_bar_is_silent_when_not_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar(quiet=False) as progress:
        progress(1, 4, "sheets/01.yaml")
    assert stream.getvalue() == ""


def test_the_progress_bar_shows_sheets_done_and_the_current_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar(quiet=False) as progress:
        assert stream.getvalue() == ""  # nothing is drawn before the first news
        progress(0, 4, "sheets/01.yaml")
        progress(2, 4, "sheets/03.yaml")
        progress(4, 4, "sheets/04.yaml")
        progress(0, 2, "collection: cover (print)")  # the next stage starts from empty
    assert _drawn(stream) == [
        "[------------------------] 0/4 sheets/01.yaml",
        "[############------------] 2/4 sheets/03.yaml",
        "[########################] 4/4 sheets/04.yaml",
        "[------------------------] 0/2 collection: cover (print)\n",  # left, the line ended
    ]
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with progress_bar(quiet=True) as progress:
        progress(2, 4, "sheets/03.yaml")
    assert quiet.getvalue() == ""
    idle = _Terminal()
    monkeypatch.setattr(sys, "stderr", idle)
    with progress_bar(quiet=False):
        pass  # nothing to build: no bar at all
    assert idle.getvalue() == ""


def test_the_progress_bar_cuts_the_current_name_to_fit_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_bar(quiet=False) as progress:
        progress(1, 12, "sheets/03-strategie-globale.yaml")
    [line] = _drawn(stream)
    assert line == "[##----------------------] 1/12 sheets/\n"
    assert len(line.rstrip("\n")) == 40 - 1


def test_no_color_is_respected(project: Project) -> None:
    """Errors are red on a terminal, and plain when NO_COLOR is set (https://no-color.org)."""
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("number: 3", "number: trois"), "utf-8")
    args = ["check", "--project", str(project.root)]
    coloured = CliRunner().invoke(main, args, color=True)
    assert "\x1b[31merror: " in coloured.stderr
    plain = CliRunner().invoke(main, args, color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 1 and "error: " in plain.stderr
    assert "\x1b[" not in plain.stderr


@pytest.mark.process
def test_shell_completion_is_offered_for_bash_zsh_and_fish() -> None:
    for shell in ("bash", "zsh", "fish"):
        done = subprocess.run(
            [sys.executable, "-m", "fichepress"],
            env={**os.environ, "_FICHEPRESS_COMPLETE": f"{shell}_source"},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and "_FICHEPRESS_COMPLETE" in done.stdout, shell


@pytest.mark.e2e
def test_build_reports_in_json_for_machines(project: Project) -> None:
    args = ["build", "-j", "1", "--format", "json", "--project", str(project.root)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["command"] == "build" and report["ok"] and report["sheets"] == 1
    assert {(o["variant"], o["path"], o["status"]) for o in report["outputs"]} == {
        ("print", f"print/{REFERENCE}.pdf", "written"),
        ("accessible", f"accessible/{REFERENCE}.pdf", "written"),
        ("print", "print/collection.pdf", "written"),
        ("accessible", "accessible/collection.pdf", "written"),
    }
    assert report["findings"] == [] and report["counts"] == {
        "errors": 0,
        "warnings": 0,
        "advice": 0,
    }
    again = json.loads(CliRunner().invoke(main, args).stdout)
    assert {o["status"] for o in again["outputs"]} == {"kept"} and len(again["outputs"]) == 4
    assert {o["pages"] for o in again["outputs"]} != {0}
    assert again["summary"] == (
        "ok: 1 sheet, everything is up to date, 4 PDFs in build/ (0 errors, 0 warnings)"
    )
    collection_args = ["collection", "--format", "json", "--project", str(project.root)]
    collection = json.loads(CliRunner().invoke(main, collection_args).stdout)
    assert collection["command"] == "collection"
    assert collection["summary"] == (
        "ok: collection of 1 sheet, everything is up to date, 2 PDFs in build/"
        " (0 errors, 0 warnings)"
    )
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("number: 3", "number: trois"), "utf-8")
    failed = CliRunner().invoke(main, args)
    assert failed.exit_code == 1
    broken = json.loads(failed.stdout)
    assert not broken["ok"] and broken["counts"] == {"errors": 1, "warnings": 0, "advice": 0}
    assert [o for o in broken["outputs"] if o["status"] == "failed"] == [
        {"variant": "", "sheet": REFERENCE, "path": "", "pages": 0, "status": "failed"}
    ]
    [problem] = broken["findings"]
    assert (problem["line"], problem["column"], problem["key"]) == (3, 9, "number")
    assert (problem["severity"], problem["count"]) == ("error", 1)


@pytest.mark.e2e
def test_shards_split_the_sheets_in_stable_disjoint_shares(tmp_path: Path) -> None:
    from fichepress.cli.options import shard_of

    from .conftest import copy_project

    project = copy_project(tmp_path / "project")
    files = project.sheet_files()
    shares = [shard_of(files, index, 3) for index in (1, 2, 3)]
    assert sorted(p for share in shares for p in share) == sorted(files)  # each sheet once
    # A sheet keeps its share when others come or go.
    assert shard_of(files[1:], 1, 3) == [p for p in shares[0] if p != files[0]]
    outputs: set[str] = set()
    for index in (1, 2):
        out = tmp_path / f"shard-{index}"
        args = ["build", "-j", "1", "--shard", f"{index}/2", "--out", str(out)]
        result = CliRunner().invoke(main, [*args, "--project", str(project.root)])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"shard {index}/2: ")
        built = {p.name for p in out.glob("print/*.pdf")}
        assert "collection.pdf" not in built and not (outputs & built)
        outputs |= built
    assert outputs == {f"{p.stem}.pdf" for p in files}
    wrong = CliRunner().invoke(main, ["build", "--shard", "3/2", "--project", str(project.root)])
    assert wrong.exit_code == 2 and "is not a share I/N" in wrong.stderr


@pytest.mark.e2e
def test_verbose_lists_the_pdfs_kept_as_well(project: Project) -> None:
    args = ["build", "-j", "1", "--project", str(project.root)]
    assert CliRunner().invoke(main, args).exit_code == 0
    quiet = CliRunner().invoke(main, args)
    assert "kept" not in quiet.stdout
    verbose = CliRunner().invoke(main, [*args, "--verbose"])
    kept = [line for line in verbose.stdout.splitlines() if line.startswith("  kept ")]
    assert len(kept) == 4 and f"  kept build/print/{REFERENCE}.pdf (up to date)" in kept
    # Past the no-op shortcut: the only sheet changed, so all four PDFs are written again.
    sheet = project.sheets / f"{REFERENCE}.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("concertation", "concertation vive", 1))
    again = CliRunner().invoke(main, [*args, "-v"])
    assert again.exit_code == 0
    assert again.stdout.count("  wrote build/") == 4 and "  kept " not in again.stdout


# --- the same flags and the same last line on every command that reports problems ----------

ENDING = re.compile(r"^(ok|failed): .+ \((\d+) errors?, (\d+) warnings?(, \d+ advice)?\)$")
"""The form of every command's last line."""


def _warned_report(project: Project) -> Any:
    """A build's report holding one warning and one PDF written."""
    from fichepress.core.findings import Finding
    from fichepress.series.report import Output, Report

    warning = Finding(f"sheets/{REFERENCE}.yaml", 4, 8, "title", "is long", severity="warning")
    shown, path = f"sheets/{REFERENCE}.yaml", f"accessible/{REFERENCE}.pdf"
    output = Output("accessible", REFERENCE, shown, path, 2, "0" * 64)
    return Report(warnings=[warning], outputs=[output], sheets=1)


def _fake_build(monkeypatch: pytest.MonkeyPatch, project: Project) -> None:
    """`build` and `collection` without rendering: the run returns a report with a warning."""
    from fichepress.cli import build as commands
    from fichepress.series.run import RunReport

    monkeypatch.setattr(commands, "run", lambda *a, **k: RunReport(_warned_report(project)))


def _fake_watch(monkeypatch: pytest.MonkeyPatch, project: Project) -> None:
    """`watch` for one round, without rendering: a warning, then the round's last line."""
    import fichepress.serve.watch as watching

    def one_round(*_args: Any, say: Any, ending: Any, **_kwargs: Any) -> None:
        report = _warned_report(project)
        say("info", "watching sheets/")
        say("warning", str(report.warnings[0]))
        say("done", ending(True, "1 PDF written in 0.1 s", report))

    monkeypatch.setattr(watching, "watch", one_round)


def _warned_pdf(project: Project) -> str:
    """A print PDF whose page 1 sets both ArtBox and TrimBox: a preflight warning."""
    import pikepdf

    path = project.root / "warned.pdf"
    with pikepdf.open(ROOT / "tests" / "data" / "pdf" / "print" / f"{REFERENCE}.pdf") as pdf:
        pdf.pages[0].obj.ArtBox = pikepdf.Array([10, 10, 100, 100])
        pdf.save(path)
    return str(path)


def _warned_sheet(project: Project) -> None:
    """A title too long for the layout: a warning of `check`."""
    source = project.sheets / f"{REFERENCE}.yaml"
    long_title = "S'intégrer dans une stratégie plus globale, " * 3
    text = source.read_text("utf-8").replace(
        "title: S'intégrer dans une stratégie plus globale", f'title: "{long_title.strip()}"'
    )
    source.write_text(text, "utf-8")


REPORTING = ["build", "collection", "check", "preflight", "watch"]


def _arguments(command: str, project: Project, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The command, made to report one warning without rendering anything."""
    _warned_sheet(project)
    if command in ("build", "collection"):
        _fake_build(monkeypatch, project)
    if command == "watch":
        _fake_watch(monkeypatch, project)
    if command == "preflight":
        return ["preflight", _warned_pdf(project)]
    return [command, "--project", str(project.root)]


@pytest.mark.parametrize("command", REPORTING)
def test_every_reporting_command_has_the_same_flags_and_ending(
    command: str, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = _arguments(command, project, monkeypatch)
    code, out, err = run(*arguments)
    assert code == 0, err
    assert "warning" in err + out.rsplit("\n", 2)[0]  # told, before the last line
    last = out.splitlines()[-1].split(" ", 1)[1] if command == "watch" else out.splitlines()[-1]
    assert ENDING.match(last), last
    assert ENDING.match(last).group(3) == "1"  # type: ignore[union-attr]

    code, quiet_out, quiet_err = run(*arguments, "-q")
    assert code == 0, quiet_err
    assert "warning:" not in quiet_err and "warning " not in quiet_out.rsplit("\n", 2)[0]
    quiet_last = quiet_out.splitlines()[-1]
    assert quiet_last.endswith(last)  # the last line stays, the same
    assert len(quiet_out.splitlines()) <= len(out.splitlines())

    code, loud_out, loud_err = run(*arguments, "--verbose")
    assert code == 0, loud_err
    assert loud_out.splitlines()[-1].endswith(last)

    assert run(*arguments, "-q", "-v")[0] == 2  # one or the other
    if command != "watch":
        code, json_out, _ = run(*arguments, "--format", "json")
        assert code == 0
        told = json.loads(json_out)
        assert told["summary"] == last and told["counts"]["warnings"] == 1


def test_the_ending_of_a_failure_has_the_same_form(project: Project) -> None:
    source = project.sheets / f"{REFERENCE}.yaml"
    source.write_text(source.read_text("utf-8").replace("year: 2012", "year: 20l2"), "utf-8")
    code, out, err = run("check", "-q", "--project", str(project.root))
    assert code == 1
    assert "error: " in err
    assert out.splitlines() == ["failed: 1 sheet and the series file checked (1 error, 0 warnings)"]


def test_a_check_error_in_a_pdf_written_anyway_is_told_as_a_warning_of_the_build() -> None:
    """A print shop's or PDF/UA's error in a PDF the build wrote (it stops the PDF only under
    --strict) is told as a warning, and counted as one in an "ok" ending; advice stays advice;
    what stopped a PDF is an error."""
    from fichepress.cli.output import ending, levels
    from fichepress.core.findings import Finding

    check = Finding("sheets/x.yaml", message="no bookmark", severity="error", rule="UA-BOOKMARKS")
    advice = Finding("sheets/x.yaml", 4, 5, "body[0]", "page 1 is only 40% filled", "advice")
    stopped = Finding("sheets/y.yaml", 2, 1, "title", "has no value")
    told = levels([check, advice], [stopped])
    assert [level for level, _, _ in told] == ["warning", "advice", "error"]
    assert ending(True, "1 sheet", levels([check, advice], [])) == (
        "ok: 1 sheet (0 errors, 1 warning, 1 advice)"
    )
