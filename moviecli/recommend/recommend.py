"""recommend: films a user (or a group) has not seen, best first, each with its reasons.
Scores come from the catalog's chosen model (training.py), or the crowd's best in the
genres and people a user rates highly when the model cannot speak for them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from moviecli import ranking
from moviecli.recommend import cache, group, training, weights
from moviecli.recommend.training import ProgressFactory, no_progress
from moviecli.recommend.views import Recommendations, RecommendRow
from moviecli.store.repo import taste as repo
from moviecli.store.repo.taste import Taste
from moviecli.store.repo.users import Users

if TYPE_CHECKING:
    from sqlmodel import Session

COLD_START_BELOW = 5  # a user with fewer ratings gets the crowd's best in their genres
BECAUSE = 3

Because = Callable[[int], list[int]]


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


def _known(member: _Member, model: cache.Model) -> bool:
    """Whether the model speaks for this user: ALS only for users it was fitted on; EASE,
    kNN and popularity for anyone with enough ratings (they read the user's own)."""
    if model.kind in ("none", "content") or len(member.ratings) < COLD_START_BELOW:
        return False
    if model.kind != "als":
        return True
    at = np.searchsorted(model.user_ids, member.user_id)
    return bool(at < len(model.user_ids) and model.user_ids[at] == member.user_id)


def _on_universe(raw: np.ndarray, model: cache.Model, universe: _Universe) -> np.ndarray:
    scores = np.full(len(universe.ids), -np.inf, np.float32)
    if not len(model.movie_ids):
        return scores
    known = np.minimum(np.searchsorted(model.movie_ids, universe.ids), len(model.movie_ids) - 1)
    hit = model.movie_ids[known] == universe.ids
    scores[hit] = raw[known[hit]]
    return scores


def _liked_in_model(
    member: _Member, model: cache.Model
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The member's liked films that the model knows: ids, scores, model indexes."""
    ids = np.asarray([m for m, _ in member.liked], np.int64)
    scores = np.asarray([s for _, s in member.liked], np.float32)
    at = np.minimum(np.searchsorted(model.movie_ids, ids), len(model.movie_ids) - 1)
    ok = model.movie_ids[at] == ids
    return ids[ok], scores[ok], at[ok]


def _factor_scores(
    member: _Member, model: cache.Model, universe: _Universe
) -> tuple[np.ndarray, Because]:
    """ALS: the user's factors against every film's; because: the liked films whose
    factors point the most the same way."""
    users, movies = model.arrays["user_factors"], model.arrays["movie_factors"]
    at = np.searchsorted(model.user_ids, member.user_id)
    scores = _on_universe(movies @ users[at], model, universe)
    norms = np.linalg.norm(movies, axis=1) + 1e-9
    liked_ids, liked_scores, liked_at = _liked_in_model(member, model)
    liked_unit = movies[liked_at] / norms[liked_at, None]

    def because(movie_id: int) -> list[int]:
        at_movie = np.searchsorted(model.movie_ids, movie_id)
        if at_movie >= len(model.movie_ids) or model.movie_ids[at_movie] != movie_id:
            return []
        target = movies[at_movie] / norms[at_movie]
        strength = (liked_unit @ target) * (liked_scores - 2.0)
        order = np.argsort(-strength, kind="stable")[:BECAUSE]
        return [int(liked_ids[i]) for i in order if strength[i] > 0]

    return scores, because


def _item_scores(
    member: _Member, model: cache.Model, universe: _Universe
) -> tuple[np.ndarray, Because]:
    """EASE, kNN or popularity from the user's own ratings (numpy only: the matrix rows
    of the films they rated); because: the rated films that add the most to a film."""
    raw = weights.outside(model.arrays["popularity"])
    if model.kind == "popularity":
        return _on_universe(raw, model, universe), lambda _: []
    cols, matrix = model.arrays["columns"], model.arrays["matrix"]
    ids = np.asarray([m for m, _ in member.ratings], np.int64)
    given = np.asarray([s for _, s in member.ratings], np.float32)
    at = np.minimum(np.searchsorted(model.movie_ids, ids), len(model.movie_ids) - 1)
    ok = model.movie_ids[at] == ids
    ids, given, at = ids[ok], given[ok], at[ok]
    rows = np.minimum(np.searchsorted(cols, at), len(cols) - 1)
    inside = cols[rows] == at
    mine_ids, mine_rows = ids[inside], rows[inside]
    mine_weights = weights.item_weights(model.kind, given[inside])
    raw[cols] = mine_weights @ matrix[mine_rows] if len(mine_rows) else 0.0
    scores = _on_universe(raw, model, universe)

    def because(movie_id: int) -> list[int]:
        at_movie = np.searchsorted(model.movie_ids, movie_id)
        if at_movie >= len(model.movie_ids) or model.movie_ids[at_movie] != movie_id:
            return []
        col = np.searchsorted(cols, at_movie)
        if col >= len(cols) or cols[col] != at_movie:
            return []
        strength = matrix[mine_rows, col] * mine_weights
        order = np.lexsort((mine_ids, -strength))[:BECAUSE]
        return [int(mine_ids[i]) for i in order if strength[i] > 0]

    return scores, because


def _model_scores(
    member: _Member, model: cache.Model, universe: _Universe
) -> tuple[np.ndarray, Because] | None:
    """The model's scores over the universe, or None when it does not know this user."""
    if not _known(member, model):
        return None
    if model.kind == "als":
        return _factor_scores(member, model, universe)
    return _item_scores(member, model, universe)


def _by_content(member: _Member, model: cache.Model) -> bool:
    """A catalog with no crowd to learn from, or where the chooser found each person's
    own ratings against the films' features best (content.py)."""
    if model.kind == "content":
        return len(member.ratings) >= COLD_START_BELOW
    return model.kind == "none" and bool(member.ratings)


def _fallback(
    member: _Member, model: cache.Model, crowd: list[repo.CrowdMovie], universe: _Universe
) -> tuple[np.ndarray, Because]:
    if _by_content(member, model):
        return _content_scores(member, model, crowd, universe)
    return _crowd_scores(member, crowd, universe)


def _content_scores(
    member: _Member, model: cache.Model, crowd: list[repo.CrowdMovie], universe: _Universe
) -> tuple[np.ndarray, Because]:
    import json

    from moviecli.recommend.content import FALLBACK_WEIGHT, ContentModel

    chosen = json.loads(model.settings).get("settings", {}) if model.kind == "content" else {}
    content = ContentModel(crowd, member.ratings)
    by_id = {c.id: c for c in crowd}
    films = [by_id[int(m)] for m in universe.ids]
    weight = float(chosen.get("weight", FALLBACK_WEIGHT))
    scores = content.rank_scores(films, weight).astype(np.float32)
    liked = [m for m, _ in member.liked]

    def because(movie_id: int) -> list[int]:
        return [m for w, m in content.contributions(movie_id, liked) if w > 0][:BECAUSE]

    return scores, because


def _crowd_scores(
    member: _Member, crowd: list[repo.CrowdMovie], universe: _Universe
) -> tuple[np.ndarray, Because]:
    """The crowd's weighted rating (as `top` ranks, with m the mean count of a rated film)
    plus the user's leaning toward each film's genres and director."""
    total = sum(c.rating_sum for c in crowd)
    count = sum(c.rating_count for c in crowd)
    rated = [c.rating_count for c in crowd if c.rating_count]
    c_mean = total / count if count else 0.0
    m = ranking.prior_count(sum(rated), len(rated))
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


def _from_world(session: Session, model: cache.Model) -> bool:
    """The world serves where the catalog has no crowd to learn from: one person, or a
    few whose chooser found each person's own ratings best (from_world.py)."""
    return bool(session.info.get("world")) and model.kind in ("none", "content")


def recommend(
    *,
    session: Session,
    names: Sequence[str],
    limit: int,
    genre: str | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
    progress: ProgressFactory = no_progress,
) -> Recommendations:
    if len(names) == 1:
        # Someone who has rated nothing yet is not a user of the catalog: the crowd's best.
        user_id = Users(session).id_of(names[0])
        found = [(user_id if user_id is not None else -1, names[0])]
    else:
        found = [(user.id, user.name) for user in Users(session).require(names)]
    members = [
        _Member(name, user_id, Taste(session).user_ratings(user_id=user_id))
        for user_id, name in found
    ]
    model, trained = training.current_model(session=session, progress=progress)
    user_ids = [m.user_id for m in members]
    seen = Taste(session).seen_movie_ids(user_ids=user_ids)
    watchlist = Taste(session).watchlist_movie_ids(user_ids=user_ids)
    allowed = Taste(session).matching_movie_ids(genre=genre, from_year=from_year, to_year=to_year)

    if _from_world(session, model):
        from moviecli.recommend import from_world

        rows = from_world.recommend(
            session=session,
            members=[from_world.Member(m.name, m.ratings) for m in members],
            seen=seen,
            watchlist=watchlist,
            genre=genre,
            from_year=from_year,
            to_year=to_year,
            allowed=allowed,
            limit=limit,
            because_most=BECAUSE,
        )
        return Recommendations(
            users=[m.name for m in members], method="world", trained=trained, rows=rows
        )

    crowd: list[repo.CrowdMovie] | None = None
    universe = _Universe(model.movie_ids)
    views = [_model_scores(m, model, universe) for m in members]
    if any(v is None for v in views):
        crowd = Taste(session).crowd_movies()
        universe = _Universe(np.asarray([c.id for c in crowd], np.int64))
        views = [
            _model_scores(m, model, universe) or _fallback(m, model, crowd, universe)
            for m in members
        ]
    learned = sum(1 for m in members if _known(m, model))
    own = sum(1 for m in members if _by_content(m, model))
    method = (
        "model"
        if learned == len(members)
        else "content"
        if own == len(members)
        else "crowd"
        if not learned
        else "model+crowd"
    )

    candidate = ~np.isin(universe.ids, np.fromiter(seen, np.int64, len(seen)))
    if allowed is not None:
        candidate &= np.isin(universe.ids, np.fromiter(allowed, np.int64, len(allowed)))
    ids = universe.ids[candidate]
    per_member = [scores[candidate] for scores, _ in views]  # type: ignore[misc]
    if len(members) == 1:
        combined = per_member[0].astype(np.float64)
    else:
        # Percentiles, so that a model score and a crowd score compare.
        combined = group.least_happy(per_member)
    finite = np.isfinite(combined)
    ids, combined = ids[finite], combined[finite]
    order = np.lexsort((ids, -combined))[:limit]

    chosen = [int(ids[i]) for i in order]
    reasons: dict[int, list[int]] = {}
    for movie_id in chosen:
        lists = [because(movie_id) for _, because in views]  # type: ignore[misc]
        merged: list[int] = []
        for depth in range(BECAUSE):  # the strongest reason of each member first
            for reasons_of_member in lists:
                if depth < len(reasons_of_member) and reasons_of_member[depth] not in merged:
                    merged.append(reasons_of_member[depth])
        reasons[movie_id] = merged[:BECAUSE]
    cards = Taste(session).movie_cards(
        movie_ids=set(chosen) | {m for r in reasons.values() for m in r}
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
