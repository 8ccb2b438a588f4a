"""A small IMDb world written by hand (films we know: five "Heat"s, Amélie and her French
title, two John Williamses), stored through the world's own schema module on either
engine: the SQLite world file ($MOVIECLI_WORLD) or the schema `imdb` of a PostgreSQL
catalog's database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from moviecli.rules import search_key
from moviecli.store.world import schema
from tests.conftest import Target, is_url

# (id, type, primary_title, original_title, year, runtime, genres, rating, votes)
TITLES: list[tuple[Any, ...]] = [
    (113277, "movie", "Heat", "Heat", 1995, 170, "Action|Crime|Drama", 8.3, 700_000),
    (93164, "movie", "Heat", "Heat", 1986, 101, "Action|Crime|Drama", 5.9, 7_000),
    (68687, "movie", "Heat", "Heat", 1972, 102, "Comedy|Drama", 5.8, 3_000),
    (2404463, "movie", "The Heat", "The Heat", 2013, 117, "Action|Comedy|Crime", 6.6, 180_000),
    (9999991, "tvMovie", "Heat", "Heat", 2010, 90, "Drama", 6.0, 50),
    (
        211915,
        "movie",
        "Amélie",
        "Le fabuleux destin d'Amélie Poulain",
        2001,
        122,
        "Comedy|Romance",
        8.3,
        780_000,
    ),
    (73195, "movie", "Jaws", "Jaws", 1975, 124, "Adventure|Thriller", 8.1, 650_000),
    (
        46912,
        "movie",
        "Dial M for Murder",
        "Dial M for Murder",
        1954,
        105,
        "Crime|Thriller",
        8.2,
        190_000,
    ),
    (1234567, "movie", "Announced Film", None, None, None, None, None, None),
]
# (title_id, ordering, title, region, language)
AKAS: list[tuple[Any, ...]] = [
    (211915, 1, "Le fabuleux destin d'Amélie Poulain", "FR", "fr"),
    (211915, 2, "Amelie", "US", None),
    (211915, 3, "Die fabelhafte Welt der Amélie", "DE", "de"),
    (113277, 1, "Heat", "US", None),
    (113277, 2, "Fuego contra fuego", "MX", "es"),
]
# (id, name, birth, death, professions, known_for)
NAMES: list[tuple[Any, ...]] = [
    (520, "Michael Mann", 1943, None, "producer,writer,director", "tt0113277"),
    (199, "Al Pacino", 1940, None, "actor,producer", "tt0113277"),
    (134, "Robert De Niro", 1943, None, "actor,producer", "tt0113277"),
    (6106, "Elliot Goldenthal", 1954, None, "composer", "tt0113277"),
    (723797, "Dick Richards", 1936, None, "director", "tt0093164"),
    (606567, "Paul Morrissey", 1938, 2024, "director,writer", "tt0068687"),
    (271181, "Paul Feig", 1962, None, "producer,director", "tt2404463"),
    (466, "Jean-Pierre Jeunet", 1953, None, "director,writer", "tt0211915"),
    (851582, "Audrey Tautou", 1976, None, "actress", "tt0211915"),
    (229, "Steven Spielberg", 1946, None, "producer,director", "tt0073195"),
    (2354, "John Williams", 1932, None, "composer,music_department", "tt0073195"),
    (930955, "John Williams", 1903, 1983, "actor", "tt0046912"),
    (33, "Alfred Hitchcock", 1899, 1980, "director", "tt0046912"),
]
# (title_id, ordering, name_id, category, job, characters)
PRINCIPALS: list[tuple[Any, ...]] = [
    (113277, 1, 199, "actor", None, '["Lt. Vincent Hanna"]'),
    (113277, 2, 134, "actor", None, '["Neil McCauley"]'),
    (113277, 3, 520, "director", None, None),
    (113277, 4, 520, "writer", "written by", None),
    (113277, 5, 6106, "composer", None, None),
    (113277, 6, 9999999, "producer", "producer", None),  # a person IMDb's names lack
    (93164, 1, 723797, "director", None, None),
    (68687, 1, 606567, "director", None, None),
    (68687, 2, 606567, "writer", None, None),
    (2404463, 1, 271181, "director", None, None),
    (211915, 1, 851582, "actress", None, '["Amélie Poulain"]'),
    (211915, 2, 466, "director", None, None),
    (211915, 3, 466, "writer", "screenplay", None),
    (73195, 1, 229, "director", None, None),
    (73195, 2, 2354, "composer", None, None),
    (46912, 1, 33, "director", None, None),
    (46912, 2, 930955, "actor", None, '["Chief Inspector Hubbard"]'),
]


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    film_keys = {row[0]: search_key(row[2]) for row in TITLES}

    def aka_key(title_id: int, title: str) -> str | None:
        key = search_key(title)
        return None if key == film_keys.get(title_id) else key  # as the loaders write it

    akas = [(*row, aka_key(row[0], row[2])) for row in AKAS]
    return {
        "titles": [
            (i, kind, title, original, 0, year, runtime, genres, rating, votes, search_key(title))
            for i, kind, title, original, year, runtime, genres, rating, votes in TITLES
        ],
        "akas": akas,
        "aka_keys": sorted((row[5], row[0], row[1]) for row in akas if row[5] is not None),
        "names": [
            (i, name, search_key(name), birth, death, prof, known)
            for i, name, birth, death, prof, known in NAMES
        ],
        "principals": list(PRINCIPALS),
        "meta": [("synced_at", "2026-12-01T00:00:00Z")],
    }


def build_world(target: Target, world_file: Path) -> None:
    """The hand-written world for the test's catalog: the SQLite world file, or the
    schema imdb of the PostgreSQL catalog's database."""
    rows = _rows()
    if is_url(target):
        import psycopg

        with psycopg.connect(str(target), autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS imdb CASCADE")
            conn.execute("CREATE SCHEMA imdb")
            for table in schema.TABLE_NAMES:
                conn.execute(schema.create_table_sql("postgresql", table, schema="imdb"))  # type: ignore[arg-type]
                conn.execute(schema.add_primary_key_sql(table, schema="imdb"))  # type: ignore[arg-type]
                if rows[table]:
                    marks = ", ".join(["%s"] * len(rows[table][0]))
                    with conn.cursor() as cur:
                        cur.executemany(
                            f"INSERT INTO imdb.{table} VALUES ({marks})",  # type: ignore[arg-type]
                            rows[table],
                        )
            for index in schema.INDEXES:
                conn.execute(schema.create_index_sql(index, schema="imdb"))  # type: ignore[arg-type]
            conn.execute("ANALYZE")
        return
    world_file.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(world_file)
    try:
        for table in schema.TABLE_NAMES:
            conn.execute(schema.create_table_sql("sqlite", table))
            if rows[table]:
                marks = ", ".join(["?"] * len(rows[table][0]))
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows[table])
        for index in schema.INDEXES:
            conn.execute(schema.create_index_sql(index))
        conn.commit()
    finally:
        conn.close()
