"""Ratings; every rating change updates the movie's aggregates in the
same transaction, as `SET n = n + 1` so that concurrent writers never lose one (on
PostgreSQL the catalog's own triggers do it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import col, select

from moviecli.errors import NotFoundError
from moviecli.models import (
    Movie,
    Rating,
    RatingChange,
    RatingPublic,
    User,
    utcnow_millis,
)
from moviecli.ranking import average
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import select_wide
from moviecli.store.repo.users import Users

if TYPE_CHECKING:
    from sqlalchemy import Subquery
    from sqlalchemy.orm import Mapped

RatingSort = Literal["date", "score", "title"]


# ---------------------------------------------------------------- ratings


class Ratings(Repository):
    """Ratings, and the movies' aggregates and ratings stamp that follow them."""

    def _change_aggregates(self, *, movie_id: int, delta_sum: float, delta_count: int) -> None:
        """SQLite: here. PostgreSQL: the catalog's triggers do it (migration 0007), for every
        writer, psql included; members may not write the aggregate columns at all."""
        if self.session.get_bind().dialect.name == "postgresql":
            return
        self.session.exec(
            update(Movie)
            .where(col(Movie.id) == movie_id)
            .values(
                rating_sum=col(Movie.rating_sum) + delta_sum,
                rating_count=col(Movie.rating_count) + delta_count,
            )
        )
        self.touch_stamp()

    def touch_stamp(self) -> None:
        """The ratings changed in this transaction: a new stamp (SQLite; on PostgreSQL
        the catalog's triggers set it)."""
        from moviecli.store.repo import stamp

        stamp.touch(session=self.session)

    def recount_aggregates(self, *, only: ColumnElement[bool] | None = None) -> None:
        """Make the aggregates exact by one GROUP BY over the ratings (after a bulk merge;
        `only`: a condition on Rating naming the movies touched, None for every movie)."""
        totals = rating_totals(only=only)
        self.session.execute(
            update(Movie)
            .values(rating_count=totals.c.n, rating_sum=totals.c.s)
            .where(col(Movie.id) == totals.c.movie_id)
            .where(or_(col(Movie.rating_count) != totals.c.n, col(Movie.rating_sum) != totals.c.s))
        )

    def rate_movie(
        self, *, movie: Movie, user_name: str, score: float, review: str | None = None
    ) -> RatingChange:
        """Record or replace a user's score; the movie's aggregates change in the same transaction.
        A new review replaces the old one; without one the old review is kept."""
        assert movie.id is not None
        user = Users(self.session, writes=True).resolve(user_name)
        rating = self.session.get(Rating, {"movie_id": movie.id, "user_id": user.id})
        previous = None
        if rating is None:
            rating = Rating(movie_id=movie.id, user_id=user.id, score=score, review=review)
            self._change_aggregates(movie_id=movie.id, delta_sum=score, delta_count=1)
        else:
            previous = rating.score
            self._change_aggregates(
                movie_id=movie.id, delta_sum=score - rating.score, delta_count=0
            )
            rating.score = score
            rating.rated_at = utcnow_millis()
            if review is not None:
                rating.review = review
        self.session.add(rating)
        return self._changed(movie, _rating_public(rating, movie, user.name), previous)

    def unrate_movie(self, *, movie: Movie, user_name: str) -> RatingChange:
        assert movie.id is not None
        user = Users(self.session).find(user_name)
        rating = (
            self.session.get(Rating, {"movie_id": movie.id, "user_id": user.id})
            if user is not None
            else None
        )
        if rating is None or user is None:
            raise NotFoundError(f"{user_name} has not rated '{movie.title} ({movie.year or '?'})'")
        public = _rating_public(rating, movie, user.name)
        self.session.delete(rating)
        self._change_aggregates(movie_id=movie.id, delta_sum=-rating.score, delta_count=-1)
        return self._changed(movie, public, None)

    def _changed(self, movie: Movie, rating: RatingPublic, replaced: float | None) -> RatingChange:
        """The change written, with the movie's aggregates as they now stand."""
        self.session.flush()
        self.session.refresh(movie)
        return RatingChange(
            rating=rating,
            replaced=replaced,
            average_rating=average(movie.rating_sum, movie.rating_count),
            rating_count=movie.rating_count,
        )

    def iter_ratings(
        self,
        *,
        user_name: str | None = None,
        movie_id: int | None = None,
        sort: RatingSort = "date",
        descending: bool = True,
        limit: int = 20,
        offset: int = 0,
    ) -> Iterator[RatingPublic]:
        """Ratings in order, streamed from the database in chunks (`limit` 0: all of them,
        in bounded memory)."""
        query = (
            select_wide(
                Rating.movie_id,
                Movie.title,
                Movie.year,
                User.name,
                Rating.score,
                Rating.review,
                Rating.rated_at,
            )
            .join(Movie, col(Movie.id) == Rating.movie_id)
            .join(User, col(User.id) == Rating.user_id)
        )
        if user_name is not None:
            user = Users(self.session).find(user_name)
            if user is None:
                raise NotFoundError(f"no user named '{user_name}' has rated anything")
            query = query.where(Rating.user_id == user.id)
        if movie_id is not None:
            query = query.where(Rating.movie_id == movie_id)
        by_sort: dict[str, list[Mapped[Any]]] = {
            "date": [col(Rating.rated_at)],
            "score": [col(Rating.score), col(Rating.rated_at)],
            "title": [col(Movie.title_key), col(Movie.year)],
        }
        keys = [*by_sort[sort], col(Rating.movie_id), col(Rating.user_id)]
        query = query.order_by(*(k.desc() if descending else k.asc() for k in keys)).offset(offset)
        if limit:
            query = query.limit(limit)
        return (
            RatingPublic(
                movie_id=row[0],
                title=row[1],
                year=row[2],
                user=row[3],
                score=row[4],
                review=row[5],
                rated_at=row[6],
            )
            for row in self.session.exec(query.execution_options(yield_per=1000))
        )

    def list_ratings(self, **arguments: Any) -> list[RatingPublic]:
        return list(self.iter_ratings(**arguments))


def rating_totals(*, only: ColumnElement[bool] | None = None) -> Subquery:
    """What a movie's aggregates are, from its ratings: (movie_id, n, s) per rated movie
    (`only`: a condition on Rating narrowing the movies)."""
    query = select(Rating.movie_id, func.count().label("n"), func.sum(Rating.score).label("s"))
    if only is not None:
        query = query.where(only)
    return query.group_by(col(Rating.movie_id)).subquery("agg")


def _rating_public(rating: Rating, movie: Movie, user_name: str) -> RatingPublic:
    return RatingPublic(
        movie_id=rating.movie_id,
        title=movie.title,
        year=movie.year,
        user=user_name,
        score=rating.score,
        review=rating.review,
        rated_at=rating.rated_at,
    )
