"""Item-kNN: the cosine similarity of two films over the users who liked both (a rating
of 4 or more), on the same most-rated films EASE covers. A user's scores are the sum of
the similarities to the films they liked."""

from __future__ import annotations

import numpy as np

from moviecli.recommend.weights import liked

__all__ = ["fit", "liked"]


def fit(g: np.ndarray) -> np.ndarray:
    """Cosine similarities (float32, zero diagonal) from XᵀX of the 0/1 liked matrix X."""
    norms = np.sqrt(np.diag(g)).copy()
    norms[norms == 0] = 1.0
    s = (g / norms[:, None] / norms[None, :]).astype(np.float32)
    s[np.diag_indices(len(s))] = 0.0
    return s
