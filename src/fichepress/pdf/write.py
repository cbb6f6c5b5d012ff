"""WeasyPrint calls for the print and accessible variants, reading files through a sandbox."""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from fichepress.core import media, svgread
from fichepress.core.contrast import Pair, text_pairs
from fichepress.core.errors import is_system_error
from fichepress.core.findings import Finding
from fichepress.core.media import Converter
from fichepress.core.project import installed_name, installed_roots
from fichepress.core.reading import Unreadable, not_regular, read_regular, resolved
from fichepress.core.variants import VARIANTS, VariantName
from fichepress.pdf.copyfit import PageFill, measure
from fichepress.pdf.libraries import quick_library_lookup

_NO_SYSTEM_FONTS = resources.files("fichepress") / "data" / "no-system-fonts.conf"


@contextmanager
def _our_fontconfig() -> Iterator[None]:
    """Fontconfig reads FONTCONFIG_FILE when a configuration is made, and only then: inside,
    it is ours, which names no font folder; the variable is put back after."""
    previous = os.environ.get("FONTCONFIG_FILE")
    with resources.as_file(_NO_SYSTEM_FONTS) as path:
        os.environ["FONTCONFIG_FILE"] = str(path)
        try:
            yield
        finally:
            if previous is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = previous


# Nothing of the machine is read, WeasyPrint's import included: no system MIME table (Python's
# built-in one is enough), and Fontconfig's first configuration made from ours rather than from
# /etc/fonts and the fonts installed there.
mimetypes.knownfiles = []
for _suffix in ("ttf", "otf", "woff", "woff2"):
    mimetypes.add_type(f"font/{_suffix}", f".{_suffix}")
mimetypes.add_type("image/webp", ".webp")
with (
    quick_library_lookup(),  # a quarter of a second less per process (see the module)
    _our_fontconfig(),
    warnings.catch_warnings(),
):
    warnings.filterwarnings("ignore", "No fonts configured in FontConfig")
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

Transform = Converter
"""(picture) → (new data, new media type or None, notes for the designer)."""


class Refused(ValueError):
    """A resource the sandbox will not serve."""


class SandboxFetcher(URLFetcher):  # type: ignore[misc]
    """Serves files inside the allowed folders of the project, and the themes and fonts
    installed with fichepress, and nothing else.

    No network, no `data:` URLs, no file elsewhere on the machine, whatever a sheet or a theme
    asks for; `../` and symbolic links are resolved before the check (the allowed folders
    themselves are not: one linked elsewhere is outside the project), and only regular files
    are read (never a pipe or a device).
    """

    def __init__(self, roots: tuple[Path, ...], project_root: Path) -> None:
        super().__init__(fail_on_errors=True)
        self.shown_roots = tuple(root.parent.resolve() / root.name for root in roots)
        self.roots = (*self.shown_roots, *installed_roots())
        self.project_root = project_root.resolve()
        self.refused: list[str] = []
        self.transform: Transform | None = None
        """Changes images and logos on their way to WeasyPrint (the print variant's CMYK)."""
        self.notes: list[Finding] = []
        """What `transform` said of each picture, at the picture's file."""

    def _shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project_root))
        except ValueError:
            return installed_name(path) or str(path)

    def check(self, url: str) -> Path:
        """The file `url` names, or `Refused` saying why it may not be read."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            kind = "a data: URL" if parts.scheme == "data" else "the network"
            raise Refused(
                f'refused "{url[:80]}": builds never read {kind}; use a file of the project'
            )
        if parts.netloc not in ("", "localhost"):
            raise Refused(f'refused "{url[:80]}": builds never read the network')
        named = Path(url2pathname(unquote(parts.path)))
        try:
            path = resolved(named)
        except Unreadable as error:
            raise Refused(f'refused "{self._shown(named)}": {error.reason}') from None
        if not any(path.is_relative_to(root) for root in self.roots):
            folders = ", ".join(self._shown(root) + "/" for root in self.shown_roots)
            raise Refused(f'refused "{self._shown(path)}": builds only read files in {folders}')
        if not os.path.lexists(path):
            raise Refused(f'file not found: "{self._shown(path)}"')
        reason = not_regular(path)
        if reason:
            raise Refused(f'refused "{self._shown(path)}": {reason}')
        return path

    def shown_urls(self, message: str) -> str:
        """A WeasyPrint message with its file addresses shown as paths of the project."""

        def shown(match: re.Match[str]) -> str:
            return self._shown(Path(url2pathname(unquote(urlsplit(match.group(0)).path))))

        return re.sub(r"file://[^\s'\"]+", shown, message)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            path = self.check(url)
            served = self.gate(path)
        except Refused as refusal:
            self.refused.append(str(refusal))
            raise
        data, mime_type = served.data, served.media_type
        if self.transform is not None and served.picture is not None:
            data, new_type, notes = self.transform(served.picture)
            mime_type = new_type or mime_type
            self.notes.extend(
                Finding(self._shown(path), message=note, severity="warning", rule="picture")
                for note in notes
            )
        return URLFetcherResponse(path.as_uri(), body=data, headers={"Content-Type": mime_type})

    def gate(self, path: Path) -> media.Served:
        """The file as WeasyPrint may have it: every picture and font, wherever it is named
        (the sheet's HTML, a stylesheet, inside an SVG), passes the same gate as `check`."""
        try:
            return media.serve(path)
        except svgread.Refused as refused:
            flaw = refused.flaw
            where = self._shown(flaw.path)
            if flaw.line:
                where += f":{flaw.line}:{flaw.column}"
            raise Refused(f'refused "{where}": {flaw.message}') from None


_DEGRADED = re.compile(r"Failed to (?:load|render)")
"""WeasyPrint's warnings that a picture or stylesheet was left out of the PDF."""
_FONT_LOST = re.compile(r"Font-face .* cannot be loaded")
"""WeasyPrint's warning that an @font-face rule gave no font: an error when the gate refused
its file (a `local()` font, which builds never see, stays a warning)."""


class RenderError(Exception):
    """WeasyPrint could not make the PDF; the message says why in plain words."""


@dataclass
class _Collector(logging.Handler):
    """Collects WeasyPrint's warnings (CSS it ignored, images it could not load)."""

    messages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    __hash__ = logging.Handler.__hash__


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate


class _EmptyImports(URLFetcher):  # type: ignore[misc]
    """Answers every address with nothing: a stylesheet read on its own, without what it
    imports or names (each imported stylesheet is read on its own too)."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        return URLFetcherResponse(url, body=b"", headers={"Content-Type": "text/css"})


_AT = re.compile(r" at (\d+):(\d+)")
"""Where WeasyPrint says a stylesheet's mistake is (line:column)."""


def stylesheet_notes(stylesheets: Sequence[tuple[Path, str]]) -> dict[str, Finding]:
    """What WeasyPrint says of each stylesheet read on its own (CSS it ignores), as
    findings at its file (`stylesheets`: each file and its path as messages show it), line and
    column; by the words WeasyPrint says them in, for the same words said while rendering a
    PDF are said of that stylesheet. A stylesheet that cannot be read so is left out (a
    rendering tells what is wrong with it)."""
    notes: dict[str, Finding] = {}
    for path, shown in stylesheets:
        with _weasyprint_warnings() as said:
            try:
                text = read_regular(path).decode("utf-8-sig")
                CSS(string=text, base_url=path.as_uri(), url_fetcher=_EmptyImports())
            except Exception:
                continue
        for message in said:
            at = _AT.search(message)
            line, column = (int(at.group(1)), int(at.group(2))) if at else (0, 0)
            words = _AT.sub("", message, count=1).rstrip(".")
            notes.setdefault(
                message,
                Finding(shown, line, column, message=words, severity="warning", rule="css"),
            )
    return notes


@dataclass(frozen=True)
class Rendered:
    """A PDF in memory, with what the checks need to know of it."""

    data: bytes
    pages: int
    warnings: tuple[Finding, ...]
    """What WeasyPrint and the pictures' conversion said, of the variant: at the picture's
    file, or at no file (the caller knows which document it rendered)."""
    colour_pairs: dict[Any, Pair] = field(default_factory=dict)
    """Text colours on their backgrounds (accessible variant), for the contrast check."""
    anchors: dict[str, int] = field(default_factory=dict)
    """Each element id, and the index of the first page it is on."""
    fill: list[PageFill] = field(default_factory=list)
    """How the flow fills each page, for copyfitting."""
    tree: Any = None
    """The HTML as WeasyPrint parsed it (an ElementTree element): the structure repair
    reads it rather than parsing the HTML again."""


class _FontConfiguration(FontConfiguration):  # type: ignore[misc]
    """WeasyPrint's, quiet when Python ends: its folder is removed by `__del__`, which fails
    noisily if it runs while the interpreter is being torn down."""

    def __del__(self) -> None:
        # No module global here (contextlib…): they may be gone already.
        try:
            super().__del__()
        except Exception:
            return  # nothing to tell anyone at exit


FONT_FOLDER_PREFIX = ".fonts-"
"""WeasyPrint copies the @font-face fonts into a folder of this name in the output folder."""


def project_font_config(folder: Path | None = None) -> FontConfiguration:
    """A font configuration that knows no font of the machine, only @font-face ones; WeasyPrint
    keeps its copies of them in a new folder of `folder` (the output folder: nothing is
    written outside the project), or of the system's temporary folder."""
    with _our_fontconfig():
        config = _FontConfiguration()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        # Where WeasyPrint would make its own temporary folder; it removes it when done.
        config._folder = Path(tempfile.mkdtemp(prefix=FONT_FOLDER_PREFIX, dir=folder))
    return config


@dataclass
class Renderer:
    """Renders HTML documents to PDF, sharing one font configuration across documents."""

    fetcher: SandboxFetcher
    font_config: FontConfiguration = field(default_factory=project_font_config)
    stylesheets: dict[str, Finding] = field(default_factory=dict)
    """What WeasyPrint says of the theme's stylesheets, at their place (`stylesheet_notes`):
    said while rendering, it is told there rather than of the document."""

    def render(
        self, html: str, *, base_url: str, variant: VariantName, transform: Transform | None = None
    ) -> Rendered:
        """The PDF of `html` in a variant, or `RenderError`.

        `transform` changes the images the document loads (see `SandboxFetcher.transform`).
        """
        self.fetcher.refused.clear()
        self.fetcher.notes.clear()
        self.fetcher.transform = transform
        chosen = VARIANTS[variant]
        with _weasyprint_warnings() as warnings:
            try:
                source = HTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
                document = source.render(
                    font_config=self.font_config, pdf_variant=chosen.pdf_variant
                )
                pairs = text_pairs(document) if chosen.contrast else {}
                # A tagged PDF is rewritten by the structure repair, which compresses every
                # stream when it saves: compressing them here too would be lost work.
                data = document.write_pdf(
                    pdf_variant=chosen.pdf_variant, uncompressed_pdf=chosen.tagged
                )
            except FatalURLFetchingError as error:
                reason = "; ".join(self.fetcher.refused) or str(error.__cause__ or error)
                raise RenderError(reason) from None
            except Exception as error:
                if is_system_error(error):
                    raise  # the system's failure (a full disk...), told as such, not the CSS's
                # WeasyPrint crashes on some stylesheets (an @color-profile without
                # `components`, say): a theme mistake, told as such rather than as a traceback.
                raise RenderError(
                    f"WeasyPrint failed ({type(error).__name__}: {error}); check the theme's CSS"
                ) from error
        refused = bool(self.fetcher.refused)
        if lost := [w for w in warnings if _DEGRADED.match(w) or (refused and _FONT_LOST.match(w))]:
            # A picture or font WeasyPrint could not use would be missing from the PDF, or
            # replaced: the PDF is refused rather than made without it.
            reason = "; ".join(self.fetcher.refused) or "; ".join(
                self.fetcher.shown_urls(w) for w in lost
            )
            raise RenderError(f"{reason}: the PDF would be made without it")
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                anchors.setdefault(name, index)
        return Rendered(
            data,
            len(document.pages),
            self._notes(warnings, variant),
            pairs,
            anchors,
            measure(document),
            source.etree_element,
        )

    def _notes(self, warnings: Sequence[str], variant: VariantName) -> tuple[Finding, ...]:
        """What the pictures' conversion and WeasyPrint said, each once, of `variant`: at the
        stylesheet WeasyPrint's words are said of, or at no file (the document's)."""
        said = [
            self.stylesheets.get(w) or Finding(message=w, severity="warning", rule="weasyprint")
            for w in warnings
        ]
        notes = dict.fromkeys([*self.fetcher.notes, *said])
        return tuple(replace(note, variant=variant) for note in notes)
