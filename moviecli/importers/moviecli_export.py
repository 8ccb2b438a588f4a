"""moviecli's own export, written and read here.

JSON holds everything (genres, users, movies with their genres, external ids and
timestamps, ratings with reviews, tags) and is laid out one record per line, so both
the export and the import stream: a 25-million-rating catalog never sits in memory.
It is still one ordinary JSON document; a copy that was reformatted by another tool
is read whole instead. Importing it into an empty catalog gives the same ids and
timestamps back.

CSV holds ratings joined with their movie's title and year, one per row, for a
spreadsheet; cells that start with = + - @ get a leading ' so no spreadsheet runs them
as formulas (and lose it again when imported)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import Session

from moviecli.errors import ImportFormatError
from moviecli.importers.csvfiles import CsvInput, CsvRow, checked_rows
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

FORMAT_NAME = "moviecli-export"
VERSION = 1
CSV_FIELDS = ["movie_id", "title", "year", "user", "score", "review", "rated_at"]
LETTERBOXD_FIELDS = [
    "Title",
    "Year",
    "imdbID",
    "WatchedDate",
    "Rating10",
    "Rewatch",
    "Tags",
    "Review",
]
SECTIONS = (
    "genres",
    "users",
    "people",
    "movies",
    "ratings",
    "tags",
    "viewings",
    "watchlist",
    "lists",
    "list_items",
)


# ---------------------------------------------------------------- timestamps


def iso(stored: str | int | datetime | None) -> str | None:
    """A stored timestamp ('2024-03-31 20:15:00.000000', a naive UTC datetime, or
    milliseconds since 1970) as ISO 8601 UTC."""
    if stored is None:
        return None
    if isinstance(stored, datetime):
        moment = stored.replace(tzinfo=None)
    elif isinstance(stored, int):
        moment = datetime(1970, 1, 1) + timedelta(milliseconds=stored)
    else:
        moment = datetime.fromisoformat(stored)
    return moment.isoformat(timespec="microseconds") + "Z"


def stored(text: str) -> str:
    """ISO 8601 (with Z or an offset, or naive UTC) back to the stored form."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return canonical_time(moment)


# ---------------------------------------------------------------- spreadsheet safety


# ---------------------------------------------------------------- writing


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_json(session: Session, out: TextIO, *, revision: str | None) -> dict[str, int]:
    """Every table, one record per line; returns how many records of each kind."""
    counts = dict.fromkeys(SECTIONS, 0)
    head = {
        "version": VERSION,
        "exported_at": iso(canonical_time(datetime.now(UTC))),
        "schema_revision": revision,
    }
    out.write("{\n" + f'"format": {_dumps(FORMAT_NAME)},\n"export": {_dumps(head)},\n')
    for position, section in enumerate(SECTIONS):
        out.write(f'"{section}": [\n')
        first = True
        for record in _section(session, section):
            out.write(("" if first else ",\n") + _dumps(record))
            first = False
            counts[section] += 1
        out.write(
            ("\n" if not first else "") + ("]\n" if position == len(SECTIONS) - 1 else "],\n")
        )
    out.write("}\n")
    return counts


def _section(session: Session, section: str) -> Iterator[dict[str, Any]]:
    from moviecli.store.repo.dump import stream

    if section == "genres":
        for genre_id, name in stream(session=session, name="genres"):
            yield {"id": genre_id, "name": name}
    elif section == "users":
        for user_id, name in stream(session=session, name="users"):
            yield {"id": user_id, "name": name}
    elif section == "movies":
        yield from _movies(session)
    elif section == "ratings":
        for movie_id, user_id, score, review, rated_at in stream(session=session, name="ratings"):
            yield {
                "movie_id": movie_id,
                "user_id": user_id,
                "score": score,
                "review": review,
                "rated_at": iso(rated_at),
            }
    elif section == "tags":
        for movie_id, user_id, tag, tagged_at in stream(session=session, name="tags"):
            yield {
                "movie_id": movie_id,
                "user_id": user_id,
                "tag": tag,
                "tagged_at": iso(tagged_at),
            }
    elif section == "people":
        for person_id, name in stream(session=session, name="people"):
            yield {"id": person_id, "name": name}
    elif section == "viewings":
        for row in stream(session=session, name="viewings"):
            yield {
                "id": row[0],
                "movie_id": row[1],
                "user_id": row[2],
                "watched_on": None if row[3] is None else str(row[3])[:10],
                "rewatch": bool(row[4]),
                "review": row[5],
                "created_at": iso(row[6]),
            }
    elif section == "watchlist":
        for user_id, movie_id, added_at, note in stream(session=session, name="watchlist"):
            yield {
                "user_id": user_id,
                "movie_id": movie_id,
                "added_at": iso(added_at),
                "note": note,
            }
    elif section == "lists":
        for list_id, user_id, name, description, ranked, created_at in stream(
            session=session, name="lists"
        ):
            yield {
                "id": list_id,
                "user_id": user_id,
                "name": name,
                "description": description,
                "ranked": bool(ranked),
                "created_at": iso(created_at),
            }
    elif section == "list_items":
        for list_id, movie_id, position, note, added_at in stream(
            session=session, name="list_items"
        ):
            yield {
                "list_id": list_id,
                "movie_id": movie_id,
                "position": position,
                "note": note,
                "added_at": iso(added_at),
            }


def _movies(session: Session) -> Iterator[dict[str, Any]]:
    from moviecli.store.repo.dump import stream

    genres = stream(session=session, name="movie_genres")
    external = stream(session=session, name="external_ids")
    people = stream(session=session, name="movie_people")
    next_genre = next(genres, None)
    next_external = next(external, None)
    next_person = next(people, None)
    for row in stream(session=session, name="movies"):
        movie_id = row[0]
        names: list[str] = []
        while next_genre is not None and next_genre[0] <= movie_id:
            if next_genre[0] == movie_id:
                names.append(next_genre[1])
            next_genre = next(genres, None)
        ids: dict[str, str] = {}
        more: list[list[str]] = []  # a second id of a source: every row is exported
        while next_external is not None and next_external[0] <= movie_id:
            if next_external[0] == movie_id:
                _movie, source, value = next_external
                if source in ids:
                    more.append([source, value])
                else:
                    ids[source] = value
            next_external = next(external, None)
        credits: list[dict[str, Any]] = []
        while next_person is not None and next_person[0] <= movie_id:
            if next_person[0] == movie_id:
                _movie, role, person_id, position = next_person
                credits.append({"role": role, "person_id": person_id, "position": position})
            next_person = next(people, None)
        yield {
            "id": movie_id,
            "title": row[1],
            "year": row[2],
            "original_title": row[3],
            "runtime_minutes": row[4],
            "director": row[5],
            "created_at": iso(row[6]),
            "updated_at": iso(row[7]),
            "genres": names,
            "external_ids": ids,
            **({"more_external_ids": more} if more else {}),
            "people": credits,
        }


def write_letterboxd(session: Session, out: TextIO, *, user: str) -> int:
    """The user's diary as Letterboxd's import CSV: a row per viewing (undated ones are
    "watched"), then a row per film rated but never logged. Letterboxd keeps a rating
    and tags per entry; moviecli keeps one per film, so the film's latest viewing
    carries them. Returns the number of rows."""
    from moviecli.errors import NotFoundError
    from moviecli.store.repo.dump import stream, user_id

    owner = user_id(session=session, name=user)
    if owner is None:
        raise NotFoundError(f"there is no user named {user!r} in this catalog")
    tags: dict[int, list[str]] = {}
    for movie_id, tag in stream(session=session, name="letterboxd_tags", user_id=owner):
        tags.setdefault(movie_id, []).append(tag)
    viewings = list(stream(session=session, name="letterboxd_viewings", user_id=owner))
    latest = {row[0]: index for index, row in enumerate(viewings)}
    from moviecli.render import CsvOut

    writer = CsvOut(out, LETTERBOXD_FIELDS)
    count = 0
    rated = stream(session=session, name="letterboxd_rated", user_id=owner)
    for index, row in enumerate(chain(viewings, rated)):
        movie_id, title, year, imdb_id, watched_on, rewatch, review, score, rating_review = row
        last = index >= len(viewings) or latest[movie_id] == index
        writer.row(
            [
                title,
                year,
                imdb_id,
                None if watched_on is None else str(watched_on)[:10],
                round(score * 2) if last and score is not None else None,  # Rating10: whole
                "true" if rewatch else "false",
                ", ".join(tags.get(movie_id, [])) if last else "",
                review or (rating_review if last and watched_on is None else "") or "",
            ]
        )
        count += 1
    return count


def write_csv(session: Session, out: TextIO) -> int:
    from moviecli.render import CsvOut
    from moviecli.store.repo.dump import stream

    writer = CsvOut(out, CSV_FIELDS)
    count = 0
    for movie_id, title, year, user, score, review, rated_at in stream(
        session=session, name="ratings_with_titles"
    ):
        writer.row([movie_id, title, year, user, float(score), review, iso(rated_at)])
        count += 1
    return count


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
    size = path.stat().st_size
    try:
        yield from _records(_lines(path), size)
    except _NotLineLayout:
        try:
            with path.open(encoding="utf-8-sig") as f:
                document = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ImportFormatError(f"{path} is not valid JSON ({error})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise ImportFormatError(f"{path} is not a moviecli export") from None
        yield from _records(_whole(document), size)


def _lines(path: Path) -> Iterator[tuple[int, int, str | None, Any]]:
    """(line, bytes read, section, value): a section's records, or (None, {key: value})."""
    section: str | None = None
    done = 0
    with path.open("rb") as f:
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
                    return
                if line.endswith("["):
                    name = line[:-1].rstrip().rstrip(":").strip().strip('"')
                    if name not in SECTIONS:
                        raise _NotLineLayout
                    section = name
                    continue
                try:
                    value = json.loads("{" + line.rstrip(",") + "}")
                except json.JSONDecodeError:
                    raise _NotLineLayout from None
                yield number, done, None, value
                continue
            if line in ("]", "],"):
                section = None
                continue
            try:
                value = json.loads(line.rstrip(","))
            except json.JSONDecodeError as error:
                raise ImportFormatError(
                    f"{path}, line {number}: not valid JSON ({error})"
                ) from None
            yield number, done, section, value


def _whole(document: dict[str, Any]) -> Iterator[tuple[int, int, str | None, Any]]:
    yield 0, 0, None, {k: v for k, v in document.items() if k not in SECTIONS}
    for section in SECTIONS:
        for record in document.get(section) or []:
            yield 0, 0, section, record


def _records(lines: Iterator[tuple[int, int, str | None, Any]], size: int) -> Iterator[Item]:
    users: dict[int, str] = {}
    checked = False
    for count, (line, done, section, value) in enumerate(lines):
        if section is None:
            if value.get("format", FORMAT_NAME) != FORMAT_NAME:
                raise ImportFormatError("not a moviecli export (its 'format' says otherwise)")
            checked = checked or "format" in value
            continue
        if not checked:
            raise ImportFormatError("not a moviecli export (no 'format' line at the top)")
        try:
            item = _record(section, value, line, users)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            yield Reject(line, f"bad {section} record ({type(error).__name__}: {error})")
            continue
        if item is not None:
            yield item
        if count % 10_000 == 0 and done:
            yield Progress(done, size)
    yield Progress(size, size)


def _record(section: str, value: dict[str, Any], line: int, users: dict[int, str]) -> Item | None:
    if section == "genres":
        return GenreRecord(name=str(value["name"]), id=int(value["id"]), line=line)
    if section == "users":
        users[int(value["id"])] = str(value["name"])
        return UserRecord(name=str(value["name"]), id=int(value["id"]), line=line)
    if section == "movies":
        year = value.get("year")
        runtime = value.get("runtime_minutes")
        return MovieRecord(
            key=int(value["id"]),
            line=line,
            id=int(value["id"]),
            title=str(value["title"]),
            year=None if year is None else int(year),
            genres=[str(g) for g in value.get("genres") or []],
            original_title=value.get("original_title"),
            runtime_minutes=None if runtime is None else int(runtime),
            director=value.get("director"),
            external_ids={str(k): str(v) for k, v in (value.get("external_ids") or {}).items()},
            more_external_ids=[(str(s), str(v)) for s, v in value.get("more_external_ids") or []],
            credits=None
            if "people" not in value
            else [
                (str(c["role"]), int(c["person_id"]), int(c["position"])) for c in value["people"]
            ],
            created_at=stored(value["created_at"]) if value.get("created_at") else None,
            updated_at=stored(value["updated_at"]) if value.get("updated_at") else None,
        )
    if section == "ratings":
        user_id = int(value["user_id"])
        score = float(value["score"])
        if not (0.5 <= score <= 5.0) or score * 2 != int(score * 2):
            raise ValueError(f"score must be 0.5 to 5 in half stars (got {score})")
        return RatingRecord(
            movie_key=int(value["movie_id"]),
            user=users[user_id],
            user_id=user_id,
            score=score,
            rated_at=stored(value["rated_at"]),
            review=value.get("review"),
            line=line,
        )
    if section == "people":
        return PersonRecord(name=str(value["name"]), id=int(value["id"]), line=line)
    if section == "viewings":
        watched_on = value.get("watched_on")
        user_id = int(value["user_id"])
        return ViewingRecord(
            movie_key=int(value["movie_id"]),
            user=users[user_id],
            watched_on=None if watched_on is None else date.fromisoformat(watched_on).isoformat(),
            rewatch=bool(value["rewatch"]),
            review=value.get("review"),
            created_at=stored(value["created_at"]),
            id=int(value["id"]),
            line=line,
        )
    if section == "watchlist":
        return WatchlistRecord(
            movie_key=int(value["movie_id"]),
            user=users[int(value["user_id"])],
            added_at=stored(value["added_at"]),
            note=value.get("note"),
            line=line,
        )
    if section == "lists":
        return ListRecord(
            key=int(value["id"]),
            id=int(value["id"]),
            user=users[int(value["user_id"])],
            name=str(value["name"]),
            description=value.get("description"),
            ranked=bool(value["ranked"]),
            created_at=stored(value["created_at"]),
            line=line,
        )
    if section == "list_items":
        return ListItemRecord(
            list_key=int(value["list_id"]),
            movie_key=int(value["movie_id"]),
            position=int(value["position"]),
            note=value.get("note"),
            added_at=stored(value["added_at"]),
            line=line,
        )
    if section == "tags":
        return TagRecord(
            movie_key=int(value["movie_id"]),
            user=users[int(value["user_id"])],
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
            movie_id = int(cells["movie_id"])
            title = cells["title"].strip()
            year = int(cells["year"]) if cells["year"].strip() else None
            score = float(cells["score"])
            if not (0.5 <= score <= 5.0) or score * 2 != int(score * 2):
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
