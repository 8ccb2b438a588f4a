"""The IMDb world's marks on the catalog: which fields came from the world, which IMDb
person a catalog person is. Loaded on first use (models/__init__.py)."""

from __future__ import annotations

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from moviecli.models.types import fk_column, text_type


class MovieImdbField(SQLModel, table=True):
    """A field of a film whose current value came from the IMDb world (title, year,
    runtime_minutes, original_title, genres, directors, writers, cast): a later sync may
    update it; `edit` of the field drops the mark, so a typed value is never overwritten."""

    __tablename__ = "movie_imdb_fields"

    movie_id: int = Field(sa_column=fk_column("movies.id", primary_key=True))
    field: str = Field(max_length=32, primary_key=True, sa_type=text_type(32))


class PersonImdbId(SQLModel, table=True):
    """The IMDb person (nm id as an integer) a catalog person is: two people of one name
    stay two."""

    __tablename__ = "person_imdb_ids"

    person_id: int = Field(sa_column=fk_column("people.id", primary_key=True))
    imdb_id: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
