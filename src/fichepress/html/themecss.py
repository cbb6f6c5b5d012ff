"""A theme's stylesheets read and checked before any sheet is rendered.

Each file's size is checked before it is read, @import is followed as the renderer does (a
loop, a chain too deep or too much CSS in all is refused at its @import), colours are named
only through the swatches (`var(--name)`), and every address (`url(…)`, `@import`) must be a
file of the project that the build's gate would let through. Each stylesheet is parsed once
per change of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import tinycss2
import tinycss2.color4

from fichepress.core.errors import Problem
from fichepress.core.media import (
    FONT_SUFFIXES,
    PROFILE_SUFFIXES,
    font_flaw,
    picture_problems,
    stylesheet_flaw,
)
from fichepress.core.project import Project
from fichepress.core.reading import (
    Unreadable,
    read_regular,
    readable_problem,
    resolved,
    roots_of,
)
from fichepress.source.load import did_you_mean

MAX_STYLESHEET_BYTES = 100_000
"""One CSS file of a theme, or one it imports (the example themes' largest holds 7 kB): the CSS
parser takes about half a second per 100 kB, and the renderer parses every stylesheet again
for each PDF it makes. Checked before the file is read."""
MAX_THEME_CSS_BYTES = 200_000
"""All the CSS one PDF's rendering reads: the theme's stylesheets for its variant and the
collection, with what they import, an import counted each time it is made (the renderer reads
the file again each time)."""
MAX_CSS_NESTING = 32
"""Rules, blocks, brackets and functions inside one another in a stylesheet (a theme's nest a
few levels: `@media print { p { margin: calc(var(--a) + 1mm) } }`): the checks here and the
renderer walk them by recursion, so thousands of levels in a few kilobytes would exhaust the
stack. Found without recursion, right after parsing."""
MAX_IMPORT_DEPTH = 8
"""Stylesheets importing stylesheets that import others: the renderer follows @import by
recursion, so a deeper chain is refused, as is a loop."""


@dataclass(frozen=True)
class Stylesheet:
    """A CSS file of a theme, read and parsed once."""

    path: Path
    size: int
    rules: tuple[tinycss2.ast.Node, ...]
    imports: tuple[tinycss2.ast.AtRule, ...]
    """Its @import rules that the renderer follows: those before any other rule."""


def _text_problem(raw: bytes) -> tuple[str, int, int] | None:
    """Why the bytes of a stylesheet are not UTF-8 text, and where, or None."""
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        return "is not UTF-8 text: save it as UTF-8", line, column
    return None


def _too_deep(rules: tuple[tinycss2.ast.Node, ...]) -> tinycss2.ast.Node | None:
    """The first node of a parsed stylesheet nested deeper than `MAX_CSS_NESTING`, or None;
    found with a stack of its own, whatever the depth."""
    stack = [(node, 1) for node in reversed(rules)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CSS_NESTING:
            return node
        children: list[tinycss2.ast.Node] = []
        for part in ("prelude", "content", "arguments"):
            value = getattr(node, part, None)
            if isinstance(value, list):
                children += value
        stack += [(child, depth + 1) for child in reversed(children)]
    return None


@lru_cache(maxsize=64)
def _parse(path: Path, size: int, modified: int) -> Stylesheet | Problem:
    """A stylesheet read, parsed and its imports found, or what stops that, at `path` (whose
    size and modification time are part of the key: a changed file is read again)."""
    shown = str(path)
    if size > MAX_STYLESHEET_BYTES:
        return Problem(
            shown,
            message=f"is too large ({size:,} bytes; a stylesheet may hold"
            f" {MAX_STYLESHEET_BYTES:,}): split it, or remove what the theme does not use",
        )
    try:
        raw = read_regular(path, MAX_STYLESHEET_BYTES + 1)
    except Unreadable as error:
        return Problem(shown, message=error.reason)
    if len(raw) > MAX_STYLESHEET_BYTES:  # it grew since it was measured
        return _parse(path, len(raw), modified)
    not_text = _text_problem(raw)
    if not_text is not None:
        message, line, column = not_text
        return Problem(shown, line, column, message=message)
    text = raw.decode("utf-8-sig")
    rules = tuple(tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
    deep = _too_deep(rules)
    if deep is not None:
        return Problem(
            shown,
            deep.source_line,
            deep.source_column,
            message=f"nests rules, blocks, brackets and functions more than {MAX_CSS_NESTING}"
            " levels deep, one inside another: write it with fewer",
        )
    imports = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            imports.append(rule)
        elif rule.type != "error" and not (
            rule.type == "at-rule" and rule.lower_at_keyword in ("charset", "layer")
        ):
            break  # the renderer ignores an @import after any other rule
    return Stylesheet(path, len(raw), rules, tuple(imports))


def read_stylesheet(path: Path, project: Project) -> Stylesheet | Problem:
    """The stylesheet at `path`, or its problem told at the file (its size is checked before
    it is read; a file read before and unchanged is not read again)."""
    try:
        info = path.stat()
    except OSError as error:
        return Problem(project.display(path), message=f"cannot be read: {error.strerror}")
    found = _parse(path.resolve(), info.st_size, info.st_mtime_ns)
    if isinstance(found, Problem):
        return replace(found, file=project.display(path))
    return found


def _rules(path: Path) -> tuple[tinycss2.ast.Node, ...]:
    """The rules of a stylesheet that `stylesheet_problems` read (none if it could not)."""
    try:
        info = path.stat()
    except OSError:
        return ()
    found = _parse(path.resolve(), info.st_size, info.st_mtime_ns)
    return found.rules if isinstance(found, Stylesheet) else ()


def _imported(rule: tinycss2.ast.AtRule, base: Path, project: Project) -> Path | None:
    """The file an @import names, when it is one a build may read (url_problems tells the
    others)."""
    tokens = [t for t in rule.prelude if t.type not in ("whitespace", "comment")]
    if not tokens or not (
        tokens[0].type in ("string", "url")
        or (tokens[0].type == "function" and tokens[0].lower_name == "url")
    ):
        return None
    address = _address(tokens[0]).split("?")[0].split("#")[0]
    if not address or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", address) or address[0] in "/\\~":
        return None
    target = (base.parent / address).resolve()
    allowed = (project.styles.resolve(), project.fonts.resolve())
    if not any(target.is_relative_to(root) for root in allowed) or not target.is_file():
        return None
    return target


@dataclass
class _ImportWalk:
    """The stylesheets one rendering reads, following @import as the renderer does, with the
    bytes it reads (an import counted each time it is made) and the problems found."""

    project: Project
    problems: list[Problem] = field(default_factory=list)
    read: dict[Path, Stylesheet] = field(default_factory=dict)
    bytes_of: dict[tuple[Path, int], int] = field(default_factory=dict)
    """Bytes read for a stylesheet and its imports, by file and depth of import."""

    def walk(self, path: Path, chain: tuple[Path, ...] = ()) -> int:
        """The bytes read for the stylesheet at `path` and all it imports, `chain` being the
        stylesheets that import it, outermost first. Each file is walked once per depth, so the
        work is linear in the number of files, however often they import one another."""
        key = (path.resolve(), len(chain))
        if key in self.bytes_of:
            return self.bytes_of[key]
        found = read_stylesheet(path, self.project)
        if isinstance(found, Problem):
            self.problems.append(found)
            self.bytes_of[key] = 0
            return 0
        self.read.setdefault(found.path, found)
        total = found.size
        shown = self.project.display(path)
        for rule in found.imports:
            target = _imported(rule, path, self.project)
            if target is None:
                continue
            place = (shown, rule.source_line, rule.source_column)
            names = [p.name for p in (*chain, found.path, target)]
            if target in (*chain, found.path):
                message = f"@import makes a loop ({' → '.join(names)}): remove one of them"
                self.problems.append(Problem(*place, message=message))
            elif len(chain) + 1 >= MAX_IMPORT_DEPTH:
                message = (
                    f"imports stylesheets more than {MAX_IMPORT_DEPTH} levels deep"
                    f" ({' → '.join(names)}): import them from fewer levels"
                )
                self.problems.append(Problem(*place, message=message))
            else:
                total += self.walk(target, (*chain, found.path))
        self.bytes_of[key] = total
        return total


def stylesheet_problems(roots: list[Path], project: Project) -> tuple[list[Path], list[Problem]]:
    """The stylesheets a rendering reads (`roots` and what they import, each once) and the
    problems of reading them: a file too large or not UTF-8, an @import loop or too deep, too
    much CSS in all; each told at its file or its @import before any of it is parsed."""
    walk = _ImportWalk(project)
    total = 0
    for root in roots:
        total += walk.walk(root)
        if total > MAX_THEME_CSS_BYTES:
            walk.problems.append(
                Problem(
                    project.display(root),
                    message="brings the CSS read for a PDF to more than"
                    f" {MAX_THEME_CSS_BYTES:,} bytes (each @import counted as often as it is"
                    " made), the most a theme may use: remove what it does not use",
                )
            )
            break
    return list(walk.read), walk.problems


_NOT_COLOURS = {"transparent", "currentcolor", "inherit", "initial", "unset", "none"}


def _colour_literals(tokens: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    found = []
    for token in tokens:
        if token.type == "function" and token.lower_name != "var":
            if token.lower_name == "device-cmyk" or tinycss2.color4.parse_color(token) is not None:
                found.append(token)
            else:
                found.extend(_colour_literals(token.arguments))
        elif (
            token.type == "hash"
            or (token.type == "ident" and token.lower_value not in _NOT_COLOURS)
        ) and tinycss2.color4.parse_color(token) is not None:
            found.append(token)
    return found


def _declarations(path: Path) -> list[tinycss2.ast.Declaration]:
    """Every declaration of a stylesheet, inside rules and at-rules at any depth."""
    found: list[tinycss2.ast.Declaration] = []

    def walk(content: list[tinycss2.ast.Node]) -> None:
        for item in tinycss2.parse_blocks_contents(
            content, skip_comments=True, skip_whitespace=True
        ):
            if item.type == "declaration":
                found.append(item)
            elif item.type in ("qualified-rule", "at-rule") and item.content:
                walk(item.content)

    for rule in _rules(path):
        if rule.type in ("qualified-rule", "at-rule") and rule.content:
            walk(rule.content)
    return found


def _var_names(tokens: list[tinycss2.ast.Node]) -> list[tinycss2.ast.Node]:
    names: list[tinycss2.ast.Node] = []
    for token in tokens:
        if token.type == "function":
            if token.lower_name == "var":
                names.extend(t for t in token.arguments if t.type == "ident")
            names.extend(_var_names(token.arguments))
    return names


MAX_HINTED_NAMES = 20
"""Undefined var() names of a theme's CSS for which a close defined name is looked for; the
others are told without. Each search compares the name with every defined one: thousands of
searches among thousands of names would take minutes."""
MAX_HINT_CHOICES = 500
"""Beyond this many defined custom properties (a theme has a few dozen), no close name is
looked for, for the same reason."""


@dataclass
class _Hints:
    """ "Did you mean" for undefined names: each name searched once, within the limits above."""

    names: list[str]
    found: dict[str, str] = field(default_factory=dict)

    def of(self, name: str) -> str:
        searchable = len(self.names) <= MAX_HINT_CHOICES and len(self.found) < MAX_HINTED_NAMES
        if name not in self.found and searchable:
            self.found[name] = did_you_mean(name, self.names)
        return self.found.get(name, "")


def css_problems(stylesheets: list[tuple[Path, str]], defined: set[str]) -> list[Problem]:
    """Colours written in the CSS instead of taken from the swatches, and undefined var()s.

    `stylesheets` pairs each file with its name as shown; `defined` holds the custom properties
    fichepress defines (the swatches, the margins, `--bleed`).
    """
    problems = []
    parsed = [(shown, _declarations(path)) for path, shown in stylesheets]
    names = set(defined)
    for _, declarations in parsed:
        names |= {d.name for d in declarations if d.name.startswith("--")}
    hints = _Hints(sorted(names))
    for shown, declarations in parsed:
        for item in declarations:
            told = [
                (
                    token,
                    f'the colour "{tinycss2.serialize([token])}" is written in the CSS:'
                    " define it once as a swatch in theme.yaml and use var(--name)",
                )
                for token in _colour_literals(item.value)
            ]
            told += [
                (
                    token,
                    f"var({token.value}) is not defined: no swatch or custom property of"
                    f" that name{hints.of(token.value)}",
                )
                for token in _var_names(item.value)
                if token.value not in names
            ]
            problems += [
                Problem(shown, token.source_line, token.source_column, item.name, message)
                for token, message in told
            ]
    return problems


def _urls(nodes: list[tinycss2.ast.Node]) -> Iterator[tinycss2.ast.Node]:
    """The url(…) tokens and url("…") functions among `nodes`, at any depth."""
    for node in nodes:
        if node.type == "url":
            yield node
        elif node.type == "function":
            if node.lower_name in ("url", "src"):
                yield node
            else:
                yield from _urls(node.arguments)
        elif node.type in ("() block", "[] block", "{} block"):
            yield from _urls(node.content)


def _address(node: tinycss2.ast.Node) -> str:
    if node.type in ("url", "string"):
        return str(node.value)
    strings = [a for a in node.arguments if a.type == "string"]
    return str(strings[0].value) if strings else ""


def url_problems(path: Path, shown: str, project: Project) -> list[Problem]:
    """Addresses in a stylesheet (url(…), @import) that the build would refuse: web addresses,
    `data:` and `file:` URLs, absolute paths, files outside `styles/` and `fonts/`, missing
    files. Told here with their place, before any sheet is rendered."""
    found: list[tinycss2.ast.Node] = []
    for rule in _rules(path):
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            found += [t for t in rule.prelude if t.type in ("string", "url")]
        if rule.type in ("qualified-rule", "at-rule"):
            found += _urls(rule.prelude or [])
            found += _urls(rule.content or [])
    allowed = tuple(root for root in roots_of(project.root) if root.name in ("styles", "fonts"))
    problems = []
    for node in found:
        address = _address(node)
        lowered = address.strip().lower()
        if not address.strip() or lowered.startswith("#"):
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", lowered):
            scheme = lowered.split(":", 1)[0]
            why = (
                "a web address: builds are offline"
                if scheme in ("http", "https", "ftp")
                else f"a {scheme}: address: a theme may only use files of styles/ and fonts/"
            )
            message = f'"{address}" is {why}; put the file in the theme\'s folder'
        elif address.startswith(("/", "\\", "~")):
            message = f'"{address}" is an absolute path: use a path relative to this file'
        else:
            named = path.parent / address.split("?")[0].split("#")[0]
            unreadable: str | None
            try:
                target = resolved(named)
            except Unreadable as error:
                target, unreadable = named, error.reason
            else:
                unreadable = readable_problem(named, allowed)
            if not any(target.is_relative_to(root) for root in allowed):
                message = f'"{address}" points outside styles/ and fonts/: keep it in the project'
            elif not os.path.lexists(named):
                message = f'"{address}": file not found ({project.display(target)})'
            elif unreadable:
                message = f'"{address}": {project.display(named)} {unreadable}'
            else:
                reference = Problem(shown, node.source_line, node.source_column)
                problems += _embedded_problems(target, project, reference, f'"{address}" ')
                continue
        problems.append(Problem(shown, node.source_line, node.source_column, message=message))
    return problems


def _embedded_problems(
    target: Path, project: Project, reference: Problem, prefix: str
) -> list[Problem]:
    """What the build's gate would refuse in a file a stylesheet names: a font that does not
    read, a picture (whatever its name) over the limits or damaged. Stylesheets are read as
    such."""
    suffix = target.suffix.lower()
    if suffix in (".css", *PROFILE_SUFFIXES, *FONT_SUFFIXES):
        flaw = font_flaw(target) if suffix in FONT_SUFFIXES else stylesheet_flaw(target)
        return [replace(reference, message=prefix + flaw)] if flaw else []
    return picture_problems(target, project, reference, prefix)


def theme_css_problems(roots: list[Path], defined: set[str], project: Project) -> list[Problem]:
    """Everything wrong with the stylesheets one rendering reads (`roots`, in cascade order,
    and what they import), each problem once: files that may not be read (never parsed, so
    nothing of them reaches a message), sizes and imports, colours, var() names, addresses."""
    allowed = roots_of(project.root)
    found: dict[Problem, None] = {}
    readable = []
    for css in roots:
        unreadable = readable_problem(css, allowed)
        if unreadable:
            found[Problem(project.display(css), message=unreadable)] = None
        else:
            readable.append(css)
    paths, read_problems = stylesheet_problems(readable, project)
    found.update(dict.fromkeys(read_problems))
    stylesheets = [(css, project.display(css)) for css in paths]
    found.update(dict.fromkeys(css_problems(stylesheets, defined)))
    for css, shown in stylesheets:
        found.update(dict.fromkeys(url_problems(css, shown, project)))
    return list(found)
