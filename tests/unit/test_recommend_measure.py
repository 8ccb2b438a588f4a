"""The chooser's measuring and its costs, on small synthetic arrays (no catalog)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from moviecli.recommend import data, ease, metrics
from moviecli.recommend.candidates import Fitted, Spec


def _plain_top(scores: np.ndarray, k: int) -> np.ndarray:
    """Every row sorted whole: the reference top_k must match."""
    cols = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    order = np.lexsort((cols, -scores), axis=1)[:, :k]
    return order


@pytest.mark.parametrize("n", [5, 10, 63, 64, 640, 641, 5_000])
def test_top_k_is_the_rows_best_first(n: int) -> None:
    rng = np.random.default_rng(n)
    scores = rng.standard_normal((37, n)).astype(np.float32)
    scores[:, ::7] = np.float32(0.5)  # ties
    scores[3, :] = -np.inf
    scores[4, : n // 2] = -np.inf
    got = metrics.top_k(scores, 10)
    want = _plain_top(scores, 10)
    assert got.shape == want.shape
    assert np.array_equal(np.take_along_axis(scores, got, 1), np.take_along_axis(scores, want, 1))
    assert all(len(set(row)) == len(row) for row in got.tolist())
    untied = scores[0] != np.float32(0.5)
    assert np.array_equal(got[0][untied[got[0]]], want[0][untied[want[0]]])


def test_top_k_with_heavy_ties() -> None:
    scores = np.zeros((2, 5_000), np.float32)
    scores[1, 4_999] = 1.0
    scores[1, 17] = 2.0
    got = metrics.top_k(scores, 10)
    assert got[1, :2].tolist() == [17, 4_999]
    assert all(len(set(row)) == 10 for row in got.tolist())
    assert np.array_equal(got, metrics.top_k(scores, 10))


def _plain_measure(scores: np.ndarray, train: sp.csr_matrix, test: sp.csr_matrix) -> tuple:
    discount = 1.0 / np.log2(np.arange(2, 12))
    hits, gains = [], []
    for user in range(scores.shape[0]):
        row = scores[user].copy()
        row[train[user].indices] = -np.inf
        top = np.lexsort((np.arange(len(row)), -row))[:10]
        wanted = test[user].indices
        found = np.isin(top, wanted)
        hits.append(float(found.any()))
        gains.append(discount[found].sum() / discount[: min(len(wanted), 10)].sum())
    return float(np.mean(hits)), float(np.mean(gains))


def test_measure_matches_a_user_by_user_count() -> None:
    rng = np.random.default_rng(7)
    n_users, n_movies = 600, 3_000
    popularity = (rng.permutation(n_movies) + 1).astype(np.float32)  # no ties
    train = sp.random(n_users, n_movies, density=0.01, format="csr", random_state=1)
    train.data[:] = 3.0
    test = sp.random(n_users, n_movies, density=0.001, format="csr", random_state=2)
    test = test - test.multiply(train > 0)
    test.eliminate_zeros()
    test.data[:] = 1.0
    users = np.flatnonzero(np.diff(test.indptr))
    fitted = Fitted(Spec("popularity"), {"popularity": popularity})
    got = metrics.measure(fitted, train, test, users)
    scores = np.broadcast_to(popularity, (n_users, n_movies))[users]
    hit, ndcg = _plain_measure(scores, train[users], test[users])
    assert got.hit_rate == pytest.approx(hit)
    assert got.ndcg == pytest.approx(ndcg)
    assert 0 < got.hit_rate < 1


def test_ease_fit_is_the_inverse_it_stands_for() -> None:
    rng = np.random.default_rng(3)
    x = (rng.random((400, 60)) < 0.2).astype(np.float64)
    g = x.T @ x
    b = ease.fit(g, 4.0)
    lam = 4.0 * np.mean(np.diag(g))
    p = np.linalg.inv(g + lam * np.eye(60))
    want = -p / np.diag(p)[None, :]
    np.fill_diagonal(want, 0.0)
    assert np.allclose(b, want, atol=1e-4)


def test_sampled_users_are_the_same_for_the_same_catalog() -> None:
    users = np.repeat(np.arange(0, 1_000, 2), 3).astype(np.int32)  # every other index rates
    first = data.sample_users(users, 1_000, 100, 0)
    assert np.array_equal(first, data.sample_users(users, 1_000, 100, 0))
    assert len(np.unique(users[first])) == 100
    assert data.sample_users(users, 1_000, 500, 0).all()


@pytest.mark.parametrize("ids", [[2, 3, 5, 9], [1, 10**12, 10**13]])
def test_ids_are_found_by_table_or_search(ids: list[int]) -> None:
    index = data._Index(np.asarray(ids, np.int64))
    assert (index.table is not None) == (ids[-1] < 100)
    values = np.asarray([*ids[::-1], -1, 4, ids[-1] + 1, 0], np.int64)
    at, known = index(values)
    assert at[: len(ids)].tolist() == list(range(len(ids)))[::-1]
    assert known.tolist() == [True] * len(ids) + [False] * 4


def test_packed_ratings_unpack() -> None:
    from moviecli.store.repo import taste as repo

    users, movies, halves = np.asarray([1, 7, 2**26 - 1]), np.asarray([3, 2**32 - 1, 0]), [1, 10, 7]
    packed = [
        (int(u) * repo.PACK_USER + int(m) * repo.PACK_MOVIE + h,)
        for u, m, h in zip(users, movies, halves, strict=True)
    ]
    got = data._unpacked(packed)
    assert got[0].tolist() == users.tolist()
    assert got[1].tolist() == movies.tolist()
    assert got[2].tolist() == [0.5, 5.0, 3.5]


def _synthetic(n_users: int, n_movies: int, seed: int = 0) -> data.RatingArrays:
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, n_users * n_movies, n_users * 20))
    users, movies = (keys // n_movies).astype(np.int32), (keys % n_movies).astype(np.int32)
    scores = (rng.integers(1, 11, len(keys)) / 2).astype(np.float32)
    return data.RatingArrays(
        np.arange(n_users, dtype=np.int64) + 1,
        np.arange(n_movies, dtype=np.int64) + 1,
        users,
        movies,
        scores,
        None,
    )


@pytest.mark.parametrize("kind", ["als", "ease", "knn"])
def test_fitting_on_a_sample_of_users_still_serves_everyone(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moviecli.recommend import choose
    from moviecli.recommend.training import no_progress

    ratings = _synthetic(300, 80)
    monkeypatch.setattr(choose, "FIT_USERS", 50)
    settings = {
        "als": (("factors", 4), ("regularization", 1.0), ("iterations", 3)),
        "ease": (("lambda", 4.0),),
        "knn": (),
    }[kind]
    fitted = choose.fit_everything(Spec(kind, settings), ratings, no_progress)
    counts = np.bincount(ratings.movies, minlength=80)
    assert fitted.arrays["popularity"].tolist() == counts.tolist()  # every rating counted
    if kind == "als":
        factors = fitted.arrays["user_factors"]
        assert factors.shape == (300, 4)
        sampled = np.unique(ratings.users[data.sample_users(ratings.users, 300, 50, choose.SEED)])
        norms = np.linalg.norm(factors, axis=1)
        others = np.setdiff1d(np.arange(300), sampled)
        # Every user's factors solved from their ratings, sampled or not.
        assert norms[others].mean() > 0.5 * norms[sampled].mean() > 0
    else:
        assert fitted.arrays["matrix"].shape == (80, 80)
