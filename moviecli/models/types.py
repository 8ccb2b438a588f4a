"""The kinds of value the tables and inputs are made of: column types (text that sorts the
same on both engines, EpochMillis), the foreign-key column, the validated input types
(Title, Score, UserName, ...) and the metadata's naming convention. A moment is a naive
UTC datetime everywhere (`utcnow`); its conversions are rules' (naive_utc, to_millis, ...).

The naming convention is set here, before `tables` defines any table."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import (
    BigInteger,
    Column,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.types import TypeEngine
from sqlmodel import AutoString, SQLModel

from moviecli.rules import (
    GENRE_MAX,
    PERSON_NAME_MAX,
    TITLE_MAX,
    check_name,
    check_score,
    check_text,
    check_title,
    check_user_name,
    from_millis,
    genre_names,
    to_millis,
    utcnow,
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


def utcnow_millis() -> datetime:
    """Now, to the millisecond: the precision a rating's time is stored with."""
    return from_millis(to_millis(utcnow()))


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
        return None if value is None else to_millis(value)

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return None if value is None else from_millis(value)


def fk_column(target: str, *, primary_key: bool = False) -> Column[int]:
    """An integer column referring to `target` ("movies.id"), its rows deleted with the
    row they refer to; part of the primary key, or else NOT NULL."""
    if primary_key:
        return Column(Integer, ForeignKey(target, ondelete="CASCADE"), primary_key=True)
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False)


def _clean_optional_text(value: str | None) -> str | None:
    """Blank is none (so `edit --original-title ""` clears the field); no control characters."""
    if value is None:
        return None
    value = value.strip()
    return check_text(value, what="text") or None


def _within_title_max(value: str | None) -> str | None:
    if value is not None and len(value) > TITLE_MAX:
        raise ValueError(f"must be at most {TITLE_MAX} characters")
    return value


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
# An optional title (original_title): stripped, blank is none, at most TITLE_MAX.
OptionalTitle = Annotated[
    str | None, BeforeValidator(_clean_optional_text), AfterValidator(_within_title_max)
]
Review = Annotated[str | None, BeforeValidator(_clean_review)]
GenreList = Annotated[list[str], AfterValidator(_clean_genres)]
Score = Annotated[float, AfterValidator(check_score)]
UserName = Annotated[str, AfterValidator(_clean_user)]
