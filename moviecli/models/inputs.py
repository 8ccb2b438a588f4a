"""What commands and importers validate before anything is written: a movie to add or
edit, a rating, a user name."""

from __future__ import annotations

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from moviecli.models.types import (
    GenreList,
    OptionalText,
    PeopleList,
    Review,
    Score,
    Title,
    UserName,
)
from moviecli.rules import RUNTIME_MAX, RUNTIME_MIN, TITLE_MAX, YEAR_MAX, YEAR_MIN


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

    # The ignores: these fields widen MovieCreate's required types to "or None" on
    # purpose (an edit names only what changes); inheriting keeps the validators and
    # limits in one place, which mypy cannot tell from a Liskov violation.
    title: Title | None = None  # type: ignore[assignment]
    genres: GenreList | None = None  # type: ignore[assignment]
    directors: PeopleList | None = None  # type: ignore[assignment]
    writers: PeopleList | None = None  # type: ignore[assignment]
    cast: PeopleList | None = None  # type: ignore[assignment]


class RatingCreate(SQLModel):
    score: Score
    user: UserName
    review: Review = None


class UserNameInput(SQLModel):
    """A user name as typed (`--user`, $MOVIECLI_USER or the login name)."""

    user: UserName
