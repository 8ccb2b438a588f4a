"""Shared fixtures: every test gets its own catalog in tmp_path; nothing touches the real one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from moviecli.cli import app


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the per-user data and cache folders at temp dirs; fix the user and the width."""
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.delenv("MOVIECLI_DB", raising=False)
    monkeypatch.delenv("MOVIECLI_DEBUG", raising=False)
    monkeypatch.setenv("MOVIECLI_USER", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return data_home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "catalog" / "movies.db"


Invoke = Callable[..., Result]


@pytest.fixture
def cli(db_path: Path) -> Invoke:
    """Run moviecli on the test's own catalog: cli("add", "Heat", "--year", "1995")."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, db: Path | str | None = None) -> Result:
        target = str(db if db is not None else db_path)
        return runner.invoke(app, ["--db", target, *args], input=input)

    return invoke


def copy_catalog(template: Path, target: Path) -> Path:
    """A consistent copy of a template catalog (SQLite's backup), owner-only like a real one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(template)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    target.chmod(0o600)
    return target


def _template(factory: pytest.TempPathFactory, *args: str) -> Path:
    path = factory.mktemp("template") / "movies.db"
    result = CliRunner().invoke(app, ["--db", str(path), *args])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One catalog migrated to head by `moviecli db upgrade`, copied for each test
    (running Alembic once per test would dominate the suite's time)."""
    return _template(tmp_path_factory, "db", "upgrade")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One catalog filled by `moviecli seed`, copied for each test that needs it."""
    return _template(tmp_path_factory, "seed")


@pytest.fixture
def catalog(cli: Invoke, db_path: Path, migrated_template: Path) -> Path:
    """A fresh catalog at head, the test's own."""
    return copy_catalog(migrated_template, db_path)


@pytest.fixture
def seeded(cli: Invoke, db_path: Path, seeded_template: Path) -> Path:
    """A fresh copy of the seeded catalog, the test's own."""
    return copy_catalog(seeded_template, db_path)


def revision_of(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        connection.close()


def json_out(result: Result) -> Any:
    """The JSON a command printed on stdout (and nothing else)."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def dump_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: compare two dumps to prove nothing changed."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
    finally:
        connection.close()
