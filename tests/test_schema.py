"""The JSON Schema that editors use: generated from the model, committed, and pointed at by every
YAML file of `sheets/`."""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from fichepress.core.errors import InvalidSource
from fichepress.core.project import Project
from fichepress.source.load import load_series, load_sheet
from fichepress.source.schema import (
    DIALECT,
    MODELINE,
    REGENERATE,
    SCHEMA_DIR,
    SERIES_MODELINE,
    Kind,
    ensure_modeline,
    ensure_modelines,
    kind_of,
    schema_of,
    schema_path,
    schema_text,
    series_schema,
    sheet_schema,
    stale_schemas,
    write_schemas,
)

from .conftest import ROOT

REPO = Project(ROOT)
YAML_FILES = sorted(REPO.sheets.glob("*.yaml"))
REFERENCE = ROOT / "sheets" / "03-strategie-globale.yaml"


def as_editor_reads(path: Path) -> Any:
    """The YAML file as data, with dates as text: yaml-language-server reads YAML 1.2, which
    has no timestamps (`date: 2026-11-26` is a string that the schema checks as a date)."""

    def undate(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: undate(item) for key, item in value.items()}
        if isinstance(value, list):
            return [undate(item) for item in value]
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    return undate(yaml.safe_load(path.read_text(encoding="utf-8")))


def validator(kind: Kind) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema_of(kind))


def errors(kind: Kind, data: Any) -> list[str]:
    return [error.message for error in validator(kind).iter_errors(data)]


def nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside a schema."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from nodes(value)


# --- the schemas -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sheet", "series"])
def test_the_schemas_are_draft_2020_12_with_an_id_and_a_title(kind: Kind) -> None:
    schema = schema_of(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{kind}.schema.json")
    assert schema["title"] == f"fichepress {kind}"
    assert sheet_schema() == schema_of("sheet") and series_schema() == schema_of("series")


@pytest.mark.parametrize("kind", ["sheet", "series"])
def test_every_object_refuses_unknown_keys_and_describes_its_keys(kind: Kind) -> None:
    objects = [
        node
        for node in nodes(schema_of(kind))
        if node.get("type") == "object" or "properties" in node or "additionalProperties" in node
    ]
    assert len(objects) == (11 if kind == "sheet" else 3)
    for node in objects:
        assert node.get("additionalProperties") is False, node.get("title")
        assert node["description"], node.get("title")
        for name, key in node["properties"].items():
            assert key["description"], f"{node['title']}.{name}"
    # what an editor would insert on completion: never `null`
    assert not [node for node in nodes(schema_of(kind)) if node.get("default", 0) is None]


def test_the_block_union_is_one_of_objects_each_with_its_own_required_key() -> None:
    schema = sheet_schema()
    alternatives = schema["properties"]["body"]["items"]["oneOf"]
    required = []
    for alternative in alternatives:
        block = schema["$defs"][alternative["$ref"].rsplit("/", 1)[1]]
        assert block["additionalProperties"] is False
        required.append(block["required"])
    assert required == [["paragraph"], ["list"], ["quote"], ["heading"]]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: path.name)
def test_every_yaml_file_of_the_repository_validates(path: Path) -> None:
    assert errors(kind_of(path), as_editor_reads(path)) == []


def reference() -> dict[str, Any]:
    data: dict[str, Any] = as_editor_reads(REFERENCE)
    return copy.deepcopy(data)


def first_resource(data: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = data["selection"]["groups"][0]["resources"][0]
    return resource


def unknown_key(data: dict[str, Any]) -> None:
    data["kiker"] = data.pop("kicker")


def unknown_block(data: dict[str, Any]) -> None:
    data["body"].append({"paragraf": "Un paragraphe mal nommé."})


def missing_title(data: dict[str, Any]) -> None:
    del data["title"]


def empty_title(data: dict[str, Any]) -> None:
    data["title"] = None


def bad_year(data: dict[str, Any]) -> None:
    first_resource(data)["year"] = "20l6"


def short_year(data: dict[str, Any]) -> None:
    first_resource(data)["year"] = 16


def unknown_key_in_a_resource(data: dict[str, Any]) -> None:
    first_resource(data)["auteurs"] = "Quelqu'un"


def a_block_with_two_kinds(data: dict[str, Any]) -> None:
    data["body"].append({"paragraph": "Du texte.", "heading": "Un intertitre"})


def a_list_item_with_a_label_only(data: dict[str, Any]) -> None:
    data["body"].append({"list": [{"label": "Étiquette"}]})


def an_empty_body(data: dict[str, Any]) -> None:
    data["body"] = []


def a_bad_url(data: dict[str, Any]) -> None:
    first_resource(data)["url"] = "www.example.org"


def a_bad_number(data: dict[str, Any]) -> None:
    data["number"] = 0


def a_bad_language(data: dict[str, Any]) -> None:
    data["language"] = "de"


@pytest.mark.parametrize(
    "change",
    [
        unknown_key,
        unknown_block,
        missing_title,
        empty_title,
        bad_year,
        short_year,
        unknown_key_in_a_resource,
        a_block_with_two_kinds,
        a_list_item_with_a_label_only,
        an_empty_body,
        a_bad_url,
        a_bad_number,
        a_bad_language,
    ],
)
def test_a_bad_sheet_fails_validation(change: Any) -> None:
    data = reference()
    assert errors("sheet", data) == []
    change(data)
    assert errors("sheet", data) != []


@pytest.mark.parametrize("year", [2012, "2012", "2011-2015", "2011 – 2015"])
def test_a_year_is_a_number_or_a_range(year: Any) -> None:
    data = reference()
    first_resource(data)["year"] = year
    assert errors("sheet", data) == []


@pytest.mark.parametrize(
    ("line", "valid"),
    [
        ("title: 1984", True),  # fichepress reads plain values as text; so does the schema
        ("title: ' '", False),
        ("title:", False),
        ("language: en", True),
        ("language: fr-FR", True),
        ("language: de", False),
        ("page_budget: 3", True),
        ("page_budget: 20", True),
        ("page_budget: 21", False),
    ],
)
def test_the_schema_agrees_with_fichepress(project: Project, line: str, valid: bool) -> None:
    key = line.split(":")[0]
    lines = [
        text
        for text in REFERENCE.read_text(encoding="utf-8").splitlines()
        if not text.startswith(f"{key}:")
    ]
    path = project.sheets / "03-strategie-globale.yaml"
    path.write_text("\n".join([*lines, line]) + "\n", encoding="utf-8")
    assert (errors("sheet", as_editor_reads(path)) == []) is valid
    if valid:
        load_sheet(path, project)
    else:
        with pytest.raises(InvalidSource, match=key):
            load_sheet(path, project)


# --- the committed files ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sheet", "series"])
def test_the_committed_schemas_are_what_the_model_generates(kind: Kind) -> None:
    path = schema_path(REPO, kind)
    assert path == ROOT / "sheets" / SCHEMA_DIR / f"{kind}.schema.json"
    model = "src/fichepress/source/model.py"
    stale = f"{REPO.display(path)} is out of date with {model}: run `{REGENERATE}`"
    assert path.is_file(), stale
    assert path.read_text(encoding="utf-8") == schema_text(kind), stale
    assert json.loads(path.read_text(encoding="utf-8")) == schema_of(kind)
    assert path not in stale_schemas(REPO), stale


def test_the_schema_files_are_sorted_pretty_utf8_with_a_final_newline() -> None:
    text = schema_text("sheet")
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "sélection" in text and "\\u" not in text


def test_a_stale_or_missing_schema_is_found_and_rewritten(project: Project) -> None:
    sheet, series = schema_path(project, "sheet"), schema_path(project, "series")
    assert stale_schemas(project) == []
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("kicker", "kiker"), "utf-8")
    series.unlink()
    assert stale_schemas(project) == [sheet, series]
    assert write_schemas(project) == [sheet, series]
    assert stale_schemas(project) == []
    assert sheet.read_text(encoding="utf-8") == schema_text("sheet")
    assert [p.name for p in sheet.parent.iterdir() if p.name.startswith(".")] == []


def test_writing_creates_the_folder_and_leaves_up_to_date_files_alone(project: Project) -> None:
    folder = project.sheets / SCHEMA_DIR
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    paths = write_schemas(project)
    assert sorted(p.name for p in folder.iterdir()) == ["series.schema.json", "sheet.schema.json"]
    stamps = [path.stat().st_mtime_ns for path in paths]
    for path in paths:
        path.chmod(0o640)
    assert write_schemas(project) == paths
    assert [path.stat().st_mtime_ns for path in paths] == stamps


# --- modelines -------------------------------------------------------------------------------


def test_the_modelines() -> None:
    assert MODELINE == "# yaml-language-server: $schema=schema/sheet.schema.json"
    assert SERIES_MODELINE == "# yaml-language-server: $schema=schema/series.schema.json"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: path.name)
def test_every_yaml_file_of_the_repository_starts_with_its_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    expected = SERIES_MODELINE if path.name == "series.yaml" else MODELINE
    assert first == expected, f"{REPO.display(path)}: run `{REGENERATE}` to add the modeline"
    # the path the modeline names, relative to the YAML file, is the committed schema
    assert (path.parent / first.split("$schema=")[1]).is_file()


def test_a_modeline_goes_before_a_first_comment_and_keeps_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "07-essai.yaml"
    original = b"# Une fiche d'essai.\r\nnumber: 7  \r\ntitle: \xc3\x89t\xc3\xa9\r\n\r\n"
    path.write_bytes(original)
    assert ensure_modeline(path, "sheet") is True
    assert path.read_bytes() == MODELINE.encode() + b"\r\n" + original
    assert ensure_modeline(path, "sheet") is False
    assert path.read_bytes() == MODELINE.encode() + b"\r\n" + original


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"number: 7\n", MODELINE.encode() + b"\nnumber: 7\n"),
        (b"", MODELINE.encode() + b"\n"),
        (b"\xef\xbb\xbfnumber: 7\n", b"\xef\xbb\xbf" + MODELINE.encode() + b"\nnumber: 7\n"),
        (
            b"# yaml-language-server: $schema=../old/sheet.json\n# Note.\nnumber: 7\n",
            MODELINE.encode() + b"\n# Note.\nnumber: 7\n",
        ),
        (b"#yaml-language-server: $schema=x.json\nnumber: 7", MODELINE.encode() + b"\nnumber: 7"),
    ],
)
def test_modeline_cases(tmp_path: Path, before: bytes, after: bytes) -> None:
    path = tmp_path / "sheet.yaml"
    path.write_bytes(before)
    assert ensure_modeline(path, "sheet") is True
    assert path.read_bytes() == after
    assert ensure_modeline(path, "sheet") is False


def test_the_series_file_gets_the_series_modeline(project: Project) -> None:
    text = project.series_file.read_text(encoding="utf-8")
    project.series_file.write_text(text.split("\n", 1)[1], encoding="utf-8")
    sheet = project.sheets / "03-strategie-globale.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    assert ensure_modelines(project) == [project.series_file, sheet]
    assert project.series_file.read_text(encoding="utf-8") == text
    assert sheet.read_text(encoding="utf-8").startswith(MODELINE + "\n# Fiche 3")
    assert ensure_modelines(project) == []
    load_series(project)
    assert load_sheet(sheet, project).sheet.number == 3


def test_a_modeline_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "sheet.yaml"
    path.write_text("number: 7\n", encoding="utf-8")
    path.chmod(0o600)
    ensure_modeline(path, "sheet")
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.yaml"]
