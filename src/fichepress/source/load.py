"""Validate YAML sources into the model, and load the series and its sheets.

Every problem of a file is reported at once, as `file:line:col: key.path: message`.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import os
import re
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fichepress.core.errors import InvalidSource, Problem
from fichepress.core.media import picture_problems
from fichepress.core.project import Project, installed_themes
from fichepress.core.reading import (
    Unreadable,
    outside,
    read_regular,
    readable_problem,
    resolved,
    roots_of,
)
from fichepress.source.model import BLOCK_KINDS, TAG, Series, Sheet
from fichepress.source.yamlfile import MAX_BYTES, Loc, Positions, key_path, read_yaml
from fichepress.source.yamlwords import quoted, special_start, text_lines

LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
LOGOS = "an SVG, PNG or JPEG"

M = TypeVar("M", bound=BaseModel)


# --- validation ------------------------------------------------------------------------------


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
    name = next((part for part in reversed(raw_loc) if isinstance(part, str)), "")
    if value is None and kind in ("string_type", "int_parsing", "int_type", "int_from_float"):
        return f'has no value: write it after "{name}: "'
    if kind == "string_type":
        return f"must be a text, got {_kind_of(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number, got {_kind_of(value)}"
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
    if kind in ("tuple_type", "list_type") and value is None:
        return 'has no value: write its items on the lines below it, each starting with "- "'
    if kind in ("tuple_type", "list_type") and isinstance(value, dict):
        first = next(iter(value), "")
        return (
            f'is a list, and a "-" is missing: start each of its items with "- ",'
            f' as in "- {first}: …"'
        )
    if kind in ("tuple_type", "list_type"):
        return f'must be a list (one "- " line per item), got {_kind_of(value)}'
    if kind in ("model_type", "model_attributes_type", "dict_type") and value is None:
        return f'has no value: write its keys on the lines below "{name}:", indented'
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
        texts = _texts_with_colon(errors, data, model)
        lookups = _Lookups(data, positions)
        two_kinds: set[Loc] = set()
        for error in errors:
            raw_loc = error["loc"]
            loc = _without_tags(raw_loc)
            if key_path(loc) in seen:
                continue  # already told: the value was refused while reading
            if error["type"] == "missing" and loc[:-1] in texts:
                continue  # not a mapping that lacks keys, but a text with ": " in it
            if error["type"] == "too_short" and raw_loc in above_others:
                continue  # pydantic counts only the valid items; the bad ones are reported
            in_text = lookups.key_in_text(loc) if error["type"] == "missing" else None
            if in_text is not None:
                line, column = in_text
            elif error["type"] == "missing":
                line, column = positions.of_key(loc[:-1])
            elif error["type"] == "extra_forbidden" or raw_loc[-1:] == ("[key]",):
                line, column = positions.of_key(loc)
            else:
                line, column = positions.of_value(loc)
            message = texts.get(loc[:-1], "") if error["type"] == "extra_forbidden" else ""
            kinds = lookups.kinds_at(loc[:-1]) if error["type"] == "extra_forbidden" else []
            if len(kinds) > 1:
                if loc[:-1] in two_kinds:
                    continue  # the one mistake is told once
                two_kinds.add(loc[:-1])
                line, column = positions.of_key((*loc[:-1], kinds[1]))
                loc, message = (
                    (*loc[:-1], kinds[1]),
                    (
                        f'a block holds one kind, and "{kinds[1]}" starts another: a "-" is'
                        f' missing; write "- {kinds[1]}: …"'
                    ),
                )
            if in_text is not None:
                message = (
                    f'the key "{loc[-1]}" is required but missing: "{loc[-1]}" on this line is'
                    " indented more than the keys of its block, so it is read as part of the"
                    " text above: line it up with those keys"
                )
            message = message or _message(error, model, raw_loc)
            if error["type"] in ("string_type", "bad_list_item") and loc in positions.flows:
                message += ": " + special_start(positions.flows[loc], line, column)[0]
            problems.append(Problem(shown, line, column, key_path(loc), message))
    if problems:
        raise InvalidSource(_misplaced_once(_dashes_once(_misspellings_once(problems))))
    return result


class _Lookups:
    """What the messages of one file's errors ask of its data and lines, each worked out once:
    a file of tens of thousands of mistakes must not be read again for each of them."""

    def __init__(self, data: Any, positions: Positions) -> None:
        self.data, self.positions = data, positions
        self._kinds: dict[Loc, list[str]] = {}
        self._in_text: dict[str, list[tuple[int, int]]] | None = None

    def key_in_text(self, loc: Loc) -> tuple[int, int] | None:
        """Where a missing key is written, indented too far, inside the text of the key above
        it (a text written below its key, after ">" or "|"), or None."""
        if self._in_text is None:  # each "name:" at the start of a line of text, in order
            self._in_text = {}
            lines = self.positions.lines
            for number in sorted(text_lines(lines)):
                found = _KEY_AT_START.match(lines[number])
                if found:
                    place = (number + 1, len(found.group(1)) + 1)
                    self._in_text.setdefault(found.group(2), []).append(place)
        start, _ = self.positions.of_key(loc[:-1])
        places = self._in_text.get(str(loc[-1]), [])
        index = bisect.bisect_left(places, (max(start - 1, 0) + 1, 0))
        return places[index] if index < len(places) else None

    def kinds_at(self, loc: Loc) -> list[str]:
        """The kinds of block named in the mapping at `loc` (two when a "-" is missing)."""
        if loc not in self._kinds:
            found = _at(self.data, loc)
            kinds = [key for key in found if key in BLOCK_KINDS] if isinstance(found, dict) else []
            self._kinds[loc] = kinds
        return self._kinds[loc]


_KEY_AT_START = re.compile(r"^(\s*)([^\s:#][^:#]*?):(\s|$)")
"""A line that starts with a key: its indentation and the key."""


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _texts_with_colon(
    errors: list[ErrorDetails], data: Any, model: type[BaseModel]
) -> dict[Loc, str]:
    """Mappings of one unknown key and a text, such as `- Note: voir`: a text with ": " in it,
    which YAML reads as a key and its value. Each, by its place, with what to write."""
    texts: dict[Loc, str] = {}
    for error in errors:
        if error["type"] != "extra_forbidden":
            continue
        loc = _without_tags(error["loc"])
        parent, key = _at(data, loc[:-1]), str(loc[-1])
        if not isinstance(parent, dict) or len(parent) != 1 or not isinstance(parent[key], str):
            continue
        if did_you_mean(key, _keys_at(model, error["loc"][:-1])):
            continue  # a misspelt key
        text = f"{key}: {parent[key]}"
        texts[loc[:-1]] = (
            f'"{text}" is read as the key "{key}" and its value, because of ": ": if it is a'
            f" text, write it between quotation marks: {quoted(text)}"
        )
    return texts


def _misplaced_once(problems: list[Problem]) -> list[Problem]:
    """A key that left its block (indented too little) is one mistake: told where it is, as
    belonging to the block it left, which is not also told it lacks that key."""
    missing = {
        p.key.rpartition(".")[2]: p
        for p in problems
        if "." in p.key and p.message.endswith("is required but missing")
    }
    told: list[Problem] = []
    moved = set()
    for p in problems:
        name = p.key.rpartition(".")[2]
        if p.message == f'unknown key "{name}"' and name in missing:
            block = missing[name].key.rpartition(".")[0]
            message = (
                f'"{name}" belongs to "{block}" (line {missing[name].line}): indent it like the'
                f' other keys of "{block}"'
            )
            told.append(replace(p, message=message))
            moved.add(missing[name])
        else:
            told.append(p)
    return [p for p in told if p not in moved]


def _dashes_once(problems: list[Problem]) -> list[Problem]:
    """Items written without their "-" are one mistake: the list's "a "-" is missing" says it
    all, and the keys its items share are not also told twice."""
    lists = {p.key for p in problems if 'a "-" is missing' in p.message}
    return [
        p
        for p in problems
        if not ("appears twice" in p.message and p.key.rpartition(".")[0] in lists)
    ]


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


def file_problem(
    text: str, base: Path, root: Path, suffixes: tuple[str, ...], project: Project, kinds: str = ""
) -> str | None:
    """Why the file `text` (relative to `base`, inside `root`, ending in one of `suffixes`: "a
    PNG or JPEG file", says `kinds`) may not be used, or None."""
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
        return f"must be {kinds or 'a ' + ', '.join(s.lstrip('.').upper() for s in suffixes)} file"
    return None


def _inside(path: Path, project: Project, shown: str) -> None:
    """Refuse a source that lies outside the project's folders (through a symbolic link, or
    named outside them), before anything of it is read."""
    reason = outside(path, roots_of(project.root))
    if reason:
        raise InvalidSource([Problem(shown, 1, 1, message=reason)])


def load_series(project: Project) -> Series:
    """Read and check `sheets/series.yaml`."""
    return read_series(project)[0]


def read_series(project: Project) -> tuple[Series, Positions]:
    """Read and check `sheets/series.yaml`: the series, and where each of its values stands."""
    shown = project.display(project.series_file)
    _inside(project.series_file, project, shown)
    data, positions = read_yaml(project.series_file, shown, roots_of(project.root))
    series = validate(Series, data, positions, shown)
    problems = []
    if project.theme_folder(series.theme) is None:  # the project's, or an installed one
        known = sorted({*project.project_themes(), *installed_themes()})
        line, column = positions.of_value(("theme",))
        problems.append(
            Problem(
                shown,
                line,
                column,
                "theme",
                f'no theme "{series.theme}" in styles/ nor installed with fichepress'
                f"{did_you_mean(series.theme, known)}"
                + (f"; themes here: {', '.join(known)}" if known else ""),
            )
        )
    for loc, logo in series_logos(series):
        problem = file_problem(logo, project.sheets, project.sheets, LOGO_SUFFIXES, project, LOGOS)
        line, column = positions.of_value(loc)
        if problem:
            problems.append(Problem(shown, line, column, key_path(loc), problem))
            continue
        reference = Problem(shown, line, column, key_path(loc))
        target = (project.sheets / logo).resolve()
        problems += [p for p in picture_problems(target, project, reference) if p not in problems]
    if problems:
        raise InvalidSource(problems)
    return series, positions


def series_logos(series: Series) -> list[tuple[Loc, str]]:
    """Each logo the series file names (publisher, funders), with where it names it."""
    logos: list[tuple[Loc, str]] = [(("publisher", "logo"), series.publisher.logo)]
    if series.funders:
        logos += [
            (("funders", "organisations", index, "logo"), funder.logo)
            for index, funder in enumerate(series.funders.organisations)
        ]
    return logos


def logo_places(project: Project, series: Series) -> dict[str, Problem]:
    """Each logo of the series file, as messages show its file, to the place in the series
    file that names it (the first, when named twice): what is said of a logo is told there."""
    shown = project.display(project.series_file)
    _, positions = read_yaml(project.series_file, shown, roots_of(project.root))
    places: dict[str, Problem] = {}
    for loc, logo in series_logos(series):
        line, column = positions.of_value(loc)
        places.setdefault(
            project.display(project.sheets / logo), Problem(shown, line, column, key_path(loc))
        )
    return places


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


def load_each(project: Project, paths: Sequence[Path]) -> dict[Path, SheetSource | list[Problem]]:
    """Each sheet of `paths` loaded on its own: its source, or its problems."""
    loaded: dict[Path, SheetSource | list[Problem]] = {}
    for path in paths:
        try:
            loaded[path] = load_sheet(path, project)
        except InvalidSource as invalid:
            loaded[path] = invalid.problems
    return loaded


def load_sheets(project: Project, paths: Sequence[Path]) -> tuple[list[SheetSource], list[Problem]]:
    """Load every sheet; return the valid ones and the problems of the others.

    Two sheets with the same number are both refused: which one is right is the author's call.
    """
    return select_sheets(project, load_each(project, paths), paths)


def select_sheets(
    project: Project, loaded: Mapping[Path, SheetSource | list[Problem]], paths: Sequence[Path]
) -> tuple[list[SheetSource], list[Problem]]:
    """The sheets of `paths` among those `loaded` (`load_each`): the valid ones and the problems
    of the others; two sheets of `paths` with the same number are both refused."""
    sources: list[SheetSource] = []
    problems: list[Problem] = []
    for path in paths:
        found = loaded[path]
        if isinstance(found, SheetSource):
            sources.append(found)
        else:
            problems.extend(found)
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
