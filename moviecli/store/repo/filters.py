"""Conditions shared by the catalog's and the world's searches: text contained in a
key column (LIKE, its wildcards escaped) and a year or range of years."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Shell completion (store/complete.py) escapes with this module and must not load
    # SQLAlchemy.
    from sqlalchemy import ColumnElement


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text` (as given: callers pass keys, casefolded)."""
    condition: ColumnElement[bool] = column.like(f"%{escape_like(text)}%", escape="\\")
    return condition


def years(
    column: Any,
    *,
    year: int | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
) -> list[ColumnElement[bool]]:
    """`column` is `year`, and within `from_year` to `to_year` (each bound optional)."""
    conditions: list[ColumnElement[bool]] = []
    if year is not None:
        conditions.append(column == year)
    if from_year is not None:
        conditions.append(column >= from_year)
    if to_year is not None:
        conditions.append(column <= to_year)
    return conditions
