"""Atomic writes: a failed or interrupted write leaves the previous file whole."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fichepress.files import write_atomic


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
