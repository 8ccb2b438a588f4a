"""Assertions shared by the command tests: refusals, adding movies, reading the file directly."""

from __future__ import annotations

from typing import Any

from typer.testing import Result

from tests.conftest import Invoke, Target, as_sqlite_stores, json_out, sql_rows

# The JSON shapes from the SPEC, spelled out rather than imported from moviecli.render:
# a field renamed or dropped there must fail a test.
MOVIE_KEYS = [
    "id",
    "title",
    "year",
    "genres",
    "original_title",
    "runtime_minutes",
    "director",
    "average_rating",
    "rating_count",
]
RATING_KEYS = ["movie_id", "title", "year", "user", "score", "review", "rated_at"]
TOP_KEYS = ["rank", "id", "title", "year", "genres", "average_rating", "rating_count", "score"]


def refused(result: Result, code: int = 1) -> str:
    """The command failed with `code`, wrote nothing on stdout, and said why in one
    `Error:` line on stderr (no traceback). Returns that line."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.stdout == "", result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


def add(cli: Invoke, title: str, year: int, *genres: str, **options: Any) -> dict[str, Any]:
    """Add a movie through the CLI and return its JSON."""
    args = ["add", title, "--year", str(year), "--format", "json"]
    for genre in genres:
        args += ["--genre", genre]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    return json_out(cli(*args))


def rate(cli: Invoke, movie: str | int, score: float | str, user: str) -> dict[str, Any]:
    return json_out(cli("rate", str(movie), str(score), "--user", user, "--format", "json"))


def query(target: Target, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows straight from the catalog (SQLite file or PostgreSQL URL; `?` placeholders),
    dates and times as the text SQLite stores (PostgreSQL's driver gives date/datetime;
    its booleans already compare equal to SQLite's 0/1)."""
    return [tuple(map(as_sqlite_stores, row)) for row in sql_rows(target, sql, *params)]


def ratings_by_movie(path: Target) -> dict[int, list[float]]:
    """Every movie id with the list of its scores, read straight from the ratings table."""
    scores: dict[int, list[float]] = {
        movie_id: [] for (movie_id,) in query(path, "SELECT id FROM movies")
    }
    for movie_id, score in query(path, "SELECT movie_id, score FROM ratings"):
        scores[movie_id].append(score)
    return scores
