"""The films a user wants to see, oldest first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, bindparam, delete, exists
from sqlmodel import col, select

from moviecli.errors import DuplicateError, NotFoundError
from moviecli.models import Movie, WatchlistEntry, WatchlistItem
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import core_table, select_wide

_watchlist = core_table(WatchlistItem)


class Watchlist(Repository):
    """A user's watchlist."""

    def _entries(
        self, user_id: int, movie_ids: Sequence[int] | None = None
    ) -> list[WatchlistEntry]:
        query = (
            select_wide(
                Movie.id, Movie.title, Movie.year, WatchlistItem.added_at, WatchlistItem.note
            )
            .join(Movie, col(Movie.id) == WatchlistItem.movie_id)
            .where(WatchlistItem.user_id == user_id)
        )
        if movie_ids is not None:
            query = query.where(col(WatchlistItem.movie_id).in_(movie_ids))
        query = query.order_by(col(WatchlistItem.added_at), col(WatchlistItem.movie_id))
        return [
            WatchlistEntry(movie_id=r[0], title=r[1], year=r[2], added_at=r[3], note=r[4])
            for r in self.session.exec(query)
        ]

    def watchlist(self, *, user_id: int | None) -> list[WatchlistEntry]:
        return [] if user_id is None else self._entries(user_id)

    def add_to_watchlist(
        self, *, user_id: int, movies: Sequence[Movie], note: str | None
    ) -> list[WatchlistEntry]:
        ids = [m.id for m in movies if m.id is not None]
        already = set(
            self.session.exec(
                select(WatchlistItem.movie_id).where(
                    WatchlistItem.user_id == user_id, col(WatchlistItem.movie_id).in_(ids)
                )
            )
        )
        for movie in movies:
            if movie.id in already:
                raise DuplicateError(
                    f"'{movie.title} ({movie.year or '?'})' is already on the watchlist"
                )
        for movie_id in dict.fromkeys(ids):
            self.session.add(WatchlistItem(user_id=user_id, movie_id=movie_id, note=note))
        self.session.flush()
        return self._entries(user_id, ids)

    def remove_from_watchlist(
        self, *, user_id: int | None, movies: Sequence[Movie]
    ) -> list[WatchlistEntry]:
        ids = [m.id for m in movies if m.id is not None]
        entries = [] if user_id is None else self._entries(user_id, ids)
        on = {e.movie_id for e in entries}
        for movie in movies:
            if movie.id not in on:
                raise NotFoundError(
                    f"'{movie.title} ({movie.year or '?'})' is not on the watchlist"
                )
        self.session.exec(
            delete(WatchlistItem).where(
                col(WatchlistItem.user_id) == user_id, col(WatchlistItem.movie_id).in_(ids)
            )
        )
        return entries

    def leave_watchlist(self, *, pairs: Sequence[tuple[int, int]]) -> None:
        """(user_id, movie_id): films just watched leave the watchlist (`watch`, imports)."""
        if pairs:
            self.session.connection().execute(
                delete(_watchlist).where(
                    _watchlist.c.user_id == bindparam("user"),
                    _watchlist.c.movie_id == bindparam("movie"),
                ),
                [{"user": user, "movie": movie} for user, movie in pairs],
            )

    def on_watchlist(self, *, user_id: int | None, movie_id: int) -> bool:
        if user_id is None:
            return False
        return (
            self.session.get(WatchlistItem, {"user_id": user_id, "movie_id": movie_id}) is not None
        )


def watchlist_filter(*, user_id: int | None) -> ColumnElement[bool]:
    return exists().where(
        col(WatchlistItem.movie_id) == Movie.id, col(WatchlistItem.user_id) == user_id
    )
