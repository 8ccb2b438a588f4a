"""What `recommend`, `taste` and `recommend --evaluate` hand to the renderer.
No numerical library here: the renderer imports this module."""

from __future__ import annotations

from pydantic import BaseModel


class RecommendRow(BaseModel):
    rank: int
    id: int | None  # None: a world film not in the catalog yet (imdb_id names it)
    title: str
    year: int | None
    genres: list[str]
    score: float
    because: list[str]
    on_watchlist: bool
    imdb_id: str | None = None  # tt…: the IMDb film, when the catalog film is linked to one
    in_catalog: bool = True  # False: proposed from the world; `rate tt…` brings it in


class Recommendations(BaseModel):
    users: list[str]
    # "model", "crowd" (cold start), "model+crowd" (a mixed group), "content", "world"
    method: str
    trained: bool  # the model was (re)trained by this run
    rows: list[RecommendRow]


class EvaluationRow(BaseModel):
    method: str
    hit_rate: float
    ndcg: float
    hit_rate_se: float  # standard errors: each user one observation
    ndcg_se: float
    fit_seconds: float
    chosen: bool  # the one the chooser picked on its own validation split
    within_noise: bool  # its NDCG@10's 95% interval overlaps the chosen one's


class Evaluation(BaseModel):
    holdout: int
    users: int
    train_ratings: int
    held_out: int
    fit_seconds: float  # the chosen model's fit
    chosen: str
    validation_users: int  # the chooser's own split, inside the training part
    sampled_users: bool  # a large catalog is evaluated and chosen on a sample of users
    rows: list[EvaluationRow]


class ScaleRow(BaseModel):
    score: float
    count: int
    your_percentile: float
    crowd_percentile: float
    crowd_equivalent: float


class DifferenceRow(BaseModel):
    id: int
    title: str
    year: int | None
    score: float
    crowd_mean: float
    crowd_count: int
    difference: float


class TwinRow(BaseModel):
    user: str
    shared: int
    agreement: float
    mean_difference: float


class TasteProfile(BaseModel):
    user: str
    ratings: int
    mean: float
    spread: float
    crowd_ratings: int
    crowd_mean: float
    crowd_spread: float
    scale: list[ScaleRow]
    differences: list[DifferenceRow]
    twins: list[TwinRow]
