"""A group's score of each film (`recommend --for`): each member's scores become
percentiles among the candidates, and a film counts as much as its least happy member
likes it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentiles(scores: np.ndarray) -> np.ndarray:
    """Each score's rank among the others, from 0 (worst) to 1 (best)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores), np.float64)
    ranks[order] = np.arange(len(scores))
    return ranks / max(len(scores) - 1, 1)


def least_happy(per_member: Sequence[np.ndarray]) -> np.ndarray:
    """The group's score of each candidate: its lowest percentile over the members."""
    return np.asarray(np.min(np.vstack([percentiles(s) for s in per_member]), axis=0))
