"""Typed bridges from the models to SQLAlchemy's two layers.

`select_wide`: sqlmodel.select is typed for up to four entities; beyond that no
overload matches. This is the same call, its rows typed as tuples of Any (the
repositories unpack them into typed views at once).

`core_table`: a model's Core table, for the set-based statements (store/__init__.py)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel, select
from sqlmodel.sql.expression import Select


def core_table(model: type[SQLModel]) -> Table:
    """`Model.__table__`, which SQLModel does not declare to type checkers: the mapper's
    `local_table` is that same object."""
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


def select_wide(*entities: Any) -> Select[*tuple[Any, ...]]:
    return cast("Select[*tuple[Any, ...]]", select(*entities))
