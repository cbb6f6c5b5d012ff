"""Caches and outputs that heal, failures of the system told in one line, `init` and `new`
that write valid YAML, and a preview server that bounds its threads.

- Every file fichepress keeps in the output folder and reads back (the manifest with its stamp,
  the index of the collection's parts, the parts' check results, the lock) is tried damaged
  every way (`[]`, `{}`, `null`, wrong types, truncated, binary, a folder, a FIFO, a link in
  its place): the build mends it (discards it and makes it again) with one line of notice at
  most, never a traceback or a hang. A share's manifest or index (`collection --from`) is the
  user's: an error at its place, the share left as it is.
- A full disk, a folder that may not be written, a path through a file or a loop of links:
  one line with the path and what the system said, exit code 1, the previous PDF whole.
- `init` and `new` write any title as YAML that loads back exactly and that `check` passes.
- The preview closes silent connections, serves a bounded number at once, and says nothing
  when a browser goes away mid-answer.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fichepress.checks.authoring import check_sources
from fichepress.cli import main
from fichepress.core.errors import FichepressError, InvalidSource
from fichepress.core.files import build_lock
from fichepress.core.project import Project
from fichepress.core.variants import VARIANTS, VariantName
from fichepress.scaffold.newsheet import new_sheet
from fichepress.scaffold.skeleton import init_project
from fichepress.series import builder as builder_module
from fichepress.series import stamp
from fichepress.series.collection import _known_pages
from fichepress.series.manifest import Manifest
from fichepress.series.parts import Fragments
from fichepress.series.shards import gather
from fichepress.series.workers import InlinePool, WorkerFailed
from fichepress.serve import watch as watch_module
from fichepress.serve.preview import Preview, PreviewServer, Rendered
from fichepress.source.load import load_sheet

from .conftest import copy_project

REFERENCE = "03-strategie-globale"
WAIT = 20.0
"""Seconds a test waits for what must take well under one (a read that might hang)."""


# --- a built project, and copies of it ---------------------------------------------------------


def run(project: Project, *args: str) -> Result:
    """`fichepress ARGS --project ROOT`, in this process (so that faults can be injected)."""
    return CliRunner().invoke(main, [*args, "--project", str(project.root)])


def said(result: Result) -> str:
    return result.output + result.stderr


def notices(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("notice:")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The reference sheet and the collection, built once (both variants, stamped)."""
    project = copy_project(tmp_path_factory.mktemp("heal") / "project", [f"{REFERENCE}.yaml"])
    result = run(project, "build", "-j", "1", "-q")
    assert result.exit_code == 0, said(result)
    return project


@pytest.fixture
def copy(built: Project, tmp_path: Path) -> Project:
    """A copy of the built project, its output folder included, to damage."""
    shutil.copytree(built.root, tmp_path / "project", symlinks=True)
    return Project((tmp_path / "project").resolve())


def outputs_whole(out: Path) -> None:
    """Every output the manifest lists is there, with its sha256."""
    document = json.loads((out / "manifest.json").read_text("utf-8"))
    assert document["outputs"]
    for entry in document["outputs"]:
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]


def pdfs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.glob("*/*.pdf"))}


def within(seconds: float, function: Callable[[], Any], fifo: Path | None = None) -> Any:
    """`function()`, which must end within `seconds` (a read of a FIFO would wait for a
    writer forever); the FIFO is opened for writing afterwards so that no thread stays."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    hung = thread.is_alive()
    if fifo is not None and hung:
        # a reader waits in open(): a writer that opens and closes lets it go
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
    assert not hung, f"still running after {seconds} s (a FIFO read that waits?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


# --- damaged caches ----------------------------------------------------------------------------

Damage = Callable[[Path, bytes], None]


def _write(data: bytes) -> Damage:
    def damage(path: Path, whole: bytes) -> None:
        path.write_bytes(data)

    return damage


def _truncated(path: Path, whole: bytes) -> None:
    path.write_bytes(whole[: len(whole) // 2])


def _folder(path: Path, whole: bytes) -> None:
    path.unlink()
    path.mkdir()
    (path / "inside").write_bytes(whole)


def _fifo(path: Path, whole: bytes) -> None:
    path.unlink()
    os.mkfifo(path)


def _link(path: Path, whole: bytes) -> None:
    elsewhere = path.parent.parent.parent / f"elsewhere-{path.name}"
    elsewhere.write_bytes(whole)  # a whole document, but not in the output folder
    path.unlink()
    path.symlink_to(elsewhere)


DAMAGES: dict[str, Damage] = {
    "empty-list": _write(b"[]"),
    "empty-object": _write(b"{}"),
    "null": _write(b"null"),
    "wrong-types": _write(
        b'{"outputs": [{"sheet": 3, "variant": ["print"], "path": "../../x.pdf", "pages": "2"}],'
        b' "parts": {"' + b"ab" * 32 + b'": {"pages": "two", "sha256": 5}}, "pages": []}'
    ),
    "truncated": _truncated,
    "binary": _write(bytes(range(256)) * 4),
    "nested-deep": _write(b"[" * 100_000),
    "folder": _folder,
    "fifo": _fifo,
    "link": _link,
}


def damaged(path: Path, kind: str) -> Path | None:
    """Damage the file at `path` in the way `kind` names; the FIFO made, if any."""
    DAMAGES[kind](path, path.read_bytes())
    return path if kind == "fifo" else None


def mended(path: Path) -> None:
    """What stands at `path` is nothing, or a regular file holding a JSON object."""
    if os.path.lexists(path):
        assert path.is_file() and not path.is_symlink(), path
        assert isinstance(json.loads(path.read_text("utf-8")), dict)


@pytest.mark.e2e
@pytest.mark.parametrize("kind", DAMAGES)
def test_a_damaged_manifest_is_discarded_with_one_notice(
    copy: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = copy.root / "build"
    fifo = damaged(out / "manifest.json", kind)
    assert within(WAIT, lambda: stamp.up_to_date(out, "x"), fifo) is None
    manifest = within(WAIT, lambda: Manifest(out), fifo)
    assert manifest.entries == {} or kind == "link"  # a link is never followed
    manifest.write([])  # the next build writes it again
    mended(out / "manifest.json")
    told = capsys.readouterr().err.splitlines()
    assert len(told) <= 1, told
    assert all(line.startswith("notice: build/manifest.json ") for line in told), told
    Manifest(out)
    assert capsys.readouterr().err == ""  # mended: nothing more to say


@pytest.mark.e2e
@pytest.mark.parametrize("kind", DAMAGES)
def test_a_damaged_index_of_parts_is_discarded_with_one_notice(
    copy: Project, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = copy.root / "build"
    index = out / ".fragments" / "index.json"
    fifo = damaged(index, kind)
    within(WAIT, lambda: gather(copy, out, []), fifo)  # reads the index, writes it back
    mended(index)
    told = capsys.readouterr().err.splitlines()
    assert len(told) <= 1, told
    assert all(line.startswith("notice: build/.fragments") for line in told), told
    gather(copy, out, [])
    assert capsys.readouterr().err == ""


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["file", "fifo", "link"])
def test_something_else_than_a_folder_of_parts_is_discarded(copy: Project, kind: str) -> None:
    out = copy.root / "build"
    shutil.rmtree(out / ".fragments")
    if kind == "file":
        (out / ".fragments").write_bytes(b"[]")
    elif kind == "fifo":
        os.mkfifo(out / ".fragments")
    else:
        (out / ".fragments").symlink_to(copy.root / "sheets")
    within(WAIT, lambda: gather(copy, out, []))
    assert (out / ".fragments").is_dir() and not (out / ".fragments").is_symlink()
    assert (copy.root / "sheets" / "series.yaml").is_file()  # where the link led: untouched
    mended(out / ".fragments" / "index.json")


@pytest.mark.e2e
@pytest.mark.parametrize("kind", DAMAGES)
def test_damaged_check_results_of_a_part_are_not_used(copy: Project, kind: str) -> None:
    out = copy.root / "build"
    index = json.loads((out / ".fragments" / "index.json").read_text("utf-8"))
    fragments = Fragments(out)
    digest = next(d for d in index["parts"] if fragments.results_path(d).is_file())
    fifo = damaged(fragments.results_path(digest), kind)
    for variant in VARIANTS:

        def known(variant: VariantName = variant) -> dict[int, Any]:
            return _known_pages(variant, fragments, [digest], [0])

        assert within(WAIT, known, fifo) == {}  # its pages are checked in full instead
    results = fragments.results_path(digest)
    assert not os.path.lexists(results) or (results.is_file() and not results.is_symlink())


@pytest.mark.e2e
def test_a_part_with_a_folder_in_its_place_is_made_again(copy: Project) -> None:
    out = copy.root / "build"
    fragments = Fragments(out)
    digest = next(iter(fragments.index["parts"]))
    fragments.path(digest).unlink()
    fragments.path(digest).mkdir()
    assert fragments.get(digest) is None
    assert not fragments.path(digest).exists()  # discarded: the part is rendered there again


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["folder", "fifo", "link"])
def test_the_lock_mends_itself(copy: Project, kind: str) -> None:
    out = copy.root / "build"
    lock = out / ".lock"
    lock.unlink()
    if kind == "folder":
        lock.mkdir()
        (lock / "inside").write_bytes(b"x")
    elif kind == "fifo":
        os.mkfifo(lock)
    else:
        lock.symlink_to(copy.root / "elsewhere")

    def locked() -> None:
        with build_lock(out):
            pass

    within(WAIT, locked)
    assert lock.is_file() and not lock.is_symlink()
    assert not (copy.root / "elsewhere").exists()  # the link was not followed


@pytest.mark.e2e
def test_an_index_holding_an_empty_list_heals_in_the_next_build(copy: Project) -> None:
    """The example of the issue: `[]` in the index gave a traceback on every build."""
    out = copy.root / "build"
    (out / ".fragments" / "index.json").write_text("[]", "utf-8")
    (out / "print" / "collection.pdf").unlink()  # the collection is made again
    result = run(copy, "build", "-j", "1")
    assert result.exit_code == 0, said(result)
    assert "Traceback" not in said(result)
    [told] = notices(result)
    assert told.startswith("notice: build/.fragments/index.json is damaged"), told
    assert "wrote build/print/collection.pdf" in result.stdout
    outputs_whole(out)
    again = run(copy, "build", "-j", "1")
    assert again.exit_code == 0 and "everything is up to date" in again.stdout
    assert notices(again) == []


@pytest.mark.e2e
def test_a_folder_in_place_of_the_manifest_heals_in_the_next_build(copy: Project) -> None:
    out = copy.root / "build"
    before = pdfs(out)
    (out / "manifest.json").unlink()
    (out / "manifest.json").mkdir()
    (out / "manifest.json" / "notes.txt").write_text("x", "utf-8")
    result = run(copy, "build", "-j", "1", "-q")
    assert result.exit_code == 0, said(result)
    assert "Traceback" not in said(result)
    assert notices(result) == [
        "notice: build/manifest.json is a folder: discarded; every PDF is built again"
    ]
    outputs_whole(out)
    assert set(pdfs(out)) == set(before)


# --- a share's manifest and index: the user's, an error at their place -------------------------


def share_of(built: Project, folder: Path) -> Path:
    """A share's folder: the built project's outputs and parts."""
    shutil.copytree(built.root / "build", folder, ignore=shutil.ignore_patterns(".lock"))
    return folder


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("no-source", "outputs[0].source"),
        ("empty-list", ""),
        ("empty-object", "outputs"),
        ("null", ""),
        ("wrong-types", "outputs[0].source"),
        ("truncated", ""),
        ("binary", ""),
        ("nested-deep", ""),
        ("folder", ""),
        ("fifo", ""),
        ("link", ""),
    ],
)
def test_a_damaged_share_manifest_is_an_error_at_its_place(
    built: Project, tmp_path: Path, kind: str, key: str
) -> None:
    share = share_of(built, tmp_path / "share")
    manifest = share / "manifest.json"
    if kind == "no-source":
        document = json.loads(manifest.read_text("utf-8"))
        del document["outputs"][0]["source"]
        manifest.write_text(json.dumps(document), "utf-8")
        fifo = None
    else:
        fifo = damaged(manifest, kind)
    kept = {p: p.read_bytes() for p in share.rglob("*") if p.is_file() and not p.is_symlink()}
    out = tmp_path / "final"
    with pytest.raises(InvalidSource) as raised:
        within(WAIT, lambda: gather(built, out, [share]), fifo)
    shown = built.display(manifest)
    assert raised.value.problems, kind
    assert all(problem.file == shown for problem in raised.value.problems)
    assert key in {problem.key for problem in raised.value.problems}
    assert not out.exists() or not list(out.rglob("*.pdf"))  # nothing gathered
    for path, data in kept.items():  # the share is left as it is
        assert path.read_bytes() == data
    assert os.path.lexists(manifest)


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["empty-list", "wrong-types", "binary", "folder", "fifo"])
def test_a_damaged_share_index_is_an_error_at_its_place(
    built: Project, tmp_path: Path, kind: str
) -> None:
    share = share_of(built, tmp_path / "share")
    index = share / ".fragments" / "index.json"
    fifo = damaged(index, kind)
    with pytest.raises(InvalidSource) as raised:
        within(WAIT, lambda: gather(built, tmp_path / "final", [share]), fifo)
    assert {problem.file for problem in raised.value.problems} == {built.display(index)}
    assert os.path.lexists(index)


@pytest.mark.e2e
def test_collection_from_a_share_with_an_entry_without_source(
    built: Project, tmp_path: Path
) -> None:
    """The example of the issue: a TypeError."""
    share = share_of(built, tmp_path / "share")
    document = json.loads((share / "manifest.json").read_text("utf-8"))
    del document["outputs"][1]["source"]
    (share / "manifest.json").write_text(json.dumps(document), "utf-8")
    final = tmp_path / "final"
    result = run(built, "collection", "-j", "1", "--out", str(final), "--from", str(share))
    assert result.exit_code == 1, said(result)
    assert "Traceback" not in said(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    shown = share.resolve() / "manifest.json"
    assert errors == [f"error: {shown}: outputs[1].source: is missing"]
    assert not list(final.rglob("*.pdf"))


# --- failures of the system: one line, the path and what the system said -----------------------


def one_line(result: Result, path: str, reason: str) -> None:
    """The command failed with one line naming `path` and what the system said."""
    assert result.exit_code == 1, said(result)
    assert "Traceback" not in said(result) and "theme's CSS" not in said(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert path in lines[0] and lines[0].endswith(f": {reason}"), lines[0]


def edit(project: Project) -> None:
    """A change to the reference sheet: its PDFs are stale."""
    path = project.sheets / f"{REFERENCE}.yaml"
    path.write_text(path.read_text("utf-8") + "\n# changed\n", "utf-8")


def failed_and_kept(result: Result, before: dict[str, bytes], out: Path, told: str) -> None:
    """The build failed, said `told` for the sheet, and left every previous PDF whole."""
    assert result.exit_code == 1, said(result)
    assert "Traceback" not in said(result), said(result)
    assert "theme's CSS" not in said(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: sheets/{REFERENCE}.yaml: print PDF not made: {told}"], errors
    assert pdfs(out) == before
    assert not [p for p in out.rglob("*.tmp")]


@pytest.mark.e2e
def test_a_full_disk_as_the_pdf_is_written(copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    out = copy.root / "build"
    before = pdfs(out)
    edit(copy)

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = run(copy, "build", "-j", "1", "--variant", "print")
    told = f"build/print/{REFERENCE}.pdf: {os.strerror(errno.ENOSPC)}"
    failed_and_kept(result, before, out, told)


@pytest.mark.e2e
def test_a_full_disk_as_weasyprint_copies_the_fonts_is_not_blamed_on_the_theme(
    copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy.root / "build"
    before = pdfs(out)
    edit(copy)
    font = out / ".fonts-0123" / "lato.ttf"

    class FullDisk:
        def __init__(self, **_: Any) -> None:
            pass

        def render(self, **_: Any) -> Any:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(font))

    monkeypatch.setattr("fichepress.pdf.write.HTML", FullDisk)
    result = run(copy, "build", "-j", "1", "--variant", "print")
    told = f"build/.fonts-0123/lato.ttf: {os.strerror(errno.ENOSPC)}"
    failed_and_kept(result, before, out, told)


@pytest.mark.e2e
@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_an_output_folder_that_may_not_be_written(
    copy: Project, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    """Tests run as root, whom a read-only folder does not stop: the system's refusal is
    given where the PDF's file is made."""
    out = copy.root / "build"
    before = pdfs(out)
    edit(copy)
    real_open = Path.open

    def refusing(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "xb" and self.parent == out / "print":
            raise OSError(code, os.strerror(code), str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
    result = run(copy, "build", "-j", "1", "--variant", "print")
    failed_and_kept(result, before, out, f"build/print/{REFERENCE}.pdf: {os.strerror(code)}")


@pytest.mark.e2e
def test_a_lock_that_may_not_be_made(copy: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = Path.open

    def refusing(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.name == ".lock":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing)
    one_line(run(copy, "build", "-j", "1"), "build/.lock", os.strerror(errno.EACCES))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "command",
    [
        ["build", "-j", "1", "--out", "{file}/out"],
        ["collection", "-j", "1", "--out", "{file}/out"],
        ["proof", f"sheets/{REFERENCE}.yaml", "--out", "{file}/proof.png"],
        ["proof", f"sheets/{REFERENCE}.yaml", "--out", "{file}/deeper/proof.png"],
    ],
    ids=["build", "collection", "proof", "proof-deeper"],
)
def test_an_output_under_a_file(built: Project, tmp_path: Path, command: list[str]) -> None:
    """A real case, even for root: a path whose parent is a regular file (ENOTDIR)."""
    file = tmp_path / "a-file"
    file.write_text("mine", "utf-8")
    args = [part.replace("{file}", str(file)) for part in command]
    if args[0] == "proof":
        args[1] = str(built.root / args[1])
    result = run(built, *args)
    one_line(result, str(file), os.strerror(errno.ENOTDIR))
    assert file.read_text("utf-8") == "mine"


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["build", "collection", "proof"])
def test_an_output_through_a_loop_of_links(built: Project, tmp_path: Path, command: str) -> None:
    (tmp_path / "one").symlink_to(tmp_path / "two")
    (tmp_path / "two").symlink_to(tmp_path / "one")
    target = tmp_path / "one" / "out"
    if command == "proof":
        args = ["proof", str(built.sheets / f"{REFERENCE}.yaml"), "--out", f"{target}/p.png"]
    else:
        args = [command, "-j", "1", "--out", str(target)]
    result = run(built, *args)
    one_line(result, str(tmp_path / "one"), os.strerror(errno.ELOOP))


@pytest.mark.e2e
def test_watch_tells_a_failure_of_the_system_and_goes_on(
    built: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = built.root / "build" / "manifest.json"

    def full(*_: Any, **__: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(builder_module, "build", full)
    told: list[tuple[str, str]] = []
    watch_module.rebuild(
        built,
        built.root / "build",
        None,
        variants=["print"],
        strict=False,
        collection=True,
        say=lambda level, message: told.append((level, message)),
    )
    error = ("error", f"build/manifest.json: {os.strerror(errno.ENOSPC)}")
    assert told == [error, ("done", "not built")]  # the round's last line says so


def _nothing() -> None:
    """A worker's set-up with nothing to set up."""


def _full(path: str) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def test_a_worker_tells_a_failure_of_the_system_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "print" / "x.pdf"
    [(_, failed)] = list(InlinePool(_nothing).run(_full, [(str(path),)]))
    assert isinstance(failed, WorkerFailed)
    assert str(failed) == f"{path}: {os.strerror(errno.ENOSPC)}"


# --- init and new: any title as YAML that loads back exactly -----------------------------------

YAML_SPECIAL = ":#'\"-?*&!%@`|>{}[],\n\t\r\\ ~=<"
SPECIAL_TITLES = st.text(
    alphabet=st.sampled_from([*YAML_SPECIAL, "a", "Z", "0", "é", "Œ", "ç", "’", "«", "»", " "]),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() != "")
"""Titles of YAML's special characters and of letters the packaged fonts print: `init` and
`new` must take every one of them."""

ANY_TITLES = st.text(min_size=0, max_size=40)
"""Any text at all: taken and written exactly, or refused in one line."""

HEALTH = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_init_writes_a_title_with_a_colon_and_a_hash(tmp_path: Path) -> None:
    """The example of the issue: invalid YAML, exit 0."""
    folder = tmp_path / "serie"
    title, organisation = "Guide: agir #1", "Action: Nord #2"
    result = CliRunner().invoke(
        main, ["init", str(folder), "--title", title, "--organisation", organisation]
    )
    assert result.exit_code == 0, said(result)
    checked = CliRunner().invoke(main, ["check", "--project", str(folder)])
    assert checked.exit_code == 0, said(checked)
    series = yaml.safe_load((folder / "sheets" / "series.yaml").read_text("utf-8"))
    assert series["title"] == title and series["publisher"]["name"] == organisation


def _init_round_trip(folder: Path, title: str, organisation: str) -> None:
    """`init` wrote every value exactly, and `check` passes the project."""
    series = yaml.safe_load((folder / "sheets" / "series.yaml").read_text("utf-8"))
    assert series["title"] == title
    assert series["publisher"]["name"] == series["publisher"]["alt"] == organisation
    assert series["copyright"] == f"© {datetime.date.today().year} {organisation}"
    [theme] = [p for p in (folder / "styles").iterdir() if p.name != "fiches"]
    config = yaml.safe_load((theme / "theme.yaml").read_text("utf-8"))
    assert config == {"name": organisation, "extends": "fiches"}
    report = check_sources(Project(folder.resolve()))
    assert report.errors == [], [str(p) for p in report.errors]


@HEALTH
@given(title=SPECIAL_TITLES, organisation=SPECIAL_TITLES)
@example(title="- [x]: #y", organisation="A & B\nextends: autre")
@example(title=" ? * & ! % @ ` | > ", organisation="'\"")
def test_init_takes_every_title_of_special_characters(
    tmp_path: Path, title: str, organisation: str
) -> None:
    folder = tmp_path / "serie"
    shutil.rmtree(folder, ignore_errors=True)
    init_project(folder, title, organisation)
    _init_round_trip(folder, title, organisation)


@HEALTH
@given(title=ANY_TITLES, organisation=ANY_TITLES)
@example(title="a\udcffb", organisation="Org")  # bytes that are not UTF-8, from a shell
@example(title="a\x85b", organisation="Org")
@example(title="a\u2028b\ufeff", organisation="\x00")
def test_init_writes_any_title_exactly_or_refuses_it(
    tmp_path: Path, title: str, organisation: str
) -> None:
    folder = tmp_path / "serie"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        init_project(folder, title, organisation)
    except FichepressError as refused:
        assert "\n" not in refused.message
        assert not folder.exists()  # nothing written
        return
    _init_round_trip(folder, title, organisation)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "Agir\x07"], "--title holds the control character U+0007"),
        (["--title", "   "], "--title is empty"),
        (["--organisation", "\x1b[31mRouge"], "--organisation holds the control character U+001B"),
        (["--title", "Ab\udcff"], "--title holds bytes that are not UTF-8 text"),
    ],
)
def test_init_refuses_what_check_would_refuse(
    tmp_path: Path, args: list[str], message: str
) -> None:
    folder = tmp_path / "serie"
    result = CliRunner().invoke(main, ["init", str(folder), *args])
    assert result.exit_code == 1, said(result)
    assert "Traceback" not in said(result)
    assert message in result.stderr
    assert not folder.exists()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project with the series file, its theme and no sheet."""
    return copy_project(tmp_path_factory.mktemp("new") / "project", [])


@pytest.fixture
def empty(fresh: Project) -> Iterator[Project]:
    """The project without a sheet, for each example."""
    yield fresh
    for path in fresh.sheets.glob("*.yaml"):
        if path.name != "series.yaml":
            path.unlink()


def _new_round_trip(project: Project, path: Path, title: str) -> None:
    """The new sheet's title loads back exactly; `check` finds nothing wrong at it but the
    characters the theme's fonts have no glyph for (the author's to change)."""
    assert yaml.safe_load(path.read_text("utf-8"))["title"] == title.strip()
    assert load_sheet(path, project).sheet.title == title.strip()
    report = check_sources(project, [path])
    at_title = [p for p in report.errors if p.key == "title" and "no glyph" not in p.message]
    assert at_title == [], [str(p) for p in at_title]
    assert all(p.key != "" for p in report.errors), [str(p) for p in report.errors]


@HEALTH
@given(title=SPECIAL_TITLES)
@example(title="- [x]: #y 'z' \"w\"")
@example(title="Guide: agir #1")
@example(title="{x} <y >")
def test_new_takes_every_title_of_special_characters(empty: Project, title: str) -> None:
    try:
        path = new_sheet(empty, title)
    except FichepressError as refused:  # "<b>" or "{{ x }}" would print as written
        assert "is HTML" in refused.message or "is template syntax" in refused.message
        return
    _new_round_trip(empty, path, title)
    path.unlink()


@HEALTH
@given(title=ANY_TITLES)
@example(title="a\udcffb")
@example(title="a\x85b")
@example(title="\u2028 a \u2029")
def test_new_writes_any_title_exactly_or_refuses_it(empty: Project, title: str) -> None:
    try:
        path = new_sheet(empty, title)
    except FichepressError as refused:
        assert "\n" not in refused.message
        assert [p.name for p in empty.sheets.glob("*.yaml")] == ["series.yaml"]
        assert not list(empty.sheets.glob(".*"))  # no draft left
        return
    _new_round_trip(empty, path, title)
    path.unlink()


def test_new_refuses_bytes_that_are_not_text_in_one_line(empty: Project) -> None:
    result = run(empty, "new", "Titre \udcff")
    assert result.exit_code == 1, said(result)
    assert "Traceback" not in said(result)
    assert "the title of the new sheet holds bytes that are not UTF-8 text" in result.stderr


# --- the preview server: bounded, timed out, silent on disconnects -----------------------------

LIMIT = 6
IDLE = 2.0


@pytest.fixture
def preview_server(tmp_path: Path) -> Iterator[PreviewServer]:
    """A preview server on 127.0.0.1 with a short idle timeout and few slots, holding one big
    page in memory."""
    preview = Preview(Project(tmp_path), tmp_path / "build", ["print"])
    big = b"\x89PNG" + bytes(48 * 1024 * 1024)
    preview.rendered[("print", "big")] = Rendered((0, 0, 0), 1, [{}], [big])
    server = PreviewServer(preview, 0, idle_timeout=IDLE, max_connections=LIMIT)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def connect(server: PreviewServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5)
    connection.settimeout(5)
    return connection


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_idle_connections_are_bounded_and_closed(preview_server: PreviewServer) -> None:
    base = threading.active_count()
    sockets = [connect(preview_server) for _ in range(40)]
    try:
        refused = []
        for connection in sockets[LIMIT:]:  # the server takes them in order
            answer = connection.recv(200)
            refused.append(answer)
        assert all(answer.startswith(b"HTTP/1.0 503 ") for answer in refused)
        assert threading.active_count() <= base + LIMIT
        started = time.monotonic()
        for connection in sockets[:LIMIT]:  # silent: closed after the idle timeout
            assert connection.recv(200) == b""
        assert time.monotonic() - started < IDLE + 4
        assert wait_until(lambda: threading.active_count() <= base)
        with connect(preview_server) as connection:  # the slots are free again
            port = preview_server.server_address[1]
            connection.sendall(f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            assert connection.recv(100).startswith(b"HTTP/1.0 200 ")
    finally:
        for connection in sockets:
            connection.close()


def test_a_browser_going_away_mid_answer_is_no_news(
    preview_server: PreviewServer, capfd: pytest.CaptureFixture[str]
) -> None:
    base = threading.active_count()
    port = preview_server.server_address[1]
    for _ in range(3):
        connection = connect(preview_server)
        request = f"GET /page/print/big/1.png HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        connection.sendall(request.encode())
        assert connection.recv(100).startswith(b"HTTP/1.0 200 ")
        # reset, not closed: the server's next write fails at once
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    assert wait_until(lambda: threading.active_count() <= base)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err, err
    assert err == ""
