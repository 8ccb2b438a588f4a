"""What the one-person recommender reads from the world: films with what they are made
of (genres, year, runtime, IMDb rating and votes), the people credited on films a
person rated, and those people's other films. Set-based reads, each from an index
(titles' votes, principals' key and name_id), in batches short enough for every
driver's parameter limit. The session must see the world (location.attach_world)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from moviecli.store.world.schema import names, principals, titles

# The credits a film is known by: directors, writers and the principal cast.
CREDITED = ("director", "writer", "actor", "actress")
BATCH = 500

# (title id, year, runtime, genres "A|B", IMDb rating, IMDb votes)
TitleRow = tuple[int, int | None, int | None, str | None, float | None, int | None]


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    values = list(dict.fromkeys(ids))
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]


def _columns() -> tuple[object, ...]:
    return (
        titles.c.id,
        titles.c.start_year,
        titles.c.runtime,
        titles.c.genres,
        titles.c.imdb_rating,
        titles.c.imdb_votes,
    )


def most_voted(*, session: Session, limit: int) -> list[TitleRow]:
    """The world's `limit` most-voted films that are not adult titles (of the types the
    sync loaded), most votes first; films without votes last."""
    query = (
        select(*_columns())  # type: ignore[call-overload]
        .where(titles.c.adult == 0)
        .order_by(titles.c.imdb_votes.desc().nulls_last(), titles.c.id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def title_rows(*, session: Session, title_ids: Iterable[int]) -> list[TitleRow]:
    """The same values for these films (those the world has)."""
    out: list[TitleRow] = []
    for batch in _batches(title_ids):
        query = select(*_columns()).where(titles.c.id.in_(batch))  # type: ignore[call-overload]
        out.extend(tuple(row) for row in session.execute(query))
    return out


def _credited(session: Session, column: Any, ids: Iterable[int]) -> list[tuple[int, int]]:
    """(title id, nm id) of the director, writer and principal cast credits whose
    `column` (a title's or a person's id) is one of `ids`."""
    out: list[tuple[int, int]] = []
    for batch in _batches(ids):
        query = select(principals.c.title_id, principals.c.name_id).where(
            column.in_(batch), principals.c.category.in_(CREDITED)
        )
        out.extend((int(t), int(n)) for t, n in session.execute(query))
    return out


def credits_of(*, session: Session, title_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(title id, nm id) of the directors, writers and principal cast of these films."""
    return _credited(session, principals.c.title_id, title_ids)


def films_of(*, session: Session, name_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(title id, nm id) of every film these people are credited on as director, writer
    or principal cast."""
    return _credited(session, principals.c.name_id, name_ids)


def person_names(*, session: Session, name_ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for batch in _batches(name_ids):
        query = select(names.c.id, names.c.name).where(names.c.id.in_(batch))
        out.update((int(i), str(n)) for i, n in session.execute(query))
    return out
