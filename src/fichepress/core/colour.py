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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import tinycss2
import tinycss2.color4
from PIL import Image, ImageCms

from fichepress.core.media import SVG, Picture

PROFILE_FILE = "FOGRA39L-fichepress.icc"

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
    return rgbs_to_cmyk([rgb], swatches)[rgb]


def rgbs_to_cmyk(
    rgbs: Iterable[tuple[int, int, int]], swatches: Mapping[tuple[int, int, int], CMYK]
) -> dict[tuple[int, int, int], CMYK]:
    """The CMYK value of each sRGB colour: a swatch's own, black ink for greys, and the others
    through the output profile all at once (one transform of a row of pixels, not one per
    colour: an SVG of thousands of colours is converted in a moment)."""
    found: dict[tuple[int, int, int], CMYK] = {}
    through_profile = []
    for rgb in dict.fromkeys(rgbs):
        red, green, blue = rgb
        if rgb in swatches:
            found[rgb] = swatches[rgb]
        elif red == green == blue:
            # Neutral greys in black ink only: no rich black, no colour cast, no misregistration.
            found[rgb] = _round((0, 0, 0, 1 - red / 255))
        else:
            through_profile.append(rgb)
    if through_profile:
        pixels = bytes(channel for rgb in through_profile for channel in rgb)
        row = Image.frombytes("RGB", (len(through_profile), 1), pixels)
        converted = ImageCms.applyTransform(row, _rgb_to_cmyk())
        assert converted is not None
        inks = converted.tobytes()
        for index, rgb in enumerate(through_profile):
            found[rgb] = _round(tuple(v / 255 for v in inks[index * 4 : index * 4 + 4]))
    return found


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


def _svg_rgb(value: str) -> tuple[int, int, int] | None:
    """The sRGB value of one SVG colour value, or None to keep it (none, url(#…), currentcolor,
    a colour already in CMYK, a transparent one)."""
    token = tinycss2.parse_one_component_value(value.strip(), skip_comments=True)
    colour = tinycss2.color4.parse_color(token)
    if colour is None or isinstance(colour, str) or colour.space == "device-cmyk":
        return None
    if colour.alpha == 0:
        return None
    red, green, blue = (round(min(max(v, 0.0), 1.0) * 255) for v in colour.to("srgb").coordinates)
    return (red, green, blue)


def svg_to_cmyk(svg: str, swatches: Mapping[tuple[int, int, int], CMYK]) -> str:
    """The SVG with every RGB colour (attributes, style attributes and rules) in CMYK.

    Each distinct colour value is read once and all are converted together: the cost grows
    with the file, not with the file times the profile's."""
    values = {match.group(4) for match in _ATTRIBUTE.finditer(svg)}
    values |= {match.group(3) for match in _DECLARATION.finditer(svg)}
    rgb = {value: _svg_rgb(value) for value in values}
    cmyk = rgbs_to_cmyk((v for v in rgb.values() if v is not None), swatches)
    replacement = {value: css_cmyk(cmyk[found]) for value, found in rgb.items() if found}

    def attribute(match: re.Match[str]) -> str:
        name, equals, quote, value = match.groups()
        return f"{name}{equals}{quote}{replacement.get(value, value)}{quote}"

    def declaration(match: re.Match[str]) -> str:
        name, colon, value = match.groups()
        new = replacement.get(value)
        if new is None and value not in rgb:  # a value the attributes' pass wrote or made
            found = _svg_rgb(value)
            new = css_cmyk(rgb_to_cmyk(found, swatches)) if found else None
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
    picture: Picture, swatches: Mapping[tuple[int, int, int], CMYK]
) -> tuple[bytes, str | None, tuple[str, ...]]:
    """A picture that passed the gate made ready for print: (data, its media type if changed,
    notes). Every format is converted: an SVG's colours to CMYK, a raster picture to a CMYK
    JPEG. Kept by content, as each PDF of a build asks for the same logos."""
    key = (picture.digest, tuple(sorted(swatches.items())))
    if key not in _converted:
        if len(_converted) > 64:
            _converted.clear()
        if picture.format == SVG:
            data = svg_to_cmyk(picture.text, swatches).encode("utf-8")
            _converted[key] = (data, None, ())
        else:
            converted = image_to_cmyk(picture.data)
            _converted[key] = (converted.data, "image/jpeg", converted.notes)
    return _converted[key]


_converted: dict[object, tuple[bytes, str | None, tuple[str, ...]]] = {}
