"""Golden HTML of the reference sheet: the contract between templates and themes.

The HTML fichepress gives themes to style is documented in styles/README.md; these files pin
it. After an intended change of the templates, regenerate them and review the diff:

    make golden                      # into tests/golden/
    make golden GOLDEN_DIR=FOLDER    # elsewhere, to compare
"""

from __future__ import annotations

import sys
from pathlib import Path

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import Builder
from fichepress.source.load import load_sheet

ROOT = Path(__file__).resolve().parent.parent
FOLDER = Path(__file__).resolve().parent / "golden"
SHEET = "03-strategie-globale"
VARIANTS = ("print", "accessible")


def golden_html(project: Project, variant: str) -> str:
    """The reference sheet's HTML, with the project's place on this machine left out."""
    builder = Builder(load_edition(project, []), project.root / "build")
    sheet = load_sheet(project.sheets / f"{SHEET}.yaml", project).sheet
    html = builder.sheet_html(sheet, variant)  # type: ignore[arg-type]
    return html.replace(project.root.as_uri(), "file:///PROJECT")


def golden_path(variant: str, folder: Path = FOLDER) -> Path:
    return folder / f"{SHEET}.{variant}.html"


def main(argv: list[str]) -> None:
    project = Project(ROOT)
    folder = Path(argv[0]).resolve() if argv else FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        path = golden_path(variant, folder)
        path.write_text(golden_html(project, variant), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main(sys.argv[1:])
