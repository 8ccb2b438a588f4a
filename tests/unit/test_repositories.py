"""The repositories (moviecli.store.repo), called directly on a migrated temporary SQLite
catalog through the session scope a command uses: no CLI, no rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from moviecli.config import resolve_location
from moviecli.errors import AmbiguousError, DuplicateError, MoviecliError, NotFoundError
from moviecli.models import MovieCreate, MovieUpdate
from moviecli.store.catalog import Catalog
from moviecli.store.repo import diary, movies, ratings, stats, tags, watchlist
from moviecli.store.repo.users import Users
from tests.checks import query

Scope = Callable[..., AbstractContextManager[Session]]


@pytest.fixture
def scope(catalog: Path) -> Iterator[Scope]:
    """scope(write=...) opens one command's transaction on the test's migrated catalog."""
    store = Catalog(resolve_location(str(catalog)))

    def open_scope(*, write: bool = True) -> AbstractContextManager[Session]:
        return store.session(write=write)

    yield open_scope
    store.dispose()


def add(session: Session, title: str, year: int | None, *genres: str, **fields: object) -> int:
    data = MovieCreate(title=title, year=year, genres=list(genres), **fields)  # type: ignore[arg-type]
    return movies.add_movie(session=session, data=data).id


def test_add_movie_normalises_and_refuses_duplicates(scope: Scope, catalog: Path) -> None:
    with scope() as session:
        data = MovieCreate(
            title="  Heat ",
            year=1995,
            genres=["crime", "CRIME", "film-noir"],
            directors=["Michael Mann"],
        )
        heat = movies.add_movie(session=session, data=data)
    assert (heat.title, heat.year, heat.genres) == ("Heat", 1995, ["Crime", "Film-Noir"])
    assert (heat.director, heat.average_rating, heat.rating_count) == ("Michael Mann", None, 0)
    assert query(catalog, "SELECT title, title_key FROM movies") == [("Heat", "heat")]
    with scope() as session, pytest.raises(DuplicateError, match="already in the catalog as id 1"):
        add(session, "HEAT", 1995)
    with scope() as session:
        again = movies.add_movie(
            session=session, data=MovieCreate(title="HEAT", year=1995), force=True
        )
    assert again.id == heat.id + 1
    assert query(catalog, "SELECT title FROM movies ORDER BY id") == [("Heat",), ("HEAT",)]


def test_resolve_movie_by_id_title_and_year(scope: Scope) -> None:
    with scope() as session:
        heat95 = add(session, "Heat", 1995)
        heat86 = add(session, "Heat", 1986)
        matrix = add(session, "The Matrix", 1999)
        add(session, "Amélie", 2001)
    with scope(write=False) as session:
        assert movies.resolve_movie(session=session, ref=str(matrix)).title == "The Matrix"
        assert movies.resolve_movie(session=session, ref="the  MATRIX").id == matrix
        assert movies.resolve_movie(session=session, ref="Heat (1986)").id == heat86
        with pytest.raises(
            AmbiguousError,
            match=rf"'Heat' matches 2 movies: {heat86}  Heat \(1986\); "
            rf"{heat95}  Heat \(1995\); use an id$",
        ):
            movies.resolve_movie(session=session, ref="Heat")
        with pytest.raises(
            NotFoundError, match=r"no movie matches 'amelie'; did you mean: 4  Amélie \(2001\)\?"
        ):
            movies.resolve_movie(session=session, ref="amelie")
        with pytest.raises(NotFoundError, match=r"^no movie matches 'zzzz'$"):
            movies.resolve_movie(session=session, ref="zzzz")


def test_rating_keeps_the_aggregates(scope: Scope, catalog: Path) -> None:
    with scope() as session:
        heat = add(session, "Heat", 1995)
    with scope() as session:
        movie = movies.resolve_movie(session=session, ref="Heat")
        first = ratings.rate_movie(
            session=session, movie=movie, user_name="ann", score=4.5, review="tense"
        )
        ratings.rate_movie(session=session, movie=movie, user_name="bo", score=3.0)
    assert (first.replaced, first.average_rating, first.rating_count) == (None, 4.5, 1)
    with scope() as session:
        movie = movies.resolve_movie(session=session, ref="Heat")
        change = ratings.rate_movie(session=session, movie=movie, user_name="ann", score=5.0)
    assert (change.replaced, change.average_rating, change.rating_count) == (4.5, 4.0, 2)
    assert change.rating.review == "tense"  # no new review keeps the old one
    assert query(catalog, "SELECT rating_count, rating_sum FROM movies WHERE id = ?", heat) == [
        (2, 8.0)
    ]
    with scope() as session:
        movie = movies.resolve_movie(session=session, ref="Heat")
        removed = ratings.unrate_movie(session=session, movie=movie, user_name="bo")
        with pytest.raises(NotFoundError, match=r"cy has not rated 'Heat \(1995\)'"):
            ratings.unrate_movie(session=session, movie=movie, user_name="cy")
    assert (removed.rating.score, removed.average_rating, removed.rating_count) == (3.0, 5.0, 1)
    assert query(catalog, "SELECT rating_count, rating_sum FROM movies") == [(1, 5.0)]
    with scope(write=False) as session:
        assert stats.integrity_problems(session=session) == []


def test_a_failed_command_leaves_nothing(scope: Scope, catalog: Path) -> None:
    with pytest.raises(DuplicateError), scope() as session:
        add(session, "Heat", 1995)
        add(session, "Heat", 1995)
    assert query(catalog, "SELECT count(*) FROM movies") == [(0,)]


def test_update_and_delete(scope: Scope, catalog: Path) -> None:
    with scope() as session:
        add(session, "Heat", 1995, "crime")
    with scope() as session:
        movie = movies.resolve_movie(session=session, ref="Heat")
        ratings.rate_movie(session=session, movie=movie, user_name="ann", score=4.0)
        changes = MovieUpdate(year=1996, genres=["drama"], runtime_minutes=170)
        updated = movies.update_movie(session=session, movie=movie, changes=changes)
    assert (updated.year, updated.genres, updated.runtime_minutes) == (1996, ["Drama"], 170)
    assert updated.rating_count == 1
    with scope() as session:
        movie = movies.resolve_movie(session=session, ref="Heat")
        gone = movies.delete_movie(session=session, movie=movie)
    assert gone.title == "Heat"
    assert query(catalog, "SELECT count(*) FROM movies") == [(0,)]
    assert query(catalog, "SELECT count(*) FROM ratings") == [(0,)]


def test_list_movies_filters_sorts_and_pages(scope: Scope) -> None:
    with scope() as session:
        films = [("Heat", 1995, "crime"), ("Alien", 1979, "horror"),
                 ("Arrival", 2016, "sci-fi"), ("alien 3", 1992, "horror")]  # fmt: skip
        for title, year, genre in films:
            add(session, title, year, genre)
    with scope(write=False) as session:
        page = movies.list_movies(session=session)
        assert [m.title for m in page.items] == ["Alien", "alien 3", "Arrival", "Heat"]
        assert (page.offset, page.total) == (0, 4)
        page = movies.list_movies(session=session, genre="HORROR", sort="year", descending=True)
        assert [m.title for m in page.items] == ["alien 3", "Alien"]
        page = movies.list_movies(session=session, search="ali", limit=1, offset=1)
        assert ([m.title for m in page.items], page.total) == (["alien 3"], 2)
        page = movies.list_movies(session=session, from_year=1990, to_year=2000)
        assert [m.title for m in page.items] == ["alien 3", "Heat"]


def test_top_and_stats_from_the_aggregates(scope: Scope) -> None:
    with scope() as session:
        for title, year in (("Heat", 1995), ("Alien", 1979), ("Zed", 2010)):
            add(session, title, year, "drama")
        for ref, user, score in (("Heat", "a", 5.0), ("Heat", "b", 4.0), ("Alien", "a", 5.0),
                                 ("Zed", "a", 1.0), ("Zed", "b", 2.0)):  # fmt: skip
            movie = movies.resolve_movie(session=session, ref=ref)
            ratings.rate_movie(session=session, movie=movie, user_name=user, score=score)
    with scope(write=False) as session:
        c = stats.catalog_mean(session=session)
        assert c == pytest.approx(17 / 5)
        weighted = list(stats.top_rated(session=session, min_ratings=1))  # streamed: an iterator
        # With m = 1, Alien's single 5 (4.2) beats Heat's 5 and 4 (4.13).
        assert [(r.rank, r.title) for r in weighted] == [(1, "Alien"), (2, "Heat"), (3, "Zed")]
        assert weighted[0].score == round((5 + c) / 2, 4)
        assert weighted[1].score == round((9 + c) / 3, 4)
        mean = list(stats.top_rated(session=session, by="mean", min_ratings=2))
        assert [(r.title, r.score, r.average_rating) for r in mean] == [
            ("Heat", 4.5, 4.5),
            ("Zed", 1.5, 1.5),
        ]
        summary = stats.catalog_stats(session=session)
    assert (summary.movies, summary.ratings, summary.users, summary.rated_movies) == (3, 5, 2, 3)
    assert summary.average_rating == 3.4
    assert summary.histogram["5.0"] == 2 and summary.histogram["0.5"] == 0
    assert summary.top_genres == [("Drama", 3)]


def test_tags_keep_the_first_spelling(scope: Scope) -> None:
    with scope() as session:
        heat = add(session, "Heat", 1995)
        alien = add(session, "Alien", 1979)
        user = Users(session, writes=True).resolve("ann").id
        assert tags.tag_movie(
            session=session, movie_id=heat, user_id=user, tags=["Noir", "la"]
        ) == ["Noir", "la"]
        assert tags.tag_movie(session=session, movie_id=heat, user_id=user, tags=["NOIR"]) == []
        assert tags.tag_movie(session=session, movie_id=alien, user_id=user, tags=["noir"]) == [
            "Noir"
        ]
    with scope(write=False) as session:
        assert [(t.tag, t.movies) for t in tags.user_tags(session=session, user_id=user)] == [
            ("Noir", 2),
            ("la", 1),
        ]
    with scope() as session:
        assert tags.untag_movie(
            session=session, movie_id=heat, user_id=user, tags=["noir"], title="Heat"
        ) == ["Noir"]
        with pytest.raises(NotFoundError, match="'Heat' has no tag 'noir'"):
            tags.untag_movie(
                session=session, movie_id=heat, user_id=user, tags=["noir"], title="Heat"
            )


def test_watching_a_film_takes_it_off_the_watchlist(scope: Scope) -> None:
    with scope() as session:
        add(session, "Heat", 1995)
        add(session, "Alien", 1979)
        ann = Users(session, writes=True).resolve("ann")
        user = ann.id
        heat = movies.resolve_movie(session=session, ref="Heat")
        alien = movies.resolve_movie(session=session, ref="Alien")
        entries = watchlist.add_to_watchlist(
            session=session, user_id=user, movies=[heat, alien], note="soon"
        )
        assert sorted(e.title for e in entries) == ["Alien", "Heat"]
        with pytest.raises(DuplicateError, match=r"'Heat \(1995\)' is already on the watchlist"):
            watchlist.add_to_watchlist(session=session, user_id=user, movies=[heat], note=None)
    with scope() as session:
        heat = movies.resolve_movie(session=session, ref="Heat")
        first = diary.log_viewing(session=session, movie=heat, user=ann,
                                  watched_on=date(2024, 1, 5), tags=["noir"])  # fmt: skip
        again = diary.log_viewing(session=session, movie=heat, user=ann, watched_on=None)
        assert not watchlist.on_watchlist(session=session, user_id=user, movie_id=heat.id)
        assert [e.title for e in watchlist.watchlist(session=session, user_id=user)] == ["Alien"]
    assert (first.rewatch, first.tags, again.rewatch) == (False, ["noir"], True)
    with scope(write=False) as session:
        seen = diary.list_viewings(session=session, user="ann")
        assert [(v.watched_on, v.rewatch) for v in seen] == [("2024-01-05", False), (None, True)]
        assert diary.list_viewings(session=session, user="nobody") == []
        assert diary.list_viewings(session=session, user="ann", start=date(2024, 1, 6)) == []


def test_users_resolve_creates_only_when_writing(scope: Scope, catalog: Path) -> None:
    with scope(write=False) as session:
        readers = Users(session)
        assert readers.find("ann") is None and readers.id_of("ann") is None
        with pytest.raises(MoviecliError, match="cannot create the user 'ann'"):
            readers.resolve("ann")
    assert query(catalog, "SELECT name FROM users") == []
    with scope() as session:
        writers = Users(session, writes=True)
        ann = writers.resolve("ann")
        assert writers.resolve("ann") == ann  # the same user, not a second one
        bo = writers.resolve("bo")
    assert query(catalog, "SELECT id, name FROM users ORDER BY id") == [
        (ann.id, "ann"),
        (bo.id, "bo"),
    ]
    with scope(write=False) as session:
        users = Users(session)
        assert users.require(["bo", "ann"]) == [bo, ann]
        assert users.ids_by_name() == {"ann": ann.id, "bo": bo.id}
        with pytest.raises(NotFoundError, match="no user named 'cy' in this catalog"):
            users.require(["ann", "cy"])
