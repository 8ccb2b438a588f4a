"""Every row of the catalog, streamed in a stable order, for the exports.

Rows come back as the driver gives them (timestamps as stored: milliseconds since
1970 for ratings; text on SQLite and datetimes on PostgreSQL for the others), a
few thousand at a time, so a 25-million-rating catalog never sits in memory.

SQLAlchemy Core on the models' tables, their columns untyped (`_plain`): the models'
column types would turn what is stored into Python values (text into datetimes), and
an export writes what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    Subquery,
    TableClause,
    bindparam,
    column,
    exists,
    false,
    func,
    null,
    select,
    table,
)
from sqlmodel import SQLModel

from moviecli.models import (
    ExternalId,
    Genre,
    ListItem,
    Movie,
    MovieGenre,
    MovieList,
    MoviePerson,
    Person,
    Rating,
    Tag,
    User,
    Viewing,
    WatchlistItem,
)
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import core_table


def _plain(model: type[SQLModel]) -> TableClause:
    """The model's table with untyped columns: rows as the driver gives them."""
    typed = core_table(model)
    return table(typed.name, *(column(c.name) for c in typed.columns))


def _rows(model: type[SQLModel], columns: str, order: str) -> Select[Any]:
    """Every row of a table: these columns, in this order (names as in the model)."""
    t = _plain(model)
    return select(*(t.c[n] for n in columns.split())).order_by(*(t.c[n] for n in order.split()))


_movies = _plain(Movie).alias("m")
_ratings = _plain(Rating).alias("r")
_viewings = _plain(Viewing).alias("v")
_USER: BindParameter[int] = bindparam("user", type_=Integer)


def _imdb_ids() -> Subquery:
    """Each film's IMDb id (the first, when a film has two), for the Letterboxd export:
    one grouped pass over external_ids joined in, not a subquery per row (SQLite answered
    that one from the (source, value) key, scanning every IMDb id for each viewing: 35 s
    for 100,000 viewings)."""
    e = _plain(ExternalId)
    return (
        select(e.c.movie_id, func.min(e.c.value).label("imdb"))
        .where(e.c.source == "imdb")
        .group_by(e.c.movie_id)
        .subquery("e")
    )


def _movie_genres() -> Select[Any]:
    mg, g = _plain(MovieGenre).alias("mg"), _plain(Genre).alias("g")
    return (
        select(mg.c.movie_id, g.c.name)
        .join_from(mg, g, g.c.id == mg.c.genre_id)
        .order_by(mg.c.movie_id, g.c.name)
    )


def _letterboxd_viewings() -> Select[Any]:
    """Letterboxd's import CSV, for one user (:user): their viewings, oldest first
    (undated ones first)."""
    v, m, r, e = _viewings, _movies, _ratings, _imdb_ids()
    return (
        select(
            v.c.movie_id,
            m.c.title,
            m.c.year,
            e.c.imdb,
            v.c.watched_on,
            v.c.rewatch,
            v.c.review,
            r.c.score,
            r.c.review,
        )
        .join_from(v, m, m.c.id == v.c.movie_id)
        .outerjoin(e, e.c.movie_id == v.c.movie_id)
        .outerjoin(r, (r.c.movie_id == v.c.movie_id) & (r.c.user_id == v.c.user_id))
        .where(v.c.user_id == _USER)
        .order_by(v.c.watched_on.is_not(None), v.c.watched_on, v.c.id)
    )


def _letterboxd_rated() -> Select[Any]:
    """Then the films they rated and never logged."""
    r, m, e, v = _ratings, _movies, _imdb_ids(), _viewings
    logged = exists().where(v.c.movie_id == r.c.movie_id, v.c.user_id == r.c.user_id)
    return (
        select(r.c.movie_id, m.c.title, m.c.year, e.c.imdb, null(), false(), null())
        .add_columns(r.c.score, r.c.review)
        .join_from(r, m, m.c.id == r.c.movie_id)
        .outerjoin(e, e.c.movie_id == r.c.movie_id)
        .where(r.c.user_id == _USER, ~logged)
        .order_by(m.c.title_key, m.c.year, r.c.movie_id)
    )


def _ratings_with_titles() -> Select[Any]:
    r, m, u = _ratings, _movies, _plain(User).alias("u")
    return (
        select(r.c.movie_id, m.c.title, m.c.year, u.c.name, r.c.score, r.c.review, r.c.rated_at)
        .join_from(r, m, m.c.id == r.c.movie_id)
        .join(u, u.c.id == r.c.user_id)
        .order_by(m.c.title_key, m.c.year, r.c.movie_id, u.c.name)
    )


_tags = _plain(Tag)

QUERIES: dict[str, Select[Any]] = {
    "genres": _rows(Genre, "id name", "id"),
    "users": _rows(User, "id name", "id"),
    "movies": _rows(
        Movie,
        "id title year original_title runtime_minutes director created_at updated_at",
        "id",
    ),
    "movie_genres": _movie_genres(),
    "external_ids": _rows(ExternalId, "movie_id source value", "movie_id source value"),
    "ratings": _rows(Rating, "movie_id user_id score review rated_at", "movie_id user_id"),
    "tags": _rows(Tag, "movie_id user_id tag tagged_at", "id"),
    "people": _rows(Person, "id name", "id"),
    "movie_people": _rows(
        MoviePerson, "movie_id role person_id position", "movie_id role position person_id"
    ),
    "viewings": _rows(Viewing, "id movie_id user_id watched_on rewatch review created_at", "id"),
    "watchlist": _rows(
        WatchlistItem, "user_id movie_id added_at note", "user_id added_at movie_id"
    ),
    "lists": _rows(MovieList, "id user_id name description ranked created_at", "id"),
    "list_items": _rows(
        ListItem, "list_id movie_id position note added_at", "list_id position movie_id"
    ),
    "letterboxd_viewings": _letterboxd_viewings(),
    "letterboxd_rated": _letterboxd_rated(),
    "letterboxd_tags": select(_tags.c.movie_id, _tags.c.tag)
    .where(_tags.c.user_id == _USER)
    .order_by(_tags.c.id),
    "ratings_with_titles": _ratings_with_titles(),
}


class Dump(Repository):
    """The exports' reads: every row of a table in a stable order, streamed."""

    def stream(self, *, name: str, user_id: int | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of one of QUERIES, streamed (a server-side cursor on PostgreSQL);
        `user_id` for the queries of one user."""
        connection = self.session.connection().execution_options(
            stream_results=True, yield_per=5000
        )
        query = QUERIES[name]
        rows = (
            connection.execute(query)
            if user_id is None
            else connection.execute(query, {"user": user_id})
        )
        for row in rows:
            yield tuple(row)
