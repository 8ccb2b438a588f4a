"""Running Alembic: only the `db` commands and a brand-new catalog come here.

Every upgrade or downgrade runs in one transaction on a connection with foreign
keys OFF (a batch migration rebuilds tables, and with foreign keys on the
rebuild would cascade-delete the ratings), and checks the foreign keys itself
before it commits.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RangeNotAncestorError, RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine

import moviecli
from moviecli import schema_version
from moviecli.errors import DatabaseError, MoviecliError, SchemaError


def alembic_ini_path() -> Path:
    """The checkout's alembic.ini when running from a checkout, else the wheel's copy.

    A checkout is recognised by pyproject.toml, alembic.ini and migrations/ beside the
    package: site-packages never holds a pyproject.toml, so an installed wheel always
    uses its own copy (moviecli/alembic.ini + moviecli/migrations)."""
    package = Path(moviecli.__file__).resolve().parent
    checkout = package.parent
    if (
        (checkout / "pyproject.toml").is_file()
        and (checkout / "alembic.ini").is_file()
        and (checkout / "migrations").is_dir()
    ):
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
        # WAL must be set outside a transaction (foreign keys too: the engine's begin
        # hook turns them off below). WAL is set here, when a catalog is created or
        # migrated, and never by a command that might be refused.
        if is_sqlite and raw.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            raw.execute("PRAGMA journal_mode = WAL")
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


def _known_revisions() -> str:
    return ", ".join((*schema_version.REVISIONS, "head", "base"))


def _catalog_revision(engine: Engine) -> str | None:
    """The catalog's revision, refusing a file this code must not migrate: an SQLite
    database that is not a moviecli catalog, or one made by a newer moviecli."""
    from moviecli.db import read_revision

    revision, has_tables = read_revision(engine)
    if revision is None and has_tables:
        raise SchemaError("this SQLite database is not a moviecli catalog; it was not touched")
    if revision is not None and revision not in schema_version.REVISIONS:
        raise SchemaError(
            f"database schema is at revision {revision}, which this moviecli does not know "
            "(made by a newer moviecli?); upgrade moviecli, the catalog was not touched"
        )
    return revision


def _steps(upper: str, lower: str) -> tuple[str, ...]:
    scripts = script_directory()
    return tuple(r.revision for r in scripts.iterate_revisions(upper, lower))


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
        return MigrationResult(before, before, (), None)
    backup_path = None
    try:
        with migration_connection(engine) as conn:
            # The copy is taken while this transaction holds the write lock and before it
            # writes: no other moviecli can slip a change in between copy and migration.
            # A catalog with no revision holds no data yet: nothing to keep a copy of.
            if backup and before is not None:
                backup_path = backup_before_change(engine)
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
    return MigrationResult(before, current_revision(engine), steps, backup_path)


def upgrade(engine: Engine, revision: str = "head", *, backup: bool = True) -> MigrationResult:
    """Upgrade to `revision` in one transaction. Nothing happens (no backup either) when
    the catalog is already there; otherwise, with `backup`, a catalog that holds data
    is first copied beside itself."""
    before = _catalog_revision(engine)
    try:
        steps = _steps(revision, before or "base")
    except RangeNotAncestorError:
        raise MoviecliError(
            f"the catalog is at revision {before}, newer than '{revision}'; "
            f"use 'moviecli db downgrade {revision}'"
        ) from None
    except (RevisionError, CommandError):
        raise MoviecliError(
            f"unknown revision '{revision}' (known: {_known_revisions()})"
        ) from None
    return _run(
        engine, direction="upgrade", revision=revision, before=before, steps=steps, backup=backup
    )


def downgrade(engine: Engine, revision: str, *, backup: bool = True) -> MigrationResult:
    """Downgrade to `revision` ('base' removes every table) after a backup copy."""
    before = _catalog_revision(engine)
    try:
        script_directory().get_revisions(revision)  # an unknown target is refused, always
        steps = () if before is None else _steps(before, revision)
    except RangeNotAncestorError:
        raise MoviecliError(
            f"the catalog is at revision {before}, older than '{revision}'; "
            f"use 'moviecli db upgrade {revision}'"
        ) from None
    except (RevisionError, CommandError):
        raise MoviecliError(
            f"unknown revision '{revision}' (known: {_known_revisions()})"
        ) from None
    return _run(
        engine, direction="downgrade", revision=revision, before=before, steps=steps, backup=backup
    )


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
        # Owner-only from the first byte: a catalog is personal data.
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise MoviecliError(f"{target} already exists; choose another file") from None
    except OSError as error:
        raise MoviecliError(f"cannot write {target}: {error.strerror or error}") from None
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
        from moviecli.db import translate_error

        reason = translate_error(error, resolve_location(str(source_path)))
        raise DatabaseError(f"no backup made: {reason}") from error
