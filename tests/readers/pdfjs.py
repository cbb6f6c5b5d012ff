"""What pdf.js (the reader of Firefox, which hands it to screen readers) reads in tagged PDFs:
tests/readers/pdfjs-read.mjs run by node, its struct trees and marked text content joined into
the shape of `reading` (each element with the text of its marked content, the stray text)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .reading import Element, Page, Stray

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path(__file__).with_name("pdfjs-read.mjs")
PDFJS = ROOT / "node_modules" / "pdfjs-dist" / "legacy" / "build" / "pdf.mjs"


def require() -> str:
    """node's path, when node and pdf.js are installed; otherwise the test fails in CI (where
    they must be) and is skipped elsewhere, saying how to install them."""
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (18 or newer: apt-get install nodejs npm)")
    if not PDFJS.is_file():
        missing.append("pdf.js (run `npm ci` at the repository's root)")
    if node is None or missing:  # (node is None implies missing: said for the type checker)
        message = "reading with pdf.js needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return node


def read(paths: list[Path]) -> dict[Path, list[Page]]:
    """Each PDF as pdf.js reads it, page by page (one node process for all of them)."""
    node = require()
    result = subprocess.run(
        [node, str(SCRIPT), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)
    return {path: [_page(page) for page in found[str(path)]] for path in paths}


def _page(page: dict[str, Any]) -> Page:
    texts, stray = _marked(page["items"])
    used: set[str] = set()
    roots = [_element(node, texts, used) for node in (page["tree"] or {}).get("children", [])]
    for mcid, text in texts.items():
        if mcid not in used and text.strip():
            stray.append(Stray(text, f"marked content {mcid} that no element reads"))
    return Page(roots, stray)


def _marked(items: list[dict[str, Any]]) -> tuple[dict[str, str], list[Stray]]:
    """The text of each marked-content id, and the text outside any (or tagged inside an
    artifact); a line end is a line break."""
    texts: dict[str, str] = {}
    stray: list[Stray] = []
    stack: list[tuple[str | None, str | None]] = []
    for item in items:
        kind = item.get("type")
        if kind in ("beginMarkedContent", "beginMarkedContentProps"):
            stack.append((item.get("tag"), item.get("id")))
            continue
        if kind == "endMarkedContent":
            if stack:
                stack.pop()
            continue
        text = item["str"] + ("\n" if item["eol"] else "")
        ids = [mcid for _, mcid in stack if mcid]
        if any(tag == "Artifact" for tag, _ in stack):
            if ids and item["str"].strip():
                stray.append(Stray(item["str"], "tagged content inside an artifact"))
        elif ids:
            texts[ids[-1]] = texts.get(ids[-1], "") + text
        elif item["str"].strip():
            stray.append(Stray(item["str"], "text marked as neither content nor artifact"))
    return texts, stray


def _element(node: dict[str, Any], texts: dict[str, str], used: set[str]) -> Element:
    # pdf.js gives one `alt`: the element's /Alt, or its /ActualText when it has no /Alt;
    # Firefox reads it instead of the content.
    alt = node.get("alt")
    element = Element(
        role=node["role"],
        alt=alt,
        actual=alt if node["role"] != "Figure" else None,
        lang=node.get("lang", ""),
    )
    for child in node.get("children", []):
        if "role" in child:
            element.children.append(_element(child, texts, used))
        elif child.get("type") == "content":
            used.add(child["id"])
            element.children.append(texts.get(child["id"], ""))
        elif child.get("type") in ("annotation", "object"):
            element.objects += 1
    return element
