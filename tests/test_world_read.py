"""Reading IMDb's films: MOVIE falls back to the world (tt ids, titles, alternative
titles, case and accents ignored), writers bring a world film into the catalog, find,
show with IMDb's part, person with namesakes, top --imdb. A hand-written world of films
one knows (tests/world_rows.py) on both engines, and make_imdb.py's tiny preset."""

from __future__ import annotations

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.checks import add, query, refused
from tests.conftest import Invoke, Target, dump_tables, is_url, json_out
from tests.world_rows import build_world

pytestmark = pytest.mark.both_engines

FIND_KEYS = [
    "id",
    "imdb_id",
    "title",
    "year",
    "type",
    "directors",
    "imdb_rating",
    "imdb_votes",
    "in_catalog",
    "your_score",
]


@pytest.fixture
def world(cli: Invoke, catalog: Target) -> Target:
    """The test's catalog (empty) with the hand-written world beside it."""
    build_world(catalog, Path(os.environ["MOVIECLI_WORLD"]))
    return catalog


def find(cli: Invoke, *args: str) -> list[dict[str, Any]]:
    return json_out(cli("find", *args, "-f", "json"))


def imdb_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["imdb_id"] for row in rows]


def linked(target: Target) -> list[tuple[Any, ...]]:
    return query(target, "SELECT value, movie_id FROM external_ids WHERE source = 'imdb'")


# ---------------------------------------------------------------- find


def test_find_gives_exact_titles_by_votes_then_words(cli: Invoke, world: Target) -> None:
    rows = find(cli, "heat")
    assert imdb_ids(rows) == ["tt0113277", "tt0093164", "tt0068687", "tt9999991", "tt2404463"]
    assert list(rows[0]) == FIND_KEYS
    assert rows[0] == {
        "id": None,
        "imdb_id": "tt0113277",
        "title": "Heat",
        "year": 1995,
        "type": "movie",
        "directors": ["Michael Mann"],
        "imdb_rating": 8.3,
        "imdb_votes": 700000,
        "in_catalog": False,
        "your_score": None,
    }


def test_find_by_alternative_title_ignoring_case_and_accents(cli: Invoke, world: Target) -> None:
    assert imdb_ids(find(cli, "AMELIE")) == ["tt0211915"]
    assert imdb_ids(find(cli, "le fabuleux destin d'amelie poulain")) == ["tt0211915"]
    assert imdb_ids(find(cli, "Fuego contra FUEGO")) == ["tt0113277"]
    assert imdb_ids(find(cli, "tt0046912")) == ["tt0046912"]


def test_find_filters(cli: Invoke, world: Target) -> None:
    assert imdb_ids(find(cli, "heat", "--type", "tvMovie")) == ["tt9999991"]
    assert imdb_ids(find(cli, "heat", "--year", "1986")) == ["tt0093164"]
    assert imdb_ids(find(cli, "heat", "--from-year", "2000")) == ["tt9999991", "tt2404463"]
    assert imdb_ids(find(cli, "heat", "--to-year", "1980")) == ["tt0068687"]
    assert imdb_ids(find(cli, "heat", "--person", "michael mann")) == ["tt0113277"]
    assert imdb_ids(find(cli, "heat", "--person", "nm0271181")) == ["tt2404463"]
    assert imdb_ids(find(cli, "heat", "--limit", "2")) == ["tt0113277", "tt0093164"]


def test_find_nothing_is_an_empty_result(cli: Invoke, world: Target) -> None:
    assert find(cli, "no such film anywhere") == []
    result = cli("find", "no such film anywhere")
    assert result.exit_code == 0
    assert "no film matches" in result.stdout


def test_find_marks_catalog_films_and_your_score(cli: Invoke, world: Target) -> None:
    assert cli("rate", "tt0113277", "4").exit_code == 0
    own = add(cli, "Heat Wave", 1999)
    rows = find(cli, "heat")
    first = rows[0]
    assert (first["imdb_id"], first["in_catalog"], first["your_score"]) == ("tt0113277", True, 4.0)
    assert first["id"] == linked(world)[0][1]
    # A catalog film of no IMDb id is found too (by its words), once.
    assert [r["id"] for r in rows if r["imdb_id"] is None] == [own["id"]]
    assert len({r["imdb_id"] for r in rows}) == len(rows)


def test_find_without_a_world_searches_the_catalog(cli: Invoke, catalog: Target) -> None:
    heat = add(cli, "Heat", 1995)
    rows = find(cli, "heat")
    assert [(r["id"], r["in_catalog"], r["imdb_id"]) for r in rows] == [(heat["id"], True, None)]


# ---------------------------------------------------------------- naming a movie


def test_several_world_films_refuse_off_a_terminal_listing_tt_ids(
    cli: Invoke, world: Target
) -> None:
    before = dump_tables(world)
    line = refused(cli("rate", "heat", "4"))
    assert line.startswith("Error: 'heat' matches 4 of IMDb's films: tt0113277  Heat (1995, ")
    for tt in ("tt0093164", "tt0068687", "tt9999991"):
        assert tt in line
    assert "Michael Mann" in line and "700,000 votes" in line
    assert dump_tables(world) == before


def test_a_year_that_leaves_one_film_is_not_ambiguous(cli: Invoke, world: Target) -> None:
    result = cli("rate", "Heat (1986)", "3", "-f", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        "Brought Heat (1986, tt0093164) into the catalog as #1 with IMDb's details"
    ]
    assert json_out(result)["title"] == "Heat"
    assert linked(world) == [("tt0093164", 1)]


def test_rate_by_tt_id_brings_the_film_in_once(cli: Invoke, world: Target) -> None:
    first = cli("rate", "tt0113277", "4")
    assert first.exit_code == 0, first.output
    assert "Brought Heat (1995, tt0113277)" in first.stderr
    again = cli("rate", "TT0113277", "4.5")
    assert again.exit_code == 0, again.output
    assert "Brought" not in again.stderr
    assert linked(world) == [("tt0113277", 1)]
    assert query(world, "SELECT title, year, runtime_minutes FROM movies") == [("Heat", 1995, 170)]
    # Now in the catalog, "heat" names the catalog's film.
    assert json_out(cli("show", "heat", "-f", "json"))["id"] == 1


def test_alternative_title_without_accents_names_the_world_film(cli: Invoke, world: Target) -> None:
    result = cli("watch", "Le fabuleux destin d'Amelie Poulain", "--rate", "5")
    assert result.exit_code == 0, result.output
    assert linked(world) == [("tt0211915", 1)]
    # The catalog's Amélie is then found by IMDb's other titles too.
    assert json_out(cli("show", "Die fabelhafte Welt der AMELIE", "-f", "json"))["id"] == 1


@pytest.mark.parametrize(
    "command",
    [
        ["watchlist", "add", "Jaws"],
        ["lists", "add", "faves", "Jaws"],
        ["tag", "Jaws", "shark"],
        ["watch", "jaws"],
    ],
)
def test_every_writer_brings_a_world_film_in(
    cli: Invoke, world: Target, command: list[str]
) -> None:
    if command[0] == "lists":
        assert cli("lists", "create", "faves").exit_code == 0
    result = cli(*command)
    assert result.exit_code == 0, result.output
    assert "Brought Jaws (1975, tt0073195) into the catalog as #1" in result.stderr
    assert linked(world) == [("tt0073195", 1)]


def test_the_catalog_film_wins_over_the_world(cli: Invoke, world: Target) -> None:
    mine = add(cli, "Heat", 2020)
    result = cli("rate", "heat", "3")
    assert result.exit_code == 0, result.output
    assert "Brought" not in result.stderr
    assert linked(world) == []
    assert query(world, "SELECT movie_id FROM ratings") == [(mine["id"],)]


def test_reading_a_world_film_writes_nothing(cli: Invoke, world: Target) -> None:
    before = dump_tables(world)
    shown = json_out(cli("show", "AMÉLIE", "--akas", "-f", "json"))
    assert (shown["id"], shown["imdb_id"], shown["in_catalog"]) == (None, "tt0211915", False)
    assert shown["original_title"] == "Le fabuleux destin d'Amélie Poulain"
    assert [a["title"] for a in shown["akas"]][:2] == [
        "Le fabuleux destin d'Amélie Poulain",
        "Amelie",
    ]
    assert shown["credits"][0] == {
        "imdb_id": "nm0851582",
        "name": "Audrey Tautou",
        "category": "actress",
        "job": None,
        "characters": ["Amélie Poulain"],
    }
    assert dump_tables(world) == before


def test_a_world_film_is_not_edited_or_deleted(cli: Invoke, world: Target) -> None:
    before = dump_tables(world)
    line = refused(cli("delete", "tt0073195", "--yes"))
    assert line.startswith("Error: no movie matches 'tt0073195'")
    assert dump_tables(world) == before


def test_no_match_still_suggests(cli: Invoke, world: Target) -> None:
    add(cli, "The Matrix", 1999)
    line = refused(cli("rate", "matrix", "4"))
    assert line.startswith("Error: no movie matches 'matrix'; did you mean: ")


# ---------------------------------------------------------------- add


def test_add_title_without_year_takes_the_world_film(cli: Invoke, world: Target) -> None:
    result = cli("add", "jaws", "-f", "json")
    assert result.exit_code == 0, result.output
    added = json_out(result)
    assert (added["title"], added["year"], added["runtime_minutes"]) == ("Jaws", 1975, 124)
    assert added["genres"] == ["Adventure", "Thriller"]
    assert "Brought Jaws (1975, tt0073195)" in result.stderr
    line = refused(cli("add", "--imdb", "tt0073195"))
    assert line == "Error: Jaws (1975, tt0073195) is already in the catalog as id 1"


def test_add_by_imdb_id_and_people(cli: Invoke, world: Target) -> None:
    added = json_out(cli("add", "--imdb", "tt0113277", "-f", "json"))
    assert added["director"] == "Michael Mann"
    shown = json_out(cli("show", str(added["id"]), "-f", "json"))
    assert shown["imdb"]["imdb_rating"] == 8.3
    cast = [
        (c["name"], c["characters"]) for c in shown["imdb"]["credits"] if c["category"] == "actor"
    ]
    assert cast == [("Al Pacino", ["Lt. Vincent Hanna"]), ("Robert De Niro", ["Neil McCauley"])]
    # A person IMDb's names lack is shown by their nm id.
    assert "nm9999999" in [c["name"] for c in shown["imdb"]["credits"]]


def test_add_refusals(cli: Invoke, world: Target) -> None:
    before = dump_tables(world)
    assert refused(cli("add", "Heat")).startswith("Error: 'Heat' matches 4 of IMDb's films")
    assert refused(cli("add", "Nowhere Film")) == (
        "Error: 'Nowhere Film' is not among IMDb's films: give --year to add it by hand"
    )
    assert refused(cli("add", "--imdb", "heat")).startswith("Error: --imdb takes a film's IMDb id")
    assert dump_tables(world) == before
    # A title the world does not know is added by hand, as before.
    assert add(cli, "Nowhere Film", 2001)["year"] == 2001


def test_add_without_year_or_world_is_the_usage_error_it_was(cli: Invoke, catalog: Target) -> None:
    result = cli("add", "Heat")
    assert result.exit_code == 2
    assert "Missing option '--year' / '-y'" in result.stderr


# ---------------------------------------------------------------- show, person, top


def test_show_of_a_catalog_film_gives_imdbs_part_beside_its_own(cli: Invoke, world: Target) -> None:
    assert cli("rate", "tt0113277", "4").exit_code == 0
    table = cli("show", "heat", "--akas")
    assert table.exit_code == 0, table.output
    out = table.stdout
    assert "8.3/10 (700,000 votes)" in out
    assert "Lt. Vincent Hanna" in out and "Elliot Goldenthal" in out
    assert "Fuego contra fuego" in out
    assert "written by   Michael Mann (written by)" in out


def test_person_lists_namesakes_apart(cli: Invoke, world: Target) -> None:
    assert cli("rate", "jaws", "5").exit_code == 0
    people = json_out(cli("person", "JOHN WILLIAMS", "-f", "json"))
    assert [(p["imdb_id"], p["birth_year"]) for p in people] == [
        ("nm0002354", 1932),
        ("nm0930955", 1903),
    ]
    composer = people[0]
    assert composer["known_for"] == ["Jaws (1975)"]
    assert composer["films"][0]["role"] == "composer"
    assert (composer["films"][0]["score"], composer["count"]) == (5.0, 1)
    table = cli("person", "john williams").stdout
    assert "nm0002354" in table and "nm0930955" in table
    assert "Chief Inspector Hubbard" in table


def test_person_by_nm_id_gives_the_filmography_by_role(cli: Invoke, world: Target) -> None:
    assert cli("watch", "tt0113277").exit_code == 0
    (mann,) = json_out(cli("person", "nm0000520", "-f", "json"))
    assert [(f["imdb_id"], f["role"], f["seen"]) for f in mann["films"]] == [
        ("tt0113277", "director", True),
        ("tt0113277", "writer", True),
    ]
    assert (mann["count"], mann["seen"]) == (1, 1)


def test_top_imdb_ranks_the_world_and_marks_yours(cli: Invoke, world: Target) -> None:
    assert cli("rate", "jaws", "4.5").exit_code == 0
    rows = json_out(cli("top", "--imdb", "-f", "json"))
    assert [r["imdb_id"] for r in rows] == [
        "tt0211915",
        "tt0113277",
        "tt0046912",
        "tt0073195",
        "tt2404463",
    ]
    jaws = rows[3]
    assert (jaws["rated"], jaws["id"], jaws["seen"]) == (4.5, 1, False)
    # m = 25,000 by default; a lower --min-ratings lets the 1986 Heat in.
    fewer = json_out(cli("top", "--imdb", "--min-ratings", "5000", "-n", "0", "-f", "json"))
    assert "tt0093164" in [r["imdb_id"] for r in fewer]
    comedies = json_out(cli("top", "--imdb", "--genre", "comedy", "-f", "json"))
    assert [r["imdb_id"] for r in comedies] == ["tt0211915", "tt2404463"]
    recent = json_out(cli("top", "--imdb", "--from-year", "2000", "--by", "mean", "-f", "json"))
    assert [r["score"] for r in recent] == [8.3, 6.6]


def test_top_imdb_without_a_world_says_how(cli: Invoke, catalog: Target) -> None:
    assert refused(cli("top", "--imdb")) == (
        "Error: no IMDb films here yet: run 'moviecli imdb sync' first"
    )


# ---------------------------------------------------------------- make_imdb.py's tiny world


def test_tiny_world_find_show_rate(cli: Invoke, catalog: Target, world_tiny: Path) -> None:
    from tests.world_support import sync_world, world_rows

    sync_world(cli, world_tiny)
    ((title_id, title),) = world_rows(
        catalog,
        "SELECT id, primary_title FROM imdb.titles WHERE imdb_votes IS NOT NULL "
        "ORDER BY imdb_votes DESC, id LIMIT 1",
    )
    tt = f"tt{title_id:07d}"
    assert tt in imdb_ids(find(cli, title))
    shown = json_out(cli("show", tt, "-f", "json"))
    assert shown["imdb_id"] == tt or shown["imdb"]["imdb_id"] == tt
    result = cli("rate", tt, "4")
    assert result.exit_code == 0, result.output
    assert json_out(cli("show", tt, "-f", "json"))["imdb"]["imdb_id"] == tt


def test_synced_world_keys_ignore_accents(cli: Invoke, catalog: Target, tmp_path: Path) -> None:
    """The loader writes the key columns with the lookups' own key (rules.search_key), so a
    synced world finds "Amélie" by "AMELIE", by a word's start typed without accent (find's
    words stage) and by its alternative title without accents, and links a catalog "Amelie"
    of 2001 by its title."""
    from tests.world_support import heat_world, sync_world, world_rows

    add(cli, "Amelie", 2001)
    sync_world(cli, heat_world(tmp_path / "files"))
    assert world_rows(catalog, "SELECT title_key FROM imdb.titles WHERE id = 211915") == [
        ("amelie",)
    ]
    assert linked(catalog) == [("tt0211915", 1)]
    assert imdb_ids(find(cli, "AMELIE"))[:1] == ["tt0211915"]
    assert imdb_ids(find(cli, "amel")) == ["tt0211915"]
    assert imdb_ids(find(cli, "le fabuleux destin d'amelie poulain")) == ["tt0211915"]


# ---------------------------------------------------------------- the choice on a terminal


def _on_a_terminal(target: Target, answer: bytes, *args: str) -> tuple[int, str]:
    """Run moviecli with stdin, stdout and stderr on a pseudo-terminal; answer the
    question when it is asked. Returns the exit code and everything the terminal showed."""
    import pty
    import select
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "moviecli", "--db", str(target), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120"},
        close_fds=True,
    )
    os.close(follower)
    shown = b""
    answered = False
    deadline = time.monotonic() + 120  # a guard against a hang, not a timing assert
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"Which one?" in shown:
                os.write(leader, answer)
                answered = True
    finally:
        os.close(leader)
    code = process.wait(timeout=60)
    return code, shown.decode("utf-8", "replace")


@pytest.mark.sqlite_only
def test_the_choice_on_a_terminal_enter_takes_the_most_voted(world: Target) -> None:
    code, shown = _on_a_terminal(world, b"\r", "rate", "heat", "4")
    assert code == 0, shown
    assert "'heat' names 4 of IMDb's films" in shown
    listed = re.findall(r"^\s*(\d) .*(tt\d{7})", shown, flags=re.M)
    assert listed == [
        ("1", "tt0113277"),
        ("2", "tt0093164"),
        ("3", "tt0068687"),
        ("4", "tt9999991"),
    ]
    assert "Brought Heat (1995, tt0113277) into the catalog as #1" in shown
    assert linked(world) == [("tt0113277", 1)]
    assert query(world, "SELECT score FROM ratings") == [(4.0,)]


@pytest.mark.sqlite_only
def test_the_choice_on_a_terminal_by_number(world: Target) -> None:
    code, shown = _on_a_terminal(world, b"2\r", "watchlist", "add", "heat")
    assert code == 0, shown
    assert linked(world) == [("tt0093164", 1)]


@pytest.mark.sqlite_only
def test_the_choice_on_a_terminal_q_changes_nothing(world: Target) -> None:
    before = dump_tables(world)
    code, shown = _on_a_terminal(world, b"q\r", "add", "Heat")
    assert code == 1, shown
    assert "Error: nothing chosen; nothing was changed" in shown
    assert "Traceback" not in shown
    assert dump_tables(world) == before


def test_no_match_suggests_the_worlds_titles_too(cli: Invoke, world: Target) -> None:
    """A title mistyped past its first letters: IMDb's films beside it in the world's
    title indexes are suggested by tt id, alternative titles too."""
    before = dump_tables(world)
    line = refused(cli("rate", "amelei", "4"))
    assert line.startswith("Error: no movie matches 'amelei'; did you mean: "), line
    assert "tt0211915  Amélie (2001)" in line
    line = refused(cli("show", "fuego contra fuegos"))
    assert "tt0113277  Fuego contra fuego (1995)" in line
    assert dump_tables(world) == before
    # A catalog title of the same key is the one shown.
    add(cli, "Amélie", 2001)
    line = refused(cli("rate", "amelei", "4"))
    assert "1  Amélie (2001)" in line and "tt0211915" not in line


def test_a_world_made_before_aka_keys_is_not_read(cli: Invoke, world: Target) -> None:
    assert imdb_ids(find(cli, "AMELIE")) == ["tt0211915"]
    if is_url(world):
        import psycopg

        with psycopg.connect(str(world), autocommit=True) as conn:
            conn.execute("DROP TABLE imdb.aka_keys")
    else:
        with closing(sqlite3.connect(os.environ["MOVIECLI_WORLD"])) as conn:
            conn.execute("DROP TABLE aka_keys")
            conn.commit()
    assert "not loaded yet: run 'moviecli imdb sync'" in cli("imdb", "status").stdout
    assert find(cli, "AMELIE") == []  # the catalog alone: nothing there
