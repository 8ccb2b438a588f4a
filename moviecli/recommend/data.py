"""The catalog's ratings as numpy arrays of dense indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
from sqlmodel import Session

from moviecli.store.repo import taste as repo
from moviecli.store.repo.taste import Taste


@dataclass
class RatingArrays:
    user_ids: np.ndarray  # index -> users.id (sorted)
    movie_ids: np.ndarray  # index -> movies.id (sorted; films with ratings)
    users: np.ndarray  # per rating: index into user_ids (int32)
    movies: np.ndarray  # per rating: index into movie_ids (int32)
    scores: np.ndarray  # float32
    times: np.ndarray | None  # rated_at in ms (int64) where asked for (load's `timed`)


class _Index:
    """Positions of ids in a sorted array of them: a table indexed by id when the ids are
    dense enough (MovieLens's are), else a binary search (25M lookups: ~0.1 s against ~3 s)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.table: np.ndarray | None = None
        if len(ids) and ids[0] >= 0 and ids[-1] < 4 * len(ids) + (1 << 20):
            self.table = np.full(int(ids[-1]) + 1, -1, np.int32)
            self.table[ids] = np.arange(len(ids), dtype=np.int32)

    def __call__(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of `values`, and which values were found at all."""
        if not len(self.ids):
            return np.zeros(len(values), np.int32), np.zeros(len(values), bool)
        if self.table is not None:
            inside = (values >= 0) & (values < len(self.table))
            at = np.where(inside, self.table[np.where(inside, values, 0)], -1)
            return np.maximum(at, 0).astype(np.int32), at >= 0
        found = np.minimum(np.searchsorted(self.ids, values), len(self.ids) - 1)
        return found.astype(np.int32), self.ids[found] == values


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


def _unpacked(chunk: list[Any]) -> tuple[np.ndarray, ...]:
    """User ids, film ids and scores of packed ratings (repo.packed_rating_chunks)."""
    value = np.fromiter(map(itemgetter(0), chunk), np.int64, len(chunk))
    movie_and_score = value % repo.PACK_USER
    return (
        value // repo.PACK_USER,
        movie_and_score // repo.PACK_MOVIE,
        (movie_and_score % repo.PACK_MOVIE) / 2,
    )


def _columns(chunk: list[Any]) -> tuple[np.ndarray, ...]:
    """User ids, film ids, scores (and times) of plain rows (repo.rating_chunks)."""
    rows = np.asarray(chunk, dtype=np.float64)
    return (rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), *rows[:, 2:].T)


def load(
    *,
    session: Session,
    timed: Callable[[np.ndarray, int], np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
    expected: int = 0,
) -> RatingArrays:
    """Every rating, converted chunk by chunk (12 bytes a rating, 20 with times);
    `progress(read, expected)` after each chunk. `timed(users, n_users)`: which ratings
    need their time (a mask); the others' may be read as 0."""
    user_ids = np.asarray(Taste(session).user_ids(), dtype=np.int64)
    movie_ids = np.asarray(Taste(session).rated_movie_ids(), dtype=np.int64)
    packed = Taste(session).packable()
    read = _Columns(4 if timed is not None and not packed else 3, expected)
    chunks = (
        Taste(session).packed_rating_chunks()
        if packed
        else Taste(session).rating_chunks(with_times=timed is not None)
    )
    convert = _unpacked if packed else _columns
    user_index, movie_index = _Index(user_ids), _Index(movie_ids)
    for chunk in chunks:
        block = convert(chunk)
        users, known_user = user_index(block[0])
        movies, known_movie = movie_index(block[1])
        keep = known_user & known_movie  # a film whose stored count says 0 is left out
        read.append((users[keep], movies[keep], *(column[keep] for column in block[2:])))
        if progress is not None:
            progress(read.size, max(expected, read.size))
    columns = read.columns()
    ratings = RatingArrays(
        user_ids=user_ids,
        movie_ids=movie_ids,
        users=columns[0],
        movies=columns[1],
        scores=columns[2],
        times=columns[3] if len(columns) > 3 else None,
    )
    if timed is not None and packed:
        ratings.times = _times(session, ratings, timed(ratings.users, len(user_ids)))
    return ratings


def _times(session: Session, ratings: RatingArrays, wanted: np.ndarray) -> np.ndarray:
    """rated_at (ms) of the `wanted` ratings, read by their users; 0 for the others."""
    times = np.zeros(len(ratings.users), np.int64)
    at = np.flatnonzero(wanted)
    if not len(at):
        return times
    n_movies = len(ratings.movie_ids)
    keys = ratings.users[at].astype(np.int64) * n_movies + ratings.movies[at]
    order = np.argsort(keys)
    keys = keys[order]
    users = np.flatnonzero(np.bincount(ratings.users[at], minlength=len(ratings.user_ids)))
    user_index, movie_index = _Index(ratings.user_ids), _Index(ratings.movie_ids)
    for chunk in Taste(session).rating_times(user_ids=ratings.user_ids[users].tolist()):
        rows = np.asarray(chunk, dtype=np.int64)
        u, known_user = user_index(rows[:, 0])
        m, known_movie = movie_index(rows[:, 1])
        key = u.astype(np.int64) * n_movies + m
        found = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        known = known_user & known_movie & (keys[found] == key)
        times[at[order[found[known]]]] = rows[known, 2]
    return times


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
