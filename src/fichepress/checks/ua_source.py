"""The accessible PDF read as a reader gets it, block by block, and compared with its source
HTML: UA-ORDER (the reading order follows the pages) and UA-SOURCE (title, text, roles, splits,
language, the language of the words in another one, and links of each block are the source's)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pikepdf

from fichepress.core.findings import Finding
from fichepress.pdf import structure
from fichepress.pdf.expected import Passage, squeeze
from fichepress.pdf.fonts import FontMetrics
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import Scan
from fichepress.pdf.structure import StructTree

if TYPE_CHECKING:
    from fichepress.pdf.expected import Expected

SPACE = re.compile(r"\s+")
INTERNAL = "a page of the document"
"""What a link to a place in the document (a contents entry) is compared as."""
_WEB = re.compile(r"^[a-z][a-z0-9+.-]*://|^mailto:", re.IGNORECASE)
BREAKS = re.compile(r"[ \t\r\n\f]+")


SEMANTIC = {"BlockQuote", "L", "LI", "LBody", "Caption", "Figure", "P"} | {
    f"H{level}" for level in range(1, 7)
}
"""The roles a block's path is made of: grouping elements (Document, Part, Art, Sect, Div)
and list labels (which a theme may or may not draw) are left out."""


_BLOCKS = {"P", "H1", "H2", "H3", "H4", "H5", "H6", "Lbl", "LBody", "Figure", "Caption"}


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
    passages: tuple[Passage, ...] = ()
    """Its words in another language than its own (in the PDF: those under an element with
    its own /Lang), where they lie in `key`."""

    @property
    def key(self) -> str:
        return _key(self.text)

    @property
    def shown(self) -> str:
        return _shown(self.text)

    @property
    def kind(self) -> str:
        return " > ".join(self.path)


@dataclass(frozen=True)
class Source:
    """What an accessible PDF must read as: its title, its language and its blocks."""

    blocks: tuple[Block, ...]
    title: str = ""
    lang: str = ""


def _shown(text: str) -> str:
    """A text as messages quote it: spaces normalised, at most 60 characters."""
    text = SPACE.sub(" ", text).strip()
    return f'"{text[:60]}…"' if len(text) > 60 else f'"{text}"'


def _key(text: str) -> str:
    """Text as compared: as the repair compares it (`tagging.squeeze`), but case, accents,
    ligatures and quotation marks count."""
    return squeeze(text)


def source_of(expected: Expected) -> Source:
    """What the source (the HTML's expected tree, see `tagging.expected_tree`) calls for:
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
            passages = tuple(node.passages)
            blocks.append(Block(path, text, lang=lang, links=links, passages=passages))
            return
        for child in node.children:
            visit(child, path, lang)

    visit(expected, (), expected.lang or "")
    return Source(tuple(blocks), expected.text, expected.lang or "")


def found_blocks(
    pdf: pikepdf.Pdf, tree: StructTree, scans: list[Scan], *, labels: bool = False
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
    first_page = _first_pages(tree)
    links = _links_by_holder(pdf, tree)
    role_map = structure.role_map(pdf)
    roles = {element.objgen: structure.role(element, role_map) for element in tree.elements}
    document_lang = str(pdf.Root.get("/Lang", ""))
    blocks = []
    for element in tree.elements:
        role = roles[element.objgen]
        if role not in _BLOCKS or (role == "Lbl" and not labels):
            continue
        if any(
            structure.is_element(k) and roles.get(k.objgen) in _BLOCKS
            for k in tree.kids_of(element)
        ):
            continue  # its blocks are listed themselves
        path = [role]
        lang = str(element.get("/Lang", ""))
        parent = tree.parents.get(element.objgen)
        while parent is not None:
            if roles.get(parent.objgen) in SEMANTIC:
                path.append(roles[parent.objgen])
            lang = lang or str(parent.get("/Lang", ""))
            parent = tree.parents.get(parent.objgen)
        passages: tuple[Passage, ...] = ()
        if role == "Figure":
            text = str(element.get("/Alt", element.get("/ActualText", "")))
        else:
            pieces = list(_spoken(element, texts, pages, tree))
            text = "".join(piece for piece, _ in pieces)
            passages = _passages(pieces)
        start = _first_page_of(element, tree, first_page)
        blocks.append(
            Block(
                tuple(reversed(path)),
                text,
                start + 1 if start is not None else 0,
                lang or document_lang,
                tuple(_links_in(element, tree, links)),
                passages,
            )
        )
    return blocks


def _spoken(
    element: Any,
    texts: dict[tuple[int, int], str],
    pages: dict[Any, int],
    tree: StructTree,
    page: int = 0,
    lang: str | None = None,
    depth: int = 1,
) -> Iterator[tuple[str, str | None]]:
    """The text an element reads as (`structure.text_of`'s), piece by piece, each with the
    language an element inside it gives it (its /Lang; None: the element's own)."""
    if "/ActualText" in element:
        yield str(element.ActualText), lang
        return
    if depth > structure.MAX_STRUCTURE_DEPTH:  # told by `walk`
        return
    own = element.get("/Pg")
    page = pages.get(own.objgen, page) if own is not None else page
    for kid in tree.kids_of(element):
        if isinstance(kid, int):
            yield texts.get((page, kid), ""), lang
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            yield texts.get((pages.get(kid.Pg.objgen, page), int(kid.MCID)), ""), lang
        elif structure.is_element(kid):
            inner = str(kid.Lang) if "/Lang" in kid else lang
            yield from _spoken(kid, texts, pages, tree, page, inner, depth + 1)


def _passages(pieces: list[tuple[str, str | None]]) -> tuple[Passage, ...]:
    """The runs of pieces in another language, where they lie in the squeezed text."""
    passages: list[Passage] = []
    position = 0
    for text, lang in pieces:
        size = len(squeeze(text))
        if lang is not None and size:
            last = passages[-1] if passages else None
            if last is not None and last.lang == lang and last.end == position:
                passages[-1] = Passage(last.start, position + size, lang, last.text + text)
            else:
                passages.append(Passage(position, position + size, lang, text))
        position += size
    return tuple(passages)


def _first_pages(tree: StructTree) -> dict[tuple[int, int], int]:
    """element objgen → the first page (0-based) of the marked content it holds itself."""
    first_page: dict[tuple[int, int], int] = {}
    for (page, _mcid), holder in tree.holds.items():
        known = first_page.get(holder.objgen)
        first_page[holder.objgen] = page if known is None else min(known, page)
    return first_page


def _links_by_holder(pdf: pikepdf.Pdf, tree: StructTree) -> dict[tuple[int, int], list[str]]:
    """element objgen → the addresses of the link annotations it points at that are on a page
    (INTERNAL for a place in the document)."""
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
    return links


def _links_in(element: Any, tree: StructTree, links: dict[tuple[int, int], list[str]]) -> list[str]:
    found = list(links.get(element.objgen, ()))
    for kid in tree.kids_of(element):
        if structure.is_element(kid):
            found += _links_in(kid, tree, links)
    return found


def _first_page_of(element: Any, tree: StructTree, first_page: dict[Any, int]) -> int | None:
    found = first_page.get(element.objgen)
    for kid in tree.kids_of(element):
        if structure.is_element(kid):
            page = _first_page_of(kid, tree, first_page)
            if page is not None and (found is None or page < found):
                found = page
    return found


def reading_text(pdf: pikepdf.Pdf) -> list[tuple[str, str]]:
    """(role, text) of each block of the structure tree in reading order, as a screen reader
    gets them: ActualText and Alt honoured, spaces normalised."""
    metrics: dict[Any, FontMetrics] = {}
    scans = [scan_marks(page, metrics) for page in pdf.pages]
    # Line breaks and runs of spaces become one space; no-break spaces are typography.
    return [
        (block.path[-1], BREAKS.sub(" ", block.text).strip(" \t\r\n\f"))
        for block in found_blocks(pdf, structure.walk(pdf), scans, labels=True)
    ]


def order(blocks: list[Block]) -> Iterator[Finding]:
    """UA-ORDER: the first block read after one of a later page, if any."""
    latest: Block | None = None
    for block in blocks:
        if not block.page:
            continue
        if latest is not None and block.page < latest.page:
            yield Finding(
                page=latest.page,
                rule="UA-ORDER",
                severity="error",
                message=f"{latest.shown} (page {latest.page}) is read before {block.shown} (page"
                f" {block.page}): the reading order does not follow the pages",
            )
            return  # one is enough to say the order is wrong
        latest = block if latest is None or block.page >= latest.page else latest


def _error(page: int, what: str) -> Finding:
    return Finding(page=page, rule="UA-SOURCE", severity="error", message=what)


def against_source(found: list[Block], source: Source, title: str) -> Iterator[Finding]:
    """How the PDF differs from its source: title, text, order, roles, splits, language and
    links of each block."""
    if source.title and SPACE.sub(" ", title).strip() != SPACE.sub(" ", source.title).strip():
        yield _error(0, f'the document\'s title is "{title}", the source\'s "{source.title}"')
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
            yield from _same_blocks(wanted, got, languages)
        elif wanted and got and "".join(b.key for b in wanted) == "".join(b.key for b in got):
            yield from _split_otherwise(wanted, got)
        else:
            yield from _other_blocks(wanted, got, found, moved)


def _same_blocks(
    wanted: list[Block], got: list[Block], languages: set[tuple[str, str]]
) -> Iterator[Finding]:
    """Blocks of the same text in the source and the PDF: their roles, language and links
    (each wrong pair of languages said once: `languages` holds those said)."""
    for want, have in zip(wanted, got, strict=True):
        if want.path != have.path:
            yield _error(
                have.page,
                f"{have.shown} is tagged {have.kind}; the source makes it {want.kind}",
            )
        pair = (have.lang.casefold(), want.lang.casefold())
        if want.lang and pair[0] != pair[1] and pair not in languages:
            languages.add(pair)  # once for each wrong language
            yield _error(
                have.page,
                f"{have.shown} is read as {have.lang or 'no language'}; the source's"
                f" language is {want.lang}",
            )
        yield from _passage_languages(want, have)
        # An annotation holds its address as a URI, what is not ASCII or not allowed
        # percent-encoded: the source's address is the same link once both are decoded.
        clickable = {unquote(uri) for uri in have.links}
        for address in want.links:
            if unquote(address) not in clickable:
                yield _error(have.page, f"in {have.shown}, the link to {address} is not clickable")


def _passage_languages(want: Block, have: Block) -> Iterator[Finding]:
    """Words in another language (a title in English in a French sheet) that the PDF reads
    in another language than the source's: each passage of the source, then each of the
    PDF the source does not have, said once."""

    def languages(block: Block) -> list[str]:
        spoken = [block.lang] * len(block.key)
        for passage in block.passages:
            spoken[passage.start : passage.end] = [passage.lang] * (passage.end - passage.start)
        return spoken

    wanted, got = languages(want), languages(have)
    if len(wanted) != len(got):
        return  # not the same text: told otherwise
    told: set[int] = set()
    for passage in want.passages:
        read = sorted(set(got[passage.start : passage.end]), key=str.casefold)
        if [r.casefold() for r in read] != [passage.lang.casefold()]:
            told.update(range(passage.start, passage.end))
            shown = " and ".join(f"{r or 'no language'}" for r in read)
            yield _error(
                have.page,
                f"in {have.shown}, {_shown(passage.text)} is read as {shown}; the source says"
                f" its language is {passage.lang}: the PDF must give it a /Lang of its own",
            )
    for passage in have.passages:
        span = range(passage.start, passage.end)
        if any(wanted[i].casefold() != got[i].casefold() for i in span) and not told & set(span):
            told.update(span)
            yield _error(
                have.page,
                f"in {have.shown}, {_shown(passage.text)} is read as {passage.lang}; the"
                f" source's language there is {wanted[passage.start] or 'not given'}",
            )


def _split_otherwise(wanted: list[Block], got: list[Block]) -> Iterator[Finding]:
    """The same text in a different number of blocks: one split in several, or several
    joined in one."""
    if len(got) > len(wanted):
        yield _error(
            got[0].page,
            f"{wanted[0].shown} is {len(got)} elements, not one: a block must stay one"
            " element across page and column breaks",
        )
    else:
        yield _error(
            got[0].page,
            f"{len(wanted)} blocks of the source are one element: {got[0].shown}",
        )


def _other_blocks(
    wanted: list[Block], got: list[Block], found: list[Block], moved: set[str]
) -> Iterator[Finding]:
    """Where the texts differ: blocks read out of order (`moved`: the texts found elsewhere),
    missing, replaced or added."""
    for block in wanted:
        if block.key in moved:
            page = next((b.page for b in found if b.key == block.key), 0)
            yield _error(page, f"{block.shown} is read out of the source's order")
        elif not got:
            yield _error(0, f"{block.shown} from the source is not in the structure tree")
    rest = [b for b in got if b.key not in moved]
    pending = [b for b in wanted if b.key not in moved]
    for want, have in zip(pending, rest, strict=False):
        yield _error(have.page, f"{have.shown} is read where the source has {want.shown}")
    for have in rest[len(pending) :]:
        yield _error(have.page, f"the tree holds {have.shown}, which the source does not")
    if not got:
        return
    for want in pending[len(rest) :]:
        yield _error(0, f"{want.shown} from the source is not in the structure tree")


def metadata(pdf: pikepdf.Pdf) -> Any:
    """The document's XMP metadata, to read."""
    # Read, not opened with `with`: that would write the XMP back, which costs.
    return pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)


def title(xmp: Any) -> str:
    """The document's title (dc:title), empty if it has none."""
    return str(xmp.get("dc:title", "") or "")
