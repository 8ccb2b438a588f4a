"""lists, lists create/add/remove/show/delete: names unique per user, order kept, seen N of M."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import add, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines

LIST_KEYS = ["name", "description", "ranked", "count", "seen"]
ITEM_KEYS = ["position", "movie_id", "title", "year", "note", "seen"]


def build_films(cli: Invoke) -> None:
    for title, year in (("Heat", 1995), ("Arrival", 2016), ("Alien", 1979), ("Ran", 1985)):
        add(cli, title, year)


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "lists_films", build_films)
    return target


def test_a_list_from_creation_to_deletion(cli: Invoke, films: Path) -> None:
    created = json_out(
        cli("lists", "create", "Best of", "--description", "my\ntop", "--ranked", "-f", "json")
    )
    assert created == {
        "name": "Best of",
        "description": "my\ntop",
        "ranked": True,
        "count": 0,
        "seen": 0,
    }
    assert cli("lists", "add", "best OF", "Ran", "Heat", "--note", "classic").exit_code == 0
    assert cli("lists", "add", "Best of", "Alien").exit_code == 0
    assert cli("watch", "Heat", "--on", "2024-01-01").exit_code == 0
    shown = json_out(cli("lists", "show", "Best of", "-f", "json"))
    assert list(shown) == [*LIST_KEYS, "user", "items"]
    assert [list(i) for i in shown["items"]] == [ITEM_KEYS] * 3
    assert [(i["position"], i["title"], i["note"], i["seen"]) for i in shown["items"]] == [
        (1, "Ran", "classic", False),
        (2, "Heat", "classic", True),
        (3, "Alien", None, False),
    ]
    assert (shown["count"], shown["seen"], shown["user"]) == (3, 1, "tester")
    assert "seen 1 of 3" in cli("lists", "show", "Best of").stdout

    after = json_out(cli("lists", "remove", "Best of", "Ran", "-f", "json"))
    assert [(i["position"], i["title"]) for i in after["items"]] == [(1, "Heat"), (2, "Alien")]

    assert cli("lists", "create", "Later").exit_code == 0
    summaries = json_out(cli("lists", "-f", "json"))
    assert summaries == [
        {"name": "Best of", "description": "my\ntop", "ranked": True, "count": 2, "seen": 1},
        {"name": "Later", "description": None, "ranked": False, "count": 0, "seen": 0},
    ]
    deleted = json_out(cli("lists", "delete", "best of", "--yes", "-f", "json"))
    assert deleted["name"] == "Best of"
    assert [s["name"] for s in json_out(cli("lists", "-f", "json"))] == ["Later"]
    assert json_out(cli("show", "Heat", "-f", "json"))["id"] == 1  # the films stay


def test_each_user_has_their_own_lists(cli: Invoke, films: Path) -> None:
    assert cli("lists", "create", "Faves", "--user", "ana").exit_code == 0
    assert cli("lists", "create", "faves", "--user", "bo").exit_code == 0
    assert json_out(cli("lists", "--user", "carl", "-f", "json")) == []
    assert "tester has no list named 'Faves'" in refused(cli("lists", "show", "Faves"))
    assert json_out(cli("lists", "show", "FAVES", "--user", "bo", "-f", "json"))["name"] == "faves"


def test_delete_asks_first(cli: Invoke, films: Path) -> None:
    assert cli("lists", "create", "Keep").exit_code == 0
    no = cli("lists", "delete", "Keep", input="n\n")
    assert no.exit_code == 1
    assert "not confirmed" in no.stderr
    yes = cli("lists", "delete", "Keep", input="y\n")
    assert yes.exit_code == 0, yes.output
    assert json_out(cli("lists", "-f", "json")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lists", "create", "FAVES"], "there is already a list named 'Faves'"),
        (["lists", "create", "  "], "list name must not be blank"),
        (["lists", "create", "x" * 101], "at most 100"),
        (["lists", "create", "a\x1bb"], "control character"),
        (["lists", "add", "Faves", "Heat"], "'Heat (1995)' is already on 'Faves'"),
        (["lists", "add", "Faves", "Alien", "Nope"], "no movie matches 'Nope'"),
        (["lists", "add", "Nope", "Alien"], "tester has no list named 'Nope'"),
        (["lists", "remove", "Faves", "Alien"], "'Alien (1979)' is not on 'Faves'"),
        (["lists", "show", "Nope"], "tester has no list named 'Nope'"),
        (["lists", "delete", "Nope", "--yes"], "tester has no list named 'Nope'"),
    ],
)
def test_refusals_change_nothing(cli: Invoke, films: Path, args: list[str], message: str) -> None:
    assert cli("lists", "create", "Faves").exit_code == 0
    assert cli("lists", "add", "Faves", "Heat").exit_code == 0
    before = dump_tables(films)
    assert message in refused(cli(*args))
    assert dump_tables(films) == before
