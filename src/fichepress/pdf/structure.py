"""The structure tree of a tagged PDF as read back: its elements in reading order, their roles
through the RoleMap, what each holds (marked content, annotations), the ParentTree, and the text
an element reads as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pikepdf


def kids(element: Any) -> list[Any]:
    """What an element's /K holds, as a list (one kid or none is a list too)."""
    held = element.get("/K")
    if held is None:
        return []
    return list(held) if isinstance(held, pikepdf.Array) else [held]


def is_element(value: Any) -> bool:
    """A structure element, not marked content, an MCR or an OBJR."""
    return isinstance(value, pikepdf.Dictionary) and "/S" in value


def role_map(pdf: pikepdf.Pdf) -> Any:
    """The structure tree's RoleMap, None if it has none."""
    root: Any = pdf.Root.get("/StructTreeRoot", {})
    return root.get("/RoleMap")


def role(element: Any, role_map: Any) -> str:
    """An element's type once mapped through the RoleMap, without its slash."""
    kind = str(element.get("/S", ""))
    seen = set()
    while role_map is not None and kind in role_map and kind not in seen:
        seen.add(kind)
        kind = str(role_map[kind])
    return kind.lstrip("/")


@dataclass
class StructTree:
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
        return kids(element) if found is None else found


MAX_STRUCTURE_DEPTH = 100
"""Elements inside one another in a structure tree, at most: a document's tree is a dozen
deep; a deeper one (a damaged or hostile file) is read down to here and told."""


def walk(pdf: pikepdf.Pdf) -> StructTree:
    """The tree as reached from the root, with what goes wrong on the way."""
    tree = StructTree()
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return tree
    seen: set[tuple[int, int]] = set()

    def visit(element: Any, page: int | None, depth: int = 1) -> None:
        if element.objgen != (0, 0):
            if element.objgen in seen:
                tree.problems.append(f"the element {element.objgen} appears twice in the tree")
                return
            seen.add(element.objgen)
        if depth > MAX_STRUCTURE_DEPTH:
            tree.problems.append(f"the tree is nested more than {MAX_STRUCTURE_DEPTH} deep")
            return
        tree.elements.append(element)
        own = element.get("/Pg")
        page = pages.get(own.objgen, page) if own is not None else page
        found = kids(element)
        if element.objgen != (0, 0):
            tree.kids[element.objgen] = found
        for kid in found:
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
            elif is_element(kid):
                tree.parents[kid.objgen] = element
                visit(kid, page, depth + 1)

    for top in kids(root):
        if is_element(top):
            visit(top, None)
    return tree


def parent_tree(root: Any) -> dict[int, Any]:
    """The ParentTree of a StructTreeRoot, every node read, by key (empty if there is none).

    Read as written, not through `pikepdf.NumberTree`, which keeps the first of two equal keys
    where this keeps the last, skips a node's /Nums beside its /Kids and reads a key that is not
    a number as 0: a damaged tree is checked as it stands."""
    entries: dict[int, Any] = {}
    tree = root.get("/ParentTree")
    todo: list[Any] = [] if tree is None else [tree]
    seen: set[tuple[int, int]] = set()
    while todo:  # depth first, in order; each node once (a damaged tree may loop)
        node = todo.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen - {(0, 0)}:
            continue
        seen.add(node.objgen)
        nums = node.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            for i in range(0, len(nums) - 1, 2):
                if isinstance(nums[i], int):  # a key that is not a number names no entry
                    entries[int(nums[i])] = nums[i + 1]
        kids = node.get("/Kids")
        todo += reversed(list(kids)) if isinstance(kids, pikepdf.Array) else []
    return entries


def text_of(
    element: Any,
    texts: dict[tuple[int, int], str],
    pages: dict[Any, int],
    page: int,
    tree: StructTree | None = None,
    depth: int = 1,
) -> str:
    """The text an element reads as: its ActualText, or the text of what it holds."""
    if "/ActualText" in element:
        return str(element.ActualText)
    if depth > MAX_STRUCTURE_DEPTH:  # told by `walk`
        return ""
    own = element.get("/Pg")
    page = pages.get(own.objgen, page) if own is not None else page
    parts = []
    for kid in kids(element) if tree is None else tree.kids_of(element):
        if isinstance(kid, int):
            parts.append(texts.get((page, kid), ""))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
            parts.append(texts.get((pages.get(kid.Pg.objgen, page), int(kid.MCID)), ""))
        elif is_element(kid):
            parts.append(text_of(kid, texts, pages, page, tree, depth + 1))
    return "".join(parts)
