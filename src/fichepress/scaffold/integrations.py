"""The files `fichepress init` writes for the tools around a series: a GitHub Actions workflow
that builds it, a pre-commit hook that checks it, and VS Code's settings that give its YAML files
their schemas.

The system packages the workflow installs are read from `fichepress/data/system-packages.txt`,
the one list that the repository's CI and its Containerfile read too.
"""

from __future__ import annotations

import json
from importlib import resources

import fichepress
from fichepress.source.schema import SCHEMA_DIR, SCHEMA_FILES

PACKAGES_FILE = "system-packages.txt"
"""The list of Debian/Ubuntu packages fichepress needs, in `fichepress/data/`."""

WORKFLOW_PATH = ".github/workflows/sheets.yml"
PYTHON = "3.12"
"""The Python version the workflow sets up."""


def read_packages(text: str) -> list[str]:
    """The package names of a list: one a line, `#` starts a comment, blank lines skipped."""
    return [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]


def system_packages() -> list[str]:
    """The Debian/Ubuntu packages fichepress needs at run time (WeasyPrint's libraries)."""
    listed = resources.files("fichepress") / "data" / PACKAGES_FILE
    return read_packages(listed.read_text(encoding="utf-8"))


WORKFLOW = """\
# Builds every sheet and the collection of the series on each push and pull request, and
# keeps the PDFs: open the run on GitHub, its "Artifacts" hold them. The run fails when
# `fichepress build --strict` finds a problem, as `make sheets` does.
# fichepress is pinned to the version that wrote this file: change the number to upgrade.
name: sheets

on:
  push:
  pull_request:
  workflow_dispatch:

jobs:
  sheets:
    runs-on: ubuntu-latest
    steps:
      - name: Get the series
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install the system libraries
        run: |
          sudo apt-get update -qq
          sudo apt-get install -y -qq --no-install-recommends {packages}
      - name: Install fichepress
        run: python -m pip install "fichepress=={version}"
      - name: Build the sheets
        run: fichepress build --strict
      - name: Keep the PDFs
        if: ${{{{ !cancelled() }}}}
        uses: actions/upload-artifact@v4
        with:
          name: sheets
          path: build/**/*.pdf
          if-no-files-found: warn
"""

PRE_COMMIT = """\
# `pre-commit install` once (https://pre-commit.com): then `fichepress check` runs before
# each commit that changes a sheet, a style or a font, and stops a commit with a problem.
repos:
  - repo: local
    hooks:
      - id: fichepress-check
        name: fichepress check
        entry: fichepress check
        language: system
        pass_filenames: false
        files: ^(sheets|styles|fonts)/
"""


def vscode_settings() -> dict[str, object]:
    """VS Code's settings: the YAML extension (redhat.vscode-yaml) gives each file its schema,
    as the first line of each file does too."""
    sheet, series = (f"./sheets/{SCHEMA_DIR}/{SCHEMA_FILES[kind]}" for kind in ("sheet", "series"))
    return {
        "yaml.schemas": {
            sheet: ["sheets/*.yaml", "!sheets/series.yaml"],
            series: ["sheets/series.yaml"],
        },
    }


VSCODE_EXTENSIONS = {"recommendations": ["redhat.vscode-yaml"]}


def integration_files() -> dict[str, str]:
    """The text files of a new project for CI, pre-commit and VS Code, by path."""
    workflow = WORKFLOW.format(
        python=PYTHON, packages=" ".join(system_packages()), version=fichepress.__version__
    )
    return {
        WORKFLOW_PATH: workflow,
        ".pre-commit-config.yaml": PRE_COMMIT,
        ".vscode/settings.json": json.dumps(vscode_settings(), indent=2) + "\n",
        ".vscode/extensions.json": json.dumps(VSCODE_EXTENSIONS, indent=2) + "\n",
    }
