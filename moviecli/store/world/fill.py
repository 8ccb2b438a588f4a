"""Linking the catalog's films to the world, and filling in what they lack.

A film is linked by its IMDb id (external_ids source 'imdb') when the world has that
title; a film with none, by its title or an alternative title (rules.search_key) and
its year ±1 when exactly one world film fits: never a guess. A linked film gets what
it lacks (year, runtime, original title, genres, directors, writers, cast), and each
value so filled is marked in movie_imdb_fields: a later sync updates marked values
and never touches the others (what the user typed; `edit` drops the mark). People are
tied to IMDb people by nm id (person_imdb_ids), so two people of one name stay two.

Runs inside the catalog's write session, with the world readable as `imdb.*`
(location.attach_world on SQLite)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from moviecli.errors import InvalidValueError, NotFoundError
from moviecli.models import (
    ExternalId,
    Movie,
    MovieCreate,
    MovieImdbField,
    Person,
    PersonImdbId,
    utcnow,
)
from moviecli.rules import (
    PERSON_NAME_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    id_text,
    parse_imdb_id,
    search_key,
    text_key,
    title_key,
)
from moviecli.store.world.schema import aka_keys, names, principals, titles

CHUNK = 500
# The catalog's roles and the IMDb categories that fill them.
ROLE_CATEGORIES = {
    "director": ("director",),
    "writer": ("writer",),
    "cast": ("actor", "actress"),
}
PEOPLE_FIELDS = {"director": "directors", "writer": "writers", "cast": "cast"}


@dataclass
class LinkReport:
    linked: int = 0  # catalog films linked to a world film after this sync
    newly_linked: int = 0  # of which linked by this sync
    by_title: int = 0  # of the new links, made by title and year
    filled: int = 0  # films that got or had updated at least one value
    not_linked: int = 0
    fields_filled: dict[str, int] = field(default_factory=dict)


@dataclass
class _World:
    """A world film's values, as the catalog would hold them."""

    id: int
    title: str
    year: int | None
    runtime: int | None
    original_title: str | None
    genres: list[str]
    credits: dict[str, list[tuple[int, str]]]  # role -> [(nm id, name)] in order


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- linking


def linked_titles(session: Session) -> dict[int, int]:
    """Catalog film id -> world title id, for every film whose IMDb id the world has."""
    by_title: dict[int, int] = {}
    rows = session.execute(
        select(col(ExternalId.movie_id), col(ExternalId.value)).where(
            col(ExternalId.source) == "imdb"
        )
    ).all()
    wanted: dict[int, int] = {}
    for movie_id, value in rows:
        parsed = parse_imdb_id(value)
        if parsed is not None and parsed[0] == "tt":
            wanted[parsed[1]] = movie_id
    ids = list(wanted)
    for chunk in _chunks(ids):
        for (tid,) in session.execute(select(titles.c.id).where(titles.c.id.in_(chunk))):
            by_title[wanted[tid]] = tid
    return by_title


def _match_by_title(
    session: Session, films: list[tuple[int, str, int]], taken: set[int]
) -> dict[int, int]:
    """Films without an IMDb id (id, title's search key, year) -> the one world film of
    that title or alternative title within a year; none when several or none fit."""
    by_key: dict[str, list[tuple[int, int]]] = {}
    for movie_id, key, year in films:
        by_key.setdefault(key, []).append((movie_id, year))
    found: dict[int, set[int]] = {}
    keys = list(by_key)
    for chunk in _chunks(keys):
        candidates: dict[str, set[tuple[int, int | None]]] = {}
        for tid, key, year in session.execute(
            select(titles.c.id, titles.c.title_key, titles.c.start_year).where(
                titles.c.title_key.in_(chunk)
            )
        ):
            candidates.setdefault(key, set()).add((tid, year))
        for tid, key, year in session.execute(
            select(aka_keys.c.title_id, aka_keys.c.title_key, titles.c.start_year)
            .join(titles, titles.c.id == aka_keys.c.title_id)
            .where(aka_keys.c.title_key.in_(chunk))
        ):
            candidates.setdefault(key, set()).add((tid, year))
        for key, pairs in candidates.items():
            for movie_id, year in by_key[key]:
                fits = {tid for tid, y in pairs if y is not None and abs(y - year) <= 1}
                if fits:
                    found.setdefault(movie_id, set()).update(fits)
    result: dict[int, int] = {}
    claimed: dict[int, int] = {}
    for movie_id, fits in found.items():
        if len(fits) != 1:
            continue
        tid = next(iter(fits))
        if tid in taken:
            continue
        if tid in claimed:  # two catalog films for one world film: neither is linked
            result.pop(claimed[tid], None)
            continue
        claimed[tid] = movie_id
        result[movie_id] = tid
    return result


def link_catalog(session: Session) -> LinkReport:
    """Link every catalog film that can be linked, and fill in what the linked ones
    lack. Running it twice on the same world changes nothing the second time."""
    report = LinkReport()
    linked = linked_titles(session)
    with_imdb = {
        movie_id
        for (movie_id,) in session.execute(
            select(col(ExternalId.movie_id)).where(col(ExternalId.source) == "imdb")
        )
    }
    # The world's keys are rules.search_key (accents left out), not the catalog's own.
    candidates = [
        (movie_id, search_key(title), year)
        for movie_id, title, year in session.execute(
            select(col(Movie.id), col(Movie.title), col(Movie.year)).where(
                col(Movie.year).is_not(None)
            )
        )
        if movie_id not in with_imdb
    ]
    new_links = _match_by_title(session, candidates, set(linked.values()))
    for movie_id, tid in sorted(new_links.items()):
        session.execute(
            insert(ExternalId).values(source="imdb", value=id_text("tt", tid), movie_id=movie_id)
        )
    report.newly_linked = len(new_links)
    report.by_title = len(new_links)
    linked.update(new_links)
    report.linked = len(linked)
    total = session.execute(select(col(Movie.id))).all()
    report.not_linked = len(total) - len(linked)
    people = _People(session)
    for chunk in _chunks(sorted(linked.items())):
        world = _world_films(session, [tid for _movie_id, tid in chunk])
        films = _CatalogFilms(session, [movie_id for movie_id, tid in chunk if tid in world])
        people.prepare([p for w in world.values() for role in w.credits.values() for p in role])
        for movie_id, tid in chunk:
            if tid in world:
                changed = _fill(session, films, movie_id, world[tid], people, report.fields_filled)
                report.filled += int(changed)
    return report


def not_linked_films(session: Session) -> list[tuple[int, str, int | None]]:
    """Catalog films the world does not know (id, title, year), by title."""
    linked = linked_titles(session)
    return [
        (movie_id, title, year)
        for movie_id, title, year in session.execute(
            select(col(Movie.id), col(Movie.title), col(Movie.year)).order_by(
                col(Movie.title_key), col(Movie.year), col(Movie.id)
            )
        )
        if movie_id not in linked
    ]


# ---------------------------------------------------------------- the world's values


def _world_films(session: Session, ids: Sequence[int]) -> dict[int, _World]:
    found: dict[int, _World] = {}
    for row in session.execute(select(titles).where(titles.c.id.in_(ids))):
        year = row.start_year if row.start_year and YEAR_MIN <= row.start_year <= YEAR_MAX else None
        runtime = row.runtime if row.runtime and RUNTIME_MIN <= row.runtime <= RUNTIME_MAX else None
        original = row.original_title
        if original is None or original == row.primary_title or len(original) > TITLE_MAX:
            original = None
        found[row.id] = _World(
            id=row.id,
            title=row.primary_title,
            year=year,
            runtime=runtime,
            original_title=original,
            genres=row.genres.split("|") if row.genres else [],
            credits={role: [] for role in ROLE_CATEGORIES},
        )
    role_of = {cat: role for role, cats in ROLE_CATEGORIES.items() for cat in cats}
    for tid, nid, category, name in session.execute(
        select(principals.c.title_id, principals.c.name_id, principals.c.category, names.c.name)
        .join(names, names.c.id == principals.c.name_id)  # credits to unknown people left out
        .where(principals.c.title_id.in_(list(found)), principals.c.category.in_(list(role_of)))
        .order_by(principals.c.title_id, principals.c.ordering)
    ):
        if len(name) <= PERSON_NAME_MAX:
            found[tid].credits[role_of[category]].append((nid, name))
    return found


class _People:
    """Catalog people for IMDb people, tied by nm id (person_imdb_ids): the one tied to
    that id; else the first of that name tied to no IMDb person (someone the user typed);
    else a new person. Looked up and created a chunk of films at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tied: dict[int, int] = {}  # nm id -> person id

    def prepare(self, people: list[tuple[int, str]]) -> None:
        wanted = {nid: name for nid, name in people if nid not in self.tied}
        if not wanted:
            return
        session = self.session
        for part in _chunks(list(wanted)):
            self.tied.update(
                session.execute(
                    select(col(PersonImdbId.imdb_id), col(PersonImdbId.person_id)).where(
                        col(PersonImdbId.imdb_id).in_(part)
                    )
                ).all()
            )
        untied = [(nid, name) for nid, name in wanted.items() if nid not in self.tied]
        if not untied:
            return
        free: dict[str, list[int]] = {}
        keys = sorted({text_key(name) for _nid, name in untied})
        for part in _chunks(keys):
            for pid, key in session.execute(
                select(col(Person.id), col(Person.name_key))
                .where(
                    col(Person.name_key).in_(part),
                    ~col(Person.id).in_(select(col(PersonImdbId.person_id))),
                )
                .order_by(col(Person.id))
            ):
                free.setdefault(key, []).append(pid)
        ties: list[dict[str, int]] = []
        new: list[tuple[int, str, str]] = []
        for nid, name in untied:
            key = text_key(name)
            if free.get(key):
                pid = free[key].pop(0)
                self.tied[nid] = pid
                ties.append({"person_id": pid, "imdb_id": nid})
            else:
                new.append((nid, name, key))
        if new:
            created = session.execute(
                insert(Person).returning(col(Person.id), sort_by_parameter_order=True),
                [{"name": name, "name_key": key} for _nid, name, key in new],
            ).scalars()
            for (nid, _name, _key), pid in zip(new, created, strict=True):
                self.tied[nid] = pid
                ties.append({"person_id": pid, "imdb_id": nid})
        session.execute(insert(PersonImdbId), ties)

    def ids(self, people: list[tuple[int, str]]) -> list[int]:
        return [self.tied[nid] for nid, _name in people]


@dataclass
class _Film:
    title: str
    year: int | None
    runtime: int | None
    original_title: str | None
    marks: set[str]
    genres: list[str]
    credits: dict[str, list[int]]  # role -> person ids in order


class _CatalogFilms:
    """What the catalog has of a chunk of films, read in a few queries."""

    def __init__(self, session: Session, movie_ids: list[int]) -> None:
        from moviecli.store.repo.movies import Movies
        from moviecli.store.repo.people import People

        self.films: dict[int, _Film] = {}
        if not movie_ids:
            return
        genres = Movies(session).genres_by_movie(movie_ids=movie_ids)
        credits = People(session).credits_by_movie(movie_ids=movie_ids)
        for movie_id, title, year, runtime, original in session.execute(
            select(
                col(Movie.id),
                col(Movie.title),
                col(Movie.year),
                col(Movie.runtime_minutes),
                col(Movie.original_title),
            ).where(col(Movie.id).in_(movie_ids))
        ):
            by_role: dict[str, list[int]] = {role: [] for role in ROLE_CATEGORIES}
            for credit in credits[movie_id]:
                by_role[credit.role].append(credit.person_id)
            self.films[movie_id] = _Film(
                title, year, runtime, original, set(), genres[movie_id], by_role
            )
        for movie_id, field_name in session.execute(
            select(col(MovieImdbField.movie_id), col(MovieImdbField.field)).where(
                col(MovieImdbField.movie_id).in_(movie_ids)
            )
        ):
            self.films[movie_id].marks.add(field_name)


# ---------------------------------------------------------------- filling


def _fill(
    session: Session,
    films: _CatalogFilms,
    movie_id: int,
    world: _World,
    people: _People,
    counts: dict[str, int],
) -> bool:
    """Give the film what it lacks, and update what came from the world; True when
    anything changed."""
    from moviecli.store.repo.movies import Movies
    from moviecli.store.repo.people import People

    film = films.films[movie_id]
    marked = film.marks
    changed: list[str] = []
    new_marks: list[str] = []

    def decide(name: str, current: object, value: object) -> bool:
        """Write `value` when the world has one, it differs, and the field is empty or
        holds what the world gave before (marked)."""
        if value in (None, []) or value == current:
            return False
        if current not in (None, [], "") and name not in marked:
            return False  # the user's value
        if name not in marked:
            new_marks.append(name)
        changed.append(name)
        return True

    scalars: dict[str, object] = {}
    if "title" in marked and decide("title", film.title, world.title):
        scalars["title"] = world.title
        scalars["title_key"] = title_key(world.title)
    if decide("year", film.year, world.year):
        scalars["year"] = world.year
    if decide("runtime_minutes", film.runtime, world.runtime):
        scalars["runtime_minutes"] = world.runtime
    if decide("original_title", film.original_title, world.original_title):
        scalars["original_title"] = world.original_title
    if decide("genres", sorted(film.genres), sorted(world.genres)):
        Movies(session).set_genres(movie_id=movie_id, names=world.genres)
    for role, field_name in PEOPLE_FIELDS.items():
        have = film.credits[role]
        if not world.credits[role] or (have and field_name not in marked):
            continue
        wanted = list(dict.fromkeys(people.ids(world.credits[role])))
        if decide(field_name, have, wanted):
            try:
                People(session).set_credit_ids(movie_id=movie_id, role=role, person_ids=wanted)
            except InvalidValueError:  # directors' names too long for movies.director
                changed.remove(field_name)
                if field_name in new_marks:
                    new_marks.remove(field_name)
    if scalars or changed:
        scalars["updated_at"] = utcnow()
        session.execute(update(Movie).where(col(Movie.id) == movie_id).values(**scalars))
    if new_marks:
        session.execute(
            insert(MovieImdbField), [{"movie_id": movie_id, "field": f} for f in new_marks]
        )
    for name in changed:
        counts[name] = counts.get(name, 0) + 1
    return bool(changed)


def bring_into_catalog(session: Session, title_id: int) -> int:
    """The catalog film for a world film, added with its metadata, credits and IMDb id
    when it is not there yet (every value marked as the world's). Returns its id."""
    from moviecli.store.repo.movies import Movies

    tt = id_text("tt", title_id)
    existing = session.execute(
        select(col(ExternalId.movie_id)).where(
            col(ExternalId.source) == "imdb", col(ExternalId.value) == tt
        )
    ).scalar()
    if existing is not None:
        return int(existing)
    world = _world_films(session, [title_id]).get(title_id)
    if world is None:
        raise NotFoundError(f"the world has no film {tt}")
    from pydantic import ValidationError

    try:
        data = MovieCreate.model_validate({"title": world.title[:TITLE_MAX], "year": world.year})
    except ValidationError as error:
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise InvalidValueError(f"{tt} cannot be added: {message}") from None
    public = Movies(session).add_movie(data=data, force=True)
    session.execute(insert(ExternalId).values(source="imdb", value=tt, movie_id=public.id))
    session.execute(insert(MovieImdbField).values(movie_id=public.id, field="title"))
    if world.year is not None:
        session.execute(insert(MovieImdbField).values(movie_id=public.id, field="year"))
    people = _People(session)
    people.prepare([p for role in world.credits.values() for p in role])
    _fill(session, _CatalogFilms(session, [public.id]), public.id, world, people, {})
    return public.id
