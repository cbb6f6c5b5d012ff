"""The marked content of a page and the text shown in it, read quickly: `scan_marks`, the
accessibility rules' and the tagging repair's share of the interpreter's work."""

from __future__ import annotations

from typing import Any

import pikepdf

from fichepress.pdf.fonts import FontMetrics, metrics_of
from fichepress.pdf.interpreter import innermost_mcid, shown_bytes
from fichepress.pdf.paints import Scan
from fichepress.pdf.scan import scan_page

MARK_OPERATORS = "q Q BDC BMC EMC Tf Tr Tj TJ ' \" f F f* B B* b b* S s sh Do EI"
"""What `scan_marks` needs to see of a content stream (EI ends an inline image)."""
_SHOWS = frozenset({"Tj", "TJ", "'", '"'})
_MARK_SET = frozenset(MARK_OPERATORS.split())


class _MarkReader:
    """Reads the marked content of a page and its forms, nothing else: the accessibility
    rules' share of `Interpreter`'s work, at a fraction of its cost. It notes only *whether*
    something paints outside marked content; `scan_marks` asks the full interpreter where."""

    def __init__(self, scan: Scan, metrics: dict[Any, FontMetrics]) -> None:
        self.scan = scan
        self.metrics = metrics
        self.marked: list[tuple[str, int | None]] = []
        self.suspect = False
        self.depth = 0

    def _mcid(self) -> int | None:
        return innermost_mcid(self.marked)

    def run(self, instructions: Any, resources: Any, where: str) -> None:
        if self.depth > 12:
            return  # as `Interpreter.run`
        self.depth += 1
        try:
            self._run(instructions, resources, where)
        finally:
            self.depth -= 1

    def _run(self, instructions: Any, resources: Any, where: str) -> None:
        resources = resources if resources is not None else pikepdf.Dictionary()
        fonts: Any = resources.get("/Font", {})
        font: Any = None
        mode = 0
        stack: list[tuple[Any, int]] = []
        scan, marked, wanted = self.scan, self.marked, _MARK_SET
        for instruction in instructions:
            op = str(instruction.operator)
            if op not in wanted:
                continue
            operands = instruction.operands
            if op in _SHOWS:
                if font is None:
                    continue
                data = shown_bytes(operands[0]) if op == "TJ" else bytes(operands[-1])
                mcid = self._mcid() if marked else None
                if mcid is not None:
                    if mode != 3 and data:
                        text = self._font_metrics(font).text(data)
                        scan.mcid_text[mcid] = scan.mcid_text.get(mcid, "") + text
                elif not marked and data and mode not in (3, 7):
                    self.suspect = True
            elif op == "q":
                stack.append((font, mode))
            elif op == "Q":
                if stack:
                    font, mode = stack.pop()
            elif op == "BDC" or op == "BMC":
                mcid = None
                if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    value = operands[1].get("/MCID")
                    mcid = int(value) if value is not None else None
                marked.append((str(operands[0]), mcid))
                if mcid is not None and where == "page":
                    scan.mcid_order.append(mcid)
                    scan.mcid_text.setdefault(mcid, "")
            elif op == "EMC":
                if marked:
                    marked.pop()
            elif op == "Tf":
                font = fonts.get(str(operands[0]))
            elif op == "Tr":
                mode = int(operands[0])
            elif op == "Do":
                xobject = resources.get("/XObject", {}).get(str(operands[0]))
                if xobject is None:
                    continue
                if xobject.get("/Subtype") == "/Form":
                    inner = pikepdf.parse_content_stream(xobject, MARK_OPERATORS)
                    self.run(inner, xobject.get("/Resources"), f"form {operands[0]}")
                elif not marked:
                    self.suspect = True
                else:
                    self._painted()
            elif not marked:  # a painting operator
                self.suspect = True
            else:
                self._painted()

    def _font_metrics(self, font: Any) -> FontMetrics:
        return metrics_of(font, self.metrics)

    def _painted(self) -> None:
        mcid = self._mcid()
        if mcid is not None:
            self.scan.mcid_pictures.add(mcid)


def scan_marks(
    page: pikepdf.Page,
    metrics: dict[Any, FontMetrics] | None = None,
    instructions: Any = None,
) -> Scan:
    """The marked content of `page` (`mcid_text`, `mcid_order`) and what paints outside it
    (`untagged`), as `scan_page` tells them, reading only the operators that matter
    (`instructions`: the page's, parsed already). Tiling pattern cells and annotation
    appearances, which are never tagged, are not read. When something seems to paint outside
    marked content, the page is read in full, so that the finding says what and where."""
    metrics = {} if metrics is None else metrics
    scan = Scan()
    reader = _MarkReader(scan, metrics)
    if instructions is None:
        instructions = pikepdf.parse_content_stream(page, MARK_OPERATORS)
    reader.run(instructions, page.obj.get("/Resources"), "page")
    if reader.suspect:
        full = scan_page(page, metrics)
        scan.untagged = full.untagged
    return scan
