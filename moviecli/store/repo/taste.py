"""The reads behind `recommend`, `taste` and `recommend --evaluate`.

Plain SQLAlchemy Core on the command's session, the same on SQLite and PostgreSQL.
Ratings are read in bulk, in chunks of plain tuples, for the model to turn into arrays;
everything else reads a few rows per film or per user."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, column, func, select, table

from moviecli.models import (
    Genre,
    Movie,
    MovieGenre,
    MoviePerson,
    Rating,
    User,
    Viewing,
    WatchlistItem,
)
from moviecli.store.repo import stamp
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import core_table

_movies = core_table(Movie)
_ratings = core_table(Rating)
_users = core_table(User)
_genres = core_table(Genre)
_movie_genres = core_table(MovieGenre)
_movie_people = core_table(MoviePerson)
_viewings = core_table(Viewing)
_watchlist = core_table(WatchlistItem)

# On a shared PostgreSQL catalog every score counts, but a member sees the rater only
# where privacy allows (else a pseudonym): the view rating_scores (migration 0007).
_rating_scores = table(
    "rating_scores", column("user_id", Integer), column("movie_id", Integer), column("score")
)


class Taste(Repository):
    """The recommender's bulk reads of ratings, films and users."""

    def _scores(self) -> str:
        """Where the models read every rating from: the table, or on PostgreSQL the view."""
        return (
            "rating_scores" if self.session.get_bind().dialect.name == "postgresql" else "ratings"
        )

    def catalog_identity(self) -> str:
        """Which catalog this is, for naming its model cache: the resolved file of a SQLite
        catalog, the URL without its password otherwise."""
        url = self.session.get_bind().engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            from pathlib import Path

            return "sqlite:" + str(Path(url.database).resolve())
        return url.render_as_string(hide_password=True)

    def fingerprint(self) -> Fingerprint:
        conn = self.session.connection()
        count, total = conn.execute(
            select(
                func.coalesce(func.sum(_movies.c.rating_count), 0),
                func.coalesce(func.sum(_movies.c.rating_sum), 0),
            )
        ).one()
        newest = conn.execute(select(func.max(_ratings.c.rated_at))).scalar()
        return Fingerprint(
            ratings=int(count),
            score_sum=float(total),
            newest=newest,
            stamp=stamp.read(session=self.session),
        )

    def user_ids(self) -> list[int]:
        conn = self.session.connection()
        return [row[0] for row in conn.execute(select(_users.c.id).order_by(_users.c.id))]

    def rated_movie_ids(self) -> list[int]:
        """Every film with at least one rating, by id."""
        conn = self.session.connection()
        query = select(_movies.c.id).where(_movies.c.rating_count > 0).order_by(_movies.c.id)
        return [row[0] for row in conn.execute(query)]

    def rating_chunks(self, *, with_times: bool) -> Iterator[list[tuple[Any, ...]]]:
        """All ratings as (user_id, movie_id, score[, rated_at ms]) tuples, CHUNK_ROWS at a time.

        Read through the driver's own cursor: SQLAlchemy's Row objects cost about ten times
        the driver's tuples on the way into numpy (README, Performance). On PostgreSQL the cursor
        is a named (server-side) one, so 25M rows never sit in memory at once."""
        columns = "user_id, movie_id, score, rated_at" if with_times else "user_id, movie_id, score"
        yield from self._driver_chunks(f"SELECT {columns} FROM {self._scores()}")

    def packable(self) -> bool:
        """Whether rating_chunks can pack: SQLite (on PostgreSQL a rater may be a pseudonym)
        and ids in range (film ids below 2³², user ids below 2²⁶)."""
        if self.session.get_bind().dialect.name != "sqlite":
            return False
        conn = self.session.connection()
        users = conn.execute(select(func.min(_users.c.id), func.max(_users.c.id))).one()
        movies = conn.execute(select(func.min(_movies.c.id), func.max(_movies.c.id))).one()
        return all(
            low is None or (low >= 0 and high < bound)
            for (low, high), bound in ((users, 1 << 26), (movies, 1 << 32))
        )

    def _driver_chunks(
        self, query: str, params: Sequence[Any] = ()
    ) -> Iterator[list[tuple[Any, ...]]]:
        driver = self.session.connection().connection.driver_connection
        assert driver is not None
        if self.session.get_bind().dialect.name == "postgresql":
            cursor = driver.cursor(name="moviecli_ratings")
        else:
            cursor = driver.cursor()
        try:
            if params:
                cursor.execute(query, params)
            else:
                cursor.execute(query)
            while chunk := cursor.fetchmany(CHUNK_ROWS):
                yield chunk
        finally:
            cursor.close()

    def packed_rating_chunks(self) -> Iterator[list[tuple[int]]]:
        """All ratings packed (PACK_USER, PACK_MOVIE), CHUNK_ROWS at a time; only when
        packable() says so."""
        packed = f"user_id * {PACK_USER} + movie_id * {PACK_MOVIE} + CAST(score * 2 AS INTEGER)"
        yield from self._driver_chunks(f"SELECT {packed} FROM ratings")

    def rating_times(self, *, user_ids: Sequence[int]) -> Iterator[list[tuple[int, ...]]]:
        """(user_id, movie_id, rated_at ms) of the ratings of these users (a few thousand:
        read by the ratings' key, which leads with the user), in chunks. SQLite (packable)."""
        for start in range(0, len(user_ids), TIMES_USERS):
            some = [int(u) for u in user_ids[start : start + TIMES_USERS]]
            marks = ", ".join("?" * len(some))
            query = f"SELECT user_id, movie_id, rated_at FROM ratings WHERE user_id IN ({marks})"
            yield from self._driver_chunks(query, some)

    def user_ratings(self, *, user_id: int) -> list[tuple[int, float]]:
        """(movie_id, score) of every film the user rated."""
        conn = self.session.connection()
        query = select(_ratings.c.movie_id, _ratings.c.score).where(_ratings.c.user_id == user_id)
        return [(m, float(s)) for m, s in conn.execute(query)]

    def seen_movie_ids(self, *, user_ids: Iterable[int]) -> set[int]:
        """The films these users have seen: rated, or logged in the diary. The one place that
        says what "seen" means."""
        conn = self.session.connection()
        ids = list(user_ids)
        rated = select(_ratings.c.movie_id).where(_ratings.c.user_id.in_(ids))
        viewed = select(_viewings.c.movie_id).where(_viewings.c.user_id.in_(ids))
        return {row[0] for row in conn.execute(rated.union(viewed))}

    def watchlist_movie_ids(self, *, user_ids: Iterable[int]) -> set[int]:
        """Films on any of these users' watchlists."""
        query = select(_watchlist.c.movie_id).where(_watchlist.c.user_id.in_(list(user_ids)))
        return {row[0] for row in self.session.connection().execute(query)}

    def matching_movie_ids(
        self,
        *,
        genre: str | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
    ) -> set[int] | None:
        """Ids of the films that pass the filters, or None when there is no filter."""
        if genre is None and from_year is None and to_year is None:
            return None
        query = select(_movies.c.id)
        if genre is not None:
            from moviecli.store.repo.movies import Movies

            genres = Movies(self.session).matching_genre_ids(genre=genre)
            query = query.where(
                _movies.c.id.in_(
                    select(_movie_genres.c.movie_id).where(_movie_genres.c.genre_id.in_(genres))
                )
            )
        if from_year is not None:
            query = query.where(_movies.c.year >= from_year)
        if to_year is not None:
            query = query.where(_movies.c.year <= to_year)
        return {row[0] for row in self.session.connection().execute(query)}

    def _genres_of(self, movie_ids: Sequence[int] | None) -> dict[int, list[str]]:
        query = select(_movie_genres.c.movie_id, _genres.c.name).join(
            _genres, _genres.c.id == _movie_genres.c.genre_id
        )
        if movie_ids is not None:
            query = query.where(_movie_genres.c.movie_id.in_(list(movie_ids)))
        out: dict[int, list[str]] = {}
        for movie_id, name in self.session.connection().execute(query.order_by(_genres.c.name)):
            out.setdefault(movie_id, []).append(name)
        return out

    def movie_cards(self, *, movie_ids: Iterable[int]) -> dict[int, MovieCard]:
        conn = self.session.connection()
        cards: dict[int, MovieCard] = {}
        for batch in _batches(movie_ids):
            genres = self._genres_of(batch)
            query = select(_movies.c.id, _movies.c.title, _movies.c.year).where(
                _movies.c.id.in_(batch)
            )
            for i, title, year in conn.execute(query):
                cards[i] = MovieCard(id=i, title=title, year=year, genres=genres.get(i, []))
        return cards

    def crowd_movies(self) -> list[CrowdMovie]:
        """Every film with its aggregates, genres and people (directors, writers and leading
        cast): the cold start's material. Features: "g:Drama", "p:42" (a person's id)."""
        conn = self.session.connection()
        features: dict[int, list[str]] = {
            movie_id: [f"g:{g}" for g in names] for movie_id, names in self._genres_of(None).items()
        }
        people = select(_movie_people.c.movie_id, _movie_people.c.person_id).where(
            (_movie_people.c.role != "cast") | (_movie_people.c.position < LEADING_CAST)
        )
        for movie_id, person_id in conn.execute(people):
            features.setdefault(movie_id, []).append(f"p:{person_id}")
        query = select(
            _movies.c.id,
            _movies.c.rating_count,
            _movies.c.rating_sum,
            _movies.c.year,
            _movies.c.runtime_minutes,
        ).order_by(_movies.c.id)
        return [
            CrowdMovie(
                movie_id,
                int(count),
                float(total),
                tuple(dict.fromkeys(features.get(movie_id, ()))),
                year,
                runtime,
            )
            for movie_id, count, total, year, runtime in conn.execute(query)
        ]

    def movie_aggregates(self, *, movie_ids: Iterable[int]) -> dict[int, tuple[int, float]]:
        """(rating_count, rating_sum) of each film, from the stored aggregates."""
        conn = self.session.connection()
        out: dict[int, tuple[int, float]] = {}
        for batch in _batches(movie_ids):
            query = select(_movies.c.id, _movies.c.rating_count, _movies.c.rating_sum).where(
                _movies.c.id.in_(batch)
            )
            out.update((i, (int(n), float(total))) for i, n, total in conn.execute(query))
        return out

    def ratings_of_movies(self, *, movie_ids: Iterable[int]) -> list[tuple[int, int, float]]:
        """(user_id, movie_id, score) of every rating of these films."""
        conn = self.session.connection()
        out: list[tuple[int, int, float]] = []
        for batch in _batches(movie_ids):
            source = _rating_scores if self._scores() == "rating_scores" else _ratings
            query = select(source.c.user_id, source.c.movie_id, source.c.score).where(
                source.c.movie_id.in_(batch)
            )
            out.extend((u, m, float(s)) for u, m, s in conn.execute(query))
        return out

    def user_names(self, *, user_ids: Iterable[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for batch in _batches(user_ids):
            query = select(_users.c.id, _users.c.name).where(_users.c.id.in_(batch))
            names.update(
                (user_id, name) for user_id, name in self.session.connection().execute(query)
            )
        return names


CHUNK_ROWS = 100_000
LEADING_CAST = 5  # the cast a film is known by, for the cold start


@dataclass(frozen=True)
class Fingerprint:
    """The state of the catalog's ratings, from cheap reads. The stamp changes with every
    rate, unrate, import or movie deletion (store/repo/stamp.py); count, sum and the
    newest time are kept beside it as a second guard."""

    ratings: int
    score_sum: float
    newest: int | None
    stamp: int

    def text(self) -> str:
        return f"{self.ratings}:{self.score_sum:.1f}:{self.newest}:{self.stamp}"


@dataclass(frozen=True)
class MovieCard:
    id: int
    title: str
    year: int | None
    genres: list[str]


@dataclass(frozen=True)
class CrowdMovie:
    """A film as the cold start sees it: its stored aggregates and what it is made of."""

    id: int
    rating_count: int
    rating_sum: float
    features: tuple[str, ...]  # "g:Drama", "p:42"
    year: int | None = None
    runtime: int | None = None


# A rating packed into one integer, user_id·2³⁶ + movie_id·16 + half stars: one Python
# object a row instead of three, 40% less CPU on the way into numpy (25M ratings: ~10 s).
PACK_USER = 1 << 36
PACK_MOVIE = 16
TIMES_USERS = 500  # user ids per query of rating_times


def _batches(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    """Ids in lists short enough for every driver's parameter limit."""
    values = list(ids)
    for start in range(0, len(values), size):
        yield values[start : start + size]
