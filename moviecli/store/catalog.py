"""The catalog a command works on, and its session scope: one transaction per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from moviecli.config import DatabaseLocation
from moviecli.store.engine import make_engine
from moviecli.store.schema import ensure_schema


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
        self, *, write: bool, check_schema: bool = True, foreign_keys: bool = True
    ) -> Iterator[Session]:
        """One transaction for one command: commit at the end, roll back on any error.
        Writers take the catalog's write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL:
        an advisory lock). `foreign_keys=False` turns SQLite's per-row reference checks
        off for a writer that checks its references itself (import)."""
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
