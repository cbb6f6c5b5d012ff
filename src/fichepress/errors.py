"""Problems found in a user's files, told as `file:line:col: key.path: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a source file, and where."""

    file: str
    """Path of the file, relative to the project."""
    line: int = 0
    """1-based line, 0 when the problem concerns the whole file."""
    column: int = 0
    """1-based column, 0 when unknown."""
    key: str = ""
    """Key path inside the file, such as `selection.groups[1].resources[0].year`."""
    message: str = ""
    """What is wrong, in plain words."""

    def __str__(self) -> str:
        place = self.file
        if self.line:
            place += f":{self.line}"
            if self.column:
                place += f":{self.column}"
        return f"{place}: {self.key}: {self.message}" if self.key else f"{place}: {self.message}"


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
