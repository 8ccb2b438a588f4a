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


def measure(
    fitted: Fitted, train: sp.csr_matrix, test: sp.csr_matrix, users: np.ndarray
) -> Measure:
    """Over `users` (indexes): a user's hit is 1 when any held-out film is in their top 10
    of the films they have not rated in `train`; NDCG@10 against the ideal order."""
    discount = 1.0 / np.log2(np.arange(2, TOP_K + 2))
    hits = np.zeros(len(users))
    gains = np.zeros(len(users))
    for start in range(0, len(users), BLOCK_USERS):
        block = users[start : start + BLOCK_USERS]
        rows = train[block]
        scores = score_rows(fitted, rows, block).astype(np.float32, copy=False)
        if not scores.flags.writeable:
            scores = scores.copy()
        scores[rows.nonzero()] = -np.inf
        k = min(TOP_K, scores.shape[1] - 1)
        top = np.argpartition(-scores, k, axis=1)[:, :TOP_K]
        top = np.take_along_axis(
            top, np.argsort(-np.take_along_axis(scores, top, 1), axis=1, kind="stable"), 1
        )
        for i, (row, user) in enumerate(zip(top, block, strict=True)):
            wanted = test.indices[test.indptr[user] : test.indptr[user + 1]]
            found = np.isin(row, wanted)
            if found.any():
                hits[start + i] = 1.0
                ideal = discount[: min(len(wanted), TOP_K)].sum()
                gains[start + i] = float(discount[: len(row)][found].sum() / ideal)
    hit, hit_se = _mean_se(hits)
    ndcg, ndcg_se = _mean_se(gains)
    return Measure(hit, hit_se, ndcg, ndcg_se)
