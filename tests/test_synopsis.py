"""The README's synopsis names every command, sub-command and option of `fichepress`, and only
those: a new option fails here until the README's "Commands" section names it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from fichepress.cli import main

ROOT = Path(__file__).resolve().parent.parent
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
"""An option as the synopsis writes it: `-j`, `--no-collection` (not the `-serie` of a name)."""


def commands(
    command: click.Command = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command of the tree, with the words that call it after `fichepress`."""
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=" ".join(("fichepress", *path)))
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, (*path, name))


def synopsis(readme: str) -> str:
    """The first code block of the README's "## Commands" section."""
    assert "\n## Commands\n" in readme, 'README.md has no "## Commands" section'
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```[a-z]*\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    assert block is not None, 'the "## Commands" section of README.md has no code block'
    return block.group(1)


def entries(block: str) -> tuple[dict[tuple[str, ...], str], list[str]]:
    """Each command's words in the synopsis (a line starting `fichepress`, and the indented
    lines after it), and the lines naming a command that does not exist."""
    found: dict[tuple[str, ...], str] = {}
    unknown: list[str] = []
    path: tuple[str, ...] = ()
    for line in block.splitlines():
        if not line.strip():
            continue
        if line[:1].isspace():  # continues the command above
            found[path] = found.get(path, "") + " " + line.strip()
            continue
        words = line.split()
        assert words[0] == "fichepress", f"a synopsis line starts with fichepress: {line!r}"
        command: click.Command = main
        path, rest = (), words[1:]
        while rest and isinstance(command, click.Group):
            sub = command.get_command(click.Context(command), rest[0])
            if sub is None:
                if re.fullmatch(r"[a-z][a-z-]*", rest[0]):
                    unknown.append(line)
                break
            command, path, rest = sub, (*path, rest[0]), rest[1:]
        found[path] = found.get(path, "") + " " + " ".join(rest)
    return found, unknown


def gaps(readme: str) -> list[str]:
    """What the synopsis misses or names wrongly, one line each, in plain words."""
    found, unknown = entries(synopsis(readme))
    told = [f"the synopsis names a command fichepress does not have: {line}" for line in unknown]
    for path, command in commands():
        called = " ".join(("fichepress", *path))
        if path not in found:
            told.append(f"the synopsis has no line for `{called}`")
            continue
        words = found[path]
        written = set(OPTION.findall(words))
        names: set[str] = set()
        params = list(command.params)
        if not path:  # the group's own line names its help option too
            context = click.Context(command, **command.context_settings)
            help_option = command.get_help_option(context)
            params += [help_option] if help_option is not None else []
        for param in params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            for name in (*param.opts, *param.secondary_opts):
                names.add(name)
                if name not in written:
                    told.append(f"`{called}` lacks {name} in the synopsis")
            if isinstance(param.type, click.Choice):
                for choice in map(str, param.type.choices):
                    if not re.search(rf"(?<![\w-]){re.escape(choice)}(?![\w-])", words):
                        told.append(f"`{called} {param.opts[-1]}` lacks the choice {choice}")
        told += [f"`{called}` has no option {name}" for name in sorted(written - names)]
    return told


def test_the_synopsis_names_every_command_and_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    told = gaps(readme)
    assert not told, "README.md, section Commands:\n" + "\n".join(told)


def test_a_missing_or_stale_option_is_told() -> None:
    """The check itself: an option left out, one that does not exist, a command left out and a
    command that does not exist are each told."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = synopsis(readme)
    cut = readme.replace(block, block.replace("[--no-collection]", "[--no-colection]", 1))
    assert "`fichepress build` lacks --no-collection in the synopsis" in gaps(cut)
    assert "`fichepress build` has no option --no-colection" in gaps(cut)
    dropped = readme.replace(block, block.replace("fichepress themes", "fichepress theme", 1))
    told = gaps(dropped)
    assert "the synopsis has no line for `fichepress themes`" in told
    assert any(line.startswith("the synopsis names a command") for line in told)
    short = gaps(readme.replace(block, block.replace("[-j | --jobs N]", "[--jobs N]", 1)))
    assert "`fichepress build` lacks -j in the synopsis" in short
    assert "`fichepress collection` lacks -j in the synopsis" not in short


def test_the_tree_is_walked_whole() -> None:
    """Every command `fichepress --help` lists is walked, with its options."""
    walked = {path for path, _ in commands()}
    listed = set(main.list_commands(click.Context(main)))
    assert {(name,) for name in listed} <= walked and () in walked
    assert {"build", "check", "themes", "watch"} <= listed
