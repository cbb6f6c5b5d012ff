"""Colour for print: the CMYK output profile, RGB → CMYK, and CMYK versions of logos and images.

Print PDFs must hold CMYK only. Theme colours are swatches with a CMYK value chosen by the
designer; the colours of logos and pictures, which come from elsewhere in RGB, are converted
here before WeasyPrint sees them: to the swatch of the same RGB value when there is one, to
pure black ink (K) when they are neutral greys, and through the output profile otherwise.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import tinycss2
import tinycss2.color4
from PIL import Image, ImageCms

PROFILE_FILE = "FOGRA39L-fichepress.icc"
PRINT_PPI = 300

CMYK = tuple[float, float, float, float]
"""Ink coverages from 0 to 1: cyan, magenta, yellow, black."""


@dataclass(frozen=True)
class OutputCondition:
    """The printing condition the print PDFs are made for (their PDF/X output intent)."""

    identifier: str
    """Registered name of the condition in the ICC characterization data registry."""
    info: str
    """Human-readable description of the condition."""
    registry: str = "http://www.color.org"


FOGRA39 = OutputCondition(
    identifier="FOGRA39",
    info="Coated FOGRA39 (ISO 12647-2:2004/Amd 1), offset, paper type 1 or 2",
)


@lru_cache(maxsize=1)
def profile_bytes() -> bytes:
    """The ICC profile of the output condition, as shipped with fichepress."""
    return (resources.files("fichepress") / "data" / PROFILE_FILE).read_bytes()


@lru_cache(maxsize=1)
def _rgb_to_cmyk() -> ImageCms.ImageCmsTransform:
    output = ImageCms.ImageCmsProfile(io.BytesIO(profile_bytes()))
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        output,
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def _round(cmyk: tuple[float, ...]) -> CMYK:
    c, m, y, k = (round(min(max(v, 0.0), 1.0), 3) for v in cmyk)
    return (c, m, y, k)


def rgb_to_cmyk(rgb: tuple[int, int, int], swatches: Mapping[tuple[int, int, int], CMYK]) -> CMYK:
    """The CMYK value to print an sRGB colour with (channels 0-255)."""
    if rgb in swatches:
        return swatches[rgb]
    red, green, blue = rgb
    if red == green == blue:
        # Neutral greys in black ink only: no rich black, no colour cast, no misregistration.
        return _round((0, 0, 0, 1 - red / 255))
    pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), _rgb_to_cmyk())
    assert pixel is not None
    values = pixel.getpixel((0, 0))
    assert isinstance(values, tuple)
    return _round(tuple(v / 255 for v in values))


def css_cmyk(cmyk: CMYK) -> str:
    """A CMYK value as CSS: `device-cmyk(0 0.85 1 0)`."""
    return "device-cmyk(" + " ".join(f"{v:.4g}" for v in cmyk) + ")"


def total_area_coverage(cmyk: CMYK) -> float:
    """Total ink of a colour, in percent (400 at most)."""
    return round(sum(cmyk) * 100, 1)


# --- SVG logos ------------------------------------------------------------------------------

_COLOUR_PROPERTIES = "fill|stroke|stop-color|flood-color|lighting-color|color"
_ATTRIBUTE = re.compile(rf"""(?<![\w-])({_COLOUR_PROPERTIES})(\s*=\s*)(["'])(.*?)\3""", re.S)
_DECLARATION = re.compile(rf"""(?<![\w-])({_COLOUR_PROPERTIES})(\s*:\s*)([^;"'}}<>]+)""")


def _svg_colour(value: str, swatches: Mapping[tuple[int, int, int], CMYK]) -> str | None:
    """The CMYK replacement of one SVG colour value, or None to keep it (none, url(#…))."""
    text = value.strip()
    token = tinycss2.parse_one_component_value(text, skip_comments=True)
    colour = tinycss2.color4.parse_color(token)
    if colour is None or isinstance(colour, str) or colour.space == "device-cmyk":
        return None  # not a colour (none, url(#grad)), currentcolor, or already CMYK
    red, green, blue = (round(min(max(v, 0.0), 1.0) * 255) for v in colour.to("srgb").coordinates)
    if colour.alpha == 0:
        return None
    return css_cmyk(rgb_to_cmyk((red, green, blue), swatches))


def svg_to_cmyk(svg: str, swatches: Mapping[tuple[int, int, int], CMYK]) -> str:
    """The SVG with every RGB colour (attributes, style attributes and rules) in CMYK."""

    def attribute(match: re.Match[str]) -> str:
        name, equals, quote, value = match.groups()
        new = _svg_colour(value, swatches)
        return f"{name}{equals}{quote}{new or value}{quote}"

    def declaration(match: re.Match[str]) -> str:
        name, colon, value = match.groups()
        new = _svg_colour(value, swatches)
        return f"{name}{colon}{new}" if new else match.group(0)

    return _DECLARATION.sub(declaration, _ATTRIBUTE.sub(attribute, svg))


# --- raster images --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertedImage:
    """A picture made ready for print, and what was done to it."""

    data: bytes
    """The image as a CMYK JPEG."""
    notes: tuple[str, ...]
    """What the designer should know (transparency flattened, …)."""


def image_to_cmyk(data: bytes) -> ConvertedImage:
    """A PNG, JPEG or GIF as a CMYK JPEG (4:4:4, quality 95), greys in black ink only."""
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    dpi = image.info.get("dpi")
    if image.mode == "CMYK" and image.format == "JPEG":
        return ConvertedImage(data, ())
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flattened = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened.alpha_composite(rgba)
        image = flattened.convert("RGB")
        notes.append("transparency flattened on white paper: supply an opaque image or an SVG")
    if image.mode in ("1", "L", "I", "I;16", "F"):
        grey = image.convert("L")
        black = grey.point(lambda value: 255 - value)
        zero = Image.new("L", grey.size, 0)
        cmyk = Image.merge("CMYK", (zero, zero, zero, black))
    else:
        converted = ImageCms.applyTransform(image.convert("RGB"), _rgb_to_cmyk())
        assert converted is not None
        cmyk = converted
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 95, "subsampling": 0}
    if dpi:
        options["dpi"] = dpi
    cmyk.save(out, format="JPEG", **options)
    return ConvertedImage(out.getvalue(), tuple(notes))


def print_asset(
    name: str, data: bytes, swatches: Mapping[tuple[int, int, int], CMYK]
) -> tuple[bytes, str | None, tuple[str, ...]]:
    """A logo or picture made ready for print: (data, its media type if changed, notes)."""
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix == "svg":
        return svg_to_cmyk(data.decode("utf-8"), swatches).encode("utf-8"), None, ()
    if suffix in ("png", "jpg", "jpeg", "gif"):
        converted = image_to_cmyk(data)
        return converted.data, "image/jpeg", converted.notes
    return data, None, ()
