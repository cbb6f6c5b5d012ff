"""Writing files so that a crash never leaves half a file, nor loses the previous one."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

T = TypeVar("T")


def make_folder(folder: Path) -> None:
    """Create `folder` and its parents. Where a file stands in the way, the system's "File
    exists" would mislead: it is told as what it is, a path that is not a folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        blocking = Path(os.fsdecode(error.filename)) if error.filename else folder
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(blocking)) from None


def resolved(path: Path) -> Path:
    """`path` made absolute with its links followed; a loop of links is the system's error
    ELOOP (Python 3.11 raises RuntimeError for it, later versions OSError)."""
    try:
        return path.resolve()
    except RuntimeError:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None


def write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file beside it, renamed into place: the
    target is either the old file or the whole new one. An existing file keeps its mode.

    A failure of the system (a full disk, a folder that may not be written) is raised as an
    OSError naming `target`, not the temporary file, which is removed."""
    make_folder(target.parent)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("xb") as stream:  # created with the umask's permissions
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            temporary.chmod(stat.S_IMODE(target.stat().st_mode))
        temporary.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if error.errno is None or error.filename not in (None, str(temporary)):
            raise
        raise OSError(error.errno, error.strerror, str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


# --- what fichepress keeps in the output folder and reads back ------------------------------

MAX_CACHE_BYTES = 64 * 1024 * 1024
"""The largest manifest or cache file read back (64 MiB; a series of a thousand sheets writes
a few MiB): a larger one is not fichepress's, and is discarded unread."""


class Unfit(Exception):
    """What stands at a path is not a regular file that may be read (a folder, a link, a
    FIFO, a device, or a file too large): the message says which."""


def read_kept(path: Path, limit: int | None = MAX_CACHE_BYTES) -> bytes | None:
    """The bytes of the regular file at `path`, None when nothing is there; `Unfit` when
    something else is. The file is opened without following a link and without waiting (a
    FIFO would block a plain read forever), then checked for what it is; at most `limit`
    bytes (None: no limit, for the PDFs). Other failures of the system (a file that may not
    be read) are raised as OSError."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        if error.errno == errno.ELOOP and path.is_symlink():
            raise Unfit("is a symbolic link") from None
        raise
    try:
        info = os.fstat(descriptor)
    except BaseException:
        os.close(descriptor)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise Unfit("is a folder" if stat.S_ISDIR(info.st_mode) else "is not a regular file")
    with os.fdopen(descriptor, "rb") as stream:
        if limit is None:
            return stream.read()
        if info.st_size > limit:
            raise Unfit(f"is larger than {limit:,} bytes")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Unfit(f"is larger than {limit:,} bytes")
    return data


def discard(path: Path) -> None:
    """Remove whatever stands at `path` (a file, a link, a FIFO, a folder and its content)
    so that fichepress can make its own file there again."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_cache(target: Path, data: bytes) -> None:
    """`write_atomic` for a file that fichepress alone keeps (a manifest, a cache): whatever
    stands in its place and is not a regular file (a folder, say) is discarded first."""
    if target.is_symlink() or (target.exists() and not target.is_file()):
        discard(target)
    write_atomic(target, data)


def notice(message: str) -> None:
    """One line on standard error about something fichepress mended by itself."""
    click.echo(f"notice: {message}", err=True)


class Damaged(ValueError):
    """A cache or manifest that fichepress wrote and reads back is not as it writes it; the
    message says where (a key path) and what, without its content."""


DAMAGE = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError)
"""What reading a damaged JSON document into its expected form can raise."""


def load_cache(path: Path, parse: Callable[[Any], T], shown: str, remade: str) -> T | None:
    """The JSON document fichepress keeps at `path`, read into its form by `parse` (which
    raises `Damaged`, or what `DAMAGE` lists, for anything not as fichepress writes it).

    None when there is none; and when it is damaged (not JSON, binary, truncated, of the
    wrong form, a folder or a FIFO in its place...): then it is discarded, so that the build
    makes it again (`remade` says what that costs), with one line of notice. Failures of the
    system (a file that may not be read) are raised: they are not mended by removing it."""
    try:
        raw = read_kept(path)
        if raw is None:
            return None
        return parse(json.loads(raw))
    except Unfit as unfit:
        reason = str(unfit)
    except Damaged as damaged:
        reason = f"is damaged ({damaged})"
    except UnicodeDecodeError:
        reason = "is damaged (not text)"
    except json.JSONDecodeError as error:
        reason = f"is damaged (not JSON, line {error.lineno})"
    except DAMAGE:
        reason = "is damaged (not in the form fichepress writes)"
    discard(path)
    notice(f"{shown} {reason}: discarded; {remade}")
    return None


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
    make_folder(folder)
    try:
        import fcntl
    except ImportError:  # not on Unix
        yield
        return
    lock = folder / ".lock"
    if lock.is_symlink() or (lock.exists() and not lock.is_file()):
        discard(lock)  # a folder or a link in its place: the lock is an empty file of ours
    with lock.open("a+b") as handle:
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
