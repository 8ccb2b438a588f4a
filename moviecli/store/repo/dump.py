"""Every row of the catalog, streamed in a stable order, for the exports.

Rows come back as the driver gives them (timestamps as stored: milliseconds since
1970 for ratings; text on SQLite and datetimes on PostgreSQL for the others), a
few thousand at a time, so a 25-million-rating catalog never sits in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moviecli.store.repo._base import Repository

# Each film's IMDb id (the first, when a film has two), for the Letterboxd export.
_IMDB_IDS = (
    "(SELECT movie_id, min(value) AS imdb FROM external_ids WHERE source = 'imdb' "
    "GROUP BY movie_id)"
)

QUERIES = {
    "genres": "SELECT id, name FROM genres ORDER BY id",
    "users": "SELECT id, name FROM users ORDER BY id",
    "movies": (
        "SELECT id, title, year, original_title, runtime_minutes, director, created_at, "
        "updated_at FROM movies ORDER BY id"
    ),
    "movie_genres": (
        "SELECT mg.movie_id, g.name FROM movie_genres AS mg JOIN genres AS g "
        "ON g.id = mg.genre_id ORDER BY mg.movie_id, g.name"
    ),
    "external_ids": (
        "SELECT movie_id, source, value FROM external_ids ORDER BY movie_id, source, value"
    ),
    "ratings": (
        "SELECT movie_id, user_id, score, review, rated_at FROM ratings ORDER BY movie_id, user_id"
    ),
    "tags": "SELECT movie_id, user_id, tag, tagged_at FROM tags ORDER BY id",
    "people": "SELECT id, name FROM people ORDER BY id",
    "movie_people": (
        "SELECT movie_id, role, person_id, position FROM movie_people "
        "ORDER BY movie_id, role, position, person_id"
    ),
    "viewings": (
        "SELECT id, movie_id, user_id, watched_on, rewatch, review, created_at FROM viewings "
        "ORDER BY id"
    ),
    "watchlist": (
        "SELECT user_id, movie_id, added_at, note FROM watchlist ORDER BY user_id, added_at, "
        "movie_id"
    ),
    "lists": "SELECT id, user_id, name, description, ranked, created_at FROM lists ORDER BY id",
    "list_items": (
        "SELECT list_id, movie_id, position, note, added_at FROM list_items "
        "ORDER BY list_id, position, movie_id"
    ),
    # Letterboxd's import CSV, for one user (:user): their viewings, oldest first
    # (undated ones first), then the films they rated and never logged.
    # Each film's IMDb id comes from one grouped pass over external_ids joined in, not
    # a subquery per row: SQLite answered that one from the (source, value) key,
    # scanning every IMDb id for each viewing (35 s for 100,000 viewings).
    "letterboxd_viewings": (
        "SELECT v.movie_id, m.title, m.year, e.imdb, v.watched_on, v.rewatch, v.review, "
        "r.score, r.review FROM viewings AS v JOIN movies AS m ON m.id = v.movie_id "
        f"LEFT JOIN {_IMDB_IDS} AS e ON e.movie_id = v.movie_id "
        "LEFT JOIN ratings AS r ON r.movie_id = v.movie_id AND r.user_id = v.user_id "
        "WHERE v.user_id = :user ORDER BY v.watched_on IS NOT NULL, v.watched_on, v.id"
    ),
    "letterboxd_rated": (
        "SELECT r.movie_id, m.title, m.year, e.imdb, NULL, false, NULL, r.score, r.review "
        "FROM ratings AS r JOIN movies AS m ON m.id = r.movie_id "
        f"LEFT JOIN {_IMDB_IDS} AS e ON e.movie_id = r.movie_id WHERE r.user_id = :user "
        "AND NOT EXISTS (SELECT 1 FROM viewings AS v WHERE v.movie_id = r.movie_id "
        "AND v.user_id = r.user_id) ORDER BY m.title_key, m.year, r.movie_id"
    ),
    "letterboxd_tags": "SELECT movie_id, tag FROM tags WHERE user_id = :user ORDER BY id",
    "ratings_with_titles": (
        "SELECT r.movie_id, m.title, m.year, u.name, r.score, r.review, r.rated_at "
        "FROM ratings AS r JOIN movies AS m ON m.id = r.movie_id "
        "JOIN users AS u ON u.id = r.user_id "
        "ORDER BY m.title_key, m.year, r.movie_id, u.name"
    ),
}


class Dump(Repository):
    """The exports' reads: every row of a table in a stable order, streamed."""

    def stream(self, *, name: str, user_id: int | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of one of QUERIES, streamed (a server-side cursor on PostgreSQL);
        `user_id` for the queries of one user."""
        connection = self.session.connection().execution_options(
            stream_results=True, yield_per=5000
        )
        if user_id is None:
            rows = connection.exec_driver_sql(QUERIES[name])
        else:
            from sqlalchemy import text

            rows = connection.execute(text(QUERIES[name]), {"user": user_id})
        for row in rows:
            yield tuple(row)
