"""The weighted rating of IMDb's Top 250, as one formula for Python numbers and SQL columns.

    WR = v/(v+m)·R + m/(v+m)·C  ==  (S + m·C) / (v + m)

with R = S/v the movie's mean, S the sum of its scores, v their count, m the
minimum number of ratings to be ranked and C the mean of every rating in the
catalog. The second form needs only the stored aggregates, so the repository
passes SQL column expressions where tests pass floats.
"""

from __future__ import annotations

from typing import Any


def prior_count(total_ratings: int | float, rated_movies: int) -> float:
    """m when none is given: the mean number of ratings of a rated film (at least 1), so
    that a film needs about as many ratings as a typical one before its own mean
    outweighs the catalog's. `top` (rounded, as --min-ratings) and the recommender's
    cold start both use it."""
    return max(1.0, total_ratings / rated_movies) if rated_movies else 1.0


def weighted_rating(score_sum: Any, count: Any, m: Any, catalog_mean: Any) -> Any:
    return (score_sum + m * catalog_mean) / (count + m)


def mean_rating(score_sum: Any, count: Any) -> Any:
    return score_sum / count


def average(score_sum: float, count: int) -> float | None:
    return round(score_sum / count, 2) if count else None
