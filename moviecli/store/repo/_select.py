"""`select` for rows of more than four columns, typed.

sqlmodel.select is typed for up to four entities; beyond that no overload matches.
This is the same call, its rows typed as tuples of Any (the repositories unpack them
into typed views at once)."""

from __future__ import annotations

from typing import Any, cast

from sqlmodel import select
from sqlmodel.sql.expression import Select


def select_wide(*entities: Any) -> Select[*tuple[Any, ...]]:
    return cast("Select[*tuple[Any, ...]]", select(*entities))
