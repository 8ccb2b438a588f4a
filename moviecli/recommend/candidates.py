"""The candidate models: what each is called, what it costs, how it is fitted on a set of
ratings and how it scores users. A fitted candidate is a few named arrays, which is
also what the cache stores and what serving reads (recommend.py).

Kinds: `popularity` (ratings per film), `knn` (item-kNN, cosine on liked films), `ease`
(EASE on the most-rated films), `als` (implicit ALS), `content` (each person's own
ridge regression on the films' features, content.py: in catalogs of few raters).
EASE and kNN score a user from their own ratings at serving time, over their set of
films; the other films follow, ranked by popularity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from moviecli.recommend import als, ease
from moviecli.recommend.weights import item_weights, liked, outside

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Spec:
    kind: str
    settings: tuple[tuple[str, float], ...] = ()

    def setting(self, key: str) -> float:
        return dict(self.settings)[key]

    @property
    def name(self) -> str:
        if self.kind == "als":
            factors, iterations = int(self.setting("factors")), int(self.setting("iterations"))
            lam = self.setting("regularization")
            return f"ALS ({factors} factors, λ {lam:g}, {iterations} iterations)"
        if self.kind == "ease":
            return f"EASE (λ {self.setting('lambda'):g}× mean count)"
        if self.kind == "knn":
            return "item-kNN (cosine on 4+)"
        if self.kind == "content":
            return f"content (own ratings on film features, weight {self.setting('weight'):g})"
        return self.kind

    def as_dict(self) -> dict[str, float]:
        return dict(self.settings)


@dataclass
class Ratings:
    """Ratings as dense indexes, with the users × films matrix of scores built once."""

    users: np.ndarray
    movies: np.ndarray
    scores: np.ndarray
    n_users: int
    n_movies: int
    features: sp.csr_matrix | None = None  # films × features, for `content`
    _matrix: sp.csr_matrix | None = field(default=None, repr=False)
    _grams: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    # `content`'s fit of each user (index) on these ratings: its weights do not depend on
    # the candidate's setting, so the candidates share it (content.score_rows).
    _content_fits: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def matrix(self) -> sp.csr_matrix:
        if self._matrix is None:
            m = sp.csr_matrix(
                (self.scores.astype(np.float32), (self.users, self.movies)),
                shape=(self.n_users, self.n_movies),
            )
            m.sum_duplicates()
            self._matrix = m
        return self._matrix

    def counts(self) -> np.ndarray:
        return np.bincount(self.movies, minlength=self.n_movies).astype(np.float32)

    def gram(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, XᵀX) over EASE's films: confidence weights for EASE, 0/1 liked for
        kNN; computed once per set of ratings and shared by the candidates."""
        if kind not in self._grams:
            cols = ease.columns(self.counts())
            x = self.matrix[:, cols]
            x.data = ease.weights(x.data) if kind == "ease" else liked(x.data)
            x.eliminate_zeros()
            self._grams[kind] = (cols, ease.gram(x))
        return self._grams[kind]


@dataclass
class Fitted:
    spec: Spec
    arrays: dict[str, np.ndarray]
    features: sp.csr_matrix | None = None  # `content`: fitted per person when scoring
    # `content`: each user's fit so far, by index in the ratings it was fitted on
    fits: dict[int, np.ndarray] | None = None


def grid(n_ratings: int, budget: float, *, with_content: bool = False) -> list[Spec]:
    """The candidates in order of cost, those whose fit on `n_ratings` ratings is
    estimated within `budget` (units of ~2.5 ns on this kind of machine)."""
    specs = [Spec("popularity"), Spec("knn")]
    if with_content:
        from moviecli.recommend.content import WEIGHTS

        specs += [Spec("content", (("weight", w),)) for w in WEIGHTS]
    specs += [Spec("ease", (("lambda", lam),)) for lam in ease.LAMBDAS]
    for factors, regularization, iterations in ALS_GRID:
        spec = Spec(
            "als",
            (("factors", factors), ("regularization", regularization), ("iterations", iterations)),
        )
        if cost(spec, n_ratings) <= budget:
            specs.append(spec)
    return specs


ALS_GRID = ((16, 0.5, 6), (16, 8.0, 8), (32, 2.0, 8))


def cost(spec: Spec, n_ratings: int) -> float:
    """A deterministic estimate of a fit's cost (the choice must not depend on the
    machine's load): ALS is linear in ratings × factors × iterations."""
    if spec.kind == "als":
        return n_ratings * spec.setting("factors") * spec.setting("iterations") * 4.0
    return float(n_ratings)


def fit(spec: Spec, ratings: Ratings, progress: Progress | None = None) -> Fitted:
    counts = ratings.counts()
    if spec.kind == "popularity":
        return Fitted(spec, {"popularity": counts})
    if spec.kind == "content":
        return Fitted(spec, {"popularity": counts}, ratings.features, ratings._content_fits)
    if spec.kind == "als":
        x, y = als.fit(
            ratings.users,
            ratings.movies,
            ratings.scores,
            ratings.n_users,
            ratings.n_movies,
            progress,
            factors=int(spec.setting("factors")),
            regularization=spec.setting("regularization"),
            iterations=int(spec.setting("iterations")),
        )
        return Fitted(spec, {"user_factors": x, "movie_factors": y, "popularity": counts})
    cols, g = ratings.gram(spec.kind)
    from moviecli.recommend import knn

    matrix = ease.fit(g, spec.setting("lambda")) if spec.kind == "ease" else knn.fit(g)
    return Fitted(spec, {"columns": cols, "matrix": matrix, "popularity": counts})


def score_rows(fitted: Fitted, rows: sp.csr_matrix, users: np.ndarray | None) -> np.ndarray:
    """Scores (float32, rows × all films) for users given as rows of scores over all films
    of the ratings `fitted` was fitted on (`users`: their indexes there; ALS needs them,
    `content` keeps each user's fit under them)."""
    a = fitted.arrays
    kind = fitted.spec.kind
    n_movies = len(a["popularity"])
    if kind == "als":
        assert users is not None
        product: np.ndarray = a["user_factors"][users] @ a["movie_factors"].T
        return product
    if kind == "content":
        from moviecli.recommend import content

        assert fitted.features is not None
        return content.score_rows(
            fitted.features,
            rows,
            a["popularity"],
            fitted.spec.setting("weight"),
            users=users,
            fits=fitted.fits,
        )
    out = np.broadcast_to(outside(a["popularity"]), (rows.shape[0], n_movies)).copy()
    if kind == "popularity":
        return out
    cols = a["columns"]
    x = rows[:, cols]
    x.data = item_weights(kind, x.data)
    out[:, cols] = np.asarray(x @ a["matrix"], dtype=np.float32)
    return out
