"""The sandbox, audited: during a build, no file outside the project (and Python's own files) is
opened, and no socket is made, whatever the sheets and the theme ask for.

The build runs in a process of its own with an audit hook (PEP 578) that records every `open`
and every socket event; `-j 1` keeps the rendering in that process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fichepress.core.project import installed_folder

from .conftest import ROOT, copy_project

PROBE = """
import json, sys
opened, sockets = [], []

def audit(event, args):
    if event == "open":
        opened.append(str(args[0]))
    elif event.startswith("socket."):
        sockets.append(event)

sys.addaudithook(audit)
from fichepress.cli import main
try:
    main(sys.argv[1:])
except SystemExit as end:
    code = end.code
print(json.dumps({"opened": opened, "sockets": sockets, "code": code}), file=sys.stderr)
"""


# Builds in a process of its own, watched by an audit hook.
pytestmark = [pytest.mark.e2e, pytest.mark.process]


def audited_build(project: Path) -> tuple[int, list[str], list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "build", "-j", "1", "-q", "--project", str(project)],
        capture_output=True,
        text=True,
    )
    *said, last = done.stderr.strip().splitlines()
    found = json.loads(last)
    return int(found["code"] or 0), found["opened"], found["sockets"], "\n".join(said)


def outside(opened: list[str], project: Path) -> list[str]:
    """The files opened that are neither the project's nor Python's (the interpreter, the
    packages, fichepress itself); numbers are pipes of subprocesses."""
    allowed = [project.resolve(), Path(sys.prefix), Path(sys.base_prefix), ROOT / "src"]
    allowed += [Path(p) for p in sys.path if p and Path(p).is_dir() and "site-packages" in p]
    return sorted(
        {
            name
            for name in opened
            if not name.isdigit()
            and name != "/dev/null"
            and not any(Path(name).resolve().is_relative_to(root) for root in allowed)
        }
    )


def test_a_build_opens_nothing_outside_the_project_and_no_socket(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ["01-partir-du-territoire.yaml"]).root
    sheet = project / "sheets" / "01-partir-du-territoire.yaml"
    # Links to elsewhere are links: printed, never fetched.
    text = sheet.read_text(encoding="utf-8")
    text = text.replace("https://example.org/portrait-en-cinq-etapes", "http://127.0.0.1:9/", 1)
    sheet.write_text(text, encoding="utf-8")
    code, opened, sockets, said = audited_build(project)
    assert code == 0, said
    assert any(name.endswith("01-partir-du-territoire.yaml") for name in opened)
    assert any(name.endswith(".ttf") for name in opened)  # the fonts, from fonts/
    assert outside(opened, project) == []
    assert sockets == []
    assert not list((project / "build").glob(".fonts-*"))  # WeasyPrint's copies, removed


def test_a_theme_that_asks_for_the_machine_and_the_web_gets_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", ["01-partir-du-territoire.yaml"]).root
    css = project / "styles" / "fiches" / "theme.css"
    css.write_text(
        css.read_text(encoding="utf-8")
        + '@import url("https://example.org/x.css");\n'
        + ".a { background: url(file:///etc/hostname); }\n"
        + ".b { background: url(../../../../../../etc/hostname); }\n",
        encoding="utf-8",
    )
    code, opened, sockets, said = audited_build(project)
    assert code == 1
    assert "styles/fiches/theme.css:" in said and "https://example.org/x.css" in said
    assert outside(opened, project) == [] and sockets == []


def test_the_installed_theme_is_read_and_nothing_else_beyond_the_project(tmp_path: Path) -> None:
    """A project without styles/fiches nor fonts/ builds with the theme installed with
    fichepress: its files and fonts are read (part of fichepress), nothing else outside."""
    project = copy_project(tmp_path / "project", ["01-partir-du-territoire.yaml"]).root
    shutil.rmtree(project / "styles")
    shutil.rmtree(project / "fonts")
    code, opened, sockets, said = audited_build(project)
    assert code == 0, said
    installed = installed_folder()
    assert installed is not None
    roots = [installed / "styles", installed / "fonts"]
    used = {name for name in opened if any(Path(name).is_relative_to(r) for r in roots)}
    assert any(name.endswith("lato/Lato-Regular.ttf") for name in used)
    assert any(name.endswith("fiches/theme.css") for name in used)
    assert [name for name in outside(opened, project) if name not in used] == []
    assert sockets == []
