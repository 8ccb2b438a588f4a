"""Writing commands and one of IMDb's films: the film is brought into the catalog first.

Above both the movies repository and the world's fill (which uses the repository to add
films), so neither has to import the other."""

from __future__ import annotations

from sqlmodel import Session

from moviecli.errors import DuplicateError
from moviecli.models import Movie
from moviecli.models.world import WorldFilm
from moviecli.store.repo.movies import Movies
from moviecli.store.world import lookup
from moviecli.store.world.fill import bring_into_catalog


def add_world_film(*, session: Session, film: WorldFilm) -> Movie:
    """`add` of one of IMDb's films: refused when the catalog has it already."""
    title_id = int(film.imdb_id[2:])
    linked = lookup.catalog_ids(session=session, title_ids=[title_id])
    if title_id in linked:
        raise DuplicateError(
            f"{film.title} ({film.year or '?'}, {film.imdb_id}) is already in the catalog "
            f"as id {linked[title_id]}"
        )
    return bring(session=session, film=film)


def resolve_or_bring(*, session: Session, ref: str) -> tuple[Movie, WorldFilm | None]:
    """The catalog movie a writing command works on: a world film named by `ref` is
    first brought into the catalog with its metadata and credits (returned second)."""
    found = Movies(session).resolve_reference(ref=ref)
    if isinstance(found, Movie):
        return found, None
    return bring(session=session, film=found), found


def bring(*, session: Session, film: WorldFilm) -> Movie:
    movie = session.get(Movie, bring_into_catalog(session, int(film.imdb_id[2:])))
    assert movie is not None
    return movie
