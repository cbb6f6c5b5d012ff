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

import hashlib
import io
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fichepress.core.errors import Problem
from fichepress.core.project import Project
from fichepress.core.reading import Unreadable, open_regular
from fichepress.core.svgread import (
    Flaw,
    Reference,
    Refused,
    read_svg,
)

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
    """The bytes of `path`, if it is a regular file of at most `limit` bytes (opened as every
    source is: never a pipe or a device, nothing waited for)."""
    try:
        with open_regular(path) as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > limit:
                raise Refused(
                    Flaw(
                        f"is {size / 1e6:.1f} MB: more than the {limit / 1e6:.0f} MB any {what}"
                        " should be; reduce it",
                        path,
                    )
                )
            data = stream.read(limit + 1)
    except Unreadable as error:
        raise Refused(Flaw(error.reason, path)) from None
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
        text, references = read_svg(path, data)
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
