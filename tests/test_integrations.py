"""What `fichepress init` writes for the tools around a series (a GitHub Actions workflow, a
pre-commit hook, VS Code's schema settings), this repository's pre-commit hook, and the GitLab CI
text the README gives."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_config, load_manifest  # type: ignore[import-untyped]

from fichepress import __version__
from fichepress.scaffold.integrations import WORKFLOW_PATH, integration_files, system_packages
from fichepress.scaffold.skeleton import init_project
from fichepress.source.schema import MODELINES

from .conftest import ROOT


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(integration_files()[WORKFLOW_PATH])
    assert isinstance(loaded, dict)
    return loaded


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    """The steps of the workflow's one job, after checking the shape GitHub Actions requires."""
    # YAML 1.1 (PyYAML) reads the key `on` as true; GitHub reads it as "on".
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict) and {"push", "pull_request"} <= set(triggers)
    assert isinstance(workflow["name"], str)
    [(job_id, job)] = workflow["jobs"].items()
    assert re.fullmatch(r"[A-Za-z_][\w-]*", job_id)
    assert job["runs-on"] == "ubuntu-latest"
    assert set(job) <= {"runs-on", "steps", "name", "timeout-minutes", "env"}
    steps = job["steps"]
    assert isinstance(steps, list) and steps
    for step in steps:
        assert isinstance(step, dict)
        assert set(step) <= {"name", "uses", "run", "with", "if", "env", "id"}, step
        assert ("uses" in step) != ("run" in step), step  # one or the other
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step
        else:
            assert isinstance(step["run"], str) and "with" not in step
    return steps


def test_the_workflow_builds_strictly_and_keeps_the_pdfs() -> None:
    steps = _steps(_workflow())
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    runs = [step.get("run", "") for step in steps]
    assert uses[0] == "actions/checkout"
    setup = steps[uses.index("actions/setup-python")]
    assert re.fullmatch(r"3\.1[1-9]", setup["with"]["python-version"])
    [apt] = [run for run in runs if "apt-get install" in run]
    words = shlex.split(apt.split("apt-get install", 1)[1])
    assert [word for word in words if not word.startswith("-")] == system_packages()
    [pip] = [run for run in runs if "pip install" in run]
    assert shlex.split(pip)[-1] == f"fichepress=={__version__}"
    build = runs.index("fichepress build --strict")
    assert runs.index(apt) < runs.index(pip) < build
    upload = steps[uses.index("actions/upload-artifact")]
    assert uses.index("actions/upload-artifact") > build
    assert upload["with"]["path"] == "build/**/*.pdf"
    assert "cancelled()" in upload["if"]  # the PDFs are kept when the build finds a problem too


def test_the_shape_check_of_the_workflow_catches_a_mistake() -> None:
    workflow = _workflow()
    [job] = workflow["jobs"].values()
    job["steps"][0]["run"] = "echo both"
    with pytest.raises(AssertionError):
        _steps(workflow)


def _sheets(folder: Path) -> dict[str, str]:
    """Each YAML file of a project's `sheets/`, by path: the schema its first line names."""
    named: dict[str, str] = {}
    for path in sorted((folder / "sheets").glob("*.yaml")):
        modeline = path.read_text(encoding="utf-8").splitlines()[0]
        [kind] = [kind for kind, line in MODELINES.items() if line == modeline]
        named[path.relative_to(folder).as_posix()] = kind
    return named


def _schemas_of(patterns: dict[str, list[str]], path: str) -> list[str]:
    """The schemas VS Code's YAML extension gives a file: those whose patterns match it last
    with an including pattern (a pattern starting with `!` excludes)."""
    chosen = []
    for schema, globs in patterns.items():
        matched = False
        for glob in globs:
            if fnmatchcase(path, glob.removeprefix("!")):
                matched = not glob.startswith("!")
        if matched:
            chosen.append(schema)
    return chosen


def test_vscode_gives_each_file_of_init_the_schema_of_its_first_line(tmp_path: Path) -> None:
    folder = tmp_path / "serie"
    written = {p.relative_to(folder).as_posix() for p in init_project(folder, "Fiches", "Org")}
    settings = json.loads((folder / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    patterns = settings["yaml.schemas"]
    for schema in patterns:
        assert schema.startswith("./") and schema[2:] in written, schema
    sheets = _sheets(folder)
    assert sorted(sheets.values()) == ["series", "sheet"]
    for path, kind in sheets.items():
        [schema] = _schemas_of(patterns, path)
        assert schema.endswith(f"/{kind}.schema.json"), (path, schema)
    assert _schemas_of(patterns, "sheets/42-une-autre.yaml") == [
        "./sheets/schema/sheet.schema.json"
    ]
    extensions = json.loads((folder / ".vscode" / "extensions.json").read_text("utf-8"))
    assert extensions["recommendations"] == ["redhat.vscode-yaml"]
    for name in (WORKFLOW_PATH, ".pre-commit-config.yaml"):
        assert name in written


def _hook(config: dict[str, Any]) -> dict[str, Any]:
    [repo] = config["repos"]
    [hook] = repo["hooks"]
    assert isinstance(hook, dict)
    return hook


def test_the_hook_of_init_and_the_hook_of_this_repository_agree(tmp_path: Path) -> None:
    """Both are read by pre-commit's own loaders, which check them as pre-commit would."""
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(integration_files()[".pre-commit-config.yaml"], encoding="utf-8")
    local = _hook(load_config(str(config)))
    assert load_config(str(config))["repos"][0]["repo"] == "local"
    [shared] = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    for hook in (local, shared):
        assert hook["id"] == "fichepress-check"
        assert hook["entry"] == "fichepress check" and hook["pass_filenames"] is False
        files = re.compile(hook["files"])
        assert files.search("sheets/01-a.yaml") and files.search("styles/x/theme.css")
        assert files.search("fonts/lato/Lato-Regular.woff2")
        assert not files.search("README.md") and not files.search("build/print/01-a.pdf")
    # the fichepress the authors installed: `system`, which pre-commit 4.4 and later call
    # `unsupported` (and still read as `system`, as earlier versions need it written)
    assert local["language"] in {"system", "unsupported"}
    assert "language: system" in config.read_text(encoding="utf-8")
    assert shared["language"] == "python"  # pre-commit installs fichepress from this repository
    assert shared["files"] == local["files"]


@pytest.mark.process
def test_pre_commit_runs_fichepress_check_on_a_new_series(tmp_path: Path) -> None:
    """In a series made by `init` and committed, pre-commit (offline: the hook is local) passes,
    then stops a sheet with a mistake and says where it is."""
    folder = tmp_path / "serie"
    init_project(folder, "Fiches", "Org")
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "LC_ALL": "C.UTF-8",
    }
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "series"]):
        subprocess.run([*git, *command], cwd=folder, env=env, check=True)
    hooks = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    passed = subprocess.run(hooks, cwd=folder, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^fichepress check\.+Passed$", passed.stdout, re.MULTILINE)
    sheet = folder / "sheets" / "01-une-premiere-fiche.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("\nnumber: 1\n", "\n  number: 1\n"), encoding="utf-8")
    failed = subprocess.run(hooks, cwd=folder, env=env, capture_output=True, text=True)
    assert failed.returncode != 0
    assert re.search(r"^fichepress check\.+Failed$", failed.stdout, re.MULTILINE)
    assert re.search(r"sheets/01-une-premiere-fiche\.yaml:\d+:\d+", failed.stdout), failed.stdout


@pytest.mark.process
@pytest.mark.slow
def test_another_series_takes_the_hook_from_this_repository(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs fichepress from this repository (language: python) into
    an environment of its own, and its hook checks a series made by `init`."""
    folder = tmp_path / "serie"
    init_project(folder, "Fiches", "Org")
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "series"]):
        subprocess.run([*git, *command], cwd=folder, check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    hook = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "fichepress-check"]
    tried = subprocess.run(
        [*hook, "--all-files", "--color", "never"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert re.search(r"^fichepress check\.+Passed$", tried.stdout, re.MULTILINE)
    # pre-commit installed fichepress: the hook did not run the one of this test's environment
    assert "Installing environment for" in tried.stdout + tried.stderr


def gitlab_ci(markdown: str) -> dict[str, Any] | None:
    """The GitLab CI file a Markdown text gives, as the block starting `# .gitlab-ci.yml`."""
    blocks = re.findall(r"```yaml\n(# \.gitlab-ci\.yml\n.*?)```", markdown, re.DOTALL)
    assert len(blocks) <= 1
    return yaml.safe_load(blocks[0]) if blocks else None


def check_gitlab_ci(gitlab: dict[str, Any]) -> None:
    """The GitLab CI file parses, installs the same packages and builds as the workflow."""
    [job] = [v for v in gitlab.values() if isinstance(v, dict) and "script" in v]
    assert re.fullmatch(r"python:3\.1[1-9](-slim)?(-\w+)?", job["image"])
    script = job["before_script"] + job["script"]
    [apt] = [line for line in script if "apt-get install" in line]
    words = shlex.split(apt.split("apt-get install", 1)[1])
    assert [word for word in words if not word.startswith("-")] == system_packages()
    [pip] = [line for line in script if "pip install" in line]
    assert re.fullmatch(r"fichepress==\d+\.\d+\.\d+", shlex.split(pip)[-1])
    assert "fichepress build --strict" in script
    assert job["artifacts"]["paths"] == ["build/"] and job["artifacts"]["when"] == "always"


def test_the_readmes_gitlab_ci_is_the_workflows_twin() -> None:
    gitlab = gitlab_ci((ROOT / "README.md").read_text(encoding="utf-8"))
    assert gitlab is not None, "the README gives no GitLab CI file (a block: # .gitlab-ci.yml)"
    check_gitlab_ci(gitlab)
