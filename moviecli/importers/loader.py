"""The one place an import is written: movies matched or added one by one (there are
at most tens of thousands), ratings staged in bulk and merged with one SQL statement,
aggregates recomputed once at the end. Everything happens inside the command's single
transaction, so an error, Ctrl-C or a kill leaves the catalog as it was.

SQLite only: the bulk path uses the driver's executemany and SQLite's own SQL."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import chain
from typing import cast

from moviecli.errors import ImportFormatError, MoviecliError
from moviecli.importers.csvfiles import is_blank
from moviecli.importers.records import (
    GenreRecord,
    ImportSource,
    ImportSummary,
    MovieRecord,
    Progress,
    RatingRecord,
    RawRatings,
    Reject,
    Skip,
    TagRecord,
    UserRecord,
    canonical_time,
)
from moviecli.models import utcnow
from moviecli.rules import (
    RUNTIME_MAX,
    RUNTIME_MIN,
    TITLE_MAX,
    USER_NAME_MAX,
    YEAR_MAX,
    YEAR_MIN,
    parse_score,
    title_key,
)

FLUSH_ROWS = 50_000
# 4 values a row: 800 stays under the 999 variables older SQLite builds allow.
ROWS_PER_INSERT = 200
BULK_MERGE_ROWS = 100_000
SCORES = {f"{n / 2:g}": n / 2 for n in range(1, 11)} | {f"{n / 2:.1f}": n / 2 for n in range(1, 11)}
# Unix seconds accepted for a rating: 1970 up to the end of 2099.
TIMESTAMP_MAX = 4_102_444_799
DUPLICATE_REASON = "duplicate ratings of one movie by one user in this import (kept the latest)"
OLDER_REASON = "ratings older than the one already in the catalog (kept the catalog's)"

ProgressCallback = Callable[[int, int, int, str], None]


def rebuild_pays_off(new_ratings: int, held: int) -> bool:
    """Whether merging `new_ratings` into a catalog holding `held` ratings should drop
    the secondary indexes and sort them again afterwards. Inserting into them goes
    row by row in random order; one sort is cheaper once the import brings at least
    as many ratings as the catalog holds (2M ratings into a seeded catalog: 12 s of
    merge became about 2), and not worth it below BULK_MERGE_ROWS."""
    return new_ratings >= max(held, BULK_MERGE_ROWS)


class RejectedRowError(MoviecliError):
    """--strict: the first rejected row fails the whole import."""


class _UserIds(dict[str, int]):
    """Raw user key -> user id, creating the user on first sight (dict speed on hits)."""

    def __init__(self, loader: Loader, name: Callable[[str], str]) -> None:
        super().__init__()
        self._loader = loader
        self._name = name

    def __missing__(self, key: str) -> int:
        if not key.isdigit():
            raise ValueError(f"userId must be a whole number (got {key!r})")
        user_id = self._loader.user_id(self._name(key))
        self[key] = user_id
        return user_id


class Loader:
    def __init__(
        self,
        connection: sqlite3.Connection,
        source: ImportSource,
        *,
        strict: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.db = connection
        self.source = source
        self.strict = strict
        self.progress = progress
        self.summary = ImportSummary(format=source.format, source=source.description)
        self.now = canonical_time(utcnow())
        self._movie_ids: dict[Hashable, int] = {}
        self._created: set[int] = set()
        self._raw_users: dict[Callable[[str], str], _UserIds] = {}
        self._pending: list[tuple[int, float, object, int, str | None]] = []
        self._tags: list[tuple[int, int, str, str]] = []
        self._staged = 0
        self._text_times_staged = False

    # ------------------------------------------------------------ setup

    def _load_maps(self) -> None:
        db = self.db
        self.external: dict[str, dict[str, int]] = {}
        for source, value, movie_id in db.execute(
            "SELECT source, value, movie_id FROM external_ids"
        ):
            self.external.setdefault(source, {})[value] = movie_id
        self.by_title: dict[tuple[str, int | None], list[int]] = {}
        for movie_id, key, year in db.execute("SELECT id, title_key, year FROM movies ORDER BY id"):
            self.by_title.setdefault((key, year), []).append(movie_id)
        self.users: dict[str, int] = dict(db.execute("SELECT name, id FROM users"))
        self.genres: dict[str, int] = {
            name.casefold(): genre_id
            for genre_id, name in db.execute("SELECT id, name FROM genres")
        }
        self.ratings_were_empty = db.execute("SELECT 1 FROM ratings LIMIT 1").fetchone() is None

    def run(self) -> ImportSummary:
        # Millions of short-lived rows and tuples, none in a reference cycle: the cyclic
        # garbage collector would only walk them again and again (it doubled the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> ImportSummary:
        started = datetime.now()
        db = self.db
        # A bulk load appends pages in key order and the index builds bring their own
        # sort memory: a bigger cache did not make a 25M-rating import faster, only
        # bigger (16 MiB: 80 s and 253 MiB peak; 32 MiB: 86 s and 273 MiB).
        db.execute("PRAGMA cache_size = -16384")
        db.execute("DROP TABLE IF EXISTS temp.import_ratings")
        db.execute(
            "CREATE TEMP TABLE import_ratings "
            "(movie_id INTEGER, score REAL, rated_at, user_id INTEGER, review TEXT)"
        )
        self._load_maps()
        self._rating_indexes: list[tuple[str, str]] = []
        if self.ratings_were_empty:
            self._rating_indexes = self._drop_rating_indexes()
        for item in self.source.items():
            self._handle(item)
        self._flush_ratings()
        self._phase("writing")
        with _interruptible(db):
            self._merge_ratings()
        self._flush_tags()
        self.check_references()
        db.execute("DROP TABLE temp.import_ratings")
        self.summary.seconds = (datetime.now() - started).total_seconds()
        return self.summary

    def _handle(self, item: object) -> None:
        if isinstance(item, RawRatings):
            self._raw_ratings(item)
        elif isinstance(item, RatingRecord):
            self._rating(item)
        elif isinstance(item, MovieRecord):
            self.summary.rows += 1
            try:
                self._movie(item)
            except ValueError as error:
                self._reject(Reject(item.line, str(error)))
        elif isinstance(item, TagRecord):
            self._tag(item)
        elif isinstance(item, GenreRecord):
            self.genre_id(item.name, item.id)
        elif isinstance(item, UserRecord):
            try:
                self.user_id(item.name, item.id)
            except ValueError as error:
                self._reject(Reject(item.line, str(error)))
        elif isinstance(item, Reject):
            self.summary.rows += 1
            self._reject(item)
        elif isinstance(item, Skip):
            self.summary.rows += item.count
            self.summary.skip(item.reason, item.count)
        elif isinstance(item, Progress) and self.progress is not None:
            self.progress(item.done, item.total, self.summary.rows, "reading")

    def _phase(self, name: str) -> None:
        if self.progress is not None:
            total = self.source.total_bytes
            self.progress(total, total, self.summary.rows, name)

    def _reject(self, reject: Reject) -> None:
        self.summary.reject(reject)
        if self.strict:
            where = f"{reject.file}, line {reject.line}" if reject.file else f"line {reject.line}"
            raise RejectedRowError(f"{where}: {reject.reason} (--strict: nothing was imported)")

    # ------------------------------------------------------------ users

    def user_id(self, name: str, preferred_id: int | None = None) -> int:
        user_id = self.users.get(name)
        if user_id is not None:
            return user_id
        if not name.strip() or len(name) > USER_NAME_MAX:
            raise ValueError(f"user name must be 1 to {USER_NAME_MAX} characters")
        user_id = self._insert("users", {"name": name}, preferred_id)
        self.users[name] = user_id
        self.summary.users_added += 1
        return user_id

    def _insert(self, table: str, values: dict[str, object], preferred_id: int | None) -> int:
        """Insert one row, with `preferred_id` as its id when no row holds that id yet
        (an export keeps its ids); the new row's id."""
        if preferred_id is not None and not self._id_taken(table, preferred_id):
            values = {"id": preferred_id, **values}
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cursor = self.db.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
        )
        row_id = values.get("id", cursor.lastrowid)
        assert isinstance(row_id, int)
        return row_id

    def _id_taken(self, table: str, row_id: int) -> bool:
        return (
            self.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None
        )

    # ------------------------------------------------------------ movies

    def _movie(self, record: MovieRecord) -> None:
        _check_movie(record)
        movie_id = self._match(record)
        if movie_id is None:
            movie_id = self._add_movie(record)
            self.summary.movies_added += 1
        else:
            self.summary.movies_matched += 1
            if self._complete(movie_id, record):
                self.summary.movies_updated += 1
        self._movie_ids[record.key] = movie_id

    def _match(self, record: MovieRecord) -> int | None:
        key = (title_key(record.title), record.year)
        if record.id is not None:
            row = self.db.execute(
                "SELECT title_key, year FROM movies WHERE id = ?", (record.id,)
            ).fetchone()
            if row is not None and tuple(row) == key:
                return record.id
        for source, value in record.external_ids.items():
            movie_id = self.external.get(source, {}).get(value)
            if movie_id is not None:
                return movie_id
        for movie_id in self.by_title.get(key, ()):
            if self.source.merge_same_title or movie_id not in self._created:
                return movie_id
        return None

    def _add_movie(self, record: MovieRecord) -> int:
        movie_id = self._insert(
            "movies",
            {
                "title": record.title,
                "title_key": title_key(record.title),
                "year": record.year,
                "original_title": record.original_title,
                "runtime_minutes": record.runtime_minutes,
                "director": record.director,
                "created_at": record.created_at or self.now,
                "updated_at": record.updated_at or record.created_at or self.now,
                "rating_count": 0,
                "rating_sum": 0.0,
            },
            record.id,
        )
        self._created.add(movie_id)
        self.by_title.setdefault((title_key(record.title), record.year), []).append(movie_id)
        self._add_genres(movie_id, record.genres)
        self._add_external_ids(movie_id, record.external_ids)
        return movie_id

    def genre_id(self, name: str, preferred_id: int | None = None) -> int:
        """The genre's id, creating it (with `preferred_id` when that is free)."""
        genre_id = self.genres.get(name.casefold())
        if genre_id is not None:
            return genre_id
        genre_id = self._insert("genres", {"name": name}, preferred_id)
        self.genres[name.casefold()] = genre_id
        return genre_id

    def _add_genres(self, movie_id: int, names: Iterable[str]) -> None:
        rows = [(movie_id, self.genre_id(name)) for name in names]
        self.db.executemany(
            "INSERT INTO movie_genres (movie_id, genre_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            rows,
        )

    def _add_external_ids(self, movie_id: int, ids: dict[str, str]) -> bool:
        """Record the ids no other movie holds yet; True when one was added."""
        added = False
        for source, value in ids.items():
            known = self.external.setdefault(source, {})
            if value in known:
                continue
            self.db.execute(
                "INSERT INTO external_ids (source, value, movie_id) VALUES (?, ?, ?)",
                (source, value, movie_id),
            )
            known[value] = movie_id
            added = True
        return added

    def _complete(self, movie_id: int, record: MovieRecord) -> bool:
        """Fill what a matched movie lacks (never overwrite); True when something changed."""
        if movie_id in self._created and self.source.merge_same_title:
            # The same film listed twice in one file (MovieLens has a few): keep its
            # other ids so that both listings find it next time; it was not "completed".
            self._add_external_ids(movie_id, record.external_ids)
            return False
        db = self.db
        original, runtime, director = db.execute(
            "SELECT original_title, runtime_minutes, director FROM movies WHERE id = ?",
            (movie_id,),
        ).fetchone()
        changes: dict[str, object] = {}
        if original is None and record.original_title is not None:
            changes["original_title"] = record.original_title
        if runtime is None and record.runtime_minutes is not None:
            changes["runtime_minutes"] = record.runtime_minutes
        if director is None and record.director is not None:
            changes["director"] = record.director
        has_genres = db.execute(
            "SELECT 1 FROM movie_genres WHERE movie_id = ? LIMIT 1", (movie_id,)
        ).fetchone()
        changed = bool(changes)
        if not has_genres and record.genres:
            self._add_genres(movie_id, record.genres)
            changed = True
        have = {
            s
            for (s,) in db.execute(
                "SELECT source FROM external_ids WHERE movie_id = ?", (movie_id,)
            )
        }
        if self._add_external_ids(
            movie_id, {s: v for s, v in record.external_ids.items() if s not in have}
        ):
            changed = True
        if changed:
            sets = ", ".join(f"{column} = ?" for column in changes)
            db.execute(
                f"UPDATE movies SET {sets + ', ' if sets else ''}updated_at = ? WHERE id = ?",
                (*changes.values(), self.now, movie_id),
            )
        return changed

    # ------------------------------------------------------------ ratings

    def _raw_ratings(self, chunk: RawRatings) -> None:
        """The fast path: check and map the whole chunk column by column; on any
        surprise, go through it again row by row to say which line and why."""
        users = self._raw_users.get(chunk.user_name)
        if users is None:
            users = self._raw_users[chunk.user_name] = _UserIds(self, chunk.user_name)
        try:
            flat = self._mapped_columns(chunk.rows, users)
            self.summary.rows += len(chunk.rows)
        except (KeyError, ValueError, TypeError):
            flat = list(chain.from_iterable(self._raw_rows_one_by_one(chunk, users)))
        if flat:
            self._insert_flat(flat)

    def _mapped_columns(self, rows: list[list[str]], users: _UserIds) -> list[object]:
        """The chunk as one flat list [user_id, movie_id, score, seconds, user_id, ...].
        Each column is mapped by one `map` over its slice, so no Python code runs per
        row (at 25M rows a tuple built per row cost more than SQLite's insert).
        Users last: one is only created once every other column of the chunk passed."""
        if set(map(len, rows)) != {4}:
            raise ValueError("a row without exactly 4 fields")
        flat: list[object] = list(chain.from_iterable(rows))
        flat[1::4] = map(self._movie_ids.__getitem__, flat[1::4])
        flat[2::4] = map(SCORES.__getitem__, flat[2::4])
        stamps = cast("list[str]", flat[3::4])
        if not "".join(stamps).isdigit():
            raise ValueError("a timestamp that is not digits")
        seconds = list(map(int, stamps))
        if max(seconds) > TIMESTAMP_MAX:
            raise ValueError("timestamp out of range")
        flat[3::4] = seconds
        flat[0::4] = map(users.__getitem__, flat[0::4])
        return flat

    def _insert_flat(self, flat: list[object]) -> None:
        """Rows in groups of ROWS_PER_INSERT per statement: binding a whole group at
        once halves the driver's per-row cost."""
        width = 4 * ROWS_PER_INSERT
        whole = len(flat) - len(flat) % width
        self.db.executemany(
            self._insert_sql(ROWS_PER_INSERT), [flat[i : i + width] for i in range(0, whole, width)]
        )
        if whole < len(flat):
            self.db.execute(self._insert_sql((len(flat) - whole) // 4), flat[whole:])
        self._staged += len(flat) // 4

    def _insert_sql(self, rows: int) -> str:
        """Rows of (user_id, movie_id, score, Unix seconds), stored with milliseconds."""
        values = ", ".join(["(?, ?, ?, ? * 1000)"] * rows)
        if self.ratings_were_empty:
            # A first load goes straight into the table (in key order, indexes off):
            # staging 25M rows first would write and read them all once more.
            return (
                f"INSERT INTO ratings (user_id, movie_id, score, rated_at) VALUES {values} "
                + self._LATEST_WINS
            )
        return (
            f"INSERT INTO temp.import_ratings (user_id, movie_id, score, rated_at) VALUES {values}"
        )

    def _raw_rows_one_by_one(
        self, chunk: RawRatings, users: _UserIds
    ) -> Iterable[tuple[int, int, float, int]]:
        for offset, row in enumerate(chunk.rows):
            if is_blank(row):
                continue  # left out, as in every other file
            self.summary.rows += 1
            line = chunk.first_line + offset
            try:
                if len(row) != 4:
                    raise ValueError(f"expected 4 fields, found {len(row)}")
                user, movie, score, stamp = (cell.strip() for cell in row)
                movie_id = self._movie_ids.get(movie)
                if movie_id is None:
                    raise ValueError(f"movieId {movie!r} is not in movies.csv")
                value = parse_score(score, what="rating")
                if not stamp.isdigit() or int(stamp) > TIMESTAMP_MAX:
                    raise ValueError(f"timestamp must be Unix seconds (got {stamp!r})")
                yield users[user], movie_id, value, int(stamp)
            except ValueError as error:
                self._reject(Reject(line, str(error), "ratings.csv"))

    def _rating(self, record: RatingRecord) -> None:
        self.summary.rows += 1
        movie_id = self._movie_ids.get(record.movie_key)
        if movie_id is None:
            # Its movie was rejected (reported already) or skipped.
            self.summary.skip("ratings of movies that were not imported")
            return
        try:
            user_id = self.user_id(record.user, record.user_id)
        except ValueError as error:
            self._reject(Reject(record.line, str(error)))
            return
        self._pending.append((movie_id, record.score, record.rated_at, user_id, record.review))
        if len(self._pending) >= FLUSH_ROWS:
            self._flush_ratings()

    def _flush_ratings(self) -> None:
        if self._pending:
            self._text_times_staged = True
            self.db.executemany(
                "INSERT INTO temp.import_ratings (movie_id, score, rated_at, user_id, review) "
                "VALUES (?, ?, ?, ?, ?)",
                self._pending,
            )
            self._staged += len(self._pending)
            self._pending.clear()

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

    def _drop_rating_indexes(self) -> list[tuple[str, str]]:
        """Take the secondary indexes off the ratings table for a bulk load;
        `_build_rating_indexes` builds them again, each by one sort (all in the
        import's transaction, so a failure or a kill leaves them as they were)."""
        indexes = self.db.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = 'ratings' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        return indexes

    def _merge_ratings(self) -> None:
        every_movie = True
        if self.ratings_were_empty:
            self._merge_into_empty()
        elif self._staged:
            every_movie = self._merge_into_existing()
        if self._staged:
            self._recompute_aggregates(every_movie=every_movie)

    def _build_rating_indexes(self, indexes: list[tuple[str, str]]) -> None:
        """Build dropped indexes again, each by one sort of the whole table."""
        if not indexes:
            return
        db = self.db
        # Let SQLite sort each index on every core (it sorts on one by default). Each
        # sorting thread takes as much memory as the page cache may (16 MiB, set in
        # _run): with 32 MiB a 25M-rating load peaked at 317 MiB, and was no faster.
        db.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 8)}")
        for _name, sql in indexes:
            db.execute(sql)
        db.execute("PRAGMA threads = 0")

    def _merge_into_empty(self) -> None:
        """Finish a first load: ratings from per-row formats (staged) go in in key order,
        then the secondary indexes are built again."""
        db = self.db
        db.execute(
            "INSERT INTO ratings (movie_id, user_id, score, rated_at, review) "
            f"SELECT movie_id, user_id, score, {self._RATED_AT}, review "
            "FROM temp.import_ratings WHERE true ORDER BY user_id, movie_id, rated_at, rowid "
            + self._LATEST_WINS
        )
        self._build_rating_indexes(self._rating_indexes)
        if not self._staged:
            return
        added = db.execute("SELECT count(*) FROM ratings").fetchone()[0]
        self.summary.ratings_added = added
        if self._staged > added:
            self.summary.skip(DUPLICATE_REASON, self._staged - added)

    def _merge_into_existing(self) -> bool:
        """Merge the staged ratings; True when it touched most of the catalog (and
        rebuilt the indexes), so that every movie's aggregates are worth recomputing."""
        db = self.db
        if self._text_times_staged:
            db.execute(
                f"UPDATE temp.import_ratings SET rated_at = {self._RATED_AT} "
                "WHERE typeof(rated_at) = 'text'"
            )
        db.execute("CREATE INDEX temp.import_ratings_key ON import_ratings (user_id, movie_id)")
        # The EXISTS runs only for pairs listed more than once (a few in a big file).
        duplicates = db.execute(
            "DELETE FROM temp.import_ratings AS a WHERE (a.movie_id, a.user_id) IN "
            "(SELECT movie_id, user_id FROM temp.import_ratings GROUP BY user_id, movie_id "
            "HAVING count(*) > 1) AND EXISTS (SELECT 1 FROM "
            "temp.import_ratings AS b WHERE b.movie_id = a.movie_id AND b.user_id = a.user_id "
            "AND (b.rated_at > a.rated_at OR (b.rated_at = a.rated_at AND b.rowid > a.rowid)))"
        ).rowcount
        if duplicates > 0:
            self.summary.skip(DUPLICATE_REASON, duplicates)
        staged, existing, unchanged, older = db.execute(
            "SELECT (SELECT count(*) FROM temp.import_ratings), count(r.movie_id), "
            "coalesce(sum(r.score = s.score AND r.rated_at = s.rated_at "
            "AND coalesce(s.review, r.review) IS r.review), 0), "
            "coalesce(sum(r.rated_at > s.rated_at), 0) "
            "FROM temp.import_ratings AS s JOIN ratings AS r "
            "ON r.movie_id = s.movie_id AND r.user_id = s.user_id"
        ).fetchone()
        self.summary.ratings_added = staged - existing
        self.summary.ratings_unchanged = unchanged
        self.summary.ratings_replaced = existing - unchanged - older
        if older:
            self.summary.skip(OLDER_REASON, older)
        held = db.execute("SELECT coalesce(sum(rating_count), 0) FROM movies").fetchone()[0]
        indexes = self._drop_rating_indexes() if rebuild_pays_off(staged, held) else []
        db.execute(
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
        return bool(indexes)

    def _recompute_aggregates(self, *, every_movie: bool) -> None:
        """One GROUP BY over the ratings of the movies this import touched, or of every
        movie when it touched most of them (cheaper than finding which)."""
        touched = (
            "" if every_movie else "WHERE movie_id IN (SELECT movie_id FROM temp.import_ratings)"
        )
        self.db.execute(
            "UPDATE movies SET rating_count = agg.n, rating_sum = agg.s FROM "
            f"(SELECT movie_id, count(*) AS n, sum(score) AS s FROM ratings {touched} "
            "GROUP BY movie_id) AS agg WHERE movies.id = agg.movie_id "
            "AND (movies.rating_count <> agg.n OR movies.rating_sum <> agg.s)"
        )

    # ------------------------------------------------------------ references

    def check_references(self) -> None:
        """The import runs with SQLite's per-row foreign key checks off: on a 25M-row
        load they were a third of the time. Every movie, user and genre id it writes
        comes from this loader's maps, so the maps are checked against their tables,
        and the small tables it writes are checked whole."""
        if self.db.execute("PRAGMA foreign_keys").fetchone()[0]:
            return
        for table, ids in (
            ("movies", self._movie_ids.values()),
            ("users", self.users.values()),
            ("genres", self.genres.values()),
        ):
            existing = {row_id for (row_id,) in self.db.execute(f"SELECT id FROM {table}")}
            if not existing.issuperset(ids):
                raise MoviecliError(f"import would leave ratings or tags without their {table}")
        for table in ("movie_genres", "external_ids", "tags"):
            problem = self.db.execute(f"PRAGMA foreign_key_check({table})").fetchone()
            if problem is not None:
                raise MoviecliError(f"import would leave {table} rows pointing at nothing")

    # ------------------------------------------------------------ tags

    def _tag(self, record: TagRecord) -> None:
        self.summary.rows += 1
        movie_id = self._movie_ids.get(record.movie_key)
        if movie_id is None:
            self._reject(
                Reject(record.line, f"tag of an unknown movie {record.movie_key!r}", "tags")
            )
            return
        try:
            user_id = self.user_id(record.user)
        except ValueError as error:
            self._reject(Reject(record.line, str(error), "tags"))
            return
        self._tags.append((movie_id, user_id, record.tag, record.tagged_at))

    def _flush_tags(self) -> None:
        if not self._tags:
            return
        before = self.db.total_changes
        self.db.executemany(
            "INSERT INTO tags (movie_id, user_id, tag, tagged_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (movie_id, user_id, tag) DO NOTHING",
            self._tags,
        )
        added = self.db.total_changes - before
        self.summary.tags_added = added
        self.summary.tags_unchanged = len(self._tags) - added
        self._tags.clear()


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


def _check_movie(record: MovieRecord) -> None:
    title = record.title
    if not title.strip():
        raise ValueError("title is blank")
    if len(title) > TITLE_MAX:
        raise ValueError(f"title is longer than {TITLE_MAX} characters")
    if "\x00" in title:
        raise ValueError("title contains a NUL byte")
    if record.year is not None and not (YEAR_MIN <= record.year <= YEAR_MAX):
        raise ValueError(f"year must be {YEAR_MIN} to {YEAR_MAX} (got {record.year})")
    runtime = record.runtime_minutes
    if runtime is not None and not (RUNTIME_MIN <= runtime <= RUNTIME_MAX):
        raise ValueError(f"runtime must be {RUNTIME_MIN} to {RUNTIME_MAX} minutes (got {runtime})")
    for text in (record.original_title, record.director):
        if text is not None and len(text) > TITLE_MAX:
            raise ValueError(f"'{text[:40]}...' is longer than {TITLE_MAX} characters")


def connection_of(session: object) -> sqlite3.Connection:
    """The sqlite3 connection under a session, inside its (already begun) transaction."""
    connection = session.connection()  # type: ignore[attr-defined]
    if connection.dialect.name != "sqlite":
        raise ImportFormatError("import works with SQLite catalogs only, for now")
    return connection.connection.driver_connection
