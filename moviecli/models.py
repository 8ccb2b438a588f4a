"""SQLModel tables and the input/output models built on them.

Table models do not validate (SQLModel skips validation for `table=True`), so
input goes through `MovieCreate` / `MovieUpdate` / `RatingCreate`, and the
schema repeats the limits as CHECK constraints.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, field_validator
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine
from sqlmodel import AutoString, Field, SQLModel

from moviecli.rules import (
    CHECK_DESCRIPTION,
    CHECK_HALF_STARS,
    CHECK_LIST_NAME,
    CHECK_NOTE,
    CHECK_PERSON_NAME,
    CHECK_POSITION,
    CHECK_ROLE,
    CHECK_RUNTIME,
    CHECK_TAG_LENGTH,
    CHECK_TITLE_LENGTH,
    CHECK_USER_NAME,
    CHECK_YEAR,
    GENRE_MAX,
    LIST_NAME_MAX,
    PERSON_NAME_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TAG_MAX,
    TITLE_MAX,
    USER_NAME_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_name,
    check_score,
    check_text,
    check_title,
    check_user_name,
    genre_names,
)

# Batch migrations on SQLite can only find and alter constraints that have names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    """Naive UTC, the way SQLite stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def utcnow_millis() -> datetime:
    """Now, to the millisecond: the precision a rating's time is stored with."""
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


_EPOCH = datetime(1970, 1, 1)


def text_type(length: int | None = None) -> TypeEngine[str]:
    """Text that sorts and compares the same on both engines: SQLite compares text byte for
    byte (code point order); PostgreSQL uses the database's collation (en_US puts "_x"
    after "zz" and "É" beside "E"), unless the column says COLLATE "C"."""
    return AutoString(length).with_variant(String(length, collation="C"), "postgresql")


def long_text_type() -> TypeEngine[str]:
    """TEXT (reviews, notes), sorting as text_type does."""
    return Text().with_variant(Text(collation="C"), "postgresql")


class EpochMillis(TypeDecorator[datetime]):
    """A naive-UTC datetime stored as integer milliseconds since 1970.

    Ratings are the big table (25M rows in a MovieLens catalog) and rated_at sits in the
    table and in both of its indexes: an integer takes 6 bytes where SQLAlchemy's
    DateTime text takes 26, and a MovieLens timestamp goes in with one multiplication."""

    impl = Integer
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[int]:
        # Milliseconds since 1970 pass 2**31 in January 1970: PostgreSQL's INTEGER has 4
        # bytes, SQLite's INTEGER 8 (and stays declared INTEGER there, as the migrations made it).
        return dialect.type_descriptor(BigInteger() if dialect.name == "postgresql" else Integer())

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


def _clean_optional_text(value: str | None) -> str | None:
    """Blank is none (so `edit --director ""` clears the field); no control characters."""
    if value is None:
        return None
    value = value.strip()
    return check_text(value, what="text") or None


def _clean_review(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return check_text(value, what="review", multiline=True) or None


# `--genre "crime|drama"` is two genres, as in MovieLens files and in moviecli's CSV
# (which joins a movie's genres with |); a comma separates them too, as in IMDb files.
GENRE_SEPARATORS = re.compile(r"[|,]")


def _clean_genres(values: list[str]) -> list[str]:
    split = [part for raw in values for part in GENRE_SEPARATORS.split(raw)]
    for raw in split:
        if not raw.strip():
            raise ValueError(
                "genre must not be blank (give one per --genre, or separate them with |)"
            )
        if len(raw.strip()) > GENRE_MAX:
            raise ValueError(f"genre must be at most {GENRE_MAX} characters")
        check_text(raw, what="genre")
    return genre_names(split)


def _clean_user(value: str) -> str:
    return check_user_name(value)


def _clean_people(values: list[str]) -> list[str]:
    """Names as typed, each once (case-insensitively), in the order given."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in values:
        name = check_name(raw, what="person's name", limit=PERSON_NAME_MAX)
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


Title = Annotated[str, AfterValidator(check_title)]
PeopleList = Annotated[list[str], AfterValidator(_clean_people)]
OptionalText = Annotated[str | None, BeforeValidator(_clean_optional_text)]
Review = Annotated[str | None, BeforeValidator(_clean_review)]
GenreList = Annotated[list[str], AfterValidator(_clean_genres)]
Score = Annotated[float, AfterValidator(check_score)]
UserName = Annotated[str, AfterValidator(_clean_user)]


# ---------------------------------------------------------------- movies


class MovieBase(SQLModel):
    title: str = Field(max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX))
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    original_title: str | None = Field(
        default=None, max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX)
    )
    runtime_minutes: int | None = Field(default=None, ge=RUNTIME_MIN, le=RUNTIME_MAX)
    director: str | None = Field(default=None, max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX))


class Movie(MovieBase, table=True):
    """`director` is the film's directors' names joined with ", ", kept exact from
    movie_people by the repository in the same transaction (as the rating aggregates are
    from ratings), so listings and exports read one column."""

    __tablename__ = "movies"
    __table_args__ = (
        CheckConstraint(CHECK_TITLE_LENGTH, name="title_length"),
        CheckConstraint(CHECK_YEAR, name="year_range"),
        CheckConstraint(CHECK_RUNTIME, name="runtime_range"),
        CheckConstraint("rating_count >= 0", name="rating_count_positive"),
        Index("ix_movies_title_key_year", "title_key", "year"),
        Index("ix_movies_year", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title_key: str = Field(max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX))
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
    directors: PeopleList = []
    writers: PeopleList = []
    cast: PeopleList = []

    @field_validator("original_title")
    @classmethod
    def _limit(cls, value: str | None) -> str | None:
        if value is not None and len(value) > TITLE_MAX:
            raise ValueError(f"must be at most {TITLE_MAX} characters")
        return value


class MovieUpdate(MovieCreate):
    """Every field optional; applied with model_dump(exclude_unset=True)."""

    title: Title | None = None  # type: ignore[assignment]
    genres: GenreList | None = None  # type: ignore[assignment]
    directors: PeopleList | None = None  # type: ignore[assignment]
    writers: PeopleList | None = None  # type: ignore[assignment]
    cast: PeopleList | None = None  # type: ignore[assignment]


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


# ---------------------------------------------------------------- genres, users, ids


class Genre(SQLModel, table=True):
    __tablename__ = "genres"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=GENRE_MAX, unique=True, sa_type=text_type(GENRE_MAX))


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
    __table_args__ = (CheckConstraint(CHECK_USER_NAME, name="name_length"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=USER_NAME_MAX, unique=True, sa_type=text_type(USER_NAME_MAX))


class ExternalId(SQLModel, table=True):
    __tablename__ = "external_ids"
    __table_args__ = (Index("ix_external_ids_movie_id", "movie_id"),)

    source: str = Field(max_length=16, primary_key=True, sa_type=text_type(16))
    value: str = Field(max_length=64, primary_key=True, sa_type=text_type(64))
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )


class Tag(SQLModel, table=True):
    """A user's free-text tag on a movie (MovieLens tags.csv, Letterboxd tags)."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("movie_id", "user_id", "tag", name="uq_tags_movie_id_user_id_tag"),
        CheckConstraint(CHECK_TAG_LENGTH, name="tag_length"),
        Index("ix_tags_user_id_tag_key", "user_id", "tag_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    tag: str = Field(max_length=TAG_MAX, sa_type=text_type(TAG_MAX))
    tag_key: str = Field(max_length=TAG_MAX, sa_type=text_type(TAG_MAX))
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
        CheckConstraint(CHECK_HALF_STARS, name="score_half_stars"),
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
    review: str | None = Field(default=None, sa_type=text_type())
    rated_at: datetime = Field(
        default_factory=utcnow_millis, sa_column=Column(EpochMillis, nullable=False)
    )


class RatingCreate(SQLModel):
    score: Score
    user: UserName
    review: Review = None


class UserNameInput(SQLModel):
    """A user name as typed (`--user`, $MOVIECLI_USER or the login name)."""

    user: UserName


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


# ---------------------------------------------------------------- people


class Person(SQLModel, table=True):
    """One row per person however many films they are in; `name_key` (rules.text_key)
    matches names case-insensitively on both engines. Two people may share a name."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(CHECK_PERSON_NAME, name="name_length"),
        Index("ix_people_name_key", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=PERSON_NAME_MAX, sa_type=text_type(PERSON_NAME_MAX))
    name_key: str = Field(max_length=PERSON_NAME_MAX, sa_type=text_type(PERSON_NAME_MAX))


class MoviePerson(SQLModel, table=True):
    __tablename__ = "movie_people"
    __table_args__ = (
        CheckConstraint(CHECK_ROLE, name="role"),
        CheckConstraint(CHECK_POSITION, name="position"),
        Index("ix_movie_people_person_id", "person_id"),
    )

    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(max_length=16, primary_key=True, sa_type=text_type(16))
    person_id: int = Field(
        sa_column=Column(Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int


class Credit(SQLModel):
    """A person in a film's credits."""

    person_id: int
    name: str
    role: str
    position: int


# ---------------------------------------------------------------- diary


class Viewing(SQLModel, table=True):
    """One viewing of a film by a user: a diary entry. watched_on is None for "watched,
    date unknown" (Letterboxd's watched.csv)."""

    __tablename__ = "viewings"
    __table_args__ = (
        Index("ix_viewings_user_id_watched_on_id", "user_id", "watched_on", "id"),
        Index("ix_viewings_movie_id_user_id", "movie_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    watched_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    rewatch: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    review: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


class ViewingPublic(SQLModel):
    id: int
    movie_id: int
    title: str
    year: int | None
    user: str
    watched_on: str | None  # YYYY-MM-DD
    rewatch: bool
    score: float | None
    review: str | None
    tags: list[str]


class WatchlistItem(SQLModel, table=True):
    __tablename__ = "watchlist"
    __table_args__ = (
        CheckConstraint(CHECK_NOTE, name="note_length"),
        Index("ix_watchlist_user_id_added_at", "user_id", "added_at"),
        Index("ix_watchlist_movie_id", "movie_id"),
    )

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True)
    )
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))


class WatchlistEntry(SQLModel):
    movie_id: int
    title: str
    year: int | None
    added_at: datetime
    note: str | None


class MovieList(SQLModel, table=True):
    """A user's named list; names are unique per user case-insensitively (name_key)."""

    __tablename__ = "lists"
    __table_args__ = (
        UniqueConstraint("user_id", "name_key", name="uq_lists_user_id_name_key"),
        CheckConstraint(CHECK_LIST_NAME, name="name_length"),
        CheckConstraint(CHECK_DESCRIPTION, name="description_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=LIST_NAME_MAX, sa_type=text_type(LIST_NAME_MAX))
    name_key: str = Field(max_length=LIST_NAME_MAX, sa_type=text_type(LIST_NAME_MAX))
    description: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
    ranked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


class ListItem(SQLModel, table=True):
    __tablename__ = "list_items"
    __table_args__ = (
        Index("ix_list_items_list_id_position", "list_id", "position"),
        CheckConstraint(CHECK_NOTE, name="note_length"),
        CheckConstraint(CHECK_POSITION, name="position"),
        Index("ix_list_items_movie_id", "movie_id"),
    )

    list_id: int = Field(
        sa_column=Column(Integer, ForeignKey("lists.id", ondelete="CASCADE"), primary_key=True)
    )
    movie_id: int = Field(
        sa_column=Column(Integer, ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int
    note: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


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
    score: float | None
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


MovieDetail.model_rebuild()
