"""JSON Schema of sheets and of the series, so that editors help authors write them.

The schemas are generated from the pydantic models of `model.py` and committed beside the
sources, in `sheets/schema/`. A modeline at the top of each YAML file points
yaml-language-server (VS Code, Neovim, JetBrains…) at its schema: the editor then completes
keys, shows each key's description on hover and flags unknown keys and bad values.

What the models check beyond JSON Schema (inline Markdown, year ranges that end before they
start, logo files) stays with `fichepress check`. Conversely the schema follows how fichepress
reads YAML: every plain value is text, so a text key accepts `title: 1984` as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from fichepress.core.files import write_atomic
from fichepress.core.project import Project
from fichepress.core.reading import read_regular, readable_problem, roots_of
from fichepress.source import model

Kind = Literal["sheet", "series"]
"""Which schema a YAML file follows: a sheet's, or the series file's."""

SCHEMA_DIR = "schema"
"""Folder of the schema files, under `sheets/`."""
SCHEMA_FILES: dict[Kind, str] = {"sheet": "sheet.schema.json", "series": "series.schema.json"}
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://fichepress.invalid/schema/"
"""Base of the schemas' `$id`: an identifier that is never fetched (editors read the file
that the modeline names)."""
TITLES: dict[Kind, str] = {"sheet": "fichepress sheet", "series": "fichepress series"}
MODELS: dict[Kind, type[BaseModel]] = {"sheet": model.Sheet, "series": model.Series}

MODELINE = f"# yaml-language-server: $schema={SCHEMA_DIR}/{SCHEMA_FILES['sheet']}"
"""First line of every sheet: tells yaml-language-server where the sheet's schema is (the
path is relative to the YAML file)."""
SERIES_MODELINE = f"# yaml-language-server: $schema={SCHEMA_DIR}/{SCHEMA_FILES['series']}"
"""First line of `sheets/series.yaml`."""
MODELINES: dict[Kind, str] = {"sheet": MODELINE, "series": SERIES_MODELINE}

REGENERATE = "fichepress schema"
"""The command that rewrites the schema files and adds missing modelines."""

_BOM = b"\xef\xbb\xbf"


# --- generation ------------------------------------------------------------------------------


def _validator(alias: Any) -> Callable[..., Any]:
    """The validating function of an annotated type of `model.py`, such as `Text`."""
    for meta in get_args(alias)[1:]:
        if isinstance(meta, AfterValidator | BeforeValidator):
            function: Callable[..., Any] = meta.func
            return function
    raise TypeError(f"{alias} has no validator")


_TEXTS = (_validator(model.Text), _validator(model.Inline))
_URL = _validator(model.Url)
_LANGUAGE = _validator(model.Language)
_YEAR = _validator(model.Year)

TEXT_SCHEMA: JsonSchemaValue = {
    # fichepress reads every plain YAML value as text: `title: 1984` is a title.
    "type": ["string", "number"],
    "pattern": r"\S",
    "patternErrorMessage": "is empty: write a text here",
}
YEAR_SCHEMA: JsonSchemaValue = {
    "type": ["integer", "string"],
    "minimum": 1000,
    "maximum": 9999,
    "pattern": r"^\s*[0-9]{4}(\s*[-–]\s*[0-9]{4})?\s*$",
    "patternErrorMessage": "must be a year like 2012 or a range like 2011-2015",
}
URL_SCHEMA: JsonSchemaValue = {
    "type": "string",
    "pattern": r"^https?://[^\s/?#]+[^ ]*$",
    "patternErrorMessage": "must be a web address starting with https:// or http://",
}
LANGUAGE_SCHEMA: JsonSchemaValue = {
    "type": "string",
    "pattern": rf"^({'|'.join(model.LANGUAGES)})(-([A-Z]{{2}}|[0-9]{{3}}))?$",
    "patternErrorMessage": "must be a language tag like fr-CA, fr or en",
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, told what the validators of `model.py` accept.

    pydantic describes a validated type by its core type only (`Year` as a string, `Url` as
    any string); here each gets the schema of what its validator accepts.
    """

    def function_after_schema(
        self, schema: core_schema.AfterValidatorFunctionSchema
    ) -> JsonSchemaValue:
        function = schema["function"]["function"]
        if function in _TEXTS:
            return dict(TEXT_SCHEMA)
        if function is _URL:
            return dict(URL_SCHEMA)
        if function is _LANGUAGE:
            return dict(LANGUAGE_SCHEMA)
        return super().function_after_schema(schema)

    def function_before_schema(
        self, schema: core_schema.BeforeValidatorFunctionSchema
    ) -> JsonSchemaValue:
        if schema["function"]["function"] is _YEAR:
            return dict(YEAR_SCHEMA)
        return super().function_before_schema(schema)


def _tidy(node: Any) -> None:
    """Editor-friendly touches, in place: no `default: null` (an editor would insert `null` on
    completion), and descriptions with `code` also given as Markdown for hovers."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        description = node.get("description")
        if isinstance(description, str) and "`" in description:
            node["markdownDescription"] = description
        for value in node.values():
            _tidy(value)
    elif isinstance(node, list):
        for value in node:
            _tidy(value)


def schema_of(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of a sheet or of the series file.

    The discriminated unions (body blocks, list items) come out of pydantic as a `oneOf` of
    their alternatives: each block object requires its own key (`paragraph`, `list`, `quote`,
    `heading`) and allows no other key, so exactly one alternative matches a valid block and
    none matches an unknown kind such as `paragraf:`.
    """
    schema = MODELS[kind].model_json_schema(schema_generator=_Generator, mode="validation")
    _tidy(schema)
    schema["title"] = TITLES[kind]
    return {"$schema": DIALECT, "$id": ID_BASE + SCHEMA_FILES[kind], **schema}


def sheet_schema() -> dict[str, Any]:
    """The JSON Schema of a sheet (`sheets/NN-name.yaml`)."""
    return schema_of("sheet")


def series_schema() -> dict[str, Any]:
    """The JSON Schema of the series file (`sheets/series.yaml`)."""
    return schema_of("series")


def schema_text(kind: Kind) -> str:
    """The schema as it is committed: pretty-printed, sorted keys, UTF-8, final newline."""
    return json.dumps(schema_of(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- files -----------------------------------------------------------------------------------


def schema_path(project: Project, kind: Kind) -> Path:
    """Where the schema of `kind` lives in `project`."""
    return project.sheets / SCHEMA_DIR / SCHEMA_FILES[kind]


def write_schemas(project: Project) -> list[Path]:
    """Write both schema files into `sheets/schema/` and return their paths.

    A file that already holds the right content is left untouched.
    """
    paths = []
    for kind in SCHEMA_FILES:
        path = schema_path(project, kind)
        data = schema_text(kind).encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            write_atomic(path, data)
        paths.append(path)
    return paths


def stale_schemas(project: Project) -> list[Path]:
    """The schema files that are missing or differ from what `write_schemas` would write."""
    stale = []
    for kind in SCHEMA_FILES:
        path = schema_path(project, kind)
        if not path.is_file() or path.read_bytes() != schema_text(kind).encode("utf-8"):
            stale.append(path)
    return stale


# --- modelines -------------------------------------------------------------------------------


def kind_of(path: Path) -> Kind:
    """Which schema the YAML file at `path` follows."""
    return "series" if path.name == "series.yaml" else "sheet"


def ensure_modeline(path: Path, kind: Kind) -> bool:
    """Put the modeline of `kind` on the first line of the YAML file at `path`, if it is not
    there; return whether the file changed.

    Everything else is kept byte for byte (a byte-order mark, the line endings, a first comment
    line, which follows the modeline). A yaml-language-server modeline on the first line that
    names another schema is replaced.
    """
    line = MODELINES[kind].encode("utf-8")
    raw = read_regular(path)
    bom = _BOM if raw.startswith(_BOM) else b""
    content = raw[len(bom) :]
    first, _, rest = content.partition(b"\n")
    if first.rstrip() == line:
        return False
    newline = b"\r\n" if first.endswith(b"\r") else b"\n"
    if first.startswith(b"#") and first[1:].lstrip().startswith(b"yaml-language-server:"):
        content = rest  # a modeline for another schema: this one replaces it
    write_atomic(path, bom + line + newline + content)
    return True


def _yaml_files(project: Project) -> list[Path]:
    """The series file and the sheets that can be read: a link out of the project, a pipe or
    a folder is left alone (`check` tells what is wrong with it)."""
    roots = roots_of(project.root)
    paths = [project.series_file, *project.sheet_files()]
    return [path for path in paths if readable_problem(path, roots) is None]


def missing_modelines(project: Project) -> list[Path]:
    """The series file and the sheets whose first line is not their schema modeline."""
    missing = []
    for path in _yaml_files(project):
        raw = read_regular(path)
        first = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
        if first.partition(b"\n")[0].rstrip() != MODELINES[kind_of(path)].encode("utf-8"):
            missing.append(path)
    return missing


def ensure_modelines(project: Project) -> list[Path]:
    """Add the modeline to the series file and to every sheet that lacks it; return the files
    that changed."""
    return [path for path in _yaml_files(project) if ensure_modeline(path, kind_of(path))]
