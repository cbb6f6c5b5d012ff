"""Golden HTML of the reference sheet: the contract between templates and themes.

The HTML fichepress gives themes to style is documented in styles/README.md; these files pin
it. After an intended change of the templates, regenerate them and review the diff:

    make golden                      # into tests/golden/
    make golden GOLDEN_DIR=FOLDER    # elsewhere, to compare

The PDFs the fast tests run their rules on (tests/data/pdf/) are written by `--pdfs`, after a
change that changes the PDFs (templates, themes, WeasyPrint, fichepress's version):

    python -m tests.golden --pdfs [FOLDER]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import Builder, build
from fichepress.source.load import load_sheet

ROOT = Path(__file__).resolve().parent.parent
FOLDER = Path(__file__).resolve().parent / "golden"
SHEET = "03-strategie-globale"
VARIANTS = ("print", "accessible")
PDF_FOLDER = Path(__file__).resolve().parent / "data" / "pdf"
LINKED = "01-partir-du-territoire"
PDFS = (("print", SHEET), ("accessible", SHEET), ("accessible", LINKED))
"""The committed PDFs (variant, sheet): the reference sheet in both variants, and sheet 01's
accessible PDF, whose links the accessibility rules need."""


def golden_html(project: Project, variant: str) -> str:
    """The reference sheet's HTML, with the project's place on this machine left out."""
    builder = Builder(load_edition(project, []), project.root / "build")
    sheet = load_sheet(project.sheets / f"{SHEET}.yaml", project).sheet
    html = builder.sheet_html(sheet, variant)
    return html.replace(project.root.as_uri(), "file:///PROJECT")


def golden_path(variant: str, folder: Path = FOLDER) -> Path:
    return folder / f"{SHEET}.{variant}.html"


def pdf_path(variant: str, sheet: str, folder: Path = PDF_FOLDER) -> Path:
    """Where a committed PDF is: laid out as a build lays it out, `variant/sheet.pdf`."""
    return folder / variant / f"{sheet}.pdf"


def write_pdfs(project: Project, folder: Path) -> list[Path]:
    """Build the sheets of `PDFS` (in this process) and copy their PDFs into `folder`."""
    sheets = sorted({project.sheets / f"{sheet}.yaml" for _, sheet in PDFS})
    with tempfile.TemporaryDirectory() as out:
        report = build(load_edition(project, sheets), Path(out), sheets=sheets, jobs=1, strict=True)
        if not report.ok:
            raise SystemExit(f"the reference sheets do not build: {report.problems}")
        written = []
        for variant, sheet in PDFS:
            path = pdf_path(variant, sheet, folder)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(pdf_path(variant, sheet, Path(out)), path)
            written.append(path)
    return written


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str]) -> None:
    project = Project(ROOT)
    if argv[:1] == ["--pdfs"]:
        for path in write_pdfs(project, Path(argv[1]).resolve() if argv[1:] else PDF_FOLDER):
            print(f"wrote {_shown(path)} ({path.stat().st_size:,} bytes)")
        return
    folder = Path(argv[0]).resolve() if argv else FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for variant in VARIANTS:
        path = golden_path(variant, folder)
        path.write_text(golden_html(project, variant), encoding="utf-8")
        print(f"wrote {_shown(path)}")


if __name__ == "__main__":
    main(sys.argv[1:])
