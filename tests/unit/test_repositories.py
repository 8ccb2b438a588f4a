"""The repositories (moviecli.store.repo), called directly on a migrated temporary SQLite
catalog through the unit of work a command uses (`uow.movies`, `uow.users`, ...): no CLI,
no rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import pytest

from moviecli.config import resolve_location
from moviecli.errors import AmbiguousError, DuplicateError, MoviecliError, NotFoundError
from moviecli.models import MovieCreate, MovieUpdate
from moviecli.store.catalog import Catalog, UnitOfWork, unit_of_work
from tests.checks import query

Scope = Callable[..., AbstractContextManager[UnitOfWork]]


@pytest.fixture
def scope(catalog: Path) -> Iterator[Scope]:
    """scope(write=...) opens one command's unit of work on the test's migrated catalog."""
    store = Catalog(resolve_location(str(catalog)))

    def open_scope(*, write: bool = True) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(store, write=write)

    yield open_scope
    store.dispose()


def add(uow: UnitOfWork, title: str, year: int | None, *genres: str, **fields: object) -> int:
    data = MovieCreate(title=title, year=year, genres=list(genres), **fields)  # type: ignore[arg-type]
    return uow.movies.add_movie(data=data).id


def test_add_movie_normalises_and_refuses_duplicates(scope: Scope, catalog: Path) -> None:
    with scope() as uow:
        data = MovieCreate(
            title="  Heat ",
            year=1995,
            genres=["crime", "CRIME", "film-noir"],
            directors=["Michael Mann"],
        )
        heat = uow.movies.add_movie(data=data)
    assert (heat.title, heat.year, heat.genres) == ("Heat", 1995, ["Crime", "Film-Noir"])
    assert (heat.director, heat.average_rating, heat.rating_count) == ("Michael Mann", None, 0)
    assert query(catalog, "SELECT title, title_key FROM movies") == [("Heat", "heat")]
    with scope() as uow, pytest.raises(DuplicateError, match="already in the catalog as id 1"):
        add(uow, "HEAT", 1995)
    with scope() as uow:
        again = uow.movies.add_movie(data=MovieCreate(title="HEAT", year=1995), force=True)
    assert again.id == heat.id + 1
    assert query(catalog, "SELECT title FROM movies ORDER BY id") == [("Heat",), ("HEAT",)]


def test_resolve_movie_by_id_title_and_year(scope: Scope) -> None:
    with scope() as uow:
        heat95 = add(uow, "Heat", 1995)
        heat86 = add(uow, "Heat", 1986)
        matrix = add(uow, "The Matrix", 1999)
        add(uow, "Amélie", 2001)
    with scope(write=False) as uow:
        assert uow.movies.resolve_movie(ref=str(matrix)).title == "The Matrix"
        assert uow.movies.resolve_movie(ref="the  MATRIX").id == matrix
        assert uow.movies.resolve_movie(ref="Heat (1986)").id == heat86
        with pytest.raises(
            AmbiguousError,
            match=rf"'Heat' matches 2 movies: {heat86}  Heat \(1986\); "
            rf"{heat95}  Heat \(1995\); use an id$",
        ):
            uow.movies.resolve_movie(ref="Heat")
        with pytest.raises(
            NotFoundError, match=r"no movie matches 'amelie'; did you mean: 4  Amélie \(2001\)\?"
        ):
            uow.movies.resolve_movie(ref="amelie")
        with pytest.raises(NotFoundError, match=r"^no movie matches 'zzzz'$"):
            uow.movies.resolve_movie(ref="zzzz")


def test_rating_keeps_the_aggregates(scope: Scope, catalog: Path) -> None:
    with scope() as uow:
        heat = add(uow, "Heat", 1995)
    with scope() as uow:
        movie = uow.movies.resolve_movie(ref="Heat")
        first = uow.ratings.rate_movie(movie=movie, user_name="ann", score=4.5, review="tense")
        uow.ratings.rate_movie(movie=movie, user_name="bo", score=3.0)
    assert (first.replaced, first.average_rating, first.rating_count) == (None, 4.5, 1)
    with scope() as uow:
        movie = uow.movies.resolve_movie(ref="Heat")
        change = uow.ratings.rate_movie(movie=movie, user_name="ann", score=5.0)
    assert (change.replaced, change.average_rating, change.rating_count) == (4.5, 4.0, 2)
    assert change.rating.review == "tense"  # no new review keeps the old one
    assert query(catalog, "SELECT rating_count, rating_sum FROM movies WHERE id = ?", heat) == [
        (2, 8.0)
    ]
    with scope() as uow:
        movie = uow.movies.resolve_movie(ref="Heat")
        removed = uow.ratings.unrate_movie(movie=movie, user_name="bo")
        with pytest.raises(NotFoundError, match=r"cy has not rated 'Heat \(1995\)'"):
            uow.ratings.unrate_movie(movie=movie, user_name="cy")
    assert (removed.rating.score, removed.average_rating, removed.rating_count) == (3.0, 5.0, 1)
    assert query(catalog, "SELECT rating_count, rating_sum FROM movies") == [(1, 5.0)]
    with scope(write=False) as uow:
        assert uow.stats.integrity_problems() == []


def test_a_failed_command_leaves_nothing(scope: Scope, catalog: Path) -> None:
    with pytest.raises(DuplicateError), scope() as uow:
        add(uow, "Heat", 1995)
        add(uow, "Heat", 1995)
    assert query(catalog, "SELECT count(*) FROM movies") == [(0,)]


def test_update_and_delete(scope: Scope, catalog: Path) -> None:
    with scope() as uow:
        add(uow, "Heat", 1995, "crime")
    with scope() as uow:
        movie = uow.movies.resolve_movie(ref="Heat")
        uow.ratings.rate_movie(movie=movie, user_name="ann", score=4.0)
        changes = MovieUpdate(year=1996, genres=["drama"], runtime_minutes=170)
        updated = uow.movies.update_movie(movie=movie, changes=changes)
    assert (updated.year, updated.genres, updated.runtime_minutes) == (1996, ["Drama"], 170)
    assert updated.rating_count == 1
    with scope() as uow:
        movie = uow.movies.resolve_movie(ref="Heat")
        gone = uow.movies.delete_movie(movie=movie)
    assert gone.title == "Heat"
    assert query(catalog, "SELECT count(*) FROM movies") == [(0,)]
    assert query(catalog, "SELECT count(*) FROM ratings") == [(0,)]


def test_list_movies_filters_sorts_and_pages(scope: Scope) -> None:
    with scope() as uow:
        films = [("Heat", 1995, "crime"), ("Alien", 1979, "horror"),
                 ("Arrival", 2016, "sci-fi"), ("alien 3", 1992, "horror")]  # fmt: skip
        for title, year, genre in films:
            add(uow, title, year, genre)
    with scope(write=False) as uow:
        page = uow.movies.list_movies()
        assert [m.title for m in page.items] == ["Alien", "alien 3", "Arrival", "Heat"]
        assert (page.offset, page.total) == (0, 4)
        page = uow.movies.list_movies(genre="HORROR", sort="year", descending=True)
        assert [m.title for m in page.items] == ["alien 3", "Alien"]
        page = uow.movies.list_movies(search="ali", limit=1, offset=1)
        assert ([m.title for m in page.items], page.total) == (["alien 3"], 2)
        page = uow.movies.list_movies(from_year=1990, to_year=2000)
        assert [m.title for m in page.items] == ["alien 3", "Heat"]


def test_top_and_stats_from_the_aggregates(scope: Scope) -> None:
    with scope() as uow:
        for title, year in (("Heat", 1995), ("Alien", 1979), ("Zed", 2010)):
            add(uow, title, year, "drama")
        for ref, user, score in (("Heat", "a", 5.0), ("Heat", "b", 4.0), ("Alien", "a", 5.0),
                                 ("Zed", "a", 1.0), ("Zed", "b", 2.0)):  # fmt: skip
            movie = uow.movies.resolve_movie(ref=ref)
            uow.ratings.rate_movie(movie=movie, user_name=user, score=score)
    with scope(write=False) as uow:
        c = uow.stats.catalog_mean()
        assert c == pytest.approx(17 / 5)
        weighted = list(uow.stats.top_rated(min_ratings=1))  # streamed: an iterator
        # With m = 1, Alien's single 5 (4.2) beats Heat's 5 and 4 (4.13).
        assert [(r.rank, r.title) for r in weighted] == [(1, "Alien"), (2, "Heat"), (3, "Zed")]
        assert weighted[0].score == round((5 + c) / 2, 4)
        assert weighted[1].score == round((9 + c) / 3, 4)
        mean = list(uow.stats.top_rated(by="mean", min_ratings=2))
        assert [(r.title, r.score, r.average_rating) for r in mean] == [
            ("Heat", 4.5, 4.5),
            ("Zed", 1.5, 1.5),
        ]
        summary = uow.stats.catalog_stats()
    assert (summary.movies, summary.ratings, summary.users, summary.rated_movies) == (3, 5, 2, 3)
    assert summary.average_rating == 3.4
    assert summary.histogram["5.0"] == 2 and summary.histogram["0.5"] == 0
    assert summary.top_genres == [("Drama", 3)]


def test_tags_keep_the_first_spelling(scope: Scope) -> None:
    with scope() as uow:
        heat = add(uow, "Heat", 1995)
        alien = add(uow, "Alien", 1979)
        user = uow.users.resolve("ann").id
        assert uow.tags.tag_movie(movie_id=heat, user_id=user, tags=["Noir", "la"]) == [
            "Noir",
            "la",
        ]
        assert uow.tags.tag_movie(movie_id=heat, user_id=user, tags=["NOIR"]) == []
        assert uow.tags.tag_movie(movie_id=alien, user_id=user, tags=["noir"]) == ["Noir"]
    with scope(write=False) as uow:
        assert [(t.tag, t.movies) for t in uow.tags.user_tags(user_id=user)] == [
            ("Noir", 2),
            ("la", 1),
        ]
    with scope() as uow:
        assert uow.tags.untag_movie(movie_id=heat, user_id=user, tags=["noir"], title="Heat") == [
            "Noir"
        ]
        with pytest.raises(NotFoundError, match="'Heat' has no tag 'noir'"):
            uow.tags.untag_movie(movie_id=heat, user_id=user, tags=["noir"], title="Heat")


def test_watching_a_film_takes_it_off_the_watchlist(scope: Scope) -> None:
    with scope() as uow:
        add(uow, "Heat", 1995)
        add(uow, "Alien", 1979)
        ann = uow.users.resolve("ann")
        user = ann.id
        heat = uow.movies.resolve_movie(ref="Heat")
        alien = uow.movies.resolve_movie(ref="Alien")
        entries = uow.watchlist.add_to_watchlist(user_id=user, movies=[heat, alien], note="soon")
        assert sorted(e.title for e in entries) == ["Alien", "Heat"]
        with pytest.raises(DuplicateError, match=r"'Heat \(1995\)' is already on the watchlist"):
            uow.watchlist.add_to_watchlist(user_id=user, movies=[heat], note=None)
    with scope() as uow:
        heat = uow.movies.resolve_movie(ref="Heat")
        first = uow.diary.log_viewing(movie=heat, user=ann,
                                  watched_on=date(2024, 1, 5), tags=["noir"])  # fmt: skip
        again = uow.diary.log_viewing(movie=heat, user=ann, watched_on=None)
        assert not uow.watchlist.on_watchlist(user_id=user, movie_id=heat.id)
        assert [e.title for e in uow.watchlist.watchlist(user_id=user)] == ["Alien"]
    assert (first.rewatch, first.tags, again.rewatch) == (False, ["noir"], True)
    with scope(write=False) as uow:
        seen = uow.diary.list_viewings(user="ann")
        assert [(v.watched_on, v.rewatch) for v in seen] == [("2024-01-05", False), (None, True)]
        assert uow.diary.list_viewings(user="nobody") == []
        assert uow.diary.list_viewings(user="ann", start=date(2024, 1, 6)) == []


def test_users_resolve_creates_only_when_writing(scope: Scope, catalog: Path) -> None:
    with scope(write=False) as uow:
        readers = uow.users
        assert readers.find("ann") is None and readers.id_of("ann") is None
        with pytest.raises(MoviecliError, match="cannot create the user 'ann'"):
            readers.resolve("ann")
    assert query(catalog, "SELECT name FROM users") == []
    with scope() as uow:
        writers = uow.users
        ann = writers.resolve("ann")
        assert writers.resolve("ann") == ann  # the same user, not a second one
        bo = writers.resolve("bo")
    assert query(catalog, "SELECT id, name FROM users ORDER BY id") == [
        (ann.id, "ann"),
        (bo.id, "bo"),
    ]
    with scope(write=False) as uow:
        users = uow.users
        assert users.require(["bo", "ann"]) == [bo, ann]
        assert users.ids_by_name() == {"ann": ann.id, "bo": bo.id}
        with pytest.raises(NotFoundError, match="no user named 'cy' in this catalog"):
            users.require(["ann", "cy"])


def test_genres_match_caselessly_beyond_ascii(scope: Scope) -> None:
    """One rule for every genre match (rules.genre_key, casefold): SQLite's lower() folds
    ASCII letters only, so 'ÉPOPÉE' once missed 'Épopée'."""
    with scope() as uow:
        first = add(uow, "Die Nibelungen", 1924, "Épopée")
        second = add(uow, "Ivan the Terrible", 1944, "ÉPOPÉE")
        third = add(uow, "Heat", 1995, "Crime")
        for movie_id, score in ((first, 4.0), (second, 3.0), (third, 5.0)):
            movie = uow.movies.resolve_movie(ref=str(movie_id))
            uow.ratings.rate_movie(movie=movie, user_name="ann", score=score)
    with scope(write=False) as uow:
        assert uow.movies.genres_by_movie(movie_ids=[first, second, third]) == {
            first: ["Épopée"],
            second: ["Épopée"],
            third: ["Crime"],
        }
        assert uow.movies.genre_known(genre="épopée")
        assert not uow.movies.genre_known(genre="Western")
        page = uow.movies.list_movies(genre="ÉPOPÉE", sort="year")
        assert [m.id for m in page.items] == [first, second]
        assert uow.taste.matching_movie_ids(genre="épopée") == {first, second}
        assert [row.id for row in uow.stats.top_rated(genre="épopée")] == [first, second]
