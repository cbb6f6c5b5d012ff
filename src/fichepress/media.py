"""The one gate every picture and font of a PDF goes through, wherever it is named.

A logo of the series file, a picture of theme.yaml, a `url(…)` of a theme's CSS, a picture
inside an SVG, a font: `check` reads each here (`picture_flaws`, `font_flaw`) and the build's
fetcher serves each from here (`serve`), so that both find the same faults. A file's kind is
told from its bytes, never from its name, and its name must agree; its size, its pixels and (for
an SVG) its elements are held to limits before any costly work; a picture is decoded whole and a
font read table by table, so that a damaged file is refused rather than embedded or replaced.

SVG is read with the standard library's expat, entity declarations refused: no entity expansion
(billion laughs), no external entity (XXE), no DTD fetched.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

from fichepress.errors import Problem
from fichepress.project import Project

MAX_PICTURE_BYTES = 20_000_000
"""The largest picture file (20 MB): a 25-megapixel photograph is well under; refused before
its file is read whole. Colour profiles and stylesheets handed to the renderer are held to it
too."""

MAX_PIXELS = 25_000_000
"""The largest picture fichepress takes (5,000 × 5,000): ample for a logo printed at 300 dpi,
far from the 100-megapixel images that take minutes and gigabytes to decode and embed. Told
from the picture's header, before it is decoded."""

MAX_SVG_BYTES = 1_000_000
"""The largest SVG file (1 MB): logos are a few kilobytes to a few hundred; refused before it
is parsed."""

MAX_SVG_ELEMENTS = 5_000
"""The most elements an SVG may draw, counting what `<use>` and references to patterns, masks,
markers and clip paths repeat: WeasyPrint takes about a millisecond per element and per
rendering, and a logo is drawn in every PDF. Counting stops at the first element over."""

MAX_SVG_DEPTH = 100
"""The deepest nesting of an SVG's elements, `<use>` chains included: deeper ones exhaust the
renderer's stack (it draws by recursion) and the picture would be dropped."""

MAX_FONT_BYTES = 30_000_000
"""The largest font file (30 MB): a font covering the CJK ideographs is some 20 MB."""

SVG = "SVG"
RASTER_SUFFIXES: dict[str, tuple[str, ...]] = {
    "PNG": (".png",),
    "JPEG": (".jpg", ".jpeg"),
    "GIF": (".gif",),
    "WEBP": (".webp",),
}
"""The raster formats a PDF may hold, and the names their files may have."""
SUFFIXES: dict[str, tuple[str, ...]] = {SVG: (".svg",), **RASTER_SUFFIXES}
MEDIA_TYPES = {
    SVG: "image/svg+xml",
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
PROFILE_SUFFIXES = (".icc", ".icm")
"""ICC colour profiles, which a stylesheet's @color-profile may name."""
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"wOFF", b"wOF2", b"ttcf")
_FONT_TABLES = ("head", "hhea", "maxp", "cmap", "name", "hmtx")
"""Tables every font needs to be laid out and embedded: each is read, so a damaged one shows."""

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_HREF = "http://www.w3.org/1999/xlink href"
_XML_BASE = "http://www.w3.org/XML/1998/namespace base"
_DRAWN_BY_REFERENCE = {"pattern", "marker", "mask", "clipPath"}
"""Elements whose content is drawn again wherever `url(#id)` names them."""
_URL_ID = re.compile(r"""url\(\s*['"]?#([^'")\s]+)""")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*\?>")


@dataclass(frozen=True)
class Flaw:
    """Why a picture or font is refused, and where: `line` 0 when it concerns the whole file
    (told at the place that names the file), else a place inside `path` (an SVG)."""

    message: str
    path: Path
    line: int = 0
    column: int = 0


class Refused(ValueError):
    """A picture or font the gate will not let through."""

    def __init__(self, flaw: Flaw) -> None:
        super().__init__(flaw.message)
        self.flaw = flaw


@dataclass(frozen=True)
class Reference:
    """A file an SVG names for a picture (`<image href>`), and where."""

    href: str
    line: int
    column: int


@dataclass(frozen=True)
class Picture:
    """A picture that passed the gate, as WeasyPrint is to get it."""

    format: str
    """SVG, PNG, JPEG, GIF or WEBP: told from the bytes."""
    data: bytes
    """The file's bytes; an SVG as UTF-8 without its XML declaration, whatever its encoding."""
    digest: str
    """SHA-256 of `data`, to keep what is made of it."""
    references: tuple[Reference, ...] = ()
    """For an SVG: the pictures it names."""

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def text(self) -> str:
        """An SVG's text."""
        return self.data.decode("utf-8")


# --- reading ---------------------------------------------------------------------------------


def _read(path: Path, limit: int, what: str) -> bytes:
    """The bytes of `path`, if it is a regular file of at most `limit` bytes."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise Refused(Flaw("is not a regular file", path))
        if size > limit:
            raise Refused(
                Flaw(
                    f"is {size / 1e6:.1f} MB: more than the {limit / 1e6:.0f} MB any {what}"
                    " should be; reduce it",
                    path,
                )
            )
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise Refused(Flaw(f"cannot be read: {error.strerror or error}", path)) from None
    if len(data) > limit:
        raise Refused(Flaw(f"is more than the {limit / 1e6:.0f} MB any {what} should be", path))
    return data


def _raster_format(data: bytes) -> str | None:
    """The format Pillow finds in `data`'s header (any it knows, accepted or not), or None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return str(image.format)
    except Image.DecompressionBombError:
        return "huge"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return head.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def _named(fmt: str, path: Path) -> None:
    """Refuse a picture whose name says another kind than its bytes."""
    if path.suffix.lower() not in SUFFIXES[fmt]:
        said = path.suffix.lstrip(".").upper() or "nothing"
        article = "an" if fmt == SVG else "a"
        raise Refused(
            Flaw(
                f"holds {article} {fmt} picture but its name says {said}: rename it"
                f" {path.stem}{SUFFIXES[fmt][0]}",
                path,
            )
        )


def open_picture(path: Path) -> Picture:
    """The picture at `path` made safe to render, or `Refused` saying why not.

    Cached by content: `check` and the build of each PDF ask for the same logos."""
    data = _read(path, MAX_PICTURE_BYTES, "picture")
    key = (path.name, hashlib.sha256(data).hexdigest())
    if key not in _gated:
        if len(_gated) > 256:
            _gated.clear()
        try:
            _gated[key] = _gate(path, data, key[1])
        except Refused as refused:
            _gated[key] = refused.flaw
    found = _gated[key]
    if isinstance(found, Flaw):
        raise Refused(Flaw(found.message, path, found.line, found.column))
    return found


_gated: dict[tuple[str, str], Picture | Flaw] = {}


def _gate(path: Path, data: bytes, digest: str) -> Picture:
    fmt = _raster_format(data)
    if fmt == "huge":
        raise Refused(Flaw("has more pixels than any picture should: reduce it", path))
    if fmt is not None:
        if fmt not in RASTER_SUFFIXES:
            raise Refused(
                Flaw(
                    f"is a {fmt} picture: use PNG, JPEG, GIF or WebP (or SVG), as a print"
                    " shop and every reader can",
                    path,
                )
            )
        _decode(path, data, fmt)
        return Picture(fmt, data, digest)
    if path.suffix.lower() == ".svg" or _looks_like_xml(data):
        if len(data) > MAX_SVG_BYTES:
            raise Refused(
                Flaw(
                    f"is {len(data) / 1e6:.1f} MB of SVG: more than the"
                    f" {MAX_SVG_BYTES / 1e6:.0f} MB a logo needs; simplify it",
                    path,
                )
            )
        text, references = _read_svg(path, data)
        _named(SVG, path)
        svg = text.encode("utf-8")
        return Picture(SVG, svg, hashlib.sha256(svg).hexdigest(), references)
    if path.suffix.lower() in SUFFIXES[SVG] + sum(RASTER_SUFFIXES.values(), ()):
        raise Refused(Flaw("is damaged or not a picture: its bytes are no known format", path))
    raise Refused(Flaw("is not a picture (PNG, JPEG, GIF, WebP or SVG)", path))


def _decode(path: Path, data: bytes, fmt: str) -> None:
    """Decode a raster picture whole (its pixels counted from the header first, its name
    checked), so that a truncated or damaged file is refused rather than embedded as it is."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise Refused(
                Flaw(
                    f"is {width:,} × {height:,} pixels ({width * height / 1e6:.0f} megapixels):"
                    f" more than the {MAX_PIXELS / 1e6:.0f} a page needs, and slow to print;"
                    " reduce it",
                    path,
                )
            )
        _named(fmt, path)
        try:
            with _strict_decoding():
                image.load()
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            raise Refused(
                Flaw(f"is a damaged {image.format} picture ({error}): export it again", path)
            ) from None


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Pillow told to fail on a truncated file: WeasyPrint's import tells it, for the whole
    process, to fill in what is missing, which would let a damaged picture through."""
    from PIL import ImageFile

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


# --- SVG -------------------------------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    line: int
    column: int
    children: list[int] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    """Ids this element draws again: `<use href="#id">`, a pattern's `href`."""
    paints: list[str] = field(default_factory=list)
    """Ids it names with `url(#id)` (drawn again when they are patterns, masks, …)."""


class _SvgReader:
    """One pass of expat over an SVG: elements counted and nested within the limits as they
    come, entity declarations refused, the pictures it names noted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.EntityDeclHandler = self._entity
        self.parser.UnparsedEntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.parser.SkippedEntityHandler = self._skipped
        self.parser.XmlDeclHandler = self._declaration
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._characters
        self.encoding: str | None = None
        self.elements: list[_Element] = []
        self.ids: dict[str, int] = {}
        self.open: list[int] = []
        self.references: list[Reference] = []
        self.style_paints: list[str] = []
        self.data = b""

    def _here(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def _refuse(self, message: str) -> Refused:
        return Refused(Flaw(message, self.path, *self._here()))

    def _entity(self, name: str, *_: object) -> None:
        line, column = self._here()
        # expat is past the declaration: it is shown where it starts.
        start = self.data.rfind(b"<!ENTITY", 0, max(self.parser.CurrentByteIndex, 0) + 1)
        if start >= 0 and not self.data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            before = self.data[:start]
            line = before.count(b"\n") + 1
            column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise Refused(
            Flaw(
                f'declares the XML entity "{name}": entities are refused (they can make a small'
                " file expand without end, or read other files); export the SVG without them",
                self.path,
                line,
                column,
            )
        )

    def _skipped(self, name: str, is_parameter_entity: bool) -> None:
        raise self._refuse(
            f'uses the entity "{name}", defined nowhere in it: SVG files may not read other'
            " files; write the text itself"
        )

    def _external(self, *_: object) -> int:
        raise self._refuse("names an external entity: SVG files may not read other files")

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self.encoding = encoding

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, tag = name.rpartition(" ")
        line, column = self._here()
        if not self.elements and (tag != "svg" or namespace not in ("", _SVG_NS)):
            raise self._refuse(f"is XML but not SVG: its first element is <{tag}>, not <svg>")
        if len(self.elements) >= MAX_SVG_ELEMENTS:
            raise Refused(
                Flaw(
                    f"has more than {MAX_SVG_ELEMENTS:,} elements: more than a logo needs,"
                    " and slow to draw in every PDF; simplify it (or use a PNG)",
                    self.path,
                )
            )
        if len(self.open) >= MAX_SVG_DEPTH:
            raise self._refuse(
                f"nests elements more than {MAX_SVG_DEPTH} deep: the renderer would drop the"
                " picture; simplify it"
            )
        if _XML_BASE in attributes:
            raise self._refuse(
                "sets xml:base: the pictures an SVG names are found beside it; leave it out"
            )
        element = _Element(tag, line, column)
        index = len(self.elements)
        if self.open:
            self.elements[self.open[-1]].children.append(index)
        self.elements.append(element)
        self.open.append(index)
        if (ident := attributes.get("id")) is not None:
            self.ids.setdefault(ident, index)
        href = attributes.get(_XLINK_HREF, attributes.get("href"))
        if href is not None and namespace in ("", _SVG_NS):
            if tag == "image":
                self.references.append(Reference(href.strip(), line, column))
            elif tag in ("use", "pattern") and href.strip().startswith("#"):
                element.uses.append(href.strip()[1:])
        for value in attributes.values():
            if "url(" in value:
                element.paints += _URL_ID.findall(value)

    def _end(self, name: str) -> None:
        self.open.pop()

    def _characters(self, text: str) -> None:
        if self.open and self.elements[self.open[-1]].tag == "style" and "url(" in text:
            self.style_paints += _URL_ID.findall(text)

    def read(self, data: bytes) -> None:
        self.data = data
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as error:
            message = expat.errors.messages[error.code]
            hint = (
                ': save it as UTF-8 (or name its encoding in <?xml … encoding="…"?>)'
                if error.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]
                or "encoding" in message
                else ""
            )
            raise Refused(
                Flaw(
                    f"is not well-formed SVG ({message}){hint}",
                    self.path,
                    error.lineno,
                    error.offset + 1,
                )
            ) from None
        except RecursionError:  # pragma: no cover - the depth limit comes first
            raise self._refuse("nests elements too deep") from None


def _drawn(reader: _SvgReader) -> None:
    """Refuse an SVG whose `<use>` and `url(#…)` references draw more than MAX_SVG_ELEMENTS
    elements or nest deeper than MAX_SVG_DEPTH, or draw themselves without end. Each element is
    counted once (its count kept), so the cost is linear in the file."""
    elements, ids = reader.elements, reader.ids
    cap = MAX_SVG_ELEMENTS + 1
    styled = [ids[i] for i in reader.style_paints if i in ids]
    styled = [i for i in styled if elements[i].tag in _DRAWN_BY_REFERENCE]

    def targets(index: int) -> Iterator[int]:
        element = elements[index]
        yield from element.children
        yield from (ids[i] for i in element.uses if i in ids)
        for ident in element.paints:
            if ident in ids and elements[ids[ident]].tag in _DRAWN_BY_REFERENCE:
                yield ids[ident]

    count: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: being counted, 2: counted
    for root in range(len(elements)):
        if root in state:
            continue
        stack = [(root, iter(targets(root)))]
        state[root] = 1
        while stack:
            index, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                state[index] = 2
                found = [*targets(index)]
                count[index] = min(cap, 1 + sum(count[t] for t in found))
                depth[index] = 1 + max((depth[t] for t in found), default=0)
                continue
            if state.get(following) == 1:
                element = elements[index]
                raise Refused(
                    Flaw(
                        f"<{element.tag}> draws an element that holds it: it would be drawn"
                        " without end",
                        reader.path,
                        element.line,
                        element.column,
                    )
                )
            if following not in state:
                state[following] = 1
                stack.append((following, iter(targets(following))))
    # A <style> rule may paint every element with a pattern or a mask: counted as if it did.
    total = count.get(0, 0) + len(elements) * sum(count[index] for index in set(styled))
    if total > MAX_SVG_ELEMENTS:
        raise Refused(
            Flaw(
                f"draws more than {MAX_SVG_ELEMENTS:,} elements once <use> and patterns are"
                " repeated: more than a logo needs, and slow to draw in every PDF; simplify it",
                reader.path,
            )
        )
    if depth.get(0, 0) > MAX_SVG_DEPTH:
        raise Refused(
            Flaw(
                f"nests elements more than {MAX_SVG_DEPTH} deep once <use> is followed: the"
                " renderer would drop the picture; simplify it",
                reader.path,
            )
        )


def _text(data: bytes, declared: str | None) -> str:
    """The text of an SVG that expat read: its encoding from its byte order mark, its XML
    declaration, or UTF-8; the declaration is left out (the text is served as UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith(b"<\x00"):
        encoding = "utf-16-le"
    elif data.startswith(b"\x00<"):
        encoding = "utf-16-be"
    else:
        encoding = declared or "utf-8"
    text = data.decode(encoding)
    return _XML_DECLARATION.sub("", text, count=1)


def _read_svg(path: Path, data: bytes) -> tuple[str, tuple[Reference, ...]]:
    reader = _SvgReader(path)
    reader.read(data)
    if not reader.elements:  # pragma: no cover - expat refuses a document without one
        raise Refused(Flaw("holds no SVG element", path))
    _drawn(reader)
    try:
        text = _text(data, reader.encoding)
    except (LookupError, UnicodeDecodeError) as error:
        raise Refused(Flaw(f"cannot be decoded ({error}): save it as UTF-8", path)) from None
    return text, tuple(reader.references)


# --- the pictures an SVG names ---------------------------------------------------------------


def nested_picture(svg: Path, href: str, roots: tuple[Path, ...]) -> Path:
    """The file an SVG's `<image href>` names, or `Refused` (a `data:` URL, the network, a
    file outside `roots`, another SVG): the same rules as the build's fetcher."""
    parts = urlsplit(href)
    if parts.scheme == "data":
        kind = href.split(",", 1)[0].split(";", 1)[0][:40]
        raise Refused(
            Flaw(
                f'holds a picture written inside it ("{kind},…"): builds read no data: URL;'
                " save the picture as a PNG or JPEG file beside the SVG and name it",
                svg,
            )
        )
    if parts.scheme or parts.netloc or href.startswith(("/", "\\", "~")):
        raise Refused(
            Flaw(
                f'names "{href[:60]}", not a file beside it: builds read only files of the'
                " project; save the picture as a PNG or JPEG file beside the SVG and name it",
                svg,
            )
        )
    target = (svg.parent / unquote(parts.path)).resolve()
    if not any(target.is_relative_to(root.resolve()) for root in roots):
        raise Refused(Flaw(f'names "{href[:60]}", outside the project\'s folders', svg))
    if not target.is_file():
        raise Refused(Flaw(f'names "{href[:60]}": file not found', svg))
    return target


def picture_flaws(path: Path, roots: tuple[Path, ...]) -> list[Flaw]:
    """Everything the gate refuses in the picture at `path` and in the pictures it names."""
    try:
        picture = open_picture(path)
    except Refused as refused:
        return [refused.flaw]
    flaws = []
    for reference in picture.references:
        place = (path, reference.line, reference.column)
        try:
            target = nested_picture(path, reference.href, roots)
            nested = open_picture(target)
            if nested.format == SVG:
                raise Refused(
                    Flaw("is an SVG: an SVG may hold PNG, JPEG, GIF or WebP pictures", target)
                )
        except Refused as refused:
            message = refused.flaw.message
            if refused.flaw.path != path:
                message = f'"{reference.href[:60]}" {message}'
            flaws.append(Flaw(message, *place))
    return flaws


def nested_files(path: Path, roots: tuple[Path, ...]) -> list[Path]:
    """The pictures a valid SVG names (for the digest that tells an output is up to date)."""
    try:
        picture = open_picture(path)
    except Refused:
        return []
    found = []
    for reference in picture.references:
        try:
            found.append(nested_picture(path, reference.href, roots))
        except Refused:
            continue
    return found


# --- fonts -----------------------------------------------------------------------------------


def open_font(path: Path) -> bytes:
    """The bytes of the font at `path`, read table by table, or `Refused` (not a font,
    damaged): a font WeasyPrint could not load would be replaced by another without a word."""
    data = _read(path, MAX_FONT_BYTES, "font")
    key = ("font", hashlib.sha256(data).hexdigest())
    if key not in _fonts:
        _fonts[key] = _font_problem(data)
    if (message := _fonts[key]) is not None:
        raise Refused(Flaw(message, path))
    return data


_fonts: dict[tuple[str, str], str | None] = {}


def _font_problem(data: bytes) -> str | None:
    if not data.startswith(_FONT_MAGIC):
        fmt = _raster_format(data)
        what = f"a {fmt} picture" if fmt else "no font format"
        return f"is not a font (its bytes are {what}): use a TrueType, OpenType or WOFF file"
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with warnings.catch_warnings(), _quiet("fontTools"):
            warnings.simplefilter("ignore")
            font = TTFont(io.BytesIO(data), fontNumber=0, lazy=True)
            for tag in _FONT_TABLES:
                if tag not in font:
                    return f'is a damaged font: it has no "{tag}" table; use the original file'
                font[tag]  # reading the table is the check
            if "glyf" not in font and "CFF " not in font and "CFF2" not in font:
                return "is a damaged font: it has no outlines (glyf or CFF table)"
            font.getGlyphOrder()
    except (TTLibError, OSError, ValueError, KeyError, IndexError, AssertionError) as error:
        return f"is a damaged font ({type(error).__name__}: {error}); use the original file"
    except Exception as error:  # fontTools raises what its parsers meet (struct.error, …)
        return f"is a damaged font ({type(error).__name__}); use the original file"
    return None


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """A library's log messages left out while it reads a file: what matters is told by the
    gate, in the project's words."""
    logger = logging.getLogger(name)  # its modules' loggers take its level
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def font_flaw(path: Path) -> str | None:
    """Why the font at `path` may not be used, or None."""
    try:
        open_font(path)
    except Refused as refused:
        return refused.flaw.message
    return None


# --- what the build's fetcher serves ---------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """A file as the fetcher hands it to WeasyPrint."""

    data: bytes
    media_type: str
    picture: Picture | None = None


def serve(path: Path) -> Served:
    """What WeasyPrint gets for `path`: a font that reads, a stylesheet, or a picture through
    the gate, each told by its bytes; `Refused` otherwise."""
    suffix = path.suffix.lower()
    if suffix in FONT_SUFFIXES:
        return Served(open_font(path), f"font/{suffix.lstrip('.')}")
    if suffix in PROFILE_SUFFIXES:
        data = _read(path, MAX_PICTURE_BYTES, "colour profile")
        if data[36:40] != b"acsp":
            raise Refused(Flaw("is not an ICC colour profile", path))
        return Served(data, "application/vnd.iccprofile")
    if suffix == ".css":
        data = _read(path, MAX_PICTURE_BYTES, "stylesheet")
        if message := _picture_as_css(data):
            raise Refused(Flaw(message, path))
        return Served(data, "text/css")
    picture = open_picture(path)
    return Served(picture.data, picture.media_type, picture)


def _picture_as_css(data: bytes) -> str | None:
    """Why a file named .css is refused: it holds a picture, which WeasyPrint would draw as
    it is (unconverted) were it named in a url()."""
    fmt = _raster_format(data)
    if fmt is None and _looks_like_xml(data) and b"<svg" in data[:4096]:
        fmt = SVG
    if fmt is None:
        return None
    return f"holds {'an' if fmt == SVG else 'a'} {fmt} picture, not CSS: name it for what it is"


def stylesheet_flaw(path: Path) -> str | None:
    """Why the file `path`, a stylesheet or colour profile, may not be served, or None."""
    try:
        serve(path)
    except Refused as refused:
        return refused.flaw.message
    return None


Converter = Callable[[Picture], tuple[bytes, str | None, tuple[str, ...]]]
"""(picture) → (new data, new media type or None, notes for the designer): the print
variant's colour conversion."""


# --- what `check` tells ----------------------------------------------------------------------


def picture_problems(
    path: Path, project: Project, reference: Problem, prefix: str = ""
) -> list[Problem]:
    """The gate's refusals of the picture at `path` as problems: about the whole file, at
    `reference` (the place that names it, `prefix` before the message); inside an SVG, at their
    line and column there. The pictures an SVG names may be anywhere the build reads."""
    found = []
    for flaw in picture_flaws(path, project.readable):
        if flaw.line == 0 and flaw.path == path:
            problem = replace(reference, message=prefix + flaw.message)
        else:
            problem = Problem(
                project.display(flaw.path), flaw.line, flaw.column, message=flaw.message
            )
        if problem not in found:
            found.append(problem)
    return found
