"""`fichepress preview`: every page of every sheet in a browser, refreshed on each save.

A small web server bound to 127.0.0.1 unless told another address (`--host`, for a
container: then whoever reaches that address sees the preview). It builds everything at
start, then rebuilds what each save changes with `fichepress.serve.watch.watch` (in a
background thread, stopped by an Event), renders the pages of every PDF that changed (PDFium,
in memory) and bumps a version number. The page polls `/state` and swaps in the new images
by itself. Routes:

- `/`: the page, with its script and styles inline (it loads nothing from elsewhere);
- `/state`: JSON: version, status, findings, and per sheet its pages and findings (each a
  finding's JSON, the number of PDFs it was found in, and its line as the terminal tells it);
- `/page/<variant>/<slug>/<n>.png`: a page, served from memory (never from a file path).

The build's findings reach the preview as data, through the watch's report of each rebuild
(see `take`); its information through `say`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import threading
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fichepress.core.errors import FichepressError
from fichepress.core.findings import Finding, grouped, told
from fichepress.core.project import Project
from fichepress.core.variants import VARIANT_NAMES, VARIANTS, VariantName
from fichepress.series.report import Report
from fichepress.series.workers import stop_all
from fichepress.serve.proof import PageImage, png_bytes, render_pdf
from fichepress.serve.watch import Ending, Say, plain_ending, watch

HOST = "127.0.0.1"
"""The default address: this machine only."""
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Addresses that only this machine reaches: requests must name one in their Host header."""
DPI = 96

IDLE_TIMEOUT = 10.0
"""Seconds a connection may stay silent (no request yet, a response not read) before it is
closed: a browser sends its request at once and reads the answer as it comes."""

MAX_CONNECTIONS = 32
"""Connections served at once, one thread each: a browser opens six or so. Beyond, a
connection is answered 503 at once and closed, without a thread."""

BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 5\r\nRetry-After: 1\r\nConnection: close\r\n\r\nbusy\n"
)
"""The whole answer to a connection over `MAX_CONNECTIONS`."""
PAGE_PATH = re.compile(
    rf"/page/({'|'.join(map(re.escape, VARIANT_NAMES))})/([^/]+)/([1-9][0-9]{{0,3}})\.png"
)
"""The address of a page's picture: `/page/<variant>/<slug>/<n>.png`."""

Told = tuple[Finding, int]
"""A finding, and the number of PDFs it was found in."""


@dataclass
class Rendered:
    """The pages of one PDF as PNG, and the file state they were rendered from."""

    stamp: tuple[int, int, int]
    version: int
    pages: list[dict[str, Any]] = field(default_factory=list)
    """Size (points) and boxes of each page."""
    pngs: list[bytes] = field(default_factory=list)

    @classmethod
    def of(cls, pages: list[PageImage], stamp: tuple[int, int, int], version: int) -> Rendered:
        """Rendered pages, kept as PNG (the pictures themselves are let go)."""
        return cls(
            stamp,
            version,
            [
                {"width_pt": p.width_pt, "height_pt": p.height_pt, "trim": p.trim, "bleed": p.bleed}
                for p in pages
            ],
            [png_bytes(page.image, optimize=False) for page in pages],
        )

    def describe(self, variant: str, slug: str) -> list[dict[str, Any]]:
        """Its pages as `/state` gives them: number, address (with the version), size, boxes."""
        return [
            {
                "n": n,
                "src": f"/page/{variant}/{quote(slug, safe='')}/{n}.png?v={self.version}",
                **page,
            }
            for n, page in enumerate(self.pages, start=1)
        ]


class Preview:
    """What the browser is shown: pages and findings of every sheet, and a version number."""

    def __init__(self, project: Project, out: Path, variants: Sequence[VariantName]) -> None:
        self.project = project
        self.out = out
        self.variants = tuple(variants)
        self.lock = threading.Lock()
        self.version = 0
        self.status = "building…"
        self.rendered: dict[tuple[str, str], Rendered] = {}
        self.findings: dict[str, list[Told]] = {}
        self.general: list[Told] = []
        self.pending: list[tuple[str, Told]] = []

    def _sheet_slug(self, shown: str) -> str | None:
        """The slug of a sheet named as messages name it, or None for any other file."""
        path = (self.project.root / shown).resolve()
        is_sheet = path.parent == self.project.sheets.resolve() and path.suffix == ".yaml"
        return path.stem if is_sheet and path != self.project.series_file.resolve() else None

    def say(self, level: str, message: str) -> None:
        """Follow the watch's information: "changed: …" starts a build, its last line ("done")
        ends one: the pages are refreshed. Its findings come as data (`take`)."""
        if level == "done":
            self.refresh(message)
        elif level == "info" and message.startswith("changed: "):
            with self.lock:
                self.pending = []
                self.general = []
                self.status = f"rebuilding ({message})"
                self.version += 1

    def take(self, report: Report, summary: str = "") -> None:
        """The findings of a rebuild, each cause once: a sheet's are kept until its pages are
        refreshed, the others are shown at once."""
        for finding, count in grouped([*report.warnings, *report.problems]):
            slug = self._sheet_slug(finding.file)
            with self.lock:
                if slug is None:
                    self.general.append((finding, count))
                    self.version += 1
                else:
                    self.pending.append((slug, (finding, count)))

    def _render(self, path: Path, stamp: tuple[int, int, int], version: int) -> Rendered:
        """The pages of the PDF at `path`, or none when it cannot be read."""
        try:
            pages = render_pdf(path.read_bytes(), DPI)
        except Exception as error:  # a PDF PDFium cannot read: shown as a finding
            unread = Finding(self.project.display(path), message=f"not rendered: {error}")
            with self.lock:
                self.general.append((unread, 1))
            return Rendered(stamp, version)
        return Rendered.of(pages, stamp, version)

    def refresh(self, status: str = "") -> None:
        """Re-render the PDFs that changed on disk; the findings of this build replace those of
        the sheets it touched (whose PDFs changed, or that it has something to say about)."""
        slugs = [path.stem for path in self.project.sheet_files()]
        touched: set[str] = set()
        fresh: dict[tuple[str, str], Rendered] = {}
        version = self.version + 1
        for slug in slugs:
            for variant in self.variants:
                path = self.out / VARIANTS[variant].folder / f"{slug}.pdf"
                try:
                    info = path.stat()
                except OSError:
                    continue
                stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
                old = self.rendered.get((variant, slug))
                if old is not None and old.stamp == stamp:
                    fresh[(variant, slug)] = old
                    continue
                fresh[(variant, slug)] = self._render(path, stamp, version)
                touched.add(slug)
        with self.lock:
            found: dict[str, list[Told]] = {}
            for slug, finding in self.pending:
                found.setdefault(slug, []).append(finding)
            touched |= set(found)
            self.findings = {
                slug: found.get(slug, []) if slug in touched else self.findings.get(slug, [])
                for slug in slugs
            }
            self.pending = []
            self.rendered = fresh
            self.status = status or self.status
            self.version = max(version, self.version + 1)

    def image(self, variant: str, slug: str, number: int) -> bytes | None:
        """The PNG of a page, or None when there is no such page."""
        with self.lock:
            rendered = self.rendered.get((variant, slug))
        if rendered is None or not 1 <= number <= len(rendered.pngs):
            return None
        return rendered.pngs[number - 1]

    def state(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready data."""
        with self.lock:
            sheets = []
            for slug, findings in self.findings.items():
                variants: dict[str, list[dict[str, Any]]] = {}
                for variant in self.variants:
                    rendered = self.rendered.get((variant, slug))
                    variants[variant] = rendered.describe(variant, slug) if rendered else []
                sheets.append(
                    {
                        "slug": slug,
                        "source": f"sheets/{slug}.yaml",
                        "variants": variants,
                        "findings": [shown(finding) for finding in findings],
                    }
                )
            return {
                "version": self.version,
                "status": self.status,
                "variants": list(self.variants),
                "findings": [shown(finding) for finding in self.general],
                "sheets": sheets,
            }


def shown(found: Told) -> dict[str, Any]:
    """A finding as `/state` gives it: its JSON, the number of PDFs it was found in, and its
    line as the terminal tells it."""
    finding, count = found
    return {**finding.as_json(), "count": count, "text": told(finding, count)}


class Handler(BaseHTTPRequestHandler):
    """Answers GET for `/`, `/state` and page images; nothing else."""

    server: PreviewServer

    def setup(self) -> None:
        """A silent connection is closed after the server's idle timeout: reading the
        request or sending the answer then ends in TimeoutError, which the base class and
        `PreviewServer.handle_error` take quietly."""
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        """Send one whole response, never cached, with a policy that forbids any other origin."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; img-src 'self'; connect-src 'self'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        )
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Serve the page, the state or an image; 400 for a foreign Host, 404 for the rest."""
        if not self.server.expected_host(self.headers.get("Host")):
            self._send(400, b"unexpected Host\n", "text/plain; charset=utf-8")
            return
        path = self.path.split("?", 1)[0]
        preview = self.server.preview
        if path == "/":
            self._send(200, page_html(), "text/html; charset=utf-8")
        elif path == "/state":
            body = json.dumps(preview.state(), ensure_ascii=False).encode("utf-8")
            self._send(200, body, "application/json")
        elif match := PAGE_PATH.fullmatch(path):
            image = preview.image(match.group(1), unquote(match.group(2)), int(match.group(3)))
            if image is None:
                self._send(404, b"no such page\n", "text/plain; charset=utf-8")
            else:
                self._send(200, image, "image/png")
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        """Requests are not logged: the console is for the build's messages."""


class PreviewServer(ThreadingHTTPServer):
    """The preview's HTTP server, on 127.0.0.1 (or `host`): a thread per connection, at most
    `max_connections` at once, each closed after `idle_timeout` seconds of silence; a client
    that goes away mid-answer is no news (nothing is printed)."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(
        self,
        preview: Preview,
        port: int = 0,
        host: str = HOST,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.preview = preview
        self.host = host
        self.idle_timeout = idle_timeout
        self.slots = threading.BoundedSemaphore(max_connections)
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def expected_host(self, told: str | None) -> bool:
        """Whether a request's Host header may be answered: on a loopback address, only one
        naming this machine (a page elsewhere cannot reach the preview through a name that
        points here: DNS rebinding); on an address served to the network, any."""
        if self.host not in LOOPBACK:
            return True
        port = self.server_address[1]
        return told in (f"{HOST}:{port}", f"localhost:{port}", f"[::1]:{port}")

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a thread of its own if a slot is free; else answer 503 at
        once, from this thread, and close it."""
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that closed, reset or fell silent: nothing to tell. Anything else: one
        line on standard error, not a stack."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        sys.stderr.write(f"preview: a request failed: {type(error).__name__}: {error}\n")

    @property
    def url(self) -> str:
        """The address to open on this machine."""
        host = {"": HOST, "0.0.0.0": HOST, "::": "::1"}.get(self.host, self.host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.server_address[1]}/"


def page_html() -> bytes:
    """The preview page, its script and styles inline."""
    return resources.files("fichepress").joinpath("data/preview.html").read_bytes()


def serve(
    project: Project,
    out: Path,
    *,
    variants: Sequence[VariantName],
    port: int,
    open_browser: bool,
    poll: bool,
    say: Say,
    ending: Ending = plain_ending,
    host: str = HOST,
) -> None:
    """Build, serve the preview and rebuild on save until Ctrl-C; each rebuild's last line
    in the form `ending` gives."""
    preview = Preview(project, out, variants)
    try:
        server = PreviewServer(preview, port, host)
    except OSError as error:
        said = error.strerror or str(error)
        raise FichepressError(f"cannot serve on {host}:{port}: {said}") from error
    stop = threading.Event()

    def tell(level: str, message: str) -> None:
        if stop.is_set():
            return  # after Ctrl-C, the build stopped midway has nothing to say
        preview.say(level, message)
        say(level, message)

    def watching(*args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(KeyboardInterrupt):  # `Stopped`: its workers were, by Ctrl-C
            watch(*args, **kwargs)

    watcher = threading.Thread(
        target=watching,
        args=(project, out),
        kwargs={
            "variants": variants,
            "collection": False,
            "say": tell,
            "stop": stop,
            "poll": poll,
            "tell": preview.take,
            "ending": ending,
        },
        name="fichepress-watch",
        daemon=True,
    )
    watcher.start()
    say("info", f"serving {server.url} (Ctrl-C to stop)")
    if host not in LOOPBACK:
        say("warning", f"served on {host}: whoever reaches this machine on its port sees it")
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:  # Ctrl-C: the build under way is stopped, its workers with it
        stop.set()
        stop_all()
        server.server_close()
        watcher.join(timeout=30)
