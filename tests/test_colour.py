"""RGB colours of logos and pictures become CMYK before they reach a print PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from fichepress.core.colour import (
    css_cmyk,
    image_to_cmyk,
    print_asset,
    profile_bytes,
    rgb_to_cmyk,
    svg_to_cmyk,
    total_area_coverage,
)
from fichepress.core.media import open_picture

SWATCHES = {(214, 64, 28): (0.0, 0.8, 0.95, 0.0)}


def test_the_profile_is_a_cmyk_printer_profile() -> None:
    header = profile_bytes()[:20]
    assert header[12:16] == b"prtr" and header[16:20] == b"CMYK"
    assert len(profile_bytes()) < 40_000


def test_a_swatch_colour_prints_with_the_swatch_cmyk() -> None:
    assert rgb_to_cmyk((214, 64, 28), SWATCHES) == (0.0, 0.8, 0.95, 0.0)


@pytest.mark.parametrize(
    ("rgb", "cmyk"),
    [((0, 0, 0), (0, 0, 0, 1)), ((255, 255, 255), (0, 0, 0, 0)), ((77, 77, 77), (0, 0, 0, 0.698))],
)
def test_greys_print_in_black_ink_only(rgb: tuple[int, int, int], cmyk: tuple[float, ...]) -> None:
    assert rgb_to_cmyk(rgb, {}) == cmyk


def test_other_colours_go_through_the_profile_within_the_ink_limit() -> None:
    c, m, y, k = rgb_to_cmyk((29, 53, 87), {})
    assert c > 0.5 and k > 0.3  # a deep blue
    assert total_area_coverage((c, m, y, k)) <= 300
    red = rgb_to_cmyk((255, 0, 0), {})
    assert red[0] < 0.05 and red[1] > 0.8 and red[2] > 0.8


def test_css_cmyk() -> None:
    assert css_cmyk((0, 0.85, 1, 0)) == "device-cmyk(0 0.85 1 0)"


def test_every_colour_of_an_svg_is_rewritten() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><style>.a { fill: #d6401c; stroke:none }</style>'
        '<rect fill="white" stroke="rgb(0, 0, 0)"/><path style="fill:#4d4d4d;opacity:.5"/>'
        '<stop stop-color="#d6401c"/><rect fill="none" stroke="url(#g)"/>'
        "<rect fill='currentColor'/><rect fill=\"device-cmyk(0 0 0 1)\"/></svg>"
    )
    out = svg_to_cmyk(svg, SWATCHES)
    assert ".a { fill: device-cmyk(0 0.8 0.95 0); stroke:none }" in out
    assert '<rect fill="device-cmyk(0 0 0 0)" stroke="device-cmyk(0 0 0 1)"/>' in out
    assert 'style="fill:device-cmyk(0 0 0 0.698);opacity:.5"' in out
    assert '<stop stop-color="device-cmyk(0 0.8 0.95 0)"/>' in out
    assert '<rect fill="none" stroke="url(#g)"/>' in out
    assert "<rect fill='currentColor'/>" in out
    assert '<rect fill="device-cmyk(0 0 0 1)"/>' in out
    assert "#" not in out.replace("url(#g)", "") and "rgb(" not in out


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()


def test_rgb_pictures_become_cmyk_jpegs() -> None:
    converted = image_to_cmyk(_png(Image.new("RGB", (20, 10), (214, 64, 28))))
    image = Image.open(io.BytesIO(converted.data))
    assert (image.format, image.mode, image.size) == ("JPEG", "CMYK", (20, 10))
    assert image.info["dpi"] == (300, 300)
    assert converted.notes == ()


def test_grey_pictures_use_black_ink_only() -> None:
    converted = image_to_cmyk(_png(Image.new("L", (8, 8), 64)))
    c, m, y, k = Image.open(io.BytesIO(converted.data)).getpixel((4, 4))  # type: ignore[misc]
    assert (c, m, y) == (0, 0, 0) and 185 <= k <= 196


def test_transparency_is_flattened_on_white_with_a_note() -> None:
    converted = image_to_cmyk(_png(Image.new("RGBA", (8, 8), (0, 0, 0, 0))))
    assert converted.notes == (
        "transparency flattened on white paper: supply an opaque image or an SVG",
    )
    assert Image.open(io.BytesIO(converted.data)).getpixel((2, 2)) == (0, 0, 0, 0)


def test_print_asset_converts_every_picture_that_passed_the_gate(tmp_path: Path) -> None:
    svg_file = tmp_path / "logo.svg"
    svg_file.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg" fill="#000000"/>')
    svg, mime, notes = print_asset(open_picture(svg_file), {})
    expected = b'<svg xmlns="http://www.w3.org/2000/svg" fill="device-cmyk(0 0 0 1)"/>'
    assert (svg, mime, notes) == (expected, None, ())
    photo = tmp_path / "photo.PNG"
    photo.write_bytes(_png(Image.new("RGB", (4, 4))))
    jpeg, mime, _ = print_asset(open_picture(photo), {})
    assert mime == "image/jpeg" and jpeg.startswith(b"\xff\xd8")


def test_the_profile_comes_with_its_licence_and_the_script_that_made_it() -> None:
    """The profile is rebuilt by tools/make_icc_profile.sh from FOGRA39L.ti3 (Zlib licence)."""
    root = Path(__file__).resolve().parent.parent
    data = root / "src" / "fichepress" / "data"
    licence = (data / "FOGRA39L-fichepress.icc.LICENSE").read_text(encoding="utf-8")
    assert "zlib" in licence.lower() or "Zlib" in licence
    script = (root / "tools" / "make_icc_profile.sh").read_text(encoding="utf-8")
    assert "colprof -ql -nc" in script and "FOGRA39L.ti3" in script
    assert "FOGRA39L-fichepress.icc" in script
    # What the script writes into the profile names its origin.
    assert b"FOGRA39L" in profile_bytes()
