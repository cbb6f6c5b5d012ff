"""Joining PDFs into one with pikepdf: pages in order, blank left pages with crop marks where
asked, one structure tree for tagged parts, links from the contents, bookmarks, page labels, a
subset tag of its own for each embedded font program and an identity derived from the parts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from fichepress.pdf import structure
from fichepress.pdf.fonts import retag_subsets
from fichepress.pdf.prepress import crop_marks, save_identified, set_identity

LINK = "fichepress:sheet-"
"""Addresses the contents use for the sheets, turned into links when the parts are joined."""


def identity(label: str, digests: Sequence[str], numbers: Sequence[int]) -> bytes:
    """The identity of a collection joined from parts: their digests name everything that
    made them (sources, theme, code), so the same parts give the same bytes (`label` tells
    apart the documents joined from the same parts)."""
    return hashlib.sha256("\0".join([label, *digests, *map(str, numbers)]).encode()).digest()


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


@dataclass(frozen=True)
class Joined:
    """A PDF joined from parts, open (while `joined` lasts) and saved."""

    pdf: pikepdf.Pdf
    """The joined document as saved, to be read (checked) without being parsed again."""
    data: bytes
    offsets: list[int]
    """The index of each part's first page in it."""
    pages: int


@contextmanager
def joined(
    files: Sequence[tuple[str, Path]],
    first_sheet_numbers: Sequence[int],
    *,
    blank_left_pages: bool,
    tagged: bool,
    identity: bytes | None = None,
) -> Iterator[Joined]:
    """One PDF of the parts, in order (front, sheets, colophon), open until the end of the
    `with` (it reads the parts' pages, open as long). `identity`, a digest of the parts,
    saves a probe: without it, the document's identity is derived from its bytes.

    The parts are (kind, file): a part of kind "sheet" starts the sheet of the next number of
    `first_sheet_numbers`. `blank_left_pages`: a blank page (with crop marks) before a part
    that would start on a left-hand page; `tagged`: one structure tree of the parts' trees,
    and the contents' entries made links to the sheets' first pages."""
    documents = [pikepdf.open(path) for _, path in files]
    base = documents[0]
    offsets: list[int] = []
    try:
        kinds = [kind for kind, _ in files]
        _join(
            base,
            documents,
            kinds,
            first_sheet_numbers,
            offsets,
            blank_left_pages=blank_left_pages,
            tagged=tagged,
        )
        # Each part names its subsets of a font alike (WeasyPrint derives the tag from the
        # font's name): one tag per font program, so that no two subsets share a name.
        retag_subsets(base)
        pages = len(base.pages)
        data = set_identity(base) if identity is None else save_identified(base, identity)
        yield Joined(base, data, offsets, pages)
    finally:
        for document in documents:
            document.close()


def _join(
    base: pikepdf.Pdf,
    documents: list[pikepdf.Pdf],
    kinds: list[str],
    numbers: Sequence[int],
    offsets: list[int],
    *,
    blank_left_pages: bool,
    tagged: bool,
) -> None:
    trees = [
        structure.parent_tree(document.Root.get("/StructTreeRoot", {})) for document in documents
    ]
    language = str(base.Root.get("/Lang", ""))
    bookmarks: list[_Bookmark] = _bookmarks(base, 0)
    starts: dict[int, int] = {}
    page_sources: list[tuple[int, Any]] = [(0, page.obj) for page in base.pages]
    children = list(structure.kids(base.Root.StructTreeRoot.K[0])) if tagged else []
    sheet_index = 0
    offsets.append(0)
    for number, (document, kind) in enumerate(zip(documents, kinds, strict=True)):
        if number == 0:
            continue
        if blank_left_pages and len(base.pages) % 2 == 1:
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
            for kid in structure.kids(document_element):
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
    # One /Nums array, written by hand: pikepdf.NumberTree would split a long tree into /Kids
    # (other bytes for a long collection) and holds no null (an annotation's missing owner).
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
