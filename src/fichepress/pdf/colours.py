"""Colour spaces as print cares about them: their family and number of components, read from a
name or an array in a content stream's resources, and the colours a shading passes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pikepdf

Family = Literal["cmyk", "rgb", "gray", "lab", "separation", "devicen", "pattern", "unknown"]


@dataclass(frozen=True)
class ColourSpace:
    """A colour space as far as print cares: its family and number of components."""

    family: Family
    components: int
    name: str
    base: ColourSpace | None = None
    """The space an Indexed space picks its colours from."""


DEVICE = {
    "/DeviceCMYK": ColourSpace("cmyk", 4, "DeviceCMYK"),
    "/DeviceRGB": ColourSpace("rgb", 3, "DeviceRGB"),
    "/DeviceGray": ColourSpace("gray", 1, "DeviceGray"),
    "/CMYK": ColourSpace("cmyk", 4, "DeviceCMYK"),
    "/RGB": ColourSpace("rgb", 3, "DeviceRGB"),
    "/G": ColourSpace("gray", 1, "DeviceGray"),
    "/Pattern": ColourSpace("pattern", 1, "Pattern"),
}
DEFAULT_GRAY = DEVICE["/DeviceGray"]


def colour_space(value: Any, resources: Any = None) -> ColourSpace:
    """Classify a colour space given by name (looked up in `resources`) or by array."""
    if isinstance(value, pikepdf.Name):
        name = str(value)
        if name in DEVICE:
            return DEVICE[name]
        named: Any = resources.get("/ColorSpace", {}) if resources is not None else {}
        if name in named:
            return colour_space(named[name], resources)
        return ColourSpace("unknown", 0, name)
    if isinstance(value, pikepdf.Array) and len(value) > 0:
        kind = str(value[0])
        if kind == "/ICCBased":
            n = int(value[1].get("/N", 0))
            family: Family = {4: "cmyk", 3: "rgb", 1: "gray"}.get(n, "unknown")  # type: ignore[assignment]
            return ColourSpace(family, n, f"ICCBased (N={n})")
        if kind in ("/CalRGB",):
            return ColourSpace("rgb", 3, "CalRGB")
        if kind in ("/CalGray",):
            return ColourSpace("gray", 1, "CalGray")
        if kind == "/Lab":
            return ColourSpace("lab", 3, "Lab")
        if kind == "/Separation":
            return ColourSpace("separation", 1, f"Separation {value[1]}")
        if kind == "/DeviceN":
            return ColourSpace("devicen", len(value[1]), "DeviceN")
        if kind in ("/Indexed", "/I"):
            base = colour_space(value[1], resources)
            return ColourSpace(base.family, 1, f"Indexed {base.name}", base)
        if kind == "/Pattern":
            if len(value) > 1:  # an uncoloured pattern, painted in a colour of this space
                base = colour_space(value[1], resources)
                return ColourSpace("pattern", base.components, f"Pattern over {base.name}", base)
            return ColourSpace("pattern", 1, "Pattern")
    return ColourSpace("unknown", 0, str(value))


_DEFAULTS = {
    "cmyk": (0.0, 0.0, 0.0, 1.0),
    "rgb": (0.0, 0.0, 0.0),
    "gray": (0.0,),
    "lab": (0.0, 0.0, 0.0),
}


def initial_colour(space: ColourSpace) -> tuple[float, ...]:
    """The colour a content stream paints in right after choosing `space` (cs, CS)."""
    return _DEFAULTS.get(space.family, (0.0,) * max(space.components, 1))


def _function_outputs(function: Any) -> list[tuple[float, ...]]:
    """The colours a shading function gives at the ends of its pieces (types 2 and 3)."""
    if function is None:
        return []
    if isinstance(function, pikepdf.Array):  # one function per component
        parts = [_function_outputs(f) for f in function]
        return [
            tuple(p[0][0] if p else 0.0 for p in parts),
            tuple(p[-1][0] if p else 0.0 for p in parts),
        ]
    kind = int(function.get("/FunctionType", -1))
    if kind == 2:
        c0 = tuple(float(v) for v in function.get("/C0", [0.0]))
        c1 = tuple(float(v) for v in function.get("/C1", [1.0]))
        return [c0, c1]
    if kind == 3:
        return [colour for f in function.get("/Functions", []) for colour in _function_outputs(f)]
    return []  # sampled or PostScript functions: not evaluated here


def heaviest_colour(shading: Any) -> tuple[float, ...]:
    """Of the colours a shading passes through, the one with the most ink (empty if unknown)."""
    colours = _function_outputs(shading.get("/Function"))
    return max(colours, key=sum) if colours else ()
