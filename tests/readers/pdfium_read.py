"""What PDFium (the reader of Chrome's viewer) reads in a tagged PDF, through pypdfium2's raw
API: each page's structure tree with its roles, alternate and actual texts and languages, the
text of each marked-content sequence from the page objects, and the text no element reads."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .reading import Element, Page, Stray


@dataclass
class _Marked:
    """What the page objects hold: the text of each MCID, and the text outside any."""

    texts: dict[int, list[str]] = field(default_factory=dict)
    stray: list[Stray] = field(default_factory=list)
    breaks: dict[int, str] = field(default_factory=dict)
    """text object (its address) → the space or line break PDFium's text page puts after it."""


def _utf16(function: Any, *args: Any) -> str:
    """A string PDFium hands back as UTF-16LE through a buffer sized by a first call."""
    size = function(*args, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(*args, buffer, size)
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")


def _mark_name(mark: Any) -> str:
    size = ctypes.c_ulong(0)
    raw.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(size))
    if size.value <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size.value // 2))()
    raw.FPDFPageObjMark_GetName(mark, buffer, size.value, ctypes.byref(size))
    return bytes(buffer)[: size.value - 2].decode("utf-16-le", errors="replace")


def _text(text_object: Any, text_page: Any) -> str:
    size = raw.FPDFTextObj_GetText(text_object, text_page, None, 0)
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    raw.FPDFTextObj_GetText(text_object, text_page, buffer, size)
    return bytes(buffer)[: size - 2].decode("utf-16-le", errors="replace")


def _marks(page_object: Any) -> list[tuple[str, int]]:
    """The object's marked-content tags, outermost first, with their MCID (-1 if none)."""
    found = []
    for index in range(raw.FPDFPageObj_CountMarks(page_object)):
        mark = raw.FPDFPageObj_GetMark(page_object, index)
        name = _mark_name(mark)
        mcid = ctypes.c_int(-1)
        if not raw.FPDFPageObjMark_GetParamIntValue(mark, b"MCID", ctypes.byref(mcid)):
            mcid.value = -1
        found.append((name, mcid.value))
    return found


def _collect(
    page_object: Any, text_page: Any, outer: list[tuple[str, int]], marked: _Marked
) -> None:
    """The text of a page object (and of the objects of a form XObject, which inherit the
    marks around it) by MCID, or as stray text."""
    own = _marks(page_object)
    marks = outer + [mark for mark in own if mark not in outer]
    kind = raw.FPDFPageObj_GetType(page_object)
    if kind == raw.FPDF_PAGEOBJ_FORM:
        for index in range(raw.FPDFFormObj_CountObjects(page_object)):
            _collect(raw.FPDFFormObj_GetObject(page_object, index), text_page, marks, marked)
        return
    if kind != raw.FPDF_PAGEOBJ_TEXT:
        return
    text = _text(page_object, text_page)
    if text:
        text += marked.breaks.get(_address(page_object), "")
    if not text:
        return  # an empty text object (BT ET): nothing to read
    if any(name == "Artifact" for name, _ in marks):
        if any(mcid >= 0 for _, mcid in marks):
            marked.stray.append(Stray(text, "tagged content inside an artifact"))
        return
    mcids = [mcid for _, mcid in marks if mcid >= 0]
    if not mcids:
        marked.stray.append(Stray(text, "text marked as neither content nor artifact"))
        return
    marked.texts.setdefault(mcids[-1], []).append(text)


def _address(pointer: Any) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _breaks(text_page: Any) -> dict[int, str]:
    """What PDFium's text page (the text Chrome's viewer reads out) puts between text objects:
    the space or line break it generates after each, by the object's address."""
    breaks: dict[int, str] = {}
    last = 0
    for index in range(raw.FPDFText_CountChars(text_page)):
        if raw.FPDFText_IsGenerated(text_page, index) == 1:
            if last and last not in breaks:
                char = chr(raw.FPDFText_GetUnicode(text_page, index))
                breaks[last] = "\n" if char in "\r\n" else char
            continue
        last = _address(raw.FPDFText_GetTextObject(text_page, index))
    return breaks


def _element(element: Any, texts: dict[int, list[str]], used: set[int]) -> Element:
    role = _utf16(raw.FPDF_StructElement_GetType, element)
    node = Element(
        role=role,
        alt=_optional(raw.FPDF_StructElement_GetAltText, element),
        actual=_optional(raw.FPDF_StructElement_GetActualText, element),
        lang=_utf16(raw.FPDF_StructElement_GetLang, element),
        id=_utf16(raw.FPDF_StructElement_GetID, element),
    )
    for index in range(raw.FPDF_StructElement_CountChildren(element)):
        child = raw.FPDF_StructElement_GetChildAtIndex(element, index)
        if child:
            node.children.append(_element(child, texts, used))
            continue
        mcid = raw.FPDF_StructElement_GetChildMarkedContentID(element, index)
        if mcid >= 0:
            used.add(mcid)
            node.children.append("".join(texts.get(mcid, ())))
        else:
            # neither an element nor marked content of this page: an object (OBJR: a link's
            # annotation), or marked content of another page, which PDFium does not tell apart
            node.objects += 1
    return node


def _optional(function: Any, element: Any) -> str | None:
    """A text attribute that may be absent (None) or empty ("")."""
    size = function(element, None, 0)
    if size == 0:
        return None
    return _utf16(function, element)


def read(path: Path) -> list[Page]:
    """Each page as PDFium reads it: its structure tree (the elements with content on the
    page, in tree order) and the text it finds outside the tree."""
    document = pdfium.PdfDocument(path)
    pages = []
    try:
        for page in document:
            text_page = page.get_textpage()
            marked = _Marked(breaks=_breaks(text_page.raw))
            for index in range(raw.FPDFPage_CountObjects(page.raw)):
                _collect(raw.FPDFPage_GetObject(page.raw, index), text_page.raw, [], marked)
            tree = raw.FPDF_StructTree_GetForPage(page.raw)
            used: set[int] = set()
            roots = [
                _element(raw.FPDF_StructTree_GetChildAtIndex(tree, index), marked.texts, used)
                for index in range(raw.FPDF_StructTree_CountChildren(tree))
            ]
            raw.FPDF_StructTree_Close(tree)
            stray = list(marked.stray)
            for mcid in sorted(set(marked.texts) - used):
                text = "".join(marked.texts[mcid])
                if text.strip():
                    stray.append(Stray(text, f"marked content {mcid} that no element reads"))
            pages.append(Page(roots, stray))
            text_page.close()
            page.close()
    finally:
        document.close()
    return pages
