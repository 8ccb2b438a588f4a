"""SQLModel tables and the input/output models built on them.

Table models do not validate (SQLModel skips validation for `table=True`), so
input goes through `MovieCreate` / `MovieUpdate` / `RatingCreate`, and the
schema repeats the limits as CHECK constraints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, field_validator
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

# Batch migrations on SQLite can only find and alter constraints that have names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

TITLE_MAX = 300
YEAR_MIN, YEAR_MAX = 1888, 2100
RUNTIME_MIN, RUNTIME_MAX = 1, 1000
USER_NAME_MAX = 64
SCORE_MIN, SCORE_MAX = 0.5, 5.0
EXTERNAL_SOURCES = ("imdb", "tmdb", "movielens", "letterboxd")
GENRE_ACRONYMS = {"imax": "IMAX", "tv": "TV"}
GENRE_MAX = 64


def utcnow() -> datetime:
    """Naive UTC, the way SQLite stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def utcnow_millis() -> datetime:
    """Now, to the millisecond: the precision a rating's time is stored with."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


_EPOCH = datetime(1970, 1, 1)


class EpochMillis(TypeDecorator[datetime]):
    """A naive-UTC datetime stored as integer milliseconds since 1970.

    Ratings are the big table (25M rows in a MovieLens catalog) and rated_at sits in the
    table and in both of its indexes: an integer takes 6 bytes where SQLAlchemy's
    DateTime text takes 26, and a MovieLens timestamp goes in with one multiplication."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> int | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - _EPOCH) // timedelta(milliseconds=1)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return _EPOCH + timedelta(milliseconds=value)


def title_key(title: str) -> str:
    """The case-insensitive form of a title used for matching (works beyond ASCII)."""
    return " ".join(title.split()).casefold()


def genre_name(raw: str) -> str:
    """Title Case a genre: 'sci-fi' -> 'Sci-Fi', 'film-noir' -> 'Film-Noir', 'imax' -> 'IMAX'."""
    words = " ".join(raw.split()).split(" ")

    def word_case(word: str) -> str:
        parts = word.split("-")
        return "-".join(GENRE_ACRONYMS.get(p.lower(), p[:1].upper() + p[1:].lower()) for p in parts)

    return " ".join(word_case(w) for w in words)


def _clean_title(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("title must not be blank")
    if len(value) > TITLE_MAX:
        raise ValueError(f"title must be at most {TITLE_MAX} characters (got {len(value)})")
    return value


def _clean_optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def genre_names(raws: Iterable[str]) -> list[str]:
    """Genre names as stored: Title Cased, each once (case-insensitively), blank and
    over-long ones left out (imports skip those; `add` and `edit` refuse them first)."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in raws:
        name = genre_name(raw)
        if name and len(name) <= GENRE_MAX and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _clean_genres(values: list[str]) -> list[str]:
    for raw in values:
        if not raw.strip():
            raise ValueError("genre must not be blank")
        if len(raw.strip()) > GENRE_MAX:
            raise ValueError(f"genre must be at most {GENRE_MAX} characters")
    return genre_names(values)


def check_score(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("score must be a number from 0.5 to 5 in half stars")
    if not (SCORE_MIN <= value <= SCORE_MAX) or value * 2 != int(value * 2):
        raise ValueError(f"score must be from 0.5 to 5 in steps of 0.5 (got {value:g})")
    return float(value)


Title = Annotated[str, AfterValidator(_clean_title)]
OptionalText = Annotated[str | None, BeforeValidator(_clean_optional_text)]
GenreList = Annotated[list[str], AfterValidator(_clean_genres)]
Score = Annotated[float, AfterValidator(check_score)]


# ---------------------------------------------------------------- movies


class MovieBase(SQLModel):
    title: str = Field(max_length=TITLE_MAX)
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    original_title: str | None = Field(default=None, max_length=TITLE_MAX)
    runtime_minutes: int | None = Field(default=None, ge=RUNTIME_MIN, le=RUNTIME_MAX)
    director: str | None = Field(default=None, max_length=TITLE_MAX)


class Movie(MovieBase, table=True):
    __tablename__ = "movies"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 300", name="title_length"),
        CheckConstraint("year IS NULL OR year BETWEEN 1888 AND 2100", name="year_range"),
        CheckConstraint(
            "runtime_minutes IS NULL OR runtime_minutes BETWEEN 1 AND 1000", name="runtime_range"
        ),
        CheckConstraint("rating_count >= 0", name="rating_count_positive"),
        Index("ix_movies_title_key_year", "title_key", "year"),
        Index("ix_movies_year", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_key: str = Field(max_length=TITLE_MAX)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
    # Kept exact by the repository in the same transaction as every rating change,
    # so `top` and `list --sort rating` never scan the ratings.
    rating_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    rating_sum: float = Field(default=0.0, nullable=False, sa_column_kwargs={"server_default": "0"})


class MovieCreate(SQLModel):
    title: Title
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    genres: GenreList = []
    original_title: OptionalText = None
    runtime_minutes: int | None = Field(default=None, ge=RUNTIME_MIN, le=RUNTIME_MAX)
    director: OptionalText = None

    @field_validator("original_title", "director")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        if value is not None and len(value) > TITLE_MAX:
            raise ValueError(f"must be at most {TITLE_MAX} characters")
        return value


class MovieUpdate(MovieCreate):
    """Every field optional; applied with model_dump(exclude_unset=True)."""

    title: Title | None = None  # type: ignore[assignment]
    genres: GenreList | None = None  # type: ignore[assignment]


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
    """`show`: a movie with its score histogram and latest ratings."""

    created_at: datetime
    updated_at: datetime
    histogram: dict[str, int]
    latest_ratings: list[RatingPublic]
    external_ids: dict[str, str]


# ---------------------------------------------------------------- genres, users, ids


class Genre(SQLModel, table=True):
    __tablename__ = "genres"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=GENRE_MAX, unique=True)


class MovieGenre(SQLModel, table=True):
    __tablename__ = "movie_genres"
    __table_args__ = (Index("ix_movie_genres_genre_id", "genre_id"),)

    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True)
    )
    genre_id: int = Field(
        sa_column=Column(Integer, ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True)
    )


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("length(name) BETWEEN 1 AND 64", name="name_length"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=USER_NAME_MAX, unique=True)


class ExternalId(SQLModel, table=True):
    __tablename__ = "external_ids"
    __table_args__ = (Index("ix_external_ids_movie_id", "movie_id"),)

    source: str = Field(max_length=16, primary_key=True)
    value: str = Field(max_length=64, primary_key=True)
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )


class Tag(SQLModel, table=True):
    """A user's free-text tag on a movie (MovieLens tags.csv, Letterboxd tags)."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("movie_id", "user_id", "tag", name="uq_tags_movie_id_user_id_tag"),
        CheckConstraint("length(tag) BETWEEN 1 AND 255", name="tag_length"),
        Index("ix_tags_user_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    tag: str = Field(max_length=255)
    tagged_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


# ---------------------------------------------------------------- ratings


class Rating(SQLModel, table=True):
    """One user's score of one movie.

    A WITHOUT ROWID table clustered on (user_id, movie_id): rating files come sorted by
    user, so a bulk import appends to the table in key order, and one user's ratings
    sit together. Per-movie reads (`show`'s histogram and latest ratings, the cascade
    of a movie's delete, aggregate recounts) use the covering movie index; `ratings`
    newest-first uses the rated_at index. Two secondary indexes instead of four keep a
    25M-rating import fast."""

    __tablename__ = "ratings"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "movie_id", name="pk_ratings"),
        CheckConstraint(
            "score BETWEEN 0.5 AND 5.0 AND score * 2 = CAST(score * 2 AS INTEGER)",
            name="score_half_stars",
        ),
        Index("ix_ratings_movie_id_rated_at_score", "movie_id", "rated_at", "score"),
        Index("ix_ratings_rated_at", "rated_at"),
        {"sqlite_with_rowid": False},
    )

    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    score: float
    review: str | None = None
    rated_at: datetime = Field(
        default_factory=utcnow_millis, sa_column=Column(EpochMillis, nullable=False)
    )


class RatingCreate(SQLModel):
    score: Score
    user: str = Field(min_length=1, max_length=USER_NAME_MAX)
    review: OptionalText = None


class RatingPublic(SQLModel):
    movie_id: int
    title: str
    year: int | None
    user: str
    score: float
    review: str | None
    rated_at: datetime


class RatingChange(SQLModel):
    """What `rate` reports: the rating, whether it replaced one, and the movie's new aggregates."""

    rating: RatingPublic
    replaced: float | None
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


MovieDetail.model_rebuild()
