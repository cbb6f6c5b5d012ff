"""Hostile inputs and faults, as data: each case spoils a copy of a built project in one way.

A case is a function `case(root, outside)`: `root` is the project's folder (a copy of the
reference project, already built into `root/build`), `outside` a folder beside it, outside the
project, holding `secret.txt` whose text (`SECRET`) must never reach an output or a message.
The sweep (`test_sweep.py`) runs `check` and `build` on each, with a time limit, and asserts
one clear error, no traceback, no byte of the secret anywhere, and every previous PDF intact.

Each hardening test file registers its cases here with `@attack("name")`; the hand-written bad
sheets of `corpus/sheets/` are cases too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

SECRET = "fichepress-secret-7f3a9c"
"""The text of the file outside the project: found in an output or a message, it leaked."""

Case = Callable[[Path, Path], None]

CASES: dict[str, Case] = {}
"""Every registered case by name."""

BUILD_FAILS: set[str] = set()
"""Cases whose build must fail (exit 1): all but those registered with `builds=True`, where
the input is refused or repaired with a warning and the rest of the series still builds."""


def attack(name: str, *, builds: bool = False) -> Callable[[Case], Case]:
    """Register `case` under `name`; `builds=True` when a build may succeed (a damaged cache
    that is rebuilt, say) but must still heal without a traceback."""

    def register(case: Case) -> Case:
        assert name not in CASES, f"two attack cases named {name}"
        CASES[name] = case
        if not builds:
            BUILD_FAILS.add(name)
        return case

    return register


CORPUS = Path(__file__).parent / "corpus" / "sheets"


def _corpus_case(source: Path) -> Case:
    def case(root: Path, outside: Path) -> None:
        (root / "sheets" / source.name).write_bytes(source.read_bytes())

    return case


for _source in sorted(CORPUS.glob("*.yaml")):
    attack(f"corpus/{_source.stem}")(_corpus_case(_source))


# Class 1: files reached through links out of the project. --------------------------------

THEME = "styles/fiches"


def _override(root: Path, name: str, text: str) -> None:
    """A template of the theme overriding the packaged one of the same name."""
    folder = root / THEME / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@attack("link/template-include-through-a-folder-link")
def _include_through_link(root: Path, outside: Path) -> None:
    _override(root, "_credits.html.j2", '{% include "r/secret.txt" %}\n')
    (root / THEME / "templates" / "r").symlink_to(outside)


@attack("link/template-include-through-a-root-link")
def _include_through_root(root: Path, outside: Path) -> None:
    _override(root, "_credits.html.j2", '{% include "r' + str(outside) + '/secret.txt" %}\n')
    (root / THEME / "templates" / "r").symlink_to("/")


@attack("link/template-is-a-link")
def _template_link(root: Path, outside: Path) -> None:
    (outside / "t.j2").write_text("{{ '" + SECRET + "' }}", encoding="utf-8")
    (root / THEME / "templates").mkdir()
    (root / THEME / "templates" / "_credits.html.j2").symlink_to(outside / "t.j2")


@attack("link/templates-folder-is-a-link")
def _templates_link(root: Path, outside: Path) -> None:
    (outside / "_credits.html.j2").write_text(SECRET, encoding="utf-8")
    (root / THEME / "templates").symlink_to(outside)


@attack("link/stylesheet-is-a-link")
def _css_link(root: Path, outside: Path) -> None:
    (outside / "x.css").write_text(f"p {{ --{SECRET}: 1; color: var(--{SECRET}z) }}", "utf-8")
    css = root / THEME / "print.css"
    css.unlink()
    css.symlink_to(outside / "x.css")


@attack("link/theme-settings-are-a-link")
def _theme_yaml_link(root: Path, outside: Path) -> None:
    (outside / "theme.yaml").write_text(f"{SECRET}: 1\n", encoding="utf-8")
    settings = root / THEME / "theme.yaml"
    settings.unlink()
    settings.symlink_to(outside / "theme.yaml")


@attack("link/fonts-folder-is-a-link")
def _fonts_link(root: Path, outside: Path) -> None:
    shutil.move(root / "fonts", outside / "fonts")
    (root / "fonts").symlink_to(outside / "fonts")


@attack("link/sheet-is-a-link-to-the-secret")
def _sheet_link(root: Path, outside: Path) -> None:
    (root / "sheets" / "05-x.yaml").symlink_to(outside / "secret.txt")


@attack("link/logo-is-a-link")
def _logo_link(root: Path, outside: Path) -> None:
    (outside / "l.svg").write_text(f"<svg xmlns='http://www.w3.org/2000/svg'>{SECRET}</svg>")
    logo = root / "sheets" / "logos" / "communagir.svg"
    logo.unlink()
    logo.symlink_to(outside / "l.svg")


# Class 4: sources that are not regular files. --------------------------------------------


def _special(kind: str) -> Case:
    def case(root: Path, outside: Path) -> None:
        path = root / "sheets" / "05-x.yaml"
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "folder":
            path.mkdir()
        elif kind == "dangling":
            path.symlink_to(root / "sheets" / "nowhere.yaml")
        elif kind == "loop":
            path.symlink_to(path)
        else:
            path.symlink_to("/dev/zero")

    return case


for _kind in ("fifo", "folder", "dangling", "loop", "dev-zero"):
    attack(f"special/sheet-{_kind}")(_special(_kind))


@attack("special/logo-fifo")
def _logo_fifo(root: Path, outside: Path) -> None:
    logo = root / "sheets" / "logos" / "communagir.svg"
    logo.unlink()
    os.mkfifo(logo)


@attack("special/stylesheet-fifo")
def _css_fifo(root: Path, outside: Path) -> None:
    css = root / THEME / "print.css"
    css.unlink()
    os.mkfifo(css)


# Class 6: caches in the output folder, damaged. A build heals them (`builds=True`). ---------

DAMAGE: dict[str, Callable[[Path], object]] = {
    "empty-list": lambda path: path.write_text("[]", encoding="utf-8"),
    "empty-mapping": lambda path: path.write_text("{}", encoding="utf-8"),
    "null": lambda path: path.write_text("null", encoding="utf-8"),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]),
    "binary": lambda path: path.write_bytes(bytes(range(256)) * 4),
    "deep": lambda path: path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
    "wrong-types": lambda path: path.write_text('{"version": "x", "outputs": 7}', "utf-8"),
}


def _damaged(cache: str, how: Callable[[Path], object]) -> Case:
    def case(root: Path, outside: Path) -> None:
        path = root / "build" / cache
        assert path.is_file(), f"the built project has no {cache}"
        how(path)

    return case


def _replaced(cache: str, kind: str) -> Case:
    def case(root: Path, outside: Path) -> None:
        path = root / "build" / cache
        path.unlink()
        if kind == "folder":
            (path / "inner").mkdir(parents=True)
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to(outside / "secret.txt")

    return case


for _cache in ("manifest.json", ".fragments/index.json"):
    for _how, _damage in DAMAGE.items():
        attack(f"cache/{_cache}-{_how}", builds=True)(_damaged(_cache, _damage))
    for _kind in ("folder", "fifo", "link-out"):
        attack(f"cache/{_cache}-{_kind}", builds=True)(_replaced(_cache, _kind))


@attack("cache/fragment-truncated", builds=True)
def _fragment_truncated(root: Path, outside: Path) -> None:
    for part in sorted((root / "build" / ".fragments").glob("*.pdf"))[:2]:
        part.write_bytes(part.read_bytes()[:200])


@attack("cache/fragment-record-damaged", builds=True)
def _fragment_record(root: Path, outside: Path) -> None:
    for record in sorted((root / "build" / ".fragments").glob("*.json")):
        if record.name != "index.json":
            record.write_text('{"warnings": 3}', encoding="utf-8")


# Classes 2, 3 and 5: pictures and fonts that would bypass a limit or degrade an output. ----

LOGO = "sheets/logos/communagir.svg"
SVG_OPEN = "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'"


def _png(width: int, height: int) -> bytes:
    """A PNG of `width` × `height` pixels (compressed: a few kilobytes whatever its size)."""
    import io

    from PIL import Image

    stream = io.BytesIO()
    Image.new("1", (width, height)).save(stream, "PNG")
    return stream.getvalue()


def _logo(text: str | bytes) -> Case:
    def case(root: Path, outside: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (root / LOGO).write_bytes(data.replace(b"OUTSIDE", str(outside).encode()))

    return case


_LOGOS: dict[str, str | bytes] = {
    "svg-100k-elements": SVG_OPEN + ">" + "<rect width='1' height='1'/>" * 100_000 + "</svg>",
    "svg-use-bomb": SVG_OPEN
    + "><g id='a0'><rect width='1' height='1'/></g>"
    + "".join(
        f"<g id='a{i}'>" + f"<use xlink:href='#a{i - 1}'/>" * 10 + "</g>" for i in range(1, 8)
    )
    + "</svg>",
    "svg-deep": SVG_OPEN + ">" + "<g>" * 5_000 + "</g>" * 5_000 + "</svg>",
    "svg-billion-laughs": "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'aaaaaaaaaa'>"
    + "".join(
        f"<!ENTITY {c} '{('&' + p + ';') * 10}'>"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>"
    + SVG_OPEN
    + "><text>&i;</text></svg>",
    "svg-xxe": "<?xml version='1.0'?><!DOCTYPE s [<!ENTITY x SYSTEM 'file://OUTSIDE/secret.txt'>]>"
    + SVG_OPEN
    + "><text>&x;</text></svg>",
    "svg-image-outside": SVG_OPEN + "><image href='file://OUTSIDE/secret.txt'/></svg>",
    "svg-image-data-png": SVG_OPEN + "><image href='data:image/png;base64,iVBORw0KGgo='/></svg>",
    "svg-unparsable": SVG_OPEN + "><rect></svg>",
    "svg-utf-16-undeclared-garbage": b"\xff\xfe" + "<svg><g>".encode("utf-16-le")[:-1],
    "jpeg-named-svg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "empty-file": b"",
}
for _name, _text in _LOGOS.items():
    attack(f"picture/logo-{_name}")(_logo(_text))


@attack("picture/logo-svg-names-a-huge-png")
def _svg_huge_png(root: Path, outside: Path) -> None:
    (root / "sheets" / "logos" / "big.png").write_bytes(_png(6_000, 6_000))
    (root / LOGO).write_text(SVG_OPEN + "><image href='big.png'/></svg>", encoding="utf-8")


@attack("picture/css-url-of-a-huge-png-named-dat")
def _css_dat(root: Path, outside: Path) -> None:
    (root / THEME / "picture.dat").write_bytes(_png(6_000, 6_000))
    with (root / THEME / "print.css").open("a", encoding="utf-8") as css:
        css.write("\nh1 { background: url(picture.dat) }\n")


@attack("picture/css-url-of-a-truncated-png")
def _css_truncated(root: Path, outside: Path) -> None:
    (root / THEME / "cut.png").write_bytes(_png(300, 300)[:60])
    with (root / THEME / "print.css").open("a", encoding="utf-8") as css:
        css.write("\nh1 { background: url(cut.png) }\n")


def _font(data: Callable[[bytes], bytes]) -> Case:
    def case(root: Path, outside: Path) -> None:
        font = root / "fonts" / "lato" / "Lato-Bold.ttf"
        font.write_bytes(data(font.read_bytes()))

    return case


attack("font/garbage")(_font(lambda data: bytes(range(256)) * 64))
attack("font/truncated")(_font(lambda data: data[: len(data) // 3]))
attack("font/empty")(_font(lambda data: b""))


# Class 2 and 5: depth and size that would crash or stall, told before any costly work. ----

HEAD = "number: 60\ntitle: Une fiche\nkicker: Une accroche.\n"


def _sheet(text: str) -> Case:
    def case(root: Path, outside: Path) -> None:
        (root / "sheets" / "60-x.yaml").write_text(text, encoding="utf-8")

    return case


_SHEETS = {
    "yaml-flow-1000-deep": HEAD + "body: " + "[" * 1_000 + "]" * 1_000 + "\n",
    "yaml-block-1000-deep": HEAD
    + "body:\n"
    + "".join("  " * depth + "- \n" for depth in range(1_000)),
    "yaml-mapping-1000-deep": HEAD + "".join("  " * d + f"k{d}:\n" for d in range(1_000)),
    "emphasis-300-deep": HEAD
    + "body:\n  - paragraph: "
    + '"'
    + "*a **b " * 300
    + "c"
    + "** a*" * 300
    + '"\n',
    "budget-20-with-800-kB": HEAD
    + "page_budget: 20\nbody:\n"
    + "".join(f"  - paragraph: {'Un texte assez long. ' * 40}\n" for _ in range(950)),
    "word-of-5000-letters": HEAD + "body:\n  - paragraph: " + "a" * 5_000 + "\n",
    "address-of-2400-characters": HEAD
    + "body:\n  - paragraph: Un texte.\nselection:\n  intro: Une intro.\n  groups:\n"
    + "    - title: Un groupe\n      items:\n"
    + "        - { kind: site, title: Un site, url: 'https://example.org/"
    + "a" * 2_400
    + "' }\n",
}
for _name, _text in _SHEETS.items():
    attack(f"size/{_name}")(_sheet(_text))

# Five thousand emphasis marks never closed: read in linear time; the build then tells that
# the text runs over its budget (told by the layout only, so `check` passes it).
attack("size/emphasis-unclosed-5000", builds=True)(
    _sheet(HEAD + "body:\n  - paragraph: '" + "*a " * 5_000 + "'\n")
)


def _css(text: Callable[[Path], str]) -> Case:
    def case(root: Path, outside: Path) -> None:
        with (root / THEME / "print.css").open("a", encoding="utf-8") as css:
            css.write("\n" + text(root) + "\n")

    return case


def _import_loop(root: Path) -> str:
    (root / THEME / "a.css").write_text('@import "b.css";\n', encoding="utf-8")
    (root / THEME / "b.css").write_text('@import "a.css";\n', encoding="utf-8")
    return ""


def _import_first(root: Path) -> str:
    css = root / THEME / "print.css"
    css.write_text('@import "a.css";\n' + css.read_text(encoding="utf-8"), encoding="utf-8")
    return _import_loop(root)


attack("size/css-of-2.4-MB")(_css(lambda root: "p { margin: 0 }\n" * 150_000))
attack("size/css-import-loop")(_css(_import_first))


def _self_import(root: Path) -> str:
    (root / THEME / "print.css").write_text('@import "print.css";\n', encoding="utf-8")
    return ""


attack("size/css-self-import")(_css(_self_import))
