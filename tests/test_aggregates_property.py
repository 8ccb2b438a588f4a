"""Property: after any sequence of rate, unrate, edit and delete, every movie's stored
rating count and sum equal a fresh recomputation from the ratings table."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from moviecli.cli import app
from moviecli.config import resolve_location
from moviecli.errors import MoviecliError, NotFoundError
from moviecli.models import MovieUpdate
from moviecli.store.catalog import Catalog
from moviecli.store.repo.movies import Movies
from moviecli.store.repo.ratings import Ratings

TITLES = ["Heat", "Alien", "Zodiac", "Arrival"]
USERS = ["ann", "bob", "cy"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated catalog with four movies, made once; each example works on a copy."""
    path = tmp_path_factory.mktemp("aggregates") / "movies.db"
    runner = CliRunner()
    for year, title in enumerate(TITLES, start=1990):
        result = runner.invoke(app, ["--db", str(path), "add", title, "--year", str(year)])
        assert result.exit_code == 0, result.output
    return path


movie_ids = st.integers(min_value=1, max_value=len(TITLES))
users = st.sampled_from(USERS)
scores = st.integers(min_value=1, max_value=10).map(lambda n: n / 2)
operations = st.one_of(
    st.tuples(st.just("rate"), movie_ids, users, scores),
    st.tuples(st.just("unrate"), movie_ids, users),
    st.tuples(
        st.just("edit"),
        movie_ids,
        st.fixed_dictionaries(
            {},
            optional={
                "year": st.integers(min_value=1888, max_value=2100),
                "genres": st.lists(st.sampled_from(["drama", "sci-fi", "crime"]), max_size=2),
                "runtime_minutes": st.integers(min_value=1, max_value=1000),
            },
        ),
    ),
    st.tuples(st.just("delete"), movie_ids),
)


def stored_and_recomputed(
    path: Path,
) -> tuple[dict[int, tuple[int, float]], dict[int, tuple[int, float]]]:
    connection = sqlite3.connect(path)
    try:
        stored = {
            movie_id: (count, total)
            for movie_id, count, total in connection.execute(
                "SELECT id, rating_count, rating_sum FROM movies"
            )
        }
        recomputed = {movie_id: (0, 0.0) for movie_id in stored}
        for movie_id, count, total in connection.execute(
            "SELECT movie_id, count(*), sum(score) FROM ratings GROUP BY movie_id"
        ):
            recomputed[movie_id] = (count, total)
        return stored, recomputed
    finally:
        connection.close()


def apply(catalog: Catalog, operation: tuple) -> None:  # type: ignore[type-arg]
    kind, movie_id, *rest = operation
    with catalog.session(write=True) as session:
        movies, ratings = Movies(session), Ratings(session)
        movie = movies.resolve_movie(ref=str(movie_id))
        if kind == "rate":
            user, score = rest
            ratings.rate_movie(movie=movie, user_name=user, score=score)
        elif kind == "unrate":
            ratings.unrate_movie(movie=movie, user_name=rest[0])
        elif kind == "edit":
            changes = MovieUpdate.model_validate(rest[0])
            movies.update_movie(movie=movie, changes=changes)
        else:
            movies.delete_movie(movie=movie)


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(operations, min_size=1, max_size=15))
def test_aggregates_equal_a_recomputation(template: Path, steps: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "movies.db"
        shutil.copyfile(template, path)
        catalog = Catalog(resolve_location(str(path)))
        model: dict[tuple[int, str], float] = {}  # what the ratings table should hold
        deleted: set[int] = set()
        try:
            for step in steps:
                kind, movie_id, *rest = step
                try:
                    apply(catalog, step)
                except NotFoundError:
                    # only a deleted movie or a missing rating may be refused
                    assert movie_id in deleted or (
                        kind == "unrate" and (movie_id, rest[0]) not in model
                    )
                    continue
                except MoviecliError as error:  # e.g. an edit refused as a duplicate
                    assert kind == "edit", error
                    continue
                assert movie_id not in deleted
                if kind == "rate":
                    model[(movie_id, rest[0])] = rest[1]
                elif kind == "unrate":
                    del model[(movie_id, rest[0])]
                elif kind == "delete":
                    deleted.add(movie_id)
                    model = {k: v for k, v in model.items() if k[0] != movie_id}
                stored, recomputed = stored_and_recomputed(path)
                assert stored == recomputed, step
            expected: dict[int, tuple[int, float]] = {
                m: (0, 0.0) for m in range(1, len(TITLES) + 1) if m not in deleted
            }
            for (movie_id, _user), score in model.items():
                count, total = expected[movie_id]
                expected[movie_id] = (count + 1, total + score)
            assert stored_and_recomputed(path)[0] == expected
        finally:
            catalog.dispose()
