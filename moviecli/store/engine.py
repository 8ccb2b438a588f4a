"""Engines and per-engine connection set-up: the one place an engine is made.

SQLite: foreign keys, WAL (set by migrations), a busy timeout, and transactions
begun by us (`BEGIN IMMEDIATE` for writers). PostgreSQL: the psycopg driver, a lock
timeout equal to the busy timeout, and writers serialised by one transaction-level
advisory lock, so that both engines give writers the same guarantee: a writer holds
the catalog's write lock from its first statement to its commit."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc

from moviecli.config import DatabaseLocation
from moviecli.errors import DatabaseError, InvalidValueError
from moviecli.store.space import out_of_space

BUSY_TIMEOUT_SECONDS = 10.0
BUSY_TIMEOUT_ENV = "MOVIECLI_BUSY_TIMEOUT"
# pg_advisory_xact_lock key taken by every PostgreSQL writer ('mcli' in ASCII).
WRITE_LOCK_KEY = 0x6D636C69


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


def is_postgres(location: DatabaseLocation) -> bool:
    return location.url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def make_engine(location: DatabaseLocation, *, busy_timeout: float | None = None) -> Engine:
    timeout = busy_timeout_seconds() if busy_timeout is None else busy_timeout
    if is_postgres(location):
        return _postgres_engine(location, timeout)
    if location.path is None:
        raise DatabaseError(
            f"moviecli works with SQLite files and PostgreSQL servers, not {location.display}"
        )
    return _sqlite_engine(location, timeout)


def _sqlite_engine(location: DatabaseLocation, timeout: float) -> Engine:
    assert location.path is not None
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
            # was. Migrations set WAL; migrate.ensure_schema sets it on a catalog at head.
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        # The pragma is a no-op inside a transaction, so it is set here, every time.
        checks = "ON" if options.get("foreign_keys", True) else "OFF"
        conn.exec_driver_sql(f"PRAGMA foreign_keys = {checks}")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("immediate", False) else "BEGIN")

    return engine


def postgres_url(url: str) -> str:
    """postgres:// and postgresql:// both mean psycopg 3 here."""
    scheme, rest = url.split("://", 1)
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    return f"{scheme}://{rest}"


def _postgres_engine(location: DatabaseLocation, timeout: float) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise DatabaseError(
            "a PostgreSQL catalog needs the psycopg driver, which this installation lacks: "
            "install it with 'pip install \"psycopg[binary]\"' in moviecli's environment"
        ) from None
    # Shared catalogs hold the same data as files do: make text, dates and numbers come
    # back exactly as SQLite gives them (UTC, no server-side locale in the way).
    # lock_timeout=0 means "wait forever" to PostgreSQL; MOVIECLI_BUSY_TIMEOUT=0 means
    # "do not wait", as SQLite's busy_timeout 0 does.
    wait_ms = max(1, int(timeout * 1000))
    options = f"-c lock_timeout={wait_ms} -c timezone=UTC -c client_encoding=UTF8"
    try:
        engine = create_engine(
            postgres_url(location.url),
            connect_args={"options": options, "connect_timeout": 10},
            pool_pre_ping=False,
        )
    except exc.ArgumentError as error:
        raise DatabaseError(f"{location.display} is not a usable database URL: {error}") from None

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("immediate", False):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

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
        if not path.is_file():  # /dev/null, a FIFO: SQLite cannot keep a catalog there
            raise DatabaseError(f"{path} is not a regular file, so not a catalog file")
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
    """Turn a driver error into one readable sentence (no password ever shown)."""
    text = " ".join(str(getattr(error, "orig", None) or error).split()).lower()
    if location.password:
        text = text.replace(location.password.lower(), "***")
    where = location.display
    if (
        "database is locked" in text
        or "database is busy" in text
        or "lock timeout" in text
        or "canceling statement due to lock timeout" in text
    ):
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
    if out_of_space(error, location.path):
        return DatabaseError(f"the disk holding {where} is full; nothing was changed")
    if "disk i/o" in text:
        return DatabaseError(
            f"the disk holding {where} failed to read or write; nothing was changed"
        )
    if "password authentication failed" in text or "no password supplied" in text:
        return DatabaseError(
            f"the PostgreSQL server refused the login for {where}: check the user and "
            "password (PGPASSWORD or ~/.pgpass)"
        )
    if "does not exist" in text and "database" in text:
        return DatabaseError(
            f"the PostgreSQL server has no such database ({where}); create it first (createdb NAME)"
        )
    if "connection refused" in text or "could not connect" in text or "connection failed" in text:
        return DatabaseError(
            f"cannot reach the PostgreSQL server for {where}: is it running, and are the host "
            "and port right?"
        )
    if "permission denied" in text:
        return DatabaseError(f"the catalog at {where} refused this user: {text}")
    if isinstance(error, exc.IntegrityError):
        return DatabaseError(f"the catalog refused the change: {text}")
    return DatabaseError(f"database problem with {where}: {text}")
