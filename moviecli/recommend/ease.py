"""EASE (Steck 2019): a films × films weight matrix B, the closed-form ridge regression of
each film's column on all the others (B's diagonal held at zero):
P = (XᵀX + λI)⁻¹, B = −P / diag(P). A user's scores are their row of X times B.

The matrix is dense, so it covers only the films with the most ratings that fit in a
memory budget; the others are left to popularity (candidates.py). X holds each rating's
confidence, 1 + ALPHA·max(score − 2.5, 0), as ALS uses."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from moviecli.recommend.weights import confidence

MATRIX_MIB = 64  # the stored B (float32): 4,096 films
LAMBDAS = (4.0, 16.0, 64.0)  # λ as a multiple of the mean diagonal of XᵀX: validation picks


def columns(counts: np.ndarray) -> np.ndarray:
    """The most-rated films that fit the budget (by count, then index), in index order."""
    most = int((MATRIX_MIB * 2**20 / 4) ** 0.5)
    rated = np.flatnonzero(counts > 0)
    order = rated[np.lexsort((rated, -counts[rated]))][:most]
    return np.sort(order)


def weights(scores: np.ndarray) -> np.ndarray:
    return confidence(scores)


def gram(x: sp.csr_matrix) -> np.ndarray:
    """XᵀX as a dense float64 array (X: users × the chosen films, confidence weights)."""
    return np.asarray((x.T @ x).toarray(), dtype=np.float64)


def _inverse(a: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix by Cholesky: half the work of
    a general inverse; that one when float32 is not enough for Cholesky."""
    from scipy.linalg import lapack

    factor, info = lapack.spotrf(a, lower=False, clean=False)
    if info == 0:
        upper, info = lapack.spotri(factor, lower=False, overwrite_c=True)
        if info == 0:
            whole: np.ndarray = np.triu(upper)  # spotri fills the upper triangle only
            whole += np.triu(upper, 1).T
            return whole
    return np.linalg.inv(a)


def fit(g: np.ndarray, lam_factor: float) -> np.ndarray:
    n = g.shape[0]
    lam = lam_factor * max(float(np.mean(np.diag(g))), 1e-9)
    a = g.astype(np.float32)
    a[np.diag_indices(n)] += lam
    p = _inverse(a)  # float32: half the time, and λ keeps it well conditioned
    del a
    p /= -np.diag(p)[None, :]
    p[np.diag_indices(n)] = 0.0
    return p
