"""The typed schema of a fact-sheet and of its series: what authors may write, and nothing else.

Every field carries a one-line description (it is what `fichepress schema` and editors show),
unknown keys are errors, and values are checked here so that nothing odd reaches the renderer.
Paths to files (logos, themes) are checked by `load.py`, which knows where the project is.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from fichepress.source.markup import (
    PASSAGE_LANGUAGES,
    check_inline,
    language_problem,
    long_word_problem,
)

# Tags of the discriminated unions start with this marker, so that error locations can drop them.
TAG = "§"


class Strict(BaseModel):
    """Base of every schema object: unknown keys are errors, the objects are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
    )


# --- scalar types ----------------------------------------------------------------------------


def _text(value: str) -> str:
    if not value:
        raise PydanticCustomError("empty_text", "is empty: write a text here")
    problem = long_word_problem(value)
    if problem:
        raise PydanticCustomError("long_word", problem)
    return value


def _inline(value: str) -> str:
    if not value:
        raise PydanticCustomError("empty_text", "is empty: write a text here")
    problem = check_inline(value)
    if problem:
        raise PydanticCustomError("bad_inline", problem)
    return value


Text = Annotated[str, AfterValidator(_text)]
"""Plain text, no markup."""

Inline = Annotated[str, AfterValidator(_inline)]
"""Text with inline Markdown: **bold**, *italics*, [links](https://…), [words in another
language]{lang=en}."""


MAX_QR_BYTES = 2_331
"""The most a QR code holds, in bytes of UTF-8 text: the largest symbol (version 40) at the
error correction used here (M). A web address printed with its QR code may not be longer."""


def qr_capacity_problem(text: str) -> str | None:
    """Why `text` cannot be printed as a QR code, in plain words, or None."""
    size = len(text.encode("utf-8"))
    if size <= MAX_QR_BYTES:
        return None
    return (
        f"holds {size:,} characters, more than the {MAX_QR_BYTES:,} a QR code can hold (a letter"
        " with an accent counts as two): use a shorter address"
    )


_HOST = re.compile(r"^(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}$|^\d{1,3}(?:\.\d{1,3}){3}$")
"""A host name with a top-level domain (example.org, exemple.québec), or an IPv4 address."""


def _url(value: str) -> str:
    too_long = qr_capacity_problem(value)
    if too_long:
        raise PydanticCustomError("long_url", too_long)
    if any(c.isspace() for c in value):
        raise PydanticCustomError(
            "bad_url", 'a web address holds no space: remove it, got "{value}"', {"value": value}
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PydanticCustomError(
            "bad_url",
            'must be a web address starting with https:// or http://, got "{value}"',
            {"value": value},
        )
    host = parts.hostname or ""
    if not _HOST.match(host):
        raise PydanticCustomError(
            "bad_url",
            '"{host}" is not a site\'s name: letters, digits, "-" and dots, like example.org',
            {"host": host},
        )
    return value


Url = Annotated[str, AfterValidator(_url)]

_YEAR_RE = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4}))?$")


def _year(value: Any) -> str:
    text = str(value).strip()
    match = _YEAR_RE.match(text)
    if not match:
        raise PydanticCustomError(
            "bad_year",
            'must be a year like 2012 or a range like 2011-2015, got "{value}"',
            {"value": text},
        )
    start, end = match.group(1), match.group(2)
    if end and int(end) < int(start):
        raise PydanticCustomError(
            "bad_year", 'the range "{value}" ends before it starts', {"value": text}
        )
    return f"{start}-{end}" if end else start


Year = Annotated[str, BeforeValidator(_year)]

_LANG_RE = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<region>[A-Z]{2}|\d{3}))?$")
LANGUAGES = ("fr", "en")


def _language(value: str) -> str:
    match = _LANG_RE.match(value)
    if not match:
        raise PydanticCustomError(
            "bad_language",
            'must be a language tag like fr-CA, fr or en, got "{value}"',
            {"value": value},
        )
    if match.group("lang") not in LANGUAGES:
        raise PydanticCustomError(
            "unsupported_language",
            'fichepress knows the typography of {known}, not "{value}"',
            {"value": value, "known": ", ".join(LANGUAGES)},
        )
    return value


Language = Annotated[str, AfterValidator(_language)]


def _passage_language(value: str) -> str:
    problem = language_problem(value)
    if problem:
        raise PydanticCustomError("bad_passage_language", problem)
    return value


_PASSAGE_SCHEMA = {
    "type": "string",
    "pattern": rf"^({'|'.join(sorted(PASSAGE_LANGUAGES))})(-([A-Z]{{2}}|[0-9]{{3}}))?$",
    "patternErrorMessage": "must be a language tag like en, en-US or es",
}
PassageLanguage = Annotated[str, AfterValidator(_passage_language), WithJsonSchema(_PASSAGE_SCHEMA)]
"""The language of a title or a reference in another one than the sheet's (en, en-US, es, …):
any the renderer hyphenates, not only those of the sheets."""

PageSize = Literal["letter", "a4", "legal", "a5"]
Underfilled = Literal["advice", "warning", "error"]
"""Trim size of a page: US Letter (8.5 × 11 in), A4, US Legal or A5."""

MAX_PAGE_BUDGET = 20
"""The most pages a sheet may be budgeted: a fact-sheet is a few pages, and a budget lets a
sheet be laid out up to several times its length before it is refused (see authoring.py)."""

PageBudget = Annotated[int, Field(ge=1, le=MAX_PAGE_BUDGET)]


# --- the body of a sheet ----------------------------------------------------------------------


class Paragraph(Strict):
    """A paragraph of running text."""

    paragraph: Inline
    """The text of the paragraph, with inline Markdown."""


class LabelledItem(Strict):
    """A list item that opens with a bold label, as in "Parties prenantes : institutions, …"."""

    label: Text
    """The label, printed in bold and followed by a colon."""
    text: Inline
    """What follows the label."""


def _item_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return f"{TAG}text"
    if isinstance(value, dict):
        return f"{TAG}labelled"
    return None


ListItem = Annotated[
    Annotated[Inline, Tag(f"{TAG}text")] | Annotated[LabelledItem, Tag(f"{TAG}labelled")],
    Discriminator(
        _item_kind,
        custom_error_type="bad_list_item",
        custom_error_message="must be a text, or a label with its text (label: …, text: …)",
    ),
]


class BulletList(Strict):
    """A bulleted list."""

    list: Annotated[tuple[ListItem, ...], Field(min_length=1)]
    """The items, in order: each a text, or a `label` and its `text`."""


class Quote(Strict):
    """A pull quote, set apart from the text."""

    quote: Inline
    """The quoted words."""
    source: Inline | None = None
    """Who said or wrote it, if the quote is not the publisher's own."""


class Heading(Strict):
    """A subheading inside the body of the sheet."""

    heading: Text
    """The text of the subheading."""


BLOCK_KINDS = ("paragraph", "list", "quote", "heading")


def _block_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for kind in BLOCK_KINDS:
            if kind in value:
                return f"{TAG}{kind}"
    return None


Block = Annotated[
    Annotated[Paragraph, Tag(f"{TAG}paragraph")]
    | Annotated[BulletList, Tag(f"{TAG}list")]
    | Annotated[Quote, Tag(f"{TAG}quote")]
    | Annotated[Heading, Tag(f"{TAG}heading")],
    Discriminator(
        _block_kind,
        custom_error_type="bad_block",
        custom_error_message="must be a block: paragraph, list, quote or heading",
    ),
]


# --- "Notre sélection" and "pour aller plus loin" ---------------------------------------------


class Resource(Strict):
    """A recommended resource: KIND *Title* par Authors, container, details, year : description."""

    kind: Text | None = None
    """What it is (Vidéo, Brochure, Fiche synthèse, Recherche-action, …); printed as a label."""
    title: Inline
    """Its title; printed in italics after the kind, or as the label when there is no kind."""
    language: PassageLanguage | None = None
    """Language of its title when not the sheet's (en, es, …); for some words: [words]{lang=en}."""
    authors: Inline
    """Who made it, as it should be printed after "par" ("le Centre Léa-Roback", …)."""
    container: Inline | None = None
    """Where it was published, when it is part of something larger ("dans le mémoire *…*")."""
    details: Inline | None = None
    """Duration, issue or pages ("4 min 50 s", "n° 4", "encadré des pages 6-7")."""
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    """Month of publication (1-12), printed by name before the year."""
    year: Year
    """Year of publication, or a range of years such as 2011-2015."""
    description: Inline | None = None
    """What it contains, printed after the year and a colon."""
    url: Url | None = None
    """Web address of the resource."""
    commentary: Inline | None = None
    """The publisher's comment on why it is worth reading, printed below it."""


class ResourceGroup(Strict):
    """A category of resources, such as "Des outils pratiques"."""

    heading: Text
    """Name of the category."""
    resources: Annotated[tuple[Resource, ...], Field(min_length=1)]
    """The resources of this category, in order."""


class Selection(Strict):
    """The publisher's selection of resources ("Notre sélection")."""

    heading: Text | None = None
    """Heading of the part; by default "Notre sélection" (fr) or "Our selection" (en)."""
    intro: Inline | None = None
    """Introduction printed under the heading."""
    groups: Annotated[tuple[ResourceGroup, ...], Field(min_length=1)]
    """The categories of resources, in order."""


class Reference(Strict):
    """A reference in the "pour aller plus loin" box, written as it should be printed."""

    citation: Inline
    """The full reference; *title* in italics, [words]{lang=en} in another language."""
    language: PassageLanguage | None = None
    """Language of the whole reference when it is not the sheet's (en, en-US, es, …)."""
    url: Url | None = None
    """Web address of the referenced work."""


class FurtherReading(Strict):
    """The "pour aller plus loin" box closing the sheet."""

    heading: Text | None = None
    """Heading of the box; by default "Une suggestion pour aller plus loin" (fr)."""
    commentary: Inline | None = None
    """Why the reading is suggested."""
    references: Annotated[tuple[Reference, ...], Field(min_length=1)]
    """The suggested readings."""


PLACEHOLDER_MARKERS = ("[À COMPLÉTER]", "[TO COMPLETE]")
"""The marker of every placeholder of `fichepress new`'s template (French, English): a sheet
holding one is a draft, refused by `check`."""

SCHEMA_VERSION = 1
"""The version of the sheet and series format this fichepress reads. A file may say which
version it is written for (`schema_version: 1`); when the format changes, the version goes up
and `SCHEMA_CHANGES` says what changed, so that an older file gets a message saying how to
update it rather than a list of unknown keys."""

SCHEMA_CHANGES: dict[int, str] = {}
"""For each version after the first: what changed from the one before, in plain words."""


def _schema_version(value: int) -> int:
    if value > SCHEMA_VERSION:
        raise PydanticCustomError(
            "newer_schema",
            "the file is written for version {value} of the format, newer than this fichepress"
            " reads ({known}): update fichepress (pip install --upgrade fichepress)",
            {"value": value, "known": SCHEMA_VERSION},
        )
    changes = [
        SCHEMA_CHANGES[v] for v in range(value + 1, SCHEMA_VERSION + 1) if v in SCHEMA_CHANGES
    ]
    if changes:
        raise PydanticCustomError(
            "older_schema",
            "the file is written for version {value} of the format; since then: {changes}."
            " Update it, then write schema_version: {known}",
            {"value": value, "changes": "; ".join(changes), "known": SCHEMA_VERSION},
        )
    return value


SchemaVersion = Annotated[int, Field(ge=1), AfterValidator(_schema_version)]


class Sheet(Strict):
    """One fact-sheet of the series: one YAML file in `sheets/`."""

    schema_version: SchemaVersion | None = None
    """The version of the format the file is written for (default: this fichepress's)."""
    number: Annotated[int, Field(ge=1, le=9999)]
    """Number of the sheet in the series, printed before its title."""
    title: Text
    """Title of the sheet."""
    kicker: Text
    """Tagline under the title, written in normal case (the theme may set it in capitals)."""
    language: Language | None = None
    """Language of the sheet (fr-CA, fr, en, …) when it differs from the series."""
    page_budget: PageBudget | None = None
    """How many pages the sheet may fill, when it differs from the series."""
    body: Annotated[tuple[Block, ...], Field(min_length=1)]
    """The text of the sheet: paragraphs, lists, quotes and subheadings, in order."""
    selection: Selection | None = None
    """The publisher's selection of resources."""
    further_reading: FurtherReading | None = None
    """The "pour aller plus loin" box."""
    date: datetime.date | None = None
    """Date of this version of the sheet (YYYY-MM-DD), when it differs from the series'."""


# --- the series ------------------------------------------------------------------------------


class Logo(Strict):
    """An organisation shown by its logo, such as a funder or the publisher."""

    name: Text
    """Name of the organisation."""
    logo: Text
    """Logo file (SVG, PNG or JPEG), relative to the folder of the series file."""
    alt: Text
    """Alternative text of the logo, read aloud in place of the picture."""


class Funders(Strict):
    """The funders' credit printed at the foot of every sheet."""

    intro: Text
    """Words introducing the funders ("Avec la participation financière de :")."""
    organisations: Annotated[tuple[Logo, ...], Field(min_length=1)]
    """The funders, in the order their logos are printed."""


class Series(Strict):
    """The series: `sheets/series.yaml`, shared by every sheet."""

    schema_version: SchemaVersion | None = None
    """The version of the format the file is written for (default: this fichepress's)."""
    title: Text
    """Title of the series, printed on every sheet and on the collection's cover."""
    publisher: Logo
    """The organisation that publishes the series, with its logo."""
    copyright: Text
    """Copyright line, such as "© 2019 Communagir"."""
    licence: Text
    """Licence or rights statement, such as "Tous droits réservés" or "CC BY 4.0"."""
    language: Language = "fr-CA"
    """Language of the sheets, as a language tag (fr-CA, fr, en, …)."""
    theme: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    """Name of the theme: a folder of `styles/`."""
    page_size: PageSize | None = None
    """Trim size of the pages: letter, a4, legal or a5 (default: the theme's, else letter)."""
    page_budget: PageBudget = 2
    """How many pages a sheet may fill unless it says otherwise."""
    underfilled_pages: Underfilled = "advice"
    """A page less than half filled: advice (never fails), warning (fails --strict) or error."""
    funders: Funders | None = None
    """Funders credited at the foot of every sheet."""
    date: datetime.date | None = None
    """Date of this edition (YYYY-MM-DD), written in the PDFs' metadata; default: today."""


# --- themes ----------------------------------------------------------------------------------

_SWATCH_RE = re.compile(
    r"^cmyk\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)"
    r"\s*/\s*rgb\s+(#[0-9a-fA-F]{6})$"
)
MAX_INK = 300
"""Total area coverage (C+M+Y+K, in percent) a printing condition such as FOGRA39 accepts."""


def _swatch_shorthand(value: Any) -> Any:
    """Accept "cmyk 0 85 100 0 / rgb #e3411b" as well as the mapping form."""
    if isinstance(value, str):
        match = _SWATCH_RE.match(value.strip())
        if not match and value.rstrip().endswith("rgb"):
            raise PydanticCustomError(
                "bad_swatch",
                'lacks its RGB value: put the whole value between quotes, as " #" starts a YAML'
                ' comment ("cmyk 0 85 100 0 / rgb #e3411b")',
            )
        if not match:
            raise PydanticCustomError(
                "bad_swatch",
                'must be "cmyk C M Y K / rgb #rrggbb" or a mapping with cmyk and rgb,'
                ' got "{value}"',
                {"value": value},
            )
        return {"cmyk": list(match.groups()[:4]), "rgb": match.group(5)}
    return value


def _ink_limit(cmyk: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    total = sum(cmyk)
    if total > MAX_INK:
        raise PydanticCustomError(
            "too_much_ink",
            "uses {total} % of ink in all; print accepts {limit} % at most",
            {"total": f"{total:g}", "limit": MAX_INK},
        )
    return cmyk


Ink = Annotated[float, Field(ge=0, le=100)]


class Swatch(Strict):
    """A colour of the theme, given once for print (CMYK) and once for screens (RGB)."""

    cmyk: Annotated[tuple[Ink, Ink, Ink, Ink], AfterValidator(_ink_limit)]
    """Ink coverages in percent for the print variant: cyan, magenta, yellow, black."""
    rgb: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
    """The colour for the accessible variant, as #rrggbb."""

    @property
    def rgb_tuple(self) -> tuple[int, int, int]:
        """The RGB value as three numbers from 0 to 255."""
        return (int(self.rgb[1:3], 16), int(self.rgb[3:5], 16), int(self.rgb[5:7], 16))


SwatchName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]


class LayoutLimits(Strict):
    """How much text the theme's layout holds where space is fixed (the header band)."""

    title: Annotated[int, Field(ge=1)] | None = None
    """Longest sheet title, in characters, that the header holds."""
    kicker: Annotated[int, Field(ge=1)] | None = None
    """Longest kicker, in characters, that the header holds."""


Length = Annotated[str, Field(pattern=r"^\d+(\.\d+)?(mm|cm|in|pt)$")]
"""A length for print: a number and mm, cm, in or pt ("18mm")."""


class Margins(Strict):
    """Page margins of the theme."""

    top: Length | None = None
    """Margin above the text."""
    bottom: Length | None = None
    """Margin below the text (the running footer sits in it)."""
    sides: Length | None = None
    """Margin left and right of the text."""


class PageSettings(Strict):
    """The page the theme is designed for."""

    size: PageSize | None = None
    """Trim size, used when the series file does not set one."""
    margins: Margins = Margins()
    """Page margins; the CSS reads them as var(--page-margin-top), -bottom and -sides."""


class FontFace(Strict):
    """One font file of a family."""

    family: Text
    """The family name the CSS uses (font-family: "Lato")."""
    file: Text
    """The font file (TTF, OTF, WOFF, WOFF2), relative to the fonts/ beside the theme's styles/."""
    weight: Annotated[int, Field(ge=100, le=900, multiple_of=100)] = 400
    """Weight of this file: 400 regular, 700 bold, 900 black…"""
    style: Literal["normal", "italic"] = "normal"
    """Whether this file is the italic."""


class ThemeConfig(Strict):
    """A theme's settings: `styles/<name>/theme.yaml`, beside its CSS."""

    name: Text | None = None
    """The theme's name as people call it ("Sobre"); fichepress knows it by its folder."""
    description: Text | None = None
    """What the theme looks like and what it is for."""
    extends: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")] | None = None
    """The theme this one builds on: it inherits everything and overrides what it names."""
    page: PageSettings = PageSettings()
    """Page size and margins, when the theme sets them."""
    swatches: dict[SwatchName, Annotated[Swatch, BeforeValidator(_swatch_shorthand)]] = {}
    """The theme's colours; CSS uses each as var(--name)."""
    fonts: tuple[FontFace, ...] = ()
    """The font files of the theme's families (fichepress writes the @font-face rules)."""
    logos: dict[SwatchName, Text] = {}
    """Pictures of the theme (name: file in the theme's folder), for its templates and CSS."""
    limits: LayoutLimits = LayoutLimits()
    """How long titles and kickers may be; `fichepress check` warns beyond."""
