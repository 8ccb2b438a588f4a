"""Rankings, catalog statistics and the care of the file (`db check`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, func, inspect, or_, select as core_select
from sqlmodel import col, select

from moviecli import ranking
from moviecli.models import (
    CatalogStats,
    Genre,
    Movie,
    MovieGenre,
    Rating,
    TopRow,
    User,
    all_tables,
)
from moviecli.rules import score_histogram
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import select_wide
from moviecli.store.repo.movies import Movies

RankBy = Literal["weighted", "mean"]


# ---------------------------------------------------------------- rankings and stats


class Stats(Repository):
    """The catalog's figures: its mean, the top list, stats, the integrity check."""

    def catalog_mean(self) -> float | None:
        total, count = self.session.exec(
            select(
                func.coalesce(func.sum(Movie.rating_sum), 0),
                func.coalesce(func.sum(Movie.rating_count), 0),
            )
        ).one()
        return total / count if count else None

    def default_min_ratings(self) -> int:
        """`top`'s m when --min-ratings is not given: ranking.prior_count, rounded."""
        total, rated = self.session.exec(
            select(
                func.coalesce(func.sum(Movie.rating_count), 0),
                func.count(),
            ).where(col(Movie.rating_count) > 0)
        ).one()
        return max(1, round(ranking.prior_count(total, rated)))

    def top_rated(
        self,
        *,
        limit: int = 10,
        genre: str | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
        min_ratings: int = 1,
        by: RankBy = "weighted",
    ) -> Iterator[TopRow]:
        """The best movies by the weighted (Bayesian) or plain mean, from the stored aggregates,
        streamed from the database in chunks (`limit` 0: all of them, in bounded memory)."""
        c = self.catalog_mean()
        if c is None:
            return iter(())
        score_sum = col(Movie.rating_sum)
        count = col(Movie.rating_count)
        if by == "weighted":
            score = ranking.weighted_rating(score_sum, count, min_ratings, c)
        else:
            score = ranking.mean_rating(score_sum, count)
        conditions: list[ColumnElement[bool]] = [count >= max(min_ratings, 1)]
        if genre:
            conditions.append(Movies(self.session).genre_filter(genre))
        if from_year is not None:
            conditions.append(col(Movie.year) >= from_year)
        if to_year is not None:
            conditions.append(col(Movie.year) <= to_year)
        query = (
            select(Movie, score.label("score"))
            .where(*conditions)
            .order_by(score.desc(), count.desc(), col(Movie.title_key), col(Movie.id))
        )
        if limit:
            query = query.limit(limit)
        return self._top_rows(query)

    def _top_rows(self, query: Any) -> Iterator[TopRow]:
        rank = 0
        for chunk in self.session.exec(query.execution_options(yield_per=1000)).partitions():
            genres = Movies(self.session).genres_by_movie(movie_ids=[m.id for m, _ in chunk])
            for movie, value in chunk:
                rank += 1
                yield TopRow(
                    rank=rank,
                    id=movie.id,
                    title=movie.title,
                    year=movie.year,
                    genres=genres[movie.id],
                    average_rating=round(movie.rating_sum / movie.rating_count, 2),
                    rating_count=movie.rating_count,
                    score=round(value, 4),
                )

    def catalog_stats(self, *, top_genres: int = 10) -> CatalogStats:
        movies = self.session.exec(select(func.count()).select_from(Movie)).one()
        rated = self.session.exec(
            select(func.count()).select_from(Movie).where(Movie.rating_count > 0)
        ).one()
        users = self.session.exec(select(func.count()).select_from(User)).one()
        genres = self.session.exec(select(func.count()).select_from(Genre)).one()
        ratings = self.session.exec(select(func.coalesce(func.sum(Movie.rating_count), 0))).one()
        histogram = score_histogram(
            self.session.exec(select(Rating.score, func.count()).group_by(col(Rating.score)))
        )
        genre_counts = [
            (name, count)
            for name, count in self.session.exec(
                select(Genre.name, func.count(col(MovieGenre.movie_id)))
                .join(MovieGenre, col(MovieGenre.genre_id) == Genre.id)
                .group_by(Genre.name)
                .order_by(func.count(col(MovieGenre.movie_id)).desc(), Genre.name)
                .limit(top_genres)
            )
        ]
        return CatalogStats(
            movies=movies,
            ratings=ratings,
            users=users,
            genres=genres,
            rated_movies=rated,
            average_rating=(lambda m: round(m, 2) if m is not None else None)(self.catalog_mean()),
            histogram=histogram,
            top_genres=genre_counts,
        )

    def integrity_problems(self) -> list[str]:
        """What `db check` reports: SQLite's own checks, then our aggregates against the ratings."""
        problems: list[str] = []
        bind = self.session.connection()
        if bind.dialect.name == "sqlite":
            result = [row[0] for row in bind.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                problems.extend(f"integrity: {line}" for line in result[:20])
        problems.extend(self._missing_references())
        from moviecli.store.repo.ratings import rating_totals

        recomputed = rating_totals()
        mismatched = self.session.exec(
            select_wide(
                Movie.id,
                Movie.title,
                Movie.rating_count,
                Movie.rating_sum,
                recomputed.c.n,
                recomputed.c.s,
            )
            .outerjoin(recomputed, recomputed.c.movie_id == Movie.id)
            .where(
                or_(
                    col(Movie.rating_count) != func.coalesce(recomputed.c.n, 0),
                    col(Movie.rating_sum) != func.coalesce(recomputed.c.s, 0),
                )
            )
            .limit(20)
        )
        for movie_id, title, count, total, n, s in mismatched:
            problems.append(
                f"aggregates: movie {movie_id} '{title}' stores {count} ratings summing {total}, "
                f"its ratings are {n or 0} summing {s or 0}"
            )
        return problems

    def _missing_references(self, *, limit: int = 20) -> list[str]:
        """Rows pointing nowhere, named by their key, on either engine. (SQLite's own
        foreign_key_check says "row None" for a WITHOUT ROWID table such as ratings;
        PostgreSQL enforces foreign keys, but a superuser can switch them off or load around
        them.)"""
        found: list[str] = []
        present = set(inspect(self.session.connection()).get_table_names())
        for table in all_tables().sorted_tables:
            for constraint in table.foreign_key_constraints:
                parent = constraint.referred_table
                if not {table.name, parent.name} <= present:  # an older revision
                    continue
                pairs = [(element.parent, element.column) for element in constraint.elements]
                orphan = core_select(*table.primary_key.columns).where(
                    and_(*(child.is_not(None) for child, _ in pairs)),
                    ~exists().where(and_(*(p == child for child, p in pairs))).correlate(table),
                )
                names = [column.name for column in table.primary_key.columns]
                for row in self.session.connection().execute(orphan.limit(limit - len(found))):
                    key = ", ".join(
                        f"{name}={value}" for name, value in zip(names, row, strict=True)
                    )
                    found.append(
                        f"foreign key: table {table.name} row ({key}) points to a missing "
                        f"{parent.name} row; restore a backup "
                        "(db upgrade keeps one beside the file)"
                    )
                if len(found) >= limit:
                    return found
        return found


# ---------------------------------------------------------------- care of the file
