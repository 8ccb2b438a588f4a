"""moviecli.rules: the half-star rule and the conversions of a moment, each written once
and used by the inputs, the importers, the exporters, the renderers and the column type."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from moviecli import rules
from moviecli.models import EpochMillis, MovieBase, MovieCreate, MovieUpdate, RatingPublic


@pytest.mark.parametrize("score", rules.HALF_STARS)
def test_every_half_star_is_one(score: float) -> None:
    assert rules.is_half_star(score)
    assert rules.check_score(score) == score
    assert rules.score_from_ten(rules.ten_from_score(score)) == score


@pytest.mark.parametrize("value", [0.0, 0.25, 4.75, 5.5, -1.0, math.nan, math.inf])
def test_what_is_not_a_half_star(value: float) -> None:
    assert not rules.is_half_star(value)
    with pytest.raises(ValueError):
        rules.check_score(value)


def test_ten_point_ratings_are_half_stars() -> None:
    assert [rules.score_from_ten(n) for n in (1, 7, 10)] == [0.5, 3.5, 5.0]
    assert [rules.ten_from_score(s) for s in (0.5, 3.5, 5.0)] == [1, 7, 10]


def test_a_histogram_has_every_half_star_in_order() -> None:
    histogram = rules.score_histogram([(4.5, 3), (1.0, 1)])
    assert list(histogram) == [f"{s:.1f}" for s in rules.HALF_STARS] == rules.HISTOGRAM_KEYS
    assert histogram["4.5"] == 3 and histogram["1.0"] == 1 and sum(histogram.values()) == 4


def test_a_moment_is_naive_utc() -> None:
    naive = datetime(2024, 3, 31, 20, 15, 0, 123456)
    assert rules.naive_utc(naive) is naive
    paris = datetime(2024, 3, 31, 22, 15, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert rules.naive_utc(paris) == naive
    now = rules.utcnow()
    assert now.tzinfo is None
    assert abs(now - datetime.now(UTC).replace(tzinfo=None)) < timedelta(seconds=5)


def test_milliseconds_since_1970_both_ways() -> None:
    moment = datetime(2024, 3, 31, 20, 15, 0, 123999)
    assert rules.to_millis(moment) == 1_711_916_100_123  # what finer than a ms is dropped
    assert rules.from_millis(1_711_916_100_123) == moment.replace(microsecond=123000)
    assert rules.to_millis(rules.EPOCH) == 0
    assert rules.to_millis(datetime(1969, 12, 31, 23, 59, 59, 999500)) == -1  # floor, not toward 0
    aware = datetime(2024, 3, 31, 20, 15, tzinfo=UTC)
    assert rules.to_millis(aware) == rules.to_millis(aware.replace(tzinfo=None))
    column = EpochMillis()
    assert column.process_bind_param(moment, None) == 1_711_916_100_123
    assert column.process_result_value(1_711_916_100_123, None) == rules.from_millis(
        1_711_916_100_123
    )
    assert column.process_bind_param(None, None) is None


@pytest.mark.parametrize(
    ("moment", "auto", "exact"),
    [
        (datetime(2024, 3, 31, 20, 15), "2024-03-31T20:15:00Z", "2024-03-31T20:15:00.000000Z"),
        (
            datetime(2024, 3, 31, 20, 15, 0, 5000),
            "2024-03-31T20:15:00.005000Z",
            "2024-03-31T20:15:00.005000Z",
        ),
        (
            datetime(2024, 3, 31, 21, 15, tzinfo=timezone(timedelta(hours=1))),
            "2024-03-31T20:15:00Z",
            "2024-03-31T20:15:00.000000Z",
        ),
    ],
)
def test_iso_utc(moment: datetime, auto: str, exact: str) -> None:
    assert rules.iso_utc(moment) == auto
    assert rules.iso_utc(moment, timespec="microseconds") == exact
    assert rules.naive_utc(rules.from_iso(auto)) == rules.naive_utc(moment)


def test_one_line_checks_share_their_wording() -> None:
    assert rules.check_title("  Heat ") == "Heat"
    assert rules.check_name("  Michael   Mann ", what="name", limit=20) == "Michael Mann"
    with pytest.raises(ValueError, match=r"^title must be at most 300 characters \(got 301\)$"):
        rules.check_title("x" * 301)
    with pytest.raises(ValueError, match=r"^user name must be at most 64 characters$"):
        rules.check_user_name("x" * 65)
    for check in (rules.check_title, rules.check_user_name):
        with pytest.raises(ValueError, match="must not be blank"):
            check("   ")


def test_movie_inputs_take_their_limits_from_movie_base() -> None:
    for model in (MovieCreate, MovieUpdate):
        assert issubclass(model, MovieBase)
        for field in ("year", "runtime_minutes"):
            assert model.model_fields[field].metadata == MovieBase.model_fields[field].metadata
    assert "director" not in MovieCreate.model_fields  # derived from the people, not typed
    assert MovieUpdate().model_fields_set == set()


def test_views_hold_scores_as_score() -> None:
    row = {"movie_id": 1, "title": "Heat", "year": 1995, "user": "ana", "review": None}
    rated = datetime(2024, 1, 1)
    assert RatingPublic(**row, score=4.5, rated_at=rated).score == 4.5
    with pytest.raises(ValueError):
        RatingPublic(**row, score=4.25, rated_at=rated)
