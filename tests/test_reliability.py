"""Nothing lost: builds killed at random moments, and builds run side by side.

These run the `fichepress` command as `make sheets` does, in processes of their own."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest

from .conftest import copy_project

SHEETS = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]


# Builds in processes of their own, killed or run side by side.
pytestmark = [pytest.mark.e2e, pytest.mark.process]


def fichepress(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "fichepress", "build", "--project", str(project), *args]


def pdfs(out: Path) -> dict[str, str]:
    """Every PDF under `out` (not the kept parts), by path, with its SHA-256."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for variant in ("print", "accessible")
        for p in (out / variant).glob("*.pdf")
    }


def assert_whole(out: Path) -> None:
    for path in [*out.glob("print/*.pdf"), *out.glob("accessible/*.pdf")]:
        with pikepdf.open(path) as pdf:  # a cut file does not open
            assert len(pdf.pages) >= 1, path


def test_a_build_killed_at_any_moment_loses_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", SHEETS).root
    out = project / "build"
    subprocess.run(fichepress(project, "-q"), check=True, capture_output=True)
    before = pdfs(out)
    assert len(before) == 6
    sheet = project / "sheets" / SHEETS[1]
    text = sheet.read_text(encoding="utf-8")
    rng = random.Random(9)
    killed = 0
    for round_ in range(5):
        # Each round changes the sheet, so that the build has PDFs to replace when killed.
        sheet.write_text(text.replace("concertation", f"concertation {round_}", 1), "utf-8")
        process = subprocess.Popen(
            fichepress(project, "-q"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, 4.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the build and its workers
            killed += 1
        process.wait()
        now = pdfs(out)
        assert set(now) == set(before)  # nothing removed
        assert_whole(out)
    assert killed >= 3
    # The next build removes what the killed ones left and ends the work.
    done = subprocess.run(fichepress(project), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not [p for p in out.rglob("*.tmp")]
    # Its PDFs are those a build from nothing makes of the same sources.
    fresh = tmp_path / "fresh"
    subprocess.run(fichepress(project, "-q", "--out", str(fresh)), check=True)
    assert pdfs(out) == pdfs(fresh)


def test_two_builds_at_once_end_with_the_same_whole_outputs(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", SHEETS).root
    first = subprocess.Popen(fichepress(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(fichepress(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    results = [p.communicate() for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    said = [(out + err).decode() for out, err in results]
    # One built while the other waited, then found everything up to date.
    assert sum("waiting for another build of this folder" in s for s in said) == 1
    assert sum("everything is up to date" in s for s in said) == 1
    out = project / "build"
    assert_whole(out)
    fresh = tmp_path / "fresh"
    subprocess.run(fichepress(project, "-q", "--out", str(fresh)), check=True)
    assert pdfs(out) == pdfs(fresh) and len(pdfs(out)) == 6


def test_a_build_leaves_no_copy_of_the_fonts_behind(tmp_path: Path) -> None:
    """WeasyPrint copies the fonts into the output folder while it renders; the worker
    processes end without removing their copies: the build does, when it ends."""
    project = copy_project(
        tmp_path / "project", ["03-strategie-globale.yaml", "04-evaluer-pour-apprendre.yaml"]
    )
    out = project.root / "build"
    for command in ("build", "collection"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "fichepress",
                command,
                "--jobs",
                "2",
                "--project",
                str(project.root),
            ],
            check=True,
            capture_output=True,
        )
        assert [p.name for p in out.iterdir() if p.name.startswith(".fonts-")] == []
    assert (out / "accessible" / "collection.pdf").is_file()
