"""The committed PDFs that the fast tests run their rules on (tests/data/pdf/) are the ones a
build makes now, byte for byte: builds are reproducible (the series sets `date:`)."""

from __future__ import annotations

from pathlib import Path

from fichepress.core.project import Project
from fichepress.series.report import Report

from .golden import PDFS, pdf_path


def test_the_committed_pdfs_are_small_and_all_there(reference_pdfs: Path) -> None:
    committed = sorted(p.relative_to(reference_pdfs) for p in reference_pdfs.rglob("*.pdf"))
    assert committed == sorted(pdf_path(v, s, Path()) for v, s in PDFS)
    for variant, sheet in PDFS:
        assert pdf_path(variant, sheet, reference_pdfs).stat().st_size < 150_000


def test_a_fresh_build_gives_the_committed_pdfs_byte_for_byte(
    series_build: tuple[Project, Path, Report], reference_pdfs: Path
) -> None:
    _, out, _ = series_build
    stale = [
        f"{variant}/{sheet}.pdf"
        for variant, sheet in PDFS
        if pdf_path(variant, sheet, out).read_bytes()
        != pdf_path(variant, sheet, reference_pdfs).read_bytes()
    ]
    assert stale == [], (
        f"the committed PDFs {stale} are not what a build makes now: after an intended change"
        " of the PDFs, run `python -m tests.golden --pdfs` and commit them"
    )
