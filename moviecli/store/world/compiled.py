"""The compiled reader of IMDb's files: DuckDB reads, checks and filters them on every
core, and ADBC's SQLite driver writes the rows into the new world file from Arrow
batches, so no row passes through Python one at a time (the standard-library reader,
load.WorldLoader, spends about 1 us of Python per field; this one none).

It loads only files it can vouch for. It counts, per file, the rows the standard
reader would refuse or read differently (before writing a table; the alternative
titles' last checks run while they are written, and a doubt empties the new world
again), with checks that are
deliberately stricter than that reader's (one decimal in a rating, ids of at most nine
digits, no repeated title or person, a title's rows together). Any doubt, a CSV error
or a damaged stream raises Doubt, and the sync runs the standard reader instead, which
names every bad row by file and line (and fails at the first under --strict). On clean
files, as IMDb's are, both readers write the same rows: tests/test_world_readers.py
compares the two worlds table by table.

Keys (rules.search_key) of printable-ASCII text are made in SQL (the rule reduces to
collapsing spaces and lower case there); the others by the same Python function the
lookups use, called by DuckDB (a few per cent of the rows)."""

from __future__ import annotations

import contextlib
import gzip
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, cast

from moviecli.rules import genre_name, search_key
from moviecli.store.world import schema
from moviecli.store.world.files import (
    HEADERS,
    READ_BUFFER,
    WorldFile,
    inflate,
    quiet_thread,
    yielding_thread,
)
from moviecli.store.world.load import (
    CREW_CATEGORIES,
    FileReport,
    LoadOptions,
    LoadReport,
    Progress,
)
from moviecli.store.world.location import spill_path

ENV = "MOVIECLI_WORLD_READER"  # "python": always the standard-library reader
# Python's str.isspace() characters (rules: a blank title or name is refused).
_SPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}"
    "\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
)
# load._REFUSED: control characters but the tab (invalid UTF-8 fails DuckDB's reader).
_CONTROL = "[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x{9f}]"
_DIGITS = "[0-9]{1,9}"  # a year, a runtime, an ordering (an int32 in both readers)
_TT = "tt[0-9]{1,9}"
# IMDb writes one decimal; more would round differently in the two readers.
_RATING = "[0-9]{1,2}(\\.[0-9])?"
_NM = "nm[0-9]{1,9}"


class Doubt(Exception):
    """The compiled reader cannot vouch for these files: the standard reader loads them."""


def available(files: dict[str, WorldFile]) -> bool:
    """DuckDB and ADBC's SQLite driver are installed, $MOVIECLI_WORLD_READER does not ask
    for the standard reader, and the files are files (a pipe can be read only once)."""
    if os.environ.get(ENV, "").strip().lower() == "python":
        return False
    if not all(file.path.is_file() for file in files.values()):
        return False
    try:
        import adbc_driver_sqlite  # noqa: F401
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _header(path: Path) -> str:
    import zlib

    opener: Any = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            line: bytes = handle.readline(1 << 16)
            after: bytes = handle.read(1)
    except (OSError, EOFError, zlib.error) as error:  # damaged: the standard reader says so
        raise Doubt(f"{path.name}: {error}") from None
    if after == b"\r":  # DuckDB passes over it; to the standard reader it is a row's byte
        raise Doubt(f"{path.name}: a carriage return after the header")
    return line.decode("utf-8", "replace").rstrip("\n")


def _source(file: WorldFile) -> str:
    """read_csv of one dataset file exactly as IMDb writes it: tab-separated, no quoting,
    one header, `\\N` for NULL, '\\n' line ends, every column text, the right number of
    columns on every line (else an error: a doubt)."""
    expected = HEADERS[file.name]
    if tuple(_header(file.path).split("\t")) != expected:
        raise Doubt(f"{file.path.name}: not IMDb's header")
    columns = ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in expected)
    return (
        f"read_csv({_literal(str(file.path))}, delim='\\t', quote='', escape='', "
        f"header=true, auto_detect=false, columns={{{columns}}}, nullstr='\\N', "
        "strict_mode=true, new_line='\\n')"
    )


def _ok(condition: str) -> str:
    """A check that is false, not NULL, on a NULL field."""
    return f"coalesce({condition}, false)"


def _blank(column: str) -> str:
    return f"({column} IS NULL OR regexp_full_match({column}, '[{_SPACE}]*'))"


def _whole(column: str, pattern: str) -> str:
    return _ok(f"regexp_full_match({column}, '{pattern}')")


def _int_or_null(column: str) -> str:
    return f"({column} IS NULL OR {_whole(column, _DIGITS)})"


def _key(column: str) -> str:
    """rules.search_key: of ASCII text (one byte per character; control characters are
    doubted before) runs of spaces made one, the ends trimmed, lower case; of other text
    the Python function itself. Only text with a doubled or an outer space pays for the
    regex."""
    spaced = f"({column} LIKE ' %' OR {column} LIKE '% ' OR contains({column}, '  '))"
    return (
        f"CASE WHEN strlen({column}) = length({column}) THEN lower(CASE WHEN {spaced} "
        f"THEN regexp_replace(trim({column}), ' +', ' ', 'g') ELSE {column} END) "
        f"ELSE search_key({column}) END"
    )


# The fields of each file that no other check confines to digits and letters (ids,
# orderings, years, isAdult and title.crew's id lists are): only these can hold a
# control character, which the standard reader refuses anywhere in a kept row.
FREE_TEXT = {
    "title.basics": ("titleType", "primaryTitle", "originalTitle", "endYear", "genres"),
    "title.akas": ("title", "region", "language", "types", "attributes", "isOriginalTitle"),
    "title.principals": ("category", "job", "characters"),
    "name.basics": ("primaryName", "primaryProfession", "knownForTitles"),
}


def _control(name: str, fields: tuple[str, ...] | None = None) -> str:
    """Whether a kept row of this file holds a control character (load._REFUSED) in its
    free text (`fields`: in these of its fields)."""
    joined = ", ".join(f"coalesce({c}, '')" for c in fields or FREE_TEXT[name])
    return f"regexp_matches(concat_ws(chr(9), {joined}), '{_CONTROL}')"


# title.akas' free text that is written; the rest is only checked, as the copy is made.
_WRITTEN_AKAS = ("title", "region", "language")


def _raw(name: str) -> str:
    """The table of a file's plain copy (_copy)."""
    return "raw_" + name.split(".")[1]


class CompiledLoader:
    """Loads the files into the tables of the (empty) SQLite world file at `target`."""

    def __init__(
        self,
        target: Path,
        files: dict[str, WorldFile],
        options: LoadOptions,
        progress: Progress | None = None,
    ) -> None:
        self.target = target
        self.files = files
        self.options = options
        self.progress = progress
        self.report = LoadReport()
        self.spill = spill_path(target)
        self._live: list[Any] = []  # what Ctrl-C interrupts: connections, an ingest

    def run(self) -> LoadReport:
        """The load runs in a worker thread while this one waits, so that Ctrl-C lands
        here (a query inside DuckDB or SQLite does not see it) and stops the work
        through each connection's interrupt(); the sync then removes the new world."""
        import duckdb

        started = time.perf_counter()
        shutil.rmtree(self.spill, ignore_errors=True)
        made: list[Any] = []  # the connection, or why there is none

        def connect() -> None:  # its threads inherit this one's lower priority
            yielding_thread()
            try:
                made.append(
                    duckdb.connect(
                        config={
                            "threads": os.cpu_count() or 1,
                            "memory_limit": "384MB",  # the sync under 1 GiB (see README)
                            "temp_directory": str(self.spill),
                            "preserve_insertion_order": True,
                        }
                    )
                )
            except Exception as error:  # raised again below, in the caller's thread
                made.append(error)

        connecting = threading.Thread(target=connect)
        connecting.start()
        connecting.join()
        if isinstance(made[0], Exception):
            raise made[0]
        db = made[0]
        self._live.append(db)
        db.create_function("search_key", search_key, ["VARCHAR"], "VARCHAR", side_effects=False)
        failed: list[BaseException] = []

        def work() -> None:
            quiet_thread()
            try:
                self._load(db, duckdb)
            except BaseException as error:  # raised again below, in the caller's thread
                failed.append(error)

        worker = threading.Thread(target=work, daemon=True)
        flusher = _Flusher(self.target)
        try:
            worker.start()
            while worker.is_alive():
                worker.join(0.1)
        except KeyboardInterrupt:
            for connection in self._live:
                with contextlib.suppress(Exception):
                    connection.interrupt()
            raise  # the threads are daemons, stopping; the sync removes the new file
        finally:
            flusher.stop()
        db.close()
        shutil.rmtree(self.spill, ignore_errors=True)
        if failed:
            raise failed[0]
        flusher.check()
        self.report.seconds = time.perf_counter() - started
        self.report.reader = "compiled"
        return self.report

    def _load(self, db: Any, duckdb: Any) -> None:
        """Read and check each file in turn (DuckDB, on every core), and hand each table
        to a second thread as soon as it is ready, which writes and indexes it (SQLite)
        while the next files are read: titles, alternative titles, credits, people
        (DuckDB and SQLite both let go of Python's lock, so the two overlap). The last
        table is the smallest job, so little is left to SQLite alone at the end. A doubt
        after some tables were written empties them again: the standard reader starts
        from empty tables."""
        cursor = db.cursor()
        self._live.append(cursor)
        writer = _Writer(self, cursor)  # at the process's priority
        yielding_thread()  # this thread, and the check's below
        verify = _Verify([f.path for f in self.files.values() if f.path.name.endswith(".gz")])
        self._live.append(verify)
        copying: _Beside | None = None
        checking: _Beside | None = None  # the alternative titles', beside their write
        try:
            try:
                if "title.akas" in self.files:  # one core's scan, beside the titles' one
                    copying = _Beside(lambda cursor: self._copy(cursor, "title.akas"), db, duckdb)
                    self._live.append(copying)
                with _checking(duckdb):
                    self._ratings_table(db)
                    self._titles(db)
                    self._ready(db, writer, "titles")
                    if copying is not None:
                        copying.wait()
                        self._akas(db)
                        akas_written = writer.put("akas", _AKAS)
                        checking = _Beside(self._check_akas, db, duckdb)
                        self._live.append(checking)
                        self._ready(db, writer, "aka_keys")
                    self._principals(db)
                    if checking is not None:  # `a` let go for the credits and people
                        checking.wait()
                        akas_written.wait()
                        db.execute("DROP TABLE a")
                    self._crew_table(db)
                    self._ready(db, writer, "principals")
                    self._names(db)
                    for done in ("p", "crew", "credited", "t", "r", "g"):
                        db.execute(f"DROP TABLE {done}")
                    self._ready(db, writer, "names")
                    db.execute("DROP TABLE n_all")
                writer.close()
            except Doubt:
                raise
            except Exception:
                if checking is not None:  # a row it doubts (an ordering twice) fails the write
                    checking.wait()
                raise
            verify.wait()
        except Doubt:
            writer.close(raising=False, abandon=True)
            self._empty()
            raise
        finally:
            verify.interrupt()
            for beside in (copying, checking):
                if beside is not None:
                    beside.stop()
            writer.close(raising=False, abandon=True)

    # ------------------------------------------------------------ reading and checking

    def _count(self, db: Any, sql: str) -> int:
        rows = db.execute(sql).fetchall()
        return int(rows[0][0] or 0) if rows else 0

    def _doubt(self, db: Any, what: str, sql: str) -> None:
        found = self._count(db, sql)
        if found:
            raise Doubt(f"{what}: {found} row(s) to be read by the standard reader")

    def _done(self, name: str, kept: int, rows: int | None = None) -> None:
        """A file read: its report (rows given here or by _grouped), and the progress."""
        file = self.files[name]
        report = self.report.files.setdefault(name, FileReport(name))
        if rows is not None:
            report.rows = rows
        report.kept = kept
        report.last_modified, report.etag = file.last_modified, file.etag
        if self.progress is not None:
            self.progress(name, file.size, file.size)

    def _ratings_table(self, db: Any) -> None:
        if "title.ratings" in self.files:
            self._ratings(db)
        else:
            db.execute("CREATE TABLE r (id BIGINT, rating DOUBLE, votes BIGINT)")

    def _crew_table(self, db: Any) -> None:
        if "title.crew" in self.files:
            self._crew(db)
        else:
            db.execute(
                "CREATE TABLE crew (title_id BIGINT, ordering BIGINT, name_id BIGINT, "
                "category VARCHAR)"
            )

    def _ratings(self, db: Any) -> None:
        db.execute(f"CREATE TABLE r_all AS SELECT * FROM {_source(self.files['title.ratings'])}")
        self._doubt(
            db,
            "title.ratings",
            f"""SELECT count(*) FROM r_all WHERE NOT ({_whole("tconst", _TT)}
                AND {_whole("averageRating", _RATING)}
                AND {_ok("CAST(averageRating AS DOUBLE) <= 10")}
                AND {_whole("numVotes", "[0-9]{1,12}")})""",
        )
        db.execute(
            """CREATE TABLE r AS SELECT CAST(substr(tconst, 3) AS BIGINT) AS id,
               round(CAST(averageRating AS DOUBLE) * 10) / 10 AS rating,
               CAST(numVotes AS BIGINT) AS votes FROM r_all"""
        )
        rows = self._count(db, "SELECT count(*) FROM r_all")
        db.execute("DROP TABLE r_all")
        self._doubt(db, "title.ratings", "SELECT count(*) - count(DISTINCT id) FROM r")
        self._done("title.ratings", 0, rows)

    def _titles(self, db: Any) -> None:
        file = self.files["title.basics"]
        types = ", ".join(_literal(t) for t in sorted(self.options.types))
        db.execute(
            f"""CREATE TABLE b AS SELECT keep,
                CASE WHEN keep THEN tconst END AS tconst, CASE WHEN keep THEN titleType END AS type,
                CASE WHEN keep THEN primaryTitle END AS title,
                CASE WHEN keep THEN originalTitle END AS original,
                CASE WHEN keep THEN isAdult END AS adult,
                CASE WHEN keep THEN startYear END AS year,
                CASE WHEN keep THEN runtimeMinutes END AS runtime,
                CASE WHEN keep THEN genres END AS genres,
                CASE WHEN keep THEN {_control(file.name)} END AS control
                FROM (SELECT *, coalesce(titleType IN ({types}), false) AS keep
                      FROM {_source(file)})"""
        )
        self._doubt(
            db,
            "title.basics",
            f"""SELECT count(*) FROM b WHERE keep AND NOT ({_whole("tconst", _TT)}
                AND NOT control AND adult IN ('0', '1') AND NOT {_blank("title")}
                AND {_int_or_null("year")} AND {_int_or_null("runtime")})""",
        )
        rows = self._count(db, "SELECT count(*) FROM b")
        adult = "" if self.options.adult else " AND adult = '0'"
        db.execute(
            f"""CREATE TABLE t AS SELECT CAST(substr(tconst, 3) AS BIGINT) AS id, type,
                title, original, CAST(adult AS INTEGER) AS adult, CAST(year AS INTEGER) AS year,
                CAST(runtime AS INTEGER) AS runtime, genres FROM b WHERE keep{adult}"""
        )
        self._doubt(
            db,
            "title.basics",
            "SELECT count(*) - count(DISTINCT CAST(substr(tconst, 3) AS BIGINT)) FROM b WHERE keep",
        )
        db.execute("DROP TABLE b")
        self._genres(db)
        films = self._count(db, "SELECT count(*) FROM t")
        self.report.counts["films"] = films
        self._done("title.basics", films, rows)

    def _genres(self, db: Any) -> None:
        """IMDb's genre lists as the catalog names them (rules.genre_name), one Python
        call per distinct list (a few hundred), not per film."""
        raw = [row[0] for row in db.execute("SELECT DISTINCT genres FROM t").fetchall()]
        db.execute("CREATE TABLE g (raw VARCHAR, name VARCHAR)")
        pairs = []
        for text in raw:
            if text is None:
                continue
            names = [genre_name(g) for g in text.split(",") if g.strip()]
            pairs.append((text, "|".join(names) or None))
        if pairs:
            db.executemany("INSERT INTO g VALUES (?, ?)", pairs)

    def _copy(self, db: Any, name: str) -> None:
        """The plain copy of a file of rows grouped by title that _grouped reads (table
        `raw_<file>`): a scan keeps the file's order, so each row's place is its rowid.
        The alternative titles' copy (made beside the titles' reading) keeps only the
        fields written or checked; once the titles are known (the credits), only the
        rows of loaded titles keep their fields (`keep`: from a bit set of their ids, not
        a join, which would not keep the order)."""
        first = HEADERS[name][0]
        source = self._with_id(name, "tid")
        if name == "title.akas":  # each row small (it is most of the sync's memory)
            unwritten = tuple(c for c in FREE_TEXT[name] if c not in _WRITTEN_AKAS)
            copied = (
                f"SELECT tid, CASE WHEN {_whole('ordering', _DIGITS)} "
                "THEN CAST(ordering AS INTEGER) END AS ordering, "  # NULL: not a number
                f"{', '.join(_WRITTEN_AKAS)}, {_control(name, unwritten)} AS unwritten, "
                f"CAST(strlen({first}) AS UTINYINT) AS spelled FROM ({source})"
            )
        else:
            for variable, value in (("lo", "coalesce(min(id), 0)"), ("hi", "coalesce(max(id), 0)")):
                db.execute(f"SET VARIABLE loaded_{variable} = (SELECT {value} FROM t)")
            db.execute(
                "SET VARIABLE loaded = (SELECT bitstring_agg(id, getvariable('loaded_lo'), "
                "getvariable('loaded_hi')) FROM t)"
            )
            lo, hi = "getvariable('loaded_lo')", "getvariable('loaded_hi')"
            bit = f"least(greatest(tid - {lo}, 0), {hi} - {lo})::INTEGER"
            keep = (
                f"coalesce(tid BETWEEN {lo} AND {hi} "
                f"AND get_bit(getvariable('loaded'), {bit}) = 1, false)"
            )
            fields = ", ".join(f"CASE WHEN keep THEN {c} END AS {c}" for c in HEADERS[name][1:])
            copied = (
                f"SELECT tid, strlen({first}) AS spelled, keep, {fields} "
                f"FROM (SELECT *, {keep} AS keep FROM ({source}))"
            )
        db.execute(f"CREATE TABLE {_raw(name)} AS {copied}")

    def _grouped(self, db: Any, name: str, table: str, *, in_key_order: bool = False) -> None:
        """A file of rows grouped by title (copied by _copy): the rows of the loaded
        titles, each with its place in the file (`pos`), so that a title's rows can be
        seen to be together, and the length of its id as spelled (`spelled`).
        `in_key_order`: sorted by title and ordering, as written, and keyed (the akas:
        their write is then a plain scan); NULL for the film's own title key (schema)."""
        raw = _raw(name)
        self._doubt(db, name, f"SELECT count(*) FROM {raw} WHERE tid IS NULL")
        rows = self._count(db, f"SELECT count(*) FROM {raw}")
        self.report.files[name] = FileReport(name, rows=rows)
        if in_key_order:
            db.execute(
                f"""CREATE TABLE {table} AS
                    SELECT r.pos, r.tid, r.ordering, r.title, r.region, r.language,
                           r.spelled,
                           r.unwritten OR {_control(name, _WRITTEN_AKAS)} AS control,
                           nullif({_key("r.title")}, f.key) AS key
                    FROM (SELECT rowid AS pos, * FROM {raw}) AS r
                         JOIN (SELECT id, {_key("title")} AS key FROM t) AS f ON f.id = r.tid
                    ORDER BY r.tid, TRY_CAST(r.ordering AS BIGINT)"""
            )
        else:
            db.execute(
                f"""CREATE TABLE {table} AS
                    SELECT *, {_control(name)} AS control
                    FROM (SELECT rowid AS pos, * FROM {raw} WHERE keep)"""
            )
        db.execute(f"DROP TABLE {raw}")

    def _together(self, db: Any, name: str, table: str) -> None:
        """Doubts _grouped's table: a title's rows together, as the standard reader
        requires (its id spelled one way: "tt0113277" then "tt113277" are two groups to
        it, the second refused; two spellings of one number differ in length); an
        ordering once, as a number ("01" is "1")."""
        self._doubt(
            db,
            name,
            f"""SELECT count(*) FROM (SELECT tid FROM {table} GROUP BY tid
                HAVING max(pos) - min(pos) + 1 <> count(*)
                    OR count(DISTINCT spelled) <> 1
                    OR count(*) <> count(DISTINCT TRY_CAST(ordering AS BIGINT)))""",
        )

    def _with_id(self, name: str, alias: str) -> str:
        """The file's rows with the number of their first column's id as `alias` (NULL
        when it is not an IMDb id of the file's kind)."""
        first = HEADERS[name][0]
        pattern = _NM if first == "nconst" else _TT
        return (
            f"SELECT CASE WHEN {_whole(first, pattern)} THEN CAST(substr({first}, 3) AS BIGINT)"
            f" END AS {alias}, * FROM {_source(self.files[name])}"
        )

    def _kept(self, name: str, alias: str, ids: str) -> str:
        """_with_id, and `keep`: whether the id is one of table `ids`' (order not kept)."""
        return (
            f"(SELECT *, coalesce({alias} IN (SELECT id FROM {ids}), false) AS keep "
            f"FROM ({self._with_id(name, alias)}))"
        )

    def _akas(self, db: Any) -> None:
        self._grouped(db, "title.akas", "a", in_key_order=True)

    def _check_akas(self, db: Any) -> None:
        self._together(db, "title.akas", "a")
        self._doubt(
            db,
            "title.akas",
            f"""SELECT count(*) FROM a WHERE control OR ordering IS NULL
                OR {_blank("title")}""",
        )
        kept = self._count(db, "SELECT count(*) FROM a")
        self.report.counts["akas"] = kept
        self._done("title.akas", kept)

    def _principals(self, db: Any) -> None:
        self._copy(db, "title.principals")
        self._grouped(db, "title.principals", "p_all")
        self._together(db, "title.principals", "p_all")
        self._doubt(
            db,
            "title.principals",
            f"""SELECT count(*) FROM p_all WHERE control
                OR NOT {_whole("ordering", _DIGITS)} OR NOT {_whole("nconst", _NM)}
                OR {_blank("category")}
                OR NOT (characters IS NULL OR (characters LIKE '[%' AND characters LIKE '%]'))""",
        )
        db.execute(
            """CREATE TABLE p AS SELECT tid AS title_id, CAST(ordering AS BIGINT) AS ordering,
               CAST(substr(nconst, 3) AS BIGINT) AS name_id, category, job, characters
               FROM p_all"""
        )
        db.execute("DROP TABLE p_all")
        kept = self._count(db, "SELECT count(*) FROM p")
        self.report.counts["credits"] = kept
        self._done("title.principals", kept)

    def _crew(self, db: Any) -> None:
        """title.crew's directors and writers that the principal credits lack, added after
        the title's own credits in the file's order (directors, then writers)."""
        name = "title.crew"  # every field an id or a list of ids: no free text
        nm_list = f"{_NM}(,{_NM})*"
        db.execute(
            f"""CREATE TABLE c_all AS
                SELECT tid, keep, CASE WHEN keep THEN directors END AS directors,
                       CASE WHEN keep THEN writers END AS writers
                FROM {self._kept(name, "tid", "t")}"""
        )
        self._doubt(
            db,
            name,
            f"""SELECT count(*) FROM c_all WHERE tid IS NULL OR (keep AND (
                NOT (directors IS NULL OR {_whole("directors", nm_list)})
                OR NOT (writers IS NULL OR {_whole("writers", nm_list)})))""",
        )
        self._doubt(db, name, "SELECT count(*) - count(DISTINCT tid) FROM c_all WHERE keep")
        rows = self._count(db, "SELECT count(*) FROM c_all")
        categories = dict(zip(("directors", "writers"), CREW_CATEGORIES, strict=True))
        parts = " UNION ALL ".join(
            f"""SELECT tid, {part} AS part, i AS pos, '{category}' AS category,
                       CAST(substr(string_split({column}, ',')[i], 3) AS BIGINT) AS name_id
                FROM (SELECT tid, {column},
                             generate_subscripts(string_split({column}, ','), 1) AS i
                      FROM c_all WHERE keep AND {column} IS NOT NULL)"""
            for part, (column, category) in enumerate(categories.items())
        )
        db.execute(
            f"""CREATE TABLE crew AS
                WITH named AS ({parts}),
                first AS (SELECT *, row_number() OVER (PARTITION BY tid, name_id, category
                                                       ORDER BY part, pos) AS n FROM named),
                wanted AS (SELECT * FROM first f WHERE n = 1 AND NOT EXISTS (
                    SELECT 1 FROM p WHERE p.title_id = f.tid AND p.name_id = f.name_id
                                      AND p.category = f.category))
                SELECT w.tid AS title_id,
                       coalesce(last.ordering, 0)
                         + row_number() OVER (PARTITION BY w.tid ORDER BY w.part, w.pos)
                         AS ordering,
                       w.name_id, w.category
                FROM wanted w
                LEFT JOIN (SELECT title_id, max(ordering) AS ordering FROM p GROUP BY title_id)
                     AS last ON last.title_id = w.tid"""
        )
        db.execute("DROP TABLE c_all")
        added = self._count(db, "SELECT count(*) FROM crew")
        self.report.counts["credits"] = self.report.counts.get("credits", 0) + added
        self._done(name, added, rows)

    def _names(self, db: Any) -> None:
        name = "name.basics"
        db.execute(
            "CREATE TABLE credited AS SELECT name_id AS id FROM p UNION SELECT name_id FROM crew"
        )
        db.execute(
            f"""CREATE TABLE n_all AS
                SELECT nid, keep, CASE WHEN keep THEN primaryName END AS name,
                       CASE WHEN keep THEN birthYear END AS born,
                       CASE WHEN keep THEN deathYear END AS died,
                       CASE WHEN keep THEN primaryProfession END AS professions,
                       CASE WHEN keep THEN knownForTitles END AS known_for,
                       CASE WHEN keep THEN {_control(name)} END AS control
                FROM {self._kept(name, "nid", "credited")}"""
        )
        self._doubt(
            db,
            name,
            f"""SELECT count(*) FROM n_all WHERE nid IS NULL OR (keep AND (control
                OR {_blank("name")} OR NOT {_int_or_null("born")}
                OR NOT {_int_or_null("died")}))""",
        )
        self._doubt(db, name, "SELECT count(*) - count(DISTINCT nid) FROM n_all WHERE keep")
        rows = self._count(db, "SELECT count(*) FROM n_all")
        kept = self._count(db, "SELECT count(*) FROM n_all WHERE keep")
        self.report.counts["people"] = kept
        self._done(name, kept, rows)

    # ------------------------------------------------------------ writing

    def _ready(self, db: Any, writer: _Writer, table: str) -> None:
        """This table's rows made ready to be written, sorted and keyed, in a DuckDB table
        `ready_<table>`, and handed to the writer, which drops it once written."""
        db.execute(f"CREATE TABLE ready_{table} AS {_READY[table]}")
        writer.put(table, f"SELECT * FROM ready_{table}", (f"ready_{table}",))

    def _write(self, db: Any, table: str, sql: str) -> None:
        """The rows of `sql` into this table of the world file through ADBC, in key order
        (cheap appends to the B-trees)."""
        import adbc_driver_sqlite.dbapi as adbc

        with contextlib.closing(adbc.connect(str(self.target), autocommit=True)) as conn:
            cursor = conn.cursor()
            self._live.append(_Cancel(cursor))
            try:
                cursor.execute("PRAGMA journal_mode = OFF")
                cursor.execute("PRAGMA synchronous = OFF")
                columns = ", ".join(c for c, _kind, _notnull in schema.COLUMNS[table])
                stream = db.sql(f"SELECT * FROM ({sql}) AS q({columns})")
                cursor.adbc_ingest(table, stream, mode="append")
            finally:
                cursor.close()

    def _finish(self, table: str) -> None:
        """This table's indexes (the world writer's finish() builds only what is missing)."""
        import sqlite3

        with contextlib.closing(
            sqlite3.connect(self.target, isolation_level=None, check_same_thread=False)
        ) as conn:
            self._live.append(conn)
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA cache_size = -65536")
            # The index sort spills to a file beyond the cache, not to memory: it runs beside
            # DuckDB's reading (IMDb's full size peaked at 983 MiB with both in memory).
            conn.execute("PRAGMA temp_store = FILE")
            conn.execute("BEGIN")
            for index in schema.INDEXES:
                if index.table == table:
                    conn.execute(schema.create_index_sql(index))
            conn.execute("COMMIT")

    def _empty(self) -> None:
        """Undo what the writer did: no rows, no indexes."""
        import sqlite3

        with contextlib.closing(sqlite3.connect(self.target, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode = OFF")
            for index in schema.INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {index.name}")
            for table in schema.TABLE_NAMES:
                conn.execute(f"DELETE FROM {table}")


class _Cancel:
    """An ADBC cursor's cancel as interrupt()."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def interrupt(self) -> None:
        self.cursor.adbc_cancel()


# The rows of each world table as written, from the DuckDB tables of the reading.
_READY = {
    "titles": f"""SELECT t.id, t.type, t.title, t.original, t.adult, t.year, t.runtime, g.name,
                         r.rating, r.votes, {_key("t.title")}
                  FROM t LEFT JOIN r ON r.id = t.id LEFT JOIN g ON g.raw = t.genres
                  ORDER BY t.id""",
    "aka_keys": """SELECT key, tid, CAST(ordering AS BIGINT) AS ordering FROM a
                   WHERE key IS NOT NULL ORDER BY key, tid, ordering""",
    "principals": """SELECT title_id, ordering, name_id, category, job, characters FROM p
                     UNION ALL
                     SELECT title_id, ordering, name_id, category, NULL, NULL FROM crew
                     ORDER BY title_id, ordering""",
    "names": f"""SELECT nid, name, {_key("name")}, CAST(born AS INTEGER),
                        CAST(died AS INTEGER), professions, known_for
                 FROM n_all WHERE keep ORDER BY nid""",
}
# The alternative titles are read in key order and keyed (_grouped): written as they are.
_AKAS = "SELECT tid, CAST(ordering AS BIGINT), title, region, language, key FROM a"


@contextlib.contextmanager
def _checking(duckdb: Any) -> Iterator[None]:
    """DuckDB's errors while reading are doubts; its interrupt is Ctrl-C."""
    try:
        yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except duckdb.Error as error:  # a CSV error, a damaged stream, ...
        raise Doubt(str(error).splitlines()[0]) from None


class _Writer:
    """A thread of its own that writes each table handed to it, drops the DuckDB tables it
    read, then indexes it, one table after another (one writer per SQLite file), while
    the reading goes on."""

    def __init__(self, loader: CompiledLoader, db: Any) -> None:
        self.loader, self.db = loader, db
        self.error: BaseException | None = None
        self._abandoned = False
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self.thread: threading.Thread | None = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def put(self, table: str, sql: str, sources: tuple[str, ...] = ()) -> threading.Event:
        """Write `table` from `sql`, then drop `sources`; set the event returned once the
        rows are written. A failure so far is raised here."""
        if self.error is not None:
            self.close()
        written = threading.Event()
        self._queue.put(_Job(table, sql, sources, written))
        return written

    def _work(self) -> None:
        quiet_thread()
        while (job := self._queue.get()) is not None:
            try:
                if self.error is None and not self._abandoned:  # else passed over
                    self.loader._write(self.db, job.table, job.sql)
                    job.written.set()
                    for source in job.sources:
                        self.db.execute(f"DROP TABLE {source}")
                    self.loader._finish(job.table)
            except BaseException as error:  # handed to the reading thread by close()
                self.error = error
            finally:
                job.written.set()

    def close(self, *, raising: bool = True, abandon: bool = False) -> None:
        """Wait for what was handed over to be written (`abandon`: only what is being
        written now), then raise its failure."""
        self._abandoned = self._abandoned or abandon
        if self.thread is not None:
            self._queue.put(None)
            self.thread.join()
            self.thread = None
        if raising and self.error is not None:
            error, self.error = self.error, None
            raise error


class _Beside:
    """A piece of the reading run on a cursor and in a thread of its own, beside the
    rest; wait() raises its failure (a DuckDB error as a doubt, as _checking says)."""

    def __init__(self, work: Callable[[Any], None], db: Any, duckdb: Any) -> None:
        self.error: BaseException | None = None
        self.cursor = db.cursor()

        def run() -> None:
            quiet_thread()
            try:
                with _checking(duckdb):
                    work(self.cursor)
            except BaseException as error:  # raised again by wait()
                self.error = error

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Interrupt it if it still runs, and wait for it."""
        if self.thread.is_alive():
            with contextlib.suppress(Exception):
                self.interrupt()
        self.thread.join()

    def interrupt(self) -> None:
        self.cursor.interrupt()


class _Job(NamedTuple):
    table: str
    sql: str
    sources: tuple[str, ...]
    written: threading.Event


class _Flusher:
    """Hands the new world's written pages to the disk every second while the load goes
    on, so that the sync's last fsync (before the switch) has only the last second's to
    wait for: the disk works beside the CPU instead of after it. A write the disk refused
    is reported to one fsync only (Linux): this one's is kept and raised by check()."""

    PERIOD = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: OSError | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self) -> None:
        quiet_thread()
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as error:
            self.error = error
            return
        try:
            while not self._stop.wait(self.PERIOD):
                os.fsync(fd)
            os.fsync(fd)  # what the last second wrote, on this descriptor too
        except OSError as error:
            self.error = error
        finally:
            os.close(fd)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()

    def check(self) -> None:
        """Raise what the disk refused, if anything."""
        if self.error is not None:
            raise self.error


class _Verify:
    """Each gzip stream inflated (files.inflate: ISA-L) in a thread of its own, for its
    check sums alone: DuckDB checks neither a member's CRC-32 nor its length, which the
    standard reader refuses as a damaged file. About 1 s of CPU per 220 MB compressed,
    beside DuckDB's work (the inflate lets go of Python's lock)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.error: str | None = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._work, daemon=True)
        self.thread.start()

    def _work(self) -> None:
        import zlib

        quiet_thread()
        for path in self.paths:
            try:
                with open(path, "rb") as raw:
                    for _ in inflate(cast(BinaryIO, _Stopping(raw, self._stop))):
                        pass
            except (zlib.error, OSError, EOFError, ValueError) as error:
                self.error = f"{path.name}: {error}"
                return
            if self._stop.is_set():
                return

    def interrupt(self) -> None:
        self._stop.set()

    def wait(self) -> None:
        """Raises Doubt if a stream is damaged (or the check was stopped)."""
        self.thread.join()
        if self.error is not None:
            raise Doubt(self.error)
        if self._stop.is_set():
            raise Doubt("the gzip streams' check was stopped")


class _Stopping:
    """A file read a block at a time that reads as ended once `stop` is set."""

    def __init__(self, raw: Any, stop: threading.Event) -> None:
        self.raw, self.stop = raw, stop

    def read(self, size: int = READ_BUFFER) -> bytes:
        return b"" if self.stop.is_set() else bytes(self.raw.read(size))
