"""Build a new world from IMDb's files in bounded memory, beside the old one.

One pass over each file, in this order: ratings (kept as packed ints by title id),
title.basics (the titles of the loaded types: their ids become a dict of ints, each to
its title's search key), akas and principals filtered to those ids (collecting the
credited people's ids), crew (directors and writers the principals lack), name.basics
filtered to the credited people. Rows go to the engine's writer (writers.py) in batches
as they are read, so memory holds only the ids (and the films' title keys). Rows that
break the format are rejected one by one (file, line, reason); `strict` fails the load
at the first. Blank lines are passed over, neither rows nor errors.

compiled.py reads the same files faster when it can vouch for them; this reader is the
reference: it reads anything and names every bad row."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from moviecli.errors import MoviecliError
from moviecli.models.views import MAX_REJECTS_SHOWN, Reject
from moviecli.rules import genre_name, search_key
from moviecli.store.world.files import Lines, WorldFile

BATCH = 20_000
Block = tuple[int, list[bytes]]  # the first row's line number, the rows' bytes
# A per-title file's row made into the table's row from (title id, ordering, fields);
# raises RowError for a row that breaks the format.
RowMaker = Callable[[int, int, list[str]], tuple[object, ...]]
NULL = "\\N"
NULL_B = b"\\N"
# The name of each grouped file's first column, for messages.
HEADER_ID = {"title.akas": "titleId", "title.principals": "tconst"}
# Control characters (but the tab that separates fields) and undecodable bytes.
_REFUSED = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\udc80-\udcff]")
# title.principals' categories of the directors and writers title.crew names.
CREW_CATEGORIES = ("director", "writer")


class RejectedRowError(MoviecliError):
    """--strict: the first rejected row fails the sync."""


class RowError(ValueError):
    pass


@dataclass
class LoadOptions:
    types: frozenset[str] = frozenset({"movie"})
    adult: bool = False
    strict: bool = False


@dataclass
class FileReport:
    name: str
    rows: int = 0  # data rows read
    kept: int = 0  # rows stored
    rejected: int = 0
    last_modified: str | None = None
    etag: str | None = None


@dataclass
class LoadReport:
    files: dict[str, FileReport] = field(default_factory=dict)
    rejected: list[Reject] = field(default_factory=list)
    rejected_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # films, people, credits, akas
    seconds: float = 0.0
    reader: str = "standard"  # or "compiled" (compiled.py)


class Writer:
    """What the loader needs of a world store (writers.SqliteWorldWriter, PostgresWorldWriter)."""

    def write(self, table: str, rows: list[tuple[object, ...]]) -> None:
        raise NotImplementedError


Progress = Callable[[str, int, int], None]  # file name, bytes done, bytes in all


def _int(text: str, what: str) -> int | None:
    if text == NULL:
        return None
    if not (text.isascii() and text.isdigit()):
        raise RowError(f"{what} must be a whole number (got {text!r})")
    return int(text)


def _text(text: str) -> str | None:
    return None if text == NULL else text


def _id(text: str, prefix: str, what: str) -> int:
    number = text[2:]
    if not (text.startswith(prefix) and number.isascii() and number.isdigit()):
        raise RowError(f"{what} must be an IMDb id like {prefix}0000001 (got {text!r})")
    return int(number)


def _group(key: bytes, what: str, ids: Container[int], done: set[int]) -> tuple[int, bool, str]:
    """A new title's group of rows: (its id, whether its rows are loaded, why every row
    of it is refused or ""). A title whose rows come back after another title's is
    refused: the files are in IMDb's order, grouped by title."""
    try:
        tid = _bid(key, b"tt", what)
    except RowError as error:
        return -1, False, str(error)
    if tid in done:
        return (
            tid,
            False,
            (
                f"the rows of {_shown(key)} are not together (the file must be in IMDb's order, "
                "grouped by title)"
            ),
        )
    return tid, tid in ids, ""


def _shown(raw: bytes) -> str:
    return repr(raw.decode("utf-8", "replace"))


def _bid(raw: bytes, prefix: bytes, what: str) -> int:
    """An id straight from the file's bytes (the rows passed over are never decoded)."""
    number = raw[2:]
    if not (raw.startswith(prefix) and number.isdigit()):
        raise RowError(
            f"{what} must be an IMDb id like {prefix.decode()}0000001 (got {_shown(raw)})"
        )
    return int(number)


def _why(line: bytes, columns: int, what: str = "") -> str:
    """Why a row whose first fields did not read is refused."""
    fields = line.split(b"\t")
    if len(fields) != columns:
        return f"expected {columns} tab-separated fields, got {len(fields)}"
    if what:
        prefix = b"nm" if what == "nconst" else b"tt"
        try:
            _bid(fields[0], prefix, what)
        except RowError as error:
            return str(error)
    return "the row does not read"


def _required(text: str, what: str) -> str:
    if text == NULL or not text.strip():
        raise RowError(f"{what} is missing")
    return text


class WorldLoader:
    """Reads the files in order and hands each table's rows to the writer."""

    def __init__(
        self,
        writer: Writer,
        files: dict[str, WorldFile],
        options: LoadOptions,
        progress: Progress | None = None,
    ) -> None:
        self.writer = writer
        self.files = files
        self.options = options
        self.progress = progress
        self.report = LoadReport()
        self._genres: dict[str, str | None] = {NULL: None}

    # ------------------------------------------------------------ running

    def run(self) -> LoadReport:
        started = time.perf_counter()
        ratings = self._ratings() if "title.ratings" in self.files else {}
        ids = self._titles(ratings)
        del ratings
        if "title.akas" in self.files:
            self._akas(ids)
        credited, last_ordering, crew_pairs = self._principals(ids)
        if "title.crew" in self.files:
            self._crew(ids, credited, last_ordering, crew_pairs)
        del last_ordering, crew_pairs
        self._names(credited)
        self.report.counts["films"] = len(ids)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _open(self, name: str) -> tuple[Lines, FileReport]:
        file = self.files[name]
        report = FileReport(name, last_modified=file.last_modified, etag=file.etag)
        self.report.files[name] = report
        return Lines(file), report

    def _reject(self, report: FileReport, line: int, reason: str) -> None:
        report.rejected += 1
        self.report.rejected_count += 1
        name = self.files[report.name].path.name
        if self.options.strict:
            raise RejectedRowError(f"{name}, line {line}: {reason} (--strict: nothing was changed)")
        if len(self.report.rejected) < MAX_REJECTS_SHOWN:
            self.report.rejected.append(Reject(line, reason, name))

    def _check(self, raw: bytes, columns: int) -> list[str]:
        """A kept row decoded and checked: UTF-8, no control character, `columns` fields."""
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RowError("the row is not valid UTF-8") from None
        found = _REFUSED.search(line)
        if found is not None:
            raise RowError(f"the row contains a control character (U+{ord(found.group()):04X})")
        fields = line.split("\t")
        if len(fields) != columns:
            raise RowError(f"expected {columns} tab-separated fields, got {len(fields)}")
        return fields

    @contextmanager
    def _reading(self, name: str) -> Iterator[tuple[FileReport, Iterator[Block]]]:
        """A file open for reading: its report, and its rows a block at a time (the first
        row's line number, the rows' bytes), counted and the progress shown as read."""
        lines, report = self._open(name)
        with lines:
            yield report, self._counted(lines, report)

    def _counted(self, lines: Lines, report: FileReport) -> Iterator[Block]:
        for first, block in lines.blocks():
            report.rows += len(block) - block.count(b"")  # a blank line is not a row
            self._tick(lines, report.name)
            yield first, block

    def _tick(self, lines: Lines, name: str) -> None:
        if self.progress is not None:
            self.progress(name, lines.done, self.files[name].size)

    def _flush(self, table: str, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        if rows:
            self.writer.write(table, rows)
        return []

    # ------------------------------------------------------------ the files

    def _ratings(self) -> dict[int, int]:
        """title id -> votes * 128 + rating * 10 (one int each: 1.5M titles rated)."""
        ratings: dict[int, int] = {}
        with self._reading("title.ratings") as (report, blocks):
            for first, block in blocks:
                for offset, line in enumerate(block):
                    if not line:
                        continue  # a blank line is no row (as for DuckDB and csv.DictReader)
                    try:
                        tconst, rating, votes = line.split(b"\t")
                        tid = _bid(tconst, b"tt", "tconst")
                        try:
                            value = float(rating) if rating != NULL_B else -1.0
                        except ValueError:
                            value = -1.0
                        if not (0.0 <= value <= 10.0):
                            raise RowError(f"averageRating must be 0 to 10 (got {_shown(rating)})")
                        if not votes.isdigit():
                            raise RowError(f"numVotes must be a whole number (got {_shown(votes)})")
                    except ValueError as error:
                        reason = str(error) if isinstance(error, RowError) else _why(line, 3)
                        self._reject(report, first + offset, reason)
                        continue
                    ratings[tid] = int(votes) * 128 + round(value * 10)
        return ratings

    def _genres_of(self, text: str) -> str | None:
        found = self._genres.get(text)
        if found is None and text not in self._genres:
            names = [genre_name(g) for g in text.split(",") if g.strip()]
            found = "|".join(names) or None
            self._genres[text] = found
        return found

    def _titles(self, ratings: dict[int, int]) -> dict[int, str]:
        """The loaded titles: id -> the primary title's search key."""
        ids: dict[int, str] = {}
        types = {t.encode() for t in self.options.types}
        adult_ok = self.options.adult
        rows: list[tuple[object, ...]] = []
        with self._reading("title.basics") as (report, blocks):
            for first, block in blocks:
                for offset, line in enumerate(block):
                    if not line:
                        continue  # a blank line is no row (as for DuckDB and csv.DictReader)
                    head = line.split(b"\t", 2)
                    if len(head) == 3 and head[1] not in types:
                        continue
                    try:
                        fields = self._check(line, 9)
                        tid = _id(fields[0], "tt", "tconst")
                        adult = fields[4]
                        if adult not in ("0", "1"):
                            raise RowError(f"isAdult must be 0 or 1 (got {adult!r})")
                        if adult == "1" and not adult_ok:
                            continue
                        if tid in ids:
                            raise RowError(f"{fields[0]} appears twice")
                        title = _required(fields[2], "primaryTitle")
                        year = _int(fields[5], "startYear")
                        runtime = _int(fields[7], "runtimeMinutes")
                        genres = self._genres_of(fields[8])
                    except RowError as error:
                        self._reject(report, first + offset, str(error))
                        continue
                    packed = ratings.get(tid)
                    key = ids[tid] = search_key(title)
                    rows.append(
                        (
                            tid,
                            fields[1],
                            title,
                            _text(fields[3]),
                            int(adult),
                            year,
                            runtime,
                            genres,
                            (packed % 128) / 10 if packed is not None else None,
                            packed // 128 if packed is not None else None,
                            key,
                        )
                    )
                    if len(rows) >= BATCH:
                        rows = self._flush("titles", rows)
            self._flush("titles", rows)
        report.kept = len(ids)
        return ids

    def _grouped(self, name: str, ids: Container[int]) -> Iterator[list[tuple[int, int, bytes]]]:
        """The rows of loaded titles in a file grouped by title (akas, principals), a
        block at a time: [(line number, title id, the row's bytes)]. Rows of other titles
        are passed over without being decoded (most of the file)."""
        what = HEADER_ID[name]
        last_key = b""
        keep = False
        refused = ""
        tid = 0
        done: set[int] = set()  # titles whose rows are behind us
        with self._reading(name) as (report, blocks):
            for first, block in blocks:
                kept: list[tuple[int, int, bytes]] = []
                for offset, line in enumerate(block):
                    if not line:
                        continue  # a blank line is no row (as for DuckDB and csv.DictReader)
                    key = line[: line.find(b"\t")]
                    if key != last_key:
                        if keep:
                            done.add(tid)
                        last_key = key
                        number = key[2:]
                        if key[:2] == b"tt" and number.isdigit():  # the quick way, inlined
                            tid = int(number)
                            keep = tid in ids
                            refused = ""
                            if keep and tid in done:
                                tid, keep, refused = _group(key, what, ids, done)
                        else:
                            tid, keep, refused = _group(key, what, ids, done)
                    if keep:
                        kept.append((first + offset, tid, line))
                    elif refused:
                        self._reject(report, first + offset, refused)
                if kept:
                    yield kept

    def _per_title(
        self, name: str, table: str, ids: Container[int], columns: int, make: RowMaker
    ) -> int:
        """Load a file of rows grouped by title (title.akas, title.principals) into
        `table`: each kept row checked (`columns` fields, its ordering a whole number
        once per title) and made by `make`; a row that breaks the format is counted by
        file and line. Returns how many rows were loaded."""
        rows: list[tuple[object, ...]] = []
        count = 0
        current = -1
        seen: set[int] = set()
        check = self._check
        for kept in self._grouped(name, ids):
            for number, tid, line in kept:
                if tid != current:
                    current, seen = tid, set()
                try:
                    fields = check(line, columns)
                    ordering = _ordering(fields, seen)
                    row = make(tid, ordering, fields)
                except RowError as error:
                    self._reject(self.report.files[name], number, str(error))
                    continue
                seen.add(ordering)
                count += 1
                rows.append(row)
            if len(rows) >= BATCH:
                rows = self._flush(table, rows)
        self._flush(table, rows)
        self.report.files[name].kept = count
        return count

    def _akas(self, ids: dict[int, str]) -> None:
        def aka(tid: int, ordering: int, fields: list[str]) -> tuple[object, ...]:
            title = fields[2]
            if title == NULL or not title.strip():
                raise RowError("title is missing")
            region, language = fields[3], fields[4]
            key = search_key(title)
            return (
                tid,
                ordering,
                title,
                None if region == NULL else region,
                None if language == NULL else language,
                None if key == ids[tid] else key,  # schema: the film's own title is no aka key
            )

        self.report.counts["akas"] = self._per_title("title.akas", "akas", ids, 8, aka)

    def _principals(
        self, ids: Container[int]
    ) -> tuple[set[int], dict[int, int], set[tuple[int, int, str]]]:
        """Returns the credited people, each title's last ordering and its (title, person,
        category) directors and writers, for title.crew to add what is missing."""
        credited: set[int] = set()
        last_ordering: dict[int, int] = {}
        crew_pairs: set[tuple[int, int, str]] = set()

        def credit(tid: int, ordering: int, fields: list[str]) -> tuple[object, ...]:
            nconst = fields[2]
            digits = nconst[2:]
            if not (nconst[:2] == "nm" and digits.isascii() and digits.isdigit()):
                raise RowError(f"nconst must be an IMDb id like nm0000001 (got {nconst!r})")
            nid = int(digits)
            category = fields[3]
            if category == NULL or not category.strip():
                raise RowError("category is missing")
            listed = fields[5]
            if listed != NULL and not (listed[:1] == "[" and listed[-1:] == "]"):
                raise RowError(f"characters must be a JSON array (got {listed!r})")
            # The row is kept: what title.crew needs to know of it.
            if ordering > last_ordering.get(tid, 0):
                last_ordering[tid] = ordering
            credited.add(nid)
            if category in CREW_CATEGORIES:
                crew_pairs.add((tid, nid, category))
            job = fields[4]
            return (
                tid,
                ordering,
                nid,
                category,
                None if job == NULL else job,
                None if listed == NULL else listed,
            )

        count = self._per_title("title.principals", "principals", ids, 6, credit)
        self.report.counts["credits"] = count
        return credited, last_ordering, crew_pairs

    def _crew(
        self,
        ids: Container[int],
        credited: set[int],
        last_ordering: dict[int, int],
        crew_pairs: set[tuple[int, int, str]],
    ) -> None:
        """Directors and writers title.crew names that title.principals leaves out,
        added after the title's own credits."""
        rows: list[tuple[object, ...]] = []
        added = 0
        with self._reading("title.crew") as (report, blocks):
            for first, block in blocks:
                for offset, line in enumerate(block):
                    if not line:
                        continue  # a blank line is no row (as for DuckDB and csv.DictReader)
                    try:
                        tid = int(line[2 : line.find(b"\t")])
                    except ValueError:
                        tid = -1
                    if tid not in ids:
                        if tid < 0:
                            self._reject(report, first + offset, _why(line, 3, "tconst"))
                        continue
                    try:
                        _tconst, directors, writers = self._check(line, 3)
                        wanted: list[tuple[int, str]] = []
                        for category, text in (("director", directors), ("writer", writers)):
                            if text == NULL:
                                continue
                            for one in text.split(","):
                                wanted.append((_id(one, "nm", category + "s"), category))
                    except RowError as error:
                        self._reject(report, first + offset, str(error))
                        continue
                    ordering = last_ordering.get(tid, 0)
                    for nid, category in wanted:
                        if (tid, nid, category) in crew_pairs:
                            continue
                        crew_pairs.add((tid, nid, category))
                        ordering += 1
                        credited.add(nid)
                        rows.append((tid, ordering, nid, category, None, None))
                        added += 1
                    last_ordering[tid] = ordering
                    if len(rows) >= BATCH:
                        rows = self._flush("principals", rows)
            self._flush("principals", rows)
        report.kept = added
        self.report.counts["credits"] = self.report.counts.get("credits", 0) + added

    def _names(self, credited: set[int]) -> None:
        rows: list[tuple[object, ...]] = []
        kept = 0
        check = self._check
        with self._reading("name.basics") as (report, blocks):
            for first, block in blocks:
                for offset, line in enumerate(block):
                    if not line:
                        continue  # a blank line is no row (as for DuckDB and csv.DictReader)
                    try:
                        nid = int(line[2 : line.find(b"\t")])
                    except ValueError:
                        self._reject(report, first + offset, _why(line, 6, "nconst"))
                        continue
                    if nid not in credited:
                        continue  # not credited, or met already (a repeated row)
                    try:
                        fields = check(line, 6)
                        if line[:2] != b"nm":
                            _id(fields[0], "nm", "nconst")
                        name = fields[1]
                        if name == NULL or not name.strip():
                            raise RowError("primaryName is missing")
                        born, died = fields[2], fields[3]
                        born_year = None if born == NULL else _int(born, "birthYear")
                        died_year = None if died == NULL else _int(died, "deathYear")
                    except RowError as error:
                        self._reject(report, first + offset, str(error))
                        continue
                    credited.discard(nid)
                    kept += 1
                    professions, known = fields[4], fields[5]
                    rows.append(
                        (
                            nid,
                            name,
                            search_key(name),
                            born_year,
                            died_year,
                            None if professions == NULL else professions,
                            None if known == NULL else known,
                        )
                    )
                    if len(rows) >= BATCH:
                        rows = self._flush("names", rows)
            self._flush("names", rows)
        report.kept = kept
        self.report.counts["people"] = kept


def _ordering(fields: list[str], seen: set[int]) -> int:
    """A row's `ordering` (title.akas, title.principals): a whole number, once per title."""
    text = fields[1]
    if not (text.isascii() and text.isdigit()):
        raise RowError(f"ordering must be a whole number (got {text!r})")
    ordering = int(text)
    if ordering in seen:
        raise RowError(f"{fields[0]} has ordering {ordering} twice")
    return ordering
