"""Files a check or a build must not read: outside the project through a symbolic link, or not
regular files (pipes, devices, folders, dangling links, loops), or without read permission.

Each case is made in a copy of a project built once (so that a build that wrongly finds
nothing changed says "everything is up to date"), then checked and built: both commands fail
with exit code 1, name the file (and, for a template named by an include, its line and
column), print no traceback and nothing of a file outside the project, and leave the previous
PDFs as they were. A command that could wait forever (a pipe, a device) runs in a process of
its own with a time limit, so that the test fails rather than hangs.

Tests run as root, for whom a file without read permission can still be read: the system's
refusal is made here by `os.open`, `io.open` and `open` raising PermissionError for that one
file, as the system would for another user (reading.py and every other reader go through one
of them).
"""

from __future__ import annotations

import builtins
import errno
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import fichepress
from fichepress.cli import main
from fichepress.core.project import Project

from .conftest import copy_project

SECRET = "SECRET_5e1f"
"""Written in every file outside the project: it must appear in no message and no output."""

SOURCE = Path(fichepress.__file__).resolve().parents[1]
TIME_LIMIT = 60
"""Seconds a command may take in these tests (each takes a few)."""
MEMORY_LIMIT = 4 << 30
"""Bytes of memory a command run apart may take."""

ARTICLE = "styles/sobre/templates/_article.html.j2"
ANCHOR = '<div class="credits-inner">'
"""Where the cases put their include, inside a block the sheet's page prints."""


# Every test works on a copy of a built project (the module fixture `built`).
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of one sheet with the theme sobre (which has templates), built whole."""
    project = copy_project(
        tmp_path_factory.mktemp("built") / "project", ["03-strategie-globale.yaml"]
    )
    series = project.series_file
    text = series.read_text(encoding="utf-8")
    series.write_text(re.sub(r"^theme: fiches$", "theme: sobre", text, flags=re.M), "utf-8")
    result = CliRunner().invoke(main, ["build", "-j", "1", "-q", "--project", str(project.root)])
    assert result.exit_code == 0, result.output + result.stderr
    return project.root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Project:
    """A copy of the built project, its outputs up to date."""
    shutil.copytree(built, tmp_path / "project", symlinks=True)
    return Project((tmp_path / "project").resolve())


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, holding files with the secret in them."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    (folder / "secret.yaml").write_text(f"{SECRET}: 1\nnumber: 99\n", encoding="utf-8")
    (folder / "secret.css").write_text(
        f".{SECRET} {{ color: var(--{SECRET}); }}\n@import url({SECRET}.css);\n", "utf-8"
    )
    (folder / "secret.j2").write_text(f"{{% {SECRET} %}}{{{{ {SECRET} }}}}\n", "utf-8")
    return folder


def outputs(project: Project) -> dict[str, str]:
    """Every PDF of the build folder and its digest."""
    out = project.root / "build"
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.pdf"))
    }


@dataclass(frozen=True)
class Ran:
    code: int
    errors: list[str]
    said: str


def invoke(*args: str) -> Ran:
    """A command in this process (one that cannot wait forever)."""
    result = CliRunner().invoke(main, list(args))
    said = result.output + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        said += f"\nTraceback: {result.exception!r}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    return Ran(result.exit_code, errors, said)


def _bounded() -> None:
    """In the command's process: memory bounded, so that reading a device without end fails
    there rather than taking the machine's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def spawn(*args: str) -> Ran:
    """A command in a process of its own, stopped after TIME_LIMIT seconds (a failure)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")]),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fichepress", *args],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            env=env,
            check=False,
            preexec_fn=_bounded,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"fichepress {args[0]} still running after {TIME_LIMIT} s")
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    return Ran(done.returncode, errors, done.stdout + done.stderr)


def refused(ran: Ran, place: str, words: str) -> None:
    """The command failed, without a traceback nor the secret, with an error at `place` (a
    regular expression: the file, maybe a line and a column) that says `words`."""
    assert ran.code == 1, ran.said
    assert "Traceback" not in ran.said, ran.said
    assert SECRET not in ran.said, ran.said
    assert "everything is up to date" not in ran.said, ran.said
    at = [e for e in ran.errors if re.match(rf"error: {place}: ", e)]
    assert at, f"no error at {place}:\n{ran.said}"
    assert any(words.lower() in e.lower() for e in at), f"{words!r} not at {place}:\n{ran.said}"


def check_and_build(project: Project, place: str, words: str, *, isolated: bool = False) -> None:
    """`check` and `build` both refuse at `place`, and the PDFs are left as they were."""
    before = outputs(project)
    run = spawn if isolated else invoke
    refused(run("check", "--project", str(project.root)), place, words)
    refused(run("build", "-j", "1", "--project", str(project.root)), place, words)
    assert outputs(project) == before
    assert not [p for p in (project.root / "build").rglob("*") if SECRET in p.name]


def test_a_copy_of_the_built_project_is_up_to_date(project: Project) -> None:
    """What the cases below rely on: a build of the copy has nothing to do, so that a build
    blind to what they change would say so."""
    ran = invoke("build", "-j", "1", "--project", str(project.root))
    assert ran.code == 0, ran.said
    assert "everything is up to date" in ran.said


# --- templates ---------------------------------------------------------------------------------


def _include(project: Project, statement: str) -> tuple[int, int]:
    """Put `statement` in the sobre's article template; its line and the column of its
    first quotation mark."""
    path = project.root / ARTICLE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines) if ANCHOR in line)
    lines[number] = lines[number].replace(ANCHOR, ANCHOR + statement, 1)
    path.write_text("".join(lines), encoding="utf-8")
    column = lines[number].index(ANCHOR) + len(ANCHOR) + statement.index('"') + 1
    return number + 1, column


STATEMENTS = {
    "include": '{{% include "{}" %}}',
    "include-list": '{{% include ["{}", "_article.html.j2"] %}}',
    "import": '{{% import "{}" as things %}}',
    "from-import": '{{% from "{}" import thing %}}',
}


@pytest.mark.parametrize("statement", list(STATEMENTS.values()), ids=list(STATEMENTS))
def test_a_template_reached_through_a_link_to_the_root_is_refused_at_the_statement(
    project: Project, outside: Path, statement: str
) -> None:
    """`templates/r -> /` and `{% include "r/…/secret.txt" %}`: the file would be printed
    in the PDF; it is refused where it is named, before anything is rendered."""
    templates = project.root / "styles/sobre/templates"
    (templates / "r").symlink_to("/")
    name = "r" + str(outside / "secret.txt")
    line, column = _include(project, statement.format(name))
    check_and_build(
        project,
        f"{re.escape(ARTICLE)}:{line}:{column}",
        f'the template "{name}" is in a folder that links outside the project',
    )


def test_extends_through_a_link_out_is_refused_at_the_statement(
    project: Project, outside: Path
) -> None:
    templates = project.root / "styles/sobre/templates"
    (templates / "up").symlink_to(outside)
    (templates / "page.html.j2").write_text('{% extends "up/secret.j2" %}\n', encoding="utf-8")
    check_and_build(
        project,
        re.escape("styles/sobre/templates/page.html.j2") + ":1:12",
        'the template "up/secret.j2" is in a folder that links outside the project',
    )


def test_an_included_file_that_is_a_link_out_is_refused_at_the_include(
    project: Project, outside: Path
) -> None:
    (project.root / "styles/sobre/templates/notes.txt").symlink_to(outside / "secret.txt")
    line, column = _include(project, '{% include "notes.txt" %}')
    check_and_build(
        project,
        f"{re.escape(ARTICLE)}:{line}:{column}",
        'the template "notes.txt" is a link to a file outside the project',
    )


def test_a_template_that_is_a_link_out_is_refused_at_its_file(
    project: Project, outside: Path
) -> None:
    """The article template itself replaced by a link to a file elsewhere (which could well
    be a valid template: it is refused for where it is, not for what it holds)."""
    article = project.root / ARTICLE
    copy = outside / "article.html.j2"
    copy.write_text(article.read_text("utf-8").replace(ANCHOR, ANCHOR + SECRET), "utf-8")
    article.unlink()
    article.symlink_to(copy)
    check_and_build(project, re.escape(ARTICLE), "is a link to a file outside the project")


def test_a_template_linked_out_and_not_used_is_refused_too(project: Project, outside: Path) -> None:
    (project.root / "styles/sobre/templates/_spare.html.j2").symlink_to(outside / "secret.j2")
    check_and_build(
        project,
        re.escape("styles/sobre/templates/_spare.html.j2"),
        "is a link to a file outside the project",
    )


def test_a_templates_folder_linked_out_is_refused(project: Project, outside: Path) -> None:
    templates = project.root / "styles/sobre/templates"
    moved = outside / "templates"
    shutil.move(templates, moved)
    (moved / "_article.html.j2").write_text(
        (moved / "_article.html.j2").read_text("utf-8").replace(ANCHOR, ANCHOR + SECRET), "utf-8"
    )
    templates.symlink_to(moved)
    check_and_build(
        project,
        re.escape("styles/sobre/templates"),
        "is a link to a folder outside the project",
    )


def test_a_template_named_at_run_time_is_refused_at_its_line(
    project: Project, outside: Path
) -> None:
    """A name no reading of the template can know (made from data): refused by the loader
    when the sheet is rendered, at the line of the include."""
    (project.root / "styles/sobre/templates/r").symlink_to("/")
    name = "r" + str(outside / "secret.txt")
    head, tail = name[:5], name[5:]
    line, _ = _include(project, f'{{% include "{head}" ~ "{tail}" %}}')
    check_and_build(
        project,
        f"{re.escape(ARTICLE)}:{line}",
        f'the template "{name}" is in a folder that links outside the project',
    )


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "dangling", "loop"])
def test_a_template_that_is_not_a_regular_file_is_refused(project: Project, kind: str) -> None:
    spare = project.root / "styles/sobre/templates/_spare.html.j2"
    words = make_special(spare, kind)
    check_and_build(
        project,
        re.escape("styles/sobre/templates/_spare.html.j2"),
        words,
        isolated=kind == "pipe",
    )


# --- stylesheets, pictures, fonts, theme settings --------------------------------------------


def test_a_stylesheet_linked_out_is_refused_unread(project: Project, outside: Path) -> None:
    """Its colours and var()s are not looked at, nor told: nothing of it is read."""
    (project.root / "styles/sobre/print.css").symlink_to(outside / "secret.css")
    check_and_build(
        project, re.escape("styles/sobre/print.css"), "is a link to a file outside the project"
    )


def test_an_import_and_a_url_through_links_out_are_refused(project: Project, outside: Path) -> None:
    css = project.root / "styles/sobre/theme.css"
    (project.root / "styles/sobre/evil.css").symlink_to(outside / "secret.css")
    (project.root / "styles/sobre/r").symlink_to("/")
    css.write_text(
        '@import "evil.css";\n'
        + css.read_text("utf-8")
        + f"\n.x {{ background: url(r{outside}/secret.txt); }}\n",
        encoding="utf-8",
    )
    line = len(css.read_text("utf-8").splitlines())
    check_and_build(project, re.escape("styles/sobre/theme.css") + ":1:9", "points outside")
    check_and_build(project, re.escape("styles/sobre/theme.css") + f":{line}:18", "points outside")


def test_the_styles_folder_linked_out_is_refused(project: Project, outside: Path) -> None:
    styles = project.root / "styles"
    shutil.move(styles, outside / "styles")
    styles.symlink_to(outside / "styles")
    check_and_build(project, re.escape("styles/sobre/theme.yaml") + ":1:1", "links outside")


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "folder", "dangling"])
def test_a_stylesheet_or_a_picture_that_is_not_a_regular_file_is_refused(
    project: Project, kind: str
) -> None:
    """A print.css that is a pipe was skipped in silence; a picture named in the CSS was "not
    found"."""
    words = make_special(project.root / "styles/sobre/print.css", kind)
    check_and_build(project, re.escape("styles/sobre/print.css"), words, isolated=kind == "pipe")


@pytest.mark.process
def test_a_picture_of_the_css_that_is_a_pipe_is_refused_at_its_url(project: Project) -> None:
    css = project.root / "styles/sobre/theme.css"
    os.mkfifo(project.root / "styles/sobre/pipe.svg")
    css.write_text(css.read_text("utf-8") + "\n.x { background: url(pipe.svg); }\n", "utf-8")
    line = len(css.read_text("utf-8").splitlines())
    check_and_build(
        project,
        re.escape("styles/sobre/theme.css") + f":{line}:18",
        "styles/sobre/pipe.svg is a named pipe",
        isolated=True,
    )


def _font_line(project: Project) -> int:
    text = (project.root / "styles/fiches/theme.yaml").read_text("utf-8")
    return next(n for n, row in enumerate(text.splitlines(), 1) if "Lato-Black.ttf" in row)


def test_the_fonts_folder_linked_out_is_refused(project: Project, outside: Path) -> None:
    fonts = project.root / "fonts"
    shutil.move(fonts, outside / "fonts")
    fonts.symlink_to(outside / "fonts")
    check_and_build(
        project,
        re.escape("styles/fiches/theme.yaml") + rf":{_font_line(project)}:\d+",
        "fonts/lato/Lato-Black.ttf is in a folder that links outside the project",
    )


@pytest.mark.process
def test_the_fonts_folder_linked_to_the_root_is_refused_without_walking_the_machine(
    project: Project,
) -> None:
    """The digest of a build that may have nothing to do walked every file under `fonts/`:
    linked to /, the whole machine."""
    fonts = project.root / "fonts"
    shutil.rmtree(fonts)
    fonts.symlink_to("/")
    check_and_build(
        project,
        re.escape("styles/fiches/theme.yaml") + rf":{_font_line(project) - 4}:\d+",
        "fonts/lato/Lato-Regular.ttf",
        isolated=True,
    )


def test_a_font_linked_out_is_refused(project: Project, outside: Path) -> None:
    font = project.root / "fonts/lato/Lato-Black.ttf"
    shutil.move(font, outside / "Lato-Black.ttf")
    font.symlink_to(outside / "Lato-Black.ttf")
    check_and_build(
        project,
        re.escape("styles/fiches/theme.yaml") + rf":{_font_line(project)}:\d+",
        "points outside fonts/",
    )


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "folder", "dangling", "loop"])
def test_a_font_that_is_not_a_regular_file_is_refused(project: Project, kind: str) -> None:
    font = project.root / "fonts/lato/Lato-Black.ttf"
    font.unlink()
    words = make_special(font, kind)
    check_and_build(
        project,
        re.escape("styles/fiches/theme.yaml") + rf":{_font_line(project)}:\d+",
        f"fonts/lato/Lato-Black.ttf {words}",
        isolated=kind == "pipe",
    )


def test_a_logo_of_the_theme_linked_out_is_refused(project: Project, outside: Path) -> None:
    (outside / "mark.svg").write_text(f'<svg id="{SECRET}"/>', encoding="utf-8")
    folder = project.root / "styles/sobre"
    (folder / "mark.svg").symlink_to(outside / "mark.svg")
    settings = folder / "theme.yaml"
    settings.write_text(settings.read_text("utf-8") + "logos:\n  mark: mark.svg\n", "utf-8")
    line = len(settings.read_text("utf-8").splitlines())
    check_and_build(
        project, re.escape("styles/sobre/theme.yaml") + f":{line}:\\d+: logos.mark", "outside"
    )


def test_theme_settings_linked_out_are_refused_unread(project: Project, outside: Path) -> None:
    """Its keys are not told ("unknown key …" would say what the file holds)."""
    settings = project.root / "styles/sobre/theme.yaml"
    settings.unlink()
    settings.symlink_to(outside / "secret.yaml")
    check_and_build(
        project,
        re.escape("styles/sobre/theme.yaml") + ":1:1",
        "is a link to a file outside the project",
    )


def test_a_theme_folder_linked_out_is_refused(project: Project, outside: Path) -> None:
    theme = project.root / "styles/sobre"
    shutil.move(theme, outside / "sobre")
    theme.symlink_to(outside / "sobre")
    check_and_build(
        project,
        re.escape("styles/sobre/theme.yaml") + ":1:1",
        "is in a folder that links outside the project",
    )


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "folder", "dangling"])
def test_theme_settings_that_are_not_a_regular_file_are_refused(
    project: Project, kind: str
) -> None:
    settings = project.root / "styles/sobre/theme.yaml"
    settings.unlink()
    words = make_special(settings, kind)
    check_and_build(project, re.escape("styles/sobre/theme.yaml"), words, isolated=kind == "pipe")


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "folder", "dangling"])
def test_a_logo_of_the_series_that_is_not_a_regular_file_is_refused(
    project: Project, kind: str
) -> None:
    logo = project.sheets / "logos/communagir.svg"
    logo.unlink()
    words = make_special(logo, kind)
    line = next(
        n
        for n, row in enumerate(project.series_file.read_text("utf-8").splitlines(), 1)
        if "communagir.svg" in row
    )
    check_and_build(
        project,
        rf"sheets/series.yaml:{line}:\d+: publisher.logo",
        f"sheets/logos/communagir.svg {words}",
        isolated=kind == "pipe",
    )


# --- sheets --------------------------------------------------------------------------------


def make_special(path: Path, kind: str) -> str:
    """Make `path` something other than a regular file; what the error must say."""
    if kind == "pipe":
        os.mkfifo(path)
        return "is a named pipe, not a file"
    if kind == "folder":
        path.mkdir()
        return "is a folder, not a file"
    if kind == "dangling":
        path.symlink_to(path.with_name("nowhere"))
        return "is a link to nothing"
    if kind == "loop":
        path.symlink_to(path.name)
        return "is a link that leads back to itself"
    if kind == "device":
        try:
            os.mknod(path, 0o644 | 0o020000, os.makedev(1, 5))  # the machine's /dev/zero
        except (PermissionError, AttributeError):
            pytest.skip("no device can be made here")
        return "is a device, not a file"
    if kind == "device-link":
        path.symlink_to("/dev/zero")
        return "is a link to a file outside the project"
    raise AssertionError(kind)


KINDS = ["pipe", "folder", "dangling", "loop", "device", "device-link"]


@pytest.mark.process
@pytest.mark.parametrize("kind", KINDS)
def test_a_sheet_that_is_not_a_regular_file_is_an_error_in_check_and_build(
    project: Project, kind: str
) -> None:
    """A pipe named 05-x.yaml kept check waiting forever; a folder, a dangling link or a link
    to /dev/zero made build say that everything is up to date while check failed."""
    words = make_special(project.sheets / "05-x.yaml", kind)
    check_and_build(
        project,
        r"sheets/05-x\.yaml(:1:1)?",
        words,
        isolated=kind in ("pipe", "device", "device-link"),
    )


@pytest.mark.process
@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_sheet_that_would_block_is_an_error_with_an_empty_build_folder(
    project: Project, kind: str
) -> None:
    shutil.rmtree(project.root / "build")
    (project.sheets / "03-strategie-globale.yaml").unlink()
    words = make_special(project.sheets / "05-x.yaml", kind)
    for command in ("check", "build"):
        ran = (
            spawn(command, "-j", "1", "--project", str(project.root))
            if command == "build"
            else (spawn(command, "--project", str(project.root)))
        )
        refused(ran, r"sheets/05-x\.yaml", words)


def test_a_sheet_named_on_the_command_line_through_a_link_out_is_refused_unread(
    project: Project, outside: Path
) -> None:
    """`check sheets/link.yaml` followed the link before looking: the keys of the file it
    leads to were told (unknown key …)."""
    link = project.sheets / "06-link.yaml"
    link.symlink_to(outside / "secret.yaml")
    for command in ("check", "build"):
        args = [command, "--project", str(project.root), str(link)]
        ran = invoke(*args)
        refused(ran, r"sheets/06-link\.yaml:1:1", "is a link to a file outside the project")


def test_the_logos_folder_linked_out_is_refused(project: Project, outside: Path) -> None:
    """The series' logos in a folder linked elsewhere: what is in it lies outside."""
    logos = project.sheets / "logos"
    shutil.move(logos, outside / "logos")
    logos.symlink_to(outside / "logos")
    line = next(
        n
        for n, row in enumerate(project.series_file.read_text("utf-8").splitlines(), 1)
        if "communagir.svg" in row
    )
    check_and_build(project, rf"sheets/series.yaml:{line}:\d+: publisher.logo", "outside")


# --- read permission ------------------------------------------------------------------------


@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make the system refuse to open one file, as it does for a user without read
    permission: `os.open`, `io.open` and `open` raise PermissionError for it."""

    def denying(target: Path) -> None:
        real = os.path.realpath(target)

        def forbidden(file: Any) -> bool:
            return isinstance(file, (str, bytes, os.PathLike)) and (
                os.path.realpath(os.fsdecode(file)) == real
            )

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def opening(file: Any, *args: Any, **kwargs: Any) -> Any:
                if forbidden(file):
                    raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(file))
                return original(file, *args, **kwargs)

            return opening

        monkeypatch.setattr(os, "open", wrap(os.open))
        monkeypatch.setattr(io, "open", wrap(io.open))
        monkeypatch.setattr(builtins, "open", wrap(builtins.open))

    return denying


def test_the_denial_is_the_one_the_system_makes(
    project: Project, deny: Callable[[Path], None]
) -> None:
    """What the tests below rely on: every way of opening the file fails as it would."""
    path = project.sheets / "03-strategie-globale.yaml"
    deny(path)
    for opening in (
        path.read_bytes,
        lambda: open(path, "rb"),  # noqa: PTH123, SIM115
        lambda: os.open(path, os.O_RDONLY),
    ):
        with pytest.raises(PermissionError):
            opening()


UNREADABLE = {
    "sheet": ("sheets/03-strategie-globale.yaml", r"sheets/03-strategie-globale\.yaml"),
    "series-logo": ("sheets/logos/communagir.svg", r"sheets/series\.yaml:\d+:\d+: publisher.logo"),
    "font": ("fonts/lato/Lato-Black.ttf", r"styles/fiches/theme\.yaml:\d+:\d+: fonts\[4\]\.file"),
    "template": (ARTICLE, re.escape(ARTICLE)),
    "stylesheet": ("styles/sobre/theme.css", r"styles/sobre/theme\.css"),
    "picture-of-the-css": ("styles/fiches/leader.svg", r"styles/fiches/collection\.css:\d+:\d+"),
    "theme-settings": ("styles/sobre/theme.yaml", r"styles/sobre/theme\.yaml"),
}


@pytest.mark.parametrize("name,place", UNREADABLE.values(), ids=list(UNREADABLE))
def test_a_file_without_read_permission_is_an_error_at_its_place(
    project: Project, deny: Callable[[Path], None], name: str, place: str
) -> None:
    """A PermissionError traceback before; now one line, in check and in build."""
    deny(project.root / name)
    check_and_build(project, place, "permission denied")


# --- what WeasyPrint fetches while a build renders ---------------------------------------------


def _fetch_apart(fetch: Callable[[], Any]) -> BaseException | None:
    """Run `fetch` in a thread; fail if it has not ended after a few seconds (a blocked open
    stays in its thread, which does not keep the tests from ending)."""
    import threading

    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            fetch()
            outcome.append(None)
        except BaseException as error:  # handed to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        pytest.fail("the fetch still waits after 10 s")
    return outcome[0]


@pytest.mark.parametrize("kind", ["pipe", "folder", "loop", "device"])
def test_the_sandbox_never_opens_what_is_not_a_regular_file(project: Project, kind: str) -> None:
    """The last gate, for what no check names in advance (a picture of an imported stylesheet):
    WeasyPrint is handed a refusal, never a pipe to wait on or a device to read without end."""
    from fichepress.pdf.write import Refused, SandboxFetcher

    path = project.root / "styles/sobre/thing.svg"
    words = make_special(path, kind)
    fetcher = SandboxFetcher(project.readable, project.root)
    error = _fetch_apart(lambda: fetcher.fetch(path.as_uri()))
    assert isinstance(error, Refused), error
    assert str(error).startswith(f'refused "styles/sobre/thing.svg": {words}'), error


def test_the_sandbox_tells_a_file_without_read_permission(
    project: Project, deny: Callable[[Path], None]
) -> None:
    from fichepress.pdf.write import Refused, SandboxFetcher

    path = project.root / "styles/fiches/leader.svg"
    deny(path)
    fetcher = SandboxFetcher(project.readable, project.root)
    with pytest.raises(Refused) as refused:
        fetcher.fetch(path.as_uri())
    assert str(refused.value).startswith(
        'refused "styles/fiches/leader.svg": cannot be read: permission denied'
    )


def test_the_sandbox_refuses_a_readable_folder_linked_out(project: Project, outside: Path) -> None:
    """The allowed folders are not resolved: `fonts/` linked elsewhere is outside."""
    from fichepress.pdf.write import Refused, SandboxFetcher

    fonts = project.root / "fonts"
    shutil.move(fonts, outside / "fonts")
    fonts.symlink_to(outside / "fonts")
    fetcher = SandboxFetcher(project.readable, project.root)
    with pytest.raises(Refused, match="builds only read files in"):
        fetcher.fetch((fonts / "lato/Lato-Black.ttf").as_uri())
