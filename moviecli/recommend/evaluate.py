"""recommend --evaluate: hide each user's newest K ratings of 4 or more, let the chooser
pick a model from the rest (on its own validation split inside it), then fit every
candidate on the rest and measure all of them on the hidden ratings, with standard
errors, marking the chosen one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from moviecli.errors import InvalidValueError
from moviecli.recommend import candidates, choose, data
from moviecli.recommend.training import ProgressFactory, content_features, no_progress, read
from moviecli.recommend.views import Evaluation, EvaluationRow

if TYPE_CHECKING:
    from sqlmodel import Session


def evaluate(
    *, session: Session, holdout: int, progress: ProgressFactory = no_progress
) -> Evaluation:
    ratings = read(session, progress, with_times=True)
    assert ratings.times is not None
    sample = data.sample_users(
        ratings.users, len(ratings.user_ids), choose.CHOOSE_USERS, choose.SEED
    )
    held = np.zeros(len(ratings.users), bool)
    held[sample] = data.newest_liked(
        ratings.users[sample], ratings.scores[sample], ratings.times[sample], holdout
    )
    if not held.any():
        raise InvalidValueError("no user has a rating of 4 or more to hold out")
    features = content_features(session, ratings)
    choice = choose.choose(
        ratings, progress, keep=sample & ~held, size=len(ratings.users), features=features
    )
    train, test, users = choose.split(ratings, sample, holdout, features)
    specs = [t.spec for t in choice.trials] or [choice.spec, candidates.Spec("popularity")]
    trials = []
    for n, spec in enumerate(specs, start=1):
        with progress(f"measuring {n}/{len(specs)}: {spec.name}") as update:
            trials.append(choose.trial(spec, train, test, users, update))
    chosen = next(t for t in trials if t.spec == choice.spec)
    low, high = chosen.measure.interval()
    rows = []
    for t in trials:
        lo, hi = t.measure.interval()
        m = t.measure
        rows.append(
            EvaluationRow(
                method=t.spec.name,
                hit_rate=round(m.hit_rate, 4),
                ndcg=round(m.ndcg, 4),
                hit_rate_se=round(m.hit_rate_se, 4),
                ndcg_se=round(m.ndcg_se, 4),
                fit_seconds=round(t.fit_seconds, 3),
                chosen=t is chosen,
                within_noise=bool(lo <= high and low <= hi),
            )
        )
    return Evaluation(
        holdout=holdout,
        users=len(users),
        train_ratings=len(train.users),
        held_out=int(test.nnz),
        fit_seconds=round(chosen.fit_seconds, 3),
        chosen=choice.spec.name,
        validation_users=choice.users,
        sampled_users=choice.sampled,
        rows=rows,
    )
