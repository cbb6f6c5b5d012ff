"""The build backend of fichepress: setuptools', after putting the installed themes and their
fonts into the package.

The themes installed with fichepress (`styles/fiches/`, `styles/sobre/`) and their fonts
(`fonts/lato/`) live at the top of the repository, where this project's series uses them; a
wheel must carry them: every project finds them by name (`core/project.installed_folder`).
They are copied into `src/fichepress/skeleton/` for the time of the build, never committed
twice.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from setuptools import build_meta
from setuptools.build_meta import (  # noqa: F401  # the rest of the PEP 517 interface
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

ROOT = Path(__file__).resolve().parent.parent
SKELETON = ROOT / "src" / "fichepress" / "skeleton"
STAGED = {
    "styles/fiches": "styles/fiches",
    "styles/sobre": "styles/sobre",
    "fonts/lato": "fonts/lato",
}


@contextmanager
def _staged() -> Iterator[None]:
    made = not SKELETON.exists()
    try:
        for source, target in STAGED.items():
            if (ROOT / source).is_dir():  # in a source distribution, already staged
                shutil.rmtree(SKELETON / target, ignore_errors=True)
                shutil.copytree(ROOT / source, SKELETON / target)
        yield
    finally:
        if made:
            shutil.rmtree(SKELETON, ignore_errors=True)


def build_wheel(
    wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None
) -> str:
    with _staged():
        return str(build_meta.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    with _staged():
        return str(build_meta.build_sdist(sdist_directory, config_settings))


def build_editable(
    wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None
) -> str:
    # An editable install reads the theme from the repository itself (see skeleton.py).
    return str(build_meta.build_editable(wheel_directory, config_settings, metadata_directory))
