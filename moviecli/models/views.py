"""What the repositories hand back and the renderers print (what JSON and CSV show)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import SQLModel

from moviecli.models.types import Score


class MoviePublic(SQLModel):
    id: int
    title: str
    year: int | None
    genres: list[str]
    original_title: str | None
    runtime_minutes: int | None
    director: str | None
    average_rating: float | None
    rating_count: int


class MovieDetail(MoviePublic):
    """`show`: a movie with its score histogram and latest ratings, its people, and the
    user's tags, viewings and watchlist mark."""

    created_at: datetime
    updated_at: datetime
    histogram: dict[str, int]
    latest_ratings: list[RatingPublic]
    external_ids: dict[str, str]
    people: list[Credit]
    user: str
    tags: list[str]
    viewings: list[ViewingPublic]
    on_watchlist: bool


class RatingPublic(SQLModel):
    movie_id: int
    title: str
    year: int | None
    user: str
    score: Score
    review: str | None
    rated_at: datetime


class RatingChange(SQLModel):
    """What `rate` reports: the rating, whether it replaced one, and the movie's new aggregates."""

    rating: RatingPublic
    replaced: Score | None
    average_rating: float | None
    rating_count: int


class TopRow(SQLModel):
    rank: int
    id: int
    title: str
    year: int | None
    genres: list[str]
    average_rating: float
    rating_count: int
    score: float


class TopExplainedRow(TopRow):
    """`top --explain`: the parts of WR = v/(v+m)·R + m/(v+m)·C."""

    R: float
    v: int
    m: int
    C: float
    weighted: float


class CatalogStats(SQLModel):
    movies: int
    ratings: int
    users: int
    genres: int
    rated_movies: int
    average_rating: float | None
    histogram: dict[str, int]
    top_genres: list[tuple[str, int]]


class Page(SQLModel):
    """One page of a listing and the total it was cut from."""

    items: list[MoviePublic]
    offset: int
    total: int


class Credit(SQLModel):
    """A person in a film's credits."""

    person_id: int
    name: str
    role: str
    position: int


class ViewingPublic(SQLModel):
    id: int
    movie_id: int
    title: str
    year: int | None
    user: str
    watched_on: str | None  # YYYY-MM-DD
    rewatch: bool
    score: Score | None
    review: str | None
    tags: list[str]


class WatchlistEntry(SQLModel):
    movie_id: int
    title: str
    year: int | None
    added_at: datetime
    note: str | None


class ListSummary(SQLModel):
    name: str
    description: str | None
    ranked: bool
    count: int
    seen: int


class ListEntry(SQLModel):
    position: int
    movie_id: int
    title: str
    year: int | None
    note: str | None
    seen: bool


class ListDetail(ListSummary):
    user: str
    items: list[ListEntry]


class TagCount(SQLModel):
    tag: str
    movies: int


class PersonFilm(SQLModel):
    movie_id: int
    title: str
    year: int | None
    role: str
    score: Score | None
    seen: bool


class PersonPublic(SQLModel):
    id: int
    name: str
    films: list[PersonFilm]
    count: int
    seen: int


class MonthCount(SQLModel):
    month: str  # YYYY-MM
    films: int


class YearReview(SQLModel):
    """`stats --year Y`: a user's year in review, from the diary."""

    user: str
    year: int
    viewings: int
    films: int
    new: int
    rewatched: int
    hours: float
    months: list[MonthCount]
    top_genres: list[tuple[str, int]]
    top_people: list[tuple[str, str, int]]
    average_rating: float | None
    best_new: ViewingPublic | None


# ---------------------------------------------------------------- imports

# Plain dataclasses, not pydantic models, as the importers' records are (importers/records.py).
MAX_REJECTS_SHOWN = 20


@dataclass(slots=True)
class Reject:
    line: int
    reason: str
    file: str = ""
    place: str = ""  # where, when a line number would not say it ("movies record 3")

    def where(self) -> str:
        if self.place:
            return self.place
        return f"{self.file}, line {self.line}" if self.file else f"line {self.line}"


@dataclass
class ImportSummary:
    format: str
    source: str
    dry_run: bool = False
    rows: int = 0
    movies_added: int = 0
    movies_matched: int = 0
    movies_updated: int = 0
    ratings_added: int = 0
    ratings_replaced: int = 0
    ratings_unchanged: int = 0
    tags_added: int = 0
    tags_unchanged: int = 0
    users_added: int = 0
    viewings_added: int = 0
    viewings_unchanged: int = 0
    watchlist_added: int = 0
    watchlist_unchanged: int = 0
    lists_added: int = 0
    lists_matched: int = 0
    list_items_added: int = 0
    list_items_unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    rejected: list[Reject] = field(default_factory=list)
    rejected_count: int = 0
    seconds: float = 0.0

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count

    def reject(self, reject: Reject) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTS_SHOWN:
            self.rejected.append(reject)


MovieDetail.model_rebuild()
