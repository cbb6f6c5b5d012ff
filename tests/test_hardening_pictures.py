"""Pictures and fonts pass one gate, wherever they are named: a logo of the series file, a
picture of theme.yaml, a url(…) of a theme's CSS, a picture inside an SVG, a font.

Each bad case below is refused by `check` at its place, and `build` refuses it with the same
line and writes nothing: no limit is skipped by putting a picture inside an SVG or naming it
`.dat`, no SVG takes minutes, no damaged file is embedded or replaced without a word, and no
picture reaches a print PDF in RGB. Builds run in a subprocess with a timeout, so that a case
that would take minutes fails in one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image, ImageCms

from fichepress.checks.printing import check_print
from fichepress.cli import main
from fichepress.core import colour
from fichepress.core.media import picture_flaws
from fichepress.core.project import Project
from fichepress.core.svgread import MAX_SVG_DEPTH, MAX_SVG_ELEMENTS

from .conftest import copy_project

REFERENCE = "03-strategie-globale.yaml"
LOGO = "logos/communagir.svg"
OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="120" height="40" viewBox="0 0 120 40">'
)
SECRET = "contents-of-a-file-outside"


# --- pictures and fonts, made here ------------------------------------------------------------


def picture(fmt: str, size: tuple[int, int] = (60, 20), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 40, 30) if mode == "RGB" else 1).save(out, fmt)
    return out.getvalue()


def cut_png() -> bytes:
    """The first half of a PNG of noise (a PNG of one colour may hold all its pixels there)."""
    out = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()[: len(out.getvalue()) // 2]


def huge_png() -> bytes:
    """6,000 × 5,000 pixels (30 megapixels, over the limit of 25), 4 kB on disk."""
    return picture("PNG", (6000, 5000), "1")


def svg(body: str, opening: str = OPEN) -> str:
    return f"{opening}{body}</svg>"


def image_at(text: str) -> str:
    """Line and column of the first <image> of an SVG written on one line."""
    return f"1:{text.index('<image') + 1}"


# --- where each picture is named --------------------------------------------------------------


def series_logo(project: Project, name: str, data: bytes) -> str:
    """Make the publisher's logo `logos/<name>`; its place in the series file."""
    (project.sheets / "logos" / name).write_bytes(data)
    series = project.series_file
    text = series.read_text(encoding="utf-8")
    series.write_text(text.replace(LOGO, f"logos/{name}", 1), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if LOGO in row)
    column = text.splitlines()[line - 1].index(LOGO) + 1
    return f"sheets/series.yaml:{line}:{column}: publisher.logo: "


def svg_logo(project: Project, text: str, name: str = "logo.svg") -> str:
    """An SVG publisher's logo; the place of the SVG file, for problems inside it."""
    series_logo(project, name, text.encode("utf-8"))
    return f"sheets/logos/{name}:"


def css_url(project: Project, name: str, data: bytes, rule: str = "") -> str:
    """A theme.css rule naming `name` (written in the theme's folder) in url(…); its place."""
    (project.styles / "fiches" / name).write_bytes(data)
    css = project.styles / "fiches" / "theme.css"
    text = css.read_text(encoding="utf-8").rstrip("\n") + "\n"
    line = rule or f".credits {{ background: url({name}) no-repeat; }}"
    css.write_text(text + line + "\n", encoding="utf-8")
    return f"styles/fiches/theme.css:{text.count(chr(10)) + 1}:{line.index('url(') + 1}: "


def theme_logo(project: Project, name: str, data: bytes) -> str:
    """A picture named in theme.yaml (logos: mark: <name>); its place there."""
    (project.styles / "fiches" / name).write_bytes(data)
    settings = project.styles / "fiches" / "theme.yaml"
    text = settings.read_text(encoding="utf-8").rstrip("\n") + "\n"
    settings.write_text(text + f"logos:\n  mark: {name}\n", encoding="utf-8")
    return f"styles/fiches/theme.yaml:{text.count(chr(10)) + 2}:9: logos.mark: "


def in_credits(project: Project, html: str) -> None:
    """The theme's credits template: fichepress' own, with `html` before the copyright."""
    packaged = Path(__file__).resolve().parent.parent / "src/fichepress/templates/_credits.html.j2"
    text = packaged.read_text(encoding="utf-8")
    templates = project.styles / "fiches" / "templates"
    templates.mkdir()
    (templates / "_credits.html.j2").write_text(
        text.replace('<p class="copyright">', html + '<p class="copyright">'), encoding="utf-8"
    )


def theme_font(project: Project, data: bytes) -> str:
    """The Black weight of theme.yaml replaced by `data`; the place of its file name."""
    font = "lato/Lato-Black.ttf"
    (project.fonts / font).write_bytes(data)
    text = (project.styles / "fiches" / "theme.yaml").read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if font in row)
    column = text.splitlines()[line - 1].index(font) + 1
    return f"styles/fiches/theme.yaml:{line}:{column}: fonts[4].file: "


# --- the cases: each returns (where, message) of its one error --------------------------------

Case = Callable[[Project], tuple[str, str]]


def _svg_data_url_png(project: Project) -> tuple[str, str]:
    data = base64.b64encode(huge_png()).decode()
    text = svg(f'<image width="120" height="40" xlink:href="data:image/png;base64,{data}"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, 'holds a picture written inside it ("data:image/png,…")'


def _svg_href_huge_png(project: Project) -> tuple[str, str]:
    (project.sheets / "logos" / "huge.png").write_bytes(huge_png())
    text = svg('<image width="120" height="40" xlink:href="huge.png"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, '"huge.png" is 6,000 × 5,000 pixels (30 megapixels): more than the 25'


def _svg_href_svg(project: Project) -> tuple[str, str]:
    (project.sheets / "logos" / "inner.svg").write_text(svg("<rect/>"), encoding="utf-8")
    text = svg('<image width="120" height="40" href="inner.svg"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, '"inner.svg" is an SVG: an SVG may hold PNG, JPEG, GIF or WebP pictures'


def _svg_href_absolute(project: Project) -> tuple[str, str]:
    text = svg('<image width="120" height="40" href="/etc/hostname"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, 'names "/etc/hostname", not a file beside it'


def _svg_href_outside(project: Project) -> tuple[str, str]:
    outside = project.root.parent / "outside.png"
    outside.write_bytes(picture("PNG"))
    text = svg('<image width="120" height="40" href="../../../outside.png"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, "outside the project's folders"


def _svg_xml_base(project: Project) -> tuple[str, str]:
    (project.sheets / "logos" / "inner.png").write_bytes(picture("PNG"))
    text = svg('<image xml:base="https://example.org/" width="9" height="9" href="inner.png"/>')
    where = svg_logo(project, text) + image_at(text) + ": "
    return where, "sets xml:base: the pictures an SVG names are found beside it"


def _css_dat_huge(project: Project) -> tuple[str, str]:
    where = css_url(project, "picture.dat", huge_png())
    return where, '"picture.dat" is 6,000 × 5,000 pixels (30 megapixels)'


def _css_dat_small(project: Project) -> tuple[str, str]:
    where = css_url(project, "picture.dat", picture("PNG"))
    return where, '"picture.dat" holds a PNG picture but its name says DAT: rename it picture.png'


def _css_png_named_css(project: Project) -> tuple[str, str]:
    where = css_url(project, "texture.css", picture("PNG"))
    return where, '"texture.css" holds a PNG picture, not CSS'


def _css_tiff(project: Project) -> tuple[str, str]:
    where = css_url(project, "photo.tif", picture("TIFF"))
    return where, '"photo.tif" is a TIFF picture: use PNG, JPEG, GIF or WebP'


def _css_svg_with_data_png(project: Project) -> tuple[str, str]:
    data = base64.b64encode(picture("PNG")).decode()
    text = svg(f'<image width="120" height="40" href="data:image/png;base64,{data}"/>')
    css_url(project, "mark.svg", text.encode("utf-8"))
    return f"styles/fiches/mark.svg:{image_at(text)}: ", "holds a picture written inside it"


def _theme_logo_svg_huge_png(project: Project) -> tuple[str, str]:
    (project.styles / "fiches" / "huge.png").write_bytes(huge_png())
    text = svg('<image width="120" height="40" xlink:href="huge.png"/>')
    theme_logo(project, "mark.svg", text.encode("utf-8"))
    return f"styles/fiches/mark.svg:{image_at(text)}: ", '"huge.png" is 6,000 × 5,000 pixels'


def _theme_logo_jpeg_named_png(project: Project) -> tuple[str, str]:
    where = theme_logo(project, "mark.png", picture("JPEG"))
    return where, "holds a JPEG picture but its name says PNG: rename it mark.jpg"


def _svg_100k_elements(project: Project) -> tuple[str, str]:
    where = series_logo(project, "many.svg", svg("<g/>" * 100_000).encode())
    return where, f"has more than {MAX_SVG_ELEMENTS:,} elements"


def _svg_over_a_megabyte(project: Project) -> tuple[str, str]:
    body = "".join(f'<rect x="{n % 120}" width="1" height="1" fill="#c83214"/>' for n in range(30))
    where = series_logo(project, "big.svg", svg(body + " " * 1_300_000).encode())
    return where, "is 1.3 MB of SVG: more than the 1 MB a logo needs"


def _svg_use_bomb(project: Project) -> tuple[str, str]:
    """A million rectangles drawn from 70 elements, as entities would in a billion laughs."""
    defs = '<rect id="a0" width="1" height="1" fill="#c83214"/>'
    for level in range(1, 7):
        defs += f'<g id="a{level}">' + f'<use xlink:href="#a{level - 1}"/>' * 10 + "</g>"
    text = svg(f'<defs>{defs}</defs><use xlink:href="#a6"/>')
    where = series_logo(project, "bomb.svg", text.encode())
    return where, f"draws more than {MAX_SVG_ELEMENTS:,} elements once <use> and patterns"


def _svg_pattern_bomb(project: Project) -> tuple[str, str]:
    pattern = '<pattern id="p" width="4" height="4">' + '<rect width="1" height="1"/>' * 100
    cells = '<rect width="1" height="1" fill="url(#p)"/>' * 100
    text = svg(f"<defs>{pattern}</pattern></defs>{cells}")
    where = series_logo(project, "pattern.svg", text.encode())
    return where, f"draws more than {MAX_SVG_ELEMENTS:,} elements"


def _svg_deep(project: Project) -> tuple[str, str]:
    text = svg("<g>" * 2000 + "<rect/>" + "</g>" * 2000)
    where = svg_logo(project, text, "deep.svg")
    column = len(OPEN) + 3 * MAX_SVG_DEPTH - 2  # the first <g> too deep
    return f"{where}1:{column}: ", f"nests elements more than {MAX_SVG_DEPTH} deep"


def _svg_use_cycle(project: Project) -> tuple[str, str]:
    text = svg('<g id="a"><rect/><use xlink:href="#a"/></g>')
    where = svg_logo(project, text, "cycle.svg")
    return f"{where}1:{text.index('<use') + 1}: ", "<use> draws an element that holds it"


def _svg_latin1(project: Project) -> tuple[str, str]:
    text = svg("<title>Communagir, édition</title><rect/>")
    series_logo(project, "latin.svg", text.encode("latin-1"))
    column = text.index("é") + 1
    return (
        f"sheets/logos/latin.svg:1:{column}: ",
        "is not well-formed SVG (not well-formed (invalid token)): save it as UTF-8",
    )


def _svg_unparsable(project: Project) -> tuple[str, str]:
    text = OPEN + "\n<g>\n<rect/>\n"
    series_logo(project, "cut.svg", text.encode())
    return "sheets/logos/cut.svg:4:1: ", "is not well-formed SVG (no element found)"


def _xml_not_svg(project: Project) -> tuple[str, str]:
    series_logo(project, "page.svg", b"<html><body/></html>")
    return "sheets/logos/page.svg:1:1: ", "is XML but not SVG: its first element is <html>"


def _jpeg_named_svg(project: Project) -> tuple[str, str]:
    where = series_logo(project, "photo.svg", picture("JPEG"))
    return where, "holds a JPEG picture but its name says SVG: rename it photo.jpg"


def _svg_xxe(project: Project) -> tuple[str, str]:
    secret = project.root.parent / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    doctype = f'<!DOCTYPE svg [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    text = f"{doctype}\n{OPEN}<text>&x;</text></svg>"
    series_logo(project, "xxe.svg", text.encode())
    return "sheets/logos/xxe.svg:1:16: ", 'declares the XML entity "x": entities are refused'


def _svg_billion_laughs(project: Project) -> tuple[str, str]:
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    text = f"<!DOCTYPE svg [{entities}]>\n{OPEN}<text>&l9;</text></svg>"
    series_logo(project, "laughs.svg", text.encode())
    return "sheets/logos/laughs.svg:1:16: ", 'declares the XML entity "l0"'


def _jpeg_truncated(project: Project) -> tuple[str, str]:
    data = picture("JPEG", (400, 300))
    where = series_logo(project, "cut.jpg", data[: len(data) // 2])
    return where, "is a damaged JPEG picture (image file is truncated"


def _png_truncated(project: Project) -> tuple[str, str]:
    where = series_logo(project, "cut.png", cut_png())
    return where, "is a damaged PNG picture"


def _font_garbage(project: Project) -> tuple[str, str]:
    where = theme_font(project, bytes(range(256)) * 64)
    return where, "is not a font (its bytes are no font format)"


def _font_truncated(project: Project) -> tuple[str, str]:
    lato = (project.fonts / "lato" / "Lato-Black.ttf").read_bytes()
    where = theme_font(project, lato[: len(lato) // 3])
    return where, "is a damaged font"


def _css_font_garbage(project: Project) -> tuple[str, str]:
    (project.fonts / "bad.woff2").write_bytes(b"wOF2" + bytes(500))
    rule = '@font-face { font-family: Bad; src: url("../../fonts/bad.woff2"); }'
    where = css_url(project, "unused.txt", b"", rule)
    return where, '"../../fonts/bad.woff2" is a damaged font'


def _css_profile_garbage(project: Project) -> tuple[str, str]:
    rule = "@color-profile --press { src: url(press.icc); }"
    where = css_url(project, "press.icc", bytes(300), rule)
    return where, '"press.icc" is not an ICC colour profile'


REFUSED: dict[str, Case] = {
    "svg-data-url-png": _svg_data_url_png,
    "svg-href-huge-png": _svg_href_huge_png,
    "svg-href-svg": _svg_href_svg,
    "svg-href-absolute": _svg_href_absolute,
    "svg-href-outside": _svg_href_outside,
    "svg-xml-base": _svg_xml_base,
    "css-url-dat-huge": _css_dat_huge,
    "css-url-dat-small": _css_dat_small,
    "css-url-png-named-css": _css_png_named_css,
    "css-url-tiff": _css_tiff,
    "css-url-svg-with-data-png": _css_svg_with_data_png,
    "theme-logo-svg-huge-png": _theme_logo_svg_huge_png,
    "theme-logo-jpeg-named-png": _theme_logo_jpeg_named_png,
    "svg-100k-elements": _svg_100k_elements,
    "svg-over-a-megabyte": _svg_over_a_megabyte,
    "svg-use-bomb": _svg_use_bomb,
    "svg-pattern-bomb": _svg_pattern_bomb,
    "svg-deep": _svg_deep,
    "svg-use-cycle": _svg_use_cycle,
    "svg-latin-1-undeclared": _svg_latin1,
    "svg-unparsable": _svg_unparsable,
    "xml-not-svg": _xml_not_svg,
    "jpeg-named-svg": _jpeg_named_svg,
    "svg-xxe": _svg_xxe,
    "svg-billion-laughs": _svg_billion_laughs,
    "jpeg-truncated": _jpeg_truncated,
    "png-truncated": _png_truncated,
    "font-garbage": _font_garbage,
    "font-truncated": _font_truncated,
    "css-font-garbage": _css_font_garbage,
    "css-profile-garbage": _css_profile_garbage,
}


def fichepress(
    project: Project, *args: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """A run of the command in its own process: one that would take minutes fails here."""
    return subprocess.run(
        [sys.executable, "-m", "fichepress", *args, "--project", str(project.root)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def errors(said: str) -> list[str]:
    return [line for line in said.splitlines() if line.startswith("error: ")]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project", [REFERENCE])


@pytest.mark.process
@pytest.mark.parametrize("case", list(REFUSED.values()), ids=list(REFUSED))
def test_check_and_build_refuse_each_bad_picture_or_font_at_its_place(
    project: Project, case: Case
) -> None:
    where, message = case(project)
    start = time.monotonic()
    checked = CliRunner().invoke(main, ["check", "--project", str(project.root)])
    assert time.monotonic() - start < 20  # limits are told before any costly work
    said = checked.output + checked.stderr
    assert checked.exit_code == 1, said
    assert "Traceback" not in said and SECRET not in said
    found = errors(checked.stderr)
    assert len(found) == 1, said  # one mistake, one message
    assert found[0].startswith(f"error: {where}"), said
    assert message in found[0], said
    built = fichepress(project, "build", "-j", "1")
    assert built.returncode == 1, built.stdout + built.stderr
    assert "Traceback" not in built.stderr and SECRET not in built.stderr
    assert errors(built.stderr) == errors(checked.stderr)  # build and check agree
    assert not list(project.root.glob("build/*/*.pdf"))


# --- what passes the gate is drawn, and in CMYK in print -------------------------------------


CMYK_SPACES = ("/DeviceCMYK", "/DeviceGray", "/Pattern")
"""The colour spaces a print PDF may paint in (a pattern paints in its own, walked too)."""


def images_and_colours(pdf: pikepdf.Pdf) -> Iterator[tuple[str, Any]]:
    """Every image XObject's colour space, every colour set in RGB and every CMYK colour set
    by a content stream, in pages and in the forms they draw (at any depth)."""
    seen: set[tuple[int, int]] = set()

    def walk(owner: Any) -> Iterator[tuple[str, Any]]:
        for instruction in pikepdf.parse_content_stream(owner):
            operator, operands = str(instruction.operator), instruction.operands
            if operator in ("rg", "RG"):
                yield "rgb operator", [float(v) for v in operands]
            elif operator in ("cs", "CS") and str(operands[0]) not in CMYK_SPACES:
                yield "rgb operator", str(operands[0])
            elif operator in ("k", "K", "sc", "scn", "SC", "SCN") and len(operands) == 4:
                yield "cmyk colour", tuple(round(float(v), 3) for v in operands)
        resources = owner.get("/Resources", {})
        for _, xobject in dict(resources.get("/XObject", {})).items():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                yield "image", xobject.get("/ColorSpace")
            elif xobject.get("/Subtype") == "/Form":
                yield from walk(xobject)

    for page in pdf.pages:
        yield from walk(page.obj)


def device_rgb(found: Iterator[tuple[str, Any]]) -> tuple[list[Any], int]:
    images, rgb = 0, []
    for kind, value in found:
        if kind == "image":
            images += 1
            space = value[0] if isinstance(value, pikepdf.Array) else value
            if str(space) != "/DeviceCMYK":
                rgb.append(value)
        elif kind == "rgb operator":
            rgb.append(value)
    return rgb, images


@pytest.mark.e2e
@pytest.mark.process
def test_every_picture_path_reaches_the_print_pdf_in_cmyk(project: Project) -> None:
    """A logo as PNG, an SVG logo holding a PNG, a WebP background of the theme's CSS, a
    picture of theme.yaml drawn by a template: each is in the print PDF, and in CMYK."""
    series_logo(project, "publisher.png", picture("PNG", (600, 200)))
    (project.sheets / "logos" / "inner.png").write_bytes(picture("PNG", (300, 100)))
    funder = svg(
        '<rect width="60" height="40" fill="#1d7a3c"/>'
        '<image x="60" width="60" height="40" xlink:href="inner.png"/>'
    )
    (project.sheets / "logos" / "travail-emploi-solidarite-sociale.svg").write_text(
        funder, encoding="utf-8"
    )
    rule = ".credits-inner { background: url(texture.webp) no-repeat; }"
    css_url(project, "texture.webp", picture("WEBP", (300, 300)), rule)
    theme_logo(project, "mark.png", picture("PNG", (300, 300)))
    in_credits(project, '<figure class="logo"><img src="{{ theme_logos.mark }}" alt="M"></figure>')
    checked = CliRunner().invoke(main, ["check", "--project", str(project.root)])
    assert checked.exit_code == 0, checked.stderr
    built = fichepress(project, "build", "-j", "1", timeout=240)
    assert built.returncode == 0, built.stderr
    for name in (REFERENCE.replace(".yaml", ".pdf"), "collection.pdf"):
        printed = project.root / "build" / "print" / name
        with pikepdf.open(printed) as pdf:
            rgb, images = device_rgb(images_and_colours(pdf))
        assert images >= 4, name  # none left out
        assert rgb == [], name
        colour_findings = [f for f in check_print(printed.read_bytes()) if f.rule == "COLOUR"]
        assert colour_findings == [], name


@pytest.mark.e2e
@pytest.mark.process
@pytest.mark.parametrize(
    "encoding", ["latin-1-declared", "utf-16", "utf-8-bom", "windows-1252-declared"]
)
def test_an_svg_in_another_encoding_builds_and_prints_in_cmyk(
    project: Project, encoding: str
) -> None:
    body = (
        '<title>Communagir, édition « été »</title><rect width="120" height="40" fill="#c83214"/>'
    )
    codec = encoding.removesuffix("-declared")
    if encoding.endswith("-declared"):
        text = f'<?xml version="1.0" encoding="{codec}"?>\n' + svg(body)
        data = text.encode(codec)
    else:
        data = svg(body).encode("utf-8-sig" if codec == "utf-8-bom" else codec)
    series_logo(project, "encoded.svg", data)
    checked = CliRunner().invoke(main, ["check", "--project", str(project.root)])
    assert checked.exit_code == 0, checked.stderr
    built = fichepress(project, "build", "-j", "1", "--no-collection", timeout=180)
    assert built.returncode == 0, built.stderr
    printed = project.root / "build" / "print" / REFERENCE.replace(".yaml", ".pdf")
    with pikepdf.open(printed) as pdf:
        found = list(images_and_colours(pdf))
    assert device_rgb(iter(found))[0] == []
    red = colour.rgb_to_cmyk((0xC8, 0x32, 0x14), {})
    assert ("cmyk colour", red) in found  # the logo's red, drawn in CMYK


# --- a picture a check cannot see is refused by the build, never dropped ---------------------


def digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*/*.pdf")}


@pytest.mark.e2e
@pytest.mark.process
def test_a_damaged_picture_only_a_template_names_fails_the_build_and_keeps_the_pdfs(
    project: Project,
) -> None:
    """A template may name any file of the project: the build's gate refuses a damaged one
    (WeasyPrint would leave it out with a warning) and the previous PDFs stay as they were."""
    first = fichepress(project, "build", "-j", "1", "--no-collection", timeout=180)
    assert first.returncode == 0, first.stderr
    before = digests(project.root / "build")
    (project.styles / "fiches" / "cut.png").write_bytes(cut_png())
    in_credits(project, '<img src="styles/fiches/cut.png" alt="Coupé">')
    built = fichepress(project, "build", "-j", "1", "--no-collection", timeout=180)
    assert built.returncode == 1, built.stderr
    assert "Traceback" not in built.stderr
    assert re.search(r'refused "styles/fiches/cut.png": is a damaged PNG picture', built.stderr)
    assert digests(project.root / "build") == before


# --- the gate's own promises -----------------------------------------------------------------


def test_svg_colours_are_converted_in_one_pass_whatever_their_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One transform through the profile for all the colours of an SVG, not one per element
    (4,900 distinct colours took 3.5 s; a 100,000-element logo, minutes)."""
    calls = []
    apply = ImageCms.applyTransform

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return apply(*args, **kwargs)

    monkeypatch.setattr(ImageCms, "applyTransform", counted)
    colours = [f"#{(n * 7919) % 0xFFFFFF:06x}" for n in range(4900)]
    text = svg("".join(f'<rect fill="{c}" style="stroke: {c}"/>' for c in colours))
    start = time.monotonic()
    out = colour.svg_to_cmyk(text, {})
    assert len(calls) == 1
    assert time.monotonic() - start < 3
    assert "#" not in out.replace("url(#", "")
    assert out.count("device-cmyk(") == 2 * 4900


def test_the_element_limit_is_exact(tmp_path: Path) -> None:
    at_limit = tmp_path / "at.svg"
    at_limit.write_text(svg("<g/>" * (MAX_SVG_ELEMENTS - 1)), encoding="utf-8")
    assert picture_flaws(at_limit, (tmp_path,)) == []
    over = tmp_path / "over.svg"
    over.write_text(svg("<g/>" * MAX_SVG_ELEMENTS), encoding="utf-8")
    flaws = picture_flaws(over, (tmp_path,))
    assert len(flaws) == 1
    assert flaws[0].message.startswith(f"has more than {MAX_SVG_ELEMENTS:,} elements")


@pytest.mark.e2e
def test_the_depth_limit_lets_the_renderer_draw_what_it_allows(tmp_path: Path) -> None:
    """The deepest SVG the gate lets through is drawn, not dropped by the renderer."""
    from fichepress.pdf.write import Renderer, SandboxFetcher

    deep = tmp_path / "deep.svg"
    body = (
        "<g>" * (MAX_SVG_DEPTH - 2) + '<rect width="9" height="9"/>' + "</g>" * (MAX_SVG_DEPTH - 2)
    )
    deep.write_text(svg(body), encoding="utf-8")
    assert picture_flaws(deep, (tmp_path,)) == []
    renderer = Renderer(SandboxFetcher((tmp_path,), tmp_path))
    html = f'<img src="{deep.as_uri()}" alt="">'
    rendered = renderer.render(html, base_url=tmp_path.as_uri() + "/", variant="print")
    assert rendered.warnings == ()


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    logo = tmp_path / "xxe.svg"
    logo.write_text(
        f'<!DOCTYPE svg SYSTEM "{secret.as_uri()}">\n{OPEN}<text>&x;</text></svg>',
        encoding="utf-8",
    )
    flaws = picture_flaws(logo, (tmp_path,))
    assert len(flaws) == 1 and SECRET not in flaws[0].message
    assert flaws[0].message.startswith('uses the entity "x", defined nowhere in it')


@pytest.mark.e2e
@pytest.mark.process
def test_a_new_picture_inside_an_svg_logo_makes_new_pdfs(project: Project) -> None:
    """The PNG an SVG logo names is drawn with it: changing it is not "up to date"."""
    (project.sheets / "logos" / "inner.png").write_bytes(picture("PNG", (300, 100)))
    svg_logo(project, svg('<image width="120" height="40" xlink:href="inner.png"/>'))
    first = fichepress(project, "build", "-j", "1", "--no-collection", timeout=180)
    assert first.returncode == 0, first.stderr
    before = digests(project.root / "build")
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 90, 160)).save(out, "PNG")
    (project.sheets / "logos" / "inner.png").write_bytes(out.getvalue())
    second = fichepress(project, "build", "-j", "1", "--no-collection", timeout=180)
    assert second.returncode == 0, second.stderr
    after = digests(project.root / "build")
    assert set(after) == set(before)
    assert all(after[name] != before[name] for name in before), second.stdout
