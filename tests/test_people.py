"""People as rows: add/edit --director/--writer/--cast, person NAME, list --person."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks import MOVIE_KEYS, add, rate, refused
from tests.conftest import Invoke, Target, Templates, dump_tables, json_out

pytestmark = pytest.mark.both_engines

PERSON_KEYS = ["id", "name", "films", "count", "seen"]
FILM_KEYS = ["movie_id", "title", "year", "role", "score", "seen"]


def build_films(cli: Invoke) -> None:
    args = [
        "add",
        "Fargo",
        "--year",
        "1996",
        "--director",
        "Joel Coen",
        "--director",
        "Ethan Coen",
        "--writer",
        "joel coen",
        "--cast",
        "Frances McDormand",
        "-f",
        "json",
    ]
    fargo = json_out(cli(*args))
    assert list(fargo) == MOVIE_KEYS
    assert fargo["director"] == "Joel Coen, Ethan Coen"
    add(cli, "Miller's Crossing", 1990, director="JOEL COEN")
    add(cli, "Heat", 1995, director="Michael Mann")


@pytest.fixture
def films(request: pytest.FixtureRequest, templates: Templates, target: Target) -> Target:
    """Built once per engine through the CLI, copied for each test."""
    templates.fresh(request, "people_films", build_films)
    return target


def test_a_person_is_one_row_across_films_and_roles(cli: Invoke, films: Path) -> None:
    rate(cli, "Fargo", 4.5, "tester")
    assert cli("watch", "Fargo", "--on", "2024-01-01").exit_code == 0
    people = json_out(cli("person", "joel COEN", "-f", "json"))
    assert len(people) == 1
    joel = people[0]
    assert list(joel) == PERSON_KEYS
    assert joel["name"] == "Joel Coen"  # as first typed
    assert [list(f) for f in joel["films"]] == [FILM_KEYS] * 3
    assert [(f["title"], f["role"], f["score"], f["seen"]) for f in joel["films"]] == [
        ("Miller's Crossing", "director", None, False),
        ("Fargo", "director", 4.5, True),
        ("Fargo", "writer", 4.5, True),
    ]
    assert (joel["count"], joel["seen"]) == (2, 1)
    assert "seen 1 of 2" in cli("person", "Joel Coen").stdout
    assert json_out(cli("list", "--person", "joel coen", "-f", "json"))[0]["title"] == "Fargo"
    assert [
        m["title"] for m in json_out(cli("list", "--person", "frances mcdormand", "-f", "json"))
    ] == ["Fargo"]


def test_list_watched_and_unwatched(cli: Invoke, films: Path) -> None:
    assert cli("watch", "Heat", "--on", "2024-01-01").exit_code == 0
    watched = json_out(cli("list", "--watched", "-f", "json"))
    unwatched = json_out(cli("list", "--unwatched", "-f", "json"))
    assert [m["title"] for m in watched] == ["Heat"]
    assert [m["title"] for m in unwatched] == ["Fargo", "Miller's Crossing"]


def test_edit_replaces_one_role_and_keeps_the_director_text_exact(cli: Invoke, films: Path) -> None:
    edited = json_out(cli("edit", "Fargo", "--director", "Ethan Coen", "-f", "json"))
    assert edited["director"] == "Ethan Coen"
    shown = json_out(cli("show", "Fargo", "-f", "json"))
    assert [(p["name"], p["role"]) for p in shown["people"]] == [
        ("Ethan Coen", "director"),
        ("Joel Coen", "writer"),
        ("Frances McDormand", "cast"),
    ]
    assert [f["role"] for f in json_out(cli("person", "Joel Coen", "-f", "json"))[0]["films"]] == [
        "director",
        "writer",
    ]


def test_an_imdb_import_brings_its_directors_as_people(
    cli: Invoke, catalog: Path, tmp_path: Path
) -> None:
    export = tmp_path / "imdb.csv"
    export.write_text(
        "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
        "Genres,Num Votes,Release Date,Directors\n"
        'tt0116282,9,2024-01-02,Fargo,https://x,Movie,8.1,98,1996,"Crime, Drama",1,1996-03-08,'
        '"Joel Coen, Ethan Coen"\n'
    )
    result = cli("import", str(export), "--user", "tester")
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in json_out(cli("person", "ethan coen", "-f", "json"))] == [
        "Ethan Coen"
    ]
    fargo = json_out(cli("show", "Fargo", "-f", "json"))
    assert fargo["director"] == "Joel Coen, Ethan Coen"
    assert [p["name"] for p in fargo["people"]] == ["Joel Coen", "Ethan Coen"]


@pytest.mark.reads_only
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["person", "Nobody Here"], "no person named 'Nobody Here'"),
        (["person", "a\x1bb"], "control character"),
        (["add", "Ran", "--year", "1985", "--director", "Akira\x07"], "control character"),
        (["add", "Ran", "--year", "1985", "--cast", "  "], "must not be blank"),
        (["add", "Ran", "--year", "1985", "--director", "x" * 301], "at most 300"),
        (
            ["add", "Ran", "--year", "1985", "--director", "x" * 200, "--director", "y" * 200],
            "directors' names together must be at most 300",
        ),
        (["edit", "Heat", "--writer", "\x9bx"], "control character"),
    ],
)
def test_refusals_change_nothing(cli: Invoke, films: Path, args: list[str], message: str) -> None:
    before = dump_tables(films)
    assert message in refused(cli(*args))
    assert dump_tables(films) == before
