"""Like sqlite-utils' test_docs.py: every command has help text and the README names it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from moviecli.cli import app

README = Path(__file__).resolve().parent.parent / "README.md"


def _commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    names: list[tuple[str, ...]] = []
    for name, command in root.commands.items():
        if hasattr(command, "commands"):  # a group (Typer vendors Click: no `click` import)
            names += [(name, sub) for sub in command.commands]
        else:
            names.append((name,))
    return names


COMMANDS = _commands()


def test_the_spec_commands_exist() -> None:
    top = {c[0] for c in COMMANDS}
    assert {"add", "list", "show", "edit", "delete", "rate", "unrate", "ratings", "top"} <= top
    assert {"seed", "stats", "db"} <= top
    db = {c[1] for c in COMMANDS if c[0] == "db"}
    assert db >= {"upgrade", "downgrade", "current", "history", "path", "check", "backup"}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    root = typer.main.get_command(app)
    target = root
    for name in command:
        target = target.commands[name]  # type: ignore[attr-defined]
    assert (target.help or "").strip(), f"moviecli {' '.join(command)} has no help text"
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    first_line = " ".join(target.help.strip().splitlines()[0].split())
    assert first_line in " ".join(result.stdout.split())  # help may wrap


def test_the_db_group_has_help() -> None:
    result = CliRunner().invoke(app, ["db", "--help"])
    assert result.exit_code == 0
    assert "upgrade" in result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_named_in_the_readme(command: tuple[str, ...]) -> None:
    # README.md is written by someone else; this is the one test that reads it.
    text = README.read_text(encoding="utf-8")
    words = r"\s+".join(re.escape(w) for w in command)
    # `moviecli add ...` in an example, or `add` / `db upgrade` in a command table
    named = re.search(rf"moviecli\s+(--\S+\s+\S+\s+)?{words}\b", text) or re.search(
        rf"`{words}[\s`]", text
    )
    assert named, f"README.md does not name `moviecli {' '.join(command)}`"


def _help(command: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _options(command: tuple[str, ...]) -> list[object]:
    """The options of the command and of each group on the way to it."""
    target = typer.main.get_command(app)
    found = [p for p in target.params if p.param_type_name == "option"]
    for name in command:
        target = target.commands[name]  # type: ignore[attr-defined]
        found += [p for p in target.params if p.param_type_name == "option"]  # type: ignore[attr-defined]
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_uses_one_placeholder_style_and_no_huge_numbers(command: tuple[str, ...]) -> None:
    text = _help(command)
    assert not re.search(r"\d{7,}", text), text  # no 0<=x<=9223372036854775807
    options = text.split("Options:", 1)[-1]
    # Options that take a value name it in capitals (--limit N, --genre GENRE) or list
    # their choices; never Typer's <str>, <int range>, <path>.
    assert not re.search(r"<(str|int|int range|float|path|text)>", options), options


def test_a_short_option_means_one_thing_everywhere() -> None:
    meaning: dict[str, set[str]] = {}
    for command in COMMANDS:
        for option in _options(command):
            longs = [o for o in option.opts if o.startswith("--")]  # type: ignore[attr-defined]
            for short in (o for o in option.opts if not o.startswith("--")):  # type: ignore[attr-defined]
                meaning.setdefault(short, set()).update(longs)
    assert {s: m for s, m in meaning.items() if len(m) > 1} == {}


def test_edit_genre_is_shown_like_add_genre() -> None:
    def genre_line(command: str) -> str:
        return next(line for line in _help((command,)).splitlines() if "--genre" in line)

    assert genre_line("add").split("  ")[1] == genre_line("edit").split("  ")[1]
    assert "-g, --genre GENRE" in genre_line("edit")


def test_db_history_speaks_of_the_catalog_not_only_of_revisions() -> None:
    text = " ".join(_help(("db", "history")).split())
    assert "catalog" in text and "newest first" in text
