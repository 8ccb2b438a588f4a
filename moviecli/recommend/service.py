"""recommend, recommend --evaluate and taste: storage reads in, view models out."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import numpy as np

from moviecli.errors import InvalidValueError, NotFoundError
from moviecli.recommend import cache, data
from moviecli.recommend.views import (
    DifferenceRow,
    Evaluation,
    EvaluationRow,
    Recommendations,
    RecommendRow,
    ScaleRow,
    TasteProfile,
    TwinRow,
)
from moviecli.store.repo import taste as repo

if TYPE_CHECKING:
    from sqlmodel import Session

# Progress while training: a context manager giving update(done, total) or None.
ProgressFactory = Callable[[str], AbstractContextManager[Callable[[int, int], None] | None]]

COLD_START_BELOW = 5  # a user with fewer ratings gets the crowd's best in their genres
MIN_USERS_TO_LEARN = 2  # a catalog of one person has no crowd to learn from
BECAUSE = 3
TOP_K = 10  # HitRate@10, NDCG@10
TWIN_MIN_SHARED = 5
TWINS = 5
DIFFERENCES = 10
DIFFERENCE_SHRINK = 10  # a film rated by v others weighs v / (v + 10)
TWIN_SHRINK = 10
# Twins are sought among the ratings of the user's least-rated films, up to this many
# ratings read: a heavy rater of popular films would otherwise read most of 25M.
TWIN_RATINGS_READ = 1_000_000
HALF_STARS = [n / 2 for n in range(1, 11)]


def _no_progress(_: str) -> AbstractContextManager[None]:
    from contextlib import nullcontext

    return nullcontext()


# ---------------------------------------------------------------- the model


def _read(session: Session, progress: ProgressFactory, *, with_times: bool) -> data.RatingArrays:
    expected = repo.fingerprint(session=session).ratings
    with progress("reading ratings") as update:
        return data.load(session=session, with_times=with_times, progress=update, expected=expected)


def _train(
    session: Session, identity: str, fingerprint: str, progress: ProgressFactory
) -> cache.Model:
    from moviecli.recommend import als  # scipy: only when a model is trained

    ratings = _read(session, progress, with_times=False)
    n_users, n_movies = len(ratings.user_ids), len(ratings.movie_ids)
    raters = len(np.unique(ratings.users)) if len(ratings.users) else 0
    started = time.perf_counter()
    if raters >= MIN_USERS_TO_LEARN and n_movies >= 2:
        with progress("training") as update:
            users, movies = als.fit(
                ratings.users, ratings.movies, ratings.scores, n_users, n_movies, update
            )
    else:
        users = np.zeros((0, als.FACTORS), np.float32)
        movies = np.zeros((0, als.FACTORS), np.float32)
    half_stars = np.rint(ratings.scores * 2).astype(np.int64)
    return cache.Model(
        identity=identity,
        fingerprint=fingerprint,
        score_counts=np.bincount(half_stars, minlength=11)[1:11],
        user_ids=ratings.user_ids,
        movie_ids=ratings.movie_ids,
        user_factors=users,
        movie_factors=movies,
        fit_seconds=time.perf_counter() - started,
    )


def current_model(
    *, session: Session, progress: ProgressFactory = _no_progress
) -> tuple[cache.Model, bool]:
    """The catalog's model, trained now if missing or stale; and whether it was."""
    identity = repo.catalog_identity(session=session)
    fingerprint = repo.fingerprint(session=session).text()
    path = cache.cache_file(identity)
    model = cache.load(path, identity=identity, fingerprint=fingerprint)
    if model is not None:
        return model, False
    model = _train(session, identity, fingerprint, progress)
    model.generation = cache.generation(path) + 1
    cache.save(model, path)
    return model, True


# ---------------------------------------------------------------- one member's view


class _Member:
    """One user's scores for every film of the universe, and why."""

    def __init__(self, name: str, user_id: int, ratings: list[tuple[int, float]]) -> None:
        self.name = name
        self.user_id = user_id
        self.ratings = ratings
        self.mean = sum(s for _, s in ratings) / len(ratings) if ratings else 0.0
        liked = [(m, s) for m, s in ratings if s >= max(self.mean, 3.0)]
        self.liked = liked or list(ratings)


class _Universe:
    """The films a recommendation can come from, as aligned arrays."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def position(self) -> dict[int, int]:
        return {int(m): i for i, m in enumerate(self.ids)}


def _model_scores(
    member: _Member, model: cache.Model, universe: _Universe
) -> tuple[np.ndarray, Callable[[int], list[int]]] | None:
    """ALS scores over the universe, or None when the model does not know this user."""
    if not len(model.user_factors) or len(member.ratings) < COLD_START_BELOW:
        return None
    at = np.searchsorted(model.user_ids, member.user_id)
    if at >= len(model.user_ids) or model.user_ids[at] != member.user_id:
        return None
    raw = model.movie_factors @ model.user_factors[at]
    scores = np.full(len(universe.ids), -np.inf, np.float32)
    known = np.searchsorted(model.movie_ids, universe.ids)
    known = np.minimum(known, len(model.movie_ids) - 1)
    hit = model.movie_ids[known] == universe.ids
    scores[hit] = raw[known[hit]]
    norms = np.linalg.norm(model.movie_factors, axis=1) + 1e-9
    liked_ids = np.asarray([m for m, _ in member.liked], np.int64)
    liked_scores = np.asarray([s for _, s in member.liked], np.float32)
    liked_at = np.minimum(np.searchsorted(model.movie_ids, liked_ids), len(model.movie_ids) - 1)
    liked_ok = model.movie_ids[liked_at] == liked_ids
    liked_ids, liked_scores, liked_at = (
        liked_ids[liked_ok],
        liked_scores[liked_ok],
        liked_at[liked_ok],
    )
    liked_unit = model.movie_factors[liked_at] / norms[liked_at, None]

    def because(movie_id: int) -> list[int]:
        at_movie = np.searchsorted(model.movie_ids, movie_id)
        if at_movie >= len(model.movie_ids) or model.movie_ids[at_movie] != movie_id:
            return []
        target = model.movie_factors[at_movie] / norms[at_movie]
        strength = (liked_unit @ target) * (liked_scores - 2.0)
        order = np.argsort(-strength, kind="stable")[:BECAUSE]
        return [int(liked_ids[i]) for i in order if strength[i] > 0]

    return scores, because


def _crowd_scores(
    member: _Member, crowd: list[repo.CrowdMovie], universe: _Universe
) -> tuple[np.ndarray, Callable[[int], list[int]]]:
    """The crowd's weighted rating (as `top` ranks, with m the mean count of a rated film)
    plus the user's leaning toward each film's genres and director."""
    total = sum(c.rating_sum for c in crowd)
    count = sum(c.rating_count for c in crowd)
    rated = [c.rating_count for c in crowd if c.rating_count]
    c_mean = total / count if count else 0.0
    m = max(1.0, sum(rated) / len(rated)) if rated else 1.0
    features_of = {c.id: c.features for c in crowd}
    lean_sum: dict[str, float] = {}
    lean_n: dict[str, int] = {}
    for movie_id, score in member.ratings:
        for f in features_of.get(movie_id, ()):
            lean_sum[f] = lean_sum.get(f, 0.0) + score - member.mean
            lean_n[f] = lean_n.get(f, 0) + 1
    lean = {f: lean_sum[f] / (lean_n[f] + 1) for f in lean_sum}
    scores = np.full(len(universe.ids), -np.inf, np.float32)
    position = universe.position()
    for c in crowd:
        i = position.get(c.id)
        if i is None:
            continue
        weighted = (c.rating_sum + m * c_mean) / (c.rating_count + m)
        leanings = [lean.get(f, 0.0) for f in c.features]
        scores[i] = weighted + (sum(leanings) / len(leanings) if leanings else 0.0)

    def because(movie_id: int) -> list[int]:
        wanted = set(features_of.get(movie_id, ()))
        ranked = sorted(
            (
                (-len(wanted & set(features_of.get(m, ()))), -s, m)
                for m, s in member.liked
                if wanted & set(features_of.get(m, ()))
            ),
        )
        return [m for _, _, m in ranked[:BECAUSE]]

    return scores, because


def _percentiles(scores: np.ndarray) -> np.ndarray:
    """Each score's rank among the others, from 0 (worst) to 1 (best)."""
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores), np.float64)
    ranks[order] = np.arange(len(scores))
    return ranks / max(len(scores) - 1, 1)


def recommend(
    *,
    session: Session,
    names: Sequence[str],
    limit: int,
    genre: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    progress: ProgressFactory = _no_progress,
) -> Recommendations:
    if len(names) == 1:
        # Someone who has rated nothing yet is not a user of the catalog: the crowd's best.
        user_id = repo.find_user_id(session=session, name=names[0])
        found = [(user_id if user_id is not None else -1, names[0])]
    else:
        found = repo.find_users(session=session, names=names)
    members = [
        _Member(name, user_id, repo.user_ratings(session=session, user_id=user_id))
        for user_id, name in found
    ]
    model, trained = current_model(session=session, progress=progress)
    user_ids = [m.user_id for m in members]
    seen = repo.seen_movie_ids(session=session, user_ids=user_ids)
    watchlist = repo.watchlist_movie_ids(session=session, user_ids=user_ids)
    allowed = repo.matching_movie_ids(
        session=session, genre=genre, from_year=from_year, to_year=to_year
    )

    crowd: list[repo.CrowdMovie] | None = None
    universe = _Universe(model.movie_ids)
    known = [_model_scores(m, model, universe) for m in members]
    views = [v for v in known if v is not None]
    if len(views) < len(members):
        crowd = repo.crowd_movies(session=session)
        universe = _Universe(np.asarray([c.id for c in crowd], np.int64))
        views = [
            _model_scores(m, model, universe) or _crowd_scores(m, crowd, universe) for m in members
        ]
    learned = sum(1 for m in members if _model_scores_known(m, model))
    method = "model" if learned == len(members) else "crowd" if not learned else "model+crowd"

    candidate = ~np.isin(universe.ids, np.fromiter(seen, np.int64, len(seen)))
    if allowed is not None:
        candidate &= np.isin(universe.ids, np.fromiter(allowed, np.int64, len(allowed)))
    ids = universe.ids[candidate]
    per_member = [scores[candidate] for scores, _ in views]
    if len(members) == 1:
        combined = per_member[0].astype(np.float64)
    else:
        # Each member's scores as percentiles among the candidates, so that a model score
        # and a crowd score compare; a film is as good as its least happy member finds it.
        combined = np.min(np.vstack([_percentiles(s) for s in per_member]), axis=0)
    finite = np.isfinite(combined)
    ids, combined = ids[finite], combined[finite]
    order = np.lexsort((ids, -combined))[:limit]

    chosen = [int(ids[i]) for i in order]
    reasons: dict[int, list[int]] = {}
    for movie_id in chosen:
        lists = [because(movie_id) for _, because in views]
        merged: list[int] = []
        for depth in range(BECAUSE):  # the strongest reason of each member first
            for reasons_of_member in lists:
                if depth < len(reasons_of_member) and reasons_of_member[depth] not in merged:
                    merged.append(reasons_of_member[depth])
        reasons[movie_id] = merged[:BECAUSE]
    cards = repo.movie_cards(
        session=session, movie_ids=set(chosen) | {m for r in reasons.values() for m in r}
    )
    rows = []
    for rank, (movie_id, i) in enumerate(zip(chosen, order, strict=True), start=1):
        card = cards[movie_id]
        rows.append(
            RecommendRow(
                rank=rank,
                id=movie_id,
                title=card.title,
                year=card.year,
                genres=card.genres,
                score=round(float(combined[i]), 4),
                because=[cards[m].title for m in reasons[movie_id] if m in cards],
                on_watchlist=movie_id in watchlist,
            )
        )
    return Recommendations(
        users=[m.name for m in members], method=method, trained=trained, rows=rows
    )


def _model_scores_known(member: _Member, model: cache.Model) -> bool:
    if not len(model.user_factors) or len(member.ratings) < COLD_START_BELOW:
        return False
    at = np.searchsorted(model.user_ids, member.user_id)
    return bool(at < len(model.user_ids) and model.user_ids[at] == member.user_id)


# ---------------------------------------------------------------- evaluation


def _split(ratings: data.RatingArrays, holdout: int) -> np.ndarray:
    """True for each user's `holdout` newest ratings of 4 or more."""
    assert ratings.times is not None
    order = np.lexsort((-ratings.times, ratings.users))
    good = ratings.scores[order] >= 4.0
    users = ratings.users[order]
    running = np.cumsum(good)
    starts = np.r_[0, np.flatnonzero(np.diff(users)) + 1] if len(users) else np.zeros(0, int)
    lengths = np.diff(np.r_[starts, len(users)])
    before = np.repeat(running[starts] - good[starts], lengths)
    test = np.zeros(len(users), bool)
    test[order[good & (running - before <= holdout)]] = True
    return test


def _metrics(
    score_block: Callable[[np.ndarray], np.ndarray],
    train: object,
    test: object,
    users: np.ndarray,
) -> tuple[float, float]:
    """HitRate@10 (a user counts once if any held-out film is in their top 10) and
    NDCG@10 over `users`."""
    import scipy.sparse as sp

    assert isinstance(train, sp.csr_matrix) and isinstance(test, sp.csr_matrix)
    discount = 1.0 / np.log2(np.arange(2, TOP_K + 2))
    hits, gain = 0, 0.0
    for start in range(0, len(users), 256):
        block = users[start : start + 256]
        scores = score_block(block).astype(np.float32, copy=True)
        seen = train[block]
        scores[seen.nonzero()] = -np.inf
        k = min(TOP_K, scores.shape[1] - 1)
        top = np.argpartition(-scores, k, axis=1)[:, :TOP_K]
        top = np.take_along_axis(
            top, np.argsort(-np.take_along_axis(scores, top, 1), axis=1, kind="stable"), 1
        )
        for row, user in zip(top, block, strict=True):
            wanted = test.indices[test.indptr[user] : test.indptr[user + 1]]
            found = np.isin(row, wanted)
            if found.any():
                hits += 1
                ideal = discount[: min(len(wanted), TOP_K)].sum()
                gain += float(discount[: len(row)][found].sum() / ideal)
    return hits / len(users), gain / len(users)


def evaluate(
    *, session: Session, holdout: int, progress: ProgressFactory = _no_progress
) -> Evaluation:
    import scipy.sparse as sp

    from moviecli.recommend import als

    ratings = _read(session, progress, with_times=True)
    test = _split(ratings, holdout) if len(ratings.users) else np.zeros(0, bool)
    if not test.any():
        raise InvalidValueError("no user has a rating of 4 or more to hold out")
    train = ~test
    n_users, n_movies = len(ratings.user_ids), len(ratings.movie_ids)
    shape = (n_users, n_movies)

    def matrix(mask: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix(
            (np.ones(int(mask.sum()), np.float32), (ratings.users[mask], ratings.movies[mask])),
            shape=shape,
        )
        m.sum_duplicates()
        return m

    train_matrix, test_matrix = matrix(train), matrix(test)
    started = time.perf_counter()
    with progress("training") as update:
        x, y = als.fit(
            ratings.users[train], ratings.movies[train], ratings.scores[train], *shape, update
        )
    fit_seconds = time.perf_counter() - started
    users = np.unique(ratings.users[test])
    popularity = np.bincount(ratings.movies[train], minlength=n_movies).astype(np.float32)
    model = _metrics(lambda block: x[block] @ y.T, train_matrix, test_matrix, users)
    baseline = _metrics(
        lambda block: np.broadcast_to(popularity, (len(block), n_movies)),
        train_matrix,
        test_matrix,
        users,
    )
    name = f"ALS ({als.FACTORS} factors, {als.ITERATIONS} iterations)"
    return Evaluation(
        holdout=holdout,
        users=len(users),
        train_ratings=int(train.sum()),
        held_out=int(test.sum()),
        fit_seconds=round(fit_seconds, 3),
        rows=[
            EvaluationRow(method=name, hit_rate=round(model[0], 4), ndcg=round(model[1], 4)),
            EvaluationRow(
                method="popularity", hit_rate=round(baseline[0], 4), ndcg=round(baseline[1], 4)
            ),
        ],
    )


# ---------------------------------------------------------------- taste


def _mid_percentile(counts: np.ndarray) -> np.ndarray:
    """For each half star, the share of scores below it plus half of those equal (0-100)."""
    total = counts.sum()
    if not total:
        return np.zeros(len(counts))
    below = np.cumsum(counts) - counts
    percent: np.ndarray = 100.0 * (below + counts / 2.0) / total
    return percent


def _spread(counts: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    total = counts.sum()
    mean = float((counts * values).sum() / total)
    return mean, float(np.sqrt((counts * (values - mean) ** 2).sum() / total))


def _twin_films(mine: dict[int, float], aggregates: dict[int, tuple[int, float]]) -> list[int]:
    """The user's films whose ratings are read to find twins: least rated first (shared
    rare films say more about taste), while the ratings read stay under the budget."""
    chosen: list[int] = []
    reading = 0
    for movie in sorted(mine, key=lambda m: (aggregates.get(m, (0, 0.0))[0], m)):
        count = aggregates.get(movie, (0, 0.0))[0]
        if count < 2:
            continue
        if reading + count > TWIN_RATINGS_READ and chosen:
            break
        chosen.append(movie)
        reading += count
    return chosen


def _twins(
    session: Session, user_id: int, mine: dict[int, float], films: list[int]
) -> list[TwinRow]:
    rows = [r for r in repo.ratings_of_movies(session=session, movie_ids=films) if r[0] != user_id]
    if not rows:
        return []
    users, index = np.unique(np.asarray([r[0] for r in rows], np.int64), return_inverse=True)
    a = np.asarray([mine[r[1]] for r in rows])
    b = np.asarray([r[2] for r in rows])

    def per_user(values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=len(users))

    n = np.bincount(index, minlength=len(users)).astype(np.float64)
    sa, sb = per_user(a), per_user(b)
    saa, sbb, sab = per_user(a * a), per_user(b * b), per_user(a * b)
    gaps = per_user(np.abs(a - b))
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = sab - sa * sb / n
        var = (saa - sa * sa / n) * (sbb - sb * sb / n)
        corr = np.where(var > 1e-12, cov / np.sqrt(var), np.nan)
    strength = corr * n / (n + TWIN_SHRINK)
    eligible = np.flatnonzero((n >= TWIN_MIN_SHARED) & np.isfinite(strength))
    best = eligible[np.lexsort((users[eligible], -strength[eligible]))][:TWINS]
    names = repo.user_names(session=session, user_ids=[int(users[i]) for i in best])
    return [
        TwinRow(
            user=names.get(int(users[i]), str(users[i])),
            shared=int(n[i]),
            agreement=round(float(corr[i]), 3),
            mean_difference=round(float(gaps[i] / n[i]), 3),
        )
        for i in best
    ]


def taste(*, session: Session, name: str, progress: ProgressFactory = _no_progress) -> TasteProfile:
    ((user_id, user_name),) = repo.find_users(session=session, names=[name])
    ratings = repo.user_ratings(session=session, user_id=user_id)
    if not ratings:
        raise NotFoundError(f"{user_name} has not rated anything yet")
    # The crowd's half stars come with the model (counting every rating again is slow).
    model, _ = current_model(session=session, progress=progress)
    stars = np.asarray(HALF_STARS)
    crowd_counts = model.score_counts.astype(np.float64)
    my_scores = np.asarray([s for _, s in ratings])
    my_counts = np.asarray([(my_scores == s).sum() for s in HALF_STARS], np.float64)
    mean, spread = _spread(my_counts, stars)
    crowd_mean, crowd_spread = _spread(crowd_counts, stars)
    mine_pct, crowd_pct = _mid_percentile(my_counts), _mid_percentile(crowd_counts)
    scale = [
        ScaleRow(
            score=s,
            count=int(my_counts[i]),
            your_percentile=round(float(mine_pct[i]), 1),
            crowd_percentile=round(float(crowd_pct[i]), 1),
            crowd_equivalent=float(stars[int(np.argmin(np.abs(crowd_pct - mine_pct[i])))]),
        )
        for i, s in enumerate(HALF_STARS)
        if my_counts[i]
    ]

    mine = dict(ratings)
    aggregates = repo.movie_aggregates(session=session, movie_ids=list(mine))
    weighted = []
    for movie, score in mine.items():
        count, total = aggregates.get(movie, (1, score))
        v = count - 1  # the others: the stored aggregates include this user's rating
        if v > 0:
            diff = score - (total - score) / v
            weighted.append((abs(diff) * v / (v + DIFFERENCE_SHRINK), movie, diff, v, total))
    weighted.sort(key=lambda t: (-t[0], t[1]))
    chosen = weighted[:DIFFERENCES]
    cards = repo.movie_cards(session=session, movie_ids=[m for _, m, *_ in chosen])
    differences = [
        DifferenceRow(
            id=movie,
            title=cards[movie].title,
            year=cards[movie].year,
            score=mine[movie],
            crowd_mean=round((total - mine[movie]) / v, 3),
            crowd_count=v,
            difference=round(diff, 3),
        )
        for _, movie, diff, v, total in chosen
        if movie in cards
    ]
    return TasteProfile(
        user=user_name,
        ratings=len(ratings),
        mean=round(mean, 3),
        spread=round(spread, 3),
        crowd_ratings=int(crowd_counts.sum()),
        crowd_mean=round(crowd_mean, 3),
        crowd_spread=round(crowd_spread, 3),
        scale=scale,
        differences=differences,
        twins=_twins(session, user_id, mine, _twin_films(mine, aggregates)),
    )
