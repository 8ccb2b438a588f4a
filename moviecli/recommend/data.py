"""The catalog's ratings as numpy arrays of dense indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from moviecli.store.repo import taste as repo


@dataclass
class RatingArrays:
    user_ids: np.ndarray  # index -> users.id (sorted)
    movie_ids: np.ndarray  # index -> movies.id (sorted; films with ratings)
    users: np.ndarray  # per rating: index into user_ids (int32)
    movies: np.ndarray  # per rating: index into movie_ids (int32)
    scores: np.ndarray  # float32
    times: np.ndarray | None  # rated_at in ms (int64), when asked for


def _index(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `values` in the sorted `ids`, and which values were found at all."""
    if not len(ids):
        return np.zeros(len(values), np.int32), np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(ids, values), len(ids) - 1)
    return at.astype(np.int32), ids[at] == values


class _Columns:
    """Growing typed columns, filled in place: the ratings are held once, not as chunks
    and then again as their concatenation (25M ratings: 500 MB less at the peak)."""

    TYPES = (np.int32, np.int32, np.float32, np.int64)

    def __init__(self, width: int, capacity: int) -> None:
        self.arrays = [np.empty(capacity, t) for t in self.TYPES[:width]]
        self.size = 0

    def append(self, parts: tuple[np.ndarray, ...]) -> None:
        n = len(parts[0])
        if self.size + n > len(self.arrays[0]):
            capacity = max(2 * len(self.arrays[0]), self.size + n)
            grown = [np.empty(capacity, a.dtype) for a in self.arrays]
            for new, old in zip(grown, self.arrays, strict=True):
                new[: self.size] = old[: self.size]
            self.arrays = grown
        for array, part in zip(self.arrays, parts, strict=True):
            array[self.size : self.size + n] = part
        self.size += n

    def columns(self) -> list[np.ndarray]:
        return [a[: self.size] for a in self.arrays]


def load(
    *,
    session: Session,
    with_times: bool = False,
    progress: Callable[[int, int], None] | None = None,
    expected: int = 0,
) -> RatingArrays:
    """Every rating, converted chunk by chunk (12 bytes a rating, 20 with times);
    `progress(read, expected)` after each chunk."""
    user_ids = np.asarray(repo.user_ids(session=session), dtype=np.int64)
    movie_ids = np.asarray(repo.rated_movie_ids(session=session), dtype=np.int64)
    read = _Columns(4 if with_times else 3, expected)
    for chunk in repo.rating_chunks(session=session, with_times=with_times):
        block = np.asarray(chunk, dtype=np.float64)
        users, known_user = _index(user_ids, block[:, 0].astype(np.int64))
        movies, known_movie = _index(movie_ids, block[:, 1].astype(np.int64))
        keep = known_user & known_movie  # a film whose stored count says 0 is left out
        part: tuple[np.ndarray, ...] = (users[keep], movies[keep], block[keep, 2])
        if with_times:
            part += (block[keep, 3],)
        read.append(part)
        if progress is not None:
            progress(read.size, max(expected, read.size))
    columns = read.columns()
    return RatingArrays(
        user_ids=user_ids,
        movie_ids=movie_ids,
        users=columns[0],
        movies=columns[1],
        scores=columns[2],
        times=columns[3] if with_times else None,
    )


def newest_liked(users: np.ndarray, scores: np.ndarray, times: np.ndarray, k: int) -> np.ndarray:
    """True for each user's `k` newest ratings of 4 or more: the held-out part."""
    order = np.lexsort((-times, users))
    good = scores[order] >= 4.0
    ordered_users = users[order]
    running = np.cumsum(good)
    starts = (
        np.r_[0, np.flatnonzero(np.diff(ordered_users)) + 1]
        if len(ordered_users)
        else np.zeros(0, int)
    )
    lengths = np.diff(np.r_[starts, len(ordered_users)])
    before = np.repeat(running[starts] - good[starts], lengths)
    held = np.zeros(len(users), bool)
    held[order[good & (running - before <= k)]] = True
    return held


def raters(users: np.ndarray, n_users: int) -> np.ndarray:
    """The indexes of the users with ratings, in order (a count, not a sort: 25M ratings)."""
    present: np.ndarray = np.flatnonzero(np.bincount(users, minlength=n_users))
    return present


def sample_users(users: np.ndarray, n_users: int, most: int, seed: int) -> np.ndarray:
    """True for the ratings of at most `most` users drawn at random (seeded: the same
    catalog always gives the same sample); all of them when there are fewer."""
    present = raters(users, n_users)
    if len(present) <= most:
        return np.ones(len(users), bool)
    rng = np.random.default_rng(seed)
    chosen = np.zeros(n_users, bool)
    chosen[rng.choice(present, size=most, replace=False)] = True
    kept: np.ndarray = chosen[users]
    return kept
