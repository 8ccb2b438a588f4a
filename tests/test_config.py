"""Where the catalog lives: --db beats MOVIECLI_DB beats platformdirs' data folder."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path

import platformdirs
import pytest
from typer.testing import CliRunner, Result

from moviecli.cli import app


def run(*args: str) -> Result:
    """moviecli without the `cli` fixture's --db: the real resolution rules apply."""
    return CliRunner().invoke(app, list(args))


def titles(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [t for (t,) in connection.execute("SELECT title FROM movies ORDER BY id")]
    finally:
        connection.close()


def default_path() -> Path:
    return platformdirs.user_data_path("moviecli") / "movies.db"


def test_default_path_is_under_the_temp_data_folder(isolated_environment: Path) -> None:
    assert default_path().is_relative_to(isolated_environment)
    result = run("db", "path")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{default_path()}\n"
    assert "does not exist yet" in result.stderr
    assert not default_path().parent.exists()  # `db path` creates nothing


def test_default_catalog_is_created_on_first_use_owner_only(isolated_environment: Path) -> None:
    result = run("add", "Heat", "--year", "1995")
    assert result.exit_code == 0, result.output
    assert titles(default_path()) == ["Heat"]
    if sys.platform != "win32":
        assert stat.S_IMODE(default_path().parent.stat().st_mode) == 0o700
    again = run("db", "path")
    assert again.stdout == f"{default_path()}\n"
    assert again.stderr == ""


def test_environment_beats_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = tmp_path / "env.db"
    monkeypatch.setenv("MOVIECLI_DB", str(from_env))
    assert run("db", "path").stdout == f"{from_env}\n"
    assert run("add", "Heat", "--year", "1995").exit_code == 0
    assert titles(from_env) == ["Heat"]
    assert not default_path().exists()


def test_option_beats_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = tmp_path / "env.db"
    from_option = tmp_path / "option.db"
    monkeypatch.setenv("MOVIECLI_DB", str(from_env))
    assert run("--db", str(from_option), "db", "path").stdout == f"{from_option}\n"
    assert run("--db", str(from_option), "add", "Heat", "--year", "1995").exit_code == 0
    assert titles(from_option) == ["Heat"]
    assert not from_env.exists()
    assert not default_path().exists()


def test_sqlite_url_works(tmp_path: Path) -> None:
    path = tmp_path / "by url.db"
    url = f"sqlite:///{path}"
    assert run("--db", url, "add", "Heat", "--year", "1995").exit_code == 0
    result = run("--db", url, "list", "--format", "json")
    assert [m["title"] for m in json.loads(result.stdout)] == ["Heat"]
    assert titles(path) == ["Heat"]
    assert run("--db", url, "db", "path").stdout == f"{path}\n"


def test_url_in_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env-url.db"
    monkeypatch.setenv("MOVIECLI_DB", f"sqlite:///{path}")
    assert run("add", "Heat", "--year", "1995").exit_code == 0
    assert titles(path) == ["Heat"]


def test_a_path_with_percent_and_spaces(tmp_path: Path) -> None:
    # configparser interpolation must not see the path (NOTES: hand Alembic a connection)
    path = tmp_path / "100% my movies" / "cat %(here)s.db"
    path.parent.mkdir()
    result = run("--db", str(path), "add", "Heat", "--year", "1995")
    assert result.exit_code == 0, result.output
    assert titles(path) == ["Heat"]


def test_a_missing_folder_for_an_explicit_path_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "no such folder" / "movies.db"
    result = run("--db", str(path), "list")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert not path.parent.exists()
