"""The catalog's model: read from the cache while the ratings are unchanged, otherwise
chosen (choose.py), fitted on every rating and cached with its name and settings."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

import numpy as np

from moviecli.recommend import cache, data
from moviecli.store.repo.taste import Taste

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sqlmodel import Session

    from moviecli.recommend.choose import Choice

# Progress while training: a context manager giving update(done, total) or None.
ProgressFactory = Callable[[str], AbstractContextManager[Callable[[int, int], None] | None]]

MIN_USERS_TO_LEARN = 2  # a catalog of one person has no crowd to learn from


def no_progress(_: str) -> AbstractContextManager[None]:
    return nullcontext()


def chooser_sample(users: np.ndarray, n_users: int) -> np.ndarray:
    """The ratings the chooser holds out from and measures on (choose.CHOOSE_USERS)."""
    from moviecli.recommend import choose

    return data.sample_users(users, n_users, choose.CHOOSE_USERS, choose.SEED)


def read(session: Session, progress: ProgressFactory, *, with_times: bool) -> data.RatingArrays:
    """Every rating; with_times: with the times of those of the chooser's sample."""
    expected = Taste(session).fingerprint().ratings
    timed = chooser_sample if with_times else None
    with progress("reading ratings") as update:
        return data.load(session=session, timed=timed, progress=update, expected=expected)


def content_features(session: Session, ratings: data.RatingArrays) -> sp.csr_matrix | None:
    """The films' features for the content candidate, in a catalog of few raters."""
    from moviecli.recommend import choose

    if len(data.raters(ratings.users, len(ratings.user_ids))) > choose.CONTENT_RATERS:
        return None
    from moviecli.recommend.content import feature_matrix

    return feature_matrix(Taste(session).crowd_movies(), ratings.movie_ids)


def trials_json(choice: Choice) -> list[dict[str, object]]:
    return [
        {
            "method": t.spec.name,
            "kind": t.spec.kind,
            "settings": t.spec.as_dict(),
            "ndcg": round(t.measure.ndcg, 4),
            "hit_rate": round(t.measure.hit_rate, 4),
            "fit_seconds": round(t.fit_seconds, 3),
        }
        for t in choice.trials
    ]


def train(
    session: Session, identity: str, fingerprint: str, progress: ProgressFactory
) -> cache.Model:
    from moviecli.recommend import choose  # scipy: only when a model is trained

    ratings = read(session, progress, with_times=True)
    n_movies = len(ratings.movie_ids)
    raters = len(data.raters(ratings.users, len(ratings.user_ids)))
    started = time.perf_counter()
    kind, settings, arrays = "none", "{}", {}
    if raters >= MIN_USERS_TO_LEARN and n_movies >= 2:
        choice = choose.choose(ratings, progress, features=content_features(session, ratings))
        ratings.times = None  # 8 bytes a rating no longer needed
        fitted = choose.fit_everything(choice.spec, ratings, progress)
        kind, arrays = choice.spec.kind, fitted.arrays
        settings = json.dumps(
            {
                "name": choice.spec.name,
                "settings": choice.spec.as_dict(),
                "validation_users": choice.users,
                "sampled": choice.sampled,
                "trials": trials_json(choice),
            }
        )
    half_stars = np.rint(ratings.scores * 2).astype(np.int64)
    return cache.Model(
        identity=identity,
        fingerprint=fingerprint,
        kind=kind,
        settings=settings,
        score_counts=np.bincount(half_stars, minlength=11)[1:11],
        user_ids=ratings.user_ids,
        movie_ids=ratings.movie_ids,
        arrays=arrays,
        fit_seconds=time.perf_counter() - started,
    )


def current_model(
    *, session: Session, progress: ProgressFactory = no_progress
) -> tuple[cache.Model, bool]:
    """The catalog's model, trained now if missing or stale; and whether it was."""
    identity = Taste(session).catalog_identity()
    fingerprint = Taste(session).fingerprint().text()
    path = cache.cache_file(identity)
    model = cache.load(path, identity=identity, fingerprint=fingerprint)
    if model is not None:
        return model, False
    model = train(session, identity, fingerprint, progress)
    model.generation = cache.generation(path) + 1
    cache.save(model, path)
    return model, True
