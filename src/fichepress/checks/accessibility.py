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
- UA-MARKS: no tagged content inside an artifact, no artifact inside tagged content;
- UA-XOBJECTS: no reference XObject, no form holding tagged content painted twice;
- UA-FONTS: fonts embedded, with the glyphs, widths, CMaps and encodings readers follow, and a
  ToUnicode map giving real characters;
- UA-TABLES, UA-NESTING: tables, tables of contents, Ruby and Warichu nested as ISO 32000-1
  says; a table has header cells, each with a Scope unless the cells give Headers;
- UA-NOTES: each Note has an ID of its own; UA-FORMULAS: each Formula has Alt;
- UA-OPTIONAL: optional-content configurations have a name and no AS;
- UA-FILES: embedded files' specifications have F and UF;
- UA-SECURITY: encryption lets assistive technology extract the text;
- UA-XFA: no dynamic XFA form;
- UA-ANNOTS: annotations other than links in Annot elements (widgets in Form), described, of
  known types, no TrapNet, printer's marks as artifacts, form fields with a description;
- UA-ORDER: the reading order follows the pages (a block read after those of a later page,
  such as credits put first in the tree but printed last, is out of order);
- UA-SOURCE (when the source is known: the build, or `preflight --source`): the document's
  title is the source's; the blocks read in order are the source's, one element per block
  however many pages it crosses, with the source's roles (a pull quote is a BlockQuote, a
  list item an LI), its very text (case, accents, ligatures as letters, quotation marks), its
  language, and every link it holds clickable;
- UA-CONTRAST (when asked, by `preflight`): text painted on its background, as the PDF paints
  them, meets WCAG 2.1 AA (4.5:1, 3:1 for large text).

The rules live in `ua_tree`, `ua_content`, `ua_structure`, `ua_marks`, `ua_fonts`,
`ua_document`, `ua_source` and `contrast`; this module opens a PDF
once, reads its pages and its structure tree, and runs them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pikepdf

from fichepress.checks.contrast import painted_contrast
from fichepress.checks.ua_content import artifacts, bookmarks, links, pictures, text_rules
from fichepress.checks.ua_document import annotation_rules, document
from fichepress.checks.ua_fonts import fonts
from fichepress.checks.ua_marks import read_content, xobjects
from fichepress.checks.ua_source import (
    Source,
    against_source,
    found_blocks,
    metadata,
    order,
    title,
)
from fichepress.checks.ua_structure import structure_rules
from fichepress.checks.ua_tree import identification, integrity, semantics
from fichepress.core.findings import Finding, page_order
from fichepress.pdf.fonts import FontMetrics, clashing_subsets
from fichepress.pdf.marks import scan_marks
from fichepress.pdf.paints import Scan
from fichepress.pdf.scan import scan_page
from fichepress.pdf.structure import walk


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
    """`page_marks_of` a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return page_marks_of(pdf)


def page_marks_of(pdf: pikepdf.Pdf) -> list[PageMarks]:
    """The marks of each page of a PDF."""
    metrics: dict[Any, FontMetrics] = {}
    return [PageMarks.of(scan_marks(page, metrics)) for page in pdf.pages]


def check_source(
    data: bytes, source: Source, known: Mapping[int, PageMarks] | None = None
) -> list[Finding]:
    """`check_source_pdf` of a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return check_source_pdf(pdf, source, known)


def check_source_pdf(
    pdf: pikepdf.Pdf, source: Source, known: Mapping[int, PageMarks] | None = None
) -> list[Finding]:
    """Only the rules that compare a PDF with its source: UA-ORDER and UA-SOURCE (for the
    parts of a collection, checked whole once joined but compared with their sources here)."""
    known = known or {}
    metrics: dict[Any, FontMetrics] = {}
    scans = [
        known[index].scan() if index in known else scan_marks(page, metrics)
        for index, page in enumerate(pdf.pages)
    ]
    blocks = found_blocks(pdf, walk(pdf), scans)
    shown = title(metadata(pdf))
    return sorted([*order(blocks), *against_source(blocks, source, shown)], key=page_order)


def check_accessible(
    data: bytes,
    known: Mapping[int, PageMarks] | None = None,
    *,
    source: Source | None = None,
    contrast: bool = False,
) -> list[Finding]:
    """`check_accessible_pdf` of a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return check_accessible_pdf(pdf, known, source=source, contrast=contrast)


def check_accessible_pdf(
    pdf: pikepdf.Pdf,
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
    metrics: dict[Any, FontMetrics] = {}
    if contrast:
        scans = [scan_page(page, metrics) for page in pdf.pages]
    else:
        scans = [
            known[index].scan() if index in known else scan_marks(page, metrics)
            for index, page in enumerate(pdf.pages)
        ]
    tree = walk(pdf)
    blocks = found_blocks(pdf, tree, scans)
    xmp = metadata(pdf)
    content = read_content(pdf)
    findings = [
        *identification(pdf, xmp),
        *integrity(pdf, tree, scans),
        *artifacts(scans),
        *semantics(pdf, tree),
        *structure_rules(pdf, tree),
        *content.nesting,
        *xobjects(content),
        *fonts(content),
        *(Finding("", rule="UA-FONTS", message=clash) for clash in clashing_subsets(pdf)),
        *document(pdf),
        *annotation_rules(pdf, tree),
        *pictures(pdf, tree, scans),
        *links(pdf, tree),
        *bookmarks(pdf, blocks),
        *text_rules(scans),
        *order(blocks),
        *(against_source(blocks, source, title(xmp)) if source is not None else ()),
        *(painted_contrast(scans) if contrast else ()),
    ]
    return sorted(findings, key=page_order)
