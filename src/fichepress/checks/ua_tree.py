"""The accessible PDF as a tagged document: UA-ID (identification, title, language, MarkInfo),
UA-TREE (every marked content held by an element the ParentTree names, standard types only),
UA-HEADINGS, UA-LISTS and the Figures' alternative text and place."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pikepdf

from fichepress.core.findings import Finding
from fichepress.pdf import structure
from fichepress.pdf.paints import Scan
from fichepress.pdf.structure import StructTree

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def error(page: int, rule: str, what: str, where: str = "") -> Finding:
    """An error of `rule` on a page (1-based, 0 for the document)."""
    return Finding(page=page, rule=rule, severity="error", message=what, where=where)


def identification(pdf: pikepdf.Pdf, xmp: Any) -> Iterator[Finding]:
    """UA-ID: PDF/UA-1 in the XMP, a title shown by viewers, a natural language, MarkInfo."""
    part = str(xmp.get("pdfuaid:part", ""))
    title = str(xmp.get("dc:title", "") or "")
    if part != "1":
        yield error(0, "UA-ID", f"not identified as PDF/UA-1 (pdfuaid:part: {part or 'none'})")
    if not title.strip():
        yield error(0, "UA-ID", "no document title in the XMP metadata (dc:title)")
    preferences: Any = pdf.Root.get("/ViewerPreferences", {})
    if preferences.get("/DisplayDocTitle") is not True:
        yield error(0, "UA-ID", "viewers are not asked to show the title (DisplayDocTitle)")
    lang = str(pdf.Root.get("/Lang", ""))
    if not _LANG.match(lang):
        yield error(0, "UA-ID", f'no valid document language (/Lang "{lang}")')
    mark_info: Any = pdf.Root.get("/MarkInfo", {})
    if mark_info.get("/Marked") is not True:
        yield error(0, "UA-ID", "the document is not marked as tagged (MarkInfo)")
    if mark_info.get("/Suspects") is True:
        yield error(0, "UA-ID", "the tagging is marked as suspect (MarkInfo /Suspects)")


def integrity(pdf: pikepdf.Pdf, tree: StructTree, scans: list[Scan]) -> Iterator[Finding]:
    """UA-TREE: the tree, its ParentTree and each page's marked content agree."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        yield error(0, "UA-TREE", "no structure tree (StructTreeRoot)")
        return
    for problem in tree.problems:
        yield error(0, "UA-TREE", problem)
    parent_tree = structure.parent_tree(root)
    if "/ParentTree" not in root:
        yield error(0, "UA-TREE", "no ParentTree")
    next_key = root.get("/ParentTreeNextKey")
    if next_key is None:
        yield error(0, "UA-TREE", "no ParentTreeNextKey")
    elif parent_tree and int(next_key) <= max(parent_tree):
        yield error(0, "UA-TREE", f"ParentTreeNextKey {next_key} is not above every key")
    reachable = {element.objgen for element in tree.elements}
    held: dict[int, list[int]] = {}
    for page_index, mcid in tree.holds:
        held.setdefault(page_index, []).append(mcid)
    keys: dict[int, int] = {}
    for index, (page, scan) in enumerate(zip(pdf.pages, scans, strict=True)):
        number = index + 1
        value = page.obj.get("/StructParents")
        if value is None:
            if scan.mcid_order:
                yield error(number, "UA-TREE", "the page has marked content but no StructParents")
            continue
        key = int(value)
        if key in keys:
            yield Finding(
                page=number,
                rule="UA-TREE",
                severity="error",
                message=f"StructParents {key} is shared with page {keys[key] + 1}",
            )
        keys[key] = index
        yield from _page_content(
            index, key, parent_tree.get(key), scan, tree, reachable, held.get(index, [])
        )


def _page_content(
    index: int,
    key: int,
    mapping: Any,
    scan: Scan,
    tree: StructTree,
    reachable: set[tuple[int, int]],
    held: list[int],
) -> Iterator[Finding]:
    """A page's marked content against its entry in the ParentTree (`mapping`, under its
    StructParents `key`) and the elements of the tree (`reachable`) that hold it (`held`: the
    MCIDs they hold on this page)."""
    number = index + 1
    if scan.mcid_order and not isinstance(mapping, pikepdf.Array):
        yield error(number, "UA-TREE", f"StructParents {key} has no entry in the ParentTree")
        return
    orphans = []
    for mcid in scan.mcid_order:
        entry = mapping[mcid] if mapping is not None and mcid < len(mapping) else None
        holder = tree.holds.get((index, mcid))
        if not isinstance(entry, pikepdf.Dictionary) or entry.objgen not in reachable:
            orphans.append(mcid)
        elif holder is None or holder.objgen != entry.objgen:
            yield Finding(
                page=number,
                rule="UA-TREE",
                severity="error",
                message=f"MCID {mcid}: the ParentTree names an element that does not hold it",
            )
    if orphans:
        shown = ", ".join(str(m) for m in orphans[:8]) + (" …" if len(orphans) > 8 else "")
        yield Finding(
            page=number,
            rule="UA-TREE",
            severity="error",
            message=f"marked content no element of the tree holds (MCID {shown}): tag it or"
            " make it an artifact",
        )
    present = set(scan.mcid_order)
    missing = sorted(m for m in held if m not in present)
    if missing:
        yield Finding(
            page=number,
            rule="UA-TREE",
            severity="error",
            message="elements hold MCIDs the page does not have"
            f" ({', '.join(map(str, missing[:8]))})",
        )


STANDARD_TYPES = frozenset(
    [
        "Document",
        "Part",
        "Art",
        "Sect",
        "Div",
        "BlockQuote",
        "Caption",
        "TOC",
        "TOCI",
        "Index",
        "NonStruct",
        "Private",
        "P",
        "H",
        "H1",
        "H2",
        "H3",
        "H4",
        "H5",
        "H6",
        "L",
        "LI",
        "Lbl",
        "LBody",
        "Table",
        "TR",
        "TH",
        "TD",
        "THead",
        "TBody",
        "TFoot",
        "Span",
        "Quote",
        "Note",
        "Reference",
        "BibEntry",
        "Code",
        "Link",
        "Annot",
        "Ruby",
        "RB",
        "RT",
        "RP",
        "Warichu",
        "WT",
        "WP",
        "Figure",
        "Formula",
        "Form",
    ]
)
"""The standard structure types of ISO 32000-1 (14.8.4), which PDF/UA-1 lets no RoleMap
remap; any other type must be mapped to one of them."""


def semantics(pdf: pikepdf.Pdf, tree: StructTree) -> Iterator[Finding]:
    """What the tree's types say: standard types through the RoleMap, language tags, headings,
    lists and figures."""
    role_map = structure.role_map(pdf)
    roles = {element.objgen: structure.role(element, role_map) for element in tree.elements}
    for key, value in role_map.items() if role_map is not None else ():
        if key.lstrip("/") in STANDARD_TYPES:
            yield error(0, "UA-TREE", f"the RoleMap remaps the standard type {key} to {value}")
    unknown = sorted({r for r in roles.values() if r and r not in STANDARD_TYPES})
    if unknown:
        yield error(0, "UA-TREE", f"types mapped to no standard type: {', '.join(unknown)}")
    wrong = sorted(
        {
            str(element.Lang)
            for element in tree.elements
            if "/Lang" in element and not _LANG.match(str(element.Lang))
        }
    )
    for lang in wrong:
        yield error(0, "UA-ID", f'an element\'s language "{lang}" is not a language tag')

    def role(element: Any) -> str:
        return roles.get(element.objgen) or structure.role(element, role_map)

    yield from _headings(tree, role)
    yield from _lists_and_figures(tree, role)


def _headings(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Finding]:
    """UA-HEADINGS: one H1 per article (or document), no skipped level."""
    previous = 0
    h1_per_article: dict[Any, int] = {}
    article: Any = None
    for element in tree.elements:
        kind = role(element)
        if kind in ("Art", "Document") and (kind == "Art" or article is None):
            article = element.objgen
            previous = 0
        if len(kind) == 2 and kind[0] == "H" and kind[1].isdigit():
            level = int(kind[1])
            if level > previous + 1:
                yield Finding(
                    page=0,
                    rule="UA-HEADINGS",
                    severity="error",
                    message=f"H{level} follows {f'H{previous}' if previous else 'no heading'}:"
                    " a heading level is skipped",
                )
            previous = level
            if level == 1:
                h1_per_article[article] = h1_per_article.get(article, 0) + 1
    if not h1_per_article:
        yield error(0, "UA-HEADINGS", "no H1 heading")
    for count in h1_per_article.values():
        if count > 1:
            yield error(0, "UA-HEADINGS", f"{count} H1 headings in one article, not one")


def _lists_and_figures(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Finding]:
    """UA-LISTS: L holds LI, LI holds Lbl and LBody; UA-FIGURES: every Figure has
    alternative text and lies within its page."""
    for element in tree.elements:
        kind = role(element)
        kids = [k for k in tree.kids_of(element) if structure.is_element(k)]
        if kind == "L":
            wrong = sorted({role(k) for k in kids} - {"LI", "L", "Caption"})
            if wrong:
                yield error(0, "UA-LISTS", f"a list (L) holds {', '.join(wrong)}, not LI")
        elif kind == "LI":
            if not kids:
                yield error(0, "UA-LISTS", "a list item (LI) is empty")
            wrong = sorted({role(k) for k in kids} - {"Lbl", "LBody"})
            if wrong:
                yield error(0, "UA-LISTS", f"a list item (LI) holds {', '.join(wrong)}")
        elif kind in ("Lbl", "LBody"):
            parent = tree.parents.get(element.objgen)
            if parent is None or role(parent) != "LI":
                yield error(0, "UA-LISTS", f"a {kind} is not inside a list item (LI)")
        elif kind == "Figure":
            alt = str(element.get("/Alt", element.get("/ActualText", ""))).strip()
            if not alt:
                yield error(0, "UA-FIGURES", "a Figure has no alternative text (Alt)")
            off = _off_page(element)
            if off:
                yield error(0, "UA-FIGURES", f'the Figure "{alt[:60]}": {off}')


def _off_page(figure: Any) -> str:
    """What is wrong with a Figure's layout BBox, if it is not within its page."""
    attributes = figure.get("/A")
    page = figure.get("/Pg")
    if not isinstance(attributes, pikepdf.Dictionary) or "/BBox" not in attributes or page is None:
        return ""
    box = [float(v) for v in attributes.BBox]
    media = [float(v) for v in pikepdf.Page(page).mediabox]
    inside = (
        media[0] - 1 <= box[0] <= box[2] <= media[2] + 1
        and media[1] - 1 <= box[1] <= box[3] <= media[3] + 1
    )
    if inside:
        return ""
    shown = " ".join(f"{v:g}" for v in box)
    return f"its BBox [{shown}] is not within its page (points, from the bottom left)"
