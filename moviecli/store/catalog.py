"""The catalog a command works on, and its session scope: one transaction per command."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from moviecli.config import DatabaseLocation
from moviecli.store.engine import make_engine
from moviecli.store.migrate import ensure_schema

# SQLite gives a new row the highest id + 1; PostgreSQL's sequences move on past ids
# freed by a delete or taken by a rolled-back command (a Ctrl-C'd import), so the same
# `add` would print another id. A writer (holding the write lock, so no one else is
# inserting) first sets every sequence (one per table here) to where SQLite would be,
# through a function of the catalog's owner: a member's max(id) would miss the rows
# that row security hides from them (migration 0007).
SEQUENCED_TABLES = ("movies", "users", "genres", "tags", "viewings", "lists", "people")
NEXT_IDS_AS_SQLITE = (
    "SELECT moviecli_sync_ids(ARRAY[" + ", ".join(f"'{t}'" for t in SEQUENCED_TABLES) + "])"
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

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(
        self,
        *,
        write: bool,
        check_schema: bool = True,
        foreign_keys: bool = True,
        create: bool | None = None,
    ) -> Iterator[Session]:
        """One transaction for one command: commit at the end, roll back on any error.
        Writers take the catalog's write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL:
        an advisory lock). `foreign_keys=False` turns SQLite's per-row reference checks
        off for a writer that checks its references itself (import). Only a writer creates
        the schema of a blank catalog (`create`, default: `write`); others get
        BlankCatalogError."""
        if check_schema:
            ensure_schema(self.engine, self.location, create=write if create is None else create)
        bind = self.engine.execution_options(immediate=write, foreign_keys=foreign_keys)
        with Session(bind, expire_on_commit=False, autoflush=True) as session, _sigint() as caught:
            try:
                if write and check_schema and self.dialect == "postgresql":
                    session.connection().exec_driver_sql(NEXT_IDS_AS_SQLITE)
                yield session
                if caught:
                    # The KeyboardInterrupt was raised where Python ignores exceptions
                    # (an import-lock or weakref callback, a __del__) and the command
                    # went on: Ctrl-C still means nothing is committed.
                    raise KeyboardInterrupt
                session.commit()
            except BaseException as error:
                if not caught and not isinstance(error, KeyboardInterrupt):
                    session.rollback()
                    raise
                # Ctrl-C may land inside a driver call (psycopg cancels the query and
                # raises its own error; mid-COPY the connection stays busy and a rollback
                # fails). Closing the connection aborts the transaction all the same, and
                # Ctrl-C stays the answer.
                try:
                    session.rollback()
                except Exception:
                    with suppress(Exception):
                        session.invalidate()
                if isinstance(error, KeyboardInterrupt):
                    raise
                raise KeyboardInterrupt from error

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


@contextmanager
def _sigint() -> Iterator[list[int]]:
    """Within: Ctrl-C raises KeyboardInterrupt as usual and is also remembered (the
    list is not empty afterwards). Left alone where Ctrl-C is not Python's default
    (ignored in a background job, or the embedding program's own handler)."""
    caught: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield caught
        return

    def remember(signum: int, _frame: object) -> None:
        caught.append(signum)
        raise KeyboardInterrupt

    unraisable = sys.unraisablehook

    def quiet(info: Any) -> None:
        # Python would print that ignored KeyboardInterrupt with its traceback; the
        # command ends with its one line instead.
        if not (caught and isinstance(info.exc_value, KeyboardInterrupt)):
            unraisable(info)

    signal.signal(signal.SIGINT, remember)
    sys.unraisablehook = quiet
    try:
        yield caught
    finally:
        sys.unraisablehook = unraisable
        signal.signal(signal.SIGINT, signal.default_int_handler)
