"""moviecli's own export, read back (the writers are in moviecli/exporters/).

JSON holds everything (genres, users, movies with their genres, external ids and
timestamps, ratings with reviews, tags) and is laid out one record per line, so the
import streams as the export does: a 25-million-rating catalog never sits in memory.
A copy that was reformatted by another tool is read whole instead. Importing it into
an empty catalog gives the same ids and timestamps back.

CSV holds ratings joined with their movie's title and year; the leading ' that the
export put before cells starting with = + - @ is taken off again."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moviecli.errors import ImportFormatError
from moviecli.exporters.moviecli_format import CSV_FIELDS, FORMAT_NAME, SECTIONS
from moviecli.importers import validate
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows
from moviecli.importers.guard import open_file
from moviecli.importers.records import (
    GenreRecord,
    ImportSource,
    Item,
    ListItemRecord,
    ListRecord,
    MovieRecord,
    PersonRecord,
    Progress,
    RatingRecord,
    Reject,
    TagRecord,
    UserRecord,
    ViewingRecord,
    WatchlistRecord,
    canonical_time,
)
from moviecli.render.text import unneutralise
from moviecli.rules import check_flag, from_iso, is_half_star, parse_day

# ---------------------------------------------------------------- timestamps


def stored(text: str) -> str:
    """ISO 8601 (with Z or an offset, or naive UTC) back to the stored form."""
    return canonical_time(from_iso(text.strip()))


# ---------------------------------------------------------------- reading


def looks_like_csv(header: list[str]) -> bool:
    return [cell.strip() for cell in header] == CSV_FIELDS


def open_path(path: Path) -> ImportSource:
    source = CsvInput.from_path(path)
    source.check_not_empty_or_binary()
    head = source.head().lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return ImportSource(
            format="moviecli",
            description=f"moviecli export {path}",
            items=lambda: _json_items(path),
            total_bytes=source.size,
            merge_same_title=False,
            watchlist_skips_watched=False,
            undated_only_when_unseen=False,
            validated=True,
        )
    return ImportSource(
        format="moviecli",
        description=f"moviecli CSV export {path}",
        items=lambda: _csv_items(source),
        total_bytes=source.size,
        merge_same_title=False,
    )


class _NotLineLayout(Exception):
    pass


def _json_items(path: Path) -> Iterator[Item]:
    """Line by line when the file has our layout, else the whole document at once."""
    info = path.stat()
    size = info.st_size
    try:
        yield from _records(_lines(path, info), size)
    except _NotLineLayout:
        try:
            with open_file(path, info) as f:
                document = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ImportFormatError(f"{path} is not valid JSON ({error})") from None
        except RecursionError:
            raise ImportFormatError(f"{path}: JSON nested too deeply to be an export") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise ImportFormatError(f"{path} is not a moviecli export") from None
        yield from _records(_whole(document), size)


# (line, where, bytes read, section, value): `where` names a record whose line number
# says nothing (a reformatted document is read whole).
Entry = tuple[int, str, int, str | None, Any]


def _lines(path: Path, info: os.stat_result) -> Iterator[Entry]:
    """A section's records, or (None, {key: value}) for the lines around them."""
    section: str | None = None
    done = 0
    records = 0
    with open_file(path, info) as f:
        for number, raw in enumerate(f, start=1):
            done += len(raw)
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError:
                raise ImportFormatError(f"{path}, line {number}: not UTF-8 text") from None
            if number == 1:
                if line != "{":
                    raise _NotLineLayout
                continue
            if section is None:
                if line == "}":
                    continue  # read on to the end: the file must still be whole there
                if line.endswith("["):
                    name = line[:-1].rstrip().rstrip(":").strip().strip('"')
                    if name not in SECTIONS:
                        raise _NotLineLayout
                    section = name
                    continue
                try:
                    value = json.loads("{" + line.rstrip(",") + "}")
                except (json.JSONDecodeError, RecursionError):
                    raise _NotLineLayout from None
                yield number, "", done, None, value
                continue
            if line in ("]", "],"):
                section = None
                continue
            try:
                value = json.loads(line.rstrip(","))
            except json.JSONDecodeError as error:
                if not records:
                    raise _NotLineLayout from None  # laid out otherwise (indented)
                raise ImportFormatError(
                    f"{path}, line {number}: not valid JSON ({error})"
                ) from None
            except RecursionError:
                raise ImportFormatError(
                    f"{path}, line {number}: JSON nested too deeply to be an export"
                ) from None
            records += 1
            yield number, "", done, section, value


def _whole(document: dict[str, Any]) -> Iterator[Entry]:
    yield 0, "", 0, None, {k: v for k, v in document.items() if k not in SECTIONS}
    count = 0
    for section in SECTIONS:
        records = document.get(section) or []
        if not isinstance(records, list):
            raise ImportFormatError(f"the export's {section!r} is not a list")
        for index, record in enumerate(records, start=1):
            count += 1  # each record a row of its own in the summary
            yield count, f"{section} record {index}", 0, section, record


def _records(lines: Iterator[Entry], size: int) -> Iterator[Item]:
    users: dict[int, str] = {}
    moments = validate.Moments()
    checked = False
    for count, (line, where, done, section, value) in enumerate(lines):
        if section is None:
            if not isinstance(value, dict) or value.get("format", FORMAT_NAME) != FORMAT_NAME:
                raise ImportFormatError("not a moviecli export (its 'format' says otherwise)")
            checked = checked or "format" in value
            continue
        if not checked:
            raise ImportFormatError("not a moviecli export (no 'format' line at the top)")
        try:
            if not isinstance(value, dict):
                raise TypeError(f"a record must be a JSON object (got {type(value).__name__})")
            item = _record(section, value, line, users)
            validate.record(item, moments)
        except (KeyError, TypeError, AttributeError) as error:
            yield Reject(line, f"bad {section} record ({type(error).__name__}: {error})", "", where)
            continue
        except ValueError as error:
            yield Reject(line, f"bad {section} record: {error}", "", where)
            continue
        if item is not None:
            yield item
        if count % 10_000 == 0 and done:
            yield Progress(done, size)
    yield Progress(size, size)


ID_MAX = 2**63 - 1  # the largest id either engine stores


def _id(value: Any) -> int:
    """An id or a position: a whole number either engine can store."""
    number = int(value)
    if not 0 <= number <= ID_MAX:
        raise ValueError(f"an id or position must be 0 to {ID_MAX} (got {number})")
    return number


def _text(value: dict[str, Any], key: str) -> str | None:
    """An optional text field: a string or null, nothing else."""
    found = value.get(key)
    if found is None or isinstance(found, str):
        return found
    raise TypeError(f"{key} must be text or null (got {type(found).__name__})")


def _record(section: str, value: dict[str, Any], line: int, users: dict[int, str]) -> Item | None:
    if section == "genres":
        return GenreRecord(name=str(value["name"]), id=_id(value["id"]), line=line)
    if section == "users":
        users[_id(value["id"])] = str(value["name"])
        return UserRecord(name=str(value["name"]), id=_id(value["id"]), line=line)
    if section == "movies":
        year = value.get("year")
        runtime = value.get("runtime_minutes")
        return MovieRecord(
            key=_id(value["id"]),
            line=line,
            id=_id(value["id"]),
            title=str(value["title"]),
            year=None if year is None else int(year),
            genres=[str(g) for g in value.get("genres") or []],
            original_title=_text(value, "original_title"),
            runtime_minutes=None if runtime is None else int(runtime),
            director=_text(value, "director"),
            external_ids={str(k): str(v) for k, v in (value.get("external_ids") or {}).items()},
            more_external_ids=[(str(s), str(v)) for s, v in value.get("more_external_ids") or []],
            credits=None
            if "people" not in value
            else [
                (str(c["role"]), _id(c["person_id"]), _id(c["position"])) for c in value["people"]
            ],
            created_at=stored(value["created_at"]) if value.get("created_at") else None,
            updated_at=stored(value["updated_at"]) if value.get("updated_at") else None,
        )
    if section == "ratings":
        user_id = _id(value["user_id"])
        score = float(value["score"])
        if not is_half_star(score):
            raise ValueError(f"score must be 0.5 to 5 in half stars (got {score})")
        return RatingRecord(
            movie_key=_id(value["movie_id"]),
            user=users[user_id],
            user_id=user_id,
            score=score,
            rated_at=stored(value["rated_at"]),
            review=_text(value, "review"),
            line=line,
        )
    if section == "people":
        return PersonRecord(name=str(value["name"]), id=_id(value["id"]), line=line)
    if section == "viewings":
        watched_on = value.get("watched_on")
        user_id = _id(value["user_id"])
        return ViewingRecord(
            movie_key=_id(value["movie_id"]),
            user=users[user_id],
            watched_on=None
            if watched_on is None
            else parse_day(watched_on, what="watched_on").isoformat(),
            rewatch=check_flag(value["rewatch"], what="rewatch"),
            review=_text(value, "review"),
            created_at=stored(value["created_at"]),
            id=_id(value["id"]),
            line=line,
        )
    if section == "watchlist":
        return WatchlistRecord(
            movie_key=_id(value["movie_id"]),
            user=users[_id(value["user_id"])],
            added_at=stored(value["added_at"]),
            note=_text(value, "note"),
            line=line,
        )
    if section == "lists":
        return ListRecord(
            key=_id(value["id"]),
            id=_id(value["id"]),
            user=users[_id(value["user_id"])],
            name=str(value["name"]),
            description=_text(value, "description"),
            ranked=check_flag(value["ranked"], what="ranked"),
            created_at=stored(value["created_at"]),
            line=line,
        )
    if section == "list_items":
        return ListItemRecord(
            list_key=_id(value["list_id"]),
            movie_key=_id(value["movie_id"]),
            position=_id(value["position"]),
            note=_text(value, "note"),
            added_at=stored(value["added_at"]),
            line=line,
        )
    if section == "tags":
        return TagRecord(
            movie_key=_id(value["movie_id"]),
            user=users[_id(value["user_id"])],
            tag=str(value["tag"]),
            tagged_at=stored(value["tagged_at"]),
            line=line,
        )
    return None


def _csv_items(source: CsvInput) -> Iterator[Item]:
    seen: set[int] = set()
    for row in checked_rows(
        source,
        required={name: [name] for name in CSV_FIELDS},
        what="a moviecli CSV export",
        progress_every=10_000,
    ):
        if not isinstance(row, CsvRow):
            yield row
            continue
        line = row.line
        try:
            cells = {name: unneutralise(row.cells[row.index[name]]) for name in CSV_FIELDS}
            movie_id = _id(cells["movie_id"])
            title = cells["title"].strip()
            year = int(cells["year"]) if cells["year"].strip() else None
            score = float(cells["score"])
            if not is_half_star(score):
                raise ValueError(f"score must be 0.5 to 5 in half stars (got {cells['score']!r})")
            rated_at = stored(cells["rated_at"])
        except ValueError as error:
            yield Reject(line, str(error))
            continue
        if movie_id not in seen:
            seen.add(movie_id)
            yield MovieRecord(key=movie_id, id=movie_id, line=line, title=title, year=year)
        yield RatingRecord(
            movie_key=movie_id,
            user=cells["user"].strip(),
            score=score,
            rated_at=rated_at,
            review=cells["review"] or None,
            line=line,
        )
