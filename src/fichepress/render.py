"""Turn a validated sheet into semantic HTML with Jinja2 templates (autoescape on)."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jinja2
from markupsafe import Markup

from fichepress import __version__
from fichepress.markup import plain_text, render_inline
from fichepress.model import Series, Sheet

Variant = Literal["print", "accessible"]
VARIANTS: tuple[Variant, ...] = ("print", "accessible")

PAGE_SIZES = {"letter": "letter", "a4": "A4", "legal": "legal", "a5": "A5"}
BLEED = "3mm"


@dataclass(frozen=True)
class Labels:
    """Words the templates print around the authors' text, in one language."""

    by: str
    """Joins a resource's title to its authors."""
    colon: str
    """A colon as the language spaces it, between a label and what follows."""
    months: tuple[str, ...]
    """Names of the months, January first."""
    selection: str
    """Default heading of the selection."""
    further_reading: str
    """Default heading of the further reading box."""
    sheet: str
    """What a sheet is called in running footers."""
    funders: str
    """Accessible name of the list of funders' logos."""


LABELS = {
    "fr": Labels(
        by="par",
        colon="\u00a0: ",
        months=(
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
        selection="Notre sélection",
        further_reading="Une suggestion pour aller plus loin",
        sheet="Fiche",
        funders="Partenaires financiers",
    ),
    "en": Labels(
        by="by",
        colon=": ",
        months=(
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
        selection="Our selection",
        further_reading="To go further",
        sheet="Sheet",
        funders="Funders",
    ),
}


def labels_for(language: str) -> Labels:
    """The labels of a language tag such as fr-CA."""
    return LABELS[language.split("-")[0]]


def _sentence(text: Markup) -> Markup:
    """End rendered text with a full stop unless it already ends a sentence."""
    stripped = str(text).rstrip()
    return text if stripped.endswith((".", "!", "?", "…")) else Markup(stripped + ".")


def _label(text: str, labels: Labels) -> str:
    """A list item's label followed by a colon, spaced as the language wants, unless it ends
    with its own punctuation ("Pour qui?")."""
    return text if text.endswith(("?", "!", ":", "…")) else text + labels.colon.rstrip()


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the packaged templates."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("fichepress", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inline"] = render_inline
    env.filters["plain"] = plain_text
    env.filters["sentence"] = _sentence
    env.filters["label"] = _label
    return env


@dataclass(frozen=True)
class Page:
    """Page geometry of a variant, from the series."""

    size: str
    bleed: str | None

    def css(self) -> str:
        """The page rule, and `--bleed` for themes that run backgrounds off the page."""
        rule = f"size: {self.size};"
        if self.bleed:
            rule += f" bleed: {self.bleed};"
        css = f"@page {{ {rule} }} :root {{ --bleed: {self.bleed or '0mm'}; }}"
        if not self.bleed:
            # The accessible variant: words cut by hyphenation would reach readers cut.
            css += " html, html * { hyphens: manual !important; }"
        return css


def page_for(series: Series, variant: Variant) -> Page:
    """The page of a variant: the series' size, with bleed in print."""
    return Page(PAGE_SIZES[series.page_size], BLEED if variant == "print" else None)


def sheet_language(sheet: Sheet, series: Series) -> str:
    return sheet.language or series.language


def sheet_title(sheet: Sheet) -> str:
    """The document title: number and title, as on the page."""
    return f"{sheet.number}. {sheet.title}"


def edition_date(sheet: Sheet, series: Series) -> datetime.date:
    """The date written in a sheet's metadata: its own, the series', SOURCE_DATE_EPOCH or today.

    A fixed date keeps builds reproducible; without one, builds of the same day are.
    """
    if sheet.date or series.date:
        return sheet.date or series.date  # type: ignore[return-value]
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    return datetime.datetime.now(datetime.UTC).date()


def render_sheet(
    sheet: Sheet,
    series: Series,
    *,
    variant: Variant,
    stylesheets: list[str],
    swatches: str,
    logos: dict[str, str],
) -> str:
    """The HTML of one sheet in one variant.

    `stylesheets` are URLs of the theme's CSS files, `swatches` the CSS that defines the
    theme's colours for this variant, `logos` maps each logo path of the series file to its URL.
    """
    language = sheet_language(sheet, series)
    template = environment().get_template("sheet.html.j2")
    return template.render(
        sheet=sheet,
        series=series,
        variant=variant,
        language=language,
        title=sheet_title(sheet),
        labels=labels_for(language),
        stylesheets=stylesheets,
        head_css=swatches + " " + page_for(series, variant).css(),
        date=edition_date(sheet, series).isoformat(),
        logos=logos,
        version=__version__,
    )
