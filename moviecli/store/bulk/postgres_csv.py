"""A MovieLens ratings.csv parsed by PostgreSQL itself: its bytes go to COPY as they
are (moviecli/importers/rating_bytes.py), into a temporary table numbered by line
(userId and movieId as integers, the rating as its text, the timestamp as a bigint),
and every check of a row is a lookup or a comparison in SQL. A value COPY cannot read
as its column's type (a dot in a userId) refuses the whole file (CopyRefused).

    copy()         SAVEPOINT; COPY ... (FORMAT csv) of the bytes; back to the savepoint
                   (CopyRefused) when the server cannot parse them
    user_keys()    one pass: each userId with its first good line and its row counts
    rejects()      the rows a check refused, by line, as the file has them
    user_ids()     userId -> user id, once the loader has made the users
    insert_sql()   the staged rows as (movie_id, user_id, score, rated_at, seq), for the
                   merge (moviecli/store/bulk/postgres.py)

MovieLens ids become catalog ids through an array indexed by the MovieLens id, written
into the statement (`ids.a[r.m]`: one subscript per row), where the ids are small enough
(below ARRAY_KEYS; 0 where none maps); otherwise through a temporary table joined on
the key. Measured on 5M ratings (load 15-18): scanning the staged rows with the two hash
joins 10.4 s, with the two subscripts 4.1 s, with no mapping at all 3.0 s. When every
staged row passed the checks (user_keys() counts them), the INSERT checks none again.

What the rules say (which scores, which timestamps, which user names) the loader
passes in; no rule is written here."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from moviecli.store.bulk import CopyRefused


class _Bulk(Protocol):
    """What this module needs of PostgresBulk (named, not imported: postgres.py imports us)."""

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any: ...
    def copy(self, statement: str) -> Any: ...
    def rows(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


TABLE = "import_ratings_csv"
_MOVIES = "import_movie_keys"
_USERS = "import_user_keys"
# MovieLens ids up to this are mapped by an array (4 bytes per id up to the largest):
# MovieLens' own reach ~300,000.
ARRAY_KEYS = 1 << 21


class _IdMap:
    """MovieLens id (the staged column `column`) -> catalog id: `source` joins it in
    after `FROM import_ratings_csv AS r`, `expr` is the catalog id (NULL or 0: none)."""

    def __init__(
        self, bulk: _Bulk, alias: str, column: str, table: str, pairs: dict[int, int]
    ) -> None:
        keys = [key for key in pairs if key >= 0]
        top = max(keys, default=0)
        if len(keys) == len(pairs) and top < ARRAY_KEYS:
            ids = [0] * (top + 1)
            for key, value in pairs.items():
                ids[key] = value
            literal = f"[0:{top}]={{{','.join(map(str, ids))}}}"
            self.source = f"CROSS JOIN (SELECT '{literal}'::integer[] AS a) AS {alias}"
            self.expr = f"{alias}.a[r.{column}]"
            return
        bulk.execute(f"CREATE TEMP TABLE {table} (key integer, id integer) ON COMMIT DROP")
        with bulk.copy(f"COPY {table} (key, id) FROM STDIN") as copy:
            for pair in pairs.items():
                copy.write_row(pair)
        bulk.execute(f"ANALYZE {table}, {TABLE}")  # for the join's plan
        self.source = f"LEFT JOIN {table} AS {alias} ON {alias}.key = r.{column}"
        self.expr = f"{alias}.id"

    def found(self) -> str:
        return f"coalesce({self.expr}, 0) > 0"


class CsvRatings:
    def __init__(self, bulk: _Bulk) -> None:
        self.bulk = bulk
        self.ok_rows: dict[int, int] = {}  # userId -> rows that passed every check
        self.scores: list[str] = []
        self.max_seconds = 0
        self.staged = 0  # rows to import, once user_ids() is known
        self.all_passed = False  # every row staged passed every check
        self.movies: _IdMap  # by user_keys()
        self.users: _IdMap  # by user_ids()

    # ------------------------------------------------------------ staging

    @contextmanager
    def copy(self, first_line: int) -> Iterator[Callable[[bytes], None]]:
        """Write the bytes to the returned function. FREEZE: the table is new in this
        subtransaction, so its rows are written as already visible to everyone (no
        hint bits to set on the next reads)."""
        import psycopg

        bulk = self.bulk
        bulk.execute("SAVEPOINT import_csv")
        try:
            bulk.execute(
                f"CREATE TEMP TABLE {TABLE} (seq bigint GENERATED ALWAYS AS IDENTITY "
                f"(START WITH {int(first_line)} CACHE 100000), u integer, m integer, s text, "
                "t bigint) ON COMMIT DROP"
            )
            statement = f"COPY {TABLE} (u, m, s, t) FROM STDIN (FORMAT csv, FREEZE)"
            with bulk.copy(statement) as copy:
                yield copy.write
        except psycopg.DataError:
            bulk.execute("ROLLBACK TO SAVEPOINT import_csv")
            bulk.execute("RELEASE SAVEPOINT import_csv")
            raise CopyRefused from None
        except Exception:
            bulk.execute("ROLLBACK TO SAVEPOINT import_csv")
            bulk.execute("RELEASE SAVEPOINT import_csv")
            raise
        bulk.execute("RELEASE SAVEPOINT import_csv")

    # ------------------------------------------------------------ checks

    def user_keys(
        self, movie_keys: dict[int, int], scores: list[str], max_seconds: int
    ) -> list[tuple[int, int | None, int, int]]:
        """(userId, first line whose other fields passed or None, rows that passed,
        rows) for every userId staged: one pass over the rows."""
        bulk = self.bulk
        self.max_seconds = int(max_seconds)
        self.scores = list(scores)
        self.movies = _IdMap(bulk, "mk", "m", _MOVIES, movie_keys)
        found = bulk.rows(
            "SELECT u, min(seq) FILTER (WHERE ok), count(*) FILTER (WHERE ok), count(*) "
            f"FROM (SELECT r.u, r.seq, {self._passed()} AS ok FROM {TABLE} AS r "
            f"{self.movies.source} WHERE r.u IS NOT NULL) AS x GROUP BY u"
        )
        self.ok_rows = {key: ok for key, _first, ok, _rows in found}
        self.all_passed = all(ok == rows for _key, _first, ok, rows in found)
        return [(key, first, int(ok), int(rows)) for key, first, ok, rows in found]

    def rejects(self) -> list[tuple[int, list[str]]]:
        """(line, its four fields as the file has them) of every staged row that failed
        a check, by line (a plain row's numbers have no leading zeros, so they read
        back as written)."""
        return [
            (int(seq), [str(u), str(m), s, str(t)])
            for seq, u, m, s, t in self.bulk.rows(
                f"SELECT r.seq, r.u, r.m, r.s, r.t FROM {TABLE} AS r {self.movies.source} "
                f"WHERE r.u IS NOT NULL AND NOT {self._passed()} ORDER BY r.seq"
            )
        ]

    def user_ids(self, pairs: list[tuple[int, int]]) -> int:
        """userId -> user id of the rows to import; how many rows those are."""
        self.users = _IdMap(self.bulk, "uk", "u", _USERS, dict(pairs))
        self.staged = sum(self.ok_rows.get(key, 0) for key, _ in pairs)
        return self.staged

    def insert_sql(self) -> str:
        """The staged rows that passed, as (movie_id, user_id, score, rated_at, seq)."""
        movies, users = self.movies, self.users
        checks = (
            # Every staged row passed, and each has its user: no check per row again.
            "r.u IS NOT NULL"
            if self.all_passed and self.staged == sum(self.ok_rows.values())
            else f"{self._values_pass()} AND {movies.found()} AND {users.found()}"
        )
        return (
            f"SELECT {movies.expr}, {users.expr}, r.s::float8, r.t * 1000, r.seq "
            f"FROM {TABLE} AS r {movies.source} {users.source} WHERE {checks}"
        )

    def _values_pass(self) -> str:
        # The rules' texts of a score (digits and one dot: nothing to quote).
        texts = ", ".join(f"'{text}'" for text in self.scores if _is_number(text))
        return f"r.s IN ({texts}) AND r.t <= {self.max_seconds}"

    def _passed(self) -> str:
        return f"({self.movies.found()} AND {self._values_pass()})"


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def drop(bulk: Any) -> None:
    for table in (TABLE, _MOVIES, _USERS):
        bulk.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
