"""Check accessible PDFs (PDF/UA-1) by opening them: identification, tree, semantics, text, links.

Rules, each a short name in findings:

- UA-ID: PDF/UA-1 in the XMP, a title shown by viewers, a natural language, MarkInfo;
- UA-TREE: every marked-content id on every page maps through the ParentTree to a structure
  element reachable from the root that holds it on that page; pages have their own
  StructParents; ParentTreeNextKey is set; no element points at content that is not there;
- UA-ARTIFACT: nothing is painted outside marked content (decorations are artifacts);
- UA-HEADINGS: one H1 per article, headings that do not skip a level;
- UA-LISTS: L holds LI, LI holds Lbl and LBody;
- UA-FIGURES: every Figure has alternative text; a picture (marked content that paints and
  shows no text) is held by a Figure;
- UA-LINKS: every link annotation sits in a Link element, with a description that makes sense
  out of context;
- UA-BOOKMARKS: bookmarks for the H1 and H2 headings, leading to the page each is on;
- UA-TABS: tab order follows the structure (/Tabs /S) on every page;
- UA-TEXT: every glyph has Unicode, no word cut by hyphenation;
- UA-ORDER: the reading order follows the pages (a block read after those of a later page,
  such as credits put first in the tree but printed last, is out of order);
- UA-SOURCE (when the source is known: the build, or `preflight --source`): the document's
  title is the source's; the blocks read in order are the source's, one element per block
  however many pages it crosses, with the source's roles (a pull quote is a BlockQuote, a
  list item an LI), its very text (case, accents, ligatures as letters, quotation marks), its
  language, and every link it holds clickable;
- UA-CONTRAST (when asked, by `preflight`): text painted on its background, as the PDF paints
  them, meets WCAG 2.1 AA (4.5:1, 3:1 for large text).
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pikepdf

from fichepress.core.contrast import RGB, Pair
from fichepress.core.findings import Finding
from fichepress.pdf.colours import ColourSpace
from fichepress.pdf.fonts import FontMetrics
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import Box, Scan
from fichepress.pdf.scan import scan_page
from fichepress.pdf.tagging import squeeze

if TYPE_CHECKING:
    from fichepress.pdf.tagging import Expected

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SPACE = re.compile(r"\s+")
WHITE: RGB = (255, 255, 255)
INTERNAL = "a page of the document"
"""What a link to a place in the document (a contents entry) is compared as."""
_WEB = re.compile(r"^[a-z][a-z0-9+.-]*://|^mailto:", re.IGNORECASE)
_BREAKS = re.compile(r"[ \t\r\n\f]+")
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


def _error(page: int, rule: str, what: str, where: str = "") -> Finding:
    return Finding(page, rule, "error", what, where)


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(value: Any) -> bool:
    return isinstance(value, pikepdf.Dictionary) and "/S" in value


def _role_map(pdf: pikepdf.Pdf) -> Any:
    root: Any = pdf.Root.get("/StructTreeRoot", {})
    return root.get("/RoleMap")


def _role(element: Any, role_map: Any) -> str:
    kind = str(element.get("/S", ""))
    seen = set()
    while role_map is not None and kind in role_map and kind not in seen:
        seen.add(kind)
        kind = str(role_map[kind])
    return kind.lstrip("/")


@dataclass
class _Tree:
    """The structure tree as reached from the root: elements in reading order."""

    elements: list[Any] = field(default_factory=list)
    holds: dict[tuple[int, int], Any] = field(default_factory=dict)
    """(page index, MCID) → the element that holds that marked content."""
    annotations: dict[tuple[int, int], Any] = field(default_factory=dict)
    """annotation objgen → the element whose OBJR points at it."""
    parents: dict[tuple[int, int], Any] = field(default_factory=dict)
    """element objgen → the element the tree puts it in (whatever its /P says)."""
    problems: list[str] = field(default_factory=list)
    kids: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    """element objgen → its kids, read once (a long /K array costs to read)."""

    def kids_of(self, element: Any) -> list[Any]:
        found = self.kids.get(element.objgen)
        return _kids(element) if found is None else found


def _walk(pdf: pikepdf.Pdf) -> _Tree:
    tree = _Tree()
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return tree
    seen: set[tuple[int, int]] = set()

    def visit(element: Any, page: int | None) -> None:
        if element.objgen != (0, 0):
            if element.objgen in seen:
                tree.problems.append(f"the element {element.objgen} appears twice in the tree")
                return
            seen.add(element.objgen)
        tree.elements.append(element)
        own = element.get("/Pg")
        page = pages.get(own.objgen, page) if own is not None else page
        kids = _kids(element)
        if element.objgen != (0, 0):
            tree.kids[element.objgen] = kids
        for kid in kids:
            if isinstance(kid, int):
                if page is None:
                    tree.problems.append(f"a {element.S} element holds MCID {kid} with no page")
                else:
                    tree.holds[(page, kid)] = element
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                mcr_page = pages.get(kid.Pg.objgen) if "/Pg" in kid else page
                if mcr_page is not None:
                    tree.holds[(mcr_page, int(kid.MCID))] = element
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                tree.annotations[kid.Obj.objgen] = element
            elif _is_element(kid):
                tree.parents[kid.objgen] = element
                visit(kid, page)

    for top in _kids(root):
        if _is_element(top):
            visit(top, None)
    return tree


def _parent_tree(root: Any) -> dict[int, Any]:
    entries: dict[int, Any] = {}

    def collect(node: Any) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                entries[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            collect(kid)

    tree = root.get("/ParentTree")
    if tree is not None:
        collect(tree)
    return entries


def _text_of(
    element: Any,
    texts: dict[tuple[int, int], str],
    pages: dict[Any, int],
    page: int,
    tree: _Tree | None = None,
) -> str:
    if "/ActualText" in element:
        return str(element.ActualText)
    own = element.get("/Pg")
    page = pages.get(own.objgen, page) if own is not None else page
    parts = []
    for kid in _kids(element) if tree is None else tree.kids_of(element):
        if isinstance(kid, int):
            parts.append(texts.get((page, kid), ""))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            parts.append(texts.get((pages.get(kid.Pg.objgen, page), int(kid.MCID)), ""))
        elif _is_element(kid):
            parts.append(_text_of(kid, texts, pages, page, tree))
    return "".join(parts)


def reading_text(pdf: pikepdf.Pdf) -> list[tuple[str, str]]:
    """(role, text) of each block of the structure tree in reading order, as a screen reader
    gets them: ActualText and Alt honoured, spaces normalised."""
    metrics: dict[Any, FontMetrics] = {}
    scans = [scan_marks(page, metrics) for page in pdf.pages]
    # Line breaks and runs of spaces become one space; no-break spaces are typography.
    return [
        (block.path[-1], _BREAKS.sub(" ", block.text).strip(" \t\r\n\f"))
        for block in _found_blocks(pdf, _walk(pdf), scans, labels=True)
    ]


_BLOCKS = {"P", "H1", "H2", "H3", "H4", "H5", "H6", "Lbl", "LBody", "Figure", "Caption"}


def _identification(pdf: pikepdf.Pdf, xmp: Any) -> Iterator[Finding]:
    part = str(xmp.get("pdfuaid:part", ""))
    title = str(xmp.get("dc:title", "") or "")
    if part != "1":
        yield _error(0, "UA-ID", f"not identified as PDF/UA-1 (pdfuaid:part: {part or 'none'})")
    if not title.strip():
        yield _error(0, "UA-ID", "no document title in the XMP metadata (dc:title)")
    preferences: Any = pdf.Root.get("/ViewerPreferences", {})
    if preferences.get("/DisplayDocTitle") is not True:
        yield _error(0, "UA-ID", "viewers are not asked to show the title (DisplayDocTitle)")
    lang = str(pdf.Root.get("/Lang", ""))
    if not _LANG.match(lang):
        yield _error(0, "UA-ID", f'no valid document language (/Lang "{lang}")')
    mark_info: Any = pdf.Root.get("/MarkInfo", {})
    if mark_info.get("/Marked") is not True:
        yield _error(0, "UA-ID", "the document is not marked as tagged (MarkInfo)")
    if mark_info.get("/Suspects") is True:
        yield _error(0, "UA-ID", "the tagging is marked as suspect (MarkInfo /Suspects)")


def _artifacts(scans: list[Scan]) -> Iterator[Finding]:
    for index, scan in enumerate(scans):
        if scan.untagged:
            yield _error(
                index + 1,
                "UA-ARTIFACT",
                f"{len(scan.untagged)} painting operations are neither tagged nor artifacts",
                scan.untagged[0],
            )


def _integrity(pdf: pikepdf.Pdf, tree: _Tree, scans: list[Scan]) -> Iterator[Finding]:
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        yield _error(0, "UA-TREE", "no structure tree (StructTreeRoot)")
        return
    for problem in tree.problems:
        yield _error(0, "UA-TREE", problem)
    parent_tree = _parent_tree(root)
    if "/ParentTree" not in root:
        yield _error(0, "UA-TREE", "no ParentTree")
    next_key = root.get("/ParentTreeNextKey")
    if next_key is None:
        yield _error(0, "UA-TREE", "no ParentTreeNextKey")
    elif parent_tree and int(next_key) <= max(parent_tree):
        yield _error(0, "UA-TREE", f"ParentTreeNextKey {next_key} is not above every key")
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
                yield _error(number, "UA-TREE", "the page has marked content but no StructParents")
            continue
        key = int(value)
        if key in keys:
            yield Finding(
                number,
                "UA-TREE",
                "error",
                f"StructParents {key} is shared with page {keys[key] + 1}",
            )
        keys[key] = index
        mapping = parent_tree.get(key)
        if scan.mcid_order and not isinstance(mapping, pikepdf.Array):
            yield _error(number, "UA-TREE", f"StructParents {key} has no entry in the ParentTree")
            continue
        orphans = []
        for mcid in scan.mcid_order:
            entry = mapping[mcid] if mapping is not None and mcid < len(mapping) else None
            holder = tree.holds.get((index, mcid))
            if not isinstance(entry, pikepdf.Dictionary) or entry.objgen not in reachable:
                orphans.append(mcid)
            elif holder is None or holder.objgen != entry.objgen:
                yield Finding(
                    number,
                    "UA-TREE",
                    "error",
                    f"MCID {mcid}: the ParentTree names an element that does not hold it",
                )
        if orphans:
            shown = ", ".join(str(m) for m in orphans[:8]) + (" …" if len(orphans) > 8 else "")
            yield Finding(
                number,
                "UA-TREE",
                "error",
                f"marked content no element of the tree holds (MCID {shown}): tag it or"
                " make it an artifact",
            )
        present = set(scan.mcid_order)
        missing = sorted(m for m in held.get(index, ()) if m not in present)
        if missing:
            yield Finding(
                number,
                "UA-TREE",
                "error",
                f"elements hold MCIDs the page does not have ({', '.join(map(str, missing[:8]))})",
            )


def _pictures(pdf: pikepdf.Pdf, tree: _Tree, scans: list[Scan]) -> Iterator[Finding]:
    """Marked content that paints and shows no text is a picture: a Figure must hold it, or
    its alternative text cannot be given (a logo tagged as a paragraph is read as nothing)."""
    role_map = _role_map(pdf)
    for index, scan in enumerate(scans):
        for mcid in sorted(scan.mcid_pictures):
            if scan.mcid_text.get(mcid, "").strip():
                continue
            element = tree.holds.get((index, mcid))
            holders = []
            while element is not None:
                holders.append(_role(element, role_map))
                element = tree.parents.get(element.objgen)
            if holders and "Figure" not in holders:
                yield _error(
                    index + 1,
                    "UA-FIGURES",
                    f"a picture is tagged as {holders[0]}, not held by a Figure: it cannot be"
                    " given alternative text",
                    f"MCID {mcid}",
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


def _semantics(pdf: pikepdf.Pdf, tree: _Tree) -> Iterator[Finding]:
    role_map = _role_map(pdf)
    roles = {element.objgen: _role(element, role_map) for element in tree.elements}
    for key, value in role_map.items() if role_map is not None else ():
        if key.lstrip("/") in STANDARD_TYPES:
            yield _error(0, "UA-TREE", f"the RoleMap remaps the standard type {key} to {value}")
    unknown = sorted({r for r in roles.values() if r and r not in STANDARD_TYPES})
    if unknown:
        yield _error(0, "UA-TREE", f"types mapped to no standard type: {', '.join(unknown)}")
    wrong = sorted(
        {
            str(element.Lang)
            for element in tree.elements
            if "/Lang" in element and not _LANG.match(str(element.Lang))
        }
    )
    for lang in wrong:
        yield _error(0, "UA-ID", f'an element\'s language "{lang}" is not a language tag')

    def role(element: Any) -> str:
        return roles.get(element.objgen) or _role(element, role_map)

    # headings: one H1 per article (or document), no skipped level
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
                    0,
                    "UA-HEADINGS",
                    "error",
                    f"H{level} follows {f'H{previous}' if previous else 'no heading'}:"
                    " a heading level is skipped",
                )
            previous = level
            if level == 1:
                h1_per_article[article] = h1_per_article.get(article, 0) + 1
    if not h1_per_article:
        yield _error(0, "UA-HEADINGS", "no H1 heading")
    for count in h1_per_article.values():
        if count > 1:
            yield _error(0, "UA-HEADINGS", f"{count} H1 headings in one article, not one")
    # lists, figures
    for element in tree.elements:
        kind = role(element)
        kids = [k for k in tree.kids_of(element) if _is_element(k)]
        if kind == "L":
            wrong = sorted({role(k) for k in kids} - {"LI", "L", "Caption"})
            if wrong:
                yield _error(0, "UA-LISTS", f"a list (L) holds {', '.join(wrong)}, not LI")
        elif kind == "LI":
            if not kids:
                yield _error(0, "UA-LISTS", "a list item (LI) is empty")
            wrong = sorted({role(k) for k in kids} - {"Lbl", "LBody"})
            if wrong:
                yield _error(0, "UA-LISTS", f"a list item (LI) holds {', '.join(wrong)}")
        elif kind in ("Lbl", "LBody"):
            parent = tree.parents.get(element.objgen)
            if parent is None or role(parent) != "LI":
                yield _error(0, "UA-LISTS", f"a {kind} is not inside a list item (LI)")
        elif kind == "Figure":
            alt = str(element.get("/Alt", element.get("/ActualText", ""))).strip()
            if not alt:
                yield _error(0, "UA-FIGURES", "a Figure has no alternative text (Alt)")
            off = _off_page(element)
            if off:
                yield _error(0, "UA-FIGURES", f'the Figure "{alt[:60]}": {off}')


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


def _links(pdf: pikepdf.Pdf, tree: _Tree) -> Iterator[Finding]:
    role_map = _role_map(pdf)
    root: Any = pdf.Root.get("/StructTreeRoot", {})
    parent_tree = _parent_tree(root)
    on_pages = {a.objgen for page in pdf.pages for a in page.obj.get("/Annots", [])}
    for objgen, owner in tree.annotations.items():
        if objgen not in on_pages:
            yield _error(
                0,
                "UA-LINKS",
                f"a {_role(owner, role_map)} element points at an annotation that is on no page",
            )
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            if annotation.get("/Subtype") != "/Link":
                continue
            owner = tree.annotations.get(annotation.objgen)
            action: Any = annotation.get("/A", {})
            uri = str(action.get("/URI", ""))
            if owner is None or _role(owner, role_map) != "Link":
                yield Finding(
                    index + 1,
                    "UA-LINKS",
                    "error",
                    "a link annotation is not inside a Link element",
                    uri,
                )
            contents = _SPACE.sub(" ", str(annotation.get("/Contents", ""))).strip()
            if not contents:
                yield _error(index + 1, "UA-LINKS", "a link has no description (/Contents)", uri)
            elif contents.casefold().strip(" .:!?»«") in MEANINGLESS_LINKS:
                yield Finding(
                    index + 1,
                    "UA-LINKS",
                    "error",
                    f'the link text "{contents}" means nothing out of context',
                    uri,
                )
            key = annotation.get("/StructParent")
            entry = parent_tree.get(int(key)) if key is not None else None
            if (
                key is not None
                and owner is not None
                and (not isinstance(entry, pikepdf.Dictionary) or entry.objgen != owner.objgen)
            ):
                yield _error(
                    index + 1,
                    "UA-LINKS",
                    f"the annotation's StructParent ({key}) does not lead to its Link element",
                    uri,
                )
            if key is None:
                yield _error(index + 1, "UA-LINKS", "a link annotation has no StructParent", uri)
        if page.obj.get("/Tabs") != "/S":
            yield Finding(
                index + 1,
                "UA-TABS",
                "error",
                "the tab order does not follow the structure (/Tabs /S)",
            )


def _bookmarks(pdf: pikepdf.Pdf, blocks: list[Block]) -> Iterator[Finding]:
    """A bookmark for each H1 and H2, leading to the page the heading is on (titles compared
    without case; a title used by several headings needs one bookmark for each)."""
    pages = {page.obj.objgen: index + 1 for index, page in enumerate(pdf.pages)}
    targets: dict[str, list[int | None]] = {}
    with pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            title = _SPACE.sub(" ", item.title).strip().casefold()
            targets.setdefault(title, []).append(_target(item, pages))
            stack.extend(item.children)
    for block in blocks:
        role, text = block.path[-1], _BREAKS.sub(" ", block.text).strip(" \t\r\n\f")
        if role not in ("H1", "H2") or not text:
            continue
        found = targets.get(text.casefold())
        if not found:
            yield _error(0, "UA-BOOKMARKS", f'no bookmark for the {role} "{text[:60]}"')
        elif block.page in found:
            found.remove(block.page)
        elif None in found or not block.page:  # a named destination: not followed here
            found.remove(None if None in found else found[0])
        else:
            yield _error(
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


def _text(scans: list[Scan]) -> Iterator[Finding]:
    for index, scan in enumerate(scans):
        texts = [scan.mcid_text[m] for m in scan.mcid_order]
        unmapped = sum(text.count("\ufffd") for text in texts)
        if unmapped:
            yield _error(index + 1, "UA-TEXT", f"{unmapped} glyphs have no Unicode value")
        cut = [t for t in texts if t.rstrip().endswith(("\u2010", "\u00ad"))]
        if cut:
            yield Finding(
                index + 1,
                "UA-TEXT",
                "error",
                f"{len(cut)} words are cut by hyphenation: readers get them in pieces",
                f'"{cut[0].strip()[-30:]}"',
            )


# --- reading order and source ------------------------------------------------------------

SEMANTIC = {"BlockQuote", "L", "LI", "LBody", "Caption", "Figure", "P"} | {
    f"H{level}" for level in range(1, 7)
}
"""The roles a block's path is made of: grouping elements (Document, Part, Art, Sect, Div)
and list labels (which a theme may or may not draw) are left out."""


@dataclass(frozen=True)
class Block:
    """A block as a reader meets it: its path of roles (outermost first), its text, its
    language and the addresses of the links it holds."""

    path: tuple[str, ...]
    text: str
    page: int = 0
    """1-based page where it starts, 0 for the source's."""
    lang: str = ""
    links: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return _key(self.text)

    @property
    def shown(self) -> str:
        text = _SPACE.sub(" ", self.text).strip()
        return f'"{text[:60]}…"' if len(text) > 60 else f'"{text}"'

    @property
    def kind(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class Source:
    """What an accessible PDF must read as: its title, its language and its blocks."""

    blocks: tuple[Block, ...]
    title: str = ""
    lang: str = ""


def _key(text: str) -> str:
    """Text as compared: as the repair compares it (`accessible.squeeze`), but case, accents,
    ligatures and quotation marks count."""
    return squeeze(text)


def source_of(expected: Expected) -> Source:
    """What the source (the HTML's expected tree, see `accessible.expected_tree`) calls for:
    the blocks in reading order, each with its language, and the document's title."""
    blocks: list[Block] = []

    def visit(node: Expected, path: tuple[str, ...], lang: str) -> None:
        kind = "LBody" if node.type == "LBodyGroup" else node.type
        lang = node.lang or lang
        if kind == "Lbl":
            return
        if kind in SEMANTIC:
            path = (*path, kind)
        if node.leaf:
            text = node.alt or "" if kind == "Figure" else node.text
            links = tuple(a if _WEB.match(a) else INTERNAL for a in node.links)
            blocks.append(Block(path, text, lang=lang, links=links))
            return
        for child in node.children:
            visit(child, path, lang)

    visit(expected, (), expected.lang or "")
    return Source(tuple(blocks), expected.text, expected.lang or "")


def _found_blocks(
    pdf: pikepdf.Pdf, tree: _Tree, scans: list[Scan], *, labels: bool = False
) -> list[Block]:
    """The tree's blocks in reading order, with the page each starts on, its language (its
    own /Lang, an ancestor's or the document's) and the addresses of its clickable links;
    list labels (Lbl), which a theme may or may not draw, when `labels` says so."""
    texts = {
        (index, mcid): text
        for index, scan in enumerate(scans)
        for mcid, text in scan.mcid_text.items()
    }
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    first_page: dict[tuple[int, int], int] = {}
    for (page, _mcid), holder in tree.holds.items():
        known = first_page.get(holder.objgen)
        first_page[holder.objgen] = page if known is None else min(known, page)
    on_pages = {
        annotation.objgen: annotation
        for page in pdf.pages
        for annotation in page.obj.get("/Annots", [])
    }
    links: dict[tuple[int, int], list[str]] = {}
    for objgen, holder in tree.annotations.items():
        annotation = on_pages.get(objgen)
        if annotation is not None:
            action: Any = annotation.get("/A", {})
            uri = str(action.get("/URI", ""))
            internal = "/Dest" in annotation or action.get("/S") == "/GoTo" or not _WEB.match(uri)
            links.setdefault(holder.objgen, []).append(INTERNAL if internal else uri)
    role_map = _role_map(pdf)
    roles = {element.objgen: _role(element, role_map) for element in tree.elements}
    document_lang = str(pdf.Root.get("/Lang", ""))
    blocks = []
    for element in tree.elements:
        role = roles[element.objgen]
        if role not in _BLOCKS or (role == "Lbl" and not labels):
            continue
        if any(_is_element(k) and roles.get(k.objgen) in _BLOCKS for k in tree.kids_of(element)):
            continue  # its blocks are listed themselves
        path = [role]
        lang = str(element.get("/Lang", ""))
        parent = tree.parents.get(element.objgen)
        while parent is not None:
            if roles.get(parent.objgen) in SEMANTIC:
                path.append(roles[parent.objgen])
            lang = lang or str(parent.get("/Lang", ""))
            parent = tree.parents.get(parent.objgen)
        if role == "Figure":
            text = str(element.get("/Alt", element.get("/ActualText", "")))
        else:
            text = _text_of(element, texts, pages, 0, tree)
        start = _first_page_of(element, tree, first_page)
        blocks.append(
            Block(
                tuple(reversed(path)),
                text,
                start + 1 if start is not None else 0,
                lang or document_lang,
                tuple(_links_in(element, tree, links)),
            )
        )
    return blocks


def _links_in(element: Any, tree: _Tree, links: dict[tuple[int, int], list[str]]) -> list[str]:
    found = list(links.get(element.objgen, ()))
    for kid in tree.kids_of(element):
        if _is_element(kid):
            found += _links_in(kid, tree, links)
    return found


def _first_page_of(element: Any, tree: _Tree, first_page: dict[Any, int]) -> int | None:
    found = first_page.get(element.objgen)
    for kid in tree.kids_of(element):
        if _is_element(kid):
            page = _first_page_of(kid, tree, first_page)
            if page is not None and (found is None or page < found):
                found = page
    return found


def _order(blocks: list[Block]) -> Iterator[Finding]:
    latest: Block | None = None
    for block in blocks:
        if not block.page:
            continue
        if latest is not None and block.page < latest.page:
            yield Finding(
                latest.page,
                "UA-ORDER",
                "error",
                f"{latest.shown} (page {latest.page}) is read before {block.shown} (page"
                f" {block.page}): the reading order does not follow the pages",
            )
            return  # one is enough to say the order is wrong
        latest = block if latest is None or block.page >= latest.page else latest


def _against_source(found: list[Block], source: Source, title: str) -> Iterator[Finding]:
    """How the PDF differs from its source: title, text, order, roles, splits, language and
    links of each block."""

    def error(page: int, what: str) -> Finding:
        return Finding(page, "UA-SOURCE", "error", what)

    if source.title and _SPACE.sub(" ", title).strip() != _SPACE.sub(" ", source.title).strip():
        yield error(0, f'the document\'s title is "{title}", the source\'s "{source.title}"')
    wanted_blocks = source.blocks
    matcher = difflib.SequenceMatcher(
        None, [b.key for b in wanted_blocks], [b.key for b in found], autojunk=False
    )
    opcodes = matcher.get_opcodes()
    deleted = {
        wanted_blocks[i].key
        for tag, i1, i2, _, _ in opcodes
        if tag != "equal"
        for i in range(i1, i2)
    }
    inserted = {
        found[j].key for tag, _, _, j1, j2 in opcodes if tag != "equal" for j in range(j1, j2)
    }
    moved = deleted & inserted - {""}
    languages: set[tuple[str, str]] = set()

    for tag, i1, i2, j1, j2 in opcodes:
        wanted, got = list(wanted_blocks[i1:i2]), list(found[j1:j2])
        if tag == "equal":
            for want, have in zip(wanted, got, strict=True):
                if want.path != have.path:
                    yield error(
                        have.page,
                        f"{have.shown} is tagged {have.kind}; the source makes it {want.kind}",
                    )
                pair = (have.lang.casefold(), want.lang.casefold())
                if want.lang and pair[0] != pair[1] and pair not in languages:
                    languages.add(pair)  # once for each wrong language
                    yield error(
                        have.page,
                        f"{have.shown} is read as {have.lang or 'no language'}; the source's"
                        f" language is {want.lang}",
                    )
                # An annotation holds its address as a URI, what is not ASCII or not allowed
                # percent-encoded: the source's address is the same link once both are decoded.
                clickable = {unquote(uri) for uri in have.links}
                for address in want.links:
                    if unquote(address) not in clickable:
                        yield error(
                            have.page, f"in {have.shown}, the link to {address} is not clickable"
                        )
            continue
        if wanted and got and "".join(b.key for b in wanted) == "".join(b.key for b in got):
            if len(got) > len(wanted):
                yield error(
                    got[0].page,
                    f"{wanted[0].shown} is {len(got)} elements, not one: a block must stay one"
                    " element across page and column breaks",
                )
            else:
                yield error(
                    got[0].page,
                    f"{len(wanted)} blocks of the source are one element: {got[0].shown}",
                )
            continue
        for block in wanted:
            if block.key in moved:
                page = next((b.page for b in found if b.key == block.key), 0)
                yield error(page, f"{block.shown} is read out of the source's order")
            elif not got:
                yield error(0, f"{block.shown} from the source is not in the structure tree")
        rest = [b for b in got if b.key not in moved]
        pending = [b for b in wanted if b.key not in moved]
        for want, have in zip(pending, rest, strict=False):
            yield error(have.page, f"{have.shown} is read where the source has {want.shown}")
        for have in rest[len(pending) :]:
            yield error(have.page, f"the tree holds {have.shown}, which the source does not")
        if not got:
            continue
        for want in pending[len(rest) :]:
            yield error(0, f"{want.shown} from the source is not in the structure tree")


def _metadata(pdf: pikepdf.Pdf) -> Any:
    # Read, not opened with `with`: that would write the XMP back, which costs.
    return pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)


def _title(xmp: Any) -> str:
    return str(xmp.get("dc:title", "") or "")


# --- contrast, as painted ----------------------------------------------------------------


def _rgb(space: ColourSpace, values: tuple[float, ...]) -> RGB | None:
    family = space.family
    if family == "rgb" and len(values) >= 3:
        red, green, blue = values[:3]
    elif family == "gray" and values:
        red = green = blue = values[0]
    elif family == "cmyk" and len(values) >= 4:
        cyan, magenta, yellow, black = values[:4]
        red, green, blue = ((1 - v) * (1 - black) for v in (cyan, magenta, yellow))
    else:
        return None
    return (round(red * 255), round(green * 255), round(blue * 255))


def _inside(inner: Box, outer: Box) -> bool:
    x, y = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


def _contrast(scans: list[Scan]) -> Iterator[Finding]:
    """Text against the last opaque fill painted under its middle (white paper if none)."""
    for index, scan in enumerate(scans):
        fills: list[tuple[Box, RGB]] = []
        seen: set[tuple[RGB, RGB, bool]] = set()
        for paint in scan.paints:
            if paint.kind == "fill":
                if not paint.solid:
                    continue
                colour = _rgb(paint.space, paint.colour)
                if colour is not None:
                    fills.append((paint.bbox, colour))
                continue
            if paint.kind != "text" or not paint.text.strip():
                continue
            foreground = _rgb(paint.space, paint.colour)
            if foreground is None:
                continue
            background = next((c for box, c in reversed(fills) if _inside(paint.bbox, box)), WHITE)
            large = paint.font_size >= 17.99 or (paint.bold and paint.font_size >= 13.99)
            pair = Pair(foreground, background, large, paint.text.strip()[:40])
            if (foreground, background, large) in seen or pair.ratio >= pair.minimum:
                continue
            seen.add((foreground, background, large))
            yield Finding(
                index + 1,
                "UA-CONTRAST",
                "error",
                f"{'large text' if large else 'text'} in {_hex(foreground)} on {_hex(background)}"
                f" has a contrast of {pair.ratio:.2f}:1, under the {pair.minimum:g}:1 of WCAG AA",
                f'"{pair.sample}"',
            )


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@dataclass(frozen=True)
class PageMarks:
    """What the rules need of a page's content: its marked content and what is left unmarked."""

    order: tuple[int, ...]
    text: dict[int, str]
    untagged: tuple[str, ...]
    pictures: tuple[int, ...] = ()
    """MCIDs whose content paints (see `Scan.mcid_pictures`)."""

    @classmethod
    def of(cls, scan: Scan) -> PageMarks:
        return cls(
            tuple(scan.mcid_order),
            dict(scan.mcid_text),
            tuple(scan.untagged),
            tuple(sorted(scan.mcid_pictures)),
        )

    def scan(self) -> Scan:
        return Scan(
            mcid_text=dict(self.text),
            mcid_order=list(self.order),
            untagged=list(self.untagged),
            mcid_pictures=set(self.pictures),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "order": list(self.order),
            "text": {str(k): v for k, v in self.text.items()},
            "untagged": list(self.untagged),
            "pictures": list(self.pictures),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageMarks:
        return cls(
            tuple(int(m) for m in data["order"]),
            {int(k): str(v) for k, v in data["text"].items()},
            tuple(str(u) for u in data["untagged"]),
            tuple(int(m) for m in data.get("pictures", ())),
        )


def page_marks(data: bytes) -> list[PageMarks]:
    """The marks of each page of a PDF."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metrics: dict[Any, FontMetrics] = {}
        return [PageMarks.of(scan_marks(page, metrics)) for page in pdf.pages]


def check_source(
    data: bytes, source: Source, known: Mapping[int, PageMarks] | None = None
) -> list[Finding]:
    """Only the rules that compare a PDF with its source: UA-ORDER and UA-SOURCE (for the
    parts of a collection, checked whole once joined but compared with their sources here)."""
    known = known or {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metrics: dict[Any, FontMetrics] = {}
        scans = [
            known[index].scan() if index in known else scan_marks(page, metrics)
            for index, page in enumerate(pdf.pages)
        ]
        blocks = _found_blocks(pdf, _walk(pdf), scans)
        title = _title(_metadata(pdf))
        return sorted([*_order(blocks), *_against_source(blocks, source, title)])


def check_accessible(
    data: bytes,
    known: Mapping[int, PageMarks] | None = None,
    *,
    source: Source | None = None,
    contrast: bool = False,
) -> list[Finding]:
    """Every finding of the accessibility rules for a PDF.

    `known` gives the marks of pages already read, by 0-based index, for a document put
    together from others (the collection): their pages are the same objects, copied.
    `source`: what the source calls for (see `source_of`), to compare the PDF with.
    `contrast`: read every page in full to check the contrast of its text as painted (the
    build checks it from the layout instead, which names the theme's swatches)."""
    known = known or {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metrics: dict[Any, FontMetrics] = {}
        if contrast:
            scans = [scan_page(page, metrics) for page in pdf.pages]
        else:
            scans = [
                known[index].scan() if index in known else scan_marks(page, metrics)
                for index, page in enumerate(pdf.pages)
            ]
        tree = _walk(pdf)
        blocks = _found_blocks(pdf, tree, scans)
        xmp = _metadata(pdf)
        findings = [
            *_identification(pdf, xmp),
            *_integrity(pdf, tree, scans),
            *_artifacts(scans),
            *_semantics(pdf, tree),
            *_pictures(pdf, tree, scans),
            *_links(pdf, tree),
            *_bookmarks(pdf, blocks),
            *_text(scans),
            *_order(blocks),
            *(_against_source(blocks, source, _title(xmp)) if source is not None else ()),
            *(_contrast(scans) if contrast else ()),
        ]
    return sorted(findings)
