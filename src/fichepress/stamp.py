"""Content digests, and the stamp of a complete build: the no-op build in a tenth of a second.

A build may read only `sheets/`, `styles/` and `fonts/` (the sandbox sees to it), so the
digest of every file there, with fichepress's own files and the versions of the libraries that
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from fichepress import __version__
from fichepress.project import Project

MANIFEST = "manifest.json"
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "tinyhtml5", "pikepdf", "jinja2", "pillow")
"""The libraries whose version can change the bytes of a PDF."""


@lru_cache(maxsize=4096)
def _file_digest(path: Path, size: int, mtime_ns: int, inode: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """The digest of a file's bytes (read once per process while it stays the same file)."""
    info = path.stat()
    return _file_digest(path.resolve(), info.st_size, info.st_mtime_ns, info.st_ino)


def files_digest(paths: Iterable[Path], root: Path) -> str:
    """One digest of files: their paths under `root` and their bytes."""
    digest = hashlib.sha256()
    root = root.resolve()
    for path in sorted(set(paths)):
        target = path.resolve()
        if not target.is_relative_to(root):
            # A link out of the project: never read (the build refuses it); its name counts.
            digest.update(f"outside:{path.as_posix()}->{target.as_posix()}\0".encode())
            continue
        digest.update(target.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file_digest(path).encode())
    return digest.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """fichepress itself (its version, every file of the package: code, templates, the ICC
    profile) and the versions of the libraries that make the PDFs."""
    package = Path(__file__).resolve().parent
    files = [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    versions = " ".join(f"{name}={_version(name)}" for name in LIBRARIES)
    return hashlib.sha256(
        f"{__version__} {versions} {files_digest(files, package)}".encode()
    ).hexdigest()


def _series_sets_date(project: Project) -> bool:
    import yaml

    try:
        data = yaml.load(
            project.series_file.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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
    files = [
        path
        for folder in project.readable
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.is_file() and out not in path.resolve().parents
    ]
    digest = hashlib.sha256()
    digest.update(code_digest().encode())
    digest.update(files_digest(files, project.root).encode())
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
    warnings: list[str]
    built: int
    """How many of them that build covered (its variants)."""


def read(out: Path) -> Stamp | None:
    """The stamp kept in the manifest of `out`, if there is one."""
    try:
        found: Any = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("project")
        return Stamp(
            str(found["digest"]),
            dict(found["outputs"]),
            [str(w) for w in found["warnings"]],
            int(found["built"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def up_to_date(out: Path, digest: str) -> Stamp | None:
    """The stamp of the last complete build if the project's digest is still `digest` and its
    outputs are whole; None when the build must look closer."""
    stamp = read(out)
    if stamp is None or stamp.digest != digest:
        return None
    for path, sha256 in stamp.outputs.items():
        try:
            if hashlib.sha256((out / path).read_bytes()).hexdigest() != sha256:
                return None
        except OSError:
            return None
    return stamp


def record(out: Path, digest: str, warnings: Sequence[str], built: int) -> None:
    """Keep the stamp of a complete build in the manifest, with every output it lists."""
    from fichepress.files import write_atomic

    path = out / MANIFEST
    document = json.loads(path.read_text(encoding="utf-8"))
    outputs = {entry["path"]: entry["sha256"] for entry in document["outputs"]}
    document["project"] = {
        "digest": digest,
        "outputs": outputs,
        "warnings": list(warnings),
        "built": built,
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
