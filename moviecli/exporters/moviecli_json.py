"""moviecli's own JSON export: every table, laid out one record per line, so the export
streams and a 25-million-rating catalog never sits in memory. It is still one ordinary
JSON document. Importing it (importers/moviecli_export.py) into an empty catalog gives
the same ids and timestamps back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from sqlmodel import Session

from moviecli.exporters.moviecli_format import FORMAT_NAME, SECTIONS, VERSION, iso
from moviecli.rules import utcnow


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_json(session: Session, out: IO[str], *, revision: str | None) -> dict[str, int]:
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
