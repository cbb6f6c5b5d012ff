"""What the accessible PDF shows, against its tags: UA-ARTIFACT (nothing painted untagged),
UA-FIGURES (pictures held by a Figure), UA-LINKS, UA-TABS, UA-BOOKMARKS and UA-TEXT (Unicode
for every glyph, no word cut by hyphenation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pikepdf

from fichepress.checks.ua_source import BREAKS, SPACE
from fichepress.checks.ua_tree import error
from fichepress.core.findings import Finding
from fichepress.pdf import structure
from fichepress.pdf.paints import Scan
from fichepress.pdf.structure import StructTree

if TYPE_CHECKING:
    from fichepress.checks.ua_source import Block

MEANINGLESS_LINKS = {
    "ici",
    "cliquez ici",
    "clic ici",
    "lien",
    "ce lien",
    "en savoir plus",
    "plus",
    "voir",
    "here",
    "click here",
    "link",
    "this link",
    "more",
    "read more",
    "learn more",
    "see",
}


def artifacts(scans: list[Scan]) -> Iterator[Finding]:
    """UA-ARTIFACT: nothing is painted outside marked content."""
    for index, scan in enumerate(scans):
        if scan.untagged:
            yield error(
                index + 1,
                "UA-ARTIFACT",
                f"{len(scan.untagged)} painting operations are neither tagged nor artifacts",
                scan.untagged[0],
            )


def pictures(pdf: pikepdf.Pdf, tree: StructTree, scans: list[Scan]) -> Iterator[Finding]:
    """Marked content that paints and shows no text is a picture: a Figure must hold it, or
    its alternative text cannot be given (a logo tagged as a paragraph is read as nothing)."""
    role_map = structure.role_map(pdf)
    for index, scan in enumerate(scans):
        for mcid in sorted(scan.mcid_pictures):
            if scan.mcid_text.get(mcid, "").strip():
                continue
            element = tree.holds.get((index, mcid))
            holders = []
            while element is not None:
                holders.append(structure.role(element, role_map))
                element = tree.parents.get(element.objgen)
            if holders and "Figure" not in holders:
                yield error(
                    index + 1,
                    "UA-FIGURES",
                    f"a picture is tagged as {holders[0]}, not held by a Figure: it cannot be"
                    " given alternative text",
                    f"MCID {mcid}",
                )


def links(pdf: pikepdf.Pdf, tree: StructTree) -> Iterator[Finding]:
    """UA-LINKS: each link annotation in a Link element, with a description that makes sense
    out of context; UA-TABS: the tab order follows the structure."""
    role_map = structure.role_map(pdf)
    root: Any = pdf.Root.get("/StructTreeRoot", {})
    parent_tree = structure.parent_tree(root)
    on_pages = {a.objgen for page in pdf.pages for a in page.obj.get("/Annots", [])}
    for objgen, owner in tree.annotations.items():
        if objgen not in on_pages:
            yield error(
                0,
                "UA-LINKS",
                f"a {structure.role(owner, role_map)} element points at an annotation that is"
                " on no page",
            )
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") == "/Link":
                yield from _link(index, annotation, tree, role_map, parent_tree)
        if page.obj.get("/Tabs") != "/S":
            yield Finding(
                page=index + 1,
                rule="UA-TABS",
                severity="error",
                message="the tab order does not follow the structure (/Tabs /S)",
            )


def _link(
    index: int, annotation: Any, tree: StructTree, role_map: Any, parent_tree: dict[int, Any]
) -> Iterator[Finding]:
    """One link annotation of a page (0-based `index`): its Link element, its description,
    its StructParent."""
    owner = tree.annotations.get(annotation.objgen)
    action: Any = annotation.get("/A", {})
    uri = str(action.get("/URI", ""))
    if owner is None or structure.role(owner, role_map) != "Link":
        yield Finding(
            page=index + 1,
            rule="UA-LINKS",
            severity="error",
            message="a link annotation is not inside a Link element",
            where=uri,
        )
    contents = SPACE.sub(" ", str(annotation.get("/Contents", ""))).strip()
    if not contents:
        yield error(index + 1, "UA-LINKS", "a link has no description (/Contents)", uri)
    elif contents.casefold().strip(" .:!?»«") in MEANINGLESS_LINKS:
        yield Finding(
            page=index + 1,
            rule="UA-LINKS",
            severity="error",
            message=f'the link text "{contents}" means nothing out of context',
            where=uri,
        )
    key = annotation.get("/StructParent")
    entry = parent_tree.get(int(key)) if key is not None else None
    if (
        key is not None
        and owner is not None
        and (not isinstance(entry, pikepdf.Dictionary) or entry.objgen != owner.objgen)
    ):
        yield error(
            index + 1,
            "UA-LINKS",
            f"the annotation's StructParent ({key}) does not lead to its Link element",
            uri,
        )
    if key is None:
        yield error(index + 1, "UA-LINKS", "a link annotation has no StructParent", uri)


def bookmarks(pdf: pikepdf.Pdf, blocks: list[Block]) -> Iterator[Finding]:
    """A bookmark for each H1 and H2, leading to the page the heading is on (titles compared
    without case; a title used by several headings needs one bookmark for each)."""
    pages = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}
    targets: dict[str, list[int | None]] = {}
    with pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            title = SPACE.sub(" ", item.title).strip().casefold()
            targets.setdefault(title, []).append(_target(item, pages))
            stack.extend(item.children)
    for block in blocks:
        role, text = block.path[-1], BREAKS.sub(" ", block.text).strip(" \t\r\n\f")
        if role not in ("H1", "H2") or not text:
            continue
        found = targets.get(SPACE.sub(" ", text).casefold())  # no-break spaces as the titles
        if not found:
            yield error(0, "UA-BOOKMARKS", f'no bookmark for the {role} "{text[:60]}"')
        elif block.page in found:
            found.remove(block.page)
        elif None in found or not block.page:  # a named destination: not followed here
            found.remove(None if None in found else found[0])
        else:
            yield error(
                block.page,
                "UA-BOOKMARKS",
                f'the bookmark "{text[:60]}" leads to page {found[0]}, not to page'
                f" {block.page} where its {role} is",
            )


def _target(item: Any, pages: dict[tuple[int, int], int]) -> int | None:
    """The page a bookmark leads to, None if it does not say it plainly (a named one)."""
    destination = item.destination
    if destination is None and item.action is not None:
        destination = item.action.get("/D")
    if isinstance(destination, pikepdf.Array) and len(destination):
        page = destination[0]
        if isinstance(page, pikepdf.Dictionary):
            return pages.get(page.objgen)
        if isinstance(page, int):
            return page + 1
    return None


def text_rules(scans: list[Scan]) -> Iterator[Finding]:
    """UA-TEXT: every glyph has Unicode, no word is cut by hyphenation."""
    for index, scan in enumerate(scans):
        texts = [scan.mcid_text[m] for m in scan.mcid_order]
        unmapped = sum(text.count("\ufffd") for text in texts)
        if unmapped:
            yield error(index + 1, "UA-TEXT", f"{unmapped} glyphs have no Unicode value")
        cut = [t for t in texts if t.rstrip().endswith(("\u2010", "\u00ad"))]
        if cut:
            yield Finding(
                page=index + 1,
                rule="UA-TEXT",
                severity="error",
                message=f"{len(cut)} words are cut by hyphenation: readers get them in pieces",
                where=f'"{cut[0].strip()[-30:]}"',
            )
