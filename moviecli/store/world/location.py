"""Where the world lives, and how a catalog connection sees it as `imdb.<table>`.

SQLite catalogs share one world file per user (`$MOVIECLI_WORLD`, else the user data
folder's `imdb-world.sqlite`), ATTACHed read-only as `imdb` by the commands that need
it. PostgreSQL catalogs keep it in the schema `imdb` of their own database. Either way
the tables are read as `imdb.titles`, `imdb.names`, ... (schema.WORLD_TABLES)."""

from __future__ import annotations

import os
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

WORLD_ENV = "MOVIECLI_WORLD"
WORLD_FILENAME = "imdb-world.sqlite"
# The name both engines read the world under (attached database / schema).
WORLD_SCHEMA = "imdb"
# PostgreSQL: the schema a sync loads into before it is renamed to WORLD_SCHEMA.
NEW_SCHEMA = "imdb_new"

_attached: weakref.WeakSet[Engine] = weakref.WeakSet()
# A world file has these tables when it is complete and of this version.
CURRENT_WORLD_TABLES = ("meta", "aka_keys")


def world_path() -> Path:
    """The SQLite world file: $MOVIECLI_WORLD, else the per-user data folder's file."""
    value = os.environ.get(WORLD_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    from platformdirs import user_data_path

    return user_data_path("moviecli", appauthor=False) / WORLD_FILENAME


def new_world_path(path: Path | None = None) -> Path:
    """Where a sync builds the next SQLite world (same folder, so os.replace is atomic)."""
    target = path or world_path()
    return target.with_name(target.name + ".new")


def spill_path(new_path: Path) -> Path:
    """The folder where the compiled reader of a sync building `new_path` spills what
    does not fit its memory (removed at its end, or by the next sync)."""
    return new_path.with_name(new_path.name + ".spill")


def world_file_present(path: Path | None = None) -> bool:
    """A complete world file of this version is there (a sync writes `meta` last, then
    switches; a world made before aka_keys is not read: the next sync replaces it)."""
    target = path or world_path()
    if not target.is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        marks = ", ".join("?" * len(CURRENT_WORLD_TABLES))
        found = conn.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
            CURRENT_WORLD_TABLES,
        ).fetchone()
        return bool(found and found[0] == len(CURRENT_WORLD_TABLES))
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def world_schema_present_sql() -> str:
    """PostgreSQL: whether the schema `imdb` holds a complete world of this version."""
    found = (f"to_regclass('{WORLD_SCHEMA}.{table}') IS NOT NULL" for table in CURRENT_WORLD_TABLES)
    return "SELECT " + " AND ".join(found)


def world_present(engine: Engine) -> bool:
    """Whether this catalog has a world to read (SQLite: the shared file; PostgreSQL:
    the schema `imdb` with its tables)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            found = conn.execute(text(world_schema_present_sql())).scalar()
            conn.rollback()
        return bool(found)
    return world_file_present()


def attach_world(engine: Engine) -> bool:
    """Make `imdb.<table>` readable on this engine's connections; False when there is
    no world. Call it before the command's session opens. SQLite: every connection the
    engine opens from now on ATTACHes the world file read-only (already pooled
    connections are let go, since ATTACH cannot run inside a transaction). A sync that
    replaces the file meanwhile does not disturb a connection reading the old one."""
    if engine.dialect.name == "postgresql":
        return world_present(engine)
    path = world_path()
    if not world_file_present(path):
        return False
    if engine not in _attached:
        uri = f"file:{path.absolute()}?mode=ro"

        @event.listens_for(engine, "connect")
        def _attach(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"ATTACH DATABASE ? AS {WORLD_SCHEMA}", (uri,))
            finally:
                cursor.close()

        _attached.add(engine)
        engine.dispose()
    return True


def open_world_file(path: Path | None = None) -> sqlite3.Connection:
    """A read-only connection to the SQLite world file itself (status, tests)."""
    target = path or world_path()
    return sqlite3.connect(f"file:{target.absolute()}?mode=ro", uri=True)
