"""What the IMDb world's lookups give back and what `find`, `show`, `person` and
`top --imdb` print: view models only (the queries are in store/world/lookup.py)."""

from __future__ import annotations

from sqlmodel import SQLModel

from moviecli.models.types import Score
from moviecli.models.views import MovieDetail

# Principal categories shown as the cast; directors and writers have their own lines,
# every other category (producer, composer, editor, ...) is "other crew".
CAST_CATEGORIES = ("actor", "actress", "self", "archive_footage")


class WorldFilm(SQLModel):
    """A film of the world, as a candidate, a search hit or a ranked row."""

    imdb_id: str
    title: str
    original_title: str | None
    year: int | None
    type: str
    runtime_minutes: int | None
    genres: list[str]
    imdb_rating: float | None
    imdb_votes: int | None
    directors: list[str]


class WorldCredit(SQLModel):
    imdb_id: str  # nm...
    name: str
    category: str
    job: str | None
    characters: list[str]


class WorldAka(SQLModel):
    title: str
    region: str | None
    language: str | None


class WorldFilmDetail(WorldFilm):
    """`show` of a world film: its credits in IMDb's order, and (`--akas`) its other titles."""

    credits: list[WorldCredit]
    akas: list[WorldAka] | None = None


class WorldShow(WorldFilmDetail):
    """`show` of a world film that is not in the catalog."""

    id: int | None = None
    in_catalog: bool = False


class MovieDetailWithImdb(MovieDetail):
    """`show` of a catalog film linked to one of IMDb's: the catalog's own detail and
    IMDb's (`imdb`)."""

    imdb: WorldFilmDetail


class FindRow(SQLModel):
    """One `find` hit (SPEC: id, imdb_id, title, year, type, directors, imdb_rating,
    imdb_votes, in_catalog, your_score)."""

    id: int | None
    imdb_id: str | None
    title: str
    year: int | None
    type: str | None
    directors: list[str]
    imdb_rating: float | None
    imdb_votes: int | None
    in_catalog: bool
    your_score: Score | None


class WorldPersonFilm(SQLModel):
    imdb_id: str
    id: int | None  # the catalog's id when the film is in the catalog
    title: str
    year: int | None
    role: str  # IMDb's category: director, writer, actor, producer, ...
    job: str | None
    characters: list[str]
    score: Score | None  # the user's
    seen: bool


class WorldPerson(SQLModel):
    imdb_id: str
    name: str
    birth_year: int | None
    death_year: int | None
    professions: list[str]
    known_for: list[str]  # "Title (Year)" of the films IMDb knows them for, when loaded
    films: list[WorldPersonFilm]
    count: int
    seen: int


class WorldTopRow(SQLModel):
    rank: int
    imdb_id: str
    id: int | None
    title: str
    year: int | None
    genres: list[str]
    imdb_rating: float
    imdb_votes: int
    score: float
    rated: Score | None  # the user's score, when they rated it
    seen: bool


def film_line(film: WorldFilm) -> str:
    """'tt0113277  Heat (1995, movie, Michael Mann, 700,000 votes)': a candidate in one line."""
    parts = [str(film.year) if film.year is not None else "?", film.type]
    if film.directors:
        parts.append(", ".join(film.directors[:2]))
    parts.append(f"{film.imdb_votes:,} votes" if film.imdb_votes else "no votes")
    return f"{film.imdb_id}  {film.title} ({', '.join(parts)})"
