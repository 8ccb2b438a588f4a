"""The tables. They do not validate (SQLModel skips validation for `table=True`), so
input goes through the models in `inputs`, and the schema repeats the limits as CHECK
constraints. `MovieBase` holds the movie columns shared with the table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from moviecli.models.types import (
    EpochMillis,
    Score,
    fk_column,
    long_text_type,
    text_type,
    utcnow_millis,
)
from moviecli.rules import (
    CHECK_HALF_STARS,
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
    PERSON_NAME_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TAG_MAX,
    TITLE_MAX,
    USER_NAME_MAX,
    YEAR_MAX,
    YEAR_MIN,
    utcnow,
)


class MovieBase(SQLModel):
    """A movie's own fields and their limits, shared by the table and the inputs
    (models.inputs.MovieCreate, MovieUpdate)."""

    title: str = Field(max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX))
    year: int | None = Field(default=None, ge=YEAR_MIN, le=YEAR_MAX)
    original_title: str | None = Field(
        default=None, max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX)
    )
    runtime_minutes: int | None = Field(default=None, ge=RUNTIME_MIN, le=RUNTIME_MAX)


class Movie(MovieBase, table=True):
    """`director` is the film's directors' names joined with ", ", kept exact from
    movie_people by the repository in the same transaction (as the rating aggregates are
    from ratings), so listings and exports read one column: derived, so not an input
    (MovieBase), and first here so that the columns keep their order."""

    __tablename__ = "movies"
    __table_args__ = (
        CheckConstraint(CHECK_TITLE_LENGTH, name="title_length"),
        CheckConstraint(CHECK_YEAR, name="year_range"),
        CheckConstraint(CHECK_RUNTIME, name="runtime_range"),
        CheckConstraint("rating_count >= 0", name="rating_count_positive"),
        Index("ix_movies_title_key_year", "title_key", "year"),
        Index("ix_movies_year", "year"),
    )

    director: str | None = Field(default=None, max_length=TITLE_MAX, sa_type=text_type(TITLE_MAX))
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

    @property
    def saved_id(self) -> int:
        """The id of a movie that is stored (loaded, or added and flushed): never None."""
        if self.id is None:
            raise ValueError(f"'{self.title}' is not stored yet")
        return self.id


class Genre(SQLModel, table=True):
    __tablename__ = "genres"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=GENRE_MAX, unique=True, sa_type=text_type(GENRE_MAX))


class MovieGenre(SQLModel, table=True):
    __tablename__ = "movie_genres"
    __table_args__ = (Index("ix_movie_genres_genre_id", "genre_id"),)

    movie_id: int = Field(sa_column=fk_column("movies.id", primary_key=True))
    genre_id: int = Field(sa_column=fk_column("genres.id", primary_key=True))


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
    movie_id: int = Field(sa_column=fk_column("movies.id"))


class Tag(SQLModel, table=True):
    """A user's free-text tag on a movie (MovieLens tags.csv, Letterboxd tags)."""

    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("movie_id", "user_id", "tag", name="uq_tags_movie_id_user_id_tag"),
        CheckConstraint(CHECK_TAG_LENGTH, name="tag_length"),
        Index("ix_tags_user_id_tag_key", "user_id", "tag_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(sa_column=fk_column("movies.id"))
    user_id: int = Field(sa_column=fk_column("users.id"))
    tag: str = Field(max_length=TAG_MAX, sa_type=text_type(TAG_MAX))
    tag_key: str = Field(max_length=TAG_MAX, sa_type=text_type(TAG_MAX))
    tagged_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


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

    movie_id: int = Field(sa_column=fk_column("movies.id"))
    user_id: int = Field(sa_column=fk_column("users.id"))
    score: Score  # validated by the inputs (a table does not validate) and CHECK_HALF_STARS
    review: str | None = Field(default=None, sa_type=text_type())
    rated_at: datetime = Field(
        default_factory=utcnow_millis, sa_column=Column(EpochMillis, nullable=False)
    )


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

    movie_id: int = Field(sa_column=fk_column("movies.id", primary_key=True))
    role: str = Field(max_length=16, primary_key=True, sa_type=text_type(16))
    person_id: int = Field(sa_column=fk_column("people.id", primary_key=True))
    position: int


class Viewing(SQLModel, table=True):
    """One viewing of a film by a user: a diary entry. watched_on is None for "watched,
    date unknown" (Letterboxd's watched.csv)."""

    __tablename__ = "viewings"
    __table_args__ = (
        Index("ix_viewings_user_id_watched_on_id", "user_id", "watched_on", "id"),
        Index("ix_viewings_movie_id_user_id", "movie_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    movie_id: int = Field(sa_column=fk_column("movies.id"))
    user_id: int = Field(sa_column=fk_column("users.id"))
    watched_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    rewatch: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    review: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))


class WatchlistItem(SQLModel, table=True):
    __tablename__ = "watchlist"
    __table_args__ = (
        CheckConstraint(CHECK_NOTE, name="note_length"),
        Index("ix_watchlist_user_id_added_at", "user_id", "added_at"),
        Index("ix_watchlist_movie_id", "movie_id"),
    )

    user_id: int = Field(sa_column=fk_column("users.id", primary_key=True))
    movie_id: int = Field(sa_column=fk_column("movies.id", primary_key=True))
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
