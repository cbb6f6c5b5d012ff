"""French and English typography applied to what authors type."""

from __future__ import annotations

import pytest

from fichepress.model import Sheet
from fichepress.typography import NBSP, NNBSP, typeset, typeset_model


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        # the reference sheet's own cases
        ("Et dans la pratique? Elle implique", f"Et dans la pratique{NNBSP}? Elle implique"),
        (
            "la portée d'une action isolée sera... isolée.",
            "la portée d’une action isolée sera… isolée.",
        ),
        ("Méditer la leçon 2 : adopter", f"Méditer la leçon 2{NBSP}: adopter"),
        ("la première minute!) pour", f"la première minute{NNBSP}!) pour"),
        ("Nexus santé, 4 min 50 s, 2012", f"Nexus santé, 4{NBSP}min 50{NBSP}s, 2012"),
        ("n° 4, février 2018", f"n°{NBSP}4, février 2018"),
        ("« Huit leçons »", f"«{NNBSP}Huit leçons{NNBSP}»"),
        ("«Huit leçons»", f"«{NNBSP}Huit leçons{NNBSP}»"),
        # straight quotes, semicolons, runs of signs, numbers
        ('un "mot" ici', f"un «{NNBSP}mot{NNBSP}» ici"),
        ("un; deux", f"un{NNBSP}; deux"),
        ("Quoi?!", f"Quoi{NNBSP}?!"),
        ("10 000 personnes, 50 %", f"10{NNBSP}000 personnes, 50{NBSP}%"),
        ("à 10:30 précises", "à 10:30 précises"),
        # already typeset text is left as it is
        (f"pratique{NNBSP}? « oui »", f"pratique{NNBSP}? «{NNBSP}oui{NNBSP}»"),
    ],
)
def test_french(typed: str, printed: str) -> None:
    assert typeset(typed, "fr-CA") == printed
    assert typeset(printed, "fr-CA") == printed  # idempotent


def test_markup_and_addresses_are_not_touched() -> None:
    typed = "Voir [l'outil](https://example.org/a?b=1&c='x') ou `a:b` et https://x.org/?q=1!"
    assert typeset(typed, "fr") == (
        "Voir [l’outil](https://example.org/a?b=1&c='x') ou `a:b` et https://x.org/?q=1!"
    )
    assert typeset("écrire à <nom@example.org>: merci", "fr").startswith(
        "écrire à <nom@example.org>"
    )
    assert typeset("la **portée**? oui", "fr") == f"la **portée**{NNBSP}? oui"


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Don't say \"hello\"... it's 'fine'", "Don’t say “hello”… it’s ‘fine’"),
        ("Really? Yes: 4 min", f"Really? Yes: 4{NBSP}min"),
    ],
)
def test_english(typed: str, printed: str) -> None:
    assert typeset(typed, "en-GB") == printed


def test_other_languages_are_left_alone() -> None:
    assert typeset("Wie geht's? Gut...", "de") == "Wie geht's? Gut..."


def test_a_whole_sheet_gets_typeset_but_not_its_addresses() -> None:
    sheet = Sheet.model_validate(
        {
            "number": 1,
            "title": "Qu'est-ce que c'est?",
            "kicker": "Une fiche...",
            "body": [{"list": [{"label": "Paliers", "text": "quartier; ville"}, "a: b"]}],
            "selection": {
                "groups": [
                    {
                        "heading": "Des outils",
                        "resources": [
                            {
                                "title": "L'outil",
                                "authors": "A",
                                "year": 2012,
                                "url": "https://example.org/l'outil?x=1",
                            }
                        ],
                    }
                ]
            },
        }
    )
    typeset_sheet = typeset_model(sheet, "fr-CA")
    assert typeset_sheet.title == f"Qu’est-ce que c’est{NNBSP}?"
    assert typeset_sheet.kicker == "Une fiche…"
    item = typeset_sheet.body[0].list[0]  # type: ignore[union-attr]
    assert item.text == f"quartier{NNBSP}; ville"  # type: ignore[union-attr]
    assert typeset_sheet.body[0].list[1] == f"a{NBSP}: b"  # type: ignore[union-attr]
    assert typeset_sheet.selection is not None
    resource = typeset_sheet.selection.groups[0].resources[0]
    assert resource.title == "L’outil"
    assert resource.url == "https://example.org/l'outil?x=1"
    assert resource.year == "2012"
