"""Build a new world from IMDb's files in bounded memory, beside the old one.

One pass over each file, in this order: ratings (kept as packed ints by title id),
title.basics (the titles of the loaded types: their ids become a set of ints), akas
and principals filtered to those ids (collecting the credited people's ids), crew
(directors and writers the principals lack), name.basics filtered to the credited
people. Rows go to the engine's writer (writers.py) in batches as they are read, so
memory holds only the id sets. Rows that break the format are rejected one by one
(file, line, reason); `strict` fails the load at the first."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from moviecli.errors import MoviecliError
from moviecli.models.views import MAX_REJECTS_SHOWN, Reject
from moviecli.rules import genre_name, text_key
from moviecli.store.world.files import Lines, WorldFile

BATCH = 20_000
NULL = "\\N"
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


def _group(key: str, what: str, ids: set[int], done: set[int]) -> tuple[int, bool, str]:
    """A new title's group of rows: (its id, whether its rows are loaded, why every row
    of it is refused or ""). A title whose rows come back after another title's is
    refused: the files are in IMDb's order, grouped by title."""
    try:
        tid = _id(key, "tt", what)
    except RowError as error:
        return -1, False, str(error)
    if tid in done:
        return (
            tid,
            False,
            (
                f"the rows of {key} are not together (the file must be in IMDb's order, "
                "grouped by title)"
            ),
        )
    return tid, tid in ids, ""


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

    def _check(self, line: str, columns: int) -> list[str]:
        found = _REFUSED.search(line)
        if found is not None:
            code = ord(found.group())
            if 0xDC80 <= code <= 0xDCFF:
                raise RowError("the row is not valid UTF-8")
            raise RowError(f"the row contains a control character (U+{code:04X})")
        fields = line.split("\t")
        if len(fields) != columns:
            raise RowError(f"expected {columns} tab-separated fields, got {len(fields)}")
        return fields

    def _tick(self, lines: Lines, name: str, count: int) -> None:
        if self.progress is not None and count % 65536 == 0:
            self.progress(name, lines.done, self.files[name].size)

    def _flush(self, table: str, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        if rows:
            self.writer.write(table, rows)
        return []

    # ------------------------------------------------------------ the files

    def _ratings(self) -> dict[int, int]:
        """title id -> votes * 128 + rating * 10 (one int each: 1.5M titles rated)."""
        ratings: dict[int, int] = {}
        lines, report = self._open("title.ratings")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "title.ratings", number)
                try:
                    tconst, rating, votes = self._check(line, 3)
                    tid = _id(tconst, "tt", "tconst")
                    value = float(rating) if rating != NULL else None
                    if value is None or not (0.0 <= value <= 10.0):
                        raise RowError(f"averageRating must be 0 to 10 (got {rating!r})")
                    count = _int(votes, "numVotes")
                    if count is None:
                        raise RowError("numVotes is missing")
                except (RowError, ValueError) as error:
                    self._reject(report, number, str(error))
                    continue
                ratings[tid] = count * 128 + round(value * 10)
        return ratings

    def _genres_of(self, text: str) -> str | None:
        found = self._genres.get(text)
        if found is None and text not in self._genres:
            names = [genre_name(g) for g in text.split(",") if g.strip()]
            found = "|".join(names) or None
            self._genres[text] = found
        return found

    def _titles(self, ratings: dict[int, int]) -> set[int]:
        ids: set[int] = set()
        types = self.options.types
        adult_ok = self.options.adult
        rows: list[tuple[object, ...]] = []
        lines, report = self._open("title.basics")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "title.basics", number)
                try:
                    fields = self._check(line, 9)
                    tid = _id(fields[0], "tt", "tconst")
                    if fields[1] not in types:
                        continue
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
                    self._reject(report, number, str(error))
                    continue
                packed = ratings.get(tid)
                rating = (packed % 128) / 10 if packed is not None else None
                votes = packed // 128 if packed is not None else None
                ids.add(tid)
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
                        rating,
                        votes,
                        text_key(title),
                    )
                )
                if len(rows) >= BATCH:
                    rows = self._flush("titles", rows)
            self._flush("titles", rows)
        report.kept = len(ids)
        return ids

    def _akas(self, ids: set[int]) -> None:
        rows: list[tuple[object, ...]] = []
        kept = 0
        last_key = ""
        keep = False
        tid = 0
        refused = ""
        done: set[int] = set()  # titles whose rows are behind us
        seen: set[int] = set()  # orderings of the current title
        lines, report = self._open("title.akas")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "title.akas", number)
                key = line[: line.find("\t")]
                try:
                    if key != last_key:
                        if keep:
                            done.add(tid)
                        last_key, keep, seen = key, False, set()
                        tid, keep, refused = _group(key, "titleId", ids, done)
                    if not keep:
                        if refused:
                            raise RowError(refused)
                        continue
                    fields = self._check(line, 8)
                    ordering = _int(fields[1], "ordering")
                    if ordering is None:
                        raise RowError("ordering is missing")
                    if ordering in seen:
                        raise RowError(f"{key} has ordering {ordering} twice")
                    title = _required(fields[2], "title")
                except RowError as error:
                    self._reject(report, number, str(error))
                    continue
                seen.add(ordering)
                kept += 1
                rows.append(
                    (tid, ordering, title, _text(fields[3]), _text(fields[4]), text_key(title))
                )
                if len(rows) >= BATCH:
                    rows = self._flush("akas", rows)
            self._flush("akas", rows)
        report.kept = kept
        self.report.counts["akas"] = kept

    def _principals(
        self, ids: set[int]
    ) -> tuple[set[int], dict[int, int], set[tuple[int, int, str]]]:
        """Returns the credited people, each title's last ordering and its (title, person,
        category) directors and writers, for title.crew to add what is missing."""
        credited: set[int] = set()
        last_ordering: dict[int, int] = {}
        crew_pairs: set[tuple[int, int, str]] = set()
        rows: list[tuple[object, ...]] = []
        kept = 0
        last_key = ""
        keep = False
        tid = 0
        refused = ""
        done: set[int] = set()
        seen: set[int] = set()
        lines, report = self._open("title.principals")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "title.principals", number)
                key = line[: line.find("\t")]
                try:
                    if key != last_key:
                        if keep:
                            done.add(tid)
                            if seen:
                                last_ordering[tid] = max(seen)
                        last_key, keep, seen = key, False, set()
                        tid, keep, refused = _group(key, "tconst", ids, done)
                    if not keep:
                        if refused:
                            raise RowError(refused)
                        continue
                    fields = self._check(line, 6)
                    ordering = _int(fields[1], "ordering")
                    if ordering is None:
                        raise RowError("ordering is missing")
                    if ordering in seen:
                        raise RowError(f"{key} has ordering {ordering} twice")
                    nid = _id(fields[2], "nm", "nconst")
                    category = _required(fields[3], "category")
                    characters = _text(fields[5])
                    if characters is not None and not (
                        characters.startswith("[") and characters.endswith("]")
                    ):
                        raise RowError(f"characters must be a JSON array (got {characters!r})")
                except RowError as error:
                    self._reject(report, number, str(error))
                    continue
                seen.add(ordering)
                credited.add(nid)
                if category in CREW_CATEGORIES:
                    crew_pairs.add((tid, nid, category))
                kept += 1
                rows.append((tid, ordering, nid, category, _text(fields[4]), characters))
                if len(rows) >= BATCH:
                    rows = self._flush("principals", rows)
            if keep and seen:
                last_ordering[tid] = max(seen)
            self._flush("principals", rows)
        report.kept = kept
        self.report.counts["credits"] = kept
        return credited, last_ordering, crew_pairs

    def _crew(
        self,
        ids: set[int],
        credited: set[int],
        last_ordering: dict[int, int],
        crew_pairs: set[tuple[int, int, str]],
    ) -> None:
        """Directors and writers title.crew names that title.principals leaves out,
        added after the title's own credits."""
        rows: list[tuple[object, ...]] = []
        added = 0
        lines, report = self._open("title.crew")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "title.crew", number)
                try:
                    tid = _id(line[: line.find("\t")], "tt", "tconst")
                    if tid not in ids:
                        continue
                    _tconst, directors, writers = self._check(line, 3)
                    wanted: list[tuple[int, str]] = []
                    for category, text in (("director", directors), ("writer", writers)):
                        if text == NULL:
                            continue
                        for one in text.split(","):
                            wanted.append((_id(one, "nm", category + "s"), category))
                except RowError as error:
                    self._reject(report, number, str(error))
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
        lines, report = self._open("name.basics")
        with lines:
            for number, line in lines:
                report.rows += 1
                self._tick(lines, "name.basics", number)
                try:
                    nid = _id(line[: line.find("\t")], "nm", "nconst")
                    if nid not in credited:
                        continue  # not credited, or met already (a repeated row)
                    fields = self._check(line, 6)
                    name = _required(fields[1], "primaryName")
                    born = _int(fields[2], "birthYear")
                    died = _int(fields[3], "deathYear")
                except RowError as error:
                    self._reject(report, number, str(error))
                    continue
                credited.discard(nid)
                kept += 1
                rows.append(
                    (nid, name, text_key(name), born, died, _text(fields[4]), _text(fields[5]))
                )
                if len(rows) >= BATCH:
                    rows = self._flush("names", rows)
            self._flush("names", rows)
        report.kept = kept
        self.report.counts["people"] = kept
