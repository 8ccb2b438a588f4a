"""A user's named lists and their entries: tables only the list commands, the import
and the export use (loaded on first use, see models/__init__.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from moviecli.models.types import fk_column, long_text_type, text_type
from moviecli.rules import (
    CHECK_DESCRIPTION,
    CHECK_LIST_NAME,
    CHECK_NOTE,
    CHECK_POSITION,
    LIST_NAME_MAX,
    utcnow,
)


class MovieList(SQLModel, table=True):
    """A user's named list; names are unique per user case-insensitively (name_key)."""

    __tablename__ = "lists"
    __table_args__ = (
        UniqueConstraint("user_id", "name_key", name="uq_lists_user_id_name_key"),
        CheckConstraint(CHECK_LIST_NAME, name="name_length"),
        CheckConstraint(CHECK_DESCRIPTION, name="description_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=fk_column("users.id"))
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

    list_id: int = Field(sa_column=fk_column("lists.id", primary_key=True))
    movie_id: int = Field(sa_column=fk_column("movies.id", primary_key=True))
    position: int
    note: str | None = Field(default=None, sa_column=Column(long_text_type(), nullable=True))
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
