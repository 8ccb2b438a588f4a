"""One person's taste against the world's films, with no crowd to learn from.

A choice model of the person's own ratings (a multinomial logit, as in discrete
choice): they pick film k with probability ∝ exp(x_k·w) among all the world's films,
x_k the film's features — genres, decade, runtime, IMDb votes and rating (as
standardised numbers and as buckets), and the people credited on films they rated
(directors, writers, principal cast). Their liked films count 1 as choices, the other
films they rated `others`. IMDb's votes take the place of crowd counts: how much this
person goes for well-known films is learnt from their own choices, under a unit normal
prior. The sum over all films is estimated from a seeded sample of the films they did
not rate.

The ranking adds β × the standardised log votes to the fit's score: how far to lean
toward well-known films beyond what the fit learnt. A film's genres share unit length
(each 1/√n of its n genres), as a bag of features is normalised for cosine.

The penalty on the features, whether the people enter, `others` and β are chosen per
person by cross-validation of their own ratings: their liked films are split in
FOLDS, each fold hidden in turn, and the setting that ranks the hidden films highest
among the films they have not rated (NDCG over the first TOP places) wins; nothing is
a constant tuned to a data set. A person with fewer than 2·FOLDS liked films gets
DEFAULT; one with no ratings the world's best by IMDb's weighted rating.

A ridge regression of their scores on the same features (how much they would like a
film, content.py's model) was tried beside it, with its weight chosen the same way:
the cross-validation almost never gave it weight, and on held-out ratings it lowered
HitRate@10 at every weight tried, so it is not part of this model."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

ALPHAS = (1.0, 4.0, 16.0)  # L2 penalties of the choice model's features
OTHERS = (0.5, 1.0)  # how much a rated film the person did not like counts as a choice
# How far the ranking leans on IMDb's votes beyond the weight the fit gave them: the
# score is x·w + β·(standardised log votes). The fit's weight says how popular the
# films this person picks are against all films; the films they will like next may
# lean further toward the well-known (or not), which their folds tell. 0 is the fit.
BETAS = (0.0, 0.5, 1.0, 2.0, 4.0)
Setting = tuple[float, bool, float, float]  # alpha, people, others, beta
DEFAULT: Setting = (4.0, True, 0.5, 0.0)  # too few liked films to choose
# The cross-validation's measure: NDCG over the first TOP places, top-heavy as the
# list shown is, deep enough that a fold's hidden films (a third of the liked ones)
# give one person a steady figure.
TOP = 30
FOLDS = 3
NEGATIVES = 4_000  # films not rated, sampled (seeded) for the sum over all films
SEED = 0
NUMBERS = [0, 1]  # the base matrix's columns of standardised log votes and IMDb rating
# Their penalty: a standard normal prior on the weight of a standardised number, weak
# beside hundreds of ratings, enough to keep two ratings from pushing it to infinity.
PRIOR_PENALTY = 1.0
# How the films' reasons are named: meaningful shared features only (not votes,
# rating or runtime buckets).
REASON_PREFIXES = ("g:", "d:")


@dataclass
class Films:
    """The films a person's model ranks, as aligned arrays: world films (title id > 0)
    and catalog films the world does not have (title id 0, catalog id > 0)."""

    title_ids: np.ndarray  # int64
    movie_ids: np.ndarray  # int64: catalog films not in the world (0 for world films)
    tokens: list[tuple[str, ...]]
    votes: np.ndarray  # float64, 0 where none
    rating: np.ndarray  # float64, nan where none
    years: np.ndarray  # int64, -1 where none
    _base: sp.csr_matrix | None = field(default=None, repr=False)
    vocabulary: dict[str, int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.title_ids)

    @property
    def base(self) -> sp.csr_matrix:
        """Films × (log votes, rating, token columns): every film's features but people."""
        if self._base is None:
            indptr, indices, values = [0], [], []
            vocabulary = self.vocabulary  # token -> column (after the NUMBERS columns)
            for tokens in self.tokens:
                indices += [vocabulary.setdefault(t, len(vocabulary)) for t in tokens]
                indptr.append(len(indices))
                values += _token_values(tokens)
            n = len(vocabulary)
            tokens_m = sp.csr_matrix(
                (np.asarray(values), indices, indptr), shape=(len(self), max(n, 1))
            )
            numbers = np.column_stack([_standard(np.log1p(self.votes)), _standard(self.rating)])
            self._base = sp.hstack([sp.csr_matrix(numbers), tokens_m], format="csr")
        return self._base


def _token_values(tokens: tuple[str, ...]) -> list[float]:
    """Each token's value in a film's row: 1, but a film's genres share a unit length
    (1/√n each of n genres, the cosine normalisation of a bag of words), so a film
    listed under four genres does not weigh four times one listed under one."""
    genres = sum(1 for t in tokens if t.startswith("g:"))
    share = 1.0 / math.sqrt(genres) if genres else 1.0
    return [share if t.startswith("g:") else 1.0 for t in tokens]


def _standard(values: np.ndarray) -> np.ndarray:
    known = np.isfinite(values)
    out = np.zeros(len(values))
    if known.any():
        mean, spread = values[known].mean(), values[known].std() or 1.0
        out[known] = (values[known] - mean) / spread
    return out


def title_tokens(
    genres: str | None, year: int | None, runtime: int | None, rating: float | None, votes: int
) -> tuple[str, ...]:
    out = [f"g:{g}" for g in (genres or "").split("|") if g]
    out.append(f"d:{year // 10 * 10}" if year is not None else "d:?")
    out.append(f"r:{min(runtime // 30, 6)}" if runtime is not None else "r:?")
    out.append(f"v:{int(math.log10(votes + 1) * 2)}")
    out.append(f"s:{int(rating)}" if rating is not None else "s:?")
    return tuple(out)


def weighted_rating(films: Films) -> np.ndarray:
    """IMDb's weighted rating v/(v+m)·R + m/(v+m)·C, m the median votes of a voted film:
    for someone with no ratings yet."""
    voted = films.votes > 0
    m = float(np.median(films.votes[voted])) if voted.any() else 1.0
    c = float(np.nanmean(films.rating)) if np.isfinite(films.rating).any() else 0.0
    r = np.where(np.isfinite(films.rating), films.rating, c)
    return np.asarray(films.votes / (films.votes + m) * r + m / (films.votes + m) * c)


# ---------------------------------------------------------------- fitting


def _choice(
    x: sp.csr_matrix, chosen: np.ndarray, mass: np.ndarray, alpha: float, start: np.ndarray
) -> np.ndarray:
    """Feature weights w of a choice model: the person picks film k with probability
    ∝ exp(x_k·w); the films they picked weigh `chosen` (0 for the others), `mass` is
    how many films each row stands for in the sum over all films; L2 penalty α."""
    xt = x.T.tocsr()
    total = float(chosen.sum())
    picked = xt @ chosen
    penalty = np.full(x.shape[1], alpha)
    penalty[NUMBERS] = PRIOR_PENALTY  # log votes and rating: the prior, held loosely

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        top = float(s.max())
        e = mass * np.exp(s - top)
        z = float(e.sum())
        shrink = penalty * w
        value = -float(chosen @ s) + total * (top + math.log(z)) + 0.5 * float(w @ shrink)
        return value, -picked + total * (xt @ (e / z)) + shrink

    return _lbfgs(loss, start)


def _lean(films: Films) -> np.ndarray:
    """The standardised log votes, which β multiplies."""
    return np.asarray(films.base[:, NUMBERS[0]].toarray()).ravel()


def _lbfgs(
    loss: Callable[[np.ndarray], tuple[float, np.ndarray]],
    w: np.ndarray,
    iterations: int = 200,
    memory: int = 8,
    tolerance: float = 1e-5,
) -> np.ndarray:
    """Minimise a smooth convex `loss` (value, gradient) by L-BFGS with a backtracking
    line search. numpy only: scipy's L-BFGS-B calls BLAS on tiny matrices, which a
    multi-threaded BLAS turns into a busy wait on a loaded machine (10× slower here)."""
    value, grad = loss(w)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    scale = max(1.0, float(np.abs(grad).max()))
    for _ in range(iterations):
        if float(np.abs(grad).max()) <= tolerance * scale:
            break
        q = grad.copy()
        alphas = []
        for s, y, rho in reversed(steps):
            a = rho * float(s @ q)
            alphas.append(a)
            q -= a * y
        if steps:
            s, y, _ = steps[-1]
            q *= float(s @ y) / float(y @ y)
        else:
            q /= max(float(np.linalg.norm(grad)), 1e-12)
        for (s, y, rho), a in zip(steps, reversed(alphas), strict=True):
            q += s * (a - rho * float(y @ q))
        direction = -q
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction: start over from the gradient
            steps.clear()
            direction, slope = -grad, -float(grad @ grad)
        t = 1.0
        while True:
            candidate = w + t * direction
            new_value, new_grad = loss(candidate)
            if new_value <= value + 1e-4 * t * slope or t < 1e-10:
                break
            t *= 0.5
        s, y = candidate - w, new_grad - grad
        sy = float(s @ y)
        if sy > 1e-12:
            steps.append((s, y, 1.0 / sy))
            del steps[:-memory]
        converged = abs(value - new_value) <= 1e-9 * max(1.0, abs(value))
        w, value, grad = candidate, new_value, new_grad
        if converged:
            break
    return w


class _Person:
    """One person's ratings over the films, with the matrix their model sees."""

    def __init__(
        self, films: Films, people: sp.csr_matrix, rated: np.ndarray, scores: np.ndarray
    ) -> None:
        self.films = films
        self.rated = rated
        self.scores = scores
        self.liked = scores >= max(float(scores.mean()), 3.0)
        # People columns: only those credited on a film the person rated.
        on_rated = np.asarray(people[rated].sum(axis=0)).ravel() > 0
        self.people_columns = np.flatnonzero(on_rated)
        self.people = people[:, self.people_columns].tocsr()
        self.sample = np.random.default_rng(SEED).permutation(len(films))[: NEGATIVES * 2]

    def matrix(self, with_people: bool, keep_people: np.ndarray | None = None) -> sp.csr_matrix:
        if not with_people:
            return self.films.base
        people = self.people if keep_people is None else self.people.multiply(keep_people)
        return sp.hstack([self.films.base, people], format="csr")

    def fit(
        self,
        train: np.ndarray,
        alpha: float,
        with_people: bool,
        others: float,
        start: np.ndarray | None = None,
    ) -> np.ndarray:
        """Feature weights fitted on the ratings at `train` (positions in self.rated):
        liked films count 1 as choices, the other rated films `others`."""
        rated = self.rated[train]
        keep = None
        if with_people:  # people of the training films only
            keep = np.asarray((self.people[rated].sum(axis=0) > 0).astype(np.float64)).ravel()
        x = self.matrix(with_people, keep)
        outside = self.sample[~np.isin(self.sample, rated)][:NEGATIVES]
        rows = np.concatenate([rated, outside])
        chosen = np.concatenate([np.where(self.liked[train], 1.0, others), np.zeros(len(outside))])
        unrated = len(self.films) - len(rated)
        mass = np.concatenate(
            [np.ones(len(rated)), np.full(len(outside), unrated / max(len(outside), 1))]
        )
        if start is None or len(start) != x.shape[1]:
            start = np.zeros(x.shape[1])
        return _choice(x[rows], chosen, mass, alpha, start)


def _gain(scores: np.ndarray, hidden: np.ndarray, excluded: np.ndarray) -> float:
    """Mean 1/log2(2 + rank) of the hidden films among the films not excluded, 0 past
    the first TOP places."""
    mask = np.ones(len(scores), bool)
    mask[excluded] = False
    ranked = np.sort(scores[mask])
    ranks = len(ranked) - np.searchsorted(ranked, scores[hidden], side="right")
    return float(np.mean(np.where(ranks < TOP, 1.0 / np.log2(2.0 + ranks), 0.0)))


def _choose(person: _Person) -> Setting:
    """(alpha, people, others, beta) by FOLDS-fold cross-validation over the liked
    ratings. β costs no fit: each fold's scores are re-ranked with each β."""
    liked = np.flatnonzero(person.liked)
    if len(liked) < 2 * FOLDS:
        return DEFAULT
    fold_of = np.random.default_rng(SEED).permutation(len(liked)) % FOLDS
    totals: dict[Setting, float] = {}
    every = np.arange(len(person.rated))
    lean = _lean(person.films)
    for k in range(FOLDS):
        hidden = liked[fold_of == k]
        train = np.setdiff1d(every, hidden)
        excluded = person.rated[train]
        targets = person.rated[hidden]
        for with_people in (False, True):
            if with_people and not len(person.people_columns):
                continue
            x = person.matrix(with_people)
            for others in OTHERS:
                w = None
                for alpha in reversed(ALPHAS):  # strongest first: each starts the next
                    w = person.fit(train, alpha, with_people, others, w)
                    scores = np.asarray(x @ w)
                    for beta in BETAS:
                        key = (alpha, with_people, others, beta)
                        gain = _gain(scores + beta * lean, targets, excluded)
                        totals[key] = totals.get(key, 0.0) + gain
    best = max(totals.values())
    order = [
        (a, p, o, b)
        for b in BETAS
        for p in (False, True)
        for o in reversed(OTHERS)
        for a in reversed(ALPHAS)
    ]
    # Ties: no lean first, without people, every rated film a choice, the strongest
    # penalty.
    return next(key for key in order if totals.get(key, -1.0) >= best - 1e-12)


@dataclass
class PersonModel:
    scores: np.ndarray  # every film's score (higher: better)
    weights: np.ndarray  # the features' weights: base columns, then the person's people
    people_columns: np.ndarray  # indexes into the people matrix's columns, in order
    setting: Setting
    matrix: sp.csr_matrix = field(repr=False)


def fit(films: Films, people: sp.csr_matrix, rated: Sequence[tuple[int, float]]) -> PersonModel:
    """The person's model over `films` from their ratings (film index, score);
    `people`: films × people, 1 where a person is credited on a film."""
    if not rated:
        empty = np.zeros(0, np.int64)
        return PersonModel(weighted_rating(films), np.zeros(0), empty, DEFAULT, films.base)
    at = np.asarray([i for i, _ in rated], np.int64)
    given = np.asarray([s for _, s in rated], np.float64)
    person = _Person(films, people, at, given)
    alpha, with_people, others, beta = _choose(person)
    with_people = with_people and bool(len(person.people_columns))
    weights = person.fit(np.arange(len(at)), alpha, with_people, others)
    matrix = person.matrix(with_people)
    return PersonModel(
        np.asarray(matrix @ weights) + beta * _lean(films),
        weights,
        person.people_columns if with_people else np.zeros(0, np.int64),
        (alpha, with_people, others, beta),
        matrix,
    )


def reasons(
    model: PersonModel,
    films: Films,
    target: int,
    liked: Sequence[int],
    people_keys: np.ndarray,
    most: int,
) -> list[tuple[str, int]]:
    """Why `target` ranks high: ("person", key) for the strongest person credited on it
    and on films the person rated, then ("film", index) of the liked films sharing the
    most weight with it (genres, decade, people)."""
    if not len(model.weights):
        return []
    row = model.matrix[target]
    columns = set(row.indices.tolist())
    n_base = films.base.shape[1]
    names = {i + len(NUMBERS): t for t, i in films.vocabulary.items()}
    meaningful = {c for c in columns if c >= n_base or names.get(c, "").startswith(REASON_PREFIXES)}
    out: list[tuple[str, int]] = []
    people = sorted(
        (c for c in meaningful if c >= n_base and model.weights[c] > 0),
        key=lambda c: (-model.weights[c], c),
    )
    if people:
        out.append(("person", int(people_keys[model.people_columns[people[0] - n_base]])))
    strengths = []
    for film in liked:
        shared = meaningful & set(model.matrix[film].indices.tolist())
        strength = float(sum(model.weights[c] for c in shared))
        if strength > 0:
            strengths.append((-strength, film))
    out += [("film", film) for _, film in sorted(strengths)[: most - len(out)]]
    return out[:most]
