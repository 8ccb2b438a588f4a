"""The world's tables: DDL for both engines (the loader creates them in a new world)
and SQLAlchemy Core tables for reading them as `imdb.<table>`.

Ids are integers (tt0113277 -> 113277, nm0000520 -> 520; rules.id_text gives them
back). Indexes are made after the load, when the tables are full."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text

from moviecli.store.world.location import WORLD_SCHEMA

# (table, [(column, type, NOT NULL)], primary key columns)
_INT, _TEXT, _REAL = "int", "text", "real"
COLUMNS: dict[str, list[tuple[str, str, bool]]] = {
    "titles": [
        ("id", _INT, True),
        ("type", _TEXT, True),
        ("primary_title", _TEXT, True),
        ("original_title", _TEXT, False),
        ("adult", _INT, True),
        ("start_year", _INT, False),
        ("runtime", _INT, False),
        ("genres", _TEXT, False),  # catalog genre names (rules.genre_name) joined with '|'
        ("imdb_rating", _REAL, False),
        ("imdb_votes", _INT, False),
        ("title_key", _TEXT, True),  # rules.search_key(primary_title)
    ],
    "akas": [
        ("title_id", _INT, True),
        ("ordering", _INT, True),
        ("title", _TEXT, True),
        ("region", _TEXT, False),
        ("language", _TEXT, False),
        # rules.search_key(title); NULL when it is the film's own title_key (two in three
        # of the films' akas): a lookup by key finds the film by its title then, and
        # aka_keys holds only the keys that find something more.
        ("title_key", _TEXT, False),
    ],
    # The akas' keys that are not NULL, in key order: what a lookup by alternative title
    # reads. A table, not an index on akas, so that a loader that has them sorted writes
    # them as appends (the compiled reader: a second faster than SQLite's index sort, on
    # the sync's longest chain); the others fill it from akas (fill_aka_keys_sql).
    "aka_keys": [
        ("title_key", _TEXT, True),
        ("title_id", _INT, True),
        ("ordering", _INT, True),
    ],
    "names": [
        ("id", _INT, True),
        ("name", _TEXT, True),
        ("name_key", _TEXT, True),
        ("birth_year", _INT, False),
        ("death_year", _INT, False),
        ("professions", _TEXT, False),
        ("known_for", _TEXT, False),  # comma-separated tt ids as in the file
    ],
    "principals": [
        ("title_id", _INT, True),
        ("ordering", _INT, True),
        ("name_id", _INT, True),
        ("category", _TEXT, True),
        ("job", _TEXT, False),
        ("characters", _TEXT, False),  # the JSON array text of the file, NULL for \N
    ],
    "meta": [("key", _TEXT, True), ("value", _TEXT, False)],
}
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "titles": ("id",),
    "akas": ("title_id", "ordering"),
    "aka_keys": ("title_key", "title_id", "ordering"),
    "names": ("id",),
    "principals": ("title_id", "ordering"),
    "meta": ("key",),
}


class Index(NamedTuple):
    name: str
    table: str
    columns: tuple[str, ...]


INDEXES: list[Index] = [
    Index("ix_titles_title_key", "titles", ("title_key",)),
    Index("ix_titles_imdb_votes", "titles", ("imdb_votes",)),
    Index("ix_names_name_key", "names", ("name_key",)),
    Index("ix_principals_name_id", "principals", ("name_id",)),
]
TABLE_NAMES = tuple(COLUMNS)

_TYPES = {
    "sqlite": {_INT: "INTEGER", _TEXT: "TEXT", _REAL: "REAL"},
    # Text sorts by code point as in SQLite (the catalog's columns do the same).
    "postgresql": {_INT: "integer", _TEXT: 'text COLLATE "C"', _REAL: "double precision"},
}


def create_table_sql(dialect: str, table: str, *, schema: str | None = None) -> str:
    """CREATE TABLE for one world table. SQLite declares the primary key at once (rows
    arrive in key order; composite keys WITHOUT ROWID); PostgreSQL adds it after COPY
    (add_primary_key_sql)."""
    types = _TYPES[dialect]
    columns = [
        f"{name} {types[kind]}{' NOT NULL' if notnull else ''}"
        for name, kind, notnull in COLUMNS[table]
    ]
    name = f"{schema}.{table}" if schema else table
    key = PRIMARY_KEYS[table]
    if dialect == "sqlite":
        if key == ("id",):
            columns[0] = "id INTEGER PRIMARY KEY"
            return f"CREATE TABLE {name} ({', '.join(columns)})"
        columns.append(f"PRIMARY KEY ({', '.join(key)})")
        return f"CREATE TABLE {name} ({', '.join(columns)}) WITHOUT ROWID"
    return f"CREATE TABLE {name} ({', '.join(columns)})"


def add_primary_key_sql(table: str, *, schema: str) -> str:
    """PostgreSQL: the primary key, added once the table is loaded."""
    return f"ALTER TABLE {schema}.{table} ADD PRIMARY KEY ({', '.join(PRIMARY_KEYS[table])})"


def create_index_sql(index: Index, *, schema: str | None = None) -> str:
    target = f"{schema}.{index.table}" if schema else index.table
    # IF NOT EXISTS: the compiled reader builds some while it loads (compiled.py).
    return f"CREATE INDEX IF NOT EXISTS {index.name} ON {target} ({', '.join(index.columns)})"


def fill_aka_keys_sql(*, schema: str | None = None) -> str:
    """aka_keys made from the loaded akas (the loaders that do not write it themselves)."""
    prefix = f"{schema}." if schema else ""
    return (
        f"INSERT INTO {prefix}aka_keys (title_key, title_id, ordering) "
        f"SELECT title_key, title_id, ordering FROM {prefix}akas WHERE title_key IS NOT NULL "
        "ORDER BY title_key, title_id, ordering"
    )


# ---------------------------------------------------------------- reading

_SA_TYPES = {_INT: Integer, _TEXT: Text, _REAL: Float}
world_metadata = MetaData(schema=WORLD_SCHEMA)


def _table(name: str) -> Table:
    key = PRIMARY_KEYS[name]
    return Table(
        name,
        world_metadata,
        *(
            Column(col, _SA_TYPES[kind](), nullable=not notnull, primary_key=col in key)
            for col, kind, notnull in COLUMNS[name]
        ),
    )


titles = _table("titles")
akas = _table("akas")
aka_keys = _table("aka_keys")
names = _table("names")
principals = _table("principals")
meta = _table("meta")
WORLD_TABLES: dict[str, Table] = {
    "titles": titles,
    "akas": akas,
    "aka_keys": aka_keys,
    "names": names,
    "principals": principals,
    "meta": meta,
}
