"""What commands and importers validate before anything is written: a movie to add or
edit, a rating, a user name. The movie inputs inherit MovieBase, whose limits (year,
runtime) are written once there."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from moviecli.models.tables import MovieBase
from moviecli.models.types import (
    GenreList,
    OptionalTitle,
    PeopleList,
    Review,
    Score,
    Title,
    UserName,
)


class MovieCreate(MovieBase):
    """year and runtime_minutes as MovieBase has them; the title checked by
    rules.check_title; genres and people, which are rows of their own, as lists."""

    title: Title
    original_title: OptionalTitle = None
    genres: GenreList = Field(default_factory=list)
    directors: PeopleList = Field(default_factory=list)
    writers: PeopleList = Field(default_factory=list)
    cast: PeopleList = Field(default_factory=list)


class MovieUpdate(MovieBase):
    """Every field optional; applied with model_dump(exclude_unset=True)."""

    # The ignore: an edit names only what changes, so the title MovieBase requires is
    # optional here, which mypy cannot tell from a Liskov violation.
    title: Title | None = None  # type: ignore[assignment]
    original_title: OptionalTitle = None
    genres: GenreList | None = None
    directors: PeopleList | None = None
    writers: PeopleList | None = None
    cast: PeopleList | None = None


class RatingCreate(SQLModel):
    score: Score
    user: UserName
    review: Review = None


class UserNameInput(SQLModel):
    """A user name as typed (`--user`, $MOVIECLI_USER or the login name)."""

    user: UserName
