"""Ctrl-C, as a terminal sends it (SIGINT to the whole process group), during each long
command: one line on standard error, exit code 130, no traceback from any process, no
temporary or half-written file; every PDF present opens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from fichepress.cli import INTERRUPTED, STOPPED, main
from fichepress.core.project import Project

from .conftest import copy_project

SHEETS = ["03-strategie-globale.yaml", "04-evaluer-pour-apprendre.yaml"]

COMMANDS = {
    "build": (["build"], INTERRUPTED),
    "collection": (["collection"], INTERRUPTED),
    "proof": (["proof", "sheets/03-strategie-globale.yaml"], INTERRUPTED),
    "watch": (["watch"], STOPPED),
    "preview": (["preview", "--no-open", "--port", "0"], STOPPED),
}


def _pdfs(out: Path) -> list[Path]:
    return [path for path in out.rglob("*.pdf") if path.is_file()] if out.is_dir() else []


def _interrupt(project: Project, arguments: list[str], timeout: float = 120) -> tuple[int, str]:
    """The command started in a process group of its own in the project; once it has written
    a PDF, SIGINT to the group. Its exit code and standard error."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fichepress", *arguments],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + timeout
        while not _pdfs(project.root / "build"):
            assert process.poll() is None, "it ended before writing a PDF"
            assert time.monotonic() < deadline, "no PDF written in time"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, err


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.parametrize("command", list(COMMANDS))
def test_ctrl_c_ends_a_command_in_one_line(tmp_path: Path, command: str) -> None:
    project = copy_project(tmp_path / "project", SHEETS)
    arguments, told = COMMANDS[command]
    code, err = _interrupt(project, arguments)
    assert "Traceback" not in err and "Error" not in err, err
    assert (code, err.splitlines()) == (130, [told])
    out = project.root / "build"
    assert [path for path in out.rglob("*") if path.name.endswith(".tmp")] == []
    for pdf in _pdfs(out):
        with pikepdf.open(pdf) as opened:
            assert len(opened.pages) >= 1, pdf


def test_ctrl_c_during_check_ends_in_the_same_line(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` renders nothing and ends too fast to be caught by a signal: its Ctrl-C is
    raised where it reads the sheets."""
    import fichepress.checks.authoring as authoring

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(authoring, "check_sources", interrupted)
    result = CliRunner().invoke(main, ["check", "--project", str(project.root)])
    assert (result.exit_code, result.stderr) == (130, f"{INTERRUPTED}\n")
