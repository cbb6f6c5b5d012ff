"""Writing files so that a crash never leaves half a file, nor loses the previous one."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file beside it, renamed into place: the
    target is either the old file or the whole new one. An existing file keeps its mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as stream:  # created with the umask's permissions
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


_LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
"""The name `write_atomic` gives its temporary files."""


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files an interrupted build left in `folder` (at any depth); only
    while holding its `build_lock`, so that no running build's file is taken."""
    removed = []
    if folder.is_dir():
        for path in folder.rglob(".*.tmp"):
            if _LEFTOVER.match(path.name) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
        removed += remove_font_copies(folder)
    return removed


def remove_font_copies(folder: Path) -> list[Path]:
    """Remove WeasyPrint's copies of the fonts, kept in `folder` while a build runs: worker
    processes end without removing theirs. Only when no build of the folder runs."""
    removed = []
    for path in folder.glob(".fonts-*") if folder.is_dir() else ():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextmanager
def build_lock(folder: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder for one build at a time: a second build waits for the first
    (`waiting` is called if it must), then finds the outputs up to date. The lock goes with
    its process, however it ends. Where the system has no `flock`, builds are not serialised."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not on Unix
        yield
        return
    with (folder / ".lock").open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
