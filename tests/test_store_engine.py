"""The storage layer's engine choice and messages that need no server: a missing
driver, masked passwords, server errors translated into one line."""

from __future__ import annotations

import sys

import pytest

from moviecli.config import mask_password, resolve_location
from tests.checks import refused
from tests.conftest import Invoke

SECRET_URL = "postgresql://ann:s3cr%40t@127.0.0.1:1/club"


def test_mask_password_hides_only_the_password() -> None:
    assert mask_password("postgresql://ann:secret@db.example/club?sslmode=require") == (
        "postgresql://ann:***@db.example/club?sslmode=require"
    )
    assert mask_password("postgresql://ann@db.example/club") == "postgresql://ann@db.example/club"
    assert mask_password("postgresql:///club?host=/tmp/x") == "postgresql:///club?host=/tmp/x"


def test_db_path_masks_the_password(cli: Invoke) -> None:
    result = cli("db", "path", db=SECRET_URL)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "postgresql://ann:***@127.0.0.1:1/club"
    assert "s3cr" not in result.output


def test_an_unreachable_server_is_one_line_without_the_password(cli: Invoke) -> None:
    line = refused(cli("list", db=SECRET_URL))
    assert "cannot reach the PostgreSQL server" in line
    assert "s3cr" not in line and "***" in line


def test_a_missing_driver_says_what_to_install(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails
    line = refused(cli("list", db="postgresql://ann@localhost/club"))
    assert "psycopg" in line and "pip install" in line


def test_a_url_of_another_engine_is_refused(cli: Invoke) -> None:
    line = refused(cli("list", db="mysql://ann@localhost/club"))
    assert "SQLite files and PostgreSQL servers" in line


def test_location_knows_the_password_without_showing_it() -> None:
    location = resolve_location(SECRET_URL)
    assert location.password == "s3cr@t"
    assert "s3cr" not in location.display
