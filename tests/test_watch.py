"""`fichepress watch`: a save is rebuilt, a mistake is reported, and watching goes on."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.serve.watch import rebuild, sheets_to_rebuild

from .conftest import copy_project

REFERENCE = "03-strategie-globale"


def test_what_a_change_calls_for(project: Project) -> None:
    sheet = project.sheets / f"{REFERENCE}.yaml"
    assert sheets_to_rebuild(project, [sheet]) == [sheet.resolve()]
    assert sheets_to_rebuild(project, [project.series_file]) is None
    assert sheets_to_rebuild(project, [project.styles / "fiches" / "theme.css"]) is None
    assert sheets_to_rebuild(project, [project.sheets / "logos" / "communagir.svg"]) is None
    assert sheets_to_rebuild(project, [project.sheets / "schema" / "sheet.schema.json"]) == []
    assert sheets_to_rebuild(project, [project.sheets / "09-supprimee.yaml"]) == []


@pytest.mark.e2e
def test_a_change_that_calls_for_no_sheet_builds_nothing(project: Project) -> None:
    """The editors' schema saved, with --no-collection: no sheet and no collection built; the
    edition of the last rebuild is kept for the next."""
    said: list[tuple[str, str]] = []
    edition = load_edition(project)
    kept = rebuild(
        project,
        project.root / "build",
        [],
        variants=("print",),
        strict=False,
        collection=False,
        say=lambda level, message: said.append((level, message)),
        edition=edition,
    )
    assert [level for level, _ in said] == ["done"]
    assert said[0][1].startswith("0 PDFs written in ")
    assert kept is not None and kept.series is edition.series


class Watcher:
    """`fichepress watch` in a child process, its output read line by line."""

    def __init__(self, project: Project) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fichepress",
                "watch",
                "--no-collection",
                "--variant",
                "accessible",
                "--project",
                str(project.root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def stop(self) -> int:
        """Ctrl-C, as a user would; the exit status."""
        self.process.send_signal(signal.SIGINT)
        status = self.process.wait(timeout=30)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return status

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60) -> list[str]:
        """Lines up to the first that holds `text`."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, f"watch stopped: {seen}"
                continue
            seen.append(line)
            if text in line:
                return seen
        raise AssertionError(f"no {text!r} within {timeout} s: {seen}")


@pytest.mark.e2e
@pytest.mark.process
def test_watch_rebuilds_reports_and_goes_on(project: Project) -> None:
    watcher = Watcher(project)
    try:
        watcher.wait_for("watching sheets/, styles/, fonts/")
        pdf = project.root / "build" / "accessible" / f"{REFERENCE}.pdf"
        first = pdf.read_bytes()
        sheet = project.sheets / f"{REFERENCE}.yaml"
        good = sheet.read_text("utf-8")

        sheet.write_text(good.replace("title: S'intégrer", "title: Bien s'intégrer"), "utf-8")
        seen = watcher.wait_for(" written in ")
        assert any(f"changed: sheets/{REFERENCE}.yaml" in line for line in seen)
        assert pdf.read_bytes() != first
        rebuilt = pdf.read_bytes()

        sheet.write_text(good.replace("year: 2012", "year: 20l2"), "utf-8")
        seen = watcher.wait_for(" written in ")
        assert any(
            "error: sheets/03-strategie-globale.yaml:" in line and 'got "20l2"' in line
            for line in seen
        ), seen
        assert pdf.read_bytes() == rebuilt  # the previous good PDF stays
        assert watcher.process.poll() is None  # and watching goes on

        sheet.write_text(good, "utf-8")
        watcher.wait_for("1 PDF written")
        assert pdf.read_bytes() == first
    finally:
        assert watcher.stop() == 130


@pytest.mark.e2e
@pytest.mark.process
def test_a_save_rebuilds_that_sheet_only(tmp_path: Path) -> None:
    """Two sheets: saving one rewrites its PDF and leaves the other's file alone."""
    project = copy_project(
        tmp_path / "project", [f"{REFERENCE}.yaml", "04-evaluer-pour-apprendre.yaml"]
    )
    watcher = Watcher(project)
    try:
        watcher.wait_for("watching sheets/, styles/, fonts/")
        folder = project.root / "build" / "accessible"
        changed, other = folder / f"{REFERENCE}.pdf", folder / "04-evaluer-pour-apprendre.pdf"
        before = changed.read_bytes(), other.stat().st_mtime_ns, other.stat().st_ino
        sheet = project.sheets / f"{REFERENCE}.yaml"
        good = sheet.read_text("utf-8")
        sheet.write_text(good.replace("title: S'intégrer", "title: Bien s'intégrer"), "utf-8")
        seen = watcher.wait_for(" written in ")
        assert any("1 PDF written" in line for line in seen), seen
        assert changed.read_bytes() != before[0]
        assert (other.stat().st_mtime_ns, other.stat().st_ino) == before[1:]
    finally:
        assert watcher.stop() == 130
