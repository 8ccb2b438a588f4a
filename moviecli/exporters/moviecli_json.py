"""moviecli's own JSON export: every table, laid out one record per line, so the export
streams and a 25-million-rating catalog never sits in memory. It is still one ordinary
JSON document. Importing it (importers/moviecli_export.py) into an empty catalog gives
the same ids and timestamps back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from moviecli.exporters.moviecli_format import FORMAT_NAME, SECTIONS, VERSION, iso
from moviecli.rules import utcnow

if TYPE_CHECKING:
    from moviecli.store.catalog import UnitOfWork
    from moviecli.store.repo.dump import Dump


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_json(uow: UnitOfWork, out: IO[str], *, revision: str | None) -> dict[str, int]:
    """Every table, one record per line; returns how many records of each kind."""
    counts = dict.fromkeys(SECTIONS, 0)
    head = {
        "version": VERSION,
        "exported_at": iso(utcnow()),
        "schema_revision": revision,
    }
    out.write("{\n" + f'"format": {_dumps(FORMAT_NAME)},\n"export": {_dumps(head)},\n')
    for position, section in enumerate(SECTIONS):
        out.write(f'"{section}": [\n')
        first = True
        for record in _section(uow.dump, section):
            out.write(("" if first else ",\n") + _dumps(record))
            first = False
            counts[section] += 1
        out.write(
            ("\n" if not first else "") + ("]\n" if position == len(SECTIONS) - 1 else "],\n")
        )
    out.write("}\n")
    return counts


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


# Each section but movies: its stream's columns in order, as the record's keys, and how
# a column's stored value is written (timestamps as ISO 8601 UTC, days, true/false).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "genres": ("id", "name"),
    "users": ("id", "name"),
    "ratings": ("movie_id", "user_id", "score", "review", "rated_at"),
    "tags": ("movie_id", "user_id", "tag", "tagged_at"),
    "people": ("id", "name"),
    "viewings": ("id", "movie_id", "user_id", "watched_on", "rewatch", "review", "created_at"),
    "watchlist": ("user_id", "movie_id", "added_at", "note"),
    "lists": ("id", "user_id", "name", "description", "ranked", "created_at"),
    "list_items": ("list_id", "movie_id", "position", "note", "added_at"),
}
_WRITTEN: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(("rated_at", "tagged_at", "created_at", "added_at"), iso),
    "watched_on": _day,
    "rewatch": bool,
    "ranked": bool,
}


def _section(dump: Dump, section: str) -> Iterator[dict[str, Any]]:
    if section == "movies":
        yield from _movies(dump)
        return
    names = _COLUMNS[section]
    written = [(index, _WRITTEN[name]) for index, name in enumerate(names) if name in _WRITTEN]
    for row in dump.stream(name=section):
        values = list(row)
        for index, write in written:
            values[index] = write(values[index])
        yield dict(zip(names, values, strict=True))


def _movies(dump: Dump) -> Iterator[dict[str, Any]]:
    genres = dump.stream(name="movie_genres")
    external = dump.stream(name="external_ids")
    people = dump.stream(name="movie_people")
    next_genre = next(genres, None)
    next_external = next(external, None)
    next_person = next(people, None)
    for row in dump.stream(name="movies"):
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
