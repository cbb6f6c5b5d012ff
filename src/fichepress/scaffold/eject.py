"""`fichepress themes eject NAME`: a theme installed with fichepress copied into the project
(`styles/NAME/`, with the fonts it names in `fonts/`), to be changed there. The copy then hides
the installed theme of that name, and a new version of fichepress no longer changes it.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from pathlib import Path, PurePosixPath

from fichepress.core.errors import FichepressError
from fichepress.core.project import (
    INSTALLED,
    THEME_FILE,
    Project,
    installed_folder,
    installed_themes,
)


def _same_tree(one: Path, other: Path) -> bool:
    """Whether two folders hold the same files with the same bytes."""
    compared = filecmp.dircmp(one, other)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, differ, errors = filecmp.cmpfiles(one, other, compared.common_files, shallow=False)
    if differ or errors:
        return False
    return all(_same_tree(one / name, other / name) for name in compared.common_dirs)


def _same(installed: Path, own: Path) -> bool:
    """Whether the project's file or folder `own` holds what the installed one does."""
    if installed.is_dir():
        return own.is_dir() and not own.is_symlink() and _same_tree(installed, own)
    return own.is_file() and filecmp.cmp(installed, own, shallow=False)


def _font_entries(settings: Path) -> list[str]:
    """The entries of the fonts folder the theme's own `theme.yaml` names: the folder of each
    font file (copied whole, with its licence), or the file itself at the top."""
    import yaml

    data = yaml.safe_load(settings.read_text(encoding="utf-8")) or {}
    entries: list[str] = []
    for face in data.get("fonts") or []:
        file = face.get("file") if isinstance(face, dict) else None
        if isinstance(file, str) and file:
            top = PurePosixPath(file).parts[0]
            if top not in entries:
                entries.append(top)
    return entries


def _unknown(name: str) -> FichepressError:
    from fichepress.source.load import did_you_mean

    known = sorted(installed_themes())
    return FichepressError(
        f'no theme "{name}" is installed with fichepress{did_you_mean(name, known)}; '
        f"installed: {', '.join(known) or 'none'}"
    )


def eject_theme(project: Project, name: str) -> list[str]:
    """Copy the installed theme `name` and the fonts it names into `project`; what was done,
    one line each. Nothing is overwritten: an existing `styles/NAME/`, or a fonts folder that
    differs from the installed one, is refused before anything is copied."""
    source = installed_themes().get(name)
    folder = installed_folder()
    if source is None or folder is None:
        raise _unknown(name)
    target = project.styles / name
    if os.path.lexists(target):
        raise FichepressError(
            f"{project.display(target)}/ already exists: nothing was copied. Rename or remove"
            f" it first to copy the installed theme {name} there"
        )
    copies = [(source, target)]
    kept = []
    for entry in _font_entries(source / THEME_FILE):
        installed, own = folder / "fonts" / entry, project.fonts / entry
        if not os.path.lexists(own):
            copies.append((installed, own))
        elif _same(installed, own):
            kept.append(own)
        else:
            raise FichepressError(
                f"{project.display(own)} already exists and differs from the fonts the theme"
                f" {name} installed with fichepress names: nothing was copied. Rename or remove"
                " it first"
            )
    said = []
    for origin, destination in copies:
        destination.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, destination)
        else:
            shutil.copy2(origin, destination)
        slash = "/" if origin.is_dir() else ""
        shown = INSTALLED + origin.relative_to(folder).as_posix()
        said.append(f"copied {shown}{slash} to {project.display(destination)}{slash}")
    said += [f"kept {project.display(own)}/: the same fonts are already there" for own in kept]
    said.append(
        f"the project's styles/{name}/ now replaces the installed theme {name}: change it"
        " there; a new version of fichepress no longer changes it"
    )
    return said
