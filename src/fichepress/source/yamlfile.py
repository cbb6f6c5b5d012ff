"""Read one YAML source safely into plain data, and keep where every value stands.

A source is a regular file inside the project, of bounded size, nesting and values (aliases
expanded), UTF-8, with only the plain YAML tags; each mistake is told at its line and column,
in plain words where the YAML parser's own are obscure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.reading import (
    Unreadable,
    open_inside,
    open_regular,
)
from fichepress.source.yamlwords import explain, special_start

MAX_BYTES = 1_000_000
"""A sheet is a few kilobytes; anything bigger than this is a mistake or an attack."""
MAX_NODES = 100_000
"""Values built from one file, aliases expanded: stops "billion laughs" alias bombs."""
MAX_DEPTH = 50
"""Nesting depth of one file; also stops aliases that contain themselves."""

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_ALLOWED_TAGS |= {_CORE + "seq", _CORE + "map"}

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def key_path(loc: Loc) -> str:
    """`("selection", "groups", 1, "year")` → `selection.groups[1].year`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass
class Positions:
    """Where each value and each key of a YAML file starts (1-based line and column)."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading (duplicate keys, tags), reported with the schema's."""
    lines: list[str] = field(default_factory=list)
    """The file's lines, for what is told of them in plain words."""
    flows: dict[Loc, str] = field(default_factory=dict)
    """Values written on one line between [ ] or { }, with that text: where the schema wants a
    text, the author meant a text that starts with a bracket."""

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


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters: line feeds, carriage returns and tabs are text, the others are not."""


class _TooLarge(Exception):
    """The YAML expands into too many values or nests too deep (at `mark`)."""

    def __init__(self, message: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(message)
        self.mark = mark


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions and problems."""

    def __init__(self, shown: str, lines: list[str]) -> None:
        self.shown = shown
        self.lines = lines
        self.built: dict[int, int] = {}
        """How many times each node was built: more than once when an alias names it."""
        self.anchored: list[tuple[yaml.Node, Loc]] = []
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
        self.built[id(node)] = self.built.get(id(node), 0) + 1
        written = self.written(node.start_mark)
        if written[:1] == "&" and self.built[id(node)] == 1:
            self.anchored.append((node, loc))
        if written[:1] in "[{" and getattr(node, "flow_style", False):
            self.positions.flows[loc] = written
        if node.tag.startswith("!") and not node.tag.startswith("!!") and written[:1] == "!":
            self.told(node.start_mark, loc, written)
            return None
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
                control = CONTROL.search(node.value)
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

    def written(self, mark: yaml.Mark) -> str:
        """The rest of the line from `mark`, as written in the file."""
        line = self.lines[mark.line] if mark.line < len(self.lines) else ""
        return line[mark.column :].rstrip()

    def told(self, mark: yaml.Mark, loc: Loc, written: str) -> None:
        """A text that starts with a character YAML reads otherwise (& or !)."""
        line, column = _mark(mark)
        message = special_start(written, line, column)[0]
        self.problems.append(Problem(self.shown, line, column, key_path(loc), message))

    def unused_anchors(self) -> None:
        """A name given to a value (&name) that no reference (*name) uses: the author wrote a
        text that starts with "&", and YAML kept only what follows the name."""
        for node, loc in self.anchored:
            if self.built[id(node)] == 1:
                self.told(node.start_mark, loc, self.written(node.start_mark))

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        restart = ""
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _CORE + "merge":
                self.problem(
                    key_node.start_mark, loc, "keys must be plain words (no <<, [ ] or { })"
                )
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_seen:
                restart = restart or key
                if not loc or not isinstance(loc[-1], int):
                    message = f'the key "{key}" appears twice (first on line {first_seen[key]})'
                elif key == restart:  # an item of a list, written without its "-"
                    message = (
                        f'the key "{key}" appears twice in this list item (first on line'
                        f' {first_seen[key]}): a "-" is missing; write "- {key}: …" to start'
                        " a new item"
                    )
                else:
                    continue  # the same missing "-": told once
                self.problem(key_node.start_mark, (*loc, key), message)
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


def _decoded(raw: bytes, size: int, fail: Callable[..., InvalidSource]) -> str:
    """The text of a source's bytes: not too large, UTF-8 (no UTF-16, no binary data)."""
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
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - raw.rfind(b"\n", 0, error.start)
        raise fail("is not UTF-8 text: save it as UTF-8", line, column) from None


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
    text = _decoded(raw, size, fail)
    try:
        node = _compose(text)
    except _TooLarge as error:
        raise fail(str(error), *_mark(error.mark)) from None
    except yaml.MarkedYAMLError as error:
        raise fail(*explain(text, error)) from None
    except yaml.YAMLError as error:
        raise fail(f"is not valid YAML: {error}") from None
    if node is None:
        raise fail("is empty", 1, 1)
    builder = _Builder(shown, text.splitlines())
    try:
        data = builder.build(node, ())
    except _TooLarge as error:
        raise fail(str(error), *_mark(error.mark)) from None
    builder.unused_anchors()
    builder.positions.problems = builder.problems
    builder.positions.lines = builder.lines
    return data, builder.positions
