"""The loader's pure parts, called directly (no CLI, no catalog): which catalog movie an
imported film is (importers/matching.py) and which imported viewings are new
(importers/diary.py)."""

from __future__ import annotations

from moviecli.importers.diary import Viewing, new_viewings
from moviecli.importers.matching import MovieMatcher
from moviecli.importers.records import MovieRecord


def _record(
    title: str,
    year: int | None,
    *,
    id: int | None = None,
    external_ids: dict[str, str] | None = None,
) -> MovieRecord:
    return MovieRecord(
        key=title, title=title, year=year, line=1, id=id, external_ids=external_ids or {}
    )


def _matcher(*, merge_same_title: bool = True) -> MovieMatcher:
    keys = {7: ("heat", 1995)}
    return MovieMatcher(
        external={"imdb": {"tt0113277": 7}},
        by_title={("heat", 1995): [7], ("alien", 1979): [9]},
        key_of=keys.get,
        merge_same_title=merge_same_title,
    )


def test_a_film_matches_by_its_id_when_title_and_year_agree() -> None:
    assert _matcher().match(_record("Heat", 1995, id=7)) == 7
    assert _matcher().match(_record("Heat", 1996, id=7)) is None


def test_a_film_matches_by_external_id_then_title_and_year() -> None:
    assert _matcher().match(_record("Other", 2000, external_ids={"imdb": "tt0113277"})) == 7
    assert _matcher().match(_record("Alien", 1979)) == 9
    assert _matcher().match(_record("Alien", 1986)) is None


def test_films_added_by_an_export_do_not_merge_by_title() -> None:
    matcher = _matcher(merge_same_title=False)
    record = _record("Solaris", 1972)
    matcher.added(30, record)
    assert matcher.match(_record("Solaris", 1972)) is None
    assert not matcher.listed_twice(30)
    merging = _matcher()
    merging.added(30, record)
    assert merging.match(_record("Solaris", 1972)) == 30
    assert merging.listed_twice(30)


def test_title_alone_finds_every_year() -> None:
    matcher = _matcher()
    matcher.by_title[("heat", 1986)] = [12]
    assert sorted(matcher.by_title_alone("HEAT")) == [7, 12]
    assert matcher.by_title_alone("Nothing") == []


def test_external_ids_are_kept_once() -> None:
    matcher = _matcher()
    added: list[tuple[str, str, int]] = []
    pairs = [("imdb", "tt0113277"), ("tmdb", "949")]
    assert matcher.new_external_ids(9, pairs, lambda s, v, m: added.append((s, v, m)))
    assert added == [("tmdb", "949", 9)]
    assert not matcher.new_external_ids(9, pairs, lambda s, v, m: added.append((s, v, m)))


def _viewing(day: str | None, *, movie: int = 1, at: str = "2024-01-01 00:00:00.000000") -> Viewing:
    return Viewing(
        movie_id=movie, user_id=1, watched_on=day, rewatch=None, review=None, created_at=at, id=None
    )


def test_a_day_counts_its_viewings_against_the_catalogs() -> None:
    existing = [(1, 1, 1, "2024-03-01", "2024-03-01 20:00:00")]
    found = new_viewings(
        existing,
        [_viewing("2024-03-01"), _viewing("2024-03-01"), _viewing("2024-02-01")],
        undated_only_when_unseen=True,
    )
    assert found.unchanged == 1
    assert [v.watched_on for v in found.new] == ["2024-02-01", "2024-03-01"]
    # the second viewing on 03-01 follows one on that day: a rewatch; 02-01 was the first
    assert [v.rewatch for v in found.new] == [False, True]


def test_undated_viewings_count_only_for_unseen_films_where_the_format_says_so() -> None:
    existing = [(1, 1, 1, "2024-03-01", "2024-03-01 20:00:00")]
    films = [_viewing(None, movie=1), _viewing(None, movie=2)]
    found = new_viewings(existing, films, undated_only_when_unseen=True)
    assert [v.movie_id for v in found.new] == [2]
    assert found.unchanged == 1
    every = new_viewings(existing, [_viewing(None, movie=1)], undated_only_when_unseen=False)
    assert [v.movie_id for v in every.new] == [1]
    assert set(found.seen) == {(1, 1), (1, 2)}


def test_a_timed_viewing_is_its_moment_whatever_the_day() -> None:
    at = "2024-03-01 23:30:00.000000"
    existing = [(1, 1, 1, "2024-03-02", at)]
    timed = _viewing("2024-03-01", at=at)
    timed.timed = True
    found = new_viewings(existing, [timed], undated_only_when_unseen=True)
    assert found.new == []
    assert found.unchanged == 1
