"""Reading the project's files: only regular files, and only inside the project.

Every file a check or a build reads (the series file, sheets, theme settings, CSS, templates,
fonts, pictures) is checked here before it is read, and most are read here. After symbolic
links it must lie in the project's `sheets/`, `styles/` or `fonts/`, or among the themes and
fonts installed with fichepress (part of fichepress, as its templates): a theme's template linked
to a file of the machine, or its `templates/` linked to another folder, is refused and never
read, so nothing of it can reach a PDF or a message. And it must be a regular file that can be
read: a named pipe would keep the command waiting forever, a device would never end, and a
folder, a dangling link or a file without read permission is a mistake told at its place.
Files are opened without blocking and looked at again once open, so that a file swapped for a
pipe in between is refused too.

This module imports nothing heavy: the digests of a build that has nothing to do use it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from fichepress.core.project import installed_roots

READ_FOLDERS = ("sheets", "styles", "fonts")
"""The folders of a project that a build may read from (the sandbox's, see pdf.py)."""

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a pipe swapped in after the check does not block
    | getattr(os, "O_NOFOLLOW", 0)  # the path opened is already resolved: no link is followed
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class Unreadable(OSError):
    """A file that may not or cannot be read, and why in plain words (`reason`, which names
    neither the file's content nor, for a link, where it leads)."""

    def __init__(self, reason: str, *, outside: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.strerror = reason
        self.outside = outside
        """Whether it is refused for lying outside the project (through a link)."""

    def __str__(self) -> str:
        return self.reason


def roots_of(project_root: Path) -> tuple[Path, ...]:
    """The folders that a build of the project at `project_root` may read from: the project's
    (not resolved: `fonts/` linked to a folder elsewhere is outside the project too), then the
    installed themes and fonts."""
    root = project_root.resolve()
    return (*(root / name for name in READ_FOLDERS), *installed_roots())


LOOP = "is a link that leads back to itself (a loop of links)"


def resolved(path: Path) -> Path:
    """`path` after links; `Unreadable` for a loop of links (which Python reports as a
    RuntimeError before 3.13)."""
    try:
        return path.resolve()
    except RuntimeError:
        raise Unreadable(LOOP) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Unreadable(LOOP) from None
        raise Unreadable(_system_reason(error)) from None


def located(path: Path) -> Path:
    """Where the file `path` names is: its folder resolved, but not a link it may itself be,
    so that a sheet named on the command line is read, or refused, as the link it is."""
    path = path.absolute()
    return path.parent.resolve() / path.name if path.name not in ("", ".", "..") else path


def _where(path: Path) -> Path:
    """Where `path` is, without following its links: absolute, `..` removed."""
    return Path(os.path.normpath(path.absolute()))


def outside(path: Path, roots: tuple[Path, ...], *, folder: bool = False) -> str | None:
    """Why `path` may not be read because it lies, after links, outside `roots`; or None."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links: told by `not_regular`
        return None
    if any(target.is_relative_to(root) for root in roots):
        return None
    what = "folder" if folder else "file"
    tail = "builds read only the project's files; copy it here instead"
    if path.is_symlink():
        return f"is a link to a {what} outside the project: {tail}"
    if any(_where(path).is_relative_to(root) for root in roots):
        return f"is in a folder that links outside the project: {tail}"
    installed = installed_roots()
    names = ", ".join(f"{root.name}/" for root in roots if root not in installed)
    return f"is not in the project's {names}: builds read only the project's files"


def not_regular(path: Path, *, folder: bool = False) -> str | None:
    """Why `path` (after links) is not a regular file (a folder, with `folder`), or None. Only
    looked at, never opened."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return LOOP
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            if path.is_symlink():
                return "is a link to nothing: what it names is missing"
            return "not found"
        return f"cannot be reached: {error.strerror or 'the system refuses it'}"
    if folder:
        return None if stat.S_ISDIR(mode) else "is not a folder"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a file: reading it would wait forever"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def refusal(path: Path, roots: tuple[Path, ...], *, folder: bool = False) -> str | None:
    """Why `path` may not be read (outside the project, not a regular file or folder), or
    None. Nothing is opened."""
    return outside(path, roots, folder=folder) or not_regular(path, folder=folder)


def _system_reason(error: OSError) -> str:
    """What the system said, without the path it names (which may be outside the project)."""
    if isinstance(error, PermissionError):
        return "cannot be read: permission denied (let its owner give read permission)"
    return f"cannot be read: {error.strerror or type(error).__name__}"


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading if it is a regular file (after links), else `Unreadable`.

    Never opens a pipe or a device: looked at first, opened without blocking, looked at again.
    Where the file is is the caller's to check (see `open_inside`).
    """
    reason = not_regular(path)
    if reason:
        raise Unreadable(reason)
    try:
        target = path.resolve()
        descriptor = os.open(target, _OPEN_FLAGS)
    except RuntimeError:
        raise Unreadable(LOOP) from None
    except OSError as error:
        raise Unreadable(_system_reason(error)) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise Unreadable("is no longer a regular file: it changed while it was opened")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file `path` (at most `limit` of them), else `Unreadable`."""
    with open_regular(path) as stream:
        try:
            return stream.read() if limit is None else stream.read(limit)
        except OSError as error:
            raise Unreadable(_system_reason(error)) from None


def open_inside(path: Path, roots: tuple[Path, ...]) -> BinaryIO:
    """`path` opened for reading if, after links, it is a regular file inside `roots`."""
    reason = outside(path, roots)
    if reason:
        raise Unreadable(reason, outside=True)
    return open_regular(path)


def read_inside(path: Path, roots: tuple[Path, ...], limit: int | None = None) -> bytes:
    """The bytes of `path` if, after links, it is a regular file inside `roots`."""
    with open_inside(path, roots) as stream:
        try:
            return stream.read() if limit is None else stream.read(limit)
        except OSError as error:
            raise Unreadable(_system_reason(error)) from None


def readable_problem(path: Path, roots: tuple[Path, ...]) -> str | None:
    """Why `path` cannot be read by a build (outside the project, not a regular file, no read
    permission), or None. The file is opened and closed, nothing of it read."""
    try:
        with open_inside(path, roots):
            return None
    except Unreadable as error:
        return error.reason
