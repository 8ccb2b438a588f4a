"""Bulk writes for imports: a narrow, generic facility, one implementation per engine.
It knows tables and rows, not what they mean: every rule about meaning (a person's
identity, a watched film leaving the watchlist, rewatches, the aggregates, the ratings
stamp) lives once in the repositories (store/repo), which the loader calls as single
writes do, after `flush()`.

The loader (moviecli/importers/load.py) reads, matches and counts; everything it
writes goes through a `BulkWriter`, inside the command's single transaction:

    maps = bulk.begin()                   what the catalog holds (ids to match against)
    bulk.insert(table, values, id)        one row (with a preferred id, kept when free)
    bulk.movie_gaps / update_movie        what a matched movie lacks; fill it
    bulk.link_genres / add_external_id    rows of a link table
    bulk.stage_raw / stage_rows           ratings, in chunks, into a staging area
    bulk.csv_ratings()                    or ratings.csv's bytes, parsed by the server
    bulk.merge_ratings()                  the staged merge (of one user's ratings of one
                                          movie the latest wins); says what to recount
    bulk.add_tags / add_viewings / add_watchlist / add_list_item   many rows, duplicates
                                          ignored where the key says so
    bulk.check_references(...)            before commit, where per-row checks were off
    bulk.finish()                         drop the staging area, advance sequences

SQLite (sqlite.py) and PostgreSQL (postgres.py) each implement the staging and the
merge their own fastest way; the small per-row statements are shared here, written
once with `?` placeholders and run on the driver's cursor (SQLAlchemy Core per row
cost seconds on a 62,000-movie MovieLens import)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from moviecli.rules import genre_key

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from moviecli.store.bulk.postgres_csv import CsvRatings

FLUSH_ROWS = 50_000


class CopyRefused(Exception):
    """The server could not parse the bytes of a file it was given (a row of three
    fields, a stray carriage return, text that is not UTF-8): nothing of them was kept,
    and the file is to be read row by row."""


@dataclass
class IdMaps:
    """What the catalog already holds, loaded once at the start of an import."""

    external: dict[str, dict[str, int]] = field(default_factory=dict)
    by_title: dict[tuple[str, int | None], list[int]] = field(default_factory=dict)
    genres: dict[str, int] = field(default_factory=dict)  # rules.genre_key(name) -> id
    ratings_were_empty: bool = True


@dataclass
class MergeCounts:
    """What merging the staged ratings did."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    older: int = 0  # staged ratings older than the catalog's: the catalog's kept
    duplicates: int = 0  # listed twice in this import: the latest kept
    # Which movies' aggregates the merge left for the repositories to recount
    # (store/repo/ratings.recount_aggregates): none, every movie, or the staged ratings'.
    recount: Literal["none", "all", "staged"] = "none"


@dataclass
class MovieGaps:
    original_title: str | None
    runtime_minutes: int | None
    director: str | None
    has_genres: bool
    sources: set[str]


class BulkWriter:
    """Shared per-row statements; subclasses stage and merge ratings."""

    placeholder = "?"

    def __init__(self, session: Any) -> None:
        self.connection = session.connection()
        self.raw = self.connection.connection.driver_connection
        self.cursor = self.raw.cursor()
        self.staged = 0
        self._sql: dict[str, str] = {}

    # ------------------------------------------------------------ plumbing

    def sql(self, text: str) -> str:
        if self.placeholder == "?":
            return text
        cached = self._sql.get(text)
        if cached is None:
            cached = self._sql[text] = text.replace("?", self.placeholder)
        return cached

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        self.cursor.execute(self.sql(text), params)
        return self.cursor

    def rows(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.execute(text, params).fetchall())

    def scalar(self, text: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(text, params).fetchone()
        return None if row is None else row[0]

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.sql(text), rows)

    # ------------------------------------------------------------ life cycle

    def begin(self) -> IdMaps:
        """Prepare the staging area; the catalog's ids to match against."""
        maps = self.load_maps()
        self.prepare(first_load=maps.ratings_were_empty)
        return maps

    def prepare(self, *, first_load: bool) -> None:
        raise NotImplementedError

    def interruptible(self) -> AbstractContextManager[None]:
        """A context in which Ctrl-C stops a long statement at once."""
        return nullcontext()

    def finish(self) -> None:
        raise NotImplementedError

    def load_maps(self) -> IdMaps:
        maps = IdMaps()
        for source, value, movie_id in self.execute(
            "SELECT source, value, movie_id FROM external_ids"
        ):
            maps.external.setdefault(source, {})[value] = movie_id
        for movie_id, key, year in self.execute(
            "SELECT id, title_key, year FROM movies ORDER BY id"
        ):
            maps.by_title.setdefault((key, year), []).append(movie_id)
        maps.genres = {
            genre_key(name): genre_id for genre_id, name in self.rows("SELECT id, name FROM genres")
        }
        maps.ratings_were_empty = self.scalar("SELECT 1 FROM ratings LIMIT 1") is None
        return maps

    # ------------------------------------------------------------ movies, users, genres

    def insert(self, table: str, values: dict[str, Any], preferred_id: int | None) -> int:
        """Insert one row, with `preferred_id` as its id when no row holds that id yet
        (an export keeps its ids); the new row's id."""
        if preferred_id is not None and not self._id_taken(table, preferred_id):
            values = {"id": preferred_id, **values}
            self.explicit_ids = True
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        new_id = self.scalar(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id",
            tuple(values.values()),
        )
        assert isinstance(new_id, int)
        return new_id

    explicit_ids = False

    def ids_given(self) -> None:
        """Rows were written with ids of their own (outside `insert`): the sequences are
        to be advanced at the end."""
        self.explicit_ids = True

    def _id_taken(self, table: str, row_id: int) -> bool:
        return self.scalar(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)) is not None

    def movie_key(self, movie_id: int) -> tuple[str, int | None] | None:
        row = self.execute(
            "SELECT title_key, year FROM movies WHERE id = ?", (movie_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def movie_gaps(self, movie_id: int) -> MovieGaps:
        original, runtime, director = self.execute(
            "SELECT original_title, runtime_minutes, director FROM movies WHERE id = ?",
            (movie_id,),
        ).fetchone()
        has_genres = (
            self.scalar("SELECT 1 FROM movie_genres WHERE movie_id = ? LIMIT 1", (movie_id,))
            is not None
        )
        sources = {
            s
            for (s,) in self.rows("SELECT source FROM external_ids WHERE movie_id = ?", (movie_id,))
        }
        return MovieGaps(original, runtime, director, has_genres, sources)

    def update_movie(self, movie_id: int, changes: dict[str, Any], now: str) -> None:
        sets = "".join(f"{column} = ?, " for column in changes)
        self.execute(
            f"UPDATE movies SET {sets}updated_at = ? WHERE id = ?",
            (*changes.values(), now, movie_id),
        )

    def add_credits(self, rows: Sequence[tuple[int, str, int, int]]) -> None:
        """(movie_id, role, person_id, position) rows, as moviecli's own export has them."""
        self.executemany(
            "INSERT INTO movie_people (movie_id, role, person_id, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            rows,
        )

    def link_genres(self, rows: Sequence[tuple[int, int]]) -> None:
        self.executemany(
            "INSERT INTO movie_genres (movie_id, genre_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            rows,
        )

    def add_external_id(self, source: str, value: str, movie_id: int) -> None:
        self.execute(
            "INSERT INTO external_ids (source, value, movie_id) VALUES (?, ?, ?)",
            (source, value, movie_id),
        )

    # ------------------------------------------------------------ ratings

    def stage_raw(self, flat: list[Any]) -> None:
        """MovieLens rating chunks: [user_id, movie_id, score, Unix seconds, user_id, ...]."""
        raise NotImplementedError

    def stage_rows(self, rows: list[tuple[int, float, str, int, str | None]]) -> None:
        """Per-row formats: (movie_id, score, rated_at as canonical text, user_id, review)."""
        raise NotImplementedError

    def csv_ratings(self) -> CsvRatings | None:
        """Where the server itself can parse a MovieLens ratings.csv (PostgreSQL's
        COPY), its staging for that (postgres_csv.py); None where rows are staged."""
        return None

    def stage_lines(self, rows: list[tuple[int, int, int, float, int]]) -> None:
        """Ratings read beside a csv_ratings() staging: (line, user_id, movie_id, score,
        Unix seconds); the line orders them with the staged ones."""
        raise NotImplementedError

    def insert_users(self, names: list[str]) -> dict[str, int]:
        """New users, their ids given in the order of `names`; name -> id."""
        return {name: self.insert("users", {"name": name}, None) for name in names}

    def merge_ratings(self) -> MergeCounts:
        """Move the staged ratings into the catalog (the latest of one user's ratings of
        one movie wins) and make every touched movie's aggregates exact."""
        raise NotImplementedError

    # ------------------------------------------------------------ tags, references

    def add_tags(self, rows: Sequence[tuple[int, int, str, str]]) -> int:
        """(movie_id, user_id, tag, tagged_at) rows; the number actually added."""
        if not rows:
            return 0
        from moviecli.rules import text_key

        before = self.scalar("SELECT count(*) FROM tags")
        self.executemany(
            "INSERT INTO tags (movie_id, user_id, tag, tag_key, tagged_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (movie_id, user_id, tag) DO NOTHING",
            [(m, u, tag, text_key(tag), at) for m, u, tag, at in rows],
        )
        return int(self.scalar("SELECT count(*) FROM tags")) - int(before)

    # ------------------------------------------------------------ diary, watchlist, lists

    def viewings_of(self, user_ids: Sequence[int]) -> list[tuple[int, int, int, Any, Any]]:
        """(id, user_id, movie_id, watched_on, created_at) of every viewing of these users;
        watched_on and created_at as the driver gives them (text on SQLite, a date and a
        datetime on PostgreSQL), watched_on None when undated."""
        found: list[tuple[int, int, int, Any, Any]] = []
        for user_id in user_ids:
            found += self.rows(
                "SELECT id, user_id, movie_id, watched_on, created_at FROM viewings "
                "WHERE user_id = ?",
                (user_id,),
            )
        return found

    def add_viewings(
        self, rows: Sequence[tuple[int, int, str | None, bool, str | None, str]]
    ) -> None:
        """(movie_id, user_id, watched_on, rewatch, review, created_at) rows, all new
        (the loader decided which are)."""
        self.executemany(
            "INSERT INTO viewings (movie_id, user_id, watched_on, rewatch, review, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def add_watchlist(self, rows: Sequence[tuple[int, int, str, str | None]]) -> int:
        """(user_id, movie_id, added_at, note) rows; the number actually added (a film
        already on the watchlist keeps its entry)."""
        if not rows:
            return 0
        before = int(self.scalar("SELECT count(*) FROM watchlist"))
        self.executemany(
            "INSERT INTO watchlist (user_id, movie_id, added_at, note) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, movie_id) DO NOTHING",
            rows,
        )
        return int(self.scalar("SELECT count(*) FROM watchlist")) - before

    def add_list_item(
        self, list_id: int, movie_id: int, position: int, note: str | None, added_at: str
    ) -> bool:
        """Whether the film was added (False: it is on the list already)."""
        return (
            self.execute(
                "INSERT INTO list_items (list_id, movie_id, position, note, added_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (list_id, movie_id) DO NOTHING "
                "RETURNING movie_id",
                (list_id, movie_id, position, note, added_at),
            ).fetchone()
            is not None
        )

    # ------------------------------------------------------------ references

    def check_references(
        self, *, movies: Iterable[int], users: Iterable[int], genres: Iterable[int]
    ) -> None:
        """Where the import ran without per-row foreign key checks, check before commit
        that every id it wrote exists (MoviecliError if not). PostgreSQL checks each row."""

    def flush(self) -> None:
        """Send what the writer holds back (PostgreSQL's write-behind), so that statements
        run outside it (the repositories') see every row written so far."""

    def staged_movies(self) -> ColumnElement[bool]:
        """A condition on Rating: its movie is one of the staged ratings'."""
        raise NotImplementedError


def staged_movies(schema: str) -> ColumnElement[bool]:
    """A condition on Rating: its movie is one of those in the staging table."""
    from sqlalchemy import column, select, table
    from sqlmodel import col

    from moviecli.models import Rating

    staging = table("import_ratings", column("movie_id"), schema=schema)
    return col(Rating.movie_id).in_(select(staging.c.movie_id))


def bulk_writer(session: Any) -> BulkWriter:
    """The writer for the session's engine."""
    if session.connection().dialect.name == "sqlite":
        from moviecli.store.bulk.sqlite import SqliteBulk

        return SqliteBulk(session)
    from moviecli.store.bulk.postgres import PostgresBulk

    return PostgresBulk(session)
