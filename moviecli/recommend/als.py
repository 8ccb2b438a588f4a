"""Implicit-feedback ALS (Hu, Koren & Volinsky 2008) in numpy and scipy.sparse.

Every rating counts as "watched" (preference 1) with a confidence that grows with the
score, c = 1 + ALPHA·max(score − 2.5, 0); films not rated are preference 0 with
confidence 1. Each half-step solves all users' (or all films') least-squares systems at
once with a few conjugate-gradient steps warm-started from the previous factors, as the
`implicit` library does, so a step costs O(ratings · factors), not O(ratings · factors²).

Factors, regularisation and iterations are chosen per catalog by validation
(choose.py); the constants below are the defaults of a plain `fit`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from moviecli.recommend.weights import confidence_minus_one

FACTORS = 16
ITERATIONS = 6
REGULARIZATION = 0.5
CG_STEPS = 2
FOLD_IN_STEPS = 3  # from zero against fixed film factors: converged by 3 (16 factors)
SEED = 0
# Ratings per block of rows while a product is formed: bounds the gathered
# (ratings × factors) float32 arrays to ~16 MiB each on any catalog size.
BLOCK_RATINGS = 250_000

Progress = Callable[[int, int], None]


def _blocks(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges holding about BLOCK_RATINGS ratings each."""
    bounds = [0]
    targets = np.arange(BLOCK_RATINGS, int(indptr[-1]), BLOCK_RATINGS)
    rows = np.searchsorted(indptr, targets, side="right")
    for row in rows:
        if row > bounds[-1]:
            bounds.append(int(row))
    n = len(indptr) - 1
    if bounds[-1] != n:
        bounds.append(n)
    return list(itertools.pairwise(bounds))


def _times_a(
    v: np.ndarray,
    block: sp.csr_matrix,
    rows: np.ndarray,
    along: np.ndarray,
    gram: np.ndarray,
    fixed: np.ndarray,
) -> np.ndarray:
    """(YᵀY + λI + Yᵀ(Cᵤ − I)Y)·vᵤ for every row u of the block at once."""
    t = np.einsum("ij,ij->i", v[rows], along)
    weighted = sp.csr_matrix((block.data * t, block.indices, block.indptr), shape=block.shape)
    product: np.ndarray = v @ gram + weighted @ fixed  # scipy's matrix product is untyped
    return product


def _solve(
    weights: sp.csr_matrix,
    fixed: np.ndarray,
    start: np.ndarray,
    regularization: float,
    steps: int = CG_STEPS,
) -> np.ndarray:
    """New factors for the rows of `weights` (its data: confidence − 1) given the other
    side's factors, by `steps` conjugate-gradient steps from `start`."""
    k = fixed.shape[1]
    gram = fixed.T @ fixed + regularization * np.eye(k, dtype=np.float32)
    out = np.empty_like(start)
    for lo, hi in _blocks(weights.indptr):
        block = weights[lo:hi]
        rows = np.repeat(np.arange(hi - lo), np.diff(block.indptr))
        along = fixed[block.indices]
        x = start[lo:hi].copy()
        # r = Yᵀ·Cᵤ·p(u) − A·x in one sparse product: Yᵀ((1 + (c − 1)) − (c − 1)·(Y·x)).
        t = np.einsum("ij,ij->i", x[rows], along)
        residual = sp.csr_matrix(
            (1.0 + block.data - block.data * t, block.indices, block.indptr), shape=block.shape
        )
        r = residual @ fixed - x @ gram
        p = r.copy()
        rs = np.einsum("ij,ij->i", r, r)
        for _ in range(steps):
            ap = _times_a(p, block, rows, along, gram, fixed)
            step = rs / np.maximum(np.einsum("ij,ij->i", p, ap), 1e-20)
            x += step[:, None] * p
            r -= step[:, None] * ap
            rs_new = np.einsum("ij,ij->i", r, r)
            p = r + (rs_new / np.maximum(rs, 1e-20))[:, None] * p
            rs = rs_new
        out[lo:hi] = x
    return out


def _weights(
    users: np.ndarray, movies: np.ndarray, scores: np.ndarray, n_users: int, n_movies: int
) -> sp.csr_matrix:
    """Users × films, each rating's confidence − 1."""
    # Built from the scores (never 0) so that no rating is dropped as an explicit zero,
    # then given its weights: a rating of 2.5 or less still means "watched".
    weights = sp.csr_matrix((scores.astype(np.float32), (users, movies)), shape=(n_users, n_movies))
    weights.sum_duplicates()
    weights.data = confidence_minus_one(weights.data)
    return weights


def fit(
    users: np.ndarray,
    movies: np.ndarray,
    scores: np.ndarray,
    n_users: int,
    n_movies: int,
    progress: Progress | None = None,
    *,
    factors: int = FACTORS,
    regularization: float = REGULARIZATION,
    iterations: int = ITERATIONS,
) -> tuple[np.ndarray, np.ndarray]:
    """User and film factors (float32) from ratings given as index arrays."""
    weights = _weights(users, movies, scores, n_users, n_movies)
    transposed = weights.T.tocsr()
    rng = np.random.default_rng(SEED)
    x = (rng.standard_normal((n_users, factors)) * 0.01).astype(np.float32)
    y = (rng.standard_normal((n_movies, factors)) * 0.01).astype(np.float32)
    for done in range(iterations):
        x = _solve(weights, y, x, regularization)
        y = _solve(transposed, x, y, regularization)
        if progress is not None:
            progress(done + 1, iterations)
    return x, y


def fold_in(
    users: np.ndarray,
    movies: np.ndarray,
    scores: np.ndarray,
    movie_factors: np.ndarray,
    n_users: int,
    *,
    regularization: float = REGULARIZATION,
) -> np.ndarray:
    """Every user's factors against fixed film factors: the user half-step of `fit`,
    solved from zero by FOLD_IN_STEPS conjugate-gradient steps."""
    weights = _weights(users, movies, scores, n_users, len(movie_factors))
    start = np.zeros((n_users, movie_factors.shape[1]), np.float32)
    return _solve(weights, movie_factors, start, regularization, FOLD_IN_STEPS)
