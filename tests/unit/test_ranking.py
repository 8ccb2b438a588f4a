"""moviecli.ranking: the weighted rating, for Python numbers and for SQL columns."""

from __future__ import annotations

import pytest
from sqlalchemy import column, literal

from moviecli import ranking


@pytest.mark.parametrize(
    ("scores", "m", "c"),
    [([5, 4.5, 5], 1, 3.6), ([4], 3, 3.9), ([2, 3, 1], 5, 3.625), ([0.5] * 40, 2, 4.0)],
)
def test_weighted_rating_is_imdbs_formula(scores: list[float], m: int, c: float) -> None:
    v = len(scores)
    r = sum(scores) / v
    expected = v / (v + m) * r + m / (v + m) * c
    assert ranking.weighted_rating(sum(scores), v, m, c) == pytest.approx(expected, rel=1e-12)


def test_weighted_rating_pulls_few_ratings_towards_the_catalog_mean() -> None:
    one_five = ranking.weighted_rating(5.0, 1, 3, 3.0)
    many_fives = ranking.weighted_rating(5.0 * 100, 100, 3, 3.0)
    assert 3.0 < one_five < many_fives < 5.0
    # m = 0 leaves the plain mean.
    assert ranking.weighted_rating(9.0, 2, 0, 1.0) == ranking.mean_rating(9.0, 2) == 4.5


def test_average_is_rounded_and_none_without_ratings() -> None:
    assert ranking.average(11.0, 3) == 3.67
    assert ranking.average(9.0, 2) == 4.5
    assert ranking.average(0.0, 0) is None


def test_the_same_formula_builds_sql() -> None:
    expression = ranking.weighted_rating(column("rating_sum"), column("rating_count"), 2, 3.5)
    sql = str(expression.compile(compile_kwargs={"literal_binds": True}))
    # True division in SQL too: SQLAlchemy casts the integer divisor.
    assert sql == "(rating_sum + 7.0) / CAST((rating_count + 2) AS NUMERIC)"
    mean = ranking.mean_rating(column("rating_sum"), literal(4))
    assert (
        str(mean.compile(compile_kwargs={"literal_binds": True}))
        == "rating_sum / CAST(4 AS NUMERIC)"
    )
