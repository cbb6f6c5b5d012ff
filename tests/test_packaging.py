"""What a user installs: the dependencies the code imports, the one list of system packages (read
by CI, the Containerfile and the workflow `init` writes), the wheel `make dist` builds, and the
container image."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from fichepress import __version__
from fichepress.scaffold.integrations import WORKFLOW_PATH, integration_files, read_packages

from .conftest import ROOT

PACKAGES = ROOT / "src" / "fichepress" / "data" / "system-packages.txt"
TEST_PACKAGES = ROOT / ".ci" / "test-packages.txt"
CONTAINERFILE = ROOT / "Containerfile"

# --- the imports of the code and the declared dependencies -----------------------------------

IMPORT_OF = {
    "pikepdf": "pikepdf",
    "weasyprint": "weasyprint",
    "jinja2": "jinja2",
    "pyyaml": "yaml",
    "click": "click",
    "pydantic": "pydantic",
    "markdown-it-py": "markdown_it",
    "tinycss2": "tinycss2",
    "watchfiles": "watchfiles",
    "segno": "segno",
    "pypdfium2": "pypdfium2",
    "pillow": "PIL",
}
"""The import name of each runtime dependency (by its distribution's name)."""

PROVIDED_BY = {
    "fontTools": ("fonttools", "weasyprint"),
    "tinyhtml5": ("tinyhtml5", "weasyprint"),
    "markupsafe": ("markupsafe", "jinja2"),
    "pydantic_core": ("pydantic-core", "pydantic"),
}
"""Imports of packages that a runtime dependency requires (import: distribution, required by)."""


def _name(requirement: str) -> str:
    """A requirement's distribution name, normalised (PEP 503)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]  # type: ignore[no-any-return]


def runtime_dependencies() -> set[str]:
    return {_name(r) for r in _pyproject()["dependencies"]}  # type: ignore[attr-defined]


def dev_dependencies() -> set[str]:
    extras = _pyproject()["optional-dependencies"]
    return {_name(r) for r in extras["dev"]}  # type: ignore[index]


def imported_packages(folder: Path) -> dict[str, list[str]]:
    """Each top-level package the modules of `folder` import (inside functions too, relative
    imports left out): the places that import it, as `file:line`."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], []).append(f"{path}:{node.lineno}")
    return found


def undeclared_imports(folder: Path) -> list[str]:
    """What the modules of `folder` import that an installation of fichepress may lack: a
    package only in the [dev] extras, or in no declared dependency."""
    runtime, dev = runtime_dependencies(), dev_dependencies()
    declared = {IMPORT_OF[name]: name for name in runtime if name in IMPORT_OF}
    problems = []
    for package, places in imported_packages(folder).items():
        if package in sys.stdlib_module_names or package == "fichepress":
            continue
        if package in declared:
            continue
        if package in PROVIDED_BY and PROVIDED_BY[package][1] in runtime:
            continue
        distributions = {_name(d) for d in metadata.packages_distributions().get(package, [])}
        where = "only in the [dev] extras" if distributions & dev else "in no dependency"
        problems.append(f"{package} ({', '.join(places)}) is {where} of pyproject.toml")
    return problems


def test_every_import_of_the_code_is_a_runtime_dependency() -> None:
    assert undeclared_imports(ROOT / "src" / "fichepress") == []


def test_pypdf_is_for_the_tests_only() -> None:
    assert "pypdf" not in runtime_dependencies()
    assert "pypdf" in dev_dependencies()
    assert "pypdf" in imported_packages(ROOT / "tests")


def test_an_import_of_a_test_library_in_the_code_is_caught(tmp_path: Path) -> None:
    (tmp_path / "reading.py").write_text("def pages():\n    import pypdf.generic\n")
    (tmp_path / "other.py").write_text("from requests import get\nimport json, yaml\n")
    assert undeclared_imports(tmp_path) == [
        f"requests ({tmp_path / 'other.py'}:1) is in no dependency of pyproject.toml",
        f"pypdf ({tmp_path / 'reading.py'}:2) is only in the [dev] extras of pyproject.toml",
    ]


def test_the_import_names_are_those_the_installed_distributions_give() -> None:
    """IMPORT_OF and PROVIDED_BY say what the installed packages' own metadata says, and every
    runtime dependency has its import name here."""
    assert set(IMPORT_OF) == runtime_dependencies()
    owners = metadata.packages_distributions()
    for distribution, package in IMPORT_OF.items():
        assert distribution in {_name(d) for d in owners[package]}, package
    for package, (distribution, required_by) in PROVIDED_BY.items():
        assert distribution in {_name(d) for d in owners[package]}, package
        requires = [r for r in metadata.requires(required_by) or [] if "extra ==" not in r]
        assert distribution in {_name(r) for r in requires}, (package, required_by)


# --- the one list of system packages ---------------------------------------------------------


def test_the_system_packages_are_weasyprints_libraries() -> None:
    packages = read_packages(PACKAGES.read_text(encoding="utf-8"))
    assert packages == [
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz0b",
        "libharfbuzz-subset0",
        "fontconfig",
    ]
    added = read_packages(TEST_PACKAGES.read_text(encoding="utf-8"))
    assert {"poppler-utils", "chromium", "chromium-driver"} <= set(added)
    assert not set(added) & set(packages)


@pytest.mark.process
def test_ci_installs_the_two_lists_and_names_no_package_itself() -> None:
    """`.ci/run`'s install command, run with `echo` in place of `apt-get install`."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [function] = re.findall(r"^packages\(\) \{.*\}$", ci, re.MULTILINE)
    command = re.search(r"^apt-get install (.*?)>/dev/null$", ci, re.MULTILINE | re.DOTALL)
    assert command, ci
    arguments = command.group(1).replace("\\\n", " ")
    assert "src/fichepress/data/system-packages.txt" in arguments
    script = f"set -euo pipefail\n{function}\necho {arguments}\n"
    said = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    listed = read_packages(PACKAGES.read_text("utf-8") + TEST_PACKAGES.read_text("utf-8"))
    assert [w for w in said.stdout.split() if not w.startswith("-")] == listed


def _workflow_apt_packages() -> list[str]:
    workflow = yaml.safe_load(integration_files()[WORKFLOW_PATH])
    [job] = workflow["jobs"].values()
    [install] = [s["run"] for s in job["steps"] if "apt-get install" in s.get("run", "")]
    words = shlex.split(install.split("apt-get install", 1)[1])
    return [word for word in words if not word.startswith("-")]


def test_the_workflow_of_init_installs_the_list() -> None:
    assert _workflow_apt_packages() == read_packages(PACKAGES.read_text(encoding="utf-8"))


def _instructions(text: str) -> list[tuple[str, str]]:
    """A Containerfile's instructions: (keyword, arguments), continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (keyword.upper(), arguments.strip())
        for keyword, arguments in re.findall(r"^\s*(\w+)\s+(.*)$", joined, re.MULTILINE)
    ]


def test_the_containerfiles_stages_take_files_that_exist() -> None:
    instructions = _instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    stages: list[str] = []
    copied = []
    for keyword, arguments in instructions:
        if keyword == "FROM":
            words = arguments.split()
            assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", words[0]), arguments
            stages.append(words[2] if len(words) == 3 and words[1].upper() == "AS" else "")
        elif keyword == "COPY":
            *sources, _target = arguments.split()
            if sources[0].startswith("--from="):
                assert sources[0].removeprefix("--from=") in stages[:-1], arguments
                continue
            for source in sources:
                assert (ROOT / source).exists(), f"the Containerfile copies {source}: missing"
                copied.append(source.rstrip("/"))
    assert len(stages) == 2 and stages[0]
    # the wheel's build has what it reads: pyproject's backend, readme and package files
    project = _pyproject()
    assert {"pyproject.toml", "tools/build_backend.py", project["readme"], "src"} <= set(copied)
    assert {"styles/fiches", "fonts/lato"} <= set(copied)  # the theme the wheel carries
    assert ("WORKDIR", "/project") in instructions
    assert ("ENTRYPOINT", '["fichepress"]') in instructions


@pytest.mark.process
def test_the_containerfile_installs_exactly_the_list(tmp_path: Path) -> None:
    """The Containerfile's RUN line that installs the system packages, run with an `apt-get`
    (and an `rm`) that only write down what they are asked."""
    instructions = _instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    [(_, target)] = [
        (k, a.split()[-1]) for k, a in instructions if k == "COPY" and "system-packages" in a
    ]
    [run] = [a for k, a in instructions if k == "RUN" and "apt-get install" in a]
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls"
    for program in ("apt-get", "rm"):
        script = fake / program
        script.write_text(f'#!/bin/sh\necho "{program} $*" >> "{calls}"\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    command = run.replace(target, shlex.quote(str(PACKAGES)))
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    subprocess.run(["/bin/sh", "-c", command], env=env, check=True)
    said = calls.read_text(encoding="utf-8").splitlines()
    installs = [line.split() for line in said if line.startswith("apt-get install")]
    assert said[0] == "apt-get update" and len(installs) == 1
    assert [w for w in installs[0][2:] if not w.startswith("-")] == read_packages(
        PACKAGES.read_text(encoding="utf-8")
    )
    assert not [name for name in read_packages(PACKAGES.read_text("utf-8")) if name in run]


def _container_tool() -> str | None:
    for tool in ("podman", "docker"):
        if shutil.which(tool):
            info = subprocess.run([tool, "info"], capture_output=True, timeout=60)
            if info.returncode == 0:
                return tool
    return None


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.slow
def test_the_image_builds_and_builds_a_new_series(tmp_path: Path) -> None:
    """Where podman or Docker can run containers: the image is built, says its version and
    builds the project `init` makes."""
    tool = _container_tool()
    if tool is None:
        pytest.skip("neither podman nor docker can run containers here")
    tag = f"fichepress-test:{__version__}"
    build = [tool, "build", "-q", "-t", tag, "-f", str(CONTAINERFILE), str(ROOT)]
    subprocess.run(build, check=True, timeout=1800)
    version = subprocess.run(
        [tool, "run", "--rm", tag, "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in version.stdout
    user = ["--user", f"{os.getuid()}:{os.getgid()}"] if tool == "docker" else []
    mount = ["-v", f"{tmp_path}:/project"]
    run = [tool, "run", "--rm", *user, *mount, tag]
    subprocess.run([*run, "init", "serie", "--organisation", "Conteneur"], check=True)
    mount = ["-v", f"{tmp_path / 'serie'}:/project"]
    built = subprocess.run(
        [tool, "run", "--rm", *user, *mount, tag, "build", "--strict"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert len(list((tmp_path / "serie" / "build").glob("*/*.pdf"))) == 4


# --- make dist -------------------------------------------------------------------------------


@pytest.mark.process
def test_make_dist_needs_neither_the_venv_nor_the_dev_extras() -> None:
    plan = subprocess.run(
        ["make", "-n", "dist", "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ".[dev]" not in plan.stdout and "nonexistent-venv" not in plan.stdout, plan.stdout
    assert "installing fichepress" not in plan.stdout
    assert re.search(r"-m pip wheel .*--no-deps .*-w dist \.$", plan.stdout, re.MULTILINE)
    assert "--no-build-isolation" not in plan.stdout
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    prerequisites = re.search(r"^dist:(.*)$", makefile, re.MULTILINE)
    assert prerequisites and "venv" not in prerequisites.group(1)


@pytest.mark.process
@pytest.mark.slow
def test_make_dist_builds_the_wheel_in_a_clean_clone(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    made = subprocess.run(
        ["make", "dist", f"PYTHON={sys.executable}"],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert [p.name for p in (clone / "dist").iterdir()] == [
        f"fichepress-{__version__}-py3-none-any.whl"
    ]
    assert not (clone / ".venv").exists()
