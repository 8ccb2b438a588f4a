"""What a rating puts into each model's input (numpy only: serving reads this without
scipy): ALS's and EASE's confidence, kNN's "liked", and the place of films a model
does not cover."""

from __future__ import annotations

import numpy as np

ALPHA = 2.0  # confidence 1 + ALPHA·max(score − 2.5, 0)
LIKED = 4.0
# Below every score a model gives over its own films: films it does not cover, ranked
# among themselves by popularity (float32 resolves 1e-3 at 1e4).
OUTSIDE = -1e4


def confidence_minus_one(scores: np.ndarray) -> np.ndarray:
    return (ALPHA * np.maximum(scores - 2.5, 0.0)).astype(np.float32)


def confidence(scores: np.ndarray) -> np.ndarray:
    return 1.0 + confidence_minus_one(scores)


def liked(scores: np.ndarray) -> np.ndarray:
    return (scores >= LIKED).astype(np.float32)


def item_weights(kind: str, scores: np.ndarray) -> np.ndarray:
    """What a user's rating of a film puts into their row for EASE or kNN."""
    return confidence(scores) if kind == "ease" else liked(scores)


def outside(popularity: np.ndarray) -> np.ndarray:
    top = float(popularity.max()) if len(popularity) else 1.0
    return (OUTSIDE + 1e3 * popularity / max(top, 1.0)).astype(np.float32)
