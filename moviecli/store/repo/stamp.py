"""The ratings stamp: a number that changes in the same transaction as every change to
the ratings (rate, unrate, a movie's delete, an import), so that a cached model can
tell whether the ratings it learned are still the catalog's. Random, not a counter: a
catalog restored from a backup and changed again never meets a stamp it had before.
SQLite: set here. PostgreSQL: the catalog's statement triggers on ratings set it
(migration 0008), for every writer, psql included."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlmodel import Session

from moviecli.models import CatalogState

_state = CatalogState.__table__  # type: ignore[attr-defined]

UPDATE_SQL = "UPDATE catalog_state SET ratings_stamp = ? WHERE id = 1"


def new_stamp() -> int:
    return secrets.randbits(62) + 1


def touch(*, session: Session) -> None:
    """The ratings changed in this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        return
    session.connection().execute(
        update(_state).where(_state.c.id == 1).values(ratings_stamp=new_stamp())
    )


def read(*, session: Session) -> int:
    return int(session.connection().execute(select(_state.c.ratings_stamp)).scalar() or 0)
