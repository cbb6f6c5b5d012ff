"""The sweep: every hostile input and fault of `attacks.py` (the corpus of bad sheets and the
cases each hardening test registers), tried on a built project as an attacker would.

For each case, `check` and `build --strict` run under a time limit; the sweep asserts what the
README promises: no traceback, no run over the limit, not a byte of a file outside the project
in any message or output, and every previous PDF intact (or, for a damaged cache, rebuilt the
same). The counts are printed at the end (`pytest tests/test_sweep.py -s`).
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner, Result

from fichepress.cli import main

from . import attacks
from .conftest import copy_project

LIMIT = 60
"""Seconds a command may take on any input."""

GOOD = ["01-partir-du-territoire.yaml", "03-strategie-globale.yaml"]


# Every case builds, and reads the PDFs with pdftotext.
pytestmark = [pytest.mark.e2e, pytest.mark.process]


class TimeLimit(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeLimit


@dataclass
class Tally:
    cases: int = 0
    commands: int = 0
    tracebacks: list[str] = field(default_factory=list)
    over_time: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


TALLY = Tally()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project of two sheets, built: the template every case copies."""
    root = tmp_path_factory.mktemp("sweep") / "project"
    project = copy_project(root, GOOD)
    result = CliRunner().invoke(main, ["build", "--project", str(project.root)])
    assert result.exit_code == 0, result.output + result.stderr
    yield project.root
    print(
        f"\nsweep: {TALLY.cases} cases, {TALLY.commands} commands; "
        f"{len(TALLY.tracebacks)} tracebacks, {len(TALLY.over_time)} over {LIMIT} s, "
        f"{len(TALLY.leaks)} leaks, {len(TALLY.lost)} previous PDFs lost; "
        f"slowest {TALLY.slowest[0]:.1f} s ({TALLY.slowest[1]})"
    )


def digests(out: Path) -> dict[str, str]:
    """The PDFs a user gets (the caches in hidden folders are fichepress's own)."""
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.pdf"))
        if not p.is_symlink() and p.is_file() and not p.relative_to(out).parts[0].startswith(".")
    }


def run(name: str, args: list[str]) -> Result | None:
    """One command in this process, stopped by an alarm at the time limit."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT)
    start = time.perf_counter()
    try:
        result: Result | None = CliRunner().invoke(main, args, catch_exceptions=True)
        if result is not None and isinstance(result.exception, TimeLimit):
            result = None
    except TimeLimit:
        result = None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    took = time.perf_counter() - start
    TALLY.commands += 1
    TALLY.slowest = max(TALLY.slowest, (took, f"{name}: {args[0]}"))
    return result


def text_of(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, timeout=60)
    return done.stdout.decode("utf-8", "replace")


def leaked(out: Path, before: dict[str, str], said: str) -> list[str]:
    """Where the secret shows: in a message, a new or changed output, or a file left in build/."""
    where = ["a message"] if attacks.SECRET in said else []
    for path in out.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(out).as_posix()
        if path.suffix == ".pdf":
            if before.get(relative) != digests_one(path) and attacks.SECRET in text_of(path):
                where.append(relative)
        elif attacks.SECRET.encode() in path.read_bytes():
            where.append(relative)
    return where


def digests_one(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(attacks.CASES))
def test_no_input_or_fault_breaks_a_promise(built: Path, tmp_path: Path, name: str) -> None:
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(attacks.SECRET + "\n", encoding="utf-8")
    out = root / "build"
    before = digests(out)
    attacks.CASES[name](root, outside)
    TALLY.cases += 1
    said = ""
    codes = []
    for args in (["check"], ["build", "--strict"]):
        result = run(name, [*args, "--project", str(root)])
        if result is None:
            TALLY.over_time.append(f"{name}: {args[0]}")
            pytest.fail(f"{args[0]} ran over {LIMIT} s")
        text = result.output + result.stderr
        said += text
        codes.append(result.exit_code)
        if "Traceback" in text or (
            result.exception is not None and not isinstance(result.exception, SystemExit)
        ):
            TALLY.tracebacks.append(f"{name}: {args[0]}")
            raise AssertionError(f"{args[0]}: {text}") from result.exception
    leaks = leaked(out, before, said)
    if leaks:
        TALLY.leaks.append(f"{name}: {leaks}")
    assert not leaks, f"the secret reached {leaks}"
    after = digests(out)
    lost = [p for p in before if p not in after or after[p] != before[p]]
    if lost:
        TALLY.lost.append(f"{name}: {lost}")
    assert not lost, f"previous PDFs changed or lost: {lost}"
    if name in attacks.BUILD_FAILS:
        assert codes == [1, 1], f"check and build must both refuse it: {codes}\n{said}"
        assert "error: " in said
