"""Atomic writes: a failed or interrupted write leaves the previous file whole."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fichepress.core.files import write_atomic


def test_an_interrupted_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "print" / "x.pdf"
    write_atomic(target, b"%PDF old")

    def interrupted(self: Path, other: Path) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"%PDF new and longer")
    assert target.read_bytes() == b"%PDF old"
    assert [p.name for p in target.parent.iterdir()] == ["x.pdf"]


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "x.pdf"
    write_atomic(target, b"one")
    target.chmod(0o640)
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_leftovers_of_an_interrupted_build_are_removed_and_nothing_else(tmp_path: Path) -> None:
    from fichepress.core.files import remove_leftovers

    keep = [tmp_path / "print" / "x.pdf", tmp_path / ".fragments" / "ab.pdf", tmp_path / ".lock"]
    gone = [tmp_path / "print" / ".x.pdf.0badc0de.tmp", tmp_path / ".fragments" / ".i.1234abcd.tmp"]
    for path in [*keep, *gone, tmp_path / "notes.tmp", tmp_path / ".y.pdf.nothex.tmp"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    assert sorted(remove_leftovers(tmp_path)) == sorted(gone)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in gone)
    assert (tmp_path / "notes.tmp").exists() and (tmp_path / ".y.pdf.nothex.tmp").exists()


LOCKER = """
import sys, time
from pathlib import Path
from fichepress.core.files import build_lock
with build_lock(Path(sys.argv[1]), lambda: print("waited", flush=True)):
    print("in", time.monotonic(), flush=True)
    time.sleep(float(sys.argv[2]))
    print("out", time.monotonic(), flush=True)
"""


@pytest.mark.process
def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    import subprocess
    import sys

    first = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tmp_path), "1.0"], stdout=subprocess.PIPE, text=True
    )
    assert first.stdout is not None
    line = first.stdout.readline()  # holds the lock now
    assert line.startswith("in")
    second = subprocess.run(
        [sys.executable, "-c", LOCKER, str(tmp_path), "0"], capture_output=True, text=True
    )
    out_first = float(first.communicate()[0].split()[-1])
    lines = second.stdout.split("\n")
    assert lines[0] == "waited"
    assert float(lines[1].split()[1]) >= out_first  # entered only after the first left
