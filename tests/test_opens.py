"""One open per output: a PDF is parsed once, finished in place, and checked (rules, fonts) as
it stands; what the checks find so equals what they find in the bytes written."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from fichepress.checks.ua_source import reading_text
from fichepress.core.variants import VARIANTS
from fichepress.html.edition import load_edition
from fichepress.pdf import fonts as fonts_module
from fichepress.pdf.fonts import foreign_fonts
from fichepress.pdf.join import Joined
from fichepress.series import builder, collection
from fichepress.series.builder import build
from fichepress.series.collection import build_collection
from fichepress.series.pipeline import PIPELINES, Finished, Pipeline

from .conftest import copy_project

pytestmark = pytest.mark.e2e  # every test here builds PDFs


class Opens:
    """Every `pikepdf.open`, by what it read: bytes in memory, or a file."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.of_bytes = 0
        self.of_files: list[str] = []
        self.counting = True
        original = pikepdf.open

        def spy(source: Any, *args: Any, **kwargs: Any) -> pikepdf.Pdf:
            if self.counting and isinstance(source, io.BytesIO):
                self.of_bytes += 1
            elif self.counting:
                self.of_files.append(Path(source).name)
            return original(source, *args, **kwargs)

        monkeypatch.setattr(pikepdf, "open", spy)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Opens that are not counted: the test's own."""
        self.counting = False
        try:
            yield
        finally:
            self.counting = True

    def reset(self) -> None:
        self.of_bytes, self.of_files = 0, []


def test_an_output_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])
    opens = Opens(monkeypatch)
    report = build(load_edition(project), tmp_path / "out", jobs=1)
    assert report.problems == [] and len(report.outputs) == 2
    assert (opens.of_bytes, opens.of_files) == (2, [])  # one for each variant's PDF


class Twice:
    """Each check of an open PDF done again on the bytes it was saved as, reopened: both
    findings kept, to compare."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, opens: Opens) -> None:
        self.opens = opens
        self.finished = 0
        """PDFs finished."""
        self.saved: dict[int, bytes] = {}
        """The bytes each open PDF was saved as, by the PDF's id."""
        self.pairs: list[tuple[str, Any, Any]] = []
        for name, line in list(PIPELINES.items()):
            monkeypatch.setitem(PIPELINES, name, self.twice(name, line))
        self.wrap_fonts(monkeypatch)
        self.wrap_joined(monkeypatch)

    def reopened(self, pdf: pikepdf.Pdf) -> pikepdf.Pdf:
        return pikepdf.open(io.BytesIO(self.saved[id(pdf)]))

    def twice(self, name: str, line: Pipeline) -> Pipeline:
        def finish(pdf: pikepdf.Pdf, html: Any) -> Finished:
            finished = line.finish(pdf, html)
            self.saved[id(pdf)] = finished.data
            self.finished += 1
            return finished

        def check(pdf: pikepdf.Pdf, known: Mapping[int, Any], source: Any) -> Any:
            found = line.check(pdf, known, source)
            with self.opens.paused(), self.reopened(pdf) as again:
                self.pairs.append((f"{name} check", found, line.check(again, known, source)))
                if VARIANTS[name].tagged:  # what the rules read: the tree, its text
                    read = reading_text(pdf), reading_text(again)
                    self.pairs.append((f"{name} reading", *read))
            return found

        def page_results(pdf: pikepdf.Pdf) -> Any:
            found = line.page_results(pdf)
            with self.opens.paused(), self.reopened(pdf) as again:
                self.pairs.append((f"{name} page results", found, line.page_results(again)))
            return found

        def part_findings(pdf: pikepdf.Pdf, finished: Finished, results: Any) -> Any:
            assert line.part_findings is not None
            found = line.part_findings(pdf, finished, results)
            with self.opens.paused(), self.reopened(pdf) as again:
                later = line.part_findings(again, finished, results)
            self.pairs.append((f"{name} part findings", found, later))
            return found

        return replace(
            line,
            finish=finish,
            check=check,
            page_results=page_results,
            part_findings=part_findings if line.part_findings else None,
        )

    def wrap_fonts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = fonts_module.foreign_fonts_in

        def fonts(pdf: pikepdf.Pdf, families: set[str]) -> list[str]:
            found = original(pdf, families)
            with self.opens.paused():
                again = foreign_fonts(self.saved[id(pdf)], families)
            self.pairs.append(("fonts", found, again))
            return found

        monkeypatch.setattr(builder, "foreign_fonts_in", fonts)
        monkeypatch.setattr(collection, "foreign_fonts_in", fonts)

    def wrap_joined(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = collection.joined_parts

        @contextmanager
        def joined(*args: Any) -> Iterator[Joined]:
            with original(*args) as done:
                self.saved[id(done.pdf)] = done.data
                yield done

        wrapped: Callable[..., AbstractContextManager[Joined]] = joined
        monkeypatch.setattr(collection, "joined_parts", wrapped)


def test_the_checks_of_the_open_pdf_are_those_of_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over every PDF of the series (sheets, the collection's parts, the collection), each
    variant: the findings, page results and fonts read in the PDF as finished, open, are those
    read in its saved bytes; and each is parsed once (the collection reads its parts' files)."""
    project = copy_project(tmp_path / "project")
    # A theme mistake, for findings to compare: the header band stops at the trim.
    theme = project.styles / "fiches" / "theme.css"
    old = "margin: calc(-1 * (var(--page-margin-top) + var(--bleed)))"
    text = theme.read_text(encoding="utf-8")
    assert old in text
    theme.write_text(text.replace(old, "margin: calc(-1 * var(--page-margin-top))", 1), "utf-8")
    out = tmp_path / "out"
    opens = Opens(monkeypatch)
    twice = Twice(monkeypatch, opens)
    sheets = build(load_edition(project), out, jobs=1)
    assert sheets.problems == [] and len(sheets.outputs) == 2 * len(project.sheet_files())
    assert opens.of_bytes == twice.finished == len(sheets.outputs)
    assert opens.of_files == []
    opens.reset()
    twice.finished = 0
    whole = build_collection(load_edition(project), out, jobs=1)
    assert whole.problems == [] and len(whole.outputs) == 2
    assert opens.of_bytes == twice.finished  # each part, once; not the collection
    joined = 2 * (len(project.sheet_files()) + 2)  # front, the sheets, colophon; each variant
    assert len(opens.of_files) == joined  # the parts' files, joined
    assert sum(len(found) for kind, found, _ in twice.pairs if kind == "print check") >= 5
    kinds = {kind for kind, _, _ in twice.pairs}
    assert kinds == {
        "print check",
        "accessible check",
        "accessible reading",
        "print page results",
        "accessible page results",
        "accessible part findings",
        "fonts",
    }
    for kind, found, again in twice.pairs:
        assert found == again, kind
