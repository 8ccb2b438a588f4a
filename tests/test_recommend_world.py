"""recommend for one person with the IMDb world (issue 18, point 3): world films that
are not in the catalog are proposed, marked, with their tt id; `because` names the
person's films and the people in them; recommend writes nothing; `rate tt…` of a
proposed film brings it in; without a world nothing changes. Both engines: the
hand-written world (tests/world_rows.py, with Al Pacino also in the 1986 "Heat") and
make_imdb.py's tiny preset."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.checks import add, query, rate
from tests.conftest import Invoke, Target, dump_tables, is_url, json_out
from tests.test_recommend import RECOMMEND_KEYS
from tests.world_rows import build_world
from tests.world_support import sync_world, world_rows

pytestmark = pytest.mark.both_engines

HEAT, HEAT_1986, AMELIE, JAWS = "tt0113277", "tt0093164", "tt0211915", "tt0073195"


def _world_sql(target: Target, sql: str) -> None:
    """One statement on the hand-written world (SQLite file or schema imdb)."""
    if is_url(target):
        import psycopg

        with psycopg.connect(str(target), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
        return
    conn = sqlite3.connect(os.environ["MOVIECLI_WORLD"])
    try:
        conn.execute(sql.replace("imdb.", "", 1))
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def world(cli: Invoke, catalog: Target) -> Target:
    """An empty catalog beside the hand-written world, where Al Pacino is also in the
    1986 "Heat" (so that a film of his is one to propose)."""
    build_world(catalog, Path(os.environ["MOVIECLI_WORLD"]))
    _world_sql(
        catalog,
        "INSERT INTO imdb.principals VALUES (93164, 2, 199, 'actor', NULL, '[\"Nick Escalante\"]')",
    )
    return catalog


def recommend(cli: Invoke, *args: str) -> list[dict[str, Any]]:
    return json_out(cli("recommend", *args, "-f", "json"))


def test_one_person_with_a_world_gets_world_films_marked_with_reasons(
    cli: Invoke, world: Target
) -> None:
    rate(cli, HEAT, 5, "solo")
    rate(cli, AMELIE, 2, "solo")
    before = dump_tables(world, stamp=True)
    rows = recommend(cli, "-u", "solo")
    assert dump_tables(world, stamp=True) == before  # recommend writes nothing
    assert [list(row) for row in rows] == [RECOMMEND_KEYS] * len(rows)
    proposed = {row["imdb_id"]: row for row in rows}
    assert HEAT not in proposed and AMELIE not in proposed  # rated: never proposed
    assert {JAWS, HEAT_1986} <= set(proposed)
    for row in rows:  # none of them is in the catalog: marked, named by tt id
        assert row["id"] is None and row["in_catalog"] is False
        assert row["imdb_id"].startswith("tt")
    heat = proposed[HEAT_1986]
    assert heat["title"] == "Heat" and heat["year"] == 1986
    assert heat["genres"] == ["Action", "Crime", "Drama"]
    assert "Al Pacino" in heat["because"] and "Heat" in heat["because"]
    assert "Amélie" not in heat["because"]  # a film they did not like is no reason
    table = cli("recommend", "-u", "solo")
    assert "tt0093164" in table.stdout and "(IMDb)" in table.stdout
    assert "IMDb's films" in table.stdout


def test_rating_a_proposed_film_brings_it_in_and_catalog_films_keep_their_id(
    cli: Invoke, world: Target
) -> None:
    rate(cli, HEAT, 5, "solo")
    the_heat = json_out(cli("add", "--imdb", "tt2404463", "-f", "json"))
    rows = recommend(cli, "-u", "solo")
    linked = [row for row in rows if row["imdb_id"] == "tt2404463"]
    assert linked and linked[0]["id"] == the_heat["id"] and linked[0]["in_catalog"] is True
    assert HEAT_1986 in {row["imdb_id"] for row in rows}
    assert cli("rate", HEAT_1986, "4", "--user", "solo").exit_code == 0
    brought = query(world, "SELECT movie_id FROM external_ids WHERE value = ?", HEAT_1986)
    assert len(brought) == 1
    again = recommend(cli, "-u", "solo")
    assert HEAT_1986 not in {row["imdb_id"] for row in again}


def test_someone_with_no_ratings_gets_the_worlds_best(cli: Invoke, world: Target) -> None:
    rate(cli, HEAT, 5, "solo")
    rows = recommend(cli, "-u", "newcomer", "-n", "3")
    # IMDb's weighted rating: Amélie (8.3, 780k votes) before Heat (8.3, 700k).
    assert [row["imdb_id"] for row in rows[:2]] == [AMELIE, HEAT]
    assert all(row["because"] == [] for row in rows)


def test_filters_apply_to_world_films(cli: Invoke, world: Target) -> None:
    rate(cli, HEAT, 5, "solo")
    rows = recommend(cli, "-u", "solo", "--genre", "comedy")
    assert rows and all("Comedy" in row["genres"] for row in rows)
    rows = recommend(cli, "-u", "solo", "--from-year", "1990")
    assert rows and all(row["year"] is not None and row["year"] >= 1990 for row in rows)


def test_without_a_world_nothing_changes(cli: Invoke, catalog: Target) -> None:
    horror = [add(cli, f"Scream {n}", 1990 + n, "Horror")["id"] for n in range(4)]
    for movie_id in horror[:3]:
        rate(cli, movie_id, 5, "solo")
    rows = recommend(cli, "-u", "solo")
    assert rows and all(row["in_catalog"] is True and row["imdb_id"] is None for row in rows)
    assert rows[0]["id"] == horror[3]
    assert "your own ratings" in cli("recommend", "-u", "solo").stdout


def test_the_tiny_world(cli: Invoke, catalog: Target, world_tiny: Path) -> None:
    sync_world(cli, world_tiny)
    voted = world_rows(
        catalog,
        "SELECT id FROM imdb.titles WHERE imdb_votes IS NOT NULL ORDER BY imdb_votes DESC, id",
    )
    ids = [f"tt{row[0]:07d}" for row in voted[:6]]
    for n, tt in enumerate(ids):
        rate(cli, tt, 5 if n % 2 == 0 else 2, "solo")
    before = dump_tables(catalog, stamp=True)
    rows = recommend(cli, "-u", "solo", "-n", "10")
    assert dump_tables(catalog, stamp=True) == before
    assert len(rows) == 10
    assert not {row["imdb_id"] for row in rows} & set(ids)
    assert all(row["in_catalog"] is False and row["id"] is None for row in rows)
    assert any(row["because"] for row in rows)
