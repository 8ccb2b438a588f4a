"""A content model of one person's taste: a ridge regression of their own ratings
(centred on their mean) on the films' features — genres, directors, writers, the
leading cast, decade and runtime — solved by LSQR on a sparse films × features matrix.
It needs no crowd: the model for a catalog with one person, and a candidate of the
chooser for a small one. Its regularisation is chosen per person by 5-fold
cross-validation of their ratings (folds by film id)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, lsqr

from moviecli.store.repo.taste import CrowdMovie

LAMBDAS = (0.3, 1.0, 3.0, 10.0)
FOLDS = 5
# A film's score: log(1 + its ratings) + WEIGHT · (predicted − the person's mean): how
# likely one picks it at all, and how much this person would like it. The weight is
# the chooser's to pick (candidates.grid); a catalog of one person, where every unseen
# film has no ratings, ranks by the prediction alone whatever the weight.
WEIGHTS = (0.5, 2.0)
FALLBACK_WEIGHT = 1.0


def features(movie: CrowdMovie) -> tuple[str, ...]:
    extra = []
    if movie.year is not None:
        extra.append(f"d:{movie.year // 10 * 10}")
    if movie.runtime is not None:
        extra.append(f"r:{min(movie.runtime // 30, 6)}")  # half hours, 3 h and more as one
    return movie.features + tuple(extra)


def feature_matrix(films: Sequence[CrowdMovie], movie_ids: np.ndarray) -> sp.csr_matrix:
    """Rows: `movie_ids` in order (a film not among `films` has no features)."""
    vocabulary: dict[str, int] = {}
    by_id = {f.id: f for f in films}
    indptr, indices = [0], []
    for m in movie_ids:
        film = by_id.get(int(m))
        if film is not None:
            indices += [vocabulary.setdefault(x, len(vocabulary)) for x in features(film)]
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.ones(len(indices), np.float64), indices, indptr),
        shape=(len(movie_ids), max(len(vocabulary), 1)),
    )


def _solve(x: sp.csr_matrix, y: np.ndarray, lam: float) -> np.ndarray:
    # `x` as LSQR uses it, its products taken straight from the sparse matrix: on a
    # person's few dozen films, aslinearoperator's layers around each product cost more
    # than the product.
    xt = x.T
    products = LinearOperator(x.shape, matvec=x.__matmul__, rmatvec=xt.__matmul__, dtype=x.dtype)
    return np.asarray(lsqr(products, y, damp=lam**0.5, atol=1e-8, btol=1e-8)[0])


def fit_user(x: sp.csr_matrix, scores: np.ndarray, folds: np.ndarray) -> tuple[float, np.ndarray]:
    """(mean, feature weights) from one person's ratings: rows of `x` are the rated films;
    λ: the least squared error over held-out folds (ties: the larger λ)."""
    mean = float(scores.mean()) if len(scores) else 0.0
    y = scores - mean
    if not len(y):
        return mean, np.zeros(x.shape[1])
    lam = LAMBDAS[-1]
    if len(np.unique(folds)) >= 2:
        # Each fold's rows taken once for every λ.
        splits = [
            (x[~test], y[~test], x[test], y[test])
            for test in (folds == k for k in np.unique(folds))
        ]
        errors = []
        for candidate in LAMBDAS:
            error = 0.0
            for x_fit, y_fit, x_held, y_held in splits:
                w = _solve(x_fit, y_fit, candidate)
                error += float(((x_held @ w - y_held) ** 2).sum())
            errors.append(error)
        best = min(errors)
        lam = max(c for c, e in zip(LAMBDAS, errors, strict=True) if e <= best + 1e-12)
    return mean, _solve(x, y, lam)


def score_rows(
    features_of: sp.csr_matrix,
    rows: sp.csr_matrix,
    popularity: np.ndarray,
    weight: float,
    *,
    users: np.ndarray | None = None,
    fits: dict[int, np.ndarray] | None = None,
) -> np.ndarray:
    """Each row's (a user's scores over all films) score of every film. With `users` (the
    rows' user indexes) and `fits`, a user's fitted weights are kept there and reused: the
    fit does not depend on `weight`, and the chooser tries every weight on the same rows."""
    out = np.empty(rows.shape, np.float32)
    prior = np.log1p(popularity)
    for i in range(rows.shape[0]):
        key = int(users[i]) if users is not None and fits is not None else None
        w = fits.get(key) if fits is not None and key is not None else None
        if w is None:
            rated = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
            given = rows.data[rows.indptr[i] : rows.indptr[i + 1]].astype(np.float64)
            _, w = fit_user(features_of[rated], given, rated % FOLDS)
            if fits is not None and key is not None:
                fits[key] = w
        out[i] = prior + weight * (features_of @ w)
    return out


class ContentModel:
    """One person's model over the catalog's films, for serving and `because`."""

    def __init__(self, films: Sequence[CrowdMovie], ratings: Sequence[tuple[int, float]]) -> None:
        self.ids = np.asarray(sorted(f.id for f in films), np.int64)
        self.matrix = feature_matrix(films, self.ids)
        self.position = {int(m): i for i, m in enumerate(self.ids)}
        rated = [(self.position[m], m, s) for m, s in ratings if m in self.position]
        at = np.asarray([p for p, _, _ in rated], np.int64)
        self.mean, self.weights = fit_user(
            self.matrix[at],
            np.asarray([s for _, _, s in rated], np.float64),
            np.asarray([m % FOLDS for _, m, _ in rated], np.int64),
        )

    def predict(self, movie_ids: Sequence[int]) -> np.ndarray:
        """The person's predicted score of each film."""
        scores = self.mean + self.matrix @ self.weights
        return np.asarray([scores[self.position[m]] for m in movie_ids])

    def rank_scores(self, films: Sequence[CrowdMovie], weight: float) -> np.ndarray:
        """log(1 + ratings) + weight · (predicted − mean), for each of `films`."""
        prior = np.log1p(np.asarray([f.rating_count for f in films], np.float64))
        return prior + weight * (self.predict([f.id for f in films]) - self.mean)

    def contributions(self, target: int, rated: Sequence[int]) -> list[tuple[float, int]]:
        """(strength, film) of the rated films sharing the target's features: the sum of
        the weights of what they share, strongest first."""

        def row(m: int) -> set[int]:
            i = self.position.get(m)
            if i is None:
                return set()
            return set(self.matrix.indices[self.matrix.indptr[i] : self.matrix.indptr[i + 1]])

        wanted = row(target)
        out = []
        for m in rated:
            shared = wanted & row(m)
            if shared:
                out.append((float(sum(self.weights[i] for i in shared)), m))
        return sorted(out, key=lambda t: (-t[0], t[1]))
