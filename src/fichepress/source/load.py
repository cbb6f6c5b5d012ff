"""Read YAML sources safely, keep where every value stands, and validate them into the model.

Every problem of a file is reported at once, as `file:line:col: key.path: message`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.media import picture_problems
from fichepress.core.project import Project
from fichepress.core.reading import (
    Unreadable,
    open_inside,
    open_regular,
    outside,
    read_regular,
    readable_problem,
    resolved,
    roots_of,
)
from fichepress.source.model import BLOCK_KINDS, TAG, Series, Sheet

MAX_BYTES = 1_000_000
"""A sheet is a few kilobytes; anything bigger than this is a mistake or an attack."""
MAX_NODES = 100_000
"""Values built from one file, aliases expanded: stops "billion laughs" alias bombs."""
MAX_DEPTH = 50
"""Nesting depth of one file; also stops aliases that contain themselves."""

LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_ALLOWED_TAGS |= {_CORE + "seq", _CORE + "map"}

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class Positions:
    """Where each value and each key of a YAML file starts (1-based line and column)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading (duplicate keys, tags), reported with the schema's."""

    def of_value(self, loc: Loc) -> tuple[int, int]:
        """The position of the value at `loc`, or of its nearest enclosing value."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.values:
                return self.values[loc[:end]]
        return (0, 0)

    def of_key(self, loc: Loc) -> tuple[int, int]:
        """The position of the key naming `loc`, falling back on its value."""
        return self.keys.get(loc) or self.of_value(loc)


def _mark(mark: yaml.Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


_YAML_HINTS = {
    "found character '\\t' that cannot start any token": (
        "a tab character is used here; YAML indents with spaces only"
    ),
    "mapping values are not allowed here": (
        'unexpected ":" — put a text that contains ": " between quotes'
    ),
    "found undefined alias": "this alias (*name) refers to no anchor (&name)",
    "but found another document": "holds several YAML documents; keep one",
}


_OPENING = re.compile(r"""^(\s*(?:-\s+(?:[^\s:#'"][^:#]*:\s+)?|[^\s:#'"-][^:#]*:\s+))(["'])""")
"""A value that starts with a quotation mark: the text before it, and the mark."""
_DASH = re.compile(r"^(\s*)-[^\s-]")
_ITEM = re.compile(r"^(\s*)-\s")


def _explain(text: str, error: yaml.MarkedYAMLError) -> tuple[str, int, int] | None:
    """Plain words, at the right line, for the YAML mistakes authors make most, which the
    parser reports where it stumbles (often lines later): a quotation mark not closed, a
    missing space after a colon or a dash, list items not lined up."""
    problem = error.problem or ""
    end = error.problem_mark.line if error.problem_mark else 0
    lines = text.splitlines()
    if "quoted scalar" in (error.context or "") or problem.startswith("expected <block end>"):
        for number, line in enumerate(lines[: end + 1]):
            opening = _OPENING.match(line)
            if opening is None:
                continue
            mark, rest = opening.group(2), line[opening.end() :]
            closed = rest.replace(mark * 2, "") if mark == "'" else rest.replace('\\"', "")
            if mark not in closed:
                return (
                    f"the quotation mark {mark} that opens this text is not closed on its line:"
                    f" close it, or write the text without quotation marks",
                    number + 1,
                    opening.end(),
                )
    if problem.startswith("could not find expected ':'") and error.context_mark is not None:
        number = error.context_mark.line
        line = lines[number] if number < len(lines) else ""
        colon = line.find(":")
        if colon >= 0 and line[colon + 1 : colon + 2] not in (" ", ""):
            return (
                'write a space after ":" (a key, a colon and a space, then the text)',
                number + 1,
                colon + 2,
            )
    if problem.startswith("expected <block end>"):
        start = error.context_mark.line if error.context_mark else 0
        for number in range(start, min(end + 1, len(lines))):
            dash = _DASH.match(lines[number])
            if dash:
                return (
                    'write a space after "-": a list item starts with "- "',
                    number + 1,
                    dash.end(),
                )
        item = _ITEM.match(lines[end]) if end < len(lines) else None
        if item is not None:
            for number in range(end - 1, start - 1, -1):
                other = _ITEM.match(lines[number])
                if other is not None and other.group(1) != item.group(1):
                    return (
                        f"this list item starts at column {len(item.group(1)) + 1}, the one on"
                        f" line {number + 1} at column {len(other.group(1)) + 1}: the items of a"
                        " list line up",
                        end + 1,
                        len(item.group(1)) + 1,
                    )
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters: line feeds, carriage returns and tabs are text, the others are not."""


class _TooLarge(Exception):
    """The YAML expands into too many values or nests too deep (at `mark`)."""

    def __init__(self, message: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(message)
        self.mark = mark


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions and problems."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.positions = Positions()
        self.problems: list[Problem] = []
        self.count = 0
        self.stack: list[int] = []

    def problem(self, mark: yaml.Mark | None, loc: Loc, message: str) -> None:
        line, column = _mark(mark)
        self.problems.append(Problem(self.shown, line, column, key_path(loc), message))

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            message = f"expands into more than {MAX_NODES:,} values (too many aliases?)"
            raise _TooLarge(message, node.start_mark)
        if id(node) in self.stack:
            raise _TooLarge("an alias refers to a value that contains it", node.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise _TooLarge(f"nests deeper than {MAX_DEPTH} levels", node.start_mark)
        self.positions.values.setdefault(loc, _mark(node.start_mark))
        if node.tag not in _ALLOWED_TAGS:
            tag = node.tag.replace(_CORE, "!!")
            self.problem(node.start_mark, loc, f"YAML tags such as {tag} are not allowed")
            return None
        self.stack.append(id(node))
        try:
            if isinstance(node, yaml.ScalarNode):
                # Plain scalars stay text (no "no" → False, no "1.10" → 1.1); the schema
                # converts numbers where it expects them.
                if node.tag == _CORE + "null":
                    return None
                control = _CONTROL.search(node.value)
                if control:
                    self.problem(
                        node.start_mark,
                        loc,
                        f"holds the control character U+{ord(control.group()):04X}, which"
                        " prints nothing (an escape like \\x07 between quotes?): remove it",
                    )
                return node.value
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)  # the third and last kind of YAML node
            return self.build_mapping(node, loc)
        finally:
            self.stack.pop()

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _CORE + "merge":
                self.problem(
                    key_node.start_mark, loc, "keys must be plain words (no <<, [ ] or { })"
                )
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_seen:
                self.problem(
                    key_node.start_mark,
                    (*loc, key),
                    f'the key "{key}" appears twice (first on line {first_seen[key]})',
                )
                continue
            first_seen[key] = line
            self.positions.keys[(*loc, key)] = _mark(key_node.start_mark)
            result[key] = self.build(value_node, (*loc, key))
        return result


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's own loader, whose composer recurses once per level of nesting: here it refuses
    the level beyond `MAX_DEPTH` before going down into it, so that a file nested a thousand
    levels deep is told at its place instead of exhausting Python's stack."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _TooLarge(f"nests deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_LIBYAML_BOUND = 1_000
"""The nesting depth beyond which libyaml (0.2.5 and later) refuses a file by itself."""


@lru_cache(maxsize=1)
def _fast_loader() -> type[yaml.SafeLoader] | None:
    """libyaml's loader when it is there and bounds nesting itself: it composes in C, ten times
    faster, with the same nodes and positions, and refuses a file nested deeper than its bound
    (which the bounded loader then reads again, to tell where). An older libyaml, without that
    bound, would recurse until the C stack is exhausted: it is not used."""
    loader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    deeper = "[" * (_LIBYAML_BOUND + 1) + "]" * (_LIBYAML_BOUND + 1)
    try:
        for _ in yaml.parse(deeper, Loader=loader):
            pass
    except yaml.YAMLError:
        return loader
    return None


def _compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document, never deeper than `MAX_DEPTH` plus libyaml's own
    bound (the builder refuses what is deeper than `MAX_DEPTH`)."""
    fast = _fast_loader()
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass  # the Python parser's messages are the ones the hints below know
    return yaml.compose(text, Loader=_BoundedLoader)


def read_yaml(
    path: Path, shown: str, roots: tuple[Path, ...] | None = None
) -> tuple[Any, Positions]:
    """Read one YAML file safely into plain data and the positions of its values: a regular
    file (never a pipe or a device), inside `roots` after links when they are given."""

    def fail(message: str, line: int = 0, column: int = 0) -> InvalidSource:
        return InvalidSource([Problem(shown, line, column, "", message)])

    try:
        with open_regular(path) if roots is None else open_inside(path, roots) as stream:
            size = os.fstat(stream.fileno()).st_size
            raw = stream.read(MAX_BYTES + 1)  # no more is read of a file too large
    except Unreadable as error:
        raise fail(error.reason, *((1, 1) if error.outside else ())) from None
    except OSError as error:
        raise fail(f"cannot be read: {error.strerror}") from None
    if len(raw) > MAX_BYTES:
        line = raw[:MAX_BYTES].count(b"\n") + 1
        raise fail(
            f"is too large ({max(size, len(raw)):,} bytes; a source may hold {MAX_BYTES:,},"
            f" reached on line {line})",
            1,
            1,
        )
    for bom, encoding in ((b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if raw.startswith(bom):
            raise fail(f"is {encoding} text: save it as UTF-8", 1, 1)
    if b"\0" in raw:
        at = raw.index(b"\0")
        line = raw[:at].count(b"\n") + 1
        raise fail("is not a text file (it holds binary data)", line, at - raw.rfind(b"\n", 0, at))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise fail("is not UTF-8 text: save it as UTF-8", line, column) from None
    try:
        node = _compose(text)
    except _TooLarge as error:
        raise fail(str(error), *_mark(error.mark)) from None
    except yaml.MarkedYAMLError as error:
        explained = _explain(text, error)
        if explained is not None:
            raise fail(*explained) from None
        problem = error.problem or "is not valid YAML"
        hint = next((h for text_, h in _YAML_HINTS.items() if problem.startswith(text_)), None)
        line, column = _mark(error.problem_mark)
        raise fail(hint or f"is not valid YAML: {problem}", line, column) from None
    except yaml.YAMLError as error:
        raise fail(f"is not valid YAML: {error}") from None
    if node is None:
        raise fail("is empty", 1, 1)
    builder = _Builder(shown)
    try:
        data = builder.build(node, ())
    except _TooLarge as error:
        raise fail(str(error), *_mark(error.mark)) from None
    builder.positions.problems = builder.problems
    return data, builder.positions


# --- validation ------------------------------------------------------------------------------


def key_path(loc: Loc) -> str:
    """`("selection", "groups", 1, "year")` → `selection.groups[1].year`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _members(tp: Any) -> Iterator[tuple[Any, str | None]]:
    """The types a type annotation may stand for, each with its discriminator tag."""
    tag = None
    while get_origin(tp) is Annotated:
        tp, *metadata = get_args(tp)
        tag = next((m.tag for m in metadata if hasattr(m, "tag")), tag)
    if get_origin(tp) in (Union, types.UnionType):
        for member in get_args(tp):
            yield from _members(member)
    else:
        yield tp, tag


def _keys_at(model: type[BaseModel], raw_loc: Loc) -> list[str]:
    """The keys the schema allows in the mapping at `raw_loc` (which may hold union tags)."""
    current: list[Any] = [model]
    for part in raw_loc:
        following: list[Any] = []
        for tp in current:
            for member, tag in _members(tp):
                if isinstance(part, str) and part.startswith(TAG):
                    if tag == part:
                        following.append(member)
                elif isinstance(part, int) and get_origin(member) in (tuple, list):
                    following.append(get_args(member)[0])
                elif (
                    isinstance(part, str)
                    and isinstance(member, type)
                    and issubclass(member, BaseModel)
                    and part in member.model_fields
                ):
                    following.append(member.model_fields[part].annotation)
        current = following
    keys: list[str] = []
    for tp in current:
        for member, _ in _members(tp):
            if isinstance(member, type) and issubclass(member, BaseModel):
                keys.extend(member.model_fields)
    return keys


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping of keys"
    if isinstance(value, list):
        return "a list"
    return f'"{value}"'


def _message(error: ErrorDetails, model: type[BaseModel], raw_loc: Loc) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return f'the key "{raw_loc[-1]}" is required but missing'
    if kind == "extra_forbidden":
        name = str(raw_loc[-1])
        allowed = _keys_at(model, raw_loc[:-1])
        return f'unknown key "{name}"{did_you_mean(name, allowed)}'
    if kind == "bad_block" and isinstance(value, dict):
        names = ", ".join(f'"{key}"' for key in value)
        guess = did_you_mean(next(iter(value), ""), list(BLOCK_KINDS))
        return (
            f"{names} is not a kind of block{guess}; a block is a paragraph, list, quote or heading"
        )
    if kind == "string_type":
        return (
            "is empty: write a text here"
            if value is None
            else f"must be a text, got {_kind_of(value)}"
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return (
            "is empty: write a number here"
            if value is None
            else f"must be a whole number, got {_kind_of(value)}"
        )
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']:g}, got {value}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']:g}, got {value}"
    if kind == "too_short":
        return "must hold at least one item"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {_kind_of(value)}"
    if kind == "string_pattern_mismatch" and raw_loc[-1:] == ("[key]",):
        return f"{_kind_of(value)} is not a valid name: use lower-case letters, digits and -"
    if kind == "string_pattern_mismatch" and str(ctx.get("pattern", "")).startswith("^#"):
        return f"must be a colour written #rrggbb, got {_kind_of(value)}"
    if kind == "string_pattern_mismatch":
        return f"must be made of lower-case letters, digits, - and _, got {_kind_of(value)}"
    if kind in ("tuple_type", "list_type"):
        return f'must be a list (one "- " line per item), got {_kind_of(value)}'
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys (key: value), got {_kind_of(value)}"
    message = error["msg"]
    return message[:1].lower() + message[1:]


def _without_tags(raw_loc: Loc) -> Loc:
    """The location of an error in the data: without union tags, nor the `[key]` marker that
    pydantic adds when a mapping's key (not its value) is wrong."""
    return tuple(
        part
        for part in raw_loc
        if not (isinstance(part, str) and (part.startswith(TAG) or part == "[key]"))
    )


def validate(model: type[M], data: Any, positions: Positions, shown: str) -> M:
    """Validate plain data into `model`, or raise every problem with its place."""
    problems = list(positions.problems)
    seen = {problem.key for problem in problems}
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # Locations holding another error deeper down, gathered once: asking each error of
        # thousands whether any other lies below it would take minutes.
        above_others = {error["loc"][:end] for error in errors for end in range(len(error["loc"]))}
        for error in errors:
            raw_loc = error["loc"]
            loc = _without_tags(raw_loc)
            if key_path(loc) in seen:
                continue  # already told: the value was refused while reading
            if error["type"] == "too_short" and raw_loc in above_others:
                continue  # pydantic counts only the valid items; the bad ones are reported
            if error["type"] == "missing":
                line, column = positions.of_key(loc[:-1])
            elif error["type"] == "extra_forbidden" or raw_loc[-1:] == ("[key]",):
                line, column = positions.of_key(loc)
            else:
                line, column = positions.of_value(loc)
            problems.append(
                Problem(shown, line, column, key_path(loc), _message(error, model, raw_loc))
            )
    if problems:
        raise InvalidSource(_misspellings_once(problems))
    return result


def _misspellings_once(problems: list[Problem]) -> list[Problem]:
    """A misspelt key is one mistake: its "unknown key (did you mean …?)" says it all, and the
    key it should have been is not also reported missing."""
    meant = {
        (p.key.rpartition(".")[0] if "." in p.key else "", match.group(1))
        for p in problems
        if (match := re.search(r'\(did you mean "([^"]+)"\?\)', p.message))
        and p.message.startswith("unknown key")
    }
    return [
        p
        for p in problems
        if not (
            "is required but missing" in p.message
            and (p.key.rpartition(".")[0] if "." in p.key else "", p.key.rpartition(".")[2])
            in meant
        )
    ]


def _check_file(
    text: str, base: Path, root: Path, suffixes: tuple[str, ...], project: Project
) -> str | None:
    """Why the file `text` (relative to `base`, inside `root`) may not be used, or None."""
    folder = project.display(root) + "/"
    if "://" in text or text.lower().startswith("data:"):
        return f"must be a file of {folder}, not a web address"
    if Path(text).is_absolute() or text.startswith("~"):
        return f"must be a path relative to {folder}, not an absolute path"
    try:
        target = resolved(base / text)
    except Unreadable as error:
        return f"{project.display(base / text)} {error.reason}"
    if not target.is_relative_to(root.resolve()):
        return f'"{text}" points outside {folder}; keep the file inside it'
    far = outside(base / text, roots_of(project.root))
    if far:  # the folder itself links elsewhere: what is there is not looked at
        return f"{project.display(base / text)} {far}"
    if not os.path.lexists(base / text):
        return f"file not found: {project.display(target)}"
    unreadable = readable_problem(base / text, roots_of(project.root))
    if unreadable:
        return f"{project.display(base / text)} {unreadable}"
    if target.suffix.lower() not in suffixes:
        return "must be an SVG, PNG or JPEG file"
    return None


def _inside(path: Path, project: Project, shown: str) -> None:
    """Refuse a source that lies outside the project's folders (through a symbolic link, or
    named outside them), before anything of it is read."""
    reason = outside(path, roots_of(project.root))
    if reason:
        raise InvalidSource([Problem(shown, 1, 1, message=reason)])


def load_series(project: Project) -> Series:
    """Read and check `sheets/series.yaml`."""
    shown = project.display(project.series_file)
    _inside(project.series_file, project, shown)
    data, positions = read_yaml(project.series_file, shown, roots_of(project.root))
    series = validate(Series, data, positions, shown)
    problems = []
    if not os.path.lexists(project.styles / series.theme / "theme.yaml"):
        known = sorted(p.parent.name for p in project.styles.glob("*/theme.yaml"))
        line, column = positions.of_value(("theme",))
        problems.append(
            Problem(
                shown,
                line,
                column,
                "theme",
                f'no theme "{series.theme}" in styles/{did_you_mean(series.theme, known)}'
                + (f"; themes here: {', '.join(known)}" if known else ""),
            )
        )
    logos: list[tuple[Loc, str]] = [(("publisher", "logo"), series.publisher.logo)]
    if series.funders:
        logos += [
            (("funders", "organisations", index, "logo"), funder.logo)
            for index, funder in enumerate(series.funders.organisations)
        ]
    for loc, logo in logos:
        problem = _check_file(logo, project.sheets, project.sheets, LOGO_SUFFIXES, project)
        line, column = positions.of_value(loc)
        if problem:
            problems.append(Problem(shown, line, column, key_path(loc), problem))
            continue
        reference = Problem(shown, line, column, key_path(loc))
        target = (project.sheets / logo).resolve()
        problems += [p for p in picture_problems(target, project, reference) if p not in problems]
    if problems:
        raise InvalidSource(problems)
    return series


@dataclass(frozen=True)
class SheetSource:
    """A validated sheet and where it came from."""

    sheet: Sheet
    path: Path
    positions: Positions

    @property
    def slug(self) -> str:
        """The name of its outputs: the source file name without `.yaml`."""
        return self.path.stem


_loaded: dict[tuple[Path, Path, bytes], SheetSource] = {}
"""Sheets already checked in this process, by file, project and content digest."""


def load_sheet(path: Path, project: Project) -> SheetSource:
    """Read and check one sheet (once per process while its content does not change)."""
    _inside(path, project, project.display(path))
    try:
        key = (path, project.root, hashlib.sha256(read_regular(path, MAX_BYTES + 1)).digest())
    except OSError:
        key = None  # told by read_yaml
    if key is not None and key in _loaded:
        return _loaded[key]
    shown = project.display(path)
    data, positions = read_yaml(path, shown, roots_of(project.root))
    source = SheetSource(validate(Sheet, data, positions, shown), path, positions)
    if key is not None:
        if len(_loaded) > 4096:
            _loaded.clear()
        _loaded[key] = source
    return source


def load_sheets(project: Project, paths: Sequence[Path]) -> tuple[list[SheetSource], list[Problem]]:
    """Load every sheet; return the valid ones and the problems of the others.

    Two sheets with the same number are both refused: which one is right is the author's call.
    """
    sources: list[SheetSource] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            sources.append(load_sheet(path, project))
        except InvalidSource as invalid:
            problems.extend(invalid.problems)
    by_number: dict[int, list[SheetSource]] = {}
    for source in sources:
        by_number.setdefault(source.sheet.number, []).append(source)
    clashing = set()
    for number, same in by_number.items():
        if len(same) < 2:
            continue
        for source in same:
            others = ", ".join(project.display(o.path) for o in same if o is not source)
            line, column = source.positions.of_value(("number",))
            problems.append(
                Problem(
                    project.display(source.path),
                    line,
                    column,
                    "number",
                    f"number {number} is also used by {others}",
                )
            )
            clashing.add(source.path)
    return [source for source in sources if source.path not in clashing], problems
