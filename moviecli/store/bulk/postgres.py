"""Bulk import into PostgreSQL: ratings go to a temporary staging table with COPY
(executemany is ~40x slower there), then into the catalog with one
INSERT ... SELECT DISTINCT ON ... ON CONFLICT, and the catalog's triggers keep the
aggregates of the touched movies (one GROUP BY per statement). Foreign keys stay on
(PostgreSQL checks them per row; there is no session switch for that short of
superuser rights).

A first load into an empty ratings table drops the secondary indexes and builds them
again afterwards, as on SQLite: one sort each instead of 25M random inserts.

A MovieLens ratings.csv is not staged row by row at all: the server parses its bytes
(postgres_csv.py), and a first load inserts them with one DISTINCT ON sorted INSERT.
The small per-row inserts (movies, genres, ids) are kept and sent as one COPY per table
before the next other statement (postgres_behind.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from moviecli.rules import to_millis
from moviecli.store.bulk import BulkWriter, MergeCounts, staged_movies
from moviecli.store.bulk.postgres_behind import FLUSH_ROWS, WriteBehind
from moviecli.store.bulk.postgres_csv import CsvRatings, drop
from moviecli.store.catalog import NEXT_IDS_AS_SQLITE

_STAGED_COLUMNS = "user_id, movie_id, score, rated_at, review"
# The floor the benchmark measures us against takes the same (tests/benchmarks/postgres.py).
MAINTENANCE_WORK_MEM = "1GB"
WORK_MEM = "256MB"


def _millis(canonical: str) -> int:
    """'2024-03-31 20:15:00.123456' (naive UTC) -> milliseconds since 1970."""
    return to_millis(datetime.fromisoformat(canonical))


# Tables whose new rows may be kept and sent by COPY: none has row-level security
# (COPY FROM refuses a table that has; users and the personal tables do, 0007).
KEPT_TABLES = ("movies", "genres", "people")


class PostgresBulk(BulkWriter):
    placeholder = "%s"

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self.behind = WriteBehind(self.cursor)

    # ------------------------------------------------------------ per-row writes, kept

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        self.behind.flush()
        return super().execute(text, params)

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        self.behind.flush()
        super().executemany(text, rows)

    def flush(self) -> None:
        self.behind.flush()

    def staged_movies(self) -> ColumnElement[bool]:
        return staged_movies("pg_temp")

    def copy(self, statement: str) -> Any:
        self.behind.flush()
        return self.cursor.copy(statement)

    def insert(self, table: str, values: dict[str, Any], preferred_id: int | None) -> int:
        if preferred_id is not None or table not in KEPT_TABLES:
            return super().insert(table, values, preferred_id)
        new_id = self.behind.insert(table, values)
        self._bound()
        return new_id

    def link_genres(self, rows: Sequence[tuple[int, int]]) -> None:
        self.behind.link_genres(list(rows))
        self._bound()

    def add_external_id(self, source: str, value: str, movie_id: int) -> None:
        self.behind.add_external_id(source, value, movie_id)
        self._bound()

    def _bound(self) -> None:
        if self.behind.kept >= FLUSH_ROWS:
            self.behind.flush()

    # ------------------------------------------------------------ life cycle

    def prepare(self, *, first_load: bool) -> None:
        self.execute("DROP TABLE IF EXISTS pg_temp.import_ratings")
        # `seq` keeps the order rows arrived in: of two ratings of one film by one user
        # with the same time, the later line wins, as on SQLite.
        self.execute(
            "CREATE TEMP TABLE import_ratings (seq bigserial, user_id integer, "
            "movie_id integer, score double precision, rated_at bigint, review text) "
            "ON COMMIT DROP"
        )
        # The first-load path drops and rebuilds the ratings' key: only its owner may
        # (a member sees an empty ratings table when every rating is hidden from them).
        self.first_load = first_load and bool(
            self.scalar(
                "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = 'ratings'"
            )
        )
        self.csv: CsvRatings | None = None
        # For this transaction only: the sorts of a big import (the staged rows, the
        # key and the two indexes) in memory rather than in many runs on disk.
        self.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        self.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")

    def finish(self) -> None:
        self.execute("DROP TABLE IF EXISTS pg_temp.import_ratings")
        drop(self)
        if self.staged:
            # Fresh statistics, so that the next `show` plans with the new ratings
            # instead of waiting for autovacuum to notice them.
            self.execute("ANALYZE movies, ratings")
        if self.explicit_ids:
            # Rows that brought their own ids leave the sequences behind: the next `add`
            # would collide with them. The owner's function sees every row (0007).
            self.execute(NEXT_IDS_AS_SQLITE)

    # ------------------------------------------------------------ staging

    def stage_raw(self, flat: list[Any]) -> None:
        # Every value is an int or a float from our own mapping: no escaping needed.
        lines = [
            f"{flat[i]}\t{flat[i + 1]}\t{flat[i + 2]!r}\t{flat[i + 3]}000\t\\N\n"
            for i in range(0, len(flat), 4)
        ]
        with self.copy(f"COPY import_ratings ({_STAGED_COLUMNS}) FROM STDIN") as copy:
            copy.write("".join(lines))
        self.staged += len(lines)

    def stage_rows(self, rows: list[tuple[int, float, str, int, str | None]]) -> None:
        if not rows:
            return
        with self.copy(f"COPY import_ratings ({_STAGED_COLUMNS}) FROM STDIN") as copy:
            for movie_id, score, rated_at, user_id, review in rows:
                copy.write_row((user_id, movie_id, score, _millis(rated_at), review))
        self.staged += len(rows)

    def csv_ratings(self) -> CsvRatings:
        self.csv = CsvRatings(self)
        return self.csv

    def stage_lines(self, rows: list[tuple[int, int, int, float, int]]) -> None:
        if not rows:
            return
        with self.copy(
            "COPY import_ratings (seq, user_id, movie_id, score, rated_at) FROM STDIN"
        ) as copy:
            for line, user_id, movie_id, score, seconds in rows:
                copy.write_row((line, user_id, movie_id, score, seconds * 1000))
        self.staged += len(rows)

    def insert_users(self, names: list[str]) -> dict[str, int]:
        return {
            name: user_id
            for user_id, name in self.rows(
                "INSERT INTO users (name) SELECT name FROM unnest(%s::text[]) "
                "WITH ORDINALITY AS n (name, position) ORDER BY position RETURNING id, name",
                (names,),
            )
        }

    # ------------------------------------------------------------ merging

    def merge_ratings(self) -> MergeCounts:
        csv = self.csv
        if csv is not None and csv.staged:
            self.staged += csv.staged
            if not self.first_load:
                # Into the row staging, and on as with rows (an ON CONFLICT merge).
                self.execute(
                    "INSERT INTO import_ratings (movie_id, user_id, score, rated_at, seq) "
                    + csv.insert_sql()
                )
        if not self.staged:
            return MergeCounts()
        if self.first_load and csv is not None and csv.staged:
            counts = self._merge_into_empty(
                "SELECT DISTINCT ON (user_id, movie_id) movie_id, user_id, score, rated_at, "
                f"NULL FROM ({csv.insert_sql()} UNION ALL SELECT movie_id, user_id, score, "
                "rated_at, seq FROM import_ratings) AS s (movie_id, user_id, score, rated_at, "
                "seq) ORDER BY user_id, movie_id, rated_at DESC, seq DESC"
            )
            counts.duplicates = self.staged - counts.added
            counts.recount = "all"
            return counts
        self.execute("ANALYZE import_ratings")
        duplicates = self._drop_duplicates()
        counts = (
            self._merge_into_empty(
                "SELECT movie_id, user_id, score, rated_at, review FROM import_ratings "
                "ORDER BY user_id, movie_id"
            )
            if self.first_load
            else self._merge_into_existing()
        )
        counts.duplicates = duplicates
        if self.first_load:
            # The aggregate triggers were off for the one big INSERT: one GROUP BY instead.
            # Otherwise the triggers (migration 0007) kept them, per statement.
            counts.recount = "all"
        return counts

    def _drop_duplicates(self) -> int:
        """Keep the latest of several staged ratings of one film by one user."""
        self.execute("CREATE INDEX ON import_ratings (user_id, movie_id)")
        return int(
            self.execute(
                "DELETE FROM import_ratings AS a USING (SELECT user_id, movie_id FROM "
                "import_ratings GROUP BY user_id, movie_id HAVING count(*) > 1) AS d "
                "WHERE a.user_id = d.user_id AND a.movie_id = d.movie_id AND EXISTS "
                "(SELECT 1 FROM import_ratings AS b WHERE b.user_id = a.user_id "
                "AND b.movie_id = a.movie_id AND (b.rated_at > a.rated_at "
                "OR (b.rated_at = a.rated_at AND b.seq > a.seq)))"
            ).rowcount
        )

    def _merge_into_empty(self, rows: str) -> MergeCounts:
        """A first load: the ratings table is empty, so its key, foreign keys and
        indexes come off and are built again after one sorted INSERT (each a single
        sort or join; row by row, the two foreign key checks were most of a load). All in
        the import's transaction: a failure or a kill leaves them as they were. The table
        is locked against readers meanwhile."""
        constraints = self.rows(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = 'ratings'::regclass AND contype IN ('p', 'f') "
            "ORDER BY contype DESC, conname"
        )
        indexes = self.rows(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index AS x "
            "JOIN pg_class AS i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'ratings'::regclass AND NOT x.indisprimary"
        )
        for name, _definition, _kind in constraints:
            self.execute(f'ALTER TABLE ratings DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            self.execute(f'DROP INDEX "{name}"')
        # The row-collecting triggers stay off for the one big INSERT (its 25M rows would
        # be gathered for them): the aggregates are recomputed, the stamp set here.
        self.execute("ALTER TABLE ratings DISABLE TRIGGER ratings_aggregates_insert")
        self.execute("ALTER TABLE ratings DISABLE TRIGGER ratings_stamp_insert")
        added = self.execute(
            f"INSERT INTO ratings (movie_id, user_id, score, rated_at, review) {rows}"
        ).rowcount
        self.execute("ALTER TABLE ratings ENABLE TRIGGER ratings_aggregates_insert")
        self.execute("ALTER TABLE ratings ENABLE TRIGGER ratings_stamp_insert")
        from moviecli.store.repo.stamp import renew

        self.flush()
        renew(self.connection)
        for name, definition, _kind in constraints:  # the key first (contype DESC)
            self.execute(f'ALTER TABLE ratings ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            self.execute(definition)
        return MergeCounts(added=int(added))

    def _merge_into_existing(self) -> MergeCounts:
        staged, existing, unchanged, older = self.execute(
            "SELECT (SELECT count(*) FROM import_ratings), count(r.movie_id), "
            "count(*) FILTER (WHERE r.score = s.score AND r.rated_at = s.rated_at "
            "AND coalesce(s.review, r.review) IS NOT DISTINCT FROM r.review), "
            "count(*) FILTER (WHERE r.rated_at > s.rated_at) "
            "FROM import_ratings AS s JOIN ratings AS r "
            "ON r.movie_id = s.movie_id AND r.user_id = s.user_id"
        ).fetchone()
        self.execute(
            "INSERT INTO ratings AS r (movie_id, user_id, score, rated_at, review) "
            "SELECT movie_id, user_id, score, rated_at, review FROM import_ratings "
            "ORDER BY user_id, movie_id "
            "ON CONFLICT (user_id, movie_id) DO UPDATE SET score = excluded.score, "
            "rated_at = excluded.rated_at, review = coalesce(excluded.review, r.review) "
            "WHERE excluded.rated_at >= r.rated_at AND (r.score <> excluded.score "
            "OR r.rated_at <> excluded.rated_at "
            "OR coalesce(excluded.review, r.review) IS DISTINCT FROM r.review)"
        )
        return MergeCounts(
            added=staged - existing,
            unchanged=unchanged,
            replaced=existing - unchanged - older,
            older=older,
        )
