"""Copies of a catalog: SQLite's online backup, and a copy before every migration.
A PostgreSQL catalog is copied with the server's own tools (pg_dump), not here."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from moviecli.errors import DatabaseError, MoviecliError

PG_DUMP_ADVICE = (
    "a PostgreSQL catalog is backed up with the server's own tool: "
    "pg_dump --format=custom --file=FILE DBNAME (restore with pg_restore)"
)


def database_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def backup_before_change(engine: Engine) -> Path | None:
    """Copy a catalog that holds data beside itself, before a migration touches it."""
    path = database_file(engine)
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
    backup_file(engine, target)
    return target


def backup_file(engine: Engine, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others use the catalog."""
    source_path = database_file(engine)
    if source_path is None:
        raise MoviecliError(PG_DUMP_ADVICE)
    if target.exists():
        raise MoviecliError(f"{target} already exists; choose another file")
    if not target.parent.is_dir():
        raise MoviecliError(f"folder {target.parent} does not exist")
    try:
        # Owner-only from the first byte: a catalog is personal data.
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise MoviecliError(f"{target} already exists; choose another file") from None
    except OSError as error:
        raise MoviecliError(f"cannot write {target}: {error.strerror or error}") from None
    copy_into(engine, target)


def copy_into(engine: Engine, target: Path) -> None:
    """The online backup into `target`, a new (or empty, owner-only) file."""
    source_path = database_file(engine)
    if source_path is None:
        raise MoviecliError(PG_DUMP_ADVICE)
    try:
        source = sqlite3.connect(source_path)
        try:
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        from moviecli.config import resolve_location
        from moviecli.store.engine import translate_error

        reason = translate_error(error, resolve_location(str(source_path)))
        raise DatabaseError(f"no backup made: {reason}") from error
