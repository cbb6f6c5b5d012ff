"""The `fichepress` command: parses options, calls the API, turns problems into exit codes.

Here the group and its commands; the options they share are in options.py, what they print in
output.py, the commands in build.py and sources.py."""

from __future__ import annotations

import errno
import os
from typing import Any

import click

from fichepress import __version__
from fichepress.cli import build, sources
from fichepress.core.errors import FichepressError, InvalidSource, from_here, system_message
from fichepress.core.project import Project

INTERRUPTED = "interrupted; earlier PDFs kept"
"""The one line a command stopped by Ctrl-C prints (exit code 130)."""
STOPPED = "stopped; the PDFs written so far are kept"
"""The one line `watch` and `preview`, which run until Ctrl-C, print when it comes."""
INTERRUPT_EXIT = 130
"""The exit code of a command stopped by Ctrl-C, as shells give it (128 + SIGINT)."""


class Commands(click.Group):
    """fichepress's commands: a failure of the system (a full disk, a folder that may not be
    written, a path through a file or a loop of links) ends one in one line that says which
    path and what the system said, with exit code 1, never a traceback. Ctrl-C ends one in one
    line, with exit code 130: the PDFs written before stay, none is left half-written."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidSource as invalid:  # the series file, the theme: nothing could start
            from fichepress.cli.output import finish, levels, tell

            causes = levels([], invalid.problems)
            tell(causes)
            finish(False, "the sources are invalid, nothing was built", causes)
        except KeyboardInterrupt:
            told = STOPPED if ctx.invoked_subcommand in ("watch", "preview") else INTERRUPTED
            click.echo(told, err=True)
            raise click.exceptions.Exit(INTERRUPT_EXIT) from None
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # standard output closed early (`| head`): click ends quietly
            project = ctx.meta.get("fichepress.core.project")
            display = project.display if isinstance(project, Project) else from_here
            raise FichepressError(system_message(error, display)) from None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fichepress")
@click.pass_context
def main(context: click.Context) -> None:
    """Publish series of fact-sheets from YAML as print-ready and accessible PDF.

    Colours are left out when NO_COLOR is set (https://no-color.org). Shell completion:
    eval "$(_FICHEPRESS_COMPLETE=bash_source fichepress)" (zsh_source, fish_source)."""
    if os.environ.get("NO_COLOR"):
        context.color = False


for command in (
    build.build,
    build.collection,
    sources.check,
    build.watch,
    sources.schema,
    sources.themes,
    sources.init,
    sources.new,
    sources.preflight,
    build.proof,
    build.preview,
):
    main.add_command(command)
