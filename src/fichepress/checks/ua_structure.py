"""The structure elements whose nesting ISO 32000-1 fixes, and those PDF/UA-1 asks more of:
UA-TABLES (Table 337, header cells, Scope), UA-NESTING (TOC, Ruby, Warichu), UA-NOTES (an
ID for each Note, unique), UA-FORMULAS (alternative text), UA-HEADINGS (H and Hn not mixed, one
H per node), UA-LISTS (an LI in an L) and UA-TREE (no circular RoleMap)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pikepdf

from fichepress.checks.ua_tree import error
from fichepress.core.findings import Finding
from fichepress.pdf import structure
from fichepress.pdf.structure import StructTree

KIDS = {
    "Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
    "THead": {"TR"},
    "TBody": {"TR"},
    "TFoot": {"TR"},
    "TR": {"TH", "TD"},
    "TOC": {"TOC", "TOCI", "Caption"},
    "Ruby": {"RB", "RT", "RP"},
    "Warichu": {"WT", "WP"},
}
"""What each of these elements may hold (ISO 32000-1, Tables 333, 337, 338)."""
PARENTS = {
    "THead": {"Table"},
    "TBody": {"Table"},
    "TFoot": {"Table"},
    "TR": {"Table", "THead", "TBody", "TFoot"},
    "TH": {"TR"},
    "TD": {"TR"},
    "TOCI": {"TOC"},
    "RB": {"Ruby"},
    "RT": {"Ruby"},
    "RP": {"Ruby"},
    "WT": {"Warichu"},
    "WP": {"Warichu"},
    "LI": {"L"},
}
"""Where each of these elements must be."""
TABLE_PARTS = frozenset({"Table", "THead", "TBody", "TFoot", "TR", "TH", "TD"})


def structure_rules(pdf: pikepdf.Pdf, tree: StructTree) -> Iterator[Finding]:
    """Every rule of this module."""
    role_map = structure.role_map(pdf)
    yield from _circular(role_map)
    roles = {e.objgen: structure.role(e, role_map) for e in tree.elements}
    pages = first_pages(tree)

    def role(element: Any) -> str:
        return roles.get(element.objgen) or structure.role(element, role_map)

    for page, rule, what, element in (
        *_nesting(tree, role),
        *_tables(tree, role),
        *_notes_and_formulas(tree, role),
        *_headings(tree, role),
    ):
        where = f"{role(element)} element" if element is not None else ""
        yield error(
            pages.get(element.objgen, 0) if element is not None else page, rule, what, where
        )


Told = tuple[int, str, str, Any]
"""(page if no element says it, rule, what, the element it concerns or None)."""


def first_pages(tree: StructTree) -> dict[tuple[int, int], int]:
    """element objgen → the first page (1-based) of what it holds, itself or in its kids."""
    pages: dict[tuple[int, int], int] = {}
    for (page, _), element in tree.holds.items():
        while element is not None:
            key = element.objgen
            if key in pages and pages[key] <= page + 1:
                break
            pages[key] = page + 1
            element = tree.parents.get(key)
    return pages


def _circular(role_map: Any) -> Iterator[Finding]:
    """02-002: following the RoleMap from a type never comes back to it."""
    if not isinstance(role_map, pikepdf.Dictionary):
        return
    told: set[str] = set()
    for start in list(role_map.keys()):
        seen, kind = [start], str(role_map[start])
        while kind in role_map and kind not in seen:
            seen.append(kind)
            kind = str(role_map[kind])
        if kind in seen and not told & set(seen):
            told.update(seen)
            cycle = " → ".join(s.lstrip("/") for s in seen[seen.index(kind) :])
            yield error(0, "UA-TREE", f"the RoleMap maps types in a circle ({cycle} → …)")


def _nesting(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Told]:
    """09-004 to 09-008 (and an LI in an L, 09-005): kids and parents as ISO 32000-1 says."""
    for element in tree.elements:
        kind = role(element)
        rule = _rule_of(kind)
        allowed = KIDS.get(kind)
        if allowed is not None:
            kids = {role(k) for k in tree.kids_of(element) if structure.is_element(k)}
            for wrong in sorted(kids - allowed):
                yield (
                    0,
                    rule,
                    f"a {kind} holds a {wrong}: it may hold {', '.join(sorted(allowed))} only",
                    element,
                )
        parents = PARENTS.get(kind)
        if parents is not None:
            parent = tree.parents.get(element.objgen)
            where = role(parent) if parent is not None else "the root"
            if where not in parents:
                yield (
                    0,
                    rule,
                    f"a {kind} is inside a {where}, not a {' or '.join(sorted(parents))}",
                    element,
                )


def _rule_of(kind: str) -> str:
    if kind in TABLE_PARTS:
        return "UA-TABLES"
    return "UA-LISTS" if kind == "LI" else "UA-NESTING"


def _attribute(element: Any, key: str) -> Any:
    """A Table attribute of an element (in /A, a dictionary or an array of them)."""
    attributes = element.get("/A")
    found = attributes if isinstance(attributes, pikepdf.Array) else [attributes]
    for owner in found:
        if isinstance(owner, pikepdf.Dictionary) and key in owner:
            return owner[key]
    return None


def _tables(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Told]:
    """Each table has header cells (TH); 15-003: without Headers and IDs, each TH a Scope."""
    for element in tree.elements:
        if role(element) != "Table":
            continue
        cells: list[Any] = []
        todo = list(tree.kids_of(element))
        while todo:
            kid = todo.pop()
            if not structure.is_element(kid) or role(kid) == "Table":
                continue
            if role(kid) in ("TH", "TD"):
                cells.append(kid)
            todo += tree.kids_of(kid)
        headers = [c for c in cells if role(c) == "TH"]
        if cells and not headers:
            yield (
                0,
                "UA-TABLES",
                "a table has no header cells (TH): readers cannot say which column or row a"
                " cell belongs to; tag the header row's cells as TH",
                element,
            )
        organised = any(_attribute(c, "/Headers") is not None for c in cells)
        unscoped = [h for h in headers if _attribute(h, "/Scope") is None]
        if not organised and unscoped:
            yield (
                0,
                "UA-TABLES",
                f"{len(unscoped)} header cell(s) (TH) have no Scope (Row, Column or Both), and"
                " the table gives no Headers: readers cannot tell what they head",
                element,
            )


def _notes_and_formulas(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Told]:
    """19-003, 19-004: each Note has an ID of its own; 17-002: each Formula has Alt."""
    ids: dict[bytes, list[Any]] = {}
    for element in tree.elements:
        kind = role(element)
        if kind == "Note":
            value = element.get("/ID")
            if value is None or not bytes(value):
                yield (
                    0,
                    "UA-NOTES",
                    "a Note has no ID: readers cannot link the note to its call; give it one",
                    element,
                )
            else:
                ids.setdefault(bytes(value), []).append(element)
        elif kind == "Formula" and not str(element.get("/Alt", "")).strip():
            yield 0, "UA-FORMULAS", "a Formula has no alternative text (Alt)", element
    for value, notes in sorted(ids.items(), key=lambda item: item[0]):
        if len(notes) > 1:
            yield (
                0,
                "UA-NOTES",
                f'{len(notes)} Notes share the ID "{value.decode("latin-1")}": each needs its own',
                notes[1],
            )


def _headings(tree: StructTree, role: Callable[[Any], str]) -> Iterator[Told]:
    """14-006: no element holds two H; 14-007: not both H and H1–H6."""
    kinds: set[str] = set()
    for element in tree.elements:
        kind = role(element)
        if kind == "H" or (len(kind) == 2 and kind[0] == "H" and kind[1].isdigit()):
            kinds.add("H" if kind == "H" else "Hn")
        held = [k for k in tree.kids_of(element) if structure.is_element(k) and role(k) == "H"]
        if len(held) > 1:
            yield (
                0,
                "UA-HEADINGS",
                f"a {kind} holds {len(held)} H headings: one per section (or use H1–H6)",
                element,
            )
    if kinds == {"H", "Hn"}:
        yield 0, "UA-HEADINGS", "headings of both kinds, H and H1–H6: use one kind only", None
