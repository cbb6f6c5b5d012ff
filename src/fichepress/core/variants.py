"""The variants a series is built in, as data: what each one is (its PDF standard, bleed,
colours, tags, links, folder) in one registry, `VARIANTS`, so that a new edition is one entry.

A variant travels by its name (in manifests, JSON, options and messages); code that needs one
of its properties looks it up: `VARIANTS[name].bleed`. What a variant's PDF goes through after
WeasyPrint (finishing, checks) is `series/pipeline.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

VariantName = str
"""A variant as it travels: its name, a key of `VARIANTS` ("print", "accessible")."""


@dataclass(frozen=True)
class Variant:
    """What a variant is: the data every stage reads of it."""

    name: VariantName
    pdf_variant: str
    """WeasyPrint's `pdf_variant`: the standard the PDF is made to."""
    bleed: bool
    """The page runs past the trim (the bleed), for the press."""
    cmyk: bool
    """Swatches in CMYK, and pictures converted through the output profile."""
    tagged: bool
    """A tagged PDF, its structure rebuilt from the HTML (see `pdf/tagging.py`)."""
    contrast: bool
    """Text colours are checked on their backgrounds (WCAG AA): it is read on screens."""
    printed_links: bool
    """Paper has no links: the templates print addresses and QR codes instead."""
    blank_left_pages: bool
    """In the collection, each part starts on a right-hand page (blank left pages added)."""
    folder: str
    """The subfolder of the output folder its PDFs are written to."""
    css_name: str
    """What templates (`variant`, `body.fp-<name>`) and themes (`<name>.css`) call it."""


PRINT = Variant(
    name="print",
    pdf_variant="pdf/x-4",
    bleed=True,
    cmyk=True,
    tagged=False,
    contrast=False,
    printed_links=True,
    blank_left_pages=True,
    folder="print",
    css_name="print",
)
ACCESSIBLE = Variant(
    name="accessible",
    pdf_variant="pdf/ua-1",
    bleed=False,
    cmyk=False,
    tagged=True,
    contrast=True,
    printed_links=False,
    blank_left_pages=False,
    folder="accessible",
    css_name="accessible",
)

VARIANTS: dict[VariantName, Variant] = {variant.name: variant for variant in (PRINT, ACCESSIBLE)}
"""Every variant by name, in the order they are built and told."""

VARIANT_NAMES: tuple[VariantName, ...] = tuple(VARIANTS)
"""The names of the variants: what a build makes unless told."""
