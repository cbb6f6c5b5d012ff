"""The newcomer's path, from the wheel to the printer, as the README tells it: a fresh virtual
environment with only the wheel (and its dependencies), `init`, `new`, a short sheet of one's
own, `make sheets` green with its advice printed, a colour of the organisation's theme changed,
and Ctrl-C during a build: one line, exit code 130, the PDFs of the earlier build kept whole.

It installs fichepress's dependencies from the package registry: slow, and run by `make test`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

import pikepdf
import pytest

from .conftest import ROOT

SHORT_SHEET = """schema_version: 1
number: 2
title: Une fiche courte
kicker: Ce que la fiche apporte, en une phrase.
body:
  - paragraph: Un premier paragraphe, qui dit **l'essentiel** en peu de mots.
  - heading: Un intertitre
  - paragraph: Un second paragraphe, plus court encore.
  - quote: Une citation à mettre en valeur.
"""

DEEP = "cmyk 100 70 20 40 / rgb #1d3557"
"""The swatch `deep` of the installed theme fiches, as the organisation's theme shows it."""
NEW_DEEP = "cmyk 0 100 0 30 / rgb #7a0044"


def _install_the_wheel(tmp_path: Path) -> Path:
    """The wheel `make dist` makes, installed with its dependencies in a new virtual
    environment; its `fichepress` program."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    [wheel] = dist.glob("fichepress-*.whl")
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=900,
    )
    where = subprocess.run(
        [python, "-c", "import fichepress, json; print(json.dumps(fichepress.__file__))"],
        cwd=tmp_path,
        env=_clean(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in json.loads(where.stdout)  # not this repository's copy
    return env_dir / "bin" / "fichepress"


def _clean() -> dict[str, str]:
    """The environment of a user's shell: nothing that points into this repository."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(arguments: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        arguments, cwd=cwd, env=_clean(), capture_output=True, text=True, timeout=600
    )


FILLS = {"k": 4, "rg": 3, "sc": 0, "scn": 0}
"""The operators that set a fill colour, and their number of operands (0: as its colour
space says; WeasyPrint writes `/DeviceCMYK cs … scn`)."""


def _fills(pdf: Path, inks: int) -> set[tuple[float, ...]]:
    """Every fill colour of `inks` components (4: CMYK, 3: RGB) that the PDF's pages and the
    forms they draw set, rounded to 3 places."""
    found: set[tuple[float, ...]] = set()
    with pikepdf.open(pdf) as document:
        seen: set[tuple[int, int]] = set()

        def read(holder: pikepdf.Object) -> None:
            for instruction in pikepdf.parse_content_stream(holder):
                if not isinstance(instruction, pikepdf.ContentStreamInstruction):
                    continue
                operands = instruction.operands
                if str(instruction.operator) in FILLS and len(operands) == inks:
                    found.add(tuple(round(float(v), 3) for v in operands))  # int, Decimal
            resources: pikepdf.Object = holder.get("/Resources", pikepdf.Dictionary())
            for xobject in dict(resources.get("/XObject", pikepdf.Dictionary())).values():
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    read(xobject)

        for page in document.pages:
            read(page.obj)
    return found


def _digests(out: Path) -> dict[str, str]:
    """The PDFs a user is given (each variant's folder), by path: their SHA-256."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted([*out.glob("print/*.pdf"), *out.glob("accessible/*.pdf")])
    }


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.slow
def test_a_newcomer_goes_from_the_wheel_to_the_printer(tmp_path: Path) -> None:
    fichepress = _install_the_wheel(tmp_path)

    # init: a project of its own, outside the repository, with nothing of fichepress copied
    made = _run([fichepress, "init", "serie", "--organisation", "Quartier Nord"], tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    project = tmp_path / "serie"
    assert not (project / "styles" / "fiches").exists() and not (project / "fonts").exists()

    # new: a sheet in the series' language only, with the schema version init writes
    new = _run([fichepress, "new", "Une fiche courte"], project)
    assert new.returncode == 0, new.stdout + new.stderr
    [sheet] = project.glob("sheets/02-*.yaml")
    template = sheet.read_text(encoding="utf-8")
    assert "\nschema_version: 1\n" in template
    assert "[À COMPLÉTER]" in template and "TO COMPLETE" not in template
    assert "TO COMPLETE" not in new.stdout + new.stderr
    unfinished = _run([fichepress, "check"], project)
    assert unfinished.returncode == 1 and "[À COMPLÉTER]" in unfinished.stderr

    # a short sheet of one's own: make sheets is green, the half-empty page told as advice
    sheet.write_text(SHORT_SHEET, encoding="utf-8")
    built = _run(["make", "sheets", f"FICHEPRESS={fichepress}"], project)
    assert built.returncode == 0, built.stdout + built.stderr
    advice = [line for line in built.stderr.splitlines() if line.startswith("advice: ")]
    assert any(
        re.match(rf"advice: sheets/{sheet.name}:\d+:\d+: body\[\d\]: page 1 is only \d+% filled", a)
        for a in advice
    ), built.stderr
    assert "error" not in built.stderr and "warning:" not in built.stderr, built.stderr
    # the last line of fichepress (make, itself run by make, may add its own lines)
    [last] = [line for line in built.stdout.splitlines() if line.startswith(("ok:", "failed:"))]
    assert last.startswith("ok: 2 sheets, 6 PDFs written to build/") and "advice)" in last, last
    out = project / "build"
    print_pdf, accessible_pdf = (out / v / f"{sheet.stem}.pdf" for v in ("print", "accessible"))
    assert (0.0, 1.0, 0.0, 0.3) not in _fills(print_pdf, 4)

    # the organisation's colour: the swatch the theme shows, uncommented and changed
    theme_file = project / "styles" / "quartier-nord" / "theme.yaml"
    theme = theme_file.read_text(encoding="utf-8")
    [shown] = [line for line in theme.splitlines() if line.startswith("#   deep:")]
    assert DEEP in shown
    theme_file.write_text(
        theme.replace("# swatches:\n", "swatches:\n").replace(
            shown, shown.replace("#   ", "  ").replace(DEEP, NEW_DEEP)
        ),
        encoding="utf-8",
    )
    before = _digests(out)
    rebuilt = _run(["make", "sheets", f"FICHEPRESS={fichepress}"], project)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    after = _digests(out)
    assert set(after) == set(before) and all(after[p] != before[p] for p in after)
    assert (0.0, 1.0, 0.0, 0.3) in _fills(print_pdf, 4)  # the new deep, in CMYK ink
    assert (0.478, 0.0, 0.267) in _fills(accessible_pdf, 3)  # and as RGB on screens

    # Ctrl-C during a build: one line, exit code 130, every PDF whole (new, or the earlier one)
    sheet.write_text(SHORT_SHEET.replace("peu de mots", "très peu de mots"), encoding="utf-8")
    good = _digests(out)
    process = subprocess.Popen(
        [fichepress, "build", "-j", "2"],
        cwd=project,
        env={**_clean(), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 120
        while _digests(out) == good:  # until the first new PDF is in place
            assert process.poll() is None, "the build ended before it was interrupted"
            assert time.monotonic() < deadline, "no PDF rewritten in time"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (process.returncode, err.splitlines()) == (130, ["interrupted; earlier PDFs kept"])
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    now = _digests(out)
    assert set(now) == set(good)
    for name in now:
        with pikepdf.open(out / name) as document:
            assert len(document.pages) >= 1, name
    # the next build finishes what was interrupted
    finished = _run([fichepress, "build", "--strict"], project)
    assert finished.returncode == 0, finished.stdout + finished.stderr
