"""The compiled collection: the whole series as one print and one accessible PDF.

Rendering a hundred-page collection as one document takes WeasyPrint seconds per variant, for
every change of any sheet. Instead the collection is put together from parts rendered on
their own and kept in `build/.fragments/`: the front matter (cover and contents), one part per
sheet (numbered from the page where it starts in the collection) and the colophon. A change to
a sheet renders that sheet's part again, and the front matter when a title or a first page
moved; the parts are then joined with pikepdf:

- print: blank left pages where a part would start on a left-hand page, crop marks on them,
  one output intent, a content-derived identity;
- accessible: one structure tree (every part's Document children grafted under one Document,
  StructParents and the ParentTree renumbered), the contents' entries made links to the
  sheets' first pages, a language on each sheet in another language;
- both: page labels (i, ii… then 1, 2…), bookmarks (each sheet with its sections under it).

The collection then gets every check a sheet gets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import jinja2
import pikepdf

from fichepress.core.errors import InvalidSource, Problem, is_system_error, system_message
from fichepress.core.files import (
    DAMAGE,
    Damaged,
    Unfit,
    discard,
    load_cache,
    notice,
    read_kept,
    resolved,
    write_atomic,
    write_cache,
)
from fichepress.core.project import Project
from fichepress.html.render import (
    VARIANTS,
    Part,
    Variant,
    edition_date,
    render_collection,
    template_problem,
)
from fichepress.html.themes import Theme, load_theme
from fichepress.pdf.prepress import crop_marks, save_identified, set_identity
from fichepress.series.builder import (
    MANIFEST,
    SHA256,
    Builder,
    Manifest,
    Output,
    Progress,
    Report,
    _kept,
    manifest_outputs,
    manifest_problems,
    worker_builder,
    worker_pool,
)
from fichepress.series.inputs import common_digest, output_digest
from fichepress.series.stamp import OUTPUT_PATH, code_digest
from fichepress.series.workers import Pool, WorkerFailed
from fichepress.source.load import SheetSource, load_series, load_sheets
from fichepress.source.model import Series

NAME = "collection"
FRAGMENTS = ".fragments"
LINK = "fichepress:sheet-"
"""Addresses the contents use for the sheets, turned into links when the parts are joined."""


@dataclass(frozen=True)
class PartSpec:
    """One part of the collection to render."""

    kind: Part
    variant: Variant
    digest: str
    sheet: str | None = None
    """The sheet's file, for a sheet's part."""
    first_page: int | None = None
    toc: tuple[tuple[int, str], ...] = ()
    """(sheet number, page label of its first page), for the front matter."""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def part_problems(entry: Any) -> list[tuple[str, str]]:
    """What is wrong with the entry of one part in a fragments index: (key, message) pairs."""
    if not isinstance(entry, dict):
        return [("", "is not an object with the keys of a part")]
    problems = []
    if not _is_count(entry.get("pages")):
        problems.append(("pages", "is missing" if "pages" not in entry else "is not a number"))
    if not isinstance(entry.get("sha256"), str) or not SHA256.fullmatch(entry["sha256"]):
        problems.append(("sha256", "is missing or not a SHA-256 digest"))
    for key in ("notes", "problems"):
        if not _is_texts(entry.get(key, [])):
            problems.append((key, "is not a list of texts"))
    if not isinstance(entry.get("content", ""), str):
        problems.append(("content", "is not a text"))
    return problems


def index_problems(document: Any) -> list[tuple[str, str]]:
    """What is wrong with a fragments index (`.fragments/index.json`), as (key path, message)
    pairs; none when it is as fichepress writes it (`parts` and `pages` may be left out: none
    yet). Values are never repeated."""
    if not isinstance(document, dict):
        return [("", "is not a JSON object")]
    problems = []
    parts, pages = document.get("parts", {}), document.get("pages", {})
    if not isinstance(parts, dict):
        problems.append(("parts", "is not an object"))
    else:
        for number, (digest, entry) in enumerate(parts.items(), start=1):
            if not SHA256.fullmatch(digest):
                problems.append((f"parts (key {number})", "is not a SHA-256 digest"))
                continue
            problems += [
                (f"parts.{digest[:12]}…" + (f".{key}" if key else ""), message)
                for key, message in part_problems(entry)
            ]
    if not isinstance(pages, dict):
        problems.append(("pages", "is not an object"))
    elif not all(_is_count(count) for count in pages.values()):
        problems.append(("pages", "holds a count that is not a number of pages"))
    return problems


def _index(document: Any) -> dict[str, Any]:
    """A fragments index as fichepress writes it, or `Damaged` saying where it is not."""
    problems = index_problems(document)
    if problems:
        key, message = problems[0]
        raise Damaged(f"{key}: {message}" if key else message)
    return {"parts": document.get("parts", {}), "pages": document.get("pages", {})}


def empty_index() -> dict[str, Any]:
    """The index of a folder of parts that holds none."""
    return {"parts": {}, "pages": {}}


class Fragments:
    """The parts already rendered, by digest, in `build/.fragments/`: its index read from the
    output folder (mended if damaged), or given (`empty_index()` where only the paths are
    needed: in the workers); `of_share` reads a share's."""

    def __init__(self, out: Path, index: dict[str, Any] | None = None) -> None:
        self.folder = out / FRAGMENTS
        self.index_path = self.folder / "index.json"
        self.index: dict[str, Any] = _load_index(out) if index is None else index
        self.checked: set[str] = set()

    @classmethod
    def of_share(cls, folder: Path, shown: str) -> tuple[Fragments, list[Problem]]:
        """The parts a share of the series rendered in its output `folder` (`build --shard`),
        and what is wrong with its index (`shown` as messages name it): a share's folder is
        the user's, read and never mended."""
        read = read_json(folder / FRAGMENTS / "index.json", shown)
        if read is None:
            return cls(folder, empty_index()), []  # no part rendered
        document, problems = read
        if problems:
            return cls(folder, empty_index()), problems
        found = index_problems(document)
        problems = [Problem(shown, key=key, message=message) for key, message in found]
        return cls(folder, empty_index() if problems else _index(document)), problems

    def path(self, digest: str) -> Path:
        return self.folder / f"{digest[:40]}.pdf"

    def results_path(self, digest: str) -> Path:
        """What the checks found on each page of the part (see `page_results`)."""
        return self.folder / f"{digest[:40]}.json"

    def part(self, digest: str) -> bytes | None:
        """The bytes of a part listed in the index, when they are whole (their sha256 as
        listed); None otherwise. Something else than a file in its place is discarded."""
        entry: dict[str, Any] | None = self.index["parts"].get(digest)
        if entry is None:
            return None
        try:
            data = read_kept(self.path(digest), None)
        except Unfit:
            discard(self.path(digest))
            return None
        if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
        return data

    def get(self, digest: str) -> dict[str, Any] | None:
        """The entry of a part kept whole on disk (its sha256 checked once), or None."""
        entry: dict[str, Any] | None = self.index["parts"].get(digest)
        if entry is None or digest in self.checked:
            return entry
        if self.part(digest) is None:
            return None
        self.checked.add(digest)
        return entry

    def put(self, digest: str, entry: dict[str, Any], content: str | None) -> None:
        self.index["parts"][digest] = {**entry, "content": content} if content else entry
        if content:
            self.index["pages"][content] = entry["pages"]

    def guess_pages(self, content: str, default: int) -> int:
        return int(self.index["pages"].get(content, default))

    def save(self, keep: set[str] | None) -> None:
        """Write the index. After a build that went through, forget (and delete) the parts it
        did not use (`keep`); after a failed one (None), keep everything for the next."""
        if keep is not None:
            for digest in list(self.index["parts"]):
                if digest not in keep:
                    del self.index["parts"][digest]
                    self.path(digest).unlink(missing_ok=True)
                    self.results_path(digest).unlink(missing_ok=True)
            contents = {entry.get("content") for entry in self.index["parts"].values()}
            self.index["pages"] = {c: n for c, n in self.index["pages"].items() if c in contents}
            self._remove_unlisted()
        text = json.dumps(self.index, indent=1, sort_keys=True) + "\n"
        write_cache(self.index_path, text.encode("utf-8"))

    def _remove_unlisted(self) -> None:
        """Remove the parts (and their check results) that the index does not list: left by
        a build that stopped before it wrote the index, or by a damaged index."""
        listed = {digest[:40] for digest in self.index["parts"]}
        for path in self.folder.glob("*") if self.folder.is_dir() else ():
            named = PART_NAME.fullmatch(path.name)
            if named and named.group(1) not in listed and not path.is_dir():
                path.unlink(missing_ok=True)


PART_NAME = re.compile(r"([0-9a-f]{40})\.(?:pdf|json)")
"""The name of a part, or of its check results, in the folder of parts."""


def _load_index(out: Path) -> dict[str, Any]:
    """The index of the parts kept in the output folder `out`. When it is damaged, the whole
    folder of parts is discarded (parts no index lists would never be removed), with one line
    of notice; so is something else than a folder standing in its place."""
    folder = out / FRAGMENTS
    shown = f"{out.name}/{FRAGMENTS}"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        discard(folder)
        notice(f"{shown} is not a folder: discarded; the collection's parts are made again")
        return empty_index()
    remade = "the collection's parts are made again"
    index = load_cache(folder / "index.json", _index, f"{shown}/index.json", remade)
    if index is None and folder.is_dir():
        discard(folder)  # parts that no index lists: rendered again when needed
    return index or empty_index()


def read_json(path: Path, shown: str) -> tuple[Any, list[Problem]] | None:
    """The JSON document at `path`, a file the user gives (a share's manifest or index), and
    what is wrong with it at its place (`shown`: then the document is None); None when there
    is no file. Its content is never repeated in a message."""
    try:
        raw = read_kept(path)
    except Unfit as unfit:
        return None, [Problem(shown, message=str(unfit))]
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8")), []
    except UnicodeDecodeError:
        return None, [Problem(shown, message="is not UTF-8 text: not a file fichepress wrote")]
    except json.JSONDecodeError as error:
        message = f"is not valid JSON ({error.msg.lower()}): not a file fichepress wrote"
        return None, [Problem(shown, error.lineno, error.colno, message=message)]
    except RecursionError:
        return None, [Problem(shown, message="is nested too deep: not a file fichepress wrote")]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


# --- rendering the parts ---------------------------------------------------------------------


def render_part(builder: Builder, spec: PartSpec, sheets: Sequence[SheetSource]) -> dict[str, Any]:
    """Render one part, finish it (press or structure) and keep it; its entry for the index."""
    from fichepress.pdf.tagging import StructureError

    chosen = [s.sheet for s in sheets if spec.sheet is None or str(s.path) == spec.sheet]
    try:
        html = render_collection(
            chosen if spec.kind == "sheet" else [s.sheet for s in sheets],
            builder.series,
            variant=spec.variant,
            part=spec.kind,
            look=builder.theme.look(spec.variant, collection=True),
            logos=builder.logos,
            date=edition_date(builder.series),
            first_page=spec.first_page,
            toc_pages=dict(spec.toc),
        )
    except jinja2.TemplateError as error:
        problem = template_problem(error, lambda path: builder.project.display(Path(path)))
        return {"problems": [str(problem)], "pages": 0}
    shown = builder.project.display(Path(spec.sheet)) if spec.sheet else "the collection"
    report = Report()
    rendered = builder.render(html, spec.variant, shown, report)
    if rendered is None:
        return {"problems": [str(p) for p in report.problems], "pages": 0}
    parsed = html if rendered.tree is None else rendered.tree
    try:
        data = builder.finish_pdf(spec.variant, rendered.data, parsed)
    except StructureError as error:
        return {"problems": [f"{shown}: its structure could not be repaired: {error}"], "pages": 0}
    fragments = Fragments(builder.out, empty_index())
    results = page_results(spec.variant, data)
    write_cache(fragments.results_path(spec.digest), json.dumps(results).encode())
    write_cache(fragments.path(spec.digest), data)
    notes = [f"{shown}: {note}" for note in rendered.warnings]
    if spec.variant == "accessible":
        notes += [
            f"{shown}: {line}" for line in _source_findings(data, parsed, results, spec.first_page)
        ]
        notes += [f"{shown}: {line}" for line in builder.contrast(rendered)]
    sha256 = hashlib.sha256(data).hexdigest()
    return {"pages": rendered.pages, "notes": notes, "problems": [], "sha256": sha256}


def _source_findings(
    data: bytes, html: str | Element, results: list[dict[str, Any]], first_page: int | None
) -> list[str]:
    """How an accessible part reads against its HTML (the joined collection is checked whole,
    but knows no source); pages as the collection numbers them, from `first_page`."""
    from fichepress.checks.accessibility import PageMarks, check_source, source_of
    from fichepress.pdf.tagging import expected_tree

    known = {index: PageMarks.from_json(page) for index, page in enumerate(results)}
    findings = check_source(data, source_of(expected_tree(html)), known)
    if first_page is not None:
        shift = first_page - 1
        findings = [replace(f, page=f.page + shift) if f.page else f for f in findings]
    return [f"check: {finding.line('')[2:]}" for finding in findings]


def page_results(variant: Variant, data: bytes) -> list[dict[str, Any]]:
    """What the checks need of each page of a part, kept beside it: the print rules' results,
    or the accessible rules' marks. The collection's pages are the parts' pages, copied: their
    results are not computed again when the parts are joined."""
    if variant == "print":
        from fichepress.checks.printing import page_results as print_results

        return [result.as_json() for result in print_results(data)]
    from fichepress.checks.accessibility import page_marks

    return [marks.as_json() for marks in page_marks(data)]


def _known_pages(
    variant: Variant, fragments: Fragments, digests: Sequence[str], offsets: Sequence[int]
) -> dict[int, Any]:
    """The kept results of the parts' pages, by their index in the joined document."""
    from fichepress.checks.accessibility import PageMarks
    from fichepress.checks.printing import PageResult

    reader = PageResult.from_json if variant == "print" else PageMarks.from_json
    known: dict[int, Any] = {}
    for digest, offset in zip(digests, offsets, strict=True):
        path = fragments.results_path(digest)
        try:
            raw = read_kept(path)
            if raw is None:
                continue  # checked in full
            pages = [reader(page) for page in json.loads(raw)]
        except OSError:
            continue  # checked in full
        except (Unfit, *DAMAGE):
            discard(path)  # damaged: its part's pages are checked in full, now and later
            continue
        for index, page in enumerate(pages):
            known[offset + index] = page
    return known


def identity(variant: Variant, digests: Sequence[str], numbers: Sequence[int]) -> bytes:
    """The identity of a collection joined from parts: their digests name everything that
    made them (sources, theme, code), so the same parts give the same bytes."""
    return hashlib.sha256("\0".join([variant, *digests, *map(str, numbers)]).encode()).digest()


def _join_in_worker(
    variant: Variant, files: list[tuple[Part, str]], digests: list[str], numbers: list[int]
) -> tuple[str, int, list[str], list[str]]:
    """Join a variant's parts and check the result: (file written, pages, findings, fonts not
    of the theme)."""
    from fichepress.pdf.fonts import foreign_fonts

    builder = worker_builder()
    fragments = Fragments(builder.out, empty_index())
    data, offsets, pages = join(
        variant,
        [(kind, Path(path)) for kind, path in files],
        numbers,
        identity=identity(variant, digests, numbers),
    )
    known = _known_pages(variant, fragments, digests, offsets)
    findings = builder.check_pdf(variant, data, known)
    fonts = foreign_fonts(data, builder.theme.families)
    path = fragments.folder / f"{NAME}-{variant}.pdf"
    write_atomic(path, data)
    return str(path), pages, findings, fonts


def _render_in_worker(spec: PartSpec) -> dict[str, Any]:
    """Render a part in a worker: a sheet's part needs that sheet only, the others all."""
    builder = worker_builder()
    project = builder.project
    paths = [Path(spec.sheet)] if spec.sheet else project.sheet_files()
    sources, problems = load_sheets(project, paths)
    if problems:
        return {"problems": [str(p) for p in problems], "pages": 0}
    try:
        return render_part(builder, spec, sorted(sources, key=lambda s: s.sheet.number))
    except OSError as error:
        if not is_system_error(error):
            raise
        return {"problems": [system_message(error, project.display)], "pages": 0}


def _render_all(
    pool: Pool, specs: Sequence[PartSpec], progress: Progress | None
) -> dict[str, dict[str, Any]]:
    """Render parts by the pool's workers; their entries by digest."""
    results: dict[str, dict[str, Any]] = {}
    if progress and specs:
        progress(0, len(specs), f"collection: {specs[0].kind} ({specs[0].variant})")
    for done, (index, result) in enumerate(pool.run(_render_in_worker, [(s,) for s in specs]), 1):
        spec = specs[index]
        if isinstance(result, WorkerFailed):
            result = {"problems": [f"{spec.kind} part not rendered: {result}"], "pages": 0}
        results[spec.digest] = result
        if progress:
            progress(done, len(specs), f"collection: {spec.kind} ({spec.variant})")
    return results


# --- joining the parts ----------------------------------------------------------------------


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, Any]:
    entries: dict[int, Any] = {}

    def collect(node: Any) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                entries[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            collect(kid)

    root = pdf.Root.get("/StructTreeRoot")
    if root is not None and "/ParentTree" in root:
        collect(root.ParentTree)
    return entries


@dataclass
class _Bookmark:
    title: str
    page: int
    children: list[_Bookmark]


def _bookmarks(pdf: pikepdf.Pdf, offset: int) -> list[_Bookmark]:
    pages: dict[Any, int] = {page.objgen: index for index, page in enumerate(pdf.pages)}

    def read(item: Any) -> _Bookmark | None:
        destination = item.destination
        if isinstance(destination, pikepdf.Array) and len(destination) > 0:
            page = pages.get(destination[0].objgen)
        else:
            page = None
        if page is None:
            return None
        children = [b for b in (read(child) for child in item.children) if b is not None]
        return _Bookmark(item.title, page + offset, children)

    with pdf.open_outline() as outline:
        return [b for b in (read(item) for item in outline.root) if b is not None]


def _blank_page(pdf: pikepdf.Pdf, model: pikepdf.Page) -> pikepdf.Page:
    """A blank page like `model` (same boxes), with crop marks if it has a trim box."""
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=pikepdf.Dictionary())
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in model.obj:
            page[box] = pikepdf.Array([float(v) for v in model.obj[box]])
    if "/TrimBox" in model.obj:
        trim = tuple(float(v) for v in model.obj.TrimBox)
        page.Contents = pdf.make_stream(crop_marks(trim))  # type: ignore[arg-type]
    return pikepdf.Page(pdf.make_indirect(page))


def join(
    variant: Variant,
    files: Sequence[tuple[Part, Path]],
    first_sheet_numbers: Sequence[int],
    identity: bytes | None = None,
) -> tuple[bytes, list[int], int]:
    """One PDF of the parts, in order (front, sheets, colophon); the index of each part's
    first page in it; its number of pages. `identity`, a digest of the parts, saves a probe:
    without it, the document's identity is derived from its bytes."""
    documents = [pikepdf.open(path) for _, path in files]
    base = documents[0]
    offsets: list[int] = []
    try:
        kinds = [kind for kind, _ in files]
        _join(variant, base, documents, kinds, first_sheet_numbers, offsets)
        pages = len(base.pages)
        data = set_identity(base) if identity is None else save_identified(base, identity)
        return data, offsets, pages
    finally:
        for document in documents:
            document.close()


def _join(
    variant: Variant,
    base: pikepdf.Pdf,
    documents: list[pikepdf.Pdf],
    kinds: list[Part],
    numbers: Sequence[int],
    offsets: list[int],
) -> None:
    tagged = variant == "accessible"
    trees = [_parent_tree(document) for document in documents]
    language = str(base.Root.get("/Lang", ""))
    bookmarks: list[_Bookmark] = _bookmarks(base, 0)
    starts: dict[int, int] = {}
    page_sources: list[tuple[int, Any]] = [(0, page.obj) for page in base.pages]
    children = list(_kids(base.Root.StructTreeRoot.K[0])) if tagged else []
    sheet_index = 0
    offsets.append(0)
    for number, (document, kind) in enumerate(zip(documents, kinds, strict=True)):
        if number == 0:
            continue
        if variant == "print" and len(base.pages) % 2 == 1:
            base.pages.append(_blank_page(base, base.pages[-1]))
            page_sources.append((-1, base.pages[-1].obj))
        offset = len(base.pages)
        offsets.append(offset)
        if kind == "sheet":
            starts[numbers[sheet_index]] = offset
            sheet_index += 1
        bookmarks += _bookmarks(document, offset)
        base.pages.extend(document.pages)
        page_sources += [(number, page.obj) for page in base.pages[offset:]]
        if tagged:
            document_element = document.Root.StructTreeRoot.K[0]
            other_language = str(document.Root.get("/Lang", ""))
            for kid in _kids(document_element):
                copied = base.copy_foreign(kid)
                if other_language and other_language != language and copied.get("/S") == "/Art":
                    copied.Lang = pikepdf.String(other_language)
                children.append(copied)
    if tagged:
        _graft(base, documents, trees, page_sources, children)
        _link_contents(base, starts)
    _write_bookmarks(base, bookmarks)
    body = min(starts.values()) if starts else 0
    nums: list[object] = [0, pikepdf.Dictionary(S=pikepdf.Name.r)] if body else []
    nums += [body, pikepdf.Dictionary(S=pikepdf.Name.D)]
    base.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))


def _graft(
    base: pikepdf.Pdf,
    documents: list[pikepdf.Pdf],
    trees: list[dict[int, Any]],
    page_sources: list[tuple[int, Any]],
    children: list[Any],
) -> None:
    """One structure tree: the parts' top elements under one Document, keys renumbered."""
    root = base.Root.StructTreeRoot
    document_element = root.K[0]
    document_element.K = pikepdf.Array(children)
    for child in children:
        child.P = document_element
    nums: list[object] = []
    annotations: list[tuple[Any, Any]] = []
    for key, (source, page) in enumerate(page_sources):
        if source < 0:  # a blank page of our own: nothing tagged
            continue
        old = page.get("/StructParents")
        entry = trees[source].get(int(old)) if old is not None else None
        page.StructParents = key
        nums += [key, _copied(base, entry) if source else entry]
        for annotation in page.get("/Annots", []):
            previous = annotation.get("/StructParent")
            if previous is not None:
                owner = trees[source].get(int(previous))
                annotations.append((annotation, _copied(base, owner) if source else owner))
    key = len(page_sources)
    for annotation, owner in annotations:
        annotation.StructParent = key
        nums += [key, owner]
        key += 1
    root.ParentTree = base.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = key


def _copied(base: pikepdf.Pdf, entry: Any) -> Any:
    """A parent-tree entry of another part as an object of `base`: the structure elements it
    names are the copies already grafted (pikepdf maps each foreign object once)."""
    if entry is None:
        return None
    if isinstance(entry, pikepdf.Array) and not entry.is_indirect:
        return pikepdf.Array([_copied(base, item) for item in entry])
    if isinstance(entry, pikepdf.Object) and entry.is_indirect:
        return base.copy_foreign(entry)
    return entry


def _link_contents(base: pikepdf.Pdf, starts: dict[int, int]) -> None:
    """The contents' entries, written as fichepress:sheet-N, become links to the sheets."""
    for page in base.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if not uri.startswith(LINK):
                continue
            number = int(uri.removeprefix(LINK))
            target = base.pages[starts[number]].obj
            annotation.A = pikepdf.Dictionary(
                S=pikepdf.Name.GoTo, D=pikepdf.Array([target, pikepdf.Name.Fit])
            )


def _write_bookmarks(base: pikepdf.Pdf, bookmarks: list[_Bookmark]) -> None:
    def item(bookmark: _Bookmark) -> pikepdf.OutlineItem:
        made = pikepdf.OutlineItem(bookmark.title, bookmark.page)
        made.children.extend(item(child) for child in bookmark.children)
        return made

    with base.open_outline() as outline:
        outline.root.clear()
        outline.root.extend(item(bookmark) for bookmark in bookmarks)


# --- the build ----------------------------------------------------------------------------

MAX_PASSES = 4
"""Renderings of the sheets' parts until their first pages settle (a part that grows moves
the parts after it)."""


@dataclass
class _Assembly:
    """A variant's parts, in order, once rendered."""

    digests: list[str]
    files: list[tuple[Part, Path]]
    notes: list[str]


def _sheet_specs(
    variant: Variant, contents: Sequence[str], pages: Sequence[int], sources: Sequence[SheetSource]
) -> tuple[list[PartSpec], int]:
    """The sheets' parts when each has `pages` pages; and the first page after them."""
    first, specs = 1, []
    for content, count, source in zip(contents, pages, sources, strict=True):
        specs.append(
            PartSpec("sheet", variant, _digest(content, str(first)), str(source.path), first)
        )
        first += count + (count % 2 if variant == "print" else 0)
    return specs, first


def _parts(
    pool: Pool,
    project: Project,
    variants: Sequence[Variant],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
) -> dict[Variant, _Assembly] | None:
    """Render the parts of `variants` not kept yet, all variants at once; None if one failed.

    A sheet's part is rendered knowing its first page; the page counts are guessed from the last
    build and, if a sheet's count turns out different, the parts after it are rendered again.
    """
    series_budget = load_series(project).page_budget
    contents = {
        v: [output_digest(common, v, [s.path], project, date) for s in sources] for v in variants
    }
    pages = {
        v: [
            fragments.guess_pages(c, s.sheet.page_budget or series_budget)
            for c, s in zip(contents[v], sources, strict=True)
        ]
        for v in variants
    }
    specs: dict[Variant, list[PartSpec]] = {}
    after: dict[Variant, int] = {}
    unsettled = list(variants)
    for _ in range(MAX_PASSES):
        for variant in unsettled:
            specs[variant], after[variant] = _sheet_specs(
                variant, contents[variant], pages[variant], sources
            )
        batch = [spec for variant in unsettled for spec in specs[variant]]
        content_of = {
            spec.digest: content
            for variant in unsettled
            for spec, content in zip(specs[variant], contents[variant], strict=True)
        }
        if not _render_missing(pool, batch, fragments, progress, report, content_of):
            return None
        for variant in list(unsettled):
            actual = [int(fragments.index["parts"][s.digest]["pages"]) for s in specs[variant]]
            if actual == pages[variant]:
                unsettled.remove(variant)
            pages[variant] = actual
        if not unsettled:
            break
    ends: dict[Variant, tuple[PartSpec, PartSpec]] = {}
    for variant in variants:
        toc = tuple(
            (s.sheet.number, str(spec.first_page))
            for s, spec in zip(sources, specs[variant], strict=True)
        )
        # The front matter shows each sheet's number and title only: editing a sheet's text
        # does not render it again.
        shown = [(s.sheet.number, s.sheet.title, s.sheet.language) for s in sources]
        front_digest = _digest(code_digest(), common, variant, date, repr(shown), repr(toc))
        front = PartSpec("front", variant, front_digest, toc=toc)
        first = after[variant]
        colophon_digest = _digest(code_digest(), common, variant, date, str(first))
        ends[variant] = (front, PartSpec("colophon", variant, colophon_digest, first_page=first))
    batch = [spec for pair in ends.values() for spec in pair]
    if not _render_missing(pool, batch, fragments, progress, report, {}):
        return None
    assembled = {}
    for variant in variants:
        front, colophon = ends[variant]
        ordered = [front, *specs[variant], colophon]
        notes: list[str] = []
        for spec in ordered:
            found = fragments.index["parts"][spec.digest].get("notes", [])
            notes += [n for n in found if n not in notes]
        files: list[tuple[Part, Path]] = [(s.kind, fragments.path(s.digest)) for s in ordered]
        assembled[variant] = _Assembly([s.digest for s in ordered], files, notes)
    return assembled


def _render_missing(
    pool: Pool,
    specs: Sequence[PartSpec],
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
    content_of: dict[str, str],
) -> bool:
    """Render the parts not kept yet; False (with the problems in `report`) if one failed."""
    missing = [spec for spec in specs if fragments.get(spec.digest) is None]
    results = _render_all(pool, missing, progress)
    failed = False
    for spec in missing:
        result = results[spec.digest]
        if result["problems"]:
            report.problems += [Problem("the collection", message=p) for p in result["problems"]]
            failed = True
            continue
        fragments.put(spec.digest, result, content_of.get(spec.digest))
    return not failed


def _with_parts(output: Output, parts: Sequence[str]) -> Output:
    return replace(output, parts=tuple(parts))


def build_collection(
    project: Project,
    out: Path,
    *,
    variants: Sequence[Variant] = VARIANTS,
    strict: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> Report:
    """Build the collection of every sheet of the series into `out`, if it is stale.

    Its parts are rendered by `jobs` worker processes (or `pool`'s), joined here, checked by the
    workers. Any invalid sheet stops it: a collection with a sheet missing would mislead its
    readers. The previous collection stays in place.
    """
    report = Report()
    series = load_series(project)
    theme = load_theme(project, series.theme)
    sources, problems = load_sheets(project, project.sheet_files())
    problems += _refused(project, series, theme, sources)
    report.problems.extend(problems)
    report.sheets = len(sources)
    shown = project.display(project.series_file)
    if problems or not sources:
        if not sources and not problems:
            report.problems.append(Problem(shown, message="the series has no sheet"))
        report.failed.add(shown)
        return report
    sources = sorted(sources, key=lambda s: s.sheet.number)
    manifest = Manifest(out)
    common = common_digest(project, series, theme)
    date = edition_date(series).isoformat()
    fragments = Fragments(out)
    used: set[str] = set()
    stale: dict[Variant, str] = {}
    for variant in variants:
        inputs = output_digest(common, variant, [s.path for s in sources], project, date)
        entry = manifest.fresh(NAME, variant, inputs)
        if entry is None:
            stale[variant] = inputs
            continue
        report.up_to_date += 1
        report.kept.append(entry["path"])
        used |= set(entry.get("parts", ()))
        # kept as written: "<series file>: <message>"
        report.warnings += [
            Problem(shown, message=line.removeprefix(f"{shown}: ")) for line in entry["warnings"]
        ]
    if stale:
        with worker_pool(project, out, strict, jobs) if pool is None else _kept(pool) as workers:
            used |= _build_stale(
                workers,
                project,
                out,
                stale,
                sources,
                common,
                date,
                strict,
                fragments,
                progress,
                report,
            )
        fragments.save(None if report.failed else used)
    if report.outputs:
        manifest.write(report.outputs)
    return report


def _build_stale(
    pool: Pool,
    project: Project,
    out: Path,
    stale: dict[Variant, str],
    sources: Sequence[SheetSource],
    common: str,
    date: str,
    strict: bool,
    fragments: Fragments,
    progress: Progress | None,
    report: Report,
) -> set[str]:
    """Render, join, check and write the stale variants; the digests of the parts used."""
    shown = project.display(project.series_file)
    variants = list(stale)
    assembled = _parts(pool, project, variants, sources, common, date, fragments, progress, report)
    if assembled is None:
        report.failed.add(shown)
        return set()
    numbers = [s.sheet.number for s in sources]
    tasks = [
        (
            variant,
            [(kind, str(path)) for kind, path in assembled[variant].files],
            assembled[variant].digests,
            numbers,
        )
        for variant in variants
    ]
    joined: dict[Variant, tuple[Path, int]] = {}
    findings: dict[Variant, list[str]] = {}
    fonts: dict[Variant, list[str]] = {}
    if progress:
        progress(0, len(variants), "collection: joining the parts")
    for done, (index, result) in enumerate(pool.run(_join_in_worker, tasks), start=1):
        variant = variants[index]
        if isinstance(result, WorkerFailed):
            report.problems.append(
                Problem(shown, message=f"{variant} collection not joined: {result}")
            )
            report.failed.add(shown)
            continue
        path, pages, findings[variant], fonts[variant] = result
        joined[variant] = (Path(path), pages)
        if progress:
            progress(done, len(variants), "collection: joining the parts")
    writer = Builder(project, out, strict=strict)
    for variant in joined:
        path, pages = joined[variant]
        warnings = [
            Problem(shown, message=f"{variant} collection: {n}") for n in assembled[variant].notes
        ]
        warnings += [
            Problem(shown, message=f"{variant} collection {line}") for line in findings[variant]
        ]
        data = path.read_bytes()
        path.unlink()
        writer.write_output(
            NAME, shown, variant, data, pages, warnings, report, stale[variant], fonts[variant]
        )
        if report.outputs and report.outputs[-1].sheet == NAME:
            report.outputs[-1] = _with_parts(report.outputs[-1], assembled[variant].digests)
    return {d for variant in variants for d in assembled[variant].digests}


def _refused(
    project: Project, series: Series, theme: Theme, sources: Sequence[SheetSource]
) -> list[Problem]:
    """The problems that stop a sheet before it is laid out (too long, HTML in a text, a
    character no font prints): the collection lays out no sheet that its own build refuses."""
    from fichepress.checks.authoring import refusal_problems

    return [
        problem
        for source in sources
        for problem in refusal_problems(
            source,
            project.display(source.path),
            source.sheet.page_budget or series.page_budget,
            theme,
        )
    ]


# --- a series built in shares (CI) -----------------------------------------------------------


def build_shard_parts(
    project: Project,
    out: Path,
    sheets: Sequence[Path],
    *,
    pool: Pool,
    variants: Sequence[Variant] = VARIANTS,
    progress: Progress | None = None,
) -> Report:
    """Render the collection's parts of `sheets` (a share of the series) into `out`'s
    fragments, for `fichepress collection --from` to join with the other shares' parts.

    A share does not lay out the other shares' sheets: each part is numbered from the page where
    its sheet starts when the sheets before it fill their page budgets (or have the page counts
    this folder's fragments know). When one does not, the collection renders the parts after
    it again as it joins them, as it does after a sheet grew."""
    report = Report()
    series = load_series(project)
    theme = load_theme(project, series.theme)
    sources, problems = load_sheets(project, project.sheet_files())
    if problems or not sources or _refused(project, series, theme, sources):
        return report  # the sheets' builds tell what is wrong; the collection would refuse
    sources = sorted(sources, key=lambda s: s.sheet.number)
    common = common_digest(project, series, theme)
    date = edition_date(series).isoformat()
    fragments = Fragments(out)
    wanted = {path.resolve() for path in sheets}
    batch: list[PartSpec] = []
    content_of: dict[str, str] = {}
    for variant in variants:
        contents = [output_digest(common, variant, [s.path], project, date) for s in sources]
        pages = [
            fragments.guess_pages(content, s.sheet.page_budget or series.page_budget)
            for content, s in zip(contents, sources, strict=True)
        ]
        specs, _ = _sheet_specs(variant, contents, pages, sources)
        for spec, content, source in zip(specs, contents, sources, strict=True):
            if source.path.resolve() in wanted:
                batch.append(spec)
                content_of[spec.digest] = content
    _render_missing(pool, batch, fragments, progress, report, content_of)
    fragments.save(None)
    return report


@dataclass
class Gathered:
    """What `gather` brought into the output folder."""

    pdfs: int = 0
    parts: int = 0
    shares: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Share:
    """What a share's folder holds, as its manifest and fragments index list it."""

    folder: Path
    outputs: list[Output]
    fragments: Fragments


def _read_share(project: Project, folder: Path) -> tuple[_Share, list[Problem]]:
    """A share's folder read (never mended: it is the user's), and what is wrong with its
    manifest and its index, at their place (the entry and key). A share without a manifest
    built no sheet."""
    shown = project.display(folder / MANIFEST)
    read = read_json(folder / MANIFEST, shown)
    document, problems = read or (None, [])
    outputs: list[Output] = []
    if read is not None and not problems:
        found = manifest_problems(document, paths=False)
        problems += [Problem(shown, key=key, message=message) for key, message in found]
        outputs = [] if found else manifest_outputs(document, paths=False)
    index_shown = project.display(folder / FRAGMENTS / "index.json")
    fragments, index_problems_found = Fragments.of_share(folder, index_shown)
    return _Share(folder, outputs, fragments), problems + index_problems_found


def gather(project: Project, out: Path, folders: Sequence[Path]) -> Gathered:
    """Bring into `out` what shares of the series built in other folders (`fichepress build
    --shard`, one folder per CI job): their sheets' PDFs with their manifest entries, and the
    collection parts they rendered. Each file must match the sha256 its folder recorded and
    stay inside its folder; one that does not is left out and told (a part left out is rendered
    again). The parts' check results are not taken: the joined collection is checked whole.

    A manifest or index that is not as `build` writes it (not JSON, an output without its
    source...) is an error at its place (`InvalidSource`), before anything is gathered."""
    read = [_read_share(project, folder) for folder in folders]
    problems = [problem for _, found in read for problem in found]
    if problems:
        raise InvalidSource(problems)
    gathered = Gathered()
    fragments = Fragments(out)
    outputs: list[Output] = []
    for share, _ in read:
        gathered.shares += 1
        shown = project.display(share.folder / MANIFEST)
        for output in share.outputs:
            if output.sheet == NAME:
                continue  # a share's collection, if any, is made again from the parts
            path = output.path
            if not OUTPUT_PATH.fullmatch(path) or not path.startswith(f"{output.variant}/"):
                message = f'"{path}" is not a PDF of the print/ or accessible/ folder: left out'
                gathered.problems.append(Problem(shown, message=message))
                continue
            data = _share_file(share.folder, path)
            if data is None:
                message = f"{path} is not a file of the share: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            if hashlib.sha256(data).hexdigest() != output.sha256:
                message = f"{path} does not match its sha256: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            write_atomic(out / path, data)
            outputs.append(output)
            gathered.pdfs += 1
        for digest, entry in list(share.fragments.index["parts"].items()):
            if fragments.get(digest) is not None:
                continue
            part = share.fragments.part(digest)
            if part is None:
                message = f"the collection part {digest[:12]} does not match its sha256: left out"
                gathered.problems.append(Problem(shown, message=message))
                continue
            write_cache(fragments.path(digest), part)
            fragments.put(digest, entry, entry.get("content"))
            gathered.parts += 1
    if outputs:
        Manifest(out).write(outputs)
    fragments.save(None)
    return gathered


def _share_file(folder: Path, path: str) -> bytes | None:
    """The bytes of the file at `path` in a share's `folder`, if it is a regular file there
    (not through a link to elsewhere); None otherwise."""
    target = folder / path
    try:
        if not resolved(target).is_relative_to(resolved(folder)):
            return None
        return read_kept(target, None)
    except Unfit:
        return None
