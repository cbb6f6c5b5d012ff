"""What an accessible PDF holds besides its pages' text, as PDF/UA-1 wants it: optional content
(UA-OPTIONAL), embedded files (UA-FILES), encryption (UA-SECURITY), XFA forms (UA-XFA) and
annotations other than links (UA-ANNOTS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pikepdf

from fichepress.checks.ua_tree import error
from fichepress.core.findings import Finding
from fichepress.pdf import structure
from fichepress.pdf.structure import StructTree

ANNOTATION_TYPES = frozenset(
    [
        "Text",
        "Link",
        "FreeText",
        "Line",
        "Square",
        "Circle",
        "Polygon",
        "PolyLine",
        "Highlight",
        "Underline",
        "Squiggly",
        "StrikeOut",
        "Stamp",
        "Caret",
        "Ink",
        "Popup",
        "FileAttachment",
        "Sound",
        "Movie",
        "Widget",
        "Screen",
        "PrinterMark",
        "TrapNet",
        "Watermark",
        "3D",
        "Redact",
    ]
)
"""The annotation types of ISO 32000-1 (12.5.6, Table 169, with Redact of its Adobe supplement)."""
ACCESS_BIT = 1 << 9
"""Bit 10 of the encryption's P: extract text and graphics for accessibility."""


def document(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """UA-OPTIONAL, UA-FILES, UA-SECURITY and UA-XFA."""
    yield from _optional_content(pdf)
    yield from _embedded_files(pdf)
    yield from _security(pdf)
    yield from _xfa(pdf)


def _optional_content(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """20-001 to 20-003: each optional-content configuration has a name, and no AS."""
    properties = pdf.Root.get("/OCProperties")
    if not isinstance(properties, pikepdf.Dictionary):
        return
    configurations: list[tuple[str, Any]] = [("default configuration (/D)", properties.get("/D"))]
    for index, config in enumerate(properties.get("/Configs", [])):
        configurations.append((f"configuration {index + 1} of /Configs", config))
    for label, config in configurations:
        if not isinstance(config, pikepdf.Dictionary):
            continue
        if not str(config.get("/Name", "")).strip():
            yield error(
                0,
                "UA-OPTIONAL",
                f"the optional-content {label} has no name (/Name): readers list layers by"
                " name; name it",
            )
        if "/AS" in config:
            yield error(
                0,
                "UA-OPTIONAL",
                f"the optional-content {label} has an /AS entry (layers shown or hidden"
                " by themselves): leave it out",
            )


def _file_specifications(pdf: pikepdf.Pdf) -> Iterator[tuple[int, Any]]:
    """(page, file specification) of every embedded file: the EmbeddedFiles name tree, file
    attachment annotations and associated files (/AF)."""
    names: Any = pdf.Root.get("/Names", {})
    tree = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if isinstance(tree, pikepdf.Dictionary):
        for _, value in pikepdf.NameTree(tree).items():
            yield 0, value
    for value in pdf.Root.get("/AF", []):
        yield 0, value
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            if isinstance(annotation, pikepdf.Dictionary) and "/FS" in annotation:
                yield index + 1, annotation.FS


def _embedded_files(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """21-001 and 28-016: a file specification of an embedded file has F and UF."""
    seen: set[tuple[int, int]] = set()
    for page, spec in _file_specifications(pdf):
        if not isinstance(spec, pikepdf.Dictionary) or "/EF" not in spec:
            continue
        if spec.is_indirect and spec.objgen in seen:
            continue
        seen.add(spec.objgen)
        missing = [key for key in ("/F", "/UF") if key not in spec]
        if missing:
            name = str(spec.get("/UF", spec.get("/F", "")))
            yield error(
                page,
                "UA-FILES",
                f"an embedded file's specification has no {' or '.join(missing)}: readers cannot"
                " name the file; give both F and UF (its name in Unicode)",
                name,
            )


def _security(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """26-001 and 26-002: encryption lets assistive technology read the text."""
    encrypt: Any = pdf.trailer.get("/Encrypt") if pdf.is_encrypted else None
    if not isinstance(encrypt, pikepdf.Dictionary):
        return
    permissions = encrypt.get("/P")
    if permissions is None:
        yield error(0, "UA-SECURITY", "the file is encrypted without permissions (/P)")
    elif not int(permissions) & ACCESS_BIT:
        yield error(
            0,
            "UA-SECURITY",
            "the file is encrypted and forbids extracting its text for accessibility (bit 10"
            " of /P): screen readers may refuse it; allow it, or do not encrypt",
        )


def _xfa(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """25-001: no dynamic XFA form."""
    form: Any = pdf.Root.get("/AcroForm", {})
    xfa = form.get("/XFA") if isinstance(form, pikepdf.Dictionary) else None
    parts = list(xfa) if isinstance(xfa, pikepdf.Array) else [xfa]
    for part in parts:
        if isinstance(part, pikepdf.Stream):
            data = part.read_bytes()
            if b"dynamicRender" in data and b"required" in data.split(b"dynamicRender", 1)[1][:80]:
                yield error(
                    0,
                    "UA-XFA",
                    "the file holds a dynamic XFA form (dynamicRender required): it has no"
                    " tagged pages to read",
                )
                return


def annotation_rules(pdf: pikepdf.Pdf, tree: StructTree) -> Iterator[Finding]:
    """UA-ANNOTS: annotations other than links (checked by UA-LINKS) in the structure, with a
    description; no TrapNet, no unknown type; printer's marks as artifacts."""
    role_map = structure.role_map(pdf)
    for index, page in enumerate(pdf.pages):
        for annotation in page.obj.get("/Annots", []):
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            kind = str(annotation.get("/Subtype", "")).lstrip("/")
            owner = tree.annotations.get(annotation.objgen)
            role = structure.role(owner, role_map) if owner is not None else ""
            for what in _annotation(annotation, kind, owner, role):
                yield error(index + 1, "UA-ANNOTS", what, f"{kind} annotation")
    yield from _fields(pdf, tree, role_map)


def _annotation(annotation: Any, kind: str, owner: Any, role: str) -> Iterator[str]:
    hidden = int(annotation.get("/F", 0)) & 2
    if kind == "TrapNet":
        yield "a TrapNet annotation is not allowed in PDF/UA: remove it"
    elif kind not in ANNOTATION_TYPES:
        yield f"an annotation of a type ISO 32000 does not define ({kind or 'none'})"
    if kind == "PrinterMark":
        if owner is not None:
            yield "a printer's mark is in the structure tree: take it out"
        if not _artifact_appearance(annotation):
            yield "a printer's mark's appearance is not marked as an artifact"
        return
    if kind in ("Link", "Popup") or hidden:
        return
    if kind == "Widget":
        if role != "Form":
            yield "a form field's widget is not inside a Form element"
        return
    if role != "Annot":
        yield f"the annotation is not inside an Annot element ({role or 'in no element'})"
    alt = str(owner.get("/Alt", "")) if owner is not None else ""
    if not str(annotation.get("/Contents", "")).strip() and not alt.strip():
        yield "the annotation has no description (/Contents, or Alt on its element)"
    yield from _media(annotation)


def _media(annotation: Any) -> Iterator[str]:
    """28-014 and 28-015: a media clip says its type and has alternative text."""
    action = annotation.get("/A")
    rendition = action.get("/R") if isinstance(action, pikepdf.Dictionary) else None
    clip = rendition.get("/C") if isinstance(rendition, pikepdf.Dictionary) else None
    if not isinstance(clip, pikepdf.Dictionary):
        return
    if "/CT" not in clip:
        yield "a media clip does not say its content type (/CT)"
    if "/Alt" not in clip:
        yield "a media clip has no alternative text (/Alt)"


def _artifact_appearance(annotation: Any) -> bool:
    """Every painting of the annotation's normal appearance lies in Artifact marked content."""
    appearance: Any = annotation.get("/AP", {})
    normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
    if not isinstance(normal, pikepdf.Stream):
        return True
    depth = 0
    for instruction in pikepdf.parse_content_stream(normal):
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            depth += 1 if depth or str(instruction.operands[0]) == "/Artifact" else 0
        elif op == "EMC" and depth:
            depth -= 1
        elif op in _PAINTING and not depth:
            return False
    return True


_PAINTING = frozenset(["f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh", "Do", "Tj", "TJ"])
"""Painting operators (inline images and the quote operators are left to the other rules)."""


def _fields(pdf: pikepdf.Pdf, tree: StructTree, role_map: Any) -> Iterator[Finding]:
    """28-005 and 11-005: each form field has a name for readers (TU, or Alt on its Form)."""
    form: Any = pdf.Root.get("/AcroForm", {})
    todo = list(form.get("/Fields", [])) if isinstance(form, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while todo:
        field = todo.pop()
        if not isinstance(field, pikepdf.Dictionary) or field.objgen in seen:
            continue
        seen.add(field.objgen)
        kids = [k for k in field.get("/Kids", []) if "/T" in k]
        if kids:
            todo += kids
            continue
        widgets = [field, *field.get("/Kids", [])]
        owners = [tree.annotations.get(w.objgen) for w in widgets]
        alts = [str(o.get("/Alt", "")) for o in owners if o is not None]
        if not str(field.get("/TU", "")).strip() and not any(a.strip() for a in alts):
            yield error(
                0,
                "UA-ANNOTS",
                "a form field has no description for readers (/TU, or Alt on its Form)",
                str(field.get("/T", "")),
            )
