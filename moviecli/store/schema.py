"""The catalog's schema revision, read and classified without loading Alembic.

A leaf: it imports nothing else from the store (migrate.py imports it, never the
reverse). Ordinary commands compare the catalog's `alembic_version` row with HEAD
(migrate.ensure_schema); only the `db` commands (and a brand-new catalog) load Alembic.
The revisions are read from the names of the scripts in migrations/versions
(`0001_initial_schema.py` is 0001)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect

import moviecli
from moviecli.errors import SchemaError

_SCRIPT = re.compile(r"^(\d{4})_\w+\.py$")


def alembic_ini_path() -> Path:
    """The checkout's alembic.ini when running from a checkout, else the wheel's copy.

    A checkout is recognised by pyproject.toml, alembic.ini and migrations/ beside the
    package: site-packages never holds a pyproject.toml, so an installed wheel always
    uses its own copy (moviecli/alembic.ini + moviecli/migrations)."""
    package = Path(moviecli.__file__).resolve().parent
    checkout = package.parent
    if (
        (checkout / "pyproject.toml").is_file()
        and (checkout / "alembic.ini").is_file()
        and (checkout / "migrations").is_dir()
    ):
        return checkout / "alembic.ini"
    return package / "alembic.ini"


@cache
def revisions() -> tuple[str, ...]:
    """Every revision this code knows, oldest first."""
    versions = alembic_ini_path().parent / "migrations" / "versions"
    found = sorted(m[1] for p in versions.iterdir() if (m := _SCRIPT.match(p.name)))
    if not found:
        raise SchemaError(f"no migration scripts found in {versions}; the install is broken")
    return tuple(found)


def head() -> str:
    return revisions()[-1]


def read_revision(engine: Engine) -> tuple[str | None, bool]:
    """The catalog's revision, and whether it holds any table at all."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            tables = {
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                ).fetchall()
            }
        else:
            tables = set(inspect(conn).get_table_names())
        revision = None
        if "alembic_version" in tables:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        conn.rollback()
    return revision, bool(tables - {"alembic_version"})


def engine_name(engine: Engine) -> str:
    return "an SQLite database" if engine.dialect.name == "sqlite" else "a PostgreSQL database"


def refuse_unknown(revision: str | None) -> None:
    """Refuse a catalog at a revision this code does not know (made by a newer moviecli)."""
    if revision is not None and revision not in revisions():
        raise SchemaError(
            f"database schema is at revision {revision}, which this moviecli does not know "
            "(made by a newer moviecli?); upgrade moviecli, the catalog was not touched"
        )
