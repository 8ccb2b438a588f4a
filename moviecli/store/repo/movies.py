"""Movies: naming one on the command line, adding, editing, deleting, listing, showing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, literal, or_
from sqlmodel import col, select

from moviecli.errors import AmbiguousError, ChoiceNeeded, DuplicateError, NotFoundError
from moviecli.models import (
    ExternalId,
    Genre,
    Movie,
    MovieDetail,
    MovieGenre,
    MoviePublic,
    Page,
    Rating,
    utcnow,
)
from moviecli.ranking import average
from moviecli.rules import genre_key, genre_name, loose_title_key, score_histogram, title_key
from moviecli.store.repo._base import Repository
from moviecli.store.repo.filters import contains, years

if TYPE_CHECKING:
    from sqlalchemy import UnaryExpression
    from sqlalchemy.sql.elements import SQLCoreOperations

    from moviecli.models import MovieCreate, MovieUpdate
    from moviecli.models.world import WorldFilm  # loaded by the commands that read the world

PEOPLE_FIELDS = {"directors": "director", "writers": "writer", "cast": "cast"}

MovieSort = Literal["title", "year", "rating", "ratings", "added"]

_TITLE_WITH_YEAR = re.compile(r"^(?P<title>.*\S)\s*\((?P<year>\d{4})\)\s*$")
_MAX_ID = 2**63 - 1
# Rows fetched at a time by a listing (a server-side cursor on PostgreSQL).
STREAM_CHUNK = 1000
# ---------------------------------------------------------------- naming a movie


class Movies(Repository):
    """Movies: naming one, adding, editing, deleting, listing, showing; their genres."""

    def resolve_movie(self, *, ref: str) -> Movie:
        """A catalog movie named by id (`42`), IMDb id (`tt0113277`), exact title (`the
        matrix`) or title and year (`Heat (1995)`); with a world attached, also by one of
        IMDb's titles of a film the catalog has. See resolve_reference."""
        found = self.resolve_reference(ref=ref)
        if isinstance(found, Movie):
            return found
        raise NotFoundError(
            f"'{ref}' is {found.title} ({found.year or '?'}, {found.imdb_id}) among IMDb's films, "
            "not in the catalog"
        )

    def resolve_reference(self, *, ref: str) -> Movie | WorldFilm:
        """What a MOVIE reference names: a catalog movie, else (world attached) one of IMDb's.

        Every catalog reading is tried: a reference that names two movies in any way (an id
        that is also a title, a title "Heat (1995)" beside Heat of 1995, remakes) is ambiguous
        and lists them. A reference no catalog film matches is looked up among IMDb's films
        (titles and alternative titles, case and accents ignored; a film linked to a catalog
        film gives that film): several raise ChoiceNeeded, most voted first. No match
        suggests the closest catalog titles. `self.session.info["chosen"]` maps a reference to the
        world film the person picked for it."""
        from moviecli.rules import parse_imdb_id

        text = ref.strip()
        world = bool(self.session.info.get("world"))
        chosen: dict[str, int] = self.session.info.get("chosen") or {}
        parsed = ("tt", chosen[text]) if text in chosen else parse_imdb_id(text)
        if parsed is not None and parsed[0] == "tt":
            named = self._by_imdb_id(parsed[1], world=world)
            if named is not None:
                return named
        found: dict[int, Movie] = {}
        # ASCII digits only ("²".isdigit() is true, int("²") fails) and within SQLite's INTEGER.
        if text.isascii() and text.isdigit() and int(text) <= _MAX_ID:
            movie = self.session.get(Movie, int(text))
            if movie is not None and movie.id is not None:
                found[movie.id] = movie
        conditions = [col(Movie.title_key) == title_key(text)]
        match = _TITLE_WITH_YEAR.match(text)
        if match:
            conditions.append(
                (col(Movie.title_key) == title_key(match["title"]))
                & (col(Movie.year) == int(match["year"]))
            )
        for movie in self.session.exec(
            select(Movie).where(or_(*conditions)).order_by(col(Movie.year), col(Movie.id))
        ):
            if movie.id is not None:
                found.setdefault(movie.id, movie)
        candidates = list(found.values())
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            if world:
                named = self._in_world(ref, text)
                if named is not None:
                    return named
            raise NotFoundError(f"no movie matches '{ref}'{self._did_you_mean(text)}")
        listing = "; ".join(f"{m.id}  {m.title} ({m.year or '?'})" for m in candidates[:10])
        more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        raise AmbiguousError(
            f"'{ref}' matches {len(candidates)} movies: {listing}{more}; use an id"
        )

    def _by_imdb_id(self, title_id: int, *, world: bool) -> Movie | WorldFilm | None:
        """The catalog film linked to tt<title_id>, else (world attached) the world's film."""
        from moviecli.rules import id_text

        movie = self.session.exec(
            select(Movie)
            .join(ExternalId, col(ExternalId.movie_id) == Movie.id)
            .where(ExternalId.source == "imdb", ExternalId.value == id_text("tt", title_id))
            .order_by(col(Movie.id))
            .limit(1)
        ).first()
        if movie is not None or not world:
            return movie
        from moviecli.store.world import lookup

        return lookup.film(session=self.session, title_id=title_id)

    def _in_world(self, ref: str, text: str) -> Movie | WorldFilm | None:
        """IMDb's film of that title (or the catalog film linked to it); None if none."""
        film = self.world_film(ref=ref)
        if film is None:
            return None
        title_id = int(film.imdb_id[2:])
        from moviecli.store.world import lookup

        linked = lookup.catalog_ids(session=self.session, title_ids=[title_id])
        if title_id in linked:
            return self.session.get(Movie, linked[title_id])
        return film

    def world_film(self, *, ref: str) -> WorldFilm | None:
        """The one film of IMDb's a title names: its title or an alternative title (case and
        accents ignored), with its year when given as "Title (Year)", or a tt id, or the
        film picked for `ref` (self.session.info["chosen"]). Several raise ChoiceNeeded, most
        voted first; none gives None."""
        from moviecli.models.world import film_line
        from moviecli.rules import parse_imdb_id
        from moviecli.store.world import lookup

        text = ref.strip()
        chosen: dict[str, int] = self.session.info.get("chosen") or {}
        parsed = ("tt", chosen[text]) if text in chosen else parse_imdb_id(text)
        if parsed is not None and parsed[0] == "tt":
            return lookup.film(session=self.session, title_id=parsed[1])
        films: list[WorldFilm] = []
        match = _TITLE_WITH_YEAR.match(text)
        if match:
            films = lookup.candidates(
                session=self.session, title=match["title"], year=int(match["year"])
            )
        if not films:
            films = lookup.candidates(session=self.session, title=text)
        if len(films) > 1:
            listing = "; ".join(film_line(f) for f in films[:10])
            more = f" and {len(films) - 10} more" if len(films) > 10 else ""
            raise ChoiceNeeded(
                f"'{ref}' matches {len(films)} of IMDb's films: {listing}{more}; "
                "use a tt id or a year",
                ref=ref,
                candidates=list(films),
            )
        return films[0] if films else None

    def _did_you_mean(self, text: str, limit: int = 5) -> str:
        """'; did you mean: 12  Amélie (2001)?' from the titles closest to `text`, case,
        accents and a leading article ignored (difflib on loose keys; one SELECT), with a
        world attached also IMDb's titles next to it in the world's indexes (by tt id)."""
        import difflib

        match = _TITLE_WITH_YEAR.match(text)
        typed = match["title"] if match else text
        wanted = loose_title_key(typed)
        if not wanted:
            return ""
        by_key: dict[str, list[tuple[int | str | None, str, int | None]]] = {}
        for movie_id, title, year in self.session.exec(select(Movie.id, Movie.title, Movie.year)):
            by_key.setdefault(loose_title_key(title), []).append((movie_id, title, year))
        if self.session.info.get("world"):
            # IMDb's films too, read from the title indexes next to the typed title's key
            # (a catalog title of the same key is shown instead).
            from moviecli.store.world import lookup

            world: dict[str, list[tuple[int | str | None, str, int | None]]] = {}
            for imdb_id, title, year in lookup.near_titles(session=self.session, text=typed):
                key = loose_title_key(title)
                if key not in by_key and (imdb_id, title, year) not in world.get(key, []):
                    world.setdefault(key, []).append((imdb_id, title, year))
            by_key.update(world)
        # The same title but for case, accents or "The": that is the answer; else the closest.
        keys = [wanted] if wanted in by_key else difflib.get_close_matches(wanted, by_key, n=limit)
        shown = [movie for key in keys for movie in by_key[key]][:limit]
        if not shown:
            return ""
        return (
            "; did you mean: "
            + "; ".join(f"{movie_id}  {title} ({year or '?'})" for movie_id, title, year in shown)
            + "?"
        )

    def find_duplicate(self, *, title: str, year: int | None) -> Movie | None:
        return self.session.exec(
            select(Movie)
            .where(Movie.title_key == title_key(title), Movie.year == year)
            .order_by(col(Movie.id))
            .limit(1)
        ).first()

    def add_movie(self, *, data: MovieCreate, force: bool = False) -> MoviePublic:
        if not force:
            existing = self.find_duplicate(title=data.title, year=data.year)
            if existing is not None:
                raise DuplicateError(
                    f"'{existing.title} ({existing.year})' is already in the catalog as id "
                    f"{existing.id}; use --force to add another"
                )
        fields = data.model_dump(exclude={"genres", *PEOPLE_FIELDS})
        movie = Movie(**fields, title_key=title_key(data.title))
        self.session.add(movie)
        self.session.flush()
        assert movie.id is not None
        self.set_genres(movie_id=movie.id, names=data.genres)
        self._set_people(movie_id=movie.id, values=data.model_dump())
        return self.movie_public(movie=movie)

    def _set_people(self, *, movie_id: int, values: dict[str, object]) -> None:
        from moviecli.store.repo.people import People

        for field, role in PEOPLE_FIELDS.items():
            names = values.get(field)
            if isinstance(names, list) and (names or field in values):
                People(self.session).set_credits(movie_id=movie_id, role=role, names=names)

    def update_movie(self, *, movie: Movie, changes: MovieUpdate) -> MoviePublic:
        from moviecli.store.repo.imdb_fields import ImdbFields

        values = changes.model_dump(exclude_unset=True)
        genres = values.pop("genres", None)
        people = {field: values.pop(field) for field in PEOPLE_FIELDS if field in values}
        if "title" in values or "year" in values:
            new_title = values.get("title", movie.title)
            new_year = values.get("year", movie.year)
            clash = self.session.exec(
                select(Movie).where(
                    Movie.title_key == title_key(new_title),
                    Movie.year == new_year,
                    Movie.id != movie.id,
                )
            ).first()
            if clash is not None:
                raise DuplicateError(
                    f"'{clash.title} ({clash.year})' is already in the catalog as id {clash.id}"
                )
            movie.title_key = title_key(new_title)
        for key, value in values.items():
            setattr(movie, key, value)
        movie.updated_at = utcnow()
        self.session.add(movie)
        self.session.flush()
        assert movie.id is not None
        if genres is not None:
            self.set_genres(movie_id=movie.id, names=genres)
        self._set_people(movie_id=movie.id, values=people)
        # What the user sets is theirs: an `imdb sync` never overwrites it.
        ImdbFields(self.session).drop_marks(movie_id=movie.id, fields=changes.model_fields_set)
        return self.movie_public(movie=movie)

    def attached(self, *, movie_id: int) -> dict[str, int]:
        """What a movie's delete takes with it, every user's: ratings, viewings, tags, list
        entries and watchlist entries, counted."""
        from moviecli.models import ListItem, Tag, Viewing, WatchlistItem

        counts: dict[str, int] = {}
        for what, table in (
            ("rating", Rating),
            ("viewing", Viewing),
            ("tag", Tag),
            ("list entry", ListItem),
            ("watchlist entry", WatchlistItem),
        ):
            counts[what] = self.session.exec(
                select(func.count()).select_from(table).where(table.movie_id == movie_id)
            ).one()
        return counts

    def delete_movie(self, *, movie: Movie) -> MoviePublic:
        """Delete a movie; its ratings, genre links and external ids go with it (ON DELETE
        CASCADE)."""
        from moviecli.store.repo import stamp

        public = self.movie_public(movie=movie)
        self.session.exec(delete(Movie).where(col(Movie.id) == movie.id))
        if movie.rating_count:
            stamp.touch(session=self.session)
        self.session.expunge(movie)
        return public

    def _genres_by_key(self) -> dict[str, int]:
        """Every genre of the catalog, genre_key -> id (the first, should two spellings
        share a key). A catalog has a few dozen genres: matched here, since SQL cannot
        casefold."""
        rows = self.session.exec(select(Genre.id, Genre.name).order_by(col(Genre.id)))
        by_key: dict[str, int] = {}
        for genre_id, name in rows:
            if genre_id is not None:
                by_key.setdefault(genre_key(name), genre_id)
        return by_key

    def genre_ids(self, *, names: Iterable[str]) -> list[int]:
        """Ids of these genres (already Title Cased), creating the missing ones."""
        by_key = self._genres_by_key()
        ids: list[int] = []
        for name in names:
            genre_id = by_key.get(genre_key(name))
            if genre_id is None:
                genre = Genre(name=name)
                self.session.add(genre)
                self.session.flush()
                assert genre.id is not None
                genre_id = by_key[genre_key(name)] = genre.id
            ids.append(genre_id)
        return ids

    def matching_genre_ids(self, *, genre: str) -> list[int]:
        """The ids of the genres a typed --genre names (genre_name, then genre_key)."""
        wanted = genre_key(genre_name(genre))
        rows = self.session.exec(select(Genre.id, Genre.name).order_by(col(Genre.id)))
        return [genre_id for genre_id, name in rows if genre_id and genre_key(name) == wanted]

    def genre_filter(self, genre: str) -> ColumnElement[bool]:
        """A movie is of the genre a typed --genre names."""
        return exists().where(
            col(MovieGenre.movie_id) == Movie.id,
            col(MovieGenre.genre_id).in_(self.matching_genre_ids(genre=genre)),
        )

    def set_genres(self, *, movie_id: int, names: Sequence[str]) -> None:
        self.session.exec(delete(MovieGenre).where(col(MovieGenre.movie_id) == movie_id))
        for genre_id in self.genre_ids(names=names):
            self.session.add(MovieGenre(movie_id=movie_id, genre_id=genre_id))
        self.session.flush()

    def genres_by_movie(self, *, movie_ids: Sequence[int]) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {movie_id: [] for movie_id in movie_ids}
        if not movie_ids:
            return result
        rows = self.session.exec(
            select(MovieGenre.movie_id, Genre.name)
            .join(Genre, col(Genre.id) == MovieGenre.genre_id)
            .where(col(MovieGenre.movie_id).in_(movie_ids))
            .order_by(Genre.name)
        )
        for movie_id, name in rows:
            result[movie_id].append(name)
        return result

    def movie_public(self, *, movie: Movie) -> MoviePublic:
        assert movie.id is not None
        self.session.refresh(movie)
        genres = self.genres_by_movie(movie_ids=[movie.id])[movie.id]
        return _public(movie, genres)

    def genre_known(self, *, genre: str) -> bool:
        """Whether the catalog has this genre (as --genre matches it)."""
        return bool(self.matching_genre_ids(genre=genre))

    def movie_listing(
        self,
        *,
        search: str | None = None,
        genre: str | None = None,
        year: int | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
        sort: MovieSort = "title",
        descending: bool = False,
        limit: int = 20,
        offset: int = 0,
        user_id: int | None = None,
        tag: str | None = None,
        person: str | None = None,
        watched: bool | None = None,
        on_watchlist: bool = False,
    ) -> tuple[int, Iterator[MoviePublic]]:
        """How many movies match, and the page of them, streamed from the database in chunks
        (`limit` 0: all of them, in bounded memory); `tag`, `watched` and `on_watchlist` are
        the user's (`user_id`)."""
        # Each filter's repository is loaded only when the filter is given (import time
        # of a plain `list`).
        conditions: list[ColumnElement[bool]] = []
        if tag is not None:
            from moviecli.store.repo.tags import tag_filter

            conditions.append(tag_filter(user_id=user_id, tag=tag))
        if person is not None:
            from moviecli.store.repo.people import person_filter

            conditions.append(person_filter(person))
        if watched is not None:
            from moviecli.store.repo.diary import watched_filter

            seen = watched_filter(user_id=user_id)
            conditions.append(seen if watched else ~seen)
        if on_watchlist:
            from moviecli.store.repo.watchlist import watchlist_filter

            conditions.append(watchlist_filter(user_id=user_id))
        if search:
            conditions.append(contains(col(Movie.title_key), title_key(search)))
        if genre:
            conditions.append(self.genre_filter(genre))
        conditions += years(col(Movie.year), year=year, from_year=from_year, to_year=to_year)
        where = and_(literal(True), *conditions)

        total = self.session.exec(select(func.count()).select_from(Movie).where(where)).one()

        mean = case(
            (col(Movie.rating_count) > 0, Movie.rating_sum / Movie.rating_count), else_=None
        )
        keys: dict[str, list[SQLCoreOperations[Any]]] = {
            "title": [col(Movie.title_key), col(Movie.year)],
            "year": [col(Movie.year), col(Movie.title_key)],
            "rating": [mean, col(Movie.rating_count)],
            "ratings": [col(Movie.rating_count), mean],
            "added": [col(Movie.created_at)],
        }
        order: list[UnaryExpression[Any]] = []
        for key in [*keys[sort], col(Movie.id)]:
            order.append(key.desc().nulls_last() if descending else key.asc().nulls_last())
        query = select(Movie).where(where).order_by(*order).offset(offset)
        if limit:
            query = query.limit(limit)
        return total, self._with_genres(query)

    def _with_genres(self, query: Any) -> Iterator[MoviePublic]:
        result = self.session.exec(query.execution_options(yield_per=STREAM_CHUNK))
        for chunk in result.partitions():
            ids = [m.id for m in chunk if m.id is not None]
            genres = self.genres_by_movie(movie_ids=ids)
            for m in chunk:
                if m.id is not None:
                    yield _public(m, genres[m.id])

    def list_movies(self, *, offset: int = 0, **filters: Any) -> Page:
        """One page of movies as a list (see movie_listing)."""
        total, items = self.movie_listing(offset=offset, **filters)
        return Page(items=list(items), offset=offset, total=total)

    def movie_detail(self, *, movie: Movie, user: str, latest: int = 10) -> MovieDetail:
        """The movie with its histogram, latest ratings, people, and the user's tags,
        viewings (newest first) and watchlist mark."""
        from moviecli.store.repo.diary import Diary
        from moviecli.store.repo.people import People
        from moviecli.store.repo.ratings import Ratings
        from moviecli.store.repo.tags import Tags
        from moviecli.store.repo.users import Users
        from moviecli.store.repo.watchlist import Watchlist

        public = self.movie_public(movie=movie)
        assert movie.id is not None
        user_id = Users(self.session).id_of(user)
        histogram = score_histogram(
            self.session.exec(
                select(Rating.score, func.count())
                .where(Rating.movie_id == movie.id)
                .group_by(col(Rating.score))
            )
        )
        latest_ratings = Ratings(self.session).list_ratings(
            movie_id=movie.id, sort="date", descending=True, limit=latest
        )
        external = {
            source: value
            for source, value in self.session.exec(
                select(ExternalId.source, ExternalId.value)
                .where(ExternalId.movie_id == movie.id)
                .order_by(ExternalId.source)
            )
        }
        return MovieDetail(
            **public.model_dump(),
            created_at=movie.created_at,
            updated_at=movie.updated_at,
            histogram=histogram,
            latest_ratings=latest_ratings,
            external_ids=external,
            people=People(self.session).credits_by_movie(movie_ids=[movie.id])[movie.id],
            user=user,
            tags=Tags(self.session).tags_by_movie(user_id=user_id, movie_ids=[movie.id])[movie.id],
            viewings=Diary(self.session).list_viewings(user=user, movie_id=movie.id, limit=0),
            on_watchlist=Watchlist(self.session).on_watchlist(user_id=user_id, movie_id=movie.id),
        )

    def is_empty(self) -> bool:
        return self.session.exec(select(Movie.id).limit(1)).first() is None


# ---------------------------------------------------------------- movies


def _public(movie: Movie, genres: list[str]) -> MoviePublic:
    assert movie.id is not None
    return MoviePublic(
        id=movie.id,
        title=movie.title,
        year=movie.year,
        genres=genres,
        original_title=movie.original_title,
        runtime_minutes=movie.runtime_minutes,
        director=movie.director,
        average_rating=average(movie.rating_sum, movie.rating_count),
        rating_count=movie.rating_count,
    )


def no_such_genre(genre: str) -> str:
    return f"nothing matches: the catalog has no genre {genre!r} (see 'moviecli stats')"
