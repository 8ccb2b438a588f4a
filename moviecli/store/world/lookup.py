"""Reading the IMDb world: films by title, alternative title, words or tt id; their
credits and alternative titles; people by name or nm id and their filmographies; the
world's top films by IMDb's weighted rating.

Every query starts from an index (titles.id, title_key, imdb_votes; aka_keys' key;
names.id, name_key; principals' key and name_id), so each answers at once on a world of
a million films. The one scan is the words search of `find` (a title containing every
word), walked in order of votes and stopped at the limit. Keys are rules.search_key:
case and accents ignored. The session must see the world (location.attach_world)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, union
from sqlmodel import Session, col

from moviecli.models.world import (
    WorldAka,
    WorldCredit,
    WorldFilm,
)
from moviecli.rules import id_text, search_key
from moviecli.store.repo import filters as sql_filters
from moviecli.store.world.schema import aka_keys, akas, names, principals, titles

# find: how a hit matched, best first.
EXACT, ALTERNATIVE, WORDS = 0, 1, 2


@dataclass(frozen=True)
class FindFilters:
    """What `find` narrows a search by, on the catalog and the world alike (kind: IMDb's
    title type, world only; limit 0 = all)."""

    year: int | None = None
    from_year: int | None = None
    to_year: int | None = None
    kind: str | None = None
    person: str | None = None
    limit: int = 20


CANDIDATES_MAX = 50


def tt(title_id: int) -> str:
    return id_text("tt", title_id)


def nm(name_id: int) -> str:
    return id_text("nm", name_id)


def _genres(text: str | None) -> list[str]:
    return [g for g in (text or "").split("|") if g]


def characters_of(text: str | None) -> list[str]:
    """IMDb's characters column: a JSON array (`["Neil McCauley"]`), NULL when none."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def keys_of(text: str) -> list[str]:
    """The key a typed title or name is looked up by: rules.search_key (case and accents
    ignored), the function the loader writes the world's key columns with. Empty when the
    text has no word."""
    key = search_key(text)
    return [key] if key else []


NEIGHBOURS = 25  # index neighbours on each side of a typed title, per key column


# An alternative title's key, its row (for the title shown) and its film.
_AKA_KEYS_TITLES = aka_keys.join(
    akas,
    (akas.c.title_id == aka_keys.c.title_id) & (akas.c.ordering == aka_keys.c.ordering),
).join(titles, titles.c.id == aka_keys.c.title_id)


def near_titles(*, session: Session, text: str) -> list[tuple[str, str, int | None]]:
    """(tt id, title, year) of the world's titles and alternative titles that sort next to
    `text`'s key, for "did you mean": a few rows read on each side of where the key
    would stand in the title_key indexes (no scan), so that a title mistyped after its
    first letters finds its neighbours ("amelei" beside "amelie")."""
    keys = keys_of(text)
    if not keys:
        return []
    key = keys[0]
    found: list[tuple[str, str, int | None]] = []
    # Twice as many titles: an alternative title with its film's own key has none
    # (schema.py), so the titles' index stands in for it too.
    for column, title, table, limit in (
        (titles.c.title_key, titles.c.primary_title, None, 2 * NEIGHBOURS),
        (aka_keys.c.title_key, akas.c.title, _AKA_KEYS_TITLES, NEIGHBOURS),
    ):
        for above in (True, False):
            query = select(titles.c.id, title, titles.c.start_year)
            if table is not None:
                query = query.select_from(table)
            query = query.where(column >= key if above else column < key)
            query = query.order_by(column if above else column.desc()).limit(limit)
            found.extend((tt(tid), shown, year) for tid, shown, year in session.execute(query))
    return found


def _votes_order() -> list[ColumnElement[Any]]:
    return [titles.c.imdb_votes.desc().nulls_last(), titles.c.id]


# ---------------------------------------------------------------- films


def directors_by_title(*, session: Session, title_ids: Sequence[int]) -> dict[int, list[str]]:
    """The directors of these films, in IMDb's order (the nm id when IMDb has no name)."""
    result: dict[int, list[str]] = {title_id: [] for title_id in title_ids}
    if not title_ids:
        return result
    rows = session.execute(
        select(principals.c.title_id, principals.c.name_id, names.c.name)
        .select_from(principals.outerjoin(names, names.c.id == principals.c.name_id))
        .where(principals.c.title_id.in_(list(title_ids)), principals.c.category == "director")
        .order_by(principals.c.title_id, principals.c.ordering)
    )
    for title_id, name_id, name in rows:
        shown = name if name is not None else nm(name_id)
        if shown not in result[title_id]:
            result[title_id].append(shown)
    return result


def _films(session: Session, query: Select[Any]) -> list[WorldFilm]:
    rows = list(session.execute(query))
    directors = directors_by_title(session=session, title_ids=[row.id for row in rows])
    return [
        WorldFilm(
            imdb_id=tt(row.id),
            title=row.primary_title,
            original_title=row.original_title,
            year=row.start_year,
            type=row.type,
            runtime_minutes=row.runtime,
            genres=_genres(row.genres),
            imdb_rating=row.imdb_rating,
            imdb_votes=row.imdb_votes,
            directors=directors[row.id],
        )
        for row in rows
    ]


def films_by_id(*, session: Session, title_ids: Iterable[int]) -> dict[int, WorldFilm]:
    wanted = list(dict.fromkeys(title_ids))
    if not wanted:
        return {}
    found = _films(session, select(titles).where(titles.c.id.in_(wanted)))
    return {int(film.imdb_id[2:]): film for film in found}


def film(*, session: Session, title_id: int) -> WorldFilm | None:
    return films_by_id(session=session, title_ids=[title_id]).get(title_id)


def _matching_ids(keys: list[str]) -> object:
    """Ids of the films whose title or an alternative title has one of these keys."""
    return union(
        select(titles.c.id.label("id")).where(titles.c.title_key.in_(keys)),
        select(aka_keys.c.title_id.label("id")).where(aka_keys.c.title_key.in_(keys)),
    ).subquery()


def candidates(
    *, session: Session, title: str, year: int | None = None, limit: int = CANDIDATES_MAX
) -> list[WorldFilm]:
    """The films a MOVIE reference may mean: title or alternative title equal to `title`
    (case and accents ignored), of `year` when given; most voted first."""
    keys = keys_of(title)
    if not keys:
        return []
    ids = _matching_ids(keys)
    query = select(titles).where(titles.c.id.in_(select(ids.c.id)))  # type: ignore[attr-defined]
    if year is not None:
        query = query.where(titles.c.start_year == year)
    return _films(session, query.order_by(*_votes_order()).limit(limit))


def _filters(filters: FindFilters) -> list[ColumnElement[bool]]:
    from moviecli.rules import parse_imdb_id

    conditions = sql_filters.years(
        titles.c.start_year, year=filters.year, from_year=filters.from_year, to_year=filters.to_year
    )
    if filters.kind is not None:
        conditions.append(titles.c.type == filters.kind)
    person = filters.person
    if person is not None:
        parsed = parse_imdb_id(person)
        if parsed is not None and parsed[0] == "nm":
            people = select(literal(parsed[1]))
        else:
            people = select(names.c.id).where(names.c.name_key.in_(keys_of(person)))
        conditions.append(
            titles.c.id.in_(select(principals.c.title_id).where(principals.c.name_id.in_(people)))
        )
    return conditions


def search(*, session: Session, text: str, filters: FindFilters) -> list[tuple[int, WorldFilm]]:
    """`find` over the world: (how it matched, film), best first: the title itself, then
    an alternative title, then titles holding every word; ties by votes. `limit` 0 = all."""
    from moviecli.rules import parse_imdb_id

    where = and_(literal(True), *_filters(filters))
    limit = filters.limit
    hits: dict[int, tuple[int, WorldFilm]] = {}

    def take(rank: int, query: Select[Any]) -> None:
        for found in _films(session, query):
            hits.setdefault(int(found.imdb_id[2:]), (rank, found))

    parsed = parse_imdb_id(text)
    if parsed is not None and parsed[0] == "tt":
        take(EXACT, select(titles).where(titles.c.id == parsed[1], where))
        return list(hits.values())
    keys = keys_of(text)
    if not keys:
        return []
    key = keys[0]
    cap = limit or None
    take(
        EXACT,
        select(titles)
        .where(titles.c.title_key.in_(keys), where)
        .order_by(*_votes_order())
        .limit(cap),
    )
    alternative = select(aka_keys.c.title_id).where(aka_keys.c.title_key.in_(keys))
    take(
        ALTERNATIVE,
        select(titles)
        .where(titles.c.id.in_(alternative), titles.c.title_key.not_in(keys), where)
        .order_by(*_votes_order())
        .limit(cap),
    )
    words = key.split()
    if not limit or len(hits) < limit:
        contains = [sql_filters.contains(titles.c.title_key, word) for word in words]
        # A plain scan, sorted after: walking the votes index would fetch every row
        # by its id (measured on 75k films: 16 ms the scan, 160 ms the index walk).
        query = (
            select(titles)
            .where(*contains, titles.c.title_key.not_in(keys), where)
            .order_by(func.coalesce(titles.c.imdb_votes, -1).desc(), titles.c.id)
        )
        if limit:
            query = query.limit(limit + len(hits))
        take(WORDS, query)
    ranked = sorted(
        hits.values(), key=lambda hit: (hit[0], -(hit[1].imdb_votes or -1), hit[1].imdb_id)
    )
    return ranked[:limit] if limit else ranked


def credits(*, session: Session, title_id: int) -> list[WorldCredit]:
    """Everyone credited on the film, in IMDb's order."""
    rows = session.execute(
        select(
            principals.c.name_id,
            names.c.name,
            principals.c.category,
            principals.c.job,
            principals.c.characters,
        )
        .select_from(principals.outerjoin(names, names.c.id == principals.c.name_id))
        .where(principals.c.title_id == title_id)
        .order_by(principals.c.ordering)
    )
    return [
        WorldCredit(
            imdb_id=nm(name_id),
            name=name if name is not None else nm(name_id),
            category=category,
            job=job,
            characters=characters_of(chars),
        )
        for name_id, name, category, job, chars in rows
    ]


def alternative_titles(*, session: Session, title_id: int) -> list[WorldAka]:
    rows = session.execute(
        select(akas.c.title, akas.c.region, akas.c.language)
        .where(akas.c.title_id == title_id)
        .order_by(akas.c.ordering)
    )
    return [WorldAka(title=t, region=r, language=lang) for t, r, lang in rows]


# ---------------------------------------------------------------- people


@dataclass(frozen=True)
class NameRow:
    id: int
    name: str
    birth_year: int | None
    death_year: int | None
    professions: list[str]
    known_for: list[int]


def _name_rows(session: Session, condition: ColumnElement[bool]) -> list[NameRow]:
    rows = session.execute(
        select(
            names.c.id,
            names.c.name,
            names.c.birth_year,
            names.c.death_year,
            names.c.professions,
            names.c.known_for,
        )
        .where(condition)
        .order_by(names.c.id)
    )
    from moviecli.rules import parse_imdb_id

    found: list[NameRow] = []
    for name_id, name, birth, death, professions, known in rows:
        known_ids = [
            parsed[1]
            for parsed in (parse_imdb_id(part) for part in (known or "").split(","))
            if parsed is not None and parsed[0] == "tt"
        ]
        found.append(
            NameRow(
                id=name_id,
                name=name,
                birth_year=birth,
                death_year=death,
                professions=[p for p in (professions or "").split(",") if p],
                known_for=known_ids,
            )
        )
    return found


def names_by_key(*, session: Session, name: str) -> list[NameRow]:
    """Everyone of that name (case and accents ignored), namesakes apart, by nm id."""
    keys = keys_of(name)
    return _name_rows(session, names.c.name_key.in_(keys)) if keys else []


def name_by_id(*, session: Session, name_id: int) -> NameRow | None:
    rows = _name_rows(session, names.c.id == name_id)
    return rows[0] if rows else None


@dataclass(frozen=True)
class FilmographyRow:
    title_id: int
    title: str
    year: int | None
    category: str
    job: str | None
    characters: list[str]


def filmography(*, session: Session, name_id: int) -> list[FilmographyRow]:
    """Every credit of the person on a film the world holds, oldest first."""
    return filmographies(session=session, name_ids=[name_id])[name_id]


def filmographies(*, session: Session, name_ids: Sequence[int]) -> dict[int, list[FilmographyRow]]:
    """Every credit of these people on films the world holds, oldest first: one query."""
    result: dict[int, list[FilmographyRow]] = {name_id: [] for name_id in name_ids}
    if not name_ids:
        return result
    rows = session.execute(
        select(
            principals.c.name_id,
            titles.c.id,
            titles.c.primary_title,
            titles.c.start_year,
            principals.c.category,
            principals.c.job,
            principals.c.characters,
        )
        .select_from(principals.join(titles, titles.c.id == principals.c.title_id))
        .where(principals.c.name_id.in_(list(name_ids)))
        .order_by(
            titles.c.start_year.asc().nulls_last(),
            titles.c.title_key,
            titles.c.id,
            principals.c.ordering,
        )
    )
    for name_id, title_id, title, year, category, job, chars in rows:
        result[name_id].append(
            FilmographyRow(
                title_id=title_id,
                title=title,
                year=year,
                category=category,
                job=job,
                characters=characters_of(chars),
            )
        )
    return result


def titles_of(*, session: Session, title_ids: Sequence[int]) -> dict[int, tuple[str, int | None]]:
    """(title, year) of these films, for "known for" lines."""
    if not title_ids:
        return {}
    rows = session.execute(
        select(titles.c.id, titles.c.primary_title, titles.c.start_year).where(
            titles.c.id.in_(list(title_ids))
        )
    )
    return {title_id: (title, year) for title_id, title, year in rows}


# ---------------------------------------------------------------- top


def world_mean(*, session: Session) -> float | None:
    """C: the mean IMDb rating over the world's rated films."""
    value = session.execute(
        select(func.avg(titles.c.imdb_rating)).where(titles.c.imdb_rating.is_not(None))
    ).scalar()
    return float(value) if value is not None else None


def top_weighted(
    *,
    session: Session,
    min_votes: int,
    mean: float,
    limit: int = 10,
    genre: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    weighted: bool = True,
) -> list[tuple[WorldFilm, float]]:
    """World films with at least `min_votes` votes ranked by IMDb's weighted rating
    v/(v+m)·R + m/(v+m)·C (m = min_votes, C = mean), or by R alone; starts from the
    votes index."""
    from moviecli.rules import genre_name

    v = titles.c.imdb_votes
    r = titles.c.imdb_rating
    m = literal(float(min_votes))
    score = (v / (v + m)) * r + (m / (v + m)) * literal(mean) if weighted else r * literal(1.0)
    conditions: list[ColumnElement[bool]] = [v >= max(min_votes, 1), r.is_not(None)]
    if genre:
        wanted = f"%|{sql_filters.escape_like(genre_name(genre))}|%"
        conditions.append(
            func.lower(literal("|") + titles.c.genres + literal("|")).like(
                wanted.lower(), escape="\\"
            )
        )
    conditions += sql_filters.years(titles.c.start_year, from_year=from_year, to_year=to_year)
    query = (
        select(titles, score.label("score"))
        .where(*conditions)
        .order_by(score.desc(), v.desc(), titles.c.title_key, titles.c.id)
    )
    if limit:
        query = query.limit(limit)
    rows = list(session.execute(query))
    scores = {row.id: float(row.score) for row in rows}
    found = _films(session, select(titles).where(titles.c.id.in_(list(scores))))
    by_id = {int(f.imdb_id[2:]): f for f in found}
    return [(by_id[row.id], scores[row.id]) for row in rows]


# ---------------------------------------------------------------- the catalog's side


def catalog_ids(*, session: Session, title_ids: Iterable[int]) -> dict[int, int]:
    """World film -> the catalog film linked to it (external id imdb = tt...)."""
    from moviecli.models import ExternalId

    wanted = {tt(title_id): title_id for title_id in title_ids}
    if not wanted:
        return {}
    rows = session.execute(
        select(col(ExternalId.value), col(ExternalId.movie_id)).where(
            col(ExternalId.source) == "imdb",
            col(ExternalId.value).in_(list(wanted)),
        )
    )
    return {wanted[value]: movie_id for value, movie_id in rows}


def linked_title(*, session: Session, movie_id: int) -> int | None:
    """The world film a catalog film is linked to, if any."""
    from moviecli.models import ExternalId
    from moviecli.rules import parse_imdb_id

    value = session.execute(
        select(col(ExternalId.value)).where(
            col(ExternalId.source) == "imdb", col(ExternalId.movie_id) == movie_id
        )
    ).scalar()
    parsed = parse_imdb_id(value) if value else None
    return parsed[1] if parsed is not None and parsed[0] == "tt" else None
