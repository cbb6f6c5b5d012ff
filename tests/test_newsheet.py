"""A new sheet: its number, its file name, and a template that loads and says what to write."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from fichepress.cli import main
from fichepress.core.errors import FichepressError
from fichepress.core.project import Project
from fichepress.scaffold.newsheet import (
    SLUG_LENGTH,
    new_sheet,
    next_number,
    sheet_numbers,
    slugify,
)
from fichepress.scaffold.skeleton import project_files
from fichepress.source.load import load_sheet
from fichepress.source.model import PLACEHOLDER_MARKERS, SCHEMA_VERSION
from fichepress.source.schema import MODELINE, sheet_schema
from fichepress.source.yamlfile import read_yaml

REFERENCE = "03-strategie-globale.yaml"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("S'intégrer dans une stratégie plus globale", "s-integrer-dans-une-strategie-plus"),
        ("Partir du territoire", "partir-du-territoire"),
        ("L’œuvre d’un cœur", "l-oeuvre-d-un-coeur"),
        ("Ex æquo", "ex-aequo"),
        ("Évaluer pour apprendre !", "evaluer-pour-apprendre"),
        ("  «  Agir  » -- ensemble ?  ", "agir-ensemble"),
        ("Les 10 leçons (2019-2020)", "les-10-lecons-2019-2020"),
        ("ÇA MARCHE", "ca-marche"),
        ("a" * 50, "a" * SLUG_LENGTH),
        ("un-deux-trois-quatre-cinq-six-sept-huit-neuf", "un-deux-trois-quatre-cinq-six-sept-huit"),
        ("mot " * 10, "mot-" * 9 + "mot"),  # 39 characters: whole
        ("???", ""),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
    assert len(slug) <= SLUG_LENGTH
    assert "--" not in slug and not slug.startswith("-") and not slug.endswith("-")


def test_a_long_title_is_cut_between_words() -> None:
    slug = slugify("Une stratégie globale pour agir ensemble dans les territoires")
    assert slug == "une-strategie-globale-pour-agir-ensemble"  # exactly 40: a whole word
    assert slugify("Une stratégie globale pour agir ensembles dans") == (
        "une-strategie-globale-pour-agir"
    )


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text of the data, with its key path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def test_the_new_sheet_takes_the_next_number_and_loads(project: Project) -> None:
    assert next_number(project) == 4
    title = "S'intégrer dans une stratégie plus globale"
    path = new_sheet(project, title)
    assert path == project.sheets / "04-s-integrer-dans-une-strategie-plus.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE + "\n")
    sheet = load_sheet(path, project).sheet
    assert (sheet.number, sheet.title) == (4, title)
    assert next_number(project) == 5
    # every value but the number, the title and the year is a placeholder with its marker
    data, _ = read_yaml(path, "new")
    placeholders = dict(strings(data))
    assert placeholders.pop("number") == "4" and placeholders.pop("title") == title
    assert placeholders.pop("schema_version") == "1"
    year = "selection.groups[0].resources[0].year"
    assert placeholders.pop(year) == "0000"
    assert next(line for line in text.splitlines() if "year:" in line).endswith(
        "# [À COMPLÉTER] l'année de publication, comme 2012 ou 2011-2015"
    )
    assert len(placeholders) >= 12
    for key, value in placeholders.items():
        assert value.startswith("[À COMPLÉTER] "), key
    # it is French, explains each part, and validates against the editors' schema too
    for words in ("accroche", "étiquette", "citation mise en exergue", "Notre sélection"):
        assert words in text
    assert "aller plus loin" in text and "[TO COMPLETE]" not in text
    validator = jsonschema.Draft202012Validator(sheet_schema())
    assert list(validator.iter_errors(yaml.safe_load(text))) == []
    assert [p.name for p in project.sheets.iterdir() if p.name.startswith(".")] == []


def test_numbering_reads_broken_sheets_leniently(project: Project) -> None:
    (project.sheets / "07-casse.yaml").write_text(
        "number: 7\ntitle: [pas fermé\n", encoding="utf-8"
    )
    (project.sheets / "09-incomplete.yaml").write_text(
        "# Pas encore d'accroche.\nnumber: '9'  # provisoire\ntitle: Incomplète\n",
        encoding="utf-8",
    )
    (project.sheets / "brouillon.yaml").write_text("title: sans numéro\n", encoding="utf-8")
    assert sorted(sheet_numbers(project).values()) == [3, 7, 9]
    path = new_sheet(project, "Après les fiches cassées")
    assert path.name == "10-apres-les-fiches-cassees.yaml"
    assert load_sheet(path, project).sheet.number == 10


def test_two_sheets_with_one_number_still_count(project: Project) -> None:
    text = (project.sheets / REFERENCE).read_text(encoding="utf-8")
    (project.sheets / "12-a.yaml").write_text(text.replace("number: 3", "number: 12"), "utf-8")
    (project.sheets / "12-b.yaml").write_text(text.replace("number: 3", "number: 12"), "utf-8")
    assert new_sheet(project, "Treize").name == "13-treize.yaml"


def test_a_given_number(project: Project) -> None:
    path = new_sheet(project, "Une fiche lointaine", number=120)
    assert path.name == "120-une-fiche-lointaine.yaml"
    assert load_sheet(path, project).sheet.number == 120
    assert new_sheet(project, "Une fiche", number=1).name == "01-une-fiche.yaml"


def test_a_taken_number_is_refused(project: Project) -> None:
    before = sorted(project.sheets.iterdir())
    with pytest.raises(FichepressError) as error:
        new_sheet(project, "Encore une stratégie", number=3)
    assert error.value.message == (
        "number 3 is already used by sheets/03-strategie-globale.yaml; the next free number is 4"
    )
    assert sorted(project.sheets.iterdir()) == before


def test_an_existing_file_is_refused_and_kept(project: Project) -> None:
    existing = project.sheets / "05-titre.yaml"
    existing.write_text("# un brouillon sans numéro\n", encoding="utf-8")
    with pytest.raises(FichepressError) as error:
        new_sheet(project, "Titre", number=5)
    assert error.value.message == "sheets/05-titre.yaml already exists"
    assert existing.read_text(encoding="utf-8") == "# un brouillon sans numéro\n"
    assert [p.name for p in project.sheets.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("title", "number", "message"),
    [
        ("   ", None, "the title of the new sheet is empty"),
        ("Titre", 0, "a sheet number goes from 1 to 9999, not 0"),
        ("Titre", 10_000, "a sheet number goes from 1 to 9999, not 10000"),
    ],
)
def test_bad_requests_are_refused(
    project: Project, title: str, number: int | None, message: str
) -> None:
    with pytest.raises(FichepressError) as error:
        new_sheet(project, title, number=number)
    assert error.value.message == message


@pytest.mark.parametrize(
    "title",
    ['Agir : "ensemble" # pas un commentaire', "[Crochets] & {accolades}", "Oui", "1984", "日本"],
)
def test_any_title_is_kept_as_given(project: Project, title: str) -> None:
    path = new_sheet(project, title)
    assert load_sheet(path, project).sheet.title == title
    if title == "日本":
        assert path.name == "04-fiche.yaml"


def test_an_english_series_gets_an_english_template(project: Project) -> None:
    series = project.series_file
    series.write_text(
        series.read_text(encoding="utf-8").replace("language: fr-CA", "language: en-US"), "utf-8"
    )
    path = new_sheet(project, "Start from the territory")
    assert path.name == "04-start-from-the-territory.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE + "\n")
    assert "[TO COMPLETE]" in text and "[À COMPLÉTER]" not in text
    for words in ("kicker", "label", "pull quote", "Our selection", "go further"):
        assert words in text
    assert load_sheet(path, project).sheet.title == "Start from the territory"
    data, _ = read_yaml(path, "new")
    for key, value in strings(data):
        if key not in ("schema_version", "number", "title") and not key.endswith(".year"):
            assert value.startswith("[TO COMPLETE] "), key


def test_a_broken_series_file_does_not_stop_a_new_sheet(project: Project) -> None:
    project.series_file.write_text("title: [pas fermé\n", encoding="utf-8")
    path = new_sheet(project, "Malgré tout")
    assert "[À COMPLÉTER]" in path.read_text(encoding="utf-8")


def test_the_markers() -> None:
    assert PLACEHOLDER_MARKERS == ("[À COMPLÉTER]", "[TO COMPLETE]")


def _english(project: Project) -> None:
    series = project.series_file
    text = series.read_text(encoding="utf-8")
    assert "language: fr-CA" in text
    series.write_text(text.replace("language: fr-CA", "language: en-US"), "utf-8")


@pytest.mark.parametrize("english", [False, True])
def test_a_new_sheet_names_its_schema_version_as_init_does(project: Project, english: bool) -> None:
    if english:
        _english(project)
    path = new_sheet(project, "Une fiche versionnée")
    assert SCHEMA_VERSION == 1
    assert load_sheet(path, project).sheet.schema_version == 1
    init_sheet = project_files("T", "O", datetime.date(2024, 1, 1))[
        "sheets/01-une-premiere-fiche.yaml"
    ]
    assert f"\nschema_version: {SCHEMA_VERSION}\n" in init_sheet
    assert f"\nschema_version: {SCHEMA_VERSION}\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("english", "said", "other"),
    [(False, "[À COMPLÉTER]", "[TO COMPLETE]"), (True, "[TO COMPLETE]", "[À COMPLÉTER]")],
)
def test_new_tells_only_the_placeholder_of_the_series_language(
    project: Project, english: bool, said: str, other: str
) -> None:
    if english:
        _english(project)
    result = CliRunner().invoke(main, ["new", "Une autre fiche", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "wrote sheets/04-une-autre-fiche.yaml: fill in every " + said
    text = (project.sheets / "04-une-autre-fiche.yaml").read_text(encoding="utf-8")
    assert said in text and other not in text
    lines = text.splitlines()[1:]  # after the schema modeline
    comments = "\n".join(line for line in lines if line.lstrip().startswith("#"))
    # the comments speak the series' language only
    french_words, english_words = ("la fiche", "Remplacez"), ("the sheet", "Replace")
    for word in english_words if english else french_words:
        assert word in comments
    for word in french_words if english else english_words:
        assert word not in comments
