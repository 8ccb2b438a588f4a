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
