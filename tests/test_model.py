"""The schema documents itself and refuses what it does not know."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from fichepress.source import model


def all_models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(model).values()
        if isinstance(value, type) and issubclass(value, model.Strict) and value is not model.Strict
    ]


def test_every_model_and_field_has_a_one_line_description() -> None:
    models = all_models()
    assert len(models) >= 12
    for cls in models:
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), cls
        for name, field in cls.model_fields.items():
            assert field.description, f"{cls.__name__}.{name} has no docstring"
            assert "\n" not in field.description, f"{cls.__name__}.{name}"


def test_unknown_keys_are_errors_everywhere() -> None:
    for cls in all_models():
        with pytest.raises(ValidationError) as error:
            cls.model_validate({"surplus": 1})
        assert "extra_forbidden" in {e["type"] for e in error.value.errors()}, cls


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2012, "2012"), ("2012", "2012"), ("2011-2015", "2011-2015"), ("2011 – 2015", "2011-2015")],
)
def test_years_and_ranges(year: Any, expected: str) -> None:
    resource = model.Resource(title="T", authors="A", year=year)
    assert resource.year == expected


@pytest.mark.parametrize("year", ["20l2", "12", "2015-2011", "vers 2010", ""])
def test_bad_years(year: str) -> None:
    with pytest.raises(ValidationError):
        model.Resource(title="T", authors="A", year=year)


def test_languages() -> None:
    assert model.Series.model_fields["language"].default == "fr-CA"
    base = {
        "title": "S",
        "copyright": "©",
        "licence": "L",
        "theme": "fiches",
        "publisher": {"name": "P", "logo": "l.svg", "alt": "P"},
    }
    for good in ("fr", "fr-CA", "en", "en-GB"):
        assert model.Series.model_validate({**base, "language": good}).language == good
    for bad in ("french", "de", "fr_CA", ""):
        with pytest.raises(ValidationError):
            model.Series.model_validate({**base, "language": bad})
