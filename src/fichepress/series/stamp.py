"""Content digests, and the stamp of a complete build: the no-op build in a tenth of a second.

A build may read only `sheets/`, `styles/` and `fonts/` and the themes installed with
fichepress (the sandbox sees to it), so the digest of every file there, with fichepress's own
files and the versions of the libraries that
draw the PDFs, covers everything that can shape an output. After a complete build of the
series (every sheet, the collection, no failure) that digest is kept in the manifest with the
list of outputs and their sha256: while it holds and the outputs are whole, the next build has
nothing to do, and says so without loading the sheets or WeasyPrint. When anything changed,
the build decides output by output (inputs.py).

This module imports nothing heavy: it runs before the rest of fichepress is loaded.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from fichepress import __version__
from fichepress.core.digests import files_digest, installed_digest
from fichepress.core.findings import Finding
from fichepress.core.project import Project
from fichepress.core.reading import outside, read_regular, roots_of
from fichepress.core.variants import VARIANTS

MANIFEST = "manifest.json"
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "tinyhtml5", "pikepdf", "jinja2", "pillow")
"""The libraries whose version can change the bytes of a PDF."""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """fichepress itself (its version, every file of the package: code, templates, the ICC
    profile) and the versions of the libraries that make the PDFs."""
    package = Path(__file__).resolve().parent.parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    versions = " ".join(f"{name}={_version(name)}" for name in LIBRARIES)
    return hashlib.sha256(
        f"{__version__} {versions} {files_digest(files, package)}".encode()
    ).hexdigest()


def _series_sets_date(project: Project) -> bool:
    import yaml

    try:
        data = yaml.load(
            read_regular(project.series_file), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (OSError, yaml.YAMLError, RecursionError):
        # Unreadable, or nested too deep for the Python parser (without libyaml): the series
        # file is refused with its place when it is loaded.
        return False
    return isinstance(data, dict) and data.get("date") is not None


def project_digest(project: Project, out: Path, variants: Sequence[str]) -> str:
    """Every file a build may read, fichepress, the variants asked for, and today's date when
    the series file sets none (it is then written in the PDFs)."""
    out = out.resolve()
    files = []
    others = []
    roots = roots_of(project.root)
    for folder in project.readable:
        if outside(folder, roots, folder=True):
            # Linked elsewhere (to / even): not walked, never read; the build refuses it.
            others.append(f"outside:{folder.name}")
            continue
        for path in folder.rglob("*") if folder.is_dir() else ():
            try:
                if out in path.resolve().parents:
                    continue
            except RuntimeError:  # a loop of links (an OSError from Python 3.13)
                pass
            if path.is_file():
                files.append(path)
            else:
                # A folder, a pipe, a link to nothing, a device: never read, but its name
                # counts: a build must see a new one (and say what is wrong with a sheet of
                # that name) rather than find everything up to date.
                kind = "folder" if path.is_dir() else "other"
                others.append(f"{kind}:{path.relative_to(project.root).as_posix()}")
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update(installed_digest().encode())  # the installed themes a project may use
    digest.update(files_digest(files, project.root).encode())
    digest.update("\0".join(sorted(others)).encode())
    digest.update(",".join(sorted(variants)).encode())
    if not _series_sets_date(project):
        digest.update(datetime.date.today().isoformat().encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Stamp:
    """What a complete build left: the project's digest, its outputs, its warnings."""

    digest: str
    outputs: dict[str, str]
    """Each output of the manifest: its path under the output folder, to its sha256."""
    warnings: list[Finding]
    built: int
    """How many of them that build covered (its variants)."""
    pages: dict[str, int] = field(default_factory=dict)
    """The pages of each output, as the manifest lists them."""


def _manifest(out: Path) -> Any:
    """The manifest's document as JSON, or None when there is none or it cannot be read (the
    build reads it again, mends it if damaged, and tells why)."""
    from fichepress.core.files import Unfit, read_kept

    try:
        raw = read_kept(out / MANIFEST)
        return None if raw is None else json.loads(raw)
    except (OSError, Unfit, ValueError, RecursionError):
        return None


_OUTPUT_NAME = re.compile(r"[^/\\.][^/\\]*\.pdf")


def output_folders() -> list[str]:
    """The variants' folders in the output folder, as messages name them: `print/`…"""
    return [f"{variant.folder}/" for variant in VARIANTS.values()]


def is_output_path(path: str) -> bool:
    """Whether `path` is where an output lies in the output folder, as a manifest names it:
    a PDF of a variant's folder (print/, accessible/), nowhere else."""
    folder, _, name = path.partition("/")
    return f"{folder}/" in output_folders() and _OUTPUT_NAME.fullmatch(name) is not None


def is_output_of(path: str, variant: object) -> bool:
    """Whether `path` is where an output of `variant` (a name, as a manifest gives it) lies:
    a PDF of that variant's folder."""
    known = VARIANTS.get(variant) if isinstance(variant, str) else None
    return known is not None and is_output_path(path) and path.startswith(f"{known.folder}/")


def read(out: Path) -> Stamp | None:
    """The stamp kept in the manifest of `out`, if there is one as fichepress writes it."""
    document = _manifest(out)
    found: Any = document.get("project") if isinstance(document, dict) else None
    try:
        stamp = Stamp(
            str(found["digest"]),
            dict(found["outputs"]),
            [Finding.from_json(w) for w in found["warnings"]],
            int(found["built"]),
            {
                entry["path"]: entry["pages"]
                for entry in document["outputs"]
                if isinstance(entry.get("path"), str) and isinstance(entry.get("pages"), int)
            },
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    paths_whole = all(
        isinstance(path, str) and is_output_path(path) and isinstance(sha256, str)
        for path, sha256 in stamp.outputs.items()
    )
    return stamp if paths_whole else None


def up_to_date(out: Path, digest: str) -> Stamp | None:
    """The stamp of the last complete build if the project's digest is still `digest` and its
    outputs are whole; None when the build must look closer."""
    from fichepress.core.files import Unfit, read_kept

    stamp = read(out)
    if stamp is None or stamp.digest != digest:
        return None
    for path, sha256 in stamp.outputs.items():
        try:
            data = read_kept(out / path, None)
        except (OSError, Unfit):
            return None
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            return None
    return stamp


def record(out: Path, digest: str, warnings: Sequence[Finding], built: int) -> None:
    """Keep the stamp of a complete build in the manifest, with every output it lists (none
    when the manifest is not as the build wrote it: the next build looks closer)."""
    from fichepress.core.files import write_cache

    document = _manifest(out)
    try:
        outputs = {str(entry["path"]): str(entry["sha256"]) for entry in document["outputs"]}
    except (KeyError, TypeError, AttributeError):
        return
    document["project"] = {
        "digest": digest,
        "outputs": outputs,
        "warnings": [warning.as_json() for warning in warnings],
        "built": built,
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_cache(out / MANIFEST, text.encode("utf-8"))
