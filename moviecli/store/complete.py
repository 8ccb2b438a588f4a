"""Shell completion of MOVIE arguments: titles from the catalog, fast.

Completion runs on every Tab, so it must cost no more than moviecli's own startup: it
reads an SQLite catalog with the standard library's sqlite3 (read-only, never creating
it) instead of loading SQLAlchemy. A PostgreSQL catalog completes nothing."""

from __future__ import annotations

import sqlite3

from moviecli.config import resolve_location
from moviecli.rules import title_key
from moviecli.store.repo.filters import escape_like

LIMIT = 50


def movie_titles(db_option: str | None, incomplete: str) -> list[str]:
    """Titles (as `Title (Year)`) whose case-folded title starts with `incomplete`."""
    try:
        location = resolve_location(db_option)
    except Exception:
        return []
    if location.path is None or not location.path.is_file():
        return []
    prefix = title_key(incomplete)
    pattern = escape_like(prefix) + "%"
    try:
        connection = sqlite3.connect(f"{location.path.absolute().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = connection.execute(
            "SELECT title, year FROM movies WHERE title_key LIKE ? ESCAPE '\\' "
            "ORDER BY title_key, year LIMIT ?",
            (pattern, LIMIT),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        connection.close()
    shown = [title if year is None else f"{title} ({year})" for title, year in rows]
    # The shell keeps only words that start with what was typed, case and all: give the
    # typed prefix back as typed ("the" -> "the Matrix (1999)"; titles match any case).
    return [
        incomplete + item[len(incomplete) :]
        if item[: len(incomplete)].casefold() == incomplete.casefold()
        else item
        for item in shown
    ]
