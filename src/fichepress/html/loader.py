"""The loader of a theme's templates: Jinja's file loader, but for the project's files only.

Jinja's FileSystemLoader follows symbolic links: `templates/r -> /` and
`{% include "r/etc/hostname" %}` would print a file of the machine in every PDF. This loader
reads a template only if, after links, it is a regular file inside the project's folders
(see reading.py); otherwise it raises `TemplateRefused`, which names the template as the theme
asked for it and says why, and never what the refused file holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from fichepress.core.reading import Unreadable, read_inside, refusal


class TemplateRefused(jinja2.TemplateError):
    """A template the theme may not use: outside the project, not a regular file, unreadable,
    or not UTF-8 text."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f'the template "{name}" {reason}')
        self.name = name
        self.reason = reason


class ProjectLoader(jinja2.BaseLoader):
    """The templates of one folder (a theme's `templates/`), read only from inside `roots`."""

    def __init__(self, folder: Path, roots: tuple[Path, ...]) -> None:
        self.folder = folder
        self.roots = roots

    def path_of(self, name: str) -> Path:
        """Where the template `name` would be (`..` is refused by Jinja's rules)."""
        return self.folder.joinpath(*split_template_path(name))

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.path_of(template)
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        reason = refusal(path, self.roots)
        if reason:
            raise TemplateRefused(template, reason)
        try:
            text = read_inside(path, self.roots).decode("utf-8")
            mtime = path.stat().st_mtime_ns
        except Unreadable as error:
            raise TemplateRefused(template, error.reason) from None
        except UnicodeDecodeError:
            raise TemplateRefused(template, "is not UTF-8 text: save it as UTF-8") from None
        except OSError as error:
            raise TemplateRefused(template, f"cannot be read: {error.strerror}") from None

        def uptodate() -> bool:
            try:
                return path.stat().st_mtime_ns == mtime
            except OSError:
                return False

        return text, str(path), uptodate

    def list_templates(self) -> list[str]:
        """The templates of the folder, links to folders not followed."""
        found = []
        for folder, _, files in os.walk(self.folder):
            for name in files:
                relative = Path(folder, name).relative_to(self.folder)
                found.append(relative.as_posix())
        return sorted(found)
