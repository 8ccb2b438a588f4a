"""Which model serves this catalog: chosen by its own ratings every time it trains.

Each user's HOLDOUT newest ratings of 4 or more are held out (as `--evaluate` does);
every candidate (candidates.grid) is fitted on the rest and measured on them; the best
NDCG@10 wins (a tie goes to the cheaper, earlier candidate). A catalog of more than
CHOOSE_USERS users is chosen on a seeded sample of them, so the choice is the same for
the same catalog. Candidates whose fit on the whole catalog is estimated beyond the
budget are not tried (candidates.cost: deterministic, not timed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from moviecli.recommend import als, candidates, data, metrics
from moviecli.recommend.candidates import Fitted, Ratings, Spec

ProgressFactory = Callable[[str], AbstractContextManager[Callable[[int, int], None] | None]]

HOLDOUT = 3
CHOOSE_USERS = 6_000
# When the winner is fitted on everything: EASE's and kNN's films × films products are
# summed over at most this many users (a seeded sample), and ALS learns its film factors
# from them; these statistics settle long before 162k users. Every user is served: EASE
# and kNN score a user's own ratings, and ALS solves each user's factors (als.fold_in).
FIT_USERS = 40_000
BUDGET = 2.4e10  # candidates.cost units (~2.5 ns each here): ~60 s of fitting
SEED = 0
# The content model is fitted per person while measuring: a candidate in catalogs of at
# most this many raters (where the crowd is thin and it has a chance).
CONTENT_RATERS = 300
DEFAULT = Spec("als", (("factors", 16), ("regularization", 0.5), ("iterations", 6)))


@dataclass(frozen=True)
class Trial:
    spec: Spec
    measure: metrics.Measure
    fit_seconds: float


@dataclass(frozen=True)
class Choice:
    spec: Spec
    trials: list[Trial]
    users: int  # validation users
    sampled: bool  # chosen on a sample of the catalog's users


def split(
    ratings: data.RatingArrays,
    keep: np.ndarray,
    holdout: int,
    features: sp.csr_matrix | None = None,
) -> tuple[Ratings, sp.csr_matrix, np.ndarray]:
    """The kept ratings without each user's `holdout` newest liked ones (to fit on), those
    as a 0/1 matrix (to measure on), and the users who have some."""
    assert ratings.times is not None
    shape = (len(ratings.user_ids), len(ratings.movie_ids))
    users, movies = ratings.users[keep], ratings.movies[keep]
    scores, times = ratings.scores[keep], ratings.times[keep]
    held = data.newest_liked(users, scores, times, holdout)
    train = Ratings(users[~held], movies[~held], scores[~held], *shape, features)
    test = sp.csr_matrix(
        (np.ones(int(held.sum()), np.float32), (users[held], movies[held])), shape=shape
    )
    test.sum_duplicates()
    return train, test, data.raters(users[held], shape[0])


def trial(
    spec: Spec,
    train: Ratings,
    test: sp.csr_matrix,
    users: np.ndarray,
    update: Callable[[int, int], None] | None,
) -> Trial:
    started = time.perf_counter()
    fitted = candidates.fit(spec, train, update)
    seconds = time.perf_counter() - started
    return Trial(spec, metrics.measure(fitted, train.matrix, test, users), seconds)


def best(trials: list[Trial]) -> Trial:
    return max(reversed(trials), key=lambda t: t.measure.ndcg)  # ties: the earliest


def choose(
    ratings: data.RatingArrays,
    progress: ProgressFactory,
    *,
    keep: np.ndarray | None = None,
    size: int | None = None,
    features: sp.csr_matrix | None = None,
) -> Choice:
    """The best candidate on a validation split of the `keep` ratings (all by default);
    `size`: the number of ratings the winner will be fitted on (for the budget)."""
    if keep is None:
        keep = np.ones(len(ratings.users), bool)
    size = int(keep.sum()) if size is None else size
    sample = data.sample_users(ratings.users, len(ratings.user_ids), CHOOSE_USERS, SEED)
    sampled = not sample.all()
    train, test, users = split(ratings, keep & sample, HOLDOUT, features)
    if len(users) == 0 or len(data.raters(train.users, train.n_users)) < 2:
        return Choice(DEFAULT, [], 0, sampled)
    specs = candidates.grid(size, BUDGET, with_content=features is not None)
    trials = []
    for n, spec in enumerate(specs, start=1):
        with progress(f"choosing a model {n}/{len(specs)}: {spec.name}") as update:
            trials.append(trial(spec, train, test, users, update))
    return Choice(best(trials).spec, trials, len(users), sampled)


def fit_everything(spec: Spec, ratings: data.RatingArrays, progress: ProgressFactory) -> Fitted:
    """The chosen candidate fitted on every rating. EASE and kNN: their films × films
    products over at most FIT_USERS users (a seeded sample); ALS: its film factors
    learnt from those users, then every user's factors solved against them."""
    shape = (len(ratings.user_ids), len(ratings.movie_ids))
    full = Ratings(ratings.users, ratings.movies, ratings.scores, *shape)
    if spec.kind == "content":  # fitted per person when serving
        return Fitted(spec, {"popularity": full.counts()})
    sample = data.sample_users(ratings.users, shape[0], FIT_USERS, SEED)
    if spec.kind == "popularity" or sample.all():
        with progress(f"training {spec.name}") as update:
            return candidates.fit(spec, full, update)
    some = Ratings(ratings.users[sample], ratings.movies[sample], ratings.scores[sample], *shape)
    del sample
    with progress(f"training {spec.name}") as update:
        if spec.kind in ("ease", "knn"):
            full._grams[spec.kind] = some.gram(spec.kind)
            del some
            return candidates.fit(spec, full, update)
        fitted = candidates.fit(spec, some, update)
    del some
    with progress("every user's factors") as update:
        fitted.arrays["user_factors"] = als.fold_in(
            ratings.users,
            ratings.movies,
            ratings.scores,
            fitted.arrays["movie_factors"],
            shape[0],
            regularization=spec.setting("regularization"),
        )
        if update is not None:
            update(1, 1)
    fitted.arrays["popularity"] = full.counts()
    return fitted
