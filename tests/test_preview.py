"""`fichepress preview`: what it serves, what it refuses, and how it follows the build."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Iterator

import pytest

from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.series.builder import build
from fichepress.series.report import Report
from fichepress.serve.preview import Preview, PreviewServer, shown

from .conftest import copy_project

REFERENCE = "03-strategie-globale"
SHOWN = f"sheets/{REFERENCE}.yaml"
BUDGET = Finding(
    SHOWN,
    48,
    1,
    "selection",
    "the print PDF runs 48 lines (233 mm) over its budget of 1 page: page 2 starts with"
    " selection; shorten the text or raise page_budget",
    severity="warning",
    rule="copyfit",
    variant="print",
    page=2,
)
BLEED = Finding(
    SHOWN,
    message="a fill reaches the trim",
    rule="BLEED",
    variant="print",
    page=1,
)
"""A preflight error, which the build reports as a warning: the preview shows its severity."""


def test_findings_come_as_data() -> None:
    assert shown((BLEED, 2)) == {
        **BLEED.as_json(),
        "count": 2,
        "text": f"{SHOWN}: print PDF preflight: error BLEED page 1: a fill reaches the trim"
        " (in 2 PDFs)",
    }
    assert (BLEED.variant, BLEED.page, BLEED.severity) == ("print", 1, "error")


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the project holding the reference sheet, built once in print only."""
    project = copy_project(tmp_path_factory.mktemp("preview") / "project", [f"{REFERENCE}.yaml"])
    assert build(load_edition(project), project.root / "build", variants=["print"]).ok
    return project


def preview_of(project: Project) -> Preview:
    """A preview of a built project, as after its first build."""
    preview = Preview(project, project.root / "build", ["print"])
    preview.say("done", "1 PDF written in 1.0 s")
    return preview


@pytest.fixture
def built(built_project: Project) -> Preview:
    """A fresh preview of the built reference sheet."""
    return preview_of(built_project)


@pytest.mark.e2e
def test_a_build_is_followed_by_its_messages(built: Preview) -> None:
    state = built.state()
    assert state["variants"] == ["print"] and state["findings"] == []
    [sheet] = state["sheets"]
    assert sheet["slug"] == REFERENCE and sheet["findings"] == []
    pages = sheet["variants"]["print"]
    assert [page["n"] for page in pages] == [1, 2]
    media = (668.69, 848.69)  # the trim (612 × 792 pt) and 28.35 pt of marks on each side
    trim = (28.35 / media[0], 28.35 / media[1], 640.35 / media[0], 820.35 / media[1])
    assert pages[0]["trim"] == pytest.approx(trim, abs=1e-3)
    assert pages[0]["bleed"][0] == pytest.approx(19.84 / 668.69, abs=1e-3)
    image = built.image("print", REFERENCE, 1)
    assert image is not None and image.startswith(b"\x89PNG")
    assert built.image("print", REFERENCE, 3) is None
    assert built.image("accessible", REFERENCE, 1) is None

    version = state["version"]
    built.say("info", f"changed: {SHOWN}")
    built.say("warning", str(BUDGET))  # what the terminal is told: the data comes by `take`
    series = Finding("sheets/series.yaml", 13, 14, "page_budget", "must be a whole number")
    built.take(Report(warnings=[BUDGET, BLEED], problems=[series]))
    [general] = built.state()["findings"]  # shown at once
    assert (general["file"], general["severity"]) == ("sheets/series.yaml", "error")
    built.say("done", "0 PDFs written in 1.0 s")
    state = built.state()
    assert state["version"] > version
    [sheet] = state["sheets"]
    assert sheet["findings"] == [shown((BUDGET, 1)), shown((BLEED, 1))]
    assert [(f["variant"], f["page"], f["severity"]) for f in sheet["findings"]] == [
        ("print", 2, "warning"),
        ("print", 1, "error"),
    ]
    assert sheet["variants"]["print"] == pages  # not rebuilt: the same images

    built.say("info", f"changed: {SHOWN}")
    (built.out / "print" / f"{REFERENCE}.pdf").touch()  # rebuilt without a word: all good
    built.say("done", "1 PDF written in 1.0 s")
    [sheet] = built.state()["sheets"]
    assert sheet["findings"] == []
    assert sheet["variants"]["print"][0]["src"] != pages[0]["src"]


@pytest.fixture(scope="module")
def server(built_project: Project) -> Iterator[PreviewServer]:
    """The preview's server, in a thread."""
    server = PreviewServer(preview_of(built_project), 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, str, bytes]:
    """Status, content type and body of a GET of `path`, sent exactly as written."""
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        headers = {"Host": host} if host else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


@pytest.mark.e2e
def test_it_serves_the_page_the_state_and_the_images(server: PreviewServer) -> None:
    status, kind, body = get(server, "/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert b"<script>" in body and b"/state" in body
    assert b"http://" not in body and b"https://" not in body  # nothing from elsewhere
    status, kind, body = get(server, "/state")
    assert (status, kind) == (200, "application/json")
    src = json.loads(body)["sheets"][0]["variants"]["print"][0]["src"]
    status, kind, body = get(server, src)
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG")


@pytest.mark.e2e
@pytest.mark.parametrize(
    "path",
    [
        "/page/print/../../etc/passwd/1.png",
        "/page/print/..%2F..%2F..%2Fetc%2Fpasswd/1.png",
        "/page/print/%2e%2e%2f%2e%2e%2fetc%2fpasswd/1.png",
        "/page/print/%252e%252e%252fetc%252fpasswd/1.png",
        f"/page/print/{REFERENCE}/1.png/../../../../etc/passwd",
        f"/page/print/{REFERENCE}/../../../etc/passwd",
        "/page/print/%2Fetc%2Fpasswd/1.png",
        "/page/../../../../etc/passwd",
        "/../../../etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/page/print/manifest/1.png",
        f"/page/print/{REFERENCE}.pdf",
        f"/page/accessible/{REFERENCE}/1.png",
        f"/page/print/{REFERENCE}/0.png",
        f"/page/print/{REFERENCE}/3.png",
        "/build/manifest.json",
        "/sheets/series.yaml",
    ],
)
def test_nothing_but_pages_in_memory_is_served(server: PreviewServer, path: str) -> None:
    status, _, body = get(server, path)
    assert status in (400, 404), (path, status)
    assert b"root:" not in body and b"%PDF" not in body


@pytest.mark.e2e
def test_it_answers_on_127_0_0_1_by_default(server: PreviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.server_address[1]}/"
    # a page elsewhere cannot reach it through a name that points here (DNS rebinding)
    port = server.server_address[1]
    assert get(server, "/state", host=f"attacker.example:{port}")[0] == 400
    assert get(server, "/state", host=f"localhost:{port}")[0] == 200


@contextlib.contextmanager
def serving(project: Project, host: str) -> Iterator[PreviewServer]:
    """A preview server of a project with nothing built, on `host`, in a thread."""
    server = PreviewServer(Preview(project, project.root / "build", ("print",)), 0, host)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_host_127_0_0_1_given_explicitly_serves_this_machine_only(project: Project) -> None:
    with serving(project, "127.0.0.1") as server:
        port = server.server_address[1]
        assert server.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{port}/"
        assert get(server, "/state")[0] == 200
        assert get(server, "/state", host=f"attacker.example:{port}")[0] == 400


def test_host_0_0_0_0_serves_the_network_and_is_reached_on_127_0_0_1(project: Project) -> None:
    with serving(project, "0.0.0.0") as server:
        port = server.server_address[1]
        assert server.server_address[0] == "0.0.0.0"
        assert server.url == f"http://127.0.0.1:{port}/"  # to open on this machine
        status, _, body = get(server, "/state")
        assert status == 200 and json.loads(body)["sheets"] == []
        # reached by another machine's name for this one (a container's published port)
        assert get(server, "/state", host=f"fiches.example:{port}")[0] == 200


def test_preview_help_says_another_host_exposes_it() -> None:
    from click.testing import CliRunner

    from fichepress.cli import main

    result = CliRunner().invoke(main, ["preview", "--help"])
    told = " ".join(result.output.split())  # as wrapped to the terminal's width
    assert "--host ADDRESS" in told and "exposes the preview to the network" in told
    assert "[default: 127.0.0.1]" in told
