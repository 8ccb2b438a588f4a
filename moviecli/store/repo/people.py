"""People and their credits (director, writer, cast). A person is one row however many
films they are in; names match through the casefolded `name_key`. The director names
joined with ", " are also kept in movies.director, in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, delete, func, insert, update
from sqlmodel import col, select

from moviecli.errors import InvalidValueError, NotFoundError
from moviecli.models import (
    Credit,
    Movie,
    MoviePerson,
    Person,
    PersonFilm,
    PersonPublic,
    Rating,
)
from moviecli.rules import TITLE_MAX, text_key
from moviecli.store.repo._base import Repository
from moviecli.store.repo._select import core_table, select_wide

_people = core_table(Person)
_credits = core_table(MoviePerson)
_CHUNK = 500


class People(Repository):
    """People and their credits on films."""

    def person_id(
        self,
        *,
        name: str,
        preferred_id: int | None = None,
        known: dict[str, int] | None = None,
    ) -> int:
        """The person of that name: the one of `preferred_id` when the names agree (an export
        keeps its ids), else the first of that name (the lowest id; names match by name_key),
        else a new row (with `preferred_id` as its id when free). `known`: name_key -> id
        found before, in this transaction (an import asks for the same people many times)."""
        key = text_key(name)
        if preferred_id is not None:
            person = self.session.get(Person, preferred_id)
            if person is not None and person.name_key == key:
                return preferred_id
        found = None if known is None else known.get(key)
        if found is None:
            found = self._first_of([key]).get(key)
        if found is None:
            free = preferred_id is not None and self.session.get(Person, preferred_id) is None
            person = Person(id=preferred_id if free else None, name=name, name_key=key)
            self.session.add(person)
            self.session.flush()
            assert person.id is not None
            found = person.id
        if known is not None:
            known.setdefault(key, found)
        return found

    def add_credits(
        self,
        *,
        role: str,
        credits: Sequence[tuple[int, Sequence[str]]],
        known: dict[str, int] | None = None,
    ) -> None:
        """(movie_id, names) in order: each film credits these people (found by name, the
        first of a name_key, else new, in order of first mention) in `role`, after its
        credits in that role (someone credited already keeps their place); movies.director
        is the caller's to write. Set-based, a few statements however many films (an
        import's directors); `known`: name_key -> id found before, in this transaction."""
        if not credits:
            return
        connection = self.session.connection()
        known = {} if known is None else known
        wanted = [text_key(name) for _movie, names in credits for name in names]
        known.update(self._first_of([key for key in dict.fromkeys(wanted) if key not in known]))
        new: dict[str, str] = {}  # name_key -> the name as first written
        for _movie, names in credits:
            for name in names:
                key = text_key(name)
                if key not in known:
                    new.setdefault(key, name)
        if new:
            created = connection.execute(
                insert(_people).returning(
                    _people.c.id, _people.c.name_key, sort_by_parameter_order=True
                ),
                [{"name": name, "name_key": key} for key, name in new.items()],
            )
            known.update({key: person for person, key in created})
        have: dict[int, list[int]] = {}
        movie_ids = list(dict.fromkeys(movie for movie, _names in credits))
        for start in range(0, len(movie_ids), _CHUNK):
            for movie, person in connection.execute(
                select(_credits.c.movie_id, _credits.c.person_id).where(
                    _credits.c.role == role,
                    _credits.c.movie_id.in_(movie_ids[start : start + _CHUNK]),
                )
            ):
                have.setdefault(movie, []).append(person)
        rows: list[dict[str, object]] = []
        for movie, names in credits:
            held = have.setdefault(movie, [])
            for name in names:
                person = known[text_key(name)]
                if person not in held:
                    held.append(person)
                    rows.append(
                        {
                            "movie_id": movie,
                            "role": role,
                            "person_id": person,
                            "position": len(held),
                        }
                    )
        if rows:
            connection.execute(insert(_credits), rows)

    def _first_of(self, keys: Sequence[str]) -> dict[str, int]:
        """name_key -> the first person (the lowest id) of that name, for those that exist."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), _CHUNK):
            rows = self.session.connection().execute(
                select(_people.c.name_key, func.min(_people.c.id))
                .where(_people.c.name_key.in_(keys[start : start + _CHUNK]))
                .group_by(_people.c.name_key)
            )
            found.update({key: person for key, person in rows})
        return found

    def set_credits(self, *, movie_id: int, role: str, names: Sequence[str]) -> None:
        """Replace the film's people in one role, in the order given."""
        ids = [self.person_id(name=name) for name in names]
        self.set_credit_ids(movie_id=movie_id, role=role, person_ids=ids, shown=", ".join(names))

    def set_credit_ids(
        self,
        *,
        movie_id: int,
        role: str,
        person_ids: Sequence[int],
        shown: str | None = None,
    ) -> None:
        """Replace the film's people in one role by these people, in this order (a person
        given twice is credited once); for directors, movies.director follows (`shown`: the
        names as typed, else the people's names)."""
        unique = list(dict.fromkeys(person_ids))
        if role == "director":
            joined = shown
            if joined is None:
                names = dict(
                    self.session.exec(
                        select(Person.id, Person.name).where(col(Person.id).in_(unique))
                    ).all()
                )
                joined = ", ".join(names[pid] for pid in unique)
            if len(joined) > TITLE_MAX:
                raise InvalidValueError(
                    f"the directors' names together must be at most {TITLE_MAX} characters"
                )
            self.session.exec(
                update(Movie).where(col(Movie.id) == movie_id).values(director=joined or None)
            )
        self.session.exec(
            delete(MoviePerson).where(
                col(MoviePerson.movie_id) == movie_id, col(MoviePerson.role) == role
            )
        )
        if unique:
            self.session.execute(
                insert(MoviePerson),
                [
                    {"movie_id": movie_id, "role": role, "person_id": pid, "position": position}
                    for position, pid in enumerate(unique, start=1)
                ],
            )

    def credits_by_movie(self, *, movie_ids: Sequence[int]) -> dict[int, list[Credit]]:
        result: dict[int, list[Credit]] = {movie_id: [] for movie_id in movie_ids}
        if not movie_ids:
            return result
        order = {"director": 0, "writer": 1, "cast": 2}
        rows = self.session.exec(
            select_wide(
                MoviePerson.movie_id, MoviePerson.role, MoviePerson.position, Person.id, Person.name
            )
            .join(Person, col(Person.id) == MoviePerson.person_id)
            .where(col(MoviePerson.movie_id).in_(movie_ids))
        )
        for movie_id, role, position, pid, name in rows:
            assert pid is not None
            result[movie_id].append(Credit(person_id=pid, name=name, role=role, position=position))
        for credits in result.values():
            credits.sort(key=lambda c: (order[c.role], c.position))
        return result

    def find_people(self, *, name: str, user_id: int | None) -> list[PersonPublic]:
        """Everyone of that name, with their films (oldest first), the user's scores and
        whether the user has seen each: one query for all of them."""
        key = text_key(name)
        score = (
            select(Rating.score)
            .where(Rating.movie_id == Movie.id, Rating.user_id == user_id)
            .scalar_subquery()
        )
        from moviecli.store.repo.diary import seen_filter

        seen = seen_filter(Movie.id, user_id)
        rows = self.session.exec(
            select_wide(
                Person.id,
                Person.name,
                Movie.id,
                Movie.title,
                Movie.year,
                MoviePerson.role,
                score,
                seen,
            )
            .join(MoviePerson, col(MoviePerson.person_id) == Person.id)
            .join(Movie, col(Movie.id) == MoviePerson.movie_id)
            .where(Person.name_key == key)
            .order_by(
                col(Person.id),
                col(Movie.year).asc().nulls_last(),
                col(Movie.title_key),
                col(Movie.id),
                col(MoviePerson.role),
            )
        ).all()
        people: dict[int, PersonPublic] = {}
        for pid, pname, movie_id, title, year, role, user_score, was_seen in rows:
            person = people.setdefault(
                pid, PersonPublic(id=pid, name=pname, films=[], count=0, seen=0)
            )
            person.films.append(
                PersonFilm(
                    movie_id=movie_id,
                    title=title,
                    year=year,
                    role=role,
                    score=user_score,
                    seen=bool(was_seen) if user_id is not None else False,
                )
            )
        for person in people.values():
            films = {f.movie_id: f.seen for f in person.films}
            person.count = len(films)
            person.seen = sum(films.values())
        if not people:
            known = self.session.exec(
                select(func.count()).select_from(Person).where(and_(col(Person.name_key) == key))
            ).one()
            if not known:
                raise NotFoundError(f"no person named '{name}' in the catalog")
        return list(people.values())


def person_filter(name: str) -> ColumnElement[bool]:
    """Movies crediting anyone of that name, in any role."""
    # IN, not a correlated EXISTS: start from that person's credits (see tag_filter).
    return col(Movie.id).in_(
        select(MoviePerson.movie_id)
        .join(Person, col(Person.id) == MoviePerson.person_id)
        .where(Person.name_key == text_key(name))
    )
