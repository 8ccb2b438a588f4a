"""The ratings stamp: a number that changes in the same transaction as every change to
the ratings (rate, unrate, a movie's delete, an import), so that a cached model can
tell whether the ratings it learned are still the catalog's. Random, not a counter: a
catalog restored from a backup and changed again never meets a stamp it had before.
SQLite: set here. PostgreSQL: the catalog's statement triggers on ratings set it
(migration 0008), for every writer, psql included."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, select, update
from sqlmodel import Session

from moviecli.models import CatalogState
from moviecli.store.repo._select import core_table

_state = core_table(CatalogState)


def new_stamp() -> int:
    return secrets.randbits(62) + 1


def renew(connection: Connection) -> None:
    """A new stamp, whatever the engine (a bulk load with PostgreSQL's triggers off)."""
    connection.execute(update(_state).where(_state.c.id == 1).values(ratings_stamp=new_stamp()))


def touch(*, session: Session) -> None:
    """The ratings changed in this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        return
    renew(session.connection())


def read(*, session: Session) -> int:
    return int(session.connection().execute(select(_state.c.ratings_stamp)).scalar() or 0)
