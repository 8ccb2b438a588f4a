"""tag, untag, tags, list --tag: the user's tags, case-insensitive, stored as first typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import add, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines


def build_films(cli: Invoke) -> None:
    for title, year in (("Heat", 1995), ("Arrival", 2016), ("Alien", 1979)):
        add(cli, title, year)


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "tags_films", build_films)
    return target


def test_tags_match_case_insensitively_and_keep_the_first_spelling(
    cli: Invoke, films: Path
) -> None:
    tagged = json_out(cli("tag", "Heat", "LA", "heist", "-f", "json"))
    assert tagged == {"movie_id": 1, "title": "Heat", "year": 1995, "tags": ["heist", "LA"]}
    assert json_out(cli("tag", "Alien", "la", "ÉTÉ", "-f", "json"))["tags"] == ["LA", "ÉTÉ"]
    assert json_out(cli("tag", "Heat", "HEIST", "-f", "json"))["tags"] == ["heist", "LA"]
    assert json_out(cli("tags", "-f", "json")) == [
        {"tag": "LA", "movies": 2},
        {"tag": "heist", "movies": 1},
        {"tag": "ÉTÉ", "movies": 1},
    ]
    assert json_out(cli("tags", "--user", "bo", "-f", "json")) == []
    listed = json_out(cli("list", "--tag", "été", "-f", "json"))
    assert [m["title"] for m in listed] == ["Alien"]
    assert [m["title"] for m in json_out(cli("list", "--tag", "la", "-f", "json"))] == [
        "Alien",
        "Heat",
    ]
    assert json_out(cli("list", "--tag", "la", "--user", "bo", "-f", "json")) == []


def test_untag(cli: Invoke, films: Path) -> None:
    assert cli("tag", "Heat", "LA", "heist").exit_code == 0
    assert json_out(cli("untag", "Heat", "la", "-f", "json"))["tags"] == ["heist"]
    assert json_out(cli("tags", "-f", "json")) == [{"tag": "heist", "movies": 1}]
    assert "heist" in cli("tags").stdout


def test_imported_tags_are_visible(cli: Invoke, films: Path, tmp_path: Path) -> None:
    export = tmp_path / "ratings.csv"
    export.write_text(
        "Date,Name,Year,Letterboxd URI,Rating,Tags\n2023-02-01,Heat,1995,https://boxd.it/x,4.5,"
        '"crime, Mann"\n'
    )
    assert cli("import", str(export), "--user", "tester").exit_code == 0
    assert json_out(cli("tags", "-f", "json")) == [
        {"tag": "crime", "movies": 1},
        {"tag": "Mann", "movies": 1},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tag", "Nope", "x"], "no movie matches 'Nope'"),
        (["tag", "Heat", "ok", "bad\x1b[2J"], "control character"),
        (["tag", "Heat", " "], "tag must not be blank"),
        (["tag", "Heat", "x" * 256], "at most 255"),
        (["untag", "Heat", "LA", "nope"], "has no tag 'nope'"),
        (["untag", "Heat", "LA", "--user", "bo"], "has no tag 'LA'"),
    ],
)
def test_refusals_change_nothing(cli: Invoke, films: Path, args: list[str], message: str) -> None:
    assert cli("tag", "Heat", "LA").exit_code == 0
    before = dump_tables(films)
    assert message in refused(cli(*args))
    assert dump_tables(films) == before
