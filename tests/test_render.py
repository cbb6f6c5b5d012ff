"""The HTML of a sheet: semantic, in order, escaped."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import pytest
import tinyhtml5

from fichepress.core.project import Project
from fichepress.html.render import Look, environment, render_sheet
from fichepress.html.typography import typeset
from fichepress.source.load import load_series, load_sheet
from fichepress.source.model import Series, Sheet

REFERENCE = "03-strategie-globale"


@pytest.fixture
def reference(project: Project) -> tuple[Sheet, Series]:
    return load_sheet(project.sheets / f"{REFERENCE}.yaml", project).sheet, load_series(project)


def html_of(sheet: Sheet, series: Series, variant: str = "accessible") -> Element:
    html = render_sheet(
        sheet,
        series,
        variant=variant,
        look=Look(environment(), ["file:///theme.css"], ":root { --ink: #000000; }"),
        logos={
            logo: f"file:///{logo}"
            for logo in (
                series.publisher.logo,
                *(f.logo for f in (series.funders.organisations if series.funders else ())),
            )
        },
    )
    root: Element = tinyhtml5.parse(html, namespace_html_elements=False)
    return root


def fr(text: str) -> str:
    """Text with French typography, as the templates print it."""
    return typeset(text, "fr-CA")


def text(element: Element) -> str:
    return re.sub(r"[ \t\n]+", " ", "".join(element.itertext())).strip()


def test_document_language_title_and_stylesheets(reference: tuple[Sheet, Series]) -> None:
    root = html_of(*reference)
    assert root.get("lang") == "fr-CA"
    assert text(root.find("head/title")) == "3. S’intégrer dans une stratégie plus globale"  # type: ignore[arg-type]
    assert [link.get("href") for link in root.iter("link")] == ["file:///theme.css"]


def test_headings_are_one_h1_then_h2_h3_in_order(reference: tuple[Sheet, Series]) -> None:
    root = html_of(*reference)
    headings = [(h.tag, text(h)) for h in root.iter() if h.tag in ("h1", "h2", "h3", "h4")]
    assert headings == [
        ("h1", "3. S’intégrer dans une stratégie plus globale"),
        ("h2", "Notre sélection"),
        ("h3", "Des outils pratiques"),
        ("h3", "Des illustrations concrètes"),
        ("h3", "Des références de base"),
        ("h2", "Une suggestion pour aller plus loin"),
    ]


def test_blocks_become_semantic_elements(reference: tuple[Sheet, Series]) -> None:
    root = html_of(*reference)
    article = root.find(".//article")
    assert article is not None
    body = article.find("div[@class='sheet-body']")
    assert body is not None
    assert [child.tag for child in body] == ["p", "p", "p", "ul", "p", "blockquote"]
    items = body.findall("ul/li")
    assert [text(li.find("strong")) for li in items] == [  # type: ignore[arg-type]
        "Parties prenantes\u00a0:",
        "Paliers\u00a0:",
        "Secteurs\u00a0:",
        "Champs\u00a0:",
    ]
    assert text(body.find("blockquote")).startswith("Exercice tantôt périlleux")  # type: ignore[arg-type]
    assert [text(s) for s in body.findall("p/strong")] == [
        "portée",
        "stratégie plus globale",
        "l’intersectorialité",
    ]


def test_resources_read_as_in_the_reference(reference: tuple[Sheet, Series]) -> None:
    root = html_of(*reference)
    references = [text(p) for p in root.iter("p") if p.get("class") == "resource-reference"]
    assert references[0] == fr(
        "Vidéo Faire la connexion – Notre ville, notre société, notre santé : les déterminants"
        " sociaux de la santé par Wellesley Institute et Nexus santé, 4 min 50 s, 2012."
    )
    assert references[3] == fr(
        "Recherche-action Aller au bord de l'exclusion par Communauté ouverte et solidaire pour"
        " un monde outillé, scolarisé et en santé (COSMOSS), 2011-2015\u00a0: description de"
        " toutes les phases de la recherche-action explorant les stratégies pour joindre les"
        " personnes vulnérables et éloignées des services dans la région du Bas-Saint-Laurent."
    )
    assert references[-1] == fr(
        "Définition de l'action intersectorielle par le Centre Léa-Roback, Le point sur..."
        " l'action intersectorielle, n° 4, février 2018."
    )
    kinds = [text(s) for s in root.iter("span") if s.get("class") == "resource-kind"]
    assert kinds == ["Vidéo", "Brochure", "Fiche synthèse", "Recherche-action", "RUI et ATI"]
    assert len([c for c in root.iter("cite")]) == 5


def test_credits_close_the_article_with_described_logos(reference: tuple[Sheet, Series]) -> None:
    root = html_of(*reference)
    article = root.find(".//article")
    assert article is not None
    footer = list(article)[-1]
    assert footer.tag == "footer"
    images = [(img.get("alt"), img.get("src")) for img in footer.iter("img")]
    assert images == [
        (
            "Travail, Emploi et Solidarité sociale Québec",
            "file:///logos/travail-emploi-solidarite-sociale.svg",
        ),
        ("Communagir", "file:///logos/communagir.svg"),
    ]
    assert all(figure.find("img") is not None for figure in footer.iter("figure"))
    assert "© 2019 Communagir - Tous droits réservés" in text(footer)


def test_author_text_is_escaped(reference: tuple[Sheet, Series]) -> None:
    sheet, series = reference
    evil = sheet.model_copy(
        update={"title": "<script>alert(1)</script>", "kicker": "{{ 7*7 }} & <b>x</b>"}
    )
    root = html_of(evil, series)
    assert list(root.iter("script")) == [] and list(root.iter("b")) == []
    assert text(root.find(".//h1")) == "3. <script>alert(1)</script>"  # type: ignore[arg-type]
    assert "{{ 7*7 }} & <b>x</b>" in text(root.find(".//header"))  # type: ignore[arg-type]


def test_the_html_is_the_same_for_both_variants_but_the_page(
    reference: tuple[Sheet, Series],
) -> None:
    sheet, series = reference
    printed = html_of(sheet, series, "print")
    accessible = html_of(sheet, series, "accessible")
    printed_css = text(printed.findall("head/style")[-1])
    accessible_css = text(accessible.findall("head/style")[-1])
    assert "@page { size: letter; bleed: 3mm; }" in printed_css
    assert "--bleed: 3mm;" in printed_css
    assert "@page { size: letter; }" in accessible_css
    assert "--bleed: 0mm;" in accessible_css
    assert printed.find("body").get("class") == "fp-print"  # type: ignore[union-attr]
