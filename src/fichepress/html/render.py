"""Turn a validated sheet into semantic HTML with Jinja2 templates (autoescape on)."""

from __future__ import annotations

import datetime
import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from fichepress import __version__
from fichepress.core.errors import Problem
from fichepress.core.geometry import bleed_css
from fichepress.core.variants import VARIANTS, VariantName
from fichepress.html.qr import qr_svg, short_url
from fichepress.html.typography import typeset_model
from fichepress.source.markup import plain_text, render_inline
from fichepress.source.model import Series, Sheet

PAGE_SIZES = {"letter": "letter", "a4": "A4", "legal": "legal", "a5": "A5"}


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
    contents: str
    """Heading of the collection's table of contents."""
    colophon: str
    """Heading of the collection's colophon."""
    sheets: str
    """The word for several sheets, on the cover ("4 fiches")."""


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
        contents="Sommaire",
        colophon="Colophon",
        sheets="fiches",
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
        contents="Contents",
        colophon="Colophon",
        sheets="sheets",
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


def make_environment(
    loaders: Sequence[jinja2.BaseLoader] = (),
    prefixed: Mapping[str, jinja2.BaseLoader] | None = None,
) -> jinja2.Environment:
    """A Jinja2 environment: the given loaders first (a theme's templates), then fichepress'
    own; every loader is also reachable with a prefix (`fichepress:sheet.html.j2`, or
    `<theme>:…`), so that a template can extend the one it replaces.

    Sandboxed: a theme's templates reach no Python object beyond the data they are given.
    """
    packaged = jinja2.PackageLoader("fichepress", "templates")
    choice = jinja2.ChoiceLoader([*loaders, packaged])
    prefixes = jinja2.PrefixLoader({"fichepress": packaged, **(prefixed or {})}, delimiter=":")
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([prefixes, choice]),
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
    env.filters["qr"] = qr_svg
    env.filters["short_url"] = short_url
    return env


@lru_cache(maxsize=1)
def template_problem(error: jinja2.TemplateError, display: Callable[[str], str]) -> Problem:
    """Where a template went wrong, and what, for a designer: its file (as `display` shows a
    path) and line, and Jinja's words."""
    filename, line = getattr(error, "filename", None), getattr(error, "lineno", None)
    if not filename:
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            if frame.filename.endswith(".j2"):
                filename, line = frame.filename, frame.lineno
                break
    what = {
        "TemplateSyntaxError": "template syntax",
        "UndefinedError": "undefined",
        "TemplateNotFound": "no such template",
        "TemplatesNotFound": "no such template",
        "SecurityError": "not allowed in a theme's template",
    }.get(type(error).__name__, "template")
    message = f"{what}: {error.message or error}"
    if type(error).__name__ == "TemplateRefused":  # says what it is (see loader.py)
        message = str(error.message)
    return Problem(display(filename) if filename else "templates", line or 0, message=message)


def logo_urls(series: Series, folder: Path) -> dict[str, str]:
    """Each logo path of the series file (publisher, funders) mapped to its file's URL, in
    `folder` (the project's sheets/)."""
    paths = [series.publisher.logo]
    if series.funders:
        paths += [funder.logo for funder in series.funders.organisations]
    return {path: (folder / path).resolve().as_uri() for path in paths}


def environment() -> jinja2.Environment:
    """The environment of fichepress' own templates, without a theme's."""
    return make_environment()


@dataclass(frozen=True)
class Look:
    """What the renderer needs of a theme for one variant."""

    environment: jinja2.Environment
    stylesheets: list[str]
    """URLs of the theme's CSS files, in cascade order."""
    head_css: str
    """The CSS fichepress writes for the theme (fonts, swatches, margins)."""
    page_size: str | None = None
    """The theme's page size, used when the series does not set one."""
    logos: dict[str, str] = field(default_factory=dict)
    """URLs of the theme's pictures, by name."""


TYPESETTING = (
    "h1, h2, h3, h4, h5, h6, .sheet-kicker, .sheet-series, .cover-title, .toc-entry"
    " { hyphens: manual !important; }"
    " h1, h2, h3, h4, h5, h6 { break-after: avoid !important; }"
)
"""Rules of the trade that themes do not decide: no word cut in headings, titles and the
kicker, and no heading left at the foot of a page (widows and orphans are the theme's, at
least 2: see base.html.j2)."""


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
        css = f"@page {{ {rule} }} :root {{ --bleed: {self.bleed or '0mm'}; }} {TYPESETTING}"
        if not self.bleed:
            # The accessible variant: words cut by hyphenation would reach readers cut.
            css += " html, html * { hyphens: manual !important; }"
        return css


def page_for(series: Series, variant: VariantName, theme_size: str | None = None) -> Page:
    """The page of a variant: the series' size (else the theme's, else letter), with bleed in
    print."""
    size = series.page_size or theme_size or "letter"
    return Page(PAGE_SIZES[size], bleed_css() if VARIANTS[variant].bleed else None)


def sheet_language(sheet: Sheet, series: Series) -> str:
    return sheet.language or series.language


def sheet_title(sheet: Sheet) -> str:
    """The document title: number and title, as on the page."""
    return f"{sheet.number}. {sheet.title}"


def edition_date(series: Series, sheet: Sheet | None = None) -> datetime.date:
    """The date written in the metadata: the sheet's, the series', SOURCE_DATE_EPOCH or today.

    A fixed date keeps builds reproducible; without one, builds of the same day are.
    """
    if sheet is not None and sheet.date:
        return sheet.date
    if series.date:
        return series.date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    return datetime.datetime.now(datetime.UTC).date()


def render_sheet(
    sheet: Sheet,
    series: Series,
    *,
    variant: VariantName,
    look: Look | None = None,
    logos: dict[str, str],
) -> str:
    """The HTML of one sheet in one variant.

    `look` is what the theme gives (templates, stylesheets, its CSS; none: fichepress' own
    templates alone); `logos` maps each logo path of the series file to its URL.
    """
    look = look or Look(environment(), [], "")
    language = sheet_language(sheet, series)
    sheet, series = typeset_model(sheet, language), typeset_model(series, series.language)
    template = look.environment.get_template("sheet.html.j2")
    page = page_for(series, variant, look.page_size)
    return template.render(
        sheet=sheet,
        series=series,
        variant=VARIANTS[variant].css_name,
        printed_links=VARIANTS[variant].printed_links,
        language=language,
        title=sheet_title(sheet),
        labels=labels_for(language),
        credits=True,
        lang=None,
        stylesheets=look.stylesheets,
        # Generated by fichepress from validated values: no author text; `>` must stay `>`.
        head_css=Markup(look.head_css + " " + page.css()),
        date=edition_date(series, sheet).isoformat(),
        logos=logos,
        theme_logos=look.logos,
        version=__version__,
    )


@dataclass(frozen=True)
class CollectionEntry:
    """A sheet as the collection shows it."""

    sheet: Sheet
    labels: Labels
    lang: str | None
    """The sheet's language when it differs from the series'."""


def collection_css(variant: VariantName, first_page: int | None = None) -> str:
    """Structure of the collection's pages, which themes style but do not decide.

    Front matter (cover, contents) and body (sheets, colophon) are named pages; a part of the
    body starts at its page number in the collection (`first_page`). In print every part
    starts on a right-hand page, blank pages carry no running footer; the accessible variant
    has no blank page.
    """
    start = "right" if VARIANTS[variant].blank_left_pages else "page"
    blank = " ".join(
        f"@{box} {{ content: none; }}"
        for box in (
            "top-left",
            "top-center",
            "top-right",
            "bottom-left",
            "bottom-center",
            "bottom-right",
        )
    )
    counter = (
        f" @page body:nth(1 of body) {{ counter-reset: page {first_page}; }}" if first_page else ""
    )
    return (
        ".cover, .toc { page: front; } .sheets, .colophon { page: body; }"
        f"{counter}"
        f" @page :blank {{ {blank} }} @page front:blank {{ {blank} }}"
        f" @page body:blank {{ {blank} }}"
        f" .toc, .sheets > .sheet, .colophon {{ break-before: {start}; }}"
        " .cover-title, .toc-heading, .colophon-heading, .sheet-title { bookmark-level: 1; }"
        " .sheet h2 { bookmark-level: 2; } .sheet h3 { bookmark-level: 3; }"
    )


Part = Literal["front", "sheet", "colophon"]


def render_collection(
    sheets: list[Sheet],
    series: Series,
    *,
    variant: VariantName,
    part: Part,
    look: Look | None = None,
    logos: dict[str, str],
    date: datetime.date,
    first_page: int | None = None,
    toc_pages: dict[int, str] | None = None,
) -> str:
    """The HTML of one part of the collection: `front` (cover and contents, with the page
    label where each sheet starts in `toc_pages`), `sheet` (the sheets given, usually one,
    numbered from `first_page`) or `colophon`."""
    look = look or Look(environment(), [], "")
    series = typeset_model(series, series.language)
    entries = [
        CollectionEntry(
            typeset_model(sheet, sheet_language(sheet, series)),
            labels_for(sheet_language(sheet, series)),
            sheet.language if sheet.language and sheet.language != series.language else None,
        )
        for sheet in sorted(sheets, key=lambda s: s.number)
    ]
    template = look.environment.get_template("collection.html.j2")
    page = page_for(series, variant, look.page_size)
    head = " ".join((look.head_css, page.css(), collection_css(variant, first_page)))
    return template.render(
        part=part,
        entries=entries,
        series=series,
        variant=VARIANTS[variant].css_name,
        printed_links=VARIANTS[variant].printed_links,
        language=series.language,
        lang=None,
        title=series.title,
        labels=labels_for(series.language),
        stylesheets=look.stylesheets,
        head_css=Markup(head),
        date=date.isoformat(),
        year=date.year,
        toc_pages=toc_pages or {},
        logos=logos,
        theme_logos=look.logos,
        version=__version__,
    )
