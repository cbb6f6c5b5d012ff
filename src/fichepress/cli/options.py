"""The options the commands share, each declared once and added with `add_options` (as mkdocs
does with `common_config_options`), and what they mean: the project, the output folder, the
variants, a share of the sheets."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fichepress.core.files import resolved
from fichepress.core.project import Project
from fichepress.core.variants import VARIANT_NAMES, VariantName

F = TypeVar("F", bound=Callable[..., Any])


def add_options(*options: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator adding `options` in the order given (the first shown first in --help)."""

    def added(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return added


def project_option(command: F) -> F:
    """`--project DIR`: the series project (default: found from the current folder)."""
    return click.option(
        "--project",
        "project_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Folder of the series project (default: the one holding the current folder).",
    )(command)


def sheets_argument(command: F) -> F:
    """`SHEETS…`: sheet files to work on (default: every sheet of the series)."""
    return click.argument(
        "sheets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
    )(command)


def format_option(command: F) -> F:
    """`--format text|json`: for people, or for editors and CI."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        help="text: one line per problem; json: for editors and CI.",
    )(command)


def out_option(command: F) -> F:
    """`--out DIR`: the output folder of a build (default: build/ in the project)."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        help="Output folder (default: build/ in the project).",
    )(command)


def _variants(
    _context: click.Context, _parameter: click.Parameter, names: tuple[str, ...]
) -> tuple[VariantName, ...]:
    """The variants asked for, in their order; both when none is."""
    return names or VARIANT_NAMES


def variants_option(told: str) -> Callable[[F], F]:
    """`--variant print|accessible`, repeatable: the command's value is the tuple of the
    variants asked for, both when none is."""
    return click.option(
        "--variant",
        "variants",
        type=click.Choice(list(VARIANT_NAMES)),
        multiple=True,
        callback=_variants,
        help=told,
    )


def strict_option(told: str) -> Callable[[F], F]:
    """`--strict`: fail on warnings too (`told` says what that means for the command)."""
    return click.option("--strict", is_flag=True, help=told)


def output_options(strict: str) -> Callable[[F], F]:
    """`--out`, `--variant` and `--strict` (told by `strict`), in that order: where a build
    writes, what and how strictly."""
    both = "Build only this variant (repeat for both; default: both)."
    return add_options(out_option, variants_option(both), strict_option(strict))


def jobs_option(command: F) -> F:
    """`--jobs N`, `-j N`: worker processes."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(1, 64),
        help="Worker processes (default: one per processor).",
    )(command)


def quiet_option(command: F) -> F:
    """`--quiet`, `-q`: the errors and the last line only."""
    return click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print only the errors and the last line (no warnings, no advice, no progress).",
    )(command)


def verbose_option(command: F) -> F:
    """`--verbose`, `-v`: more than the default (what was kept as well as what was written)."""
    return click.option(
        "--verbose",
        "-v",
        is_flag=True,
        help="Print more: what was kept or checked as well as what was written or found.",
    )(command)


def reporting_options(command: F) -> F:
    """`-q`, `-v` and `--format`: how much a command that reports problems says, and for
    whom; the same on each."""
    return add_options(quiet_option, verbose_option, format_option)(command)


def loudness(quiet: bool, verbose: bool) -> None:
    """A usage error for `-q` with `-v`."""
    if quiet and verbose:
        raise click.UsageError("give --quiet or --verbose, not both")


def poll_option(command: F) -> F:
    """`--poll`: look for changes by polling rather than by the system's notifications."""
    return click.option(
        "--poll", is_flag=True, help="Poll for changes (network or shared folders)."
    )(command)


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """`--shard I/N` as (I, N); a usage error when it is not a share."""
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise click.BadParameter(f'"{value}" is not a share I/N with 1 <= I <= N (such as 2/3)')
    return int(match.group(1)), int(match.group(2))


def shard_option(command: F) -> F:
    """`--shard I/N`: the command's value is (I, N), or None."""
    return click.option(
        "--shard",
        callback=lambda _c, _p, value: parse_shard(value),
        metavar="I/N",
        help="Build the I-th of N stable shares of the sheets (for a CI matrix), and their parts "
        "of the collection, for `collection --from` to join.",
    )(command)


def shard_of(paths: list[Path], index: int, count: int) -> list[Path]:
    """The sheets of share `index` (1-based) of `count`: by a digest of each file's name, so
    that a sheet stays in its share whatever other sheets are added or removed."""
    import hashlib

    return [
        path
        for path in paths
        if int(hashlib.sha256(path.name.encode()).hexdigest(), 16) % count == index - 1
    ]


def project_from(project_dir: Path | None) -> Project:
    """The project a command works on; kept so that a failure of the system names its paths
    as the project's messages do."""
    project = Project.at(project_dir) if project_dir else Project.find()
    click.get_current_context().meta["fichepress.core.project"] = project
    return project


def out_from(out: Path | None, project: Project) -> Path:
    """The output folder: `--out`, or build/ in the project; absolute, its links followed."""
    return resolved(out or project.root / "build")
