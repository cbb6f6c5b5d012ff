"""French and English typography applied to what authors type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint

from fichepress.core.project import Project
from fichepress.html.edition import load_edition
from fichepress.html.typography import NBSP, NNBSP, typeset, typeset_model
from fichepress.source.load import load_sheet
from fichepress.source.model import Sheet


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


# --- what the layout does with it ---------------------------------------------------------------


def _layout(project: Project, sheet: Sheet, variant: str = "print") -> Any:
    from fichepress.series.builder import Builder

    builder = Builder(load_edition(project, []), project.root / "unused")
    html = builder.sheet_html(sheet, variant)
    return weasyprint.HTML(string=html, base_url=project.root.as_uri() + "/").render(
        font_config=builder.renderer.font_config
    )


def _lines(document: Any) -> list[tuple[int, str, str]]:
    """(page, tag of the nearest element with a tag among h1-h6/p/li, text) of every line."""
    found = []

    def walk(box: Any, page: int, tag: str) -> None:
        element_tag = getattr(box, "element_tag", None)
        if element_tag in ("h1", "h2", "h3", "p", "li", "blockquote"):
            tag = element_tag
        if type(box).__name__ == "LineBox":
            text = "".join(getattr(t, "text", "") for t in _text_boxes(box))
            found.append((page, tag if "kicker" not in _classes(box) else "kicker", text))
            return
        for child in getattr(box, "children", ()):
            if type(child).__name__ == "MarginBox":
                continue
            walk(child, page, tag)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number, "")
    return found


def _text_boxes(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        if type(child).__name__ == "TextBox":
            yield child
        else:
            yield from _text_boxes(child)


def _classes(box: Any) -> str:
    element = getattr(box, "element", None)
    return str(element.get("class", "")) if element is not None else ""


HYPHENS = ("-", "\u2010", "\u00ad")


def _theme_says(project: Project, css: str) -> None:
    theme = project.styles / "fiches" / "theme.css"
    theme.write_text(theme.read_text("utf-8") + "\n" + css + "\n", "utf-8")


@pytest.mark.e2e
def test_print_hyphenates_the_body_by_language_and_never_headings(project: Project) -> None:
    _theme_says(project, "h1, .sheet-header, .sheet-kicker { hyphens: auto; max-width: 60mm; }")
    sheet = load_sheet(project.sheets / "03-strategie-globale.yaml", project).sheet
    long_words = "Intersectorialité interinstitutionnelle et multidimensionnalité"
    sheet = sheet.model_copy(update={"title": long_words, "kicker": long_words * 2})
    lines = _lines(_layout(project, sheet))
    body = [
        text for _, tag, text in lines if tag in ("p", "li") and text.rstrip().endswith(HYPHENS)
    ]
    assert body, "French hyphenation is on in the body of the print variant"
    header = [text for _, tag, text in lines if tag in ("h1", "kicker")]
    assert len(header) >= 4  # the title and the kicker wrap in the narrow header
    for text in header:
        assert not text.rstrip().endswith(HYPHENS), text


@pytest.mark.e2e
def test_a_heading_is_never_the_last_line_of_a_page(project: Project) -> None:
    # even when the theme would let it: fichepress' rule beats the theme's declarations
    _theme_says(project, ".sheet-body { columns: 1; } .sheet-body h2 { break-after: auto; }")
    blocks: list[dict[str, str]] = []
    for index in range(30):
        blocks.append({"heading": f"Intertitre {index}"})
        blocks.append({"paragraph": " ".join(["mot"] * 11)})
    sheet = Sheet.model_validate(
        {
            "number": 9,
            "title": "Longue",
            "kicker": "Une fiche longue.",
            "body": blocks,
            "page_budget": 9,
        }
    )
    lines = _lines(_layout(project, sheet))
    pages = sorted({page for page, _, _ in lines})
    assert len(pages) >= 3
    for page in pages[:-1]:
        last = [tag for number, tag, _ in lines if number == page][-1]
        assert last not in ("h1", "h2", "h3"), f"page {page} ends with a heading"


def _paragraph_fragments(document: Any) -> dict[int, list[int]]:
    """For each paragraph of the body: how many of its lines each page or column holds, in
    order (one number for a paragraph that is not cut)."""
    fragments: dict[int, list[tuple[tuple[int, int], int]]] = {}

    def walk(box: Any, page: int, paragraph: Any) -> None:
        if getattr(box, "element_tag", None) == "p":
            paragraph = box.element
        if type(box).__name__ == "LineBox":
            if paragraph is not None:
                where = (page, round(box.position_x / 20))  # the column, by where lines start
                found = fragments.setdefault(id(paragraph), [])
                if found and found[-1][0] == where:
                    found[-1] = (where, found[-1][1] + 1)
                else:
                    found.append((where, 1))
            return
        for child in getattr(box, "children", ()):
            if type(child).__name__ != "MarginBox":
                walk(child, page, paragraph)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number, None)
    return {key: [count for _, count in found] for key, found in fragments.items()}


def _long_sheet(paragraphs: int = 40) -> Sheet:
    words = "Une phrase de travail qui revient, assez longue pour remplir des lignes entières."
    body = [{"paragraph": " ".join([words] * (2 + index % 7))} for index in range(paragraphs)]
    return Sheet.model_validate(
        {
            "number": 9,
            "title": "Longue",
            "kicker": "Une fiche longue.",
            "body": body,
            "page_budget": 20,
        }
    )


@pytest.mark.e2e
@pytest.mark.parametrize(("css", "least"), [("", 3), ("p { orphans: 2; widows: 2; }", 2)])
def test_no_widows_nor_orphans_where_a_paragraph_is_cut(
    project: Project, css: str, least: int
) -> None:
    """The theme asks for 3 lines at least on each side of a break (fichepress for 2, under
    a theme's rule): every paragraph cut by a page or a column keeps them."""
    _theme_says(project, css)
    cut = [f for f in _paragraph_fragments(_layout(project, _long_sheet())).values() if len(f) > 1]
    assert len(cut) >= 5  # the test sees many breaks
    for counts in cut:
        assert counts[0] >= least, counts  # no orphan: the first lines before the break
        assert counts[-1] >= least, counts  # no widow: the last lines after it


@pytest.mark.e2e
def test_the_widow_test_sees_widows_where_the_rules_are_lifted(project: Project) -> None:
    _theme_says(project, "p { orphans: 1 !important; widows: 1 !important; }")
    fragments = _paragraph_fragments(_layout(project, _long_sheet())).values()
    cut = [f for f in fragments if len(f) > 1]
    assert any(min(f[0], f[-1]) < 2 for f in cut), cut


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["fr-CA", "en"])
def test_body_hyphenation_follows_the_language_and_spares_every_heading(
    project: Project, language: str
) -> None:
    """Print variant, narrow columns: the body's words are cut where the sheet's language's
    dictionary allows, and no heading (h1, h2, h3) is ever hyphenated."""
    import pyphen  # type: ignore[import-untyped]

    _theme_says(
        project, ".sheet-body { columns: 3; } h3 { max-width: 30mm; } h2, h3 { hyphens: auto; }"
    )
    long_words = {
        "fr-CA": "Intersectorialité interinstitutionnelle et multidimensionnalité",
        "en": "Intersectoral interinstitutional multidimensionality notwithstanding",
    }[language]
    sheet = load_sheet(project.sheets / "03-strategie-globale.yaml", project).sheet
    body: list[dict[str, str]] = [{"heading": long_words}]
    body += [{"paragraph": " ".join(["mot"] * shift + [long_words] * 3)} for shift in range(12)]
    blocks = Sheet.model_validate({"number": 1, "title": "t", "kicker": "k", "body": body}).body
    assert sheet.selection is not None
    groups = sheet.selection.groups
    selection = sheet.selection.model_copy(
        update={"groups": (groups[0].model_copy(update={"heading": long_words}), *groups[1:])}
    )  # its group headings are h3
    sheet = sheet.model_copy(
        update={"language": language, "title": long_words, "body": blocks, "selection": selection}
    )
    lines = _lines(_layout(project, sheet))
    dictionary = pyphen.Pyphen(lang=language.replace("-", "_"))
    pieces = [
        text.rstrip().rstrip("".join(HYPHENS)).split()[-1]
        for _, tag, text in lines
        if tag == "p" and text.rstrip().endswith(HYPHENS)
    ]
    ours = [(p, w) for p in pieces for w in long_words.split() if w.startswith(p) and p != w]
    assert len(ours) >= 3, f"the {language} body's long words are not hyphenated: {pieces}"
    for piece, word in ours:  # cut where the language's dictionary allows
        assert len(piece) in dictionary.positions(word), (piece, word)
    other = pyphen.Pyphen(lang="en" if language == "fr-CA" else "fr")
    assert any(len(piece) not in other.positions(word) for piece, word in ours), ours
    headings = [text for _, tag, text in lines if tag in ("h1", "h2", "h3")]
    assert len(headings) >= 3  # they wrap in the narrow columns
    for text in headings:
        assert not text.rstrip().endswith(HYPHENS), text


@pytest.mark.e2e
def test_an_english_sheet_in_a_french_series_gets_english_typography(
    project: Project, tmp_path: Path
) -> None:
    """Typed with straight quotes and apostrophes, in a sheet that says `language: en`: the
    PDF reads curly English quotes, no French spaces before ? and :, and its language."""
    import pikepdf

    from fichepress.checks.ua_source import reading_text
    from fichepress.series.builder import build

    sheet = project.sheets / "03-strategie-globale.yaml"
    text = sheet.read_text("utf-8")
    text = text.replace("kicker:", "language: en\nkicker:", 1)
    start = text.index("body:")
    text = (
        text[:start]
        + "body:\n  - paragraph: 'He said \"it works\": isn''t it? Yes.'\n"
        + text[text.index("\nselection:") + 1 :]
    )
    sheet.write_text(text, "utf-8")
    out = tmp_path / "out"
    report = build(load_edition(project), out, variants=["accessible"], jobs=1)
    assert report.ok, report.problems
    with pikepdf.open(out / "accessible" / "03-strategie-globale.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        paragraphs = [t for role, t in reading_text(pdf) if role == "P"]
    assert "He said “it works”: isn’t it? Yes." in paragraphs
    assert not any("«" in t or NNBSP in t for t in paragraphs if t.startswith("He said"))
