"""Bulk import into SQLite: ratings inserted in groups of rows per statement, straight
into the table on a first load (indexes off, rebuilt by one sort each afterwards), or
staged in a temporary table and merged with one INSERT ... ON CONFLICT otherwise.

The import runs with SQLite's per-row foreign key checks off (on a 25M-rating load
they were a third of the time); `check_references` checks once before commit."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement

from moviecli.errors import MoviecliError
from moviecli.store.bulk import BulkWriter, MergeCounts, staged_movies

# 4 values a row: 800 stays under the 999 variables older SQLite builds allow.
ROWS_PER_INSERT = 200
BULK_MERGE_ROWS = 100_000

# rated_at is stored as milliseconds since 1970. MovieLens chunks are staged as
# milliseconds already (integers); the per-row formats stage text timestamps,
# which SQLite converts here.
_RATED_AT = (
    "CASE typeof(rated_at) WHEN 'integer' THEN rated_at "
    "ELSE CAST(strftime('%s', rated_at) AS INTEGER) * 1000 "
    "+ CAST(substr(strftime('%f', rated_at), 4, 3) AS INTEGER) END"
)

# Of two ratings of one movie by one user in one import, the latest stays.
_LATEST_WINS = (
    "ON CONFLICT (user_id, movie_id) DO UPDATE SET score = excluded.score, "
    "rated_at = excluded.rated_at, review = excluded.review "
    "WHERE excluded.rated_at >= ratings.rated_at"
)


def rebuild_pays_off(new_ratings: int, held: int) -> bool:
    """Whether merging `new_ratings` into a catalog holding `held` ratings should drop
    the secondary indexes and sort them again afterwards. Inserting into them goes
    row by row in random order; one sort is cheaper once the import brings at least
    as many ratings as the catalog holds (README, Performance), and not worth it below
    BULK_MERGE_ROWS."""
    return new_ratings >= max(held, BULK_MERGE_ROWS)


class SqliteBulk(BulkWriter):
    raw: sqlite3.Connection

    def prepare(self, *, first_load: bool) -> None:
        # A bulk load appends pages in key order and the index builds bring their own
        # sort memory: a bigger cache did not make a 25M-rating import faster, only
        # bigger (README, Performance).
        self.execute("PRAGMA cache_size = -16384")
        self.execute("DROP TABLE IF EXISTS temp.import_ratings")
        self.execute(
            "CREATE TEMP TABLE import_ratings "
            "(movie_id INTEGER, score REAL, rated_at, user_id INTEGER, review TEXT)"
        )
        self.first_load = first_load
        self.text_times_staged = False
        self.dropped_indexes = self._drop_rating_indexes() if first_load else []

    def finish(self) -> None:
        self.execute("DROP TABLE temp.import_ratings")

    def interruptible(self) -> Any:
        return _interruptible(self.raw)

    # ------------------------------------------------------------ staging

    def stage_raw(self, flat: list[Any]) -> None:
        """Rows in groups of ROWS_PER_INSERT per statement: binding a whole group at
        once halves the driver's per-row cost."""
        width = 4 * ROWS_PER_INSERT
        whole = len(flat) - len(flat) % width
        self.raw.executemany(
            self._insert_sql(ROWS_PER_INSERT), [flat[i : i + width] for i in range(0, whole, width)]
        )
        if whole < len(flat):
            self.raw.execute(self._insert_sql((len(flat) - whole) // 4), flat[whole:])
        self.staged += len(flat) // 4

    def _insert_sql(self, rows: int) -> str:
        """Rows of (user_id, movie_id, score, Unix seconds), stored with milliseconds."""
        values = ", ".join(["(?, ?, ?, ? * 1000)"] * rows)
        if self.first_load:
            # A first load goes straight into the table (in key order, indexes off):
            # staging 25M rows first would write and read them all once more.
            return (
                f"INSERT INTO ratings (user_id, movie_id, score, rated_at) VALUES {values} "
                + _LATEST_WINS
            )
        return (
            f"INSERT INTO temp.import_ratings (user_id, movie_id, score, rated_at) VALUES {values}"
        )

    def stage_rows(self, rows: list[tuple[int, float, str, int, str | None]]) -> None:
        if rows:
            self.text_times_staged = True
            self.raw.executemany(
                "INSERT INTO temp.import_ratings (movie_id, score, rated_at, user_id, review) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            self.staged += len(rows)

    # ------------------------------------------------------------ merging

    def merge_ratings(self) -> MergeCounts:
        every_movie = True
        counts = MergeCounts()
        if self.first_load:
            counts = self._merge_into_empty()
        elif self.staged:
            counts, every_movie = self._merge_into_existing()
        if self.staged:
            counts.recount = "all" if every_movie else "staged"
        return counts

    def staged_movies(self) -> ColumnElement[bool]:
        return staged_movies("temp")

    def _drop_rating_indexes(self) -> list[tuple[str, str]]:
        """Take the secondary indexes off the ratings table for a bulk load;
        `_build_rating_indexes` builds them again, each by one sort (all in the
        import's transaction, so a failure or a kill leaves them as they were)."""
        indexes = self.rows(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'ratings' AND sql IS NOT NULL"
        )
        for name, _sql in indexes:
            self.execute(f'DROP INDEX "{name}"')
        return indexes

    def _build_rating_indexes(self, indexes: list[tuple[str, str]]) -> None:
        if not indexes:
            return
        # Let SQLite sort each index on every core (it sorts on one by default). Each
        # sorting thread takes as much memory as the page cache may (16 MiB, set in
        # prepare): a bigger cache raised the peak and was no faster.
        self.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 8)}")
        for _name, sql in indexes:
            self.execute(sql)
        self.execute("PRAGMA threads = 0")

    def _merge_into_empty(self) -> MergeCounts:
        """Finish a first load: ratings from per-row formats (staged) go in in key order,
        then the secondary indexes are built again."""
        self.execute(
            "INSERT INTO ratings (movie_id, user_id, score, rated_at, review) "
            f"SELECT movie_id, user_id, score, {_RATED_AT}, review "
            "FROM temp.import_ratings WHERE true ORDER BY user_id, movie_id, rated_at, rowid "
            + _LATEST_WINS
        )
        self._build_rating_indexes(self.dropped_indexes)
        if not self.staged:
            return MergeCounts()
        added = int(self.scalar("SELECT count(*) FROM ratings"))
        return MergeCounts(added=added, duplicates=max(self.staged - added, 0))

    def _merge_into_existing(self) -> tuple[MergeCounts, bool]:
        """Merge the staged ratings; also whether it touched most of the catalog (and
        rebuilt the indexes), so that every movie's aggregates are worth recomputing."""
        if self.text_times_staged:
            self.execute(
                f"UPDATE temp.import_ratings SET rated_at = {_RATED_AT} "
                "WHERE typeof(rated_at) = 'text'"
            )
        self.execute("CREATE INDEX temp.import_ratings_key ON import_ratings (user_id, movie_id)")
        # The EXISTS runs only for pairs listed more than once (a few in a big file).
        duplicates = self.execute(
            "DELETE FROM temp.import_ratings AS a WHERE (a.movie_id, a.user_id) IN "
            "(SELECT movie_id, user_id FROM temp.import_ratings GROUP BY user_id, movie_id "
            "HAVING count(*) > 1) AND EXISTS (SELECT 1 FROM "
            "temp.import_ratings AS b WHERE b.movie_id = a.movie_id AND b.user_id = a.user_id "
            "AND (b.rated_at > a.rated_at OR (b.rated_at = a.rated_at AND b.rowid > a.rowid)))"
        ).rowcount
        staged, existing, unchanged, older = self.execute(
            "SELECT (SELECT count(*) FROM temp.import_ratings), count(r.movie_id), "
            "coalesce(sum(r.score = s.score AND r.rated_at = s.rated_at "
            "AND coalesce(s.review, r.review) IS r.review), 0), "
            "coalesce(sum(r.rated_at > s.rated_at), 0) "
            "FROM temp.import_ratings AS s JOIN ratings AS r "
            "ON r.movie_id = s.movie_id AND r.user_id = s.user_id"
        ).fetchone()
        counts = MergeCounts(
            added=staged - existing,
            unchanged=unchanged,
            replaced=existing - unchanged - older,
            older=older,
            duplicates=max(duplicates, 0),
        )
        held = self.scalar("SELECT coalesce(sum(rating_count), 0) FROM movies")
        indexes = self._drop_rating_indexes() if rebuild_pays_off(staged, held) else []
        self.execute(
            "INSERT INTO ratings (movie_id, user_id, score, rated_at, review) "
            "SELECT movie_id, user_id, score, rated_at, review FROM temp.import_ratings "
            "WHERE true ORDER BY user_id, movie_id "
            "ON CONFLICT (movie_id, user_id) DO UPDATE SET score = excluded.score, "
            "rated_at = excluded.rated_at, review = coalesce(excluded.review, ratings.review) "
            "WHERE excluded.rated_at >= ratings.rated_at AND (ratings.score <> excluded.score "
            "OR ratings.rated_at <> excluded.rated_at "
            "OR coalesce(excluded.review, ratings.review) IS NOT ratings.review)"
        )
        self._build_rating_indexes(indexes)
        return counts, bool(indexes)

    # ------------------------------------------------------------ references

    def check_references(
        self, *, movies: Iterable[int], users: Iterable[int], genres: Iterable[int]
    ) -> None:
        """Every movie, user and genre id the import wrote comes from the loader's maps,
        so the maps are checked against their tables, and the small tables it writes
        are checked whole."""
        if self.scalar("PRAGMA foreign_keys"):
            return
        for table, ids in (("movies", movies), ("users", users), ("genres", genres)):
            existing = {row_id for (row_id,) in self.rows(f"SELECT id FROM {table}")}
            if not existing.issuperset(ids):
                raise MoviecliError(f"import would leave ratings or tags without their {table}")
        for table in (
            "movie_genres",
            "external_ids",
            "tags",
            "viewings",
            "watchlist",
            "lists",
            "list_items",
            "movie_people",
        ):
            if self.execute(f"PRAGMA foreign_key_check({table})").fetchone() is not None:
                raise MoviecliError(f"import would leave {table} rows pointing at nothing")


@contextmanager
def _interruptible(db: sqlite3.Connection) -> Iterator[None]:
    """Let Ctrl-C stop a long SQL statement (a 25-million-row merge runs for a minute
    inside SQLite, where Python's own handler only runs once it returns): a thread
    woken by the signal calls `interrupt()`, and the interrupted statement becomes
    the KeyboardInterrupt it was meant to be."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except ValueError:
        os.close(read_end)
        os.close(write_end)
        yield
        return

    def watch() -> None:
        while data := os.read(read_end, 64):
            if signal.SIGINT in data:
                db.interrupt()
            if 0 in data:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    except sqlite3.OperationalError as error:
        if "interrupt" in str(error).lower():
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.set_wakeup_fd(previous)
        os.write(write_end, b"\0")
        watcher.join(timeout=5)
        os.close(read_end)
        os.close(write_end)
