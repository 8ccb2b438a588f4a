"""A shared catalog for the members tests: its own owner role and database on the
suite's PostgreSQL server, members created through `db members add`, each connecting
as itself (the test server's socket trusts the role named in the URL).

Roles are cluster-wide: every role here is named after the test's own database (unique
in the session) and dropped afterwards, so parallel tests never share one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from typer.testing import CliRunner, Result

from moviecli.cli import app
from tests.conftest import PgServer


class Shared:
    def __init__(self, pg: PgServer, database: str) -> None:
        self.pg = pg
        self.database = database
        self.owner = f"{database}_owner"
        self.roles: list[str] = [self.owner]
        self.runner = CliRunner()

    def role(self, short: str) -> str:
        """The cluster-wide name of this test's member `short`."""
        name = f"{self.database}_{short}"
        if name not in self.roles:
            self.roles.append(name)
        return name

    def url(self, role: str) -> str:
        return f"postgresql://{role}@/{self.database}?host={self.pg.host}"

    def run(self, role: str, *args: str, input: str | None = None) -> Result:
        """moviecli as `role` (no --user, no MOVIECLI_USER: the role is the user)."""
        return self.runner.invoke(app, ["--db", self.url(role), *args], input=input)

    def add_member(self, short: str, *options: str) -> str:
        name = self.role(short)
        result = self.run(self.owner, "db", "members", "add", name, *options)
        assert result.exit_code == 0, result.output
        return name

    @contextmanager
    def sql(self, role: str) -> Iterator[psycopg.Connection[Any]]:
        """A plain SQL connection as `role`, autocommit, as psql would have."""
        with psycopg.connect(self.url(role), autocommit=True) as connection:
            yield connection

    def rows(self, role: str, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.sql(role) as connection:
            return list(connection.execute(statement, params).fetchall())  # type: ignore[arg-type]

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, read by the owner (who reads everything)."""
        tables = (
            "movies",
            "users",
            "privacy",
            "ratings",
            "viewings",
            "watchlist",
            "lists",
            "list_items",
            "tags",
            "genres",
            "movie_genres",
            "people",
            "movie_people",
            "external_ids",
        )
        with self.sql(self.owner) as connection:
            return {
                t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr)  # type: ignore[arg-type]
                for t in tables
            }

    def user_id(self, name: str) -> int:
        return int(self.rows(self.owner, "SELECT id FROM users WHERE name = %s", name)[0][0])

    def create(self) -> None:
        self.pg.execute(
            f"CREATE ROLE {self.owner} LOGIN CREATEROLE",
            f"CREATE DATABASE {self.database} OWNER {self.owner}",
        )

    def drop(self) -> None:
        self.pg.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        groups = [f"{self.database}_{g}" for g in ("member", "admin", "guest")]
        for role in [*groups, *reversed(self.roles)]:
            self.pg.execute(f"DROP ROLE IF EXISTS {role}")
