"""Running Alembic: only the `db` commands and a brand-new catalog come here.

Every upgrade or downgrade runs in one transaction on a connection with foreign
keys OFF (a batch migration rebuilds tables, and with foreign keys on the
rebuild would cascade-delete the ratings), and checks the foreign keys itself
before it commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

import moviecli
from moviecli.errors import DatabaseError, MoviecliError


def alembic_ini_path() -> Path:
    """The checkout's alembic.ini when running from a checkout, else the wheel's copy."""
    package = Path(moviecli.__file__).resolve().parent
    checkout = package.parent
    if (checkout / "alembic.ini").is_file() and (checkout / "migrations").is_dir():
        return checkout / "alembic.ini"
    return package / "alembic.ini"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(alembic_ini_path()))
    config.attributes["connection"] = connection
    config.attributes["called_from_moviecli"] = True
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction with foreign keys off; checks them before commit."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        is_sqlite = engine.dialect.name == "sqlite"
        if is_sqlite:
            raw.execute("PRAGMA foreign_keys = OFF")  # must happen outside a transaction
        try:
            with conn.execution_options(immediate=True).begin():
                yield conn
                if is_sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise MoviecliError(
                            f"migration would break {len(problems)} foreign key(s) "
                            f"(first: {tuple(problems[0])}); nothing was changed"
                        )
        finally:
            if is_sqlite:
                raw.execute("PRAGMA foreign_keys = ON")


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> Path | None:
    """Upgrade to `revision`; with `backup`, copy the file beside itself first.
    Returns the backup's path when one was made."""
    backup_path = None
    if backup:
        backup_path = backup_before_change(engine)
    with migration_connection(engine) as conn:
        command.upgrade(alembic_config(conn), revision)
    return backup_path


def downgrade(engine: Engine, revision: str, *, backup: bool = True) -> Path | None:
    backup_path = backup_before_change(engine) if backup else None
    with migration_connection(engine) as conn:
        command.downgrade(alembic_config(conn), revision)
    return backup_path


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


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
        raise MoviecliError("backup works on SQLite catalogs only")
    if target.exists():
        raise MoviecliError(f"{target} already exists; choose another file")
    if not target.parent.is_dir():
        raise MoviecliError(f"folder {target.parent} does not exist")
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
        raise DatabaseError(f"backup to {target} failed: {error}") from error
    target.chmod(0o600)
