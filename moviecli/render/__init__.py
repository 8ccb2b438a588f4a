"""Everything moviecli prints about records, by job: `emit` (consoles, JSON, the one CSV
writer CsvOut), `widgets` (stars, bars, histograms, titles), `text` (the sanitiser:
control characters, formula cells, numbers; standard library only), and one module
per area: `catalog`, `diary`, `recommend`, `db`, `io`, `imdb` (sync and status),
`world` (reading IMDb's films: find, the choice, show, person, top --imdb).

`from moviecli import render; render.movies(...)` keeps working: the names below are
loaded from their module when first used, so importing `moviecli.render.text` (as the
error handler in cli.py does) loads neither Rich nor the models. Nothing below
`render` imports it, except for `render.text` and `render.emit.CsvOut`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moviecli.render.catalog import (
        MOVIE_FIELDS,
        RATING_FIELDS,
        TOP_EXPLAIN_FIELDS,
        TOP_FIELDS,
        movie,
        movie_detail,
        movie_listing,
        movies,
        rating_change,
        ratings,
        stats,
        top,
    )
    from moviecli.render.db import (
        revisions,
    )
    from moviecli.render.emit import (
        CsvOut,
        for_programs,
        iso_utc,
        jsonable,
        note,
        plain,
        stderr_console,
        stdout_console,
        write_csv,
        write_json,
    )
    from moviecli.render.io import (
        import_progress,
        import_summary,
    )
    from moviecli.render.widgets import (
        bar_chart,
        half_stars,
        histogram,
        local_time,
        stars,
        user_text,
    )

# Where each name re-exported here lives.
_HOMES: dict[str, str] = {
    "MOVIE_FIELDS": "catalog",
    "RATING_FIELDS": "catalog",
    "TOP_EXPLAIN_FIELDS": "catalog",
    "TOP_FIELDS": "catalog",
    "movie": "catalog",
    "movie_detail": "catalog",
    "movie_listing": "catalog",
    "movies": "catalog",
    "rating_change": "catalog",
    "ratings": "catalog",
    "stats": "catalog",
    "top": "catalog",
    "revisions": "db",
    "CsvOut": "emit",
    "for_programs": "emit",
    "iso_utc": "emit",
    "jsonable": "emit",
    "note": "emit",
    "plain": "emit",
    "stderr_console": "emit",
    "stdout_console": "emit",
    "write_csv": "emit",
    "write_json": "emit",
    "import_progress": "io",
    "import_summary": "io",
    "bar_chart": "widgets",
    "half_stars": "widgets",
    "histogram": "widgets",
    "local_time": "widgets",
    "stars": "widgets",
    "user_text": "widgets",
}

__all__ = [
    "MOVIE_FIELDS",
    "RATING_FIELDS",
    "TOP_EXPLAIN_FIELDS",
    "TOP_FIELDS",
    "CsvOut",
    "bar_chart",
    "for_programs",
    "half_stars",
    "histogram",
    "import_progress",
    "import_summary",
    "iso_utc",
    "jsonable",
    "local_time",
    "movie",
    "movie_detail",
    "movie_listing",
    "movies",
    "note",
    "plain",
    "rating_change",
    "ratings",
    "revisions",
    "stars",
    "stats",
    "stderr_console",
    "stdout_console",
    "top",
    "user_text",
    "write_csv",
    "write_json",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
