"""HitRate@10 and NDCG@10 of a fitted candidate on held-out ratings, with standard errors
(each user is one observation), so that two models within noise are said to be."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from moviecli.recommend.candidates import Fitted, score_rows

TOP_K = 10
BLOCK_USERS = 256
GROUP = 64  # columns per group while a row's best are looked for (top_k)
Z95 = 1.96


@dataclass(frozen=True)
class Measure:
    hit_rate: float
    hit_rate_se: float
    ndcg: float
    ndcg_se: float

    def interval(self) -> tuple[float, float]:
        """The 95% interval of NDCG@10."""
        return self.ndcg - Z95 * self.ndcg_se, self.ndcg + Z95 * self.ndcg_se


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    n = len(values)
    if n == 0:
        return 0.0, 0.0
    mean = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, se


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's k best columns, best first (which of equal scores are taken is fixed by
    the input, as with argpartition; those taken are in column order).
    A row's k best lie in the k groups of GROUP columns with the highest maxima, so
    only those k·GROUP columns are partitioned, not the whole row (62k films on 25m)."""
    rows, n = scores.shape
    k = min(k, n)
    whole = n // GROUP
    if whole <= k:
        cols = np.broadcast_to(np.arange(n), (rows, n))
    else:
        maxima = scores[:, : whole * GROUP].reshape(rows, whole, GROUP).max(axis=2)
        groups = np.argpartition(maxima, whole - k, axis=1)[:, whole - k :]
        inside = (groups[:, :, None] * GROUP + np.arange(GROUP)).reshape(rows, k * GROUP)
        tail = np.broadcast_to(np.arange(whole * GROUP, n), (rows, n - whole * GROUP))
        cols = np.hstack([inside, tail])
    values = np.take_along_axis(scores, cols, 1)
    if values.shape[1] > k:
        best = np.argpartition(values, values.shape[1] - k, axis=1)[:, values.shape[1] - k :]
        cols = np.take_along_axis(cols, best, 1)
        values = np.take_along_axis(values, best, 1)
    order = np.lexsort((cols, -values), axis=1)
    best_first: np.ndarray = np.take_along_axis(cols, order, 1)
    return best_first


def measure(
    fitted: Fitted, train: sp.csr_matrix, test: sp.csr_matrix, users: np.ndarray
) -> Measure:
    """Over `users` (indexes): a user's hit is 1 when any held-out film is in their top 10
    of the films they have not rated in `train`; NDCG@10 against the ideal order."""
    discount = 1.0 / np.log2(np.arange(2, TOP_K + 2))
    ideal = np.cumsum(discount)
    n_movies = test.shape[1]
    hits = np.zeros(len(users))
    gains = np.zeros(len(users))
    for start in range(0, len(users), BLOCK_USERS):
        block = users[start : start + BLOCK_USERS]
        rows = train[block]
        scores = score_rows(fitted, rows, block).astype(np.float32, copy=False)
        if not scores.flags.writeable:
            scores = scores.copy()
        scores[rows.nonzero()] = -np.inf
        top = top_k(scores, TOP_K)
        # Which of the top films are held out: (row, film) pairs as one number each.
        wanted = test[block]
        held = np.repeat(np.arange(len(block), dtype=np.int64), np.diff(wanted.indptr))
        held = held * n_movies + wanted.indices
        shown = np.arange(len(block), dtype=np.int64)[:, None] * n_movies + top
        found = np.isin(shown, held)
        per_user = np.diff(wanted.indptr)
        hits[start : start + len(block)] = found.any(axis=1)
        best = ideal[np.clip(np.minimum(per_user, TOP_K), 1, None) - 1]
        gains[start : start + len(block)] = (found * discount[: top.shape[1]]).sum(axis=1) / best
    hit, hit_se = _mean_se(hits)
    ndcg, ndcg_se = _mean_se(gains)
    return Measure(hit, hit_se, ndcg, ndcg_se)
