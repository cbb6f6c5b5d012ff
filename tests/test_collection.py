"""The compiled collection: cover, contents with the right page numbers, recto starts,
bookmarks, page labels, one sound structure tree, and every sheet's text in order."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner

from fichepress.checks.accessibility import check_accessible
from fichepress.checks.printing import check_print
from fichepress.checks.ua_source import Source, reading_text, source_of
from fichepress.cli import main
from fichepress.core.findings import grouped
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.html.render import Part, edition_date, render_collection
from fichepress.html.typography import typeset, typeset_model
from fichepress.pdf.expected import expected_tree
from fichepress.pdf.fonts import clashing_subsets, font_program, fonts_in, subset_tag
from fichepress.pdf.structure import walk
from fichepress.series import parts as parts_module
from fichepress.series import shards as shards_module
from fichepress.series.builder import Builder, build
from fichepress.series.collection import build_collection
from fichepress.series.report import Report
from fichepress.source.load import load_series, load_sheet, load_sheets
from fichepress.source.markup import plain_text
from fichepress.source.model import Sheet

from .conftest import copy_project
from .helpers import pdfua_findings


@pytest.fixture(scope="module")
def collection(
    series_build: tuple[Project, Path, Report], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Project, Path, Report, dict[str, int]]:
    """The collection of the repository's series, built once, and each sheet's page count."""
    project, _, sheets_report = series_build
    assert sheets_report.ok
    out = tmp_path_factory.mktemp("collection")
    report = build_collection(load_edition(project), out)
    pages = {o.sheet: o.pages for o in sheets_report.outputs if o.variant == "accessible"}
    return project, out, report, pages


def sheets_of(project: Project) -> list[Sheet]:
    """The sheets of the series, in number order, with their typography as printed."""
    language = load_series(project).language
    return sorted(
        (
            typeset_model(sheet, sheet.language or language)
            for sheet in (load_sheet(p, project).sheet for p in project.sheet_files())
        ),
        key=lambda s: s.number,
    )


def page_texts(pdf_path: Path) -> list[str]:
    """The text of each page, by poppler (physical layout)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def starts(pdf_path: Path, sheets: list[Sheet]) -> dict[int, int]:
    """The physical page index where each sheet starts: the page holding its header."""
    texts = [re.sub(r"\s+", " ", t) for t in page_texts(pdf_path)]
    found = {}
    for sheet in sheets:
        heading = re.sub(r"\s+", " ", f"{sheet.number}. {sheet.title}")
        pages = [i for i, t in enumerate(texts) if heading in t and sheet.kicker.upper()[:20] in t]
        assert len(pages) == 1, (sheet.number, pages)
        found[sheet.number] = pages[0]
    return found


def test_both_variants_are_built_and_listed(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    _, out, report, _ = collection
    assert report.ok, report.problems
    assert report.warnings == []
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert {(e["sheet"], e["variant"]) for e in manifest["outputs"]} == {
        ("collection", "print"),
        ("collection", "accessible"),
    }


@pytest.mark.process
@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_page_count_recto_starts_and_blank_pages(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, pages = collection
    sheets = sheets_of(project)
    path = out / variant / "collection.pdf"
    texts = page_texts(path)
    first = starts(path, sheets)
    if variant == "print":
        # cover, its blank back, contents, a blank left page; each sheet on a right-hand page
        # (an even index, counting from 0), padded to whole leaves; the colophon likewise
        body = sum(pages[p.stem] + pages[p.stem] % 2 for p in project.sheet_files())
        assert len(texts) == 4 + body + 1
        assert all(index % 2 == 0 for index in first.values())
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        assert blank == [1, 3] + [i for i in range(4, len(texts)) if i in blank]
        for index in blank:
            assert index % 2 == 1  # blank pages are left-hand pages
    else:
        assert len(texts) == 2 + sum(pages.values()) + 1
        assert all(t.strip() for t in texts), "the accessible variant has no blank page"
    assert sorted(first.values()) == [first[s.number] for s in sheets]  # number order


@pytest.mark.process
@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_contents_give_the_page_where_each_sheet_starts(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, _ = collection
    sheets = sheets_of(project)
    path = out / variant / "collection.pdf"
    first = starts(path, sheets)
    with pikepdf.open(path) as pdf:
        labels = [page.label for page in pdf.pages]
    contents = next(t for t in page_texts(path) if "Sommaire" in t)
    for sheet in sheets:
        line = next(
            line for line in contents.splitlines() if line.strip().startswith(f"{sheet.number}.")
        )
        printed = re.search(r"(\d+)\s*$", line)
        assert printed, line
        assert printed.group(1) == labels[first[sheet.number]], (sheet.number, line)
        assert sheet.title[:20] in line


@pytest.mark.process
@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_contents_draw_nothing_outside_their_lines(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str, tmp_path: Path
) -> None:
    """The dotted leaders sit on their entry's line: every row of ink below the heading's rule
    is within a line of text (a leader astray once drew four lines below the entries)."""
    from PIL import Image

    _, out, _, _ = collection
    path = out / variant / "collection.pdf"
    page = next(i for i, t in enumerate(page_texts(path)) if "Sommaire" in t) + 1
    words = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    boxes = [
        (float(m.group(1)), float(m.group(2)), m.group(3))
        for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', words)
    ]
    first_entry = min(top for top, _, word in boxes if word == "1.")
    footer = max(top for top, _, _ in boxes)
    pages = ["-f", str(page), "-l", str(page)]
    png_prefix = str(tmp_path / "toc")
    subprocess.run(["pdftoppm", "-r", "72", *pages, "-png", str(path), png_prefix], check=True)
    [png] = tmp_path.glob("toc*.png")
    image = Image.open(png).convert("L")
    width = image.width
    inked = [
        y
        for y in range(image.height)
        if first_entry - 2 <= y <= footer - 2
        and any(image.getpixel((x, y)) < 200 for x in range(width // 8, width * 7 // 8))  # type: ignore[operator]
    ]
    assert inked, "the contents drew nothing"
    astray = [y for y in inked if not any(top - 3 <= y <= bottom + 3 for top, bottom, _ in boxes)]
    assert astray == []


@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_page_labels_roman_front_matter_then_one(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, _ = collection
    path = out / variant / "collection.pdf"
    first = min(starts(path, sheets_of(project)).values())
    with pikepdf.open(path) as pdf:
        labels = [page.label for page in pdf.pages]
    roman = ["i", "ii", "iii", "iv"][:first]
    assert labels[:first] == roman
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]


@pytest.mark.process
@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_running_footers_carry_the_page_number_and_the_sheet(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, _ = collection
    sheets = sheets_of(project)
    path = out / variant / "collection.pdf"
    texts = page_texts(path)
    first = starts(path, sheets)
    with pikepdf.open(path) as pdf:
        labels = [page.label for page in pdf.pages]
    for sheet in sheets:
        index = first[sheet.number]
        for page in (index, index + 1):
            footer = [line for line in texts[page].splitlines() if line.strip()][-1]
            assert f"Fiche {sheet.number} · " in footer, footer
            assert footer.rstrip().endswith(labels[page]), footer


@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_bookmarks_one_per_sheet_with_its_sections(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, _ = collection
    sheets = sheets_of(project)
    path = out / variant / "collection.pdf"
    first = starts(path, sheets)
    with pikepdf.open(path) as pdf:
        pages: dict[Any, int] = {page.objgen: index for index, page in enumerate(pdf.pages)}
        with pdf.open_outline() as outline:
            items = list(outline.root)
            titles = [item.title for item in items]
            series = load_series(project)
            assert titles == [
                typeset(series.title, series.language),
                "Sommaire",
                *(f"{s.number}. {s.title}" for s in sheets),
                "Colophon",
            ]
            for sheet, item in zip(sheets, items[2:-1], strict=True):
                destination: Any = item.destination
                assert pages[destination[0].objgen] == first[sheet.number]
                sections = [child.title for child in item.children]
                assert "Notre sélection" in sections
                assert sections[-1] == "Une suggestion pour aller plus loin"


def test_the_accessible_collection_is_one_sound_tree(
    collection: tuple[Project, Path, Report, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _, _ = collection
    data = (out / "accessible" / "collection.pdf").read_bytes()
    assert check_accessible(data, contrast=True) == []
    assert pdfua_findings(out / "accessible" / "collection.pdf", monkeypatch) == []
    with pikepdf.open(io_bytes(data)) as pdf:
        blocks = reading_text(pdf)
        h1 = [text for role, text in blocks if role == "H1"]
    assert len(h1) == 1 + len(sheets_of(collection[0]))  # the cover's, and one per sheet
    assert h1[0] == "Agir contre la pauvreté et l’exclusion sociale dans les territoires"


def io_bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def test_every_sheet_is_in_the_collection_in_order(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    project, out, _, _ = collection
    with pikepdf.open(out / "accessible" / "collection.pdf") as pdf:
        read = re.sub(r"\s+", " ", " ".join(t for r, t in reading_text(pdf) if r != "Lbl"))
    position = 0
    for sheet in sheets_of(project):
        texts = [f"{sheet.number}. {sheet.title}", sheet.kicker]
        for block in sheet.body:
            texts += [plain_text(v) for v in (getattr(block, "paragraph", None),) if v]
        if sheet.further_reading:
            texts += [plain_text(r.citation) for r in sheet.further_reading.references]
        for text in texts:
            wanted = re.sub(r"\s+", " ", text).strip()
            found = read.find(wanted, position)
            assert found >= 0, (sheet.number, wanted)
            position = found + len(wanted)
    colophon = read[position:]
    assert "Avec la participation financière de :" in colophon
    assert "© 2019 Communagir - Tous droits réservés" in colophon


@pytest.mark.process
def test_contents_entries_are_links_in_the_accessible_variant_only(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    project, out, _, _ = collection
    sheets = sheets_of(project)
    path = out / "accessible" / "collection.pdf"
    first = starts(path, sheets)
    with pikepdf.open(path) as pdf:
        pages: dict[Any, int] = {page.objgen: index for index, page in enumerate(pdf.pages)}
        contents = next(i for i, t in enumerate(page_texts(path)) if "Sommaire" in t)
        links = list(pdf.pages[contents].obj.get("/Annots", []))
        targets: dict[int, set[str]] = {}
        for link in links:
            destination = link.get("/Dest") or link.A.D
            if isinstance(destination, pikepdf.String | pikepdf.Name):
                names = pdf.Root.Names.Dests.Names
                index = [str(n) for n in names[::2]].index(str(destination))
                destination = names[2 * index + 1]
            targets.setdefault(pages[destination[0].objgen], set()).add(str(link.Contents))
        # One annotation per entry: WeasyPrint gives the row and each of its four pieces one,
        # the pieces' lie within the row's and are dropped (a keyboard stops once per entry).
        assert len(links) == len(sheets)
        # Each entry names the sheet and the number printed on its first page.
        assert targets == {
            first[sheet.number]: {
                f"{sheet.number}. {sheet.title} {pdf.pages[first[sheet.number]].label}"
            }
            for sheet in sheets
        }
        assert {pdf.pages[first[sheet.number]].label for sheet in sheets} == {"1", "3", "5", "7"}
    with pikepdf.open(out / "print" / "collection.pdf") as pdf:
        assert all("/Annots" not in page.obj for page in pdf.pages)


def test_the_print_collection_passes_preflight(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    _, out, _, _ = collection
    assert check_print((out / "print" / "collection.pdf").read_bytes()) == []


@pytest.mark.e2e
def test_a_bad_sheet_stops_the_collection_and_keeps_the_previous_one(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])
    runner = CliRunner()
    result = runner.invoke(main, ["collection", "--project", str(project.root), "-q"])
    assert result.exit_code == 0, result.output
    before = (project.root / "build" / "print" / "collection.pdf").read_bytes()
    sheet = project.sheets / "03-strategie-globale.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("number: 3", "number: trois"), "utf-8")
    result = runner.invoke(main, ["collection", "--project", str(project.root), "-q"])
    assert result.exit_code == 1
    assert 'number: must be a whole number, got "trois"' in result.stderr
    assert (project.root / "build" / "print" / "collection.pdf").read_bytes() == before


# --- a series built in shares ------------------------------------------------------------------


def test_a_series_built_in_shares_is_joined_by_collection_from(
    collection: tuple[Project, Path, Report, dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two CI jobs build a share each; a third gathers their folders and joins the collection,
    rendering its front matter and colophon only: the collection one whole build makes."""
    _, whole, _, _ = collection
    project = copy_project(tmp_path / "project")
    shares = []
    for index in (1, 2):
        out = tmp_path / f"share-{index}"
        args = ["build", "-j", "1", "--shard", f"{index}/2", "--out", str(out)]
        result = CliRunner().invoke(main, [*args, "--project", str(project.root)])
        assert result.exit_code == 0, result.output
        assert not (out / "print" / "collection.pdf").exists()
        shares.append(out)
    rendered: list[str] = []
    render_all = parts_module._render_all

    def counted(pool: Any, specs: Any, *args: Any) -> Any:
        rendered.extend(spec.kind for spec in specs)
        return render_all(pool, specs, *args)

    monkeypatch.setattr(parts_module, "_render_all", counted)
    final = tmp_path / "final"
    args = ["collection", "-j", "1", "--out", str(final), "--project", str(project.root)]
    for share in shares:
        args += ["--from", str(share)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    sheets = len(project.sheet_files())
    assert f"gathered {2 * sheets} PDFs and {2 * sheets} collection parts from 2 shares" in (
        result.stdout
    )
    assert sorted(rendered) == ["colophon", "colophon", "front", "front"]
    for share in shares:
        for pdf in share.glob("*/*.pdf"):
            assert (final / pdf.relative_to(share)).read_bytes() == pdf.read_bytes()
    for variant in ("print", "accessible"):
        joined = (final / variant / "collection.pdf").read_bytes()
        assert joined == (whole / variant / "collection.pdf").read_bytes(), variant
    listed = json.loads((final / "manifest.json").read_text("utf-8"))["outputs"]
    assert len(listed) == 2 * sheets + 2
    # The final folder is a whole build: nothing is left to make.
    again = ["build", "-j", "1", "--out", str(final), "--format", "json"]
    result = CliRunner().invoke(main, [*again, "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert {o["status"] for o in json.loads(result.stdout)["outputs"]} == {"kept"}


def test_gathering_leaves_out_what_does_not_match_or_leaves_its_folder(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])
    share = tmp_path / "shares" / "one"
    (share / "print").mkdir(parents=True)
    good, bad = b"%PDF-1.7 good", b"%PDF-1.7 changed"
    (share / "print" / "good.pdf").write_bytes(good)
    (share / "print" / "bad.pdf").write_bytes(bad)
    (tmp_path / "evil.pdf").write_bytes(good)

    def entry(sheet: str, path: str, data: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        return {"variant": "print", "sheet": sheet, "source": "s", "path": path, "pages": 1,
                "sha256": digest, "inputs": "i", "warnings": [], "parts": []}  # fmt: skip

    outputs = [
        entry("good", "print/good.pdf", good),
        entry("bad", "print/bad.pdf", good),  # not what the file holds
        entry("evil", "../../evil.pdf", good),  # out of the folder
    ]
    (share / "manifest.json").write_text(json.dumps({"outputs": outputs}), "utf-8")
    fragments = share / ".fragments"
    fragments.mkdir()
    part = "ab" * 32
    (fragments / f"{part[:40]}.pdf").write_bytes(b"changed")
    index = {"parts": {part: {"sha256": hashlib.sha256(b"original").hexdigest(), "pages": 2}}}
    (fragments / "index.json").write_text(json.dumps(index), "utf-8")
    out = tmp_path / "final"
    gathered = shards_module.gather(project, out, [share])
    assert (gathered.pdfs, gathered.parts, gathered.shares) == (1, 0, 1)
    assert (out / "print" / "good.pdf").read_bytes() == good
    assert sorted(p.name for p in out.rglob("*.pdf")) == ["good.pdf"]
    messages = sorted(problem.message for problem in gathered.problems)
    assert messages == [
        '"../../evil.pdf" is not a PDF of the print/ or accessible/ folder: left out',
        "print/bad.pdf does not match its sha256: left out",
        f"the collection part {part[:12]} does not match its sha256: left out",
    ]


@pytest.mark.process
def test_the_cover_names_the_series_its_publisher_and_year(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    project, out, _, _ = collection
    series = load_series(project)
    for variant in ("print", "accessible"):
        cover = re.sub(r"\s+", " ", page_texts(out / variant / "collection.pdf")[0])
        assert typeset(series.title, series.language) in cover, variant
        # The publisher is set in letter-spaced capitals: pdftotext splits its letters.
        assert series.publisher.name.upper().replace(" ", "") in cover.replace(" ", ""), variant
        assert str(series.date.year if series.date else "") in cover, variant


@pytest.mark.process
@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_the_colophon_holds_the_funders_logos_and_the_copyright(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    project, out, _, _ = collection
    series = load_series(project)
    assert series.funders is not None
    path = out / variant / "collection.pdf"
    colophon = re.sub(r"\s+", " ", page_texts(path)[-1])
    assert series.copyright in colophon
    assert typeset(series.funders.intro, series.language).rstrip(" :\u00a0\u202f") in colophon
    assert series.title.replace("'", "’") in colophon  # the edition
    if variant == "print":
        return  # the logos' pictures: their alternative text is read below, in the tagged PDF
    with pikepdf.open(path) as pdf:
        last = pdf.pages[-1].objgen
        figures = [
            str(element.get("/Alt", ""))
            for element in walk(pdf).elements
            if element.get("/S") == "/Figure"
            and element.get("/Pg") is not None
            and element.Pg.objgen == last
        ]
    for funder in series.funders.organisations:
        assert funder.alt in figures, funder.alt


def test_every_sheet_is_an_article_under_one_document_element(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    """One tree: the root holds one Document; the cover and contents, the sheets (an Art each,
    in the Part of the body) and the colophon are below it; each sheet's H1 is in its Art."""
    project, out, _, _ = collection
    sheets = sheets_of(project)
    with pikepdf.open(out / "accessible" / "collection.pdf") as pdf:
        root = pdf.Root.StructTreeRoot
        tops = list(root.K) if isinstance(root.K, pikepdf.Array) else [root.K]
        assert [str(top.S) for top in tops] == ["/Document"]
        document = tops[0]
        parts = ["/Part"] * len(sheets)
        assert [str(kid.S) for kid in document.K] == ["/Div", "/Sect", *parts, "/Sect"]
        tree = walk(pdf)
        arts = [e for e in tree.elements if str(e.get("/S")) == "/Art"]
        assert len(arts) == len(sheets)
        for art, part in zip(arts, list(document.K)[2:-1], strict=True):
            assert tree.parents[art.objgen].objgen == part.objgen
        for art in arts:
            headings = [
                e
                for e in tree.elements
                if str(e.S) == "/H1" and art.objgen in {a.objgen for a in _ancestors(tree, e)}
            ]
            assert len(headings) == 1
        h1 = [text for role, text in reading_text(pdf) if role == "H1"]
        assert h1[1:] == [f"{sheet.number}. {sheet.title}" for sheet in sheets]
        # every element of the tree is below that one Document
        for element in tree.elements[1:]:
            assert _ancestors(tree, element)[-1].objgen == document.objgen


def _ancestors(tree: Any, element: Any) -> list[Any]:
    """The elements above `element`, nearest first."""
    found = []
    parent = tree.parents.get(element.objgen)
    while parent is not None:
        found.append(parent)
        parent = tree.parents.get(parent.objgen)
    return found


@pytest.mark.e2e
def test_a_sheet_in_another_language_keeps_it_in_the_collection(tmp_path: Path) -> None:
    project = copy_project(
        tmp_path / "project", ["03-strategie-globale.yaml", "04-evaluer-pour-apprendre.yaml"]
    )
    sheet = project.sheets / "04-evaluer-pour-apprendre.yaml"
    sheet.write_text(sheet.read_text("utf-8").replace("kicker:", "language: en\nkicker:"), "utf-8")
    out = tmp_path / "out"
    report = build_collection(load_edition(project), out, variants=["accessible"], jobs=1)
    assert report.ok, report.problems
    data = (out / "accessible" / "collection.pdf").read_bytes()
    assert check_accessible(data) == []
    with pikepdf.open(io_bytes(data)) as pdf:
        assert str(pdf.Root.Lang) == "fr-CA"
        arts = [e for e in walk(pdf).elements if str(e.get("/S")) == "/Art"]
        assert [str(art.get("/Lang", "")) for art in arts] == ["", "en"]


def test_the_accessible_collection_reads_as_its_parts_sources(
    collection: tuple[Project, Path, Report, dict[str, int]],
) -> None:
    """Every block of the cover, the contents, each sheet (headings, paragraphs, lists, quotes,
    resources, logos) and the colophon, in order, with its roles, text, language and links:
    the joined tree reads exactly as the HTML of its parts."""
    project, out, _, _ = collection
    builder = Builder(load_edition(project, []), out)
    sources, _ = load_sheets(project, project.sheet_files())
    sheets = [s.sheet for s in sorted(sources, key=lambda s: s.sheet.number)]
    path = out / "accessible" / "collection.pdf"
    first = starts(path, sheets_of(project))
    with pikepdf.open(path) as pdf:
        toc = {number: pdf.pages[index].label for number, index in first.items()}

    def part(kind: Part, chosen: list[Sheet]) -> Source:
        html = render_collection(
            chosen,
            builder.series,
            variant="accessible",
            part=kind,
            look=builder.theme.look("accessible", collection=True),
            logos=builder.logos,
            date=edition_date(builder.series),
            first_page=1,
            toc_pages=toc,
        )
        return source_of(expected_tree(html))

    parts = [part("front", sheets), *(part("sheet", [s]) for s in sheets), part("colophon", sheets)]
    whole = Source(
        tuple(block for one in parts for block in one.blocks), parts[0].title, parts[0].lang
    )
    assert len(whole.blocks) > 120
    data = path.read_bytes()
    assert check_accessible(data, source=whole) == []
    # and the comparison sees a sheet left out
    fewer = Source(
        tuple(block for one in parts[:2] + parts[3:] for block in one.blocks),
        whole.title,
        whole.lang,
    )
    assert {f.rule for f in check_accessible(data, source=fewer)} == {"UA-SOURCE"}


@pytest.mark.e2e
@pytest.mark.process
def test_sheets_start_on_right_hand_pages_whatever_their_length(tmp_path: Path) -> None:
    """A one-page sheet, numbered first but named last: the collection follows the numbers,
    and a blank left page comes after it in print so that the next sheet starts on a right-hand
    page; the accessible collection has no blank page."""
    project = copy_project(
        tmp_path / "project", ["03-strategie-globale.yaml", "04-evaluer-pour-apprendre.yaml"]
    )
    (project.sheets / "zz-courte.yaml").write_text(
        "number: 1\n"
        "title: Une fiche courte\n"
        "kicker: Une seule page.\n"
        "page_budget: 1\n"
        "body:\n"
        "  - paragraph: >-\n"
        + "".join(
            "      Une phrase d’exemple pour remplir la page sans la dépasser.\n" for _ in range(40)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    report = build(load_edition(project), out, jobs=1)
    assert report.ok, report.problems
    pages = {o.sheet: o.pages for o in report.outputs if o.variant == "print"}
    assert pages == {"zz-courte": 1, "03-strategie-globale": 2, "04-evaluer-pour-apprendre": 2}
    assert build_collection(load_edition(project), out, jobs=1).ok
    sheets = sheets_of(project)
    assert [s.number for s in sheets] == [1, 3, 4]
    printed = out / "print" / "collection.pdf"
    first = starts(printed, sheets)
    texts = page_texts(printed)
    # cover, blank, contents, blank | sheet 1, blank | sheet 3 (2) | sheet 4 (2) | colophon
    assert first == {1: 4, 3: 6, 4: 8}
    assert not texts[5].strip()  # the back of the one-page sheet
    assert len(texts) == 11
    accessible = out / "accessible" / "collection.pdf"
    first = starts(accessible, sheets)
    assert first == {1: 2, 3: 3, 4: 5}
    assert all(text.strip() for text in page_texts(accessible))


@pytest.mark.e2e
def test_an_up_to_date_collection_repeats_its_warnings_as_they_were_said(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ["03-strategie-globale.yaml"])
    css = project.styles / "fiches" / "collection.css"
    css.write_text(css.read_text("utf-8") + "\n.toc-heading { colr: var(--ink); }\n", "utf-8")
    out = tmp_path / "out"
    first = build_collection(load_edition(project), out, jobs=1)
    again = build_collection(load_edition(project), out, jobs=1)
    assert again.up_to_date == 2
    said = [str(w) for w in first.warnings]
    # each part's rendering says it; it is one mistake, told at its line, found in 2 PDFs
    line = len(css.read_text("utf-8").splitlines())
    column = css.read_text("utf-8").splitlines()[-1].index("colr") + 1
    assert [(str(f), count) for f, count in grouped(first.warnings)] == [
        (
            f"styles/fiches/collection.css:{line}:{column}: Ignored `colr: var(--ink)`,"
            " unknown property",
            2,
        )
    ]
    assert [str(w) for w in again.warnings] == said


@pytest.mark.parametrize("variant", ["print", "accessible"])
def test_each_font_subset_has_a_tag_of_its_own(
    collection: tuple[Project, Path, Report, dict[str, int]], variant: str
) -> None:
    """The parts subset each font differently under one name: joined, each subset gets a tag
    derived from its bytes, the same in the font, its descendant and its descriptor."""
    _, out, _, _ = collection
    with pikepdf.open(out / variant / "collection.pdf") as pdf:
        assert clashing_subsets(pdf) == []
        programs: dict[str, set[bytes]] = {}
        for font in fonts_in(pdf):
            program = font_program(font)
            assert program is not None
            descendant = font.DescendantFonts[0]
            name = str(descendant.FontDescriptor.FontName).lstrip("/")
            assert str(font.BaseFont).lstrip("/").startswith(name)
            assert str(descendant.BaseFont).lstrip("/") == name
            assert name[:6] == subset_tag(program.read_bytes())
            programs.setdefault(name.split("+")[1], set()).add(program.read_bytes())
        assert max(len(found) for found in programs.values()) > 1  # several subsets of one font

        # a broken copy: one subset renamed as another of the same font
        fonts = [f for f in fonts_in(pdf) if str(f.BaseFont).endswith("+Lato")]
        first, second = fonts[0], fonts[1]
        name = first.DescendantFonts[0].FontDescriptor.FontName
        second.BaseFont = second.DescendantFonts[0].BaseFont = name
        second.DescendantFonts[0].FontDescriptor.FontName = name
        [problem] = clashing_subsets(pdf)
        assert "stands for 2 different embedded fonts" in problem
