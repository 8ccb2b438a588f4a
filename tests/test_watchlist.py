"""watchlist, watchlist add/remove, list --on-watchlist."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import add, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines

WATCHLIST_KEYS = ["movie_id", "title", "year", "added_at", "note"]


def build_films(cli: Invoke) -> None:
    for title, year in (("Heat", 1995), ("Arrival", 2016), ("Alien", 1979)):
        add(cli, title, year)


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "watchlist_films", build_films)
    return target


def test_watchlist_is_oldest_first_with_notes(cli: Invoke, films: Path) -> None:
    added = json_out(cli("watchlist", "add", "Arrival", "1", "--note", "big\nscreen", "-f", "json"))
    assert [e["title"] for e in added] == ["Arrival", "Heat"]  # in the order given
    assert cli("watchlist", "add", "Alien").exit_code == 0
    rows = json_out(cli("watchlist", "-f", "json"))
    assert [list(r) for r in rows] == [WATCHLIST_KEYS] * 3
    assert [(r["title"], r["note"]) for r in rows] == [
        ("Arrival", "big\nscreen"),
        ("Heat", "big\nscreen"),
        ("Alien", None),
    ]
    assert rows[0]["added_at"].endswith("Z")
    on = json_out(cli("list", "--on-watchlist", "-f", "json"))
    assert sorted(m["title"] for m in on) == ["Alien", "Arrival", "Heat"]
    assert json_out(cli("watchlist", "--user", "someone-else", "-f", "json")) == []


def test_remove_takes_films_off(cli: Invoke, films: Path) -> None:
    assert cli("watchlist", "add", "Heat", "Alien").exit_code == 0
    removed = json_out(cli("watchlist", "remove", "heat", "-f", "json"))
    assert [e["title"] for e in removed] == ["Heat"]
    assert [e["title"] for e in json_out(cli("watchlist", "-f", "json"))] == ["Alien"]


def test_table_and_empty_watchlist(cli: Invoke, films: Path) -> None:
    assert "the watchlist is empty" in cli("watchlist").stdout
    assert cli("watchlist", "add", "Blade Runner").exit_code == 1
    add(cli, "Blade Runner [final cut]", 1982)
    assert cli("watchlist", "add", "4").exit_code == 0
    assert "Blade Runner [final cut] (1982)" in cli("watchlist").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["watchlist", "add", "Heat"], "'Heat (1995)' is already on the watchlist"),
        (["watchlist", "add", "Alien", "Nope"], "no movie matches 'Nope'"),
        (["watchlist", "add", "Alien", "--note", "\x1b]0;x\x07"], "control character"),
        (["watchlist", "add", "Alien", "--note", "x" * 2001], "at most 2000"),
        (["watchlist", "remove", "Heat", "Arrival"], "'Arrival (2016)' is not on the watchlist"),
        (["watchlist", "remove", "Heat", "--user", "bo"], "is not on the watchlist"),
    ],
)
def test_refusals_change_nothing(cli: Invoke, films: Path, args: list[str], message: str) -> None:
    assert cli("watchlist", "add", "Heat").exit_code == 0
    before = dump_tables(films)
    assert message in refused(cli(*args))
    assert dump_tables(films) == before


def test_bare_group_lists_and_subcommands_have_help(cli: Invoke, films: Path) -> None:
    help_text = cli("watchlist", "--help").stdout
    assert "add" in help_text and "remove" in help_text
