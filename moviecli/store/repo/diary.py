"""Viewings (the diary) and the year in review."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, false, or_, update
from sqlmodel import col, select

from moviecli.errors import NotFoundError
from moviecli.models import (
    Genre,
    MonthCount,
    Movie,
    MovieGenre,
    MoviePerson,
    Person,
    Rating,
    Viewing,
    ViewingPublic,
    YearReview,
)
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import core_table, select_wide
from moviecli.store.repo.tags import Tags
from moviecli.store.repo.users import Account, Users

if TYPE_CHECKING:
    from sqlmodel.sql.expression import Select

_viewings = core_table(Viewing)


def _query(user_id: int, *extra: Any) -> Select[*tuple[Any, ...]]:
    """The columns `_public` reads, then `extra` ones."""
    score = (
        select(Rating.score)
        .where(Rating.movie_id == Viewing.movie_id, Rating.user_id == Viewing.user_id)
        .scalar_subquery()
    )
    return (
        select_wide(
            Viewing.id,
            Viewing.movie_id,
            Movie.title,
            Movie.year,
            Viewing.watched_on,
            Viewing.rewatch,
            score,
            Viewing.review,
            *extra,
        )
        .join(Movie, col(Movie.id) == Viewing.movie_id)
        .where(Viewing.user_id == user_id)
    )


class Diary(Repository):
    """A user's viewings: logging, listing, deleting, rewatches, the year in review."""

    def _public(
        self, user_id: int, user: str, rows: Sequence[tuple[Any, ...]]
    ) -> list[ViewingPublic]:
        tags = Tags(self.session).tags_by_movie(
            user_id=user_id, movie_ids=list({r[1] for r in rows})
        )
        return [
            ViewingPublic(
                id=r[0],
                movie_id=r[1],
                title=r[2],
                year=r[3],
                user=user,
                watched_on=r[4].isoformat() if r[4] is not None else None,
                rewatch=bool(r[5]),
                score=r[6],
                review=r[7],
                tags=tags[r[1]],
            )
            for r in rows
        ]

    def log_viewing(
        self,
        *,
        movie: Movie,
        user: Account,
        watched_on: date | None,
        rewatch: bool = False,
        review: str | None = None,
        tags: Sequence[str] = (),
    ) -> ViewingPublic:
        """Log a viewing; it leaves the user's watchlist. A viewing after another of the same
        film (by date, see mark_rewatches) is a rewatch whatever `rewatch` says; a
        back-filled older one makes the later ones rewatches."""

        assert movie.id is not None
        user_id = user.id
        viewing = Viewing(
            movie_id=movie.id,
            user_id=user_id,
            watched_on=watched_on,
            rewatch=rewatch,
            review=review,
        )
        from moviecli.store.repo.watchlist import Watchlist

        self.session.add(viewing)
        Watchlist(self.session).leave_watchlist(pairs=[(user_id, movie.id)])
        self.session.flush()
        self.mark_rewatches(user_ids=[user_id])
        Tags(self.session).tag_movie(movie_id=movie.id, user_id=user_id, tags=tags)
        rows = self.session.exec(_query(user_id).where(Viewing.id == viewing.id)).all()
        return self._public(user_id, user.name, rows)[0]

    def mark_rewatches(self, *, user_ids: Sequence[int]) -> None:
        """After viewings were added: a viewing with an earlier one of the same film is a
        rewatch, by date and not by the order of logging (a back-filled older viewing makes
        the newer one the rewatch). An undated viewing ("watched, date unknown") and one on
        the same day keep their place in the order of logging. Only ever sets the mark: the
        first viewing keeps its own (`watch --rewatch`)."""
        users = sorted(set(user_ids))
        if not users:
            return
        this = _viewings
        other = _viewings.alias("e")
        undated = or_(other.c.watched_on.is_(None), this.c.watched_on.is_(None))
        earlier = exists().where(
            other.c.user_id == this.c.user_id,
            other.c.movie_id == this.c.movie_id,
            other.c.id != this.c.id,
            or_(
                and_(undated, other.c.id < this.c.id),
                and_(
                    ~undated,
                    or_(
                        other.c.watched_on < this.c.watched_on,
                        and_(other.c.watched_on == this.c.watched_on, other.c.id < this.c.id),
                    ),
                ),
            ),
        )
        self.session.connection().execute(
            update(this)
            .where(this.c.user_id == bindparam("user"), this.c.rewatch == false(), earlier)
            .values(rewatch=True),
            [{"user": user} for user in users],
        )

    def list_viewings(self, **arguments: Any) -> list[ViewingPublic]:
        return list(self.iter_viewings(**arguments))

    def iter_viewings(
        self,
        *,
        user: str,
        start: date | None = None,
        end: date | None = None,
        movie_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> Iterator[ViewingPublic]:
        """The user's viewings, newest first (undated ones last), from `start` to before `end`,
        streamed from the database in chunks (`limit` 0: all of them, in bounded memory)."""
        user_id = Users(self.session).id_of(user)
        if user_id is None:
            return iter(())
        query = _query(user_id)
        if start is not None:
            query = query.where(col(Viewing.watched_on) >= start)
        if end is not None:
            query = query.where(col(Viewing.watched_on) < end)
        if movie_id is not None:
            query = query.where(Viewing.movie_id == movie_id)
        query = query.order_by(col(Viewing.watched_on).desc().nulls_last(), col(Viewing.id).desc())
        query = query.offset(offset)
        if limit:
            query = query.limit(limit)
        result = self.session.exec(query.execution_options(yield_per=1000))
        return (
            viewing
            for chunk in result.partitions()
            for viewing in self._public(user_id, user, chunk)
        )

    def delete_viewing(self, *, user: str, viewing_id: int) -> ViewingPublic:
        user_id = Users(self.session).id_of(user)
        rows = (
            self.session.exec(_query(user_id).where(Viewing.id == viewing_id)).all()
            if user_id is not None
            else []
        )
        if not rows or user_id is None:
            raise NotFoundError(f"{user} has no diary entry {viewing_id}")
        public = self._public(user_id, user, rows)[0]
        self.session.exec(delete(Viewing).where(col(Viewing.id) == viewing_id))
        return public

    def year_review(self, *, user: str, year: int, top: int = 5) -> YearReview:
        """What the user watched in `year`, from the diary: counts, hours, months, genres,
        people, their average score of those films and the best film seen for the first time."""
        user_id = Users(self.session).id_of(user)
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        rows = (
            self.session.exec(
                _query(user_id, Movie.runtime_minutes)
                .where(col(Viewing.watched_on) >= start, col(Viewing.watched_on) < end)
                .order_by(col(Viewing.watched_on), col(Viewing.id))
            ).all()
            if user_id is not None
            else []
        )
        months = Counter(r[4].month for r in rows)
        films = {r[1] for r in rows}
        new = [r for r in rows if not r[5]]
        minutes = sum(r[8] or 0 for r in rows)
        scores = {r[1]: r[6] for r in rows if r[6] is not None}
        genres: Counter[str] = Counter()
        people: Counter[tuple[str, str]] = Counter()
        if films:
            # Viewings per genre / person: a film watched twice counts twice.
            per_film = Counter(r[1] for r in rows)
            for movie_id, name in self.session.exec(
                select(MovieGenre.movie_id, Genre.name)
                .join(Genre, col(Genre.id) == MovieGenre.genre_id)
                .where(col(MovieGenre.movie_id).in_(films))
            ):
                genres[name] += per_film[movie_id]
            for movie_id, name, role in self.session.exec(
                select(MoviePerson.movie_id, Person.name, MoviePerson.role)
                .join(Person, col(Person.id) == MoviePerson.person_id)
                .where(col(MoviePerson.movie_id).in_(films))
            ):
                people[(name, role)] += per_film[movie_id]
        best = None
        rated_new = [r for r in new if r[6] is not None]
        if rated_new and user_id is not None:
            top_row = max(rated_new, key=lambda r: (r[6], -r[4].toordinal(), -r[0]))
            best = self._public(user_id, user, [top_row[:8]])[0]
        return YearReview(
            user=user,
            year=year,
            viewings=len(rows),
            films=len(films),
            new=len(new),
            rewatched=len(rows) - len(new),
            hours=round(minutes / 60, 1),
            months=[
                MonthCount(month=f"{year}-{m:02d}", films=months.get(m, 0)) for m in range(1, 13)
            ],
            top_genres=sorted(genres.items(), key=lambda kv: (-kv[1], kv[0]))[:top],
            top_people=[
                (name, role, n)
                for (name, role), n in sorted(people.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
            ],
            average_rating=round(sum(scores.values()) / len(scores), 2) if scores else None,
            best_new=best,
        )


def seen_filter(movie_id: Any, user_id: Any) -> ColumnElement[bool]:
    """The one meaning of "seen": the user logged a viewing of the film or rated it (as
    the recommender reads it)."""
    return or_(
        exists().where(Viewing.movie_id == movie_id, Viewing.user_id == user_id),
        exists().where(Rating.movie_id == movie_id, Rating.user_id == user_id),
    )


def watched_filter(*, user_id: int | None) -> ColumnElement[bool]:
    return seen_filter(Movie.id, user_id)
