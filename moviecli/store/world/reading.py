"""What `find`, `show`, `person` and `top --imdb` read: the world's lookups joined to the
catalog's own side (its films linked by IMDb id, the user's ratings and viewings)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, literal
from sqlmodel import Session, col, select

from moviecli.models import ExternalId, Movie, Rating, Viewing
from moviecli.models.world import (
    FindRow,
    WorldFilmDetail,
    WorldPerson,
    WorldPersonFilm,
    WorldShow,
    WorldTopRow,
)
from moviecli.rules import parse_imdb_id, title_key
from moviecli.store.repo import filters as sql_filters
from moviecli.store.world import lookup


def _scores(session: Session, user_id: int | None, movie_ids: Iterable[int]) -> dict[int, float]:
    ids = list(set(movie_ids))
    if user_id is None or not ids:
        return {}
    rows = session.exec(
        select(Rating.movie_id, Rating.score).where(
            Rating.user_id == user_id, col(Rating.movie_id).in_(ids)
        )
    )
    return dict(rows.all())


def _seen(session: Session, user_id: int | None, movie_ids: Iterable[int]) -> set[int]:
    ids = list(set(movie_ids))
    if user_id is None or not ids:
        return set()
    rows = session.exec(
        select(Viewing.movie_id)
        .where(Viewing.user_id == user_id, col(Viewing.movie_id).in_(ids))
        .distinct()
    )
    return set(rows.all())


def _imdb_ids(session: Session, movie_ids: Sequence[int]) -> dict[int, str]:
    if not movie_ids:
        return {}
    rows = session.exec(
        select(ExternalId.movie_id, ExternalId.value).where(
            ExternalId.source == "imdb", col(ExternalId.movie_id).in_(list(movie_ids))
        )
    )
    return dict(rows.all())


# ---------------------------------------------------------------- find


def _catalog_hits(
    session: Session, text: str, filters: lookup.FindFilters, *, by_person: bool
) -> list[tuple[int, Movie]]:
    """Catalog films by exact title (rank EXACT), else holding every word (WORDS);
    `by_person`: the catalog's people narrow them too (without a world)."""
    from moviecli.store.repo.people import person_filter

    conditions = sql_filters.years(
        col(Movie.year), year=filters.year, from_year=filters.from_year, to_year=filters.to_year
    )
    if by_person and filters.person is not None:
        conditions.append(person_filter(filters.person))
    where = and_(literal(True), *conditions)
    parsed = parse_imdb_id(text)
    if parsed is not None and parsed[0] == "tt":
        rows = session.exec(
            select(Movie)
            .join(ExternalId, col(ExternalId.movie_id) == Movie.id)
            .where(ExternalId.source == "imdb", ExternalId.value == lookup.tt(parsed[1]), where)
        ).all()
        return [(lookup.EXACT, m) for m in rows]
    key = title_key(text)
    if not key:
        return []
    hits: list[tuple[int, Movie]] = [
        (lookup.EXACT, m)
        for m in session.exec(
            select(Movie).where(Movie.title_key == key, where).order_by(col(Movie.id))
        )
    ]
    contains = [sql_filters.contains(col(Movie.title_key), word) for word in key.split()]
    query = (
        select(Movie)
        .where(*contains, Movie.title_key != key, where)
        .order_by(col(Movie.rating_count).desc(), col(Movie.id))
    )
    if filters.limit:
        query = query.limit(filters.limit)
    hits.extend((lookup.WORDS, m) for m in session.exec(query))
    return hits


def find_films(
    *,
    session: Session,
    text: str,
    user_id: int | None,
    world: bool,
    filters: lookup.FindFilters,
) -> list[FindRow]:
    """Catalog and world films matching `text`: best match first (exact title, then an
    alternative title, then every word), ties by votes. A catalog film linked to a world
    film is one row."""
    ranked: list[tuple[int, int, FindRow]] = []  # (rank, -votes, row)
    by_imdb: dict[str, FindRow] = {}
    if world:
        for rank, film in lookup.search(session=session, text=text, filters=filters):
            row = FindRow(
                id=None,
                imdb_id=film.imdb_id,
                title=film.title,
                year=film.year,
                type=film.type,
                directors=film.directors,
                imdb_rating=film.imdb_rating,
                imdb_votes=film.imdb_votes,
                in_catalog=False,
                your_score=None,
            )
            by_imdb[film.imdb_id] = row
            ranked.append((rank, -(film.imdb_votes or 0), row))
        links = lookup.catalog_ids(session=session, title_ids=[int(imdb[2:]) for imdb in by_imdb])
        for title_id, movie_id in links.items():
            row = by_imdb[lookup.tt(title_id)]
            row.id, row.in_catalog = movie_id, True
    hits = _catalog_hits(session, text, filters, by_person=not world)
    imdb_of = _imdb_ids(session, [m.id for _, m in hits if m.id is not None])
    for rank, movie in hits:
        assert movie.id is not None
        imdb_id = imdb_of.get(movie.id)
        if imdb_id is not None and imdb_id in by_imdb:
            continue  # already there, from the world
        if filters.kind is not None and world:
            continue  # the catalog does not know a film's type
        row = FindRow(
            id=movie.id,
            imdb_id=imdb_id,
            title=movie.title,
            year=movie.year,
            type=None,
            directors=[d for d in (movie.director or "").split(", ") if d],
            imdb_rating=None,
            imdb_votes=None,
            in_catalog=True,
            your_score=None,
        )
        ranked.append((rank, 1, row))
    ranked.sort(key=lambda item: (item[0], item[1]))
    rows = [row for _, _, row in ranked]
    if filters.limit:
        rows = rows[: filters.limit]
    scores = _scores(session, user_id, [r.id for r in rows if r.id is not None])
    for row in rows:
        if row.id is not None:
            row.your_score = scores.get(row.id)
    return rows


# ---------------------------------------------------------------- show


def film_detail(*, session: Session, title_id: int, with_akas: bool) -> WorldFilmDetail | None:
    film = lookup.film(session=session, title_id=title_id)
    if film is None:
        return None
    return WorldFilmDetail(
        **film.model_dump(),
        credits=lookup.credits(session=session, title_id=title_id),
        akas=lookup.alternative_titles(session=session, title_id=title_id) if with_akas else None,
    )


def world_show(*, session: Session, title_id: int, with_akas: bool) -> WorldShow | None:
    detail = film_detail(session=session, title_id=title_id, with_akas=with_akas)
    return WorldShow(**detail.model_dump()) if detail is not None else None


def catalog_film_detail(
    *, session: Session, movie_id: int, with_akas: bool
) -> WorldFilmDetail | None:
    """IMDb's side of a catalog film linked to the world."""
    title_id = lookup.linked_title(session=session, movie_id=movie_id)
    if title_id is None:
        return None
    return film_detail(session=session, title_id=title_id, with_akas=with_akas)


# ---------------------------------------------------------------- person


def world_people(*, session: Session, name: str, user_id: int | None) -> list[WorldPerson]:
    """Everyone IMDb knows by that name (or nm id), apart: their whole filmography by
    role, with the user's scores and what they have seen."""
    parsed = parse_imdb_id(name)
    if parsed is not None and parsed[0] == "nm":
        one = lookup.name_by_id(session=session, name_id=parsed[1])
        found = [one] if one is not None else []
    else:
        found = lookup.names_by_key(session=session, name=name)
    # One query each for all of them: a common name may be hundreds of people.
    by_person = lookup.filmographies(session=session, name_ids=[p.id for p in found])
    links = lookup.catalog_ids(
        session=session, title_ids={c.title_id for cs in by_person.values() for c in cs}
    )
    scores = _scores(session, user_id, links.values())
    seen = _seen(session, user_id, links.values())
    known = lookup.titles_of(
        session=session, title_ids=list({t for p in found for t in p.known_for})
    )
    people: list[WorldPerson] = []
    for person in found:
        credits = by_person[person.id]
        films = [
            WorldPersonFilm(
                imdb_id=lookup.tt(c.title_id),
                id=links.get(c.title_id),
                title=c.title,
                year=c.year,
                role=c.category,
                job=c.job,
                characters=c.characters,
                score=scores.get(links[c.title_id]) if c.title_id in links else None,
                seen=c.title_id in links and links[c.title_id] in seen,
            )
            for c in credits
        ]
        distinct = {f.imdb_id: f.seen for f in films}
        people.append(
            WorldPerson(
                imdb_id=lookup.nm(person.id),
                name=person.name,
                birth_year=person.birth_year,
                death_year=person.death_year,
                professions=person.professions,
                known_for=[
                    f"{known[t][0]} ({known[t][1] or '?'})" for t in person.known_for if t in known
                ],
                films=films,
                count=len(distinct),
                seen=sum(distinct.values()),
            )
        )
    # The one with the most films first: the person most likely meant.
    people.sort(key=lambda p: -p.count)
    return people


# ---------------------------------------------------------------- top --imdb


def world_top(
    *,
    session: Session,
    user_id: int | None,
    min_votes: int,
    limit: int,
    genre: str | None,
    from_year: int | None,
    to_year: int | None,
    weighted: bool,
) -> tuple[list[WorldTopRow], float | None]:
    mean = lookup.world_mean(session=session)
    if mean is None:
        return [], None
    ranked = lookup.top_weighted(
        session=session,
        min_votes=min_votes,
        mean=mean,
        limit=limit,
        genre=genre,
        from_year=from_year,
        to_year=to_year,
        weighted=weighted,
    )
    links = lookup.catalog_ids(
        session=session, title_ids=[int(film.imdb_id[2:]) for film, _ in ranked]
    )
    scores = _scores(session, user_id, links.values())
    seen = _seen(session, user_id, links.values())
    rows: list[WorldTopRow] = []
    for rank, (film, score) in enumerate(ranked, start=1):
        movie_id = links.get(int(film.imdb_id[2:]))
        rows.append(
            WorldTopRow(
                rank=rank,
                imdb_id=film.imdb_id,
                id=movie_id,
                title=film.title,
                year=film.year,
                genres=film.genres,
                imdb_rating=film.imdb_rating or 0.0,
                imdb_votes=film.imdb_votes or 0,
                score=round(score, 4),
                rated=scores.get(movie_id) if movie_id is not None else None,
                seen=movie_id is not None and movie_id in seen,
            )
        )
    return rows, mean
