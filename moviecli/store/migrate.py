"""Running Alembic: only the `db` commands and a brand-new catalog come here.

Every upgrade or downgrade runs in one transaction holding the catalog's write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the writers' advisory lock, so two upgraders
never interleave, and DDL is transactional on both). On SQLite the connection has
foreign keys OFF (a batch migration rebuilds tables, and with foreign keys on the
rebuild would cascade-delete the ratings) and checks them itself before it commits.

`ensure_schema`, which every command runs, lives here too, so this module loads Alembic
only inside the functions that run it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from moviecli.config import DatabaseLocation
from moviecli.errors import MoviecliError, SchemaError
from moviecli.store import schema
from moviecli.store.backup import backup_before_change

if TYPE_CHECKING:  # Alembic is loaded only by the functions that run it
    from alembic.config import Config
    from alembic.script import ScriptDirectory


def ensure_schema(engine: Engine, location: DatabaseLocation, *, create: bool = True) -> None:
    """Create a new catalog at head (only with `create`: readers and dry runs never
    create or migrate, BlankCatalogError says there is nothing yet); refuse a catalog at
    another revision."""
    revision, has_tables = schema.read_revision(engine)
    if revision == schema.head():
        _use_wal(engine)
        return
    if revision is None:
        if has_tables:
            raise SchemaError(
                f"{location.display} is {schema.engine_name(engine)} but not a moviecli catalog"
            )
        if not create:
            from moviecli.errors import BlankCatalogError

            raise BlankCatalogError(f"{location.display} holds no catalog yet")
        upgrade(engine, schema.head(), backup=False)
        return
    schema.refuse_unknown(revision)
    raise SchemaError(
        f"database schema is at revision {revision}, this moviecli needs "
        f"{schema.head()}; run 'moviecli db upgrade'"
    )


def _set_wal(raw: Any) -> None:
    """WAL mode on an SQLite driver connection, outside a transaction (persistent: a
    no-op once set)."""
    # `main.`: with the IMDb world attached (read-only), a bare journal_mode PRAGMA
    # would try to change every attached database.
    if raw.execute("PRAGMA main.journal_mode").fetchone()[0] != "wal":
        raw.execute("PRAGMA main.journal_mode = WAL")


def _use_wal(engine: Engine) -> None:
    """Put an SQLite catalog at head in WAL mode."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        _set_wal(conn.connection.driver_connection)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    # stdout given at call time: Config's default is sys.stdout as it was when Alembic
    # was first imported, which (loaded lazily) may be a stream replaced since.
    config = Config(str(schema.alembic_ini_path()), stdout=sys.stdout)
    config.attributes["connection"] = connection
    config.attributes["called_from_moviecli"] = True
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction with foreign keys off; checks them before commit."""
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection  # the sqlite3 or psycopg connection
        is_sqlite = engine.dialect.name == "sqlite"
        # WAL must be set outside a transaction (foreign keys too: the engine's begin
        # hook turns them off below). WAL is set here, when a catalog is created or
        # migrated, and never by a command that might be refused.
        if is_sqlite:
            _set_wal(raw)
        try:
            with conn.execution_options(immediate=True, foreign_keys=False).begin():
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


@dataclass(frozen=True)
class MigrationResult:
    """What an upgrade or downgrade did: the revisions before and after, the steps it
    ran (none when the catalog was already there) and the backup copy it made."""

    before: str | None
    after: str | None
    steps: tuple[str, ...]
    backup: Path | None
    server: bool = False  # a server catalog (PostgreSQL): no file copy is made


def _known_revisions() -> str:
    return ", ".join((*schema.revisions(), "head", "base"))


def _catalog_revision(engine: Engine) -> str | None:
    """The catalog's revision, refusing a file this code must not migrate: an SQLite
    database that is not a moviecli catalog, or one made by a newer moviecli."""
    revision, has_tables = schema.read_revision(engine)
    if revision is None and has_tables:
        raise SchemaError(
            f"this is {schema.engine_name(engine)} but not a moviecli catalog; it was not touched"
        )
    schema.refuse_unknown(revision)
    return revision


def _steps(upper: str, lower: str) -> tuple[str, ...]:
    scripts = script_directory()
    return tuple(r.revision for r in scripts.iterate_revisions(upper, lower))


@contextmanager
def _refusing_bad_targets(*, before: str | None, revision: str, direction: str) -> Iterator[None]:
    """Alembic's complaint about a target, as the user's error: a revision on the wrong
    side of the catalog's (upgrading to an older one), or one that does not exist."""
    from alembic.script.revision import RangeNotAncestorError, RevisionError
    from alembic.util.exc import CommandError

    try:
        yield
    except RangeNotAncestorError:
        side, other = ("newer", "downgrade") if direction == "upgrade" else ("older", "upgrade")
        raise MoviecliError(
            f"the catalog is at revision {before}, {side} than '{revision}'; "
            f"use 'moviecli db {other} {revision}'"
        ) from None
    except (RevisionError, CommandError):
        raise MoviecliError(
            f"unknown revision '{revision}' (known: {_known_revisions()})"
        ) from None


def _run(
    engine: Engine,
    *,
    direction: str,
    revision: str,
    before: str | None,
    steps: tuple[str, ...],
    backup: bool,
) -> MigrationResult:
    if not steps:
        return MigrationResult(before, before, (), None, _is_server(engine))
    backup_path = None
    try:
        with migration_connection(engine) as conn:
            # The copy is taken while this transaction holds the write lock and before it
            # writes: no other moviecli can slip a change in between copy and migration.
            # A catalog with no revision holds no data yet: nothing to keep a copy of.
            if backup and before is not None:
                backup_path = backup_before_change(engine)
            from alembic import command

            getattr(command, direction)(alembic_config(conn), revision)
    except Exception as error:
        kept = f" (a copy made before is at {backup_path})" if backup_path else ""
        detail = getattr(error, "orig", None) or error
        reason = (
            str(detail)
            if isinstance(detail, MoviecliError)
            else f"{type(detail).__name__}: {detail}"
        )
        raise MoviecliError(
            f"{direction} to '{revision}' failed and was rolled back, the catalog is as it "
            f"was{kept}: {reason}"
        ) from error
    return MigrationResult(before, current_revision(engine), steps, backup_path, _is_server(engine))


def _is_server(engine: Engine) -> bool:
    return engine.dialect.name != "sqlite"


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> MigrationResult:
    """Upgrade to `revision` in one transaction. Nothing happens (no backup either) when
    the catalog is already there; otherwise, with `backup`, a catalog that holds data
    is first copied beside itself."""
    before = _catalog_revision(engine)
    with _refusing_bad_targets(before=before, revision=revision, direction="upgrade"):
        steps = _steps(revision, before or "base")
    return _run(
        engine, direction="upgrade", revision=revision, before=before, steps=steps, backup=backup
    )


def downgrade(engine: Engine, revision: str, *, backup: bool = True) -> MigrationResult:
    """Downgrade to `revision` ('base' removes every table) after a backup copy."""
    before = _catalog_revision(engine)
    with _refusing_bad_targets(before=before, revision=revision, direction="downgrade"):
        script_directory().get_revisions(revision)  # an unknown target is refused, always
        steps = () if before is None else _steps(before, revision)
    return _run(
        engine, direction="downgrade", revision=revision, before=before, steps=steps, backup=backup
    )


def current_revision(engine: Engine) -> str | None:
    return schema.read_revision(engine)[0]
