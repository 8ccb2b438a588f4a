"""Engine, SQLite pragmas and transaction handling, the session scope, the schema check."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlmodel import Session

from moviecli import schema_version
from moviecli.config import DatabaseLocation
from moviecli.errors import DatabaseError, InvalidValueError, SchemaError

BUSY_TIMEOUT_SECONDS = 10.0
BUSY_TIMEOUT_ENV = "MOVIECLI_BUSY_TIMEOUT"


def busy_timeout_seconds() -> float:
    """How long a command waits for another moviecli's write to finish before it gives up
    with "the catalog is busy": $MOVIECLI_BUSY_TIMEOUT seconds, else BUSY_TIMEOUT_SECONDS."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return BUSY_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 <= value <= 3600):  # also refuses nan and inf
        raise InvalidValueError(
            f"{BUSY_TIMEOUT_ENV} must be a number of seconds from 0 to 3600 (got '{raw}')"
        )
    return value


def make_engine(location: DatabaseLocation, *, busy_timeout: float | None = None) -> Engine:
    """The one place an engine is made. SQLite gets foreign keys, WAL and a busy timeout,
    and its transactions are begun by us: `BEGIN IMMEDIATE` when the connection is
    opened with the `immediate` execution option, so a writer takes the write lock
    up front instead of failing half-way with "database is locked"."""
    timeout = busy_timeout_seconds() if busy_timeout is None else busy_timeout
    if location.path is None:
        return create_engine(location.url)
    _prepare_file(location.path, location.is_default)
    engine = create_engine(location.url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Take BEGIN/COMMIT away from the sqlite3 driver, which would otherwise
        # commit DDL on its own and start transactions only at the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # No `journal_mode = WAL` here: it rewrites the file header, and a command
            # refused on an old, foreign or newer file must leave it byte for byte as it
            # was. Migrations set WAL; ensure_schema sets it on a catalog at head.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        # The pragma is a no-op inside a transaction, so it is set here, every time.
        checks = "ON" if options.get("foreign_keys", True) else "OFF"
        conn.exec_driver_sql(f"PRAGMA foreign_keys = {checks}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("immediate", False) else "BEGIN")

    return engine


def _prepare_file(path: Path, is_default: bool) -> None:
    """Create the default data folder owner-only, and a new catalog file owner-only
    (SQLite gives its -wal and -shm files the same mode)."""
    folder = path.parent
    if is_default and not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a catalog file")
        return
    if not folder.is_dir():
        raise DatabaseError(f"cannot create the catalog at {path}: folder {folder} does not exist")
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise DatabaseError(
            f"cannot create the catalog at {path}: {error.strerror or error}"
        ) from error
    os.close(fd)


def translate_error(error: BaseException, location: DatabaseLocation) -> DatabaseError:
    """Turn a driver error into one readable sentence."""
    text = str(getattr(error, "orig", None) or error).lower()
    where = location.display
    if "database is locked" in text or "database is busy" in text:
        return DatabaseError("the catalog is busy (another moviecli is writing); try again")
    if "file is not a database" in text or "file is encrypted" in text:
        return DatabaseError(f"{where} is not a moviecli catalog (not an SQLite database)")
    if "malformed" in text or "disk image" in text:
        return DatabaseError(
            f"the catalog at {where} is damaged ({text}); "
            "restore a backup or run 'moviecli db check'"
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"the catalog at {where} is read-only; check its permissions")
    if "unable to open" in text:
        return DatabaseError(
            f"cannot open the catalog at {where}: check the folder exists and is writable"
        )
    if "disk is full" in text or "database or disk is full" in text:
        return DatabaseError(f"the disk holding {where} is full; nothing was changed")
    if "disk i/o" in text:
        return DatabaseError(
            f"the disk holding {where} failed to read or write; nothing was changed"
        )
    if isinstance(error, exc.IntegrityError):
        return DatabaseError(f"the catalog refused the change: {text}")
    return DatabaseError(f"database problem with {where}: {text}")


def read_revision(engine: Engine) -> tuple[str | None, bool]:
    """The catalog's revision, and whether it holds any table at all (without Alembic)."""
    with engine.connect() as conn:
        tables = (
            {
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                ).fetchall()
            }
            if engine.dialect.name == "sqlite"
            else set(_inspect_tables(conn))
        )
        revision = None
        if "alembic_version" in tables:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        conn.rollback()
    return revision, bool(tables - {"alembic_version"})


def _inspect_tables(conn) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return inspect(conn).get_table_names()


def _use_wal(engine: Engine) -> None:
    """Put a catalog at head in WAL mode (persistent: a no-op once set)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if raw.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            raw.execute("PRAGMA journal_mode = WAL")


def ensure_schema(engine: Engine, location: DatabaseLocation) -> None:
    """Create a new catalog at head; refuse a catalog at another revision."""
    revision, has_tables = read_revision(engine)
    if revision == schema_version.HEAD:
        _use_wal(engine)
        return
    if revision is None:
        if has_tables:
            raise SchemaError(
                f"{location.display} is an SQLite database but not a moviecli catalog"
            )
        from moviecli.migrate import upgrade

        upgrade(engine, schema_version.HEAD, backup=False)
        return
    if revision in schema_version.REVISIONS:
        raise SchemaError(
            f"database schema is at revision {revision}, this moviecli needs "
            f"{schema_version.HEAD}; run 'moviecli db upgrade'"
        )
    raise SchemaError(
        f"database schema is at revision {revision}, which this moviecli does not know "
        "(made by a newer moviecli?); upgrade moviecli, the catalog was not touched"
    )


class Catalog:
    """The catalog a command works on: its location and, once opened, its engine."""

    def __init__(self, location: DatabaseLocation) -> None:
        self.location = location
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.location)
        return self._engine

    @contextmanager
    def session(
        self, *, write: bool, check_schema: bool = True, foreign_keys: bool = True
    ) -> Iterator[Session]:
        """One transaction for one command: commit at the end, roll back on any error.
        Writers begin with BEGIN IMMEDIATE. `foreign_keys=False` turns SQLite's per-row
        reference checks off for a writer that checks its references itself (import)."""
        if check_schema:
            ensure_schema(self.engine, self.location)
        bind = self.engine.execution_options(immediate=write, foreign_keys=foreign_keys)
        with Session(bind, expire_on_commit=False, autoflush=True) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
