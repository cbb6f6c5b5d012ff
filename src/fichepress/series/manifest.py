"""`build/manifest.json`: every output written, its sha256 and the digest of its inputs; how
a manifest is checked, read and written."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fichepress import __version__
from fichepress.core.files import Damaged, Unfit, load_cache, read_kept, write_cache
from fichepress.core.findings import Finding, are_findings
from fichepress.core.variants import VARIANTS
from fichepress.series.report import Output
from fichepress.series.stamp import MANIFEST, is_output_of, output_folders

SHA256 = re.compile(r"[0-9a-f]{64}")

_ENTRY_TEXTS = ("variant", "sheet", "source", "path", "sha256")
"""The keys every output of a manifest has, texts; with `pages`, a number."""


def entry_problems(entry: Any, *, paths: bool = True) -> list[tuple[str, str]]:
    """What is wrong with one output of a manifest, as (key, message) pairs; none when it is
    as fichepress writes it. Values are never repeated: a manifest may come from elsewhere.
    `paths`: whether the output's path is checked too (where it may lie)."""
    if not isinstance(entry, dict):
        return [("", "is not an object with the keys of an output")]
    problems = [(key, "is missing") for key in (*_ENTRY_TEXTS, "pages") if key not in entry]
    problems += [
        (key, "is not a text")
        for key in (*_ENTRY_TEXTS, "inputs")
        if key in entry and not isinstance(entry[key], str)
    ]
    pages = entry.get("pages", 0)
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
        problems.append(("pages", "is not a number of pages"))
    parts = entry.get("parts", [])
    if not isinstance(parts, list) or not all(isinstance(item, str) for item in parts):
        problems.append(("parts", "is not a list of texts"))
    if not are_findings(entry.get("warnings", [])):
        problems.append(("warnings", "is not a list of findings"))
    variant, path, sha256 = entry.get("variant"), entry.get("path"), entry.get("sha256")
    if isinstance(variant, str) and variant not in VARIANTS:
        names = " nor ".join(f'"{name}"' for name in VARIANTS)
        problems.append(("variant", f"is neither {names}"))
    if paths and isinstance(path, str) and not is_output_of(path, variant):
        folders = ", ".join(output_folders())
        problems.append(("path", f"is not a PDF of the folder of its variant ({folders})"))
    if isinstance(sha256, str) and not SHA256.fullmatch(sha256):
        problems.append(("sha256", "is not a SHA-256 digest"))
    return problems


def manifest_problems(document: Any, *, paths: bool = True) -> list[tuple[str, str]]:
    """What is wrong with a manifest's document, as (key path, message) pairs (`paths`: see
    `entry_problems`)."""
    if not isinstance(document, dict):
        return [("", "is not a JSON object")]
    outputs = document.get("outputs")
    if not isinstance(outputs, list):
        return [("outputs", "is missing" if outputs is None else "is not a list")]
    return [
        (f"outputs[{index}]" + (f".{key}" if key else ""), message)
        for index, entry in enumerate(outputs)
        for key, message in entry_problems(entry, paths=paths)
    ]


def manifest_outputs(document: Any, *, paths: bool = True) -> list[Output]:
    """The outputs a manifest lists, or `Damaged` saying where it is not as written."""
    problems = manifest_problems(document, paths=paths)
    if problems:
        key, message = problems[0]
        raise Damaged(f"{key}: {message}" if key else message)
    return [
        Output(
            variant=entry["variant"],
            sheet=entry["sheet"],
            source=entry["source"],
            path=entry["path"],
            pages=entry["pages"],
            sha256=entry["sha256"],
            inputs=entry.get("inputs", ""),
            warnings=tuple(Finding.from_json(w) for w in entry.get("warnings", ())),
            parts=tuple(entry.get("parts", ())),
        )
        for entry in document["outputs"]
    ]


class Manifest:
    """`build/manifest.json`: every output, its sha256, and the digest of its inputs.

    A damaged one (see `load_cache`) is discarded: every output is then built again."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.entries: dict[tuple[str, str], Output] = {}
        shown = f"{out.name}/{MANIFEST}"
        outputs = load_cache(out / MANIFEST, manifest_outputs, shown, "every PDF is built again")
        for output in outputs or ():
            if (out / output.path).is_file():
                self.entries[(output.sheet, output.variant)] = output

    def fresh(self, name: str, variant: str, inputs: str) -> Output | None:
        """The output built from the same inputs, still whole on disk, or None."""
        entry = self.entries.get((name, variant))
        if entry is None or entry.inputs != inputs:
            return None
        try:
            data = read_kept(self.out / entry.path, None)
        except (OSError, Unfit):
            return None
        if data is None:
            return None
        return entry if hashlib.sha256(data).hexdigest() == entry.sha256 else None

    def write(self, outputs: Sequence[Output]) -> None:
        """Record new outputs, keeping the entries of the others."""
        for output in outputs:
            self.entries[(output.sheet, output.variant)] = output
        document = {
            "generator": f"fichepress {__version__}",
            "outputs": [_entry(self.entries[key]) for key in sorted(self.entries)],
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_cache(self.out / MANIFEST, text.encode("utf-8"))


def _entry(output: Output) -> dict[str, Any]:
    """An output as the manifest lists it (lists where the dataclass has tuples)."""
    entry = asdict(output)
    entry["warnings"] = [warning.as_json() for warning in output.warnings]
    entry["parts"] = list(output.parts)
    return entry
