"""A content model of one person's taste: a ridge regression of their own ratings
(centred on their mean) on the films' features — genres, directors, writers, the
leading cast, decade and runtime — solved by LSQR on a sparse films × features matrix.
It needs no crowd: the model for a catalog with one person. Its regularisation is
chosen per person by 5-fold cross-validation of their ratings (folds by film id)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import lsqr

from moviecli.store.repo.taste import CrowdMovie

LAMBDAS = (0.3, 1.0, 3.0, 10.0)
FOLDS = 5


def features(movie: CrowdMovie) -> tuple[str, ...]:
    extra = []
    if movie.year is not None:
        extra.append(f"d:{movie.year // 10 * 10}")
    if movie.runtime is not None:
        extra.append(f"r:{min(movie.runtime // 30, 6)}")  # half hours, 3 h and more as one
    return movie.features + tuple(extra)


class ContentModel:
    def __init__(self, films: Sequence[CrowdMovie], ratings: Sequence[tuple[int, float]]) -> None:
        self.vocabulary: dict[str, int] = {}
        self.rows = {f.id: [self._index(x) for x in features(f)] for f in films}
        self.mean = float(np.mean([s for _, s in ratings])) if ratings else 0.0
        rated = [(m, s) for m, s in ratings if m in self.rows]
        self.weights = np.zeros(len(self.vocabulary))
        if rated:
            x = self._matrix([m for m, _ in rated])
            y = np.asarray([s for _, s in rated]) - self.mean
            folds = np.asarray([m % FOLDS for m, _ in rated])
            lam = self._choose(x, y, folds)
            self.weights = self._solve(x, y, lam)

    def _index(self, feature: str) -> int:
        return self.vocabulary.setdefault(feature, len(self.vocabulary))

    def _matrix(self, movie_ids: Sequence[int]) -> sp.csr_matrix:
        indptr, indices = [0], []
        for m in movie_ids:
            indices += self.rows.get(m, [])
            indptr.append(len(indices))
        data = np.ones(len(indices))
        return sp.csr_matrix((data, indices, indptr), shape=(len(movie_ids), len(self.vocabulary)))

    @staticmethod
    def _solve(x: sp.csr_matrix, y: np.ndarray, lam: float) -> np.ndarray:
        return np.asarray(lsqr(x, y, damp=lam**0.5, atol=1e-8, btol=1e-8)[0])

    def _choose(self, x: sp.csr_matrix, y: np.ndarray, folds: np.ndarray) -> float:
        """The λ with the least squared error over held-out folds (ties: the larger λ)."""
        if len(np.unique(folds)) < 2:
            return LAMBDAS[-1]
        errors = []
        for lam in LAMBDAS:
            error = 0.0
            for k in np.unique(folds):
                test = folds == k
                w = self._solve(x[~test], y[~test], lam)
                error += float(((x[test] @ w - y[test]) ** 2).sum())
            errors.append(error)
        best = min(errors)
        return max(lam for lam, e in zip(LAMBDAS, errors, strict=True) if e <= best + 1e-12)

    def predict(self, movie_ids: Sequence[int]) -> np.ndarray:
        return self.mean + self._matrix(movie_ids) @ self.weights

    def contributions(self, target: int, rated: Sequence[int]) -> list[tuple[float, int]]:
        """(strength, film) of the rated films sharing the target's features: the sum of
        the weights of what they share, strongest first."""
        wanted = set(self.rows.get(target, []))
        out = []
        for m in rated:
            shared = wanted.intersection(self.rows.get(m, []))
            if shared:
                out.append((float(sum(self.weights[i] for i in shared)), m))
        return sorted(out, key=lambda t: (-t[0], t[1]))
