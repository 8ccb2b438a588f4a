"""Rows about the catalog as a whole and its members: the ratings stamp's one row and
each user's privacy. Loaded on first use (models/__init__.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint
from sqlmodel import Field, SQLModel

from moviecli.models.types import fk_column, text_type


class CatalogState(SQLModel, table=True):
    """One row: `ratings_stamp` changes (to a new random number) in the same transaction
    as every change to the ratings, so the recommender knows when its model is stale."""

    __tablename__ = "catalog_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: int = Field(default=1, primary_key=True)
    ratings_stamp: int = Field(default=0, sa_type=BigInteger)


class Privacy(SQLModel, table=True):
    """Who besides the user sees their diary, reviews and lists on a shared catalog:
    'public' (guests too), 'members' (no row means this) or 'private'. PostgreSQL's row
    security enforces it (migration 0007); on SQLite it is stored and changes nothing.
    `pseudonym` (PostgreSQL: random, readable by the owner only) stands for the user in
    the anonymous scores that recommendations read."""

    __tablename__ = "privacy"
    __table_args__ = tuple(
        CheckConstraint(f"{c} IN ('public', 'members', 'private')", name=c)
        for c in ("diary", "reviews", "lists")
    )

    user_id: int = Field(sa_column=fk_column("users.id", primary_key=True))
    diary: str = Field(
        default="members",
        max_length=8,
        sa_type=text_type(8),
        sa_column_kwargs={"server_default": "members"},
    )
    reviews: str = Field(
        default="members",
        max_length=8,
        sa_type=text_type(8),
        sa_column_kwargs={"server_default": "members"},
    )
    lists: str = Field(
        default="members",
        max_length=8,
        sa_type=text_type(8),
        sa_column_kwargs={"server_default": "members"},
    )
    pseudonym: int | None = Field(default=None)
