"""taste: a user's scale against the crowd, the films they rated most differently, and
their taste twins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from moviecli.errors import NotFoundError
from moviecli.recommend import training
from moviecli.recommend.training import ProgressFactory, no_progress
from moviecli.recommend.views import DifferenceRow, ScaleRow, TasteProfile, TwinRow
from moviecli.rules import HALF_STARS
from moviecli.store.repo.taste import Taste

if TYPE_CHECKING:
    from sqlmodel import Session

TWIN_MIN_SHARED = 5
TWINS = 5
DIFFERENCES = 10
DIFFERENCE_SHRINK = 10  # a film rated by v others weighs v / (v + 10)
TWIN_SHRINK = 10
# Twins are sought among the ratings of the user's least-rated films, up to this many
# ratings read: a heavy rater of popular films would otherwise read most of 25M.
TWIN_RATINGS_READ = 1_000_000


# ---------------------------------------------------------------- taste


def _mid_percentile(counts: np.ndarray) -> np.ndarray:
    """For each half star, the share of scores below it plus half of those equal (0-100)."""
    total = counts.sum()
    if not total:
        return np.zeros(len(counts))
    below = np.cumsum(counts) - counts
    percent: np.ndarray = 100.0 * (below + counts / 2.0) / total
    return percent


def _spread(counts: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    total = counts.sum()
    mean = float((counts * values).sum() / total)
    return mean, float(np.sqrt((counts * (values - mean) ** 2).sum() / total))


def _twin_films(mine: dict[int, float], aggregates: dict[int, tuple[int, float]]) -> list[int]:
    """The user's films whose ratings are read to find twins: least rated first (shared
    rare films say more about taste), while the ratings read stay under the budget."""
    chosen: list[int] = []
    reading = 0
    for movie in sorted(mine, key=lambda m: (aggregates.get(m, (0, 0.0))[0], m)):
        count = aggregates.get(movie, (0, 0.0))[0]
        if count < 2:
            continue
        if reading + count > TWIN_RATINGS_READ and chosen:
            break
        chosen.append(movie)
        reading += count
    return chosen


def _twins(
    session: Session, user_id: int, mine: dict[int, float], films: list[int]
) -> list[TwinRow]:
    rows = [r for r in Taste(session).ratings_of_movies(movie_ids=films) if r[0] != user_id]
    if not rows:
        return []
    users, index = np.unique(np.asarray([r[0] for r in rows], np.int64), return_inverse=True)
    a = np.asarray([mine[r[1]] for r in rows])
    b = np.asarray([r[2] for r in rows])

    def per_user(values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=len(users))

    n = np.bincount(index, minlength=len(users)).astype(np.float64)
    sa, sb = per_user(a), per_user(b)
    saa, sbb, sab = per_user(a * a), per_user(b * b), per_user(a * b)
    gaps = per_user(np.abs(a - b))
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = sab - sa * sb / n
        var = (saa - sa * sa / n) * (sbb - sb * sb / n)
        corr = np.where(var > 1e-12, cov / np.sqrt(var), np.nan)
    strength = corr * n / (n + TWIN_SHRINK)
    eligible = np.flatnonzero((n >= TWIN_MIN_SHARED) & np.isfinite(strength))
    best = eligible[np.lexsort((users[eligible], -strength[eligible]))][:TWINS]
    names = Taste(session).user_names(user_ids=[int(users[i]) for i in best])
    return [
        TwinRow(
            user=names.get(int(users[i]), str(users[i])),
            shared=int(n[i]),
            agreement=round(float(corr[i]), 3),
            mean_difference=round(float(gaps[i] / n[i]), 3),
        )
        for i in best
    ]


def taste(*, session: Session, name: str, progress: ProgressFactory = no_progress) -> TasteProfile:
    from moviecli.store.repo.users import Users

    ((user_id, user_name),) = [(u.id, u.name) for u in Users(session).require([name])]
    ratings = Taste(session).user_ratings(user_id=user_id)
    if not ratings:
        raise NotFoundError(f"{user_name} has not rated anything yet")
    # The crowd's half stars come with the model (counting every rating again is slow).
    model, _ = training.current_model(session=session, progress=progress)
    stars = np.asarray(HALF_STARS)
    crowd_counts = model.score_counts.astype(np.float64)
    my_scores = np.asarray([s for _, s in ratings])
    my_counts = np.asarray([(my_scores == s).sum() for s in HALF_STARS], np.float64)
    mean, spread = _spread(my_counts, stars)
    crowd_mean, crowd_spread = _spread(crowd_counts, stars)
    mine_pct, crowd_pct = _mid_percentile(my_counts), _mid_percentile(crowd_counts)
    scale = [
        ScaleRow(
            score=s,
            count=int(my_counts[i]),
            your_percentile=round(float(mine_pct[i]), 1),
            crowd_percentile=round(float(crowd_pct[i]), 1),
            crowd_equivalent=float(stars[int(np.argmin(np.abs(crowd_pct - mine_pct[i])))]),
        )
        for i, s in enumerate(HALF_STARS)
        if my_counts[i]
    ]

    mine = dict(ratings)
    aggregates = Taste(session).movie_aggregates(movie_ids=list(mine))
    weighted = []
    for movie, score in mine.items():
        count, total = aggregates.get(movie, (1, score))
        v = count - 1  # the others: the stored aggregates include this user's rating
        if v > 0:
            diff = score - (total - score) / v
            weighted.append((abs(diff) * v / (v + DIFFERENCE_SHRINK), movie, diff, v, total))
    weighted.sort(key=lambda t: (-t[0], t[1]))
    chosen = weighted[:DIFFERENCES]
    cards = Taste(session).movie_cards(movie_ids=[m for _, m, *_ in chosen])
    differences = [
        DifferenceRow(
            id=movie,
            title=cards[movie].title,
            year=cards[movie].year,
            score=mine[movie],
            crowd_mean=round((total - mine[movie]) / v, 3),
            crowd_count=v,
            difference=round(diff, 3),
        )
        for _, movie, diff, v, total in chosen
        if movie in cards
    ]
    return TasteProfile(
        user=user_name,
        ratings=len(ratings),
        mean=round(mean, 3),
        spread=round(spread, 3),
        crowd_ratings=int(crowd_counts.sum()),
        crowd_mean=round(crowd_mean, 3),
        crowd_spread=round(crowd_spread, 3),
        scale=scale,
        differences=differences,
        twins=_twins(session, user_id, mine, _twin_films(mine, aggregates)),
    )
