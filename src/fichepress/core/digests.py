"""Digests of files' contents: each file read once per process while it stays the same file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from fichepress.core.project import installed_folder, installed_name, installed_roots
from fichepress.core.reading import not_regular, read_regular


@lru_cache(maxsize=4096)
def _file_digest(path: Path, size: int, mtime_ns: int, inode: int, mode: int) -> str:
    return hashlib.sha256(read_regular(path)).hexdigest()


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (read once per process while it stays the same file).

    What is not a regular file that can be read (a pipe, a folder, a link to nothing, a file
    without read permission) is never opened: its kind stands for its bytes, so that the
    digest changes and the build reads, and reports, it."""
    reason = not_regular(path)
    if reason:
        return f"not read: {reason}"
    try:
        info = path.stat()
        # The mode is in the key: a file whose read permission was taken is read again.
        return _file_digest(
            path.resolve(), info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode
        )
    except (OSError, RuntimeError) as error:
        return f"not read: {error}"


def installed_digest() -> str:
    """What the themes and fonts installed with fichepress are: each file's name, size and
    time, none of them opened. A build that has nothing to do must see a new version of them;
    one that changed makes the build look closer, output by output, by content."""
    folder = installed_folder()
    if folder is None:
        return "-"
    digest = hashlib.sha256()
    for root in installed_roots():
        for path in sorted(root.rglob("*")):
            try:
                info = path.stat()
            except OSError:
                continue
            name = path.relative_to(folder).as_posix()
            digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One digest of files: their paths under `root` (as `fichepress:…` for the installed
    themes and fonts) and their bytes."""
    digest = hashlib.sha256()
    root = root.resolve()
    for path in sorted(set(paths)):
        try:
            target = path.resolve()
        except RuntimeError:  # a loop of links (an OSError from Python 3.13)
            digest.update(f"loop:{path.as_posix()}\0".encode())
            continue
        installed = None if target.is_relative_to(root) else installed_name(target)
        if installed:  # a theme or font installed with fichepress: a new version rebuilds
            digest.update(installed.encode() + b"\0")
            digest.update(file_digest(target).encode())
            continue
        if not target.is_relative_to(root):
            # A link out of the project: never read (the build refuses it); its name counts.
            digest.update(f"outside:{path.as_posix()}->{target.as_posix()}\0".encode())
            continue
        digest.update(target.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file_digest(path).encode())
    return digest.hexdigest()
