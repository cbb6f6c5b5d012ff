"""Finish WeasyPrint's PDF/X-4 for the press: output intent, crop marks, reproducible identity.

WeasyPrint 70 leaves three things a print shop would reject or a build would not reproduce:
no output intent unless an `@color-profile` is threaded through its API, crop marks drawn in
RGB inside the bleed (`marks: crop`), and a random XMP DocumentID. Here, with pikepdf:

- one output intent (GTS_PDFX) carrying the CMYK profile of the printing condition;
- the MediaBox widened around the BleedBox and crop marks drawn there, in registration colour
  (100 % of each ink, DeviceCMYK), starting beyond the bleed so they never print on the piece;
- a DocumentID and trailer ID derived from the content, so the same sources give the same bytes;
- no link annotations: paper is not clickable, and PDF/X admits only printer's marks there;
- metadata kept to what PDF/X-4 asks (identification, dates, DocumentID, VersionID, rendition
  class, and the XMP twins of the Info dictionary's entries), with full dates and time zones
  in both;
- black overprint: text, fills and strokes in 100 % black (DeviceCMYK 0 0 0 1) overprint
  (OP, op, OPM 1), so that black text on a tint leaves the tint whole under it and no halo
  shows if the plates shift; every other colour knocks out, as before (white set to overprint
  would vanish).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import pikepdf

from fichepress.core.colour import FOGRA39, OutputCondition, profile_bytes
from fichepress.core.geometry import (
    MARK_LENGTH_MM,
    MARK_OFFSET_MM,
    MARK_WIDTH_PT,
    PT_PER_MM,
    SLUG_MM,
)

KEPT_ANNOTATIONS = ("/PrinterMark", "/TrapNet")
OBJECT_STREAMS = pikepdf.ObjectStreamMode.generate
"""Objects packed in compressed object streams (PDF 1.5, allowed by PDF/X-4 and PDF/UA-1):
smaller files, and quicker to write than keeping the parts' streams as they were (a joined
collection: a quarter smaller, written in half the time)."""

_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-fA-F-]{36}")


@lru_cache(maxsize=1)
def _compressed_profile() -> bytes:
    """The ICC profile, compressed once per process (it is the same in every PDF)."""
    return zlib.compress(profile_bytes(), 9)


def _output_intent(pdf: pikepdf.Pdf, condition: OutputCondition) -> pikepdf.Dictionary:
    profile = pikepdf.Stream(pdf, b"")
    profile.write(_compressed_profile(), filter=pikepdf.Name.FlateDecode)
    profile.N = 4
    return pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(condition.identifier),
        RegistryName=pikepdf.String(condition.registry),
        Info=pikepdf.String(condition.info),
        DestOutputProfile=pdf.make_indirect(profile),
    )


def crop_marks(trim: tuple[float, float, float, float]) -> bytes:
    """Content stream drawing the eight crop marks of a trim box, in registration colour."""
    x0, y0, x1, y1 = trim
    offset, length = MARK_OFFSET_MM * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    lines = []
    for x, outward_x in ((x0, -1), (x1, 1)):
        for y, outward_y in ((y0, -1), (y1, 1)):
            # horizontal mark on the line of the trim's edge y, beyond x; vertical one likewise
            start, end = x + outward_x * offset, x + outward_x * (offset + length)
            lines.append(f"{start:.3f} {y:.3f} m {end:.3f} {y:.3f} l S")
            start, end = y + outward_y * offset, y + outward_y * (offset + length)
            lines.append(f"{x:.3f} {start:.3f} m {x:.3f} {end:.3f} l S")
    body = "\n".join(lines)
    return f"q\n{MARK_WIDTH_PT} w 0 J 1 1 1 1 K\n{body}\nQ\n".encode("ascii")


def set_identity(pdf: pikepdf.Pdf) -> bytes:
    """Save `pdf` with an identity derived from its content: the XMP DocumentID (if any) and
    the trailer ID, so that the same content gives the same bytes."""
    if "/ID" in pdf.trailer:  # qpdf keeps its first half, even with a static ID
        del pdf.trailer.ID
    probe = io.BytesIO()
    pdf.save(probe, static_id=True, compress_streams=True, object_stream_mode=OBJECT_STREAMS)
    return save_identified(pdf, hashlib.sha256(_DOCUMENT_ID.sub(b"", probe.getvalue())).digest())


def save_identified(pdf: pikepdf.Pdf, digest: bytes) -> bytes:
    """Save `pdf` with the identity `digest` (the XMP DocumentID, if any, and the trailer ID):
    a digest of everything that made the document gives the same bytes for the same inputs,
    in one save."""
    # Fetched here: a handle taken before a save writes to a stale copy.
    metadata = pdf.Root.get("/Metadata")
    xmp = metadata.read_bytes() if metadata is not None else b""
    if metadata is not None and _DOCUMENT_ID.search(xmp):
        document_id = f"xmp.did:{uuid.UUID(bytes=digest[:16], version=4)}".encode("ascii")
        metadata.write(_DOCUMENT_ID.sub(document_id, xmp))
    # The permanent half of the trailer ID is kept by qpdf: make it ours; qpdf derives the
    # changing half from the content.
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(digest[:16]), pikepdf.String(digest[:16])])
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=OBJECT_STREAMS)
    return out.getvalue()


BLACK_INK = (0.0, 0.0, 0.0, 1.0)
OVERPRINT_STATES = {
    (False, False): "/fpKnockOut",
    (True, False): "/fpOverprintFill",
    (False, True): "/fpOverprintStroke",
    (True, True): "/fpOverprint",
}
"""The names of the graphics states that set overprint (fill, stroke) on or off, OPM 1."""
_FILLS, _STROKES = {"f", "F", "f*"}, {"S", "s"}
_BOTH = {"B", "B*", "b", "b*", "Tj", "TJ", "'", '"'}


@dataclass(frozen=True)
class _Ink:
    """What the overprint rewriting follows of the graphics state: whether the fill and the
    stroke are in DeviceCMYK and exactly 100 % black (None: not known, inherited by a form),
    and the overprint (fill, stroke) in force (None: inherited)."""

    fill_cmyk: bool = False
    stroke_cmyk: bool = False
    fill: bool | None = False
    stroke: bool | None = False
    overprint: tuple[bool, bool] | None = (False, False)


def _after_colour(ink: _Ink, op: str, operands: Any, resources: Any) -> _Ink:
    """The state after a colour operator."""
    stroke = op.isupper()
    if op in ("cs", "CS"):
        space = operands[0]
        named = resources.get("/ColorSpace", {})
        if isinstance(space, pikepdf.Name) and str(space) in named:
            space = named[str(space)]
        cmyk = isinstance(space, pikepdf.Name) and str(space) == "/DeviceCMYK"
        # A colour space starts at its initial colour: black, in DeviceCMYK 0 0 0 1.
        if stroke:
            return replace(ink, stroke_cmyk=cmyk, stroke=cmyk)
        return replace(ink, fill_cmyk=cmyk, fill=cmyk)
    values = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
    cmyk = op in ("k", "K") or (ink.stroke_cmyk if stroke else ink.fill_cmyk)
    black = cmyk and len(values) == len(operands) and values == BLACK_INK
    if op in ("g", "G", "rg", "RG", "k", "K"):
        cmyk = op in ("k", "K")
        if stroke:
            return replace(ink, stroke_cmyk=cmyk, stroke=black)
        return replace(ink, fill_cmyk=cmyk, fill=black)
    return replace(ink, stroke=black) if stroke else replace(ink, fill=black)


def _wanted(ink: _Ink, fill: bool, stroke: bool) -> tuple[bool, bool] | None:
    """The overprint a painting operator needs (fill, stroke: which colours it paints with),
    or None when the one in force will do."""
    current = ink.overprint or (None, None)
    want_fill = ink.fill if fill and ink.fill is not None else current[0]
    want_stroke = ink.stroke if stroke and ink.stroke is not None else current[1]
    wanted = (bool(want_fill), bool(want_stroke))
    if (want_fill, want_stroke) == current:
        return None
    return wanted


def _painted_by(op: str, operands: Any, resources: Any) -> tuple[bool, bool] | None:
    """Which colours (fill, stroke) a painting operator uses; None for one that does not
    paint. Images and shadings carry their own colours: they never overprint."""
    if op in _FILLS:
        return (True, False)
    if op in _STROKES:
        return (False, True)
    if op in _BOTH:
        return (True, True)
    if op == "Do":
        xobject = resources.get("/XObject", {}).get(str(operands[0]))
        if xobject is None:
            return None
        if str(xobject.get("/Subtype")) == "/Form":
            return (True, True)  # it may paint in the colours it inherits
        return (bool(xobject.get("/ImageMask", False)), False)
    if op in ("sh", "INLINE IMAGE"):
        return (False, False)
    return None


def _overprinted(stream: Any, resources: Any, ink: _Ink) -> tuple[bytes, bool]:
    """A content stream with the overprint set before each painting operator that needs it
    changed: on for 100 % black, off for any other colour. Also tells whether it changed."""
    out: list[Any] = []
    stack: list[_Ink] = []
    changed = False
    states = resources.get("/ExtGState", {})
    for instruction in pikepdf.parse_content_stream(stream):
        operands: Any = []
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            op = "INLINE IMAGE"
        else:
            op, operands = str(instruction.operator), instruction.operands
        if op == "q":
            stack.append(ink)
        elif op == "Q" and stack:
            ink = stack.pop()
        elif op in ("g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN"):
            ink = _after_colour(ink, op, operands, resources)
        elif op == "gs":
            given = states.get(str(operands[0]))
            if isinstance(given, pikepdf.Dictionary) and ("/OP" in given or "/op" in given):
                ink = replace(ink, overprint=None)  # set by the file: not known any more
        else:
            painted = _painted_by(op, operands, resources)
            wanted = _wanted(ink, *painted) if painted is not None else None
            if wanted is not None:
                out.append(([pikepdf.Name(OVERPRINT_STATES[wanted])], pikepdf.Operator("gs")))
                ink, changed = replace(ink, overprint=wanted), True
        out.append(instruction)
    return pikepdf.unparse_content_stream(out), changed


def _overprint_state(pdf: pikepdf.Pdf, fill: bool, stroke: bool) -> pikepdf.Object:
    return pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, OP=stroke, op=fill, OPM=1)
    )


def _streams(pdf: pikepdf.Pdf) -> Iterator[tuple[Any, Any, _Ink]]:
    """Each content stream of the pages, their forms and tiling patterns, once, with its
    resources and the state it starts in (a form inherits the state of where it is drawn)."""
    seen: set[tuple[int, int]] = set()
    pending: list[tuple[Any, Any, _Ink]] = []
    for page in pdf.pages:
        page.contents_coalesce()
        pending.append((page.obj.Contents, page.obj.get("/Resources"), _Ink()))
    unknown = _Ink(fill=None, stroke=None, overprint=None)
    while pending:
        stream, resources, ink = pending.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue  # no resources: nothing to paint with, no state to add
        yield stream, resources, ink
        for name, inner in (("/XObject", unknown), ("/Pattern", _Ink())):
            for child in resources.get(name, {}).values():
                if not isinstance(child, pikepdf.Stream) or child.objgen in seen:
                    continue
                seen.add(child.objgen)
                if name == "/Pattern" or str(child.get("/Subtype")) == "/Form":
                    pending.append((child, child.get("/Resources"), inner))


def overprint_black(pdf: pikepdf.Pdf) -> None:
    """Set 100 % black (DeviceCMYK 0 0 0 1) to overprint in every content stream of `pdf`,
    every other colour to knock out (see the module's docstring)."""
    states = {key: _overprint_state(pdf, *key) for key in OVERPRINT_STATES}
    for stream, resources, ink in list(_streams(pdf)):
        data, changed = _overprinted(stream, resources, ink)
        if not changed:
            continue
        stream.write(data)
        if "/ExtGState" not in resources:
            resources.ExtGState = pikepdf.Dictionary()
        for key, name in OVERPRINT_STATES.items():
            resources.ExtGState[name] = states[key]


_PDF_DATE = re.compile(
    r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz])|([+-])(\d{2})'?(\d{2})?'?)?"
)
NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfxid": "http://www.npes.org/pdfx/ns/id/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
DOCUMENT_ID_PLACEHOLDER = "xmp.did:00000000-0000-4000-8000-000000000000"
"""Replaced by an identity derived from the content when the PDF is saved."""


def pdf_date(value: str) -> datetime | None:
    """A PDF date string (D:YYYYMMDDHHmmSS and a zone, each part after the year optional) as
    a time with its zone (UTC when it gives none), or None if it is not one."""
    found = _PDF_DATE.fullmatch(value.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second, _zulu, sign, zone_h, zone_m = found.groups()
    offset = 0
    if sign:
        offset = (int(zone_h) * 60 + int(zone_m or 0)) * (-1 if sign == "-" else 1)
    text = f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    zone = f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    try:
        return datetime.fromisoformat(text + zone)
    except ValueError:
        return None


def _info_date(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
    return moment.strftime("D:%Y%m%d%H%M%S") + zone


def print_metadata(pdf: pikepdf.Pdf) -> None:
    """Write the XMP of a PDF/X-4 from its Info dictionary: the identification, the dates (in
    full, with their zone, the same in both), DocumentID, VersionID and RenditionClass, and
    the XMP twins of the Info entries (title, author, subject, creator tool, producer,
    trapping); nothing else (WeasyPrint's pdfx: properties are PDF/X-1a and X-3's)."""
    info = pdf.docinfo
    text = {
        str(key): str(value) for key, value in info.items() if isinstance(value, pikepdf.String)
    }
    trapped = "True" if str(info.get("/Trapped", "/False")) == "/True" else "False"
    info.Trapped = pikepdf.Name("/" + trapped)
    fields = [("pdfxid:GTS_PDFXVersion", "PDF/X-4"), ("pdf:Trapped", trapped)]
    if "/Producer" in text:
        fields.append(("pdf:Producer", text["/Producer"]))
    for key, name in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        moment = pdf_date(text.get(key, ""))
        if moment is not None:
            info[key] = pikepdf.String(_info_date(moment))
            fields.append((name, moment.isoformat()))
    if "/Creator" in text:
        fields.append(("xmp:CreatorTool", text["/Creator"]))
    fields += [
        ("xmpMM:DocumentID", DOCUMENT_ID_PLACEHOLDER),
        ("xmpMM:VersionID", "1"),
        ("xmpMM:RenditionClass", "default"),
    ]
    body = [f"<{name}>{escape(value)}</{name}>" for name, value in fields]
    for key, name, container in (
        ("/Title", "dc:title", "Alt"),
        ("/Author", "dc:creator", "Seq"),
        ("/Subject", "dc:description", "Alt"),
    ):
        if key in text:
            language = ' xml:lang="x-default"' if container == "Alt" else ""
            item = f"<rdf:li{language}>{escape(text[key])}</rdf:li>"
            body.append(f"<{name}><rdf:{container}>{item}</rdf:{container}></{name}>")
    declared = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {declared}>'
        f'<rdf:Description rdf:about="">{"".join(body)}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
    )
    stream = pdf.make_stream(xmp.encode("utf-8"), Type=pikepdf.Name.Metadata)
    stream.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = stream


def finish_print_pdf(data: bytes, condition: OutputCondition = FOGRA39) -> bytes:
    """`finish_print` of a PDF's bytes."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return finish_print(pdf, condition)


def finish_print(pdf: pikepdf.Pdf, condition: OutputCondition = FOGRA39) -> bytes:
    """WeasyPrint's PDF/X-4 made ready for the press (see the module's docstring), in place:
    the open `pdf` stands finished (its checks can read it as it is); its bytes, saved."""
    pdf.Root.OutputIntents = pikepdf.Array([_output_intent(pdf, condition)])
    print_metadata(pdf)
    overprint_black(pdf)
    slug = SLUG_MM * PT_PER_MM
    for page in pdf.pages:
        trim = tuple(float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox))
        x0, y0, x1, y1 = trim
        page.obj.MediaBox = pikepdf.Array([x0 - slug, y0 - slug, x1 + slug, y1 + slug])
        for box in ("/CropBox", "/ArtBox"):
            if box in page.obj:
                del page.obj[box]
        # Paper has no links: PDF/X admits only printer's marks and trap networks there.
        annotations = page.obj.get("/Annots")
        if annotations is not None:
            kept = [a for a in annotations if a.get("/Subtype") in KEPT_ANNOTATIONS]
            if kept:
                page.obj.Annots = pikepdf.Array(kept)
            else:
                del page.obj.Annots
        # Keep the page's graphics state from reaching the marks, whatever it leaves behind.
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"Q\n" + crop_marks(trim)))  # type: ignore[arg-type]
    return set_identity(pdf)
