"""Problems found in a user's files, told as `file:line:col: key.path: message`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import click

from fichepress.core.findings import Finding

Problem = Finding
"""One thing wrong in a source file, and where: a finding of no rule (`Problem(file, line,
column, key, message)`)."""


class FichepressError(click.ClickException):
    """A user mistake: reported without a traceback, exit code 1."""

    exit_code = 1


class InvalidSource(FichepressError):
    """One or more problems in the user's files, all reported at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def show(self, file: IO[Any] | None = None) -> None:
        for problem in self.problems:
            click.secho(f"error: {problem}", fg="red", err=True, file=file)
        count = len(self.problems)
        click.echo(f"{count} problem{'s' if count > 1 else ''} found", err=True, file=file)


class BuildFailed(FichepressError):
    """Some outputs could not be built; the others were."""


def is_system_error(error: BaseException) -> bool:
    """Whether `error` is a failure of the system (a full disk, a folder that may not be
    written, a path through a file or a loop of links): an OSError with an errno. Libraries
    raise OSError without one for a file they cannot decode (Pillow, say): that is not it."""
    return isinstance(error, OSError) and error.errno is not None


def system_message(error: OSError, display: Callable[[Path], str] = str) -> str:
    """A failure of the system in one line: the path it concerns (shown by `display`) and
    what the system said; never a traceback, never a guess at its cause."""
    said = error.strerror or str(error) or type(error).__name__
    names = [
        display(Path(os.fsdecode(name)))
        for name in (error.filename, error.filename2)
        if isinstance(name, (str, bytes, os.PathLike))  # not a file descriptor's number
    ]
    return f"{' → '.join(names)}: {said}" if names else said


def from_here(path: Path) -> str:
    """A path as messages show it where no project is known: relative to the current folder
    when it is inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
