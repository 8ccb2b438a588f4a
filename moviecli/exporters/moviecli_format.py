"""moviecli's own export format, shared by its writers (exporters) and its reader
(importers/moviecli_export.py): its name and version, its sections, the CSV's columns,
and timestamps as it writes them."""

from __future__ import annotations

from datetime import datetime

from moviecli.rules import from_millis, iso_utc

FORMAT_NAME = "moviecli-export"
VERSION = 1
CSV_FIELDS = ["movie_id", "title", "year", "user", "score", "review", "rated_at"]
SECTIONS = (
    "genres",
    "users",
    "people",
    "movies",
    "ratings",
    "tags",
    "viewings",
    "watchlist",
    "lists",
    "list_items",
)


def iso(stored: str | int | datetime | None) -> str | None:
    """A stored timestamp ('2024-03-31 20:15:00.000000', a naive UTC datetime, or
    milliseconds since 1970) as ISO 8601 UTC."""
    if stored is None:
        return None
    if isinstance(stored, datetime):
        moment = stored
    elif isinstance(stored, int):
        moment = from_millis(stored)
    else:
        moment = datetime.fromisoformat(stored)
    return iso_utc(moment, timespec="microseconds")
